"""The old instance files already imported, so that an import run twice imports nothing twice."""

import sqlalchemy as sa
from alembic import op

revision = "0006_imports"
down_revision = "0005_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_imports"),
    )


def downgrade() -> None:
    op.drop_table("imports")
