"""institutions get a public contact (an e-mail address or a URL) and a setting whether the
public pages show the learner's date of birth

Existing institutions have no contact (the pages then name none) and do not show the date of
birth: it leaves the public verification page, as an employer needs the name only. The wallet
and the certificate PDF, which are the learner's, keep it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (with a constant default) on every backend, as in 0008.
    op.add_column("institution", sa.Column("contact", sa.String(2048), nullable=True))
    op.add_column(
        "institution",
        sa.Column("show_date_of_birth", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later): a batch rebuild of this table on SQLite would
    # drop a table that others refer to.
    op.drop_column("institution", "show_date_of_birth")
    op.drop_column("institution", "contact")
