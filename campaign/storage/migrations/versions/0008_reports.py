"""The anonymous reports of what came of a letter: (office, channel, kind, day) -> n."""

import sqlalchemy as sa
from alembic import op

revision = "0008_reports"
down_revision = "0007_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("office", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("office", "channel", "kind", "day", name="pk_reports"),
    )


def downgrade() -> None:
    op.drop_table("reports")
