"""The rate-limit windows and sign-in lockouts shared by every worker and host."""

import sqlalchemy as sa
from alembic import op

revision = "0002_throttle"
down_revision = "0001_counts"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "throttle_events",
        sa.Column("id", ROW_ID, nullable=False, autoincrement=True),
        sa.Column("window", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_throttle_events"),
    )
    op.create_index("ix_throttle_events_window_key_at", "throttle_events", ["window", "key", "at"])
    op.create_index("ix_throttle_events_at", "throttle_events", ["at"])


def downgrade() -> None:
    op.drop_table("throttle_events")
