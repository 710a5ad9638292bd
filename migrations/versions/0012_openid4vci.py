"""OpenID4VCI: credential offers (one-time, expiring grants on a credential) and the
holder-bound credentials issued through them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "credential_offer",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("institution_id", _BIG_ID, nullable=False),
        sa.Column("credential_id", sa.String(36), nullable=False),
        sa.Column("offer_hash", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("tx_code_hash", sa.String(64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"],
            name=op.f("fk_credential_offer_institution_id_institution"),
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credential.id"],
            name=op.f("fk_credential_offer_credential_id_credential"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offer")),
        sa.UniqueConstraint("offer_hash", name=op.f("uq_credential_offer_offer_hash")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_credential_offer_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credential_offer_token_hash")),
    )  # fmt: skip
    op.create_index(
        "ix_credential_offer_credential", "credential_offer", ["credential_id", "created_at"]
    )
    op.create_index(
        op.f("ix_credential_offer_institution_id"), "credential_offer", ["institution_id"]
    )
    op.create_table(
        "holder_credential",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("credential_id", sa.String(36), nullable=False),
        sa.Column("offer_id", sa.String(36), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credential.id"],
            name=op.f("fk_holder_credential_credential_id_credential"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["credential_offer.id"],
            name=op.f("fk_holder_credential_offer_id_credential_offer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_credential")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_holder_credential_credential_id"), "holder_credential", ["credential_id"]
    )
    op.create_index(op.f("ix_holder_credential_offer_id"), "holder_credential", ["offer_id"])


def downgrade() -> None:
    op.drop_table("holder_credential")
    op.drop_table("credential_offer")
