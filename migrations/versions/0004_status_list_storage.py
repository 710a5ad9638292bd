"""status list bits stored uncompressed on PostgreSQL

PostgreSQL compresses a 16 KiB bytea on every UPDATE, and how long that takes depends on how
many bits are set: revocation got slower as revocations accumulated. EXTERNAL storage keeps
the value out of line without compression, so a bit change costs the same at any fill.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE status_list ALTER COLUMN bits SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE status_list ALTER COLUMN bits SET STORAGE EXTENDED")
