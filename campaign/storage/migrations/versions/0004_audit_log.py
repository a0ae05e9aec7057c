"""The audit log: who changed which file, office and fields (until now audit.jsonl)."""

import sqlalchemy as sa
from alembic import op

revision = "0004_audit_log"
down_revision = "0003_organisers"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("office", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
