"""status lists

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_list",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("permutation_key", sa.LargeBinary(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_version", sa.Integer(), nullable=True),
        sa.Column("signed_json", sa.LargeBinary(), nullable=True),
        sa.Column("signed_jwt", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_status_list_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_list_public_id")),
    )
    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_list_open", ["institution_id", "purpose", "allocated"], unique=False
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_subject"), ["subject"], unique=False)

    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "revocation_list_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("revocation_index", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "suspension_list_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("suspension_index", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_credential_revocation", ["revocation_list_id", "revocation_index"]
        )
        batch_op.create_unique_constraint(
            "uq_credential_suspension", ["suspension_list_id", "suspension_index"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credential_revocation_list_id_status_list"),
            "status_list",
            ["revocation_list_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credential_suspension_list_id_status_list"),
            "status_list",
            ["suspension_list_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_subject"))

    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_credential_suspension_list_id_status_list"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_credential_revocation_list_id_status_list"), type_="foreignkey"
        )
        batch_op.drop_constraint("uq_credential_suspension", type_="unique")
        batch_op.drop_constraint("uq_credential_revocation", type_="unique")
        batch_op.drop_column("suspension_index")
        batch_op.drop_column("suspension_list_id")
        batch_op.drop_column("revocation_index")
        batch_op.drop_column("revocation_list_id")

    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.drop_index("ix_status_list_open")

    op.drop_table("status_list")
