"""wallet tokens at rest: a SHA-256 for lookup and the token sealed under the master key, never
the token in clear

Existing tokens are converted here, in the migration, because it is the one step that drops the
plain column: the caller (``microcred serve``/``init`` for SQLite, ``microcred db upgrade``)
passes the master key in ``config.attributes["master_key"]``. A database with credentials and
no master key, or one that does not open the active signing keys, is refused before anything
changes. On SQLite ``secure_delete`` zeroes the pages the old column leaves behind.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import keys
from app.settings import SettingsError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_credential = sa.table(
    "credential",
    sa.column("id", sa.String),
    sa.column("wallet_token", sa.String),
    sa.column("wallet_token_hash", sa.String),
    sa.column("wallet_token_sealed", sa.LargeBinary),
)
_signing_key = sa.table(
    "signing_key",
    sa.column("id", sa.String),
    sa.column("sealed_private", sa.LargeBinary),
    sa.column("state", sa.String),
)


def _aad(credential_id: str) -> bytes:
    # The same associated data as app.services.wallet_tokens.wallet_token_aad.
    return f"credential/{credential_id}/wallet_token".encode()


def _master_key(bind: sa.Connection) -> bytes:
    master_key = context.config.attributes.get("master_key")
    if master_key is None:
        raise SettingsError(
            "this upgrade seals the learners' wallet tokens with the master key: set "
            "MICROCRED_MASTER_KEY (or run it where the data directory has master.key)"
        )
    active = bind.execute(
        sa.select(_signing_key.c.id, _signing_key.c.sealed_private)
        .where(_signing_key.c.state == "active")
        .limit(1)
    ).first()
    if active is not None and not keys.key_opens(active[1], master_key, active[0].encode()):
        raise SettingsError(
            "the master key given to this upgrade does not open the signing keys: it is not "
            "this database's; nothing was changed"
        )
    return bytes(master_key)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA secure_delete = ON")
    with op.batch_alter_table("credential") as batch_op:
        batch_op.add_column(sa.Column("wallet_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("wallet_token_sealed", sa.LargeBinary(), nullable=True))
    rows = bind.execute(sa.select(_credential.c.id, _credential.c.wallet_token)).all()
    if rows:
        master_key = _master_key(bind)
        for credential_id, token in rows:
            bind.execute(
                sa.update(_credential)
                .where(_credential.c.id == credential_id)
                .values(
                    wallet_token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    wallet_token_sealed=keys.seal(token.encode(), master_key, _aad(credential_id)),
                )
            )
    with op.batch_alter_table("credential") as batch_op:
        batch_op.alter_column("wallet_token_hash", existing_type=sa.String(64), nullable=False)
        batch_op.alter_column("wallet_token_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_constraint("uq_credential_wallet_token", type_="unique")
        batch_op.drop_column("wallet_token")
        batch_op.create_unique_constraint("uq_credential_wallet_token_hash", ["wallet_token_hash"])
    if sqlite:
        op.execute("PRAGMA secure_delete = OFF")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("credential") as batch_op:
        batch_op.add_column(sa.Column("wallet_token", sa.String(length=64), nullable=True))
    rows = bind.execute(sa.select(_credential.c.id, _credential.c.wallet_token_sealed)).all()
    if rows:
        master_key = _master_key(bind)
        for credential_id, sealed in rows:
            token = keys.unseal(sealed, master_key, _aad(credential_id)).decode()
            bind.execute(
                sa.update(_credential)
                .where(_credential.c.id == credential_id)
                .values(wallet_token=token)
            )
    with op.batch_alter_table("credential") as batch_op:
        batch_op.alter_column("wallet_token", existing_type=sa.String(64), nullable=False)
        batch_op.drop_constraint("uq_credential_wallet_token_hash", type_="unique")
        batch_op.drop_column("wallet_token_sealed")
        batch_op.drop_column("wallet_token_hash")
        batch_op.create_unique_constraint("uq_credential_wallet_token", ["wallet_token"])
