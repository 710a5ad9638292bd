"""an index to tell whether a batch has open rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.create_index("ix_batch_row_open", ["batch_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_row_open")
