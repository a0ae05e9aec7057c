"""The anonymous counts (office, channel, day) and the receipts that make a report count once."""

import sqlalchemy as sa
from alembic import op

revision = "0001_counts"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counts",
        sa.Column("office", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("office", "channel", "day", name="pk_counts"),
    )
    op.create_table(
        "receipts",
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_receipts"),
    )
    op.create_index("ix_receipts_day", "receipts", ["day"])


def downgrade() -> None:
    op.drop_table("receipts")
    op.drop_table("counts")
