"""institutions get a language (BCP 47) and a credential profile; achievements may override the
profile

Existing institutions get ``en``, the tag every text of theirs carried until now, so nothing
they issued or configured changes meaning; an institution whose texts are in another language
says so (``microcred institution create --language``, ``language`` in the API). They keep the
``compact`` profile, today's credential. An achievement's ``profile`` is null: the
institution's. Achievements also get ``nqf_level_label``, the label of an NQF level given as a
QDR concept (EDC profile).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (with a constant default) on every backend: a batch rebuild of these
    # tables on SQLite would drop tables that credentials refer to.
    op.add_column(
        "institution",
        sa.Column("language", sa.String(length=35), nullable=False, server_default="en"),
    )
    op.add_column(
        "institution",
        sa.Column("profile", sa.String(length=16), nullable=False, server_default="compact"),
    )
    op.add_column("achievement", sa.Column("profile", sa.String(length=16), nullable=True))
    op.add_column("achievement", sa.Column("nqf_level_label", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later), for the same reason.
    op.drop_column("achievement", "nqf_level_label")
    op.drop_column("achievement", "profile")
    op.drop_column("institution", "profile")
    op.drop_column("institution", "language")
