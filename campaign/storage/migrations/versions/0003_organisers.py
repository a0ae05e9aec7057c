"""Organiser accounts: argon2id hashes and session epochs (until now organisers.json)."""

import sqlalchemy as sa
from alembic import op

revision = "0003_organisers"
down_revision = "0002_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisers",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("session_epoch", sa.Text, nullable=False),
        sa.Column("password_changed", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_organisers"),
        sa.UniqueConstraint("name_key", name="uq_organisers_name_key"),
    )


def downgrade() -> None:
    op.drop_table("organisers")
