"""achievements and credentials

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "achievement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=True),
        sa.Column("learning_outcomes", sa.JSON(), nullable=False),
        sa.Column("ects", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("workload_hours", sa.Integer(), nullable=True),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("nqf_level", sa.String(length=255), nullable=True),
        sa.Column("assessment_type", sa.JSON(), nullable=False),
        sa.Column("participation_form", sa.String(length=16), nullable=False),
        sa.Column("quality_assurance", sa.JSON(), nullable=False),
        sa.Column("prerequisites", sa.JSON(), nullable=True),
        sa.Column("supervision", sa.JSON(), nullable=True),
        sa.Column("stackability", sa.JSON(), nullable=True),
        sa.Column("further_information", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_achievement_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement")),
    )
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_achievement_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "credential",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("achievement_id", sa.String(length=36), nullable=True),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("wallet_token", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("learner_given_name", sa.String(length=255), nullable=True),
        sa.Column("learner_family_name", sa.String(length=255), nullable=True),
        sa.Column("learner_email", sa.String(length=320), nullable=True),
        sa.Column("learner_date_of_birth", sa.Date(), nullable=True),
        sa.Column("learner_identifier", sa.String(length=255), nullable=True),
        sa.Column("learner_did", sa.String(length=512), nullable=True),
        sa.Column("grade", sa.String(length=255), nullable=True),
        sa.Column("awarded_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verification_method", sa.String(length=600), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credential_json", sa.LargeBinary(), nullable=False),
        sa.Column("credential_jwt", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievement.id"],
            name=op.f("fk_credential_achievement_id_achievement"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_credential_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("institution_id", "idempotency_key", name="uq_credential_idempotency"),
        sa.UniqueConstraint("public_id", name=op.f("uq_credential_public_id")),
        sa.UniqueConstraint("wallet_token", name=op.f("uq_credential_wallet_token")),
    )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_achievement_id"), ["achievement_id"], unique=False
        )
        batch_op.create_index(
            "ix_credential_institution_issued", ["institution_id", "issued_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_index("ix_credential_institution_issued")
        batch_op.drop_index(batch_op.f("ix_credential_achievement_id"))

    op.drop_table("credential")
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_achievement_institution_id"))

    op.drop_table("achievement")
