"""The kept versions of the files the console edits (until now folders under versions/)."""

import sqlalchemy as sa
from alembic import op

revision = "0005_versions"
down_revision = "0004_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "versions",
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("file", "id", name="pk_versions"),
    )
    op.create_index("ix_versions_file_sha256", "versions", ["file", "sha256"])


def downgrade() -> None:
    op.drop_table("versions")
