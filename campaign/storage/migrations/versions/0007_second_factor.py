"""Organisers' second factor: the TOTP secret, the last step used, and hashed recovery codes."""

import sqlalchemy as sa
from alembic import op

revision = "0007_second_factor"
down_revision = "0006_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisers") as table:  # SQLite cannot alter a table in place
        table.add_column(sa.Column("totp_secret", sa.Text, nullable=True))
        table.add_column(
            sa.Column("totp_on", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(
            sa.Column("totp_last_step", sa.BigInteger, nullable=False, server_default="0")
        )
    op.create_table(
        "recovery_codes",
        sa.Column("organiser", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["organiser"],
            ["organisers.name"],
            name="fk_recovery_codes_organiser_organisers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organiser", "hash", name="pk_recovery_codes"),
    )


def downgrade() -> None:
    op.drop_table("recovery_codes")
    with op.batch_alter_table("organisers") as table:
        table.drop_column("totp_last_step")
        table.drop_column("totp_on")
        table.drop_column("totp_secret")
