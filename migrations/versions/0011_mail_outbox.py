"""the learner's wallet link by e-mail: an outbox of messages, written in the transaction that
issues the credential and sent by workers, and a setting per institution (``notify_learners``,
on by default; no message is queued without an SMTP server configured)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN (with a constant default) on every backend, as in 0008 and 0010.
    op.add_column(
        "institution",
        sa.Column("notify_learners", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", _BIG_ID, nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_mail_outbox_credential_id_credential"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_mail_outbox_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_mail_outbox_credential_id")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_outbox_message_id")),
    )
    op.create_index(
        op.f("ix_mail_outbox_institution_id"), "mail_outbox", ["institution_id"], unique=False
    )
    op.create_index("ix_mail_outbox_work", "mail_outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_work", table_name="mail_outbox")
    op.drop_index(op.f("ix_mail_outbox_institution_id"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    # Plain DROP COLUMN (SQLite 3.35 and later), as in 0010.
    op.drop_column("institution", "notify_learners")
