"""institutions get a public contact (an e-mail address or a URL), a setting whether the
public pages show the learner's date of birth, and their certificates' branding: the signatory's
name and title, the place, and images (logo, signature, stamp) in ``institution_image``

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
    for column in ("signatory_name", "signatory_title", "place"):
        op.add_column("institution", sa.Column(column, sa.String(255), nullable=True))
    op.create_table(
        "institution_image",
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_institution_image_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("institution_id", "kind", name=op.f("pk_institution_image")),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later): a batch rebuild of this table on SQLite would
    # drop a table that others refer to.
    op.drop_table("institution_image")
    for column in ("place", "signatory_title", "signatory_name"):
        op.drop_column("institution", column)
    op.drop_column("institution", "show_date_of_birth")
    op.drop_column("institution", "contact")
