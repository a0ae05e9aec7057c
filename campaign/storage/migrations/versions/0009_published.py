"""The published version of each editable file, and what each host's copy last held."""

import sqlalchemy as sa
from alembic import op

revision = "0009_published"
down_revision = "0008_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published",
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("file", name="pk_published"),
    )
    op.create_table(
        "local_copies",
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("place", name="pk_local_copies"),
    )


def downgrade() -> None:
    op.drop_table("local_copies")
    op.drop_table("published")
