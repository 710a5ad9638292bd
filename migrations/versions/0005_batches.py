"""batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("achievement_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievement.id"], name=op.f("fk_batch_achievement_id_achievement")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"], name=op.f("fk_batch_institution_id_institution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "batch_row",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_batch_row_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credential.id"], name=op.f("fk_batch_row_credential_id_credential")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_row")),
        sa.UniqueConstraint("batch_id", "row_number", name="uq_batch_row_number"),
        sa.UniqueConstraint("credential_id", name=op.f("uq_batch_row_credential_id")),
    )
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_row_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_batch_row_work", ["state", "claimed_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_row_work")
        batch_op.drop_index(batch_op.f("ix_batch_row_batch_id"))

    op.drop_table("batch_row")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_institution_id"))

    op.drop_table("batch")
