"""Alembic's entry point: run the migrations on the connection `campaign.storage.schema` passes.

There is no alembic.ini: `schema.upgrade` builds the configuration, opens a write transaction,
takes the migration lock and hands its connection over in `config.attributes["connection"]`,
so the migrations run inside that one transaction (both databases have transactional DDL).
"""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    render_as_batch=True,  # SQLite changes a column by copying its table
)
with context.begin_transaction():  # joins the transaction already open
    context.run_migrations()
