"""Secrets at rest on a real database with committed data: no column and no byte of the
SQLite files holds a learner's wallet token, links still open and can be replaced, and the
migration that introduced this converts tokens stored in clear (with the master key only)."""

from __future__ import annotations

import base64
import secrets as pysecrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

import keys
from app.container import Container
from app.errors import NotFound
from app.persistence.db import alembic_config, is_up_to_date, make_engine, make_session_factory
from app.persistence.db import upgrade as upgrade_to
from app.persistence.models import Base
from app.services.issue_requests import IssueRequest
from app.services.principal import Principal
from app.settings import Secrets, Settings, SettingsError
from issuer.credential import Learner
from tests.support.services import setup_institution

MASTER = b"\x07" * 32


@pytest.fixture
def engine_file(new_database) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    engine = make_engine(new_database().url)
    upgrade_to(engine)
    yield engine
    engine.dispose()


def service(engine: Engine, tmp_path: Path, master_key: bytes = MASTER) -> Container:
    return Container(
        Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000"),
        Secrets(master_key, "mcadm_" + "z" * 30),
        make_session_factory(engine),
    )


def issue(container: Container, n: int) -> list[tuple[str, str]]:
    """``n`` credentials of the institution ``ts-lj``: (credential id, wallet token) each."""
    _, achievement_id = setup_institution(container)
    principal = owner(container)
    made = []
    for i in range(n):
        request = IssueRequest(achievement_id, Learner("Ana", f"Horvat {i}"))
        issued, _ = container.issuance.issue(principal, request)
        made.append((issued.id, issued.wallet_url.rsplit("/", 1)[1]))
    return made


def owner(container: Container) -> Principal:
    """The institution ``ts-lj`` acting through an API key."""
    with container.uow() as uow:
        inst = uow.institutions.by_slug("ts-lj")
        assert inst is not None
        return Principal("institution", inst.id, "ts-lj", "key")


def stored_bytes(engine: Engine) -> bytes:
    """Every value of every row of every table, and on SQLite the database and WAL files."""
    dump = bytearray()
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    dump += value if isinstance(value, bytes) else str(value).encode()
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        for name in (path, path.with_name(path.name + "-wal")):
            if name.exists():
                dump += name.read_bytes()
    return bytes(dump)


def assert_not_stored(engine: Engine, tokens: list[str]) -> None:
    dump = stored_bytes(engine)
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert token.encode() not in dump and raw not in dump


def test_wallet_tokens_are_not_in_the_database(engine_file: Engine, tmp_path: Path) -> None:
    container = service(engine_file, tmp_path)
    (credential_id, token), (_, other) = issue(container, 2)
    assert_not_stored(engine_file, [token, other])
    # The learner's link opens; the institution still sees it.
    assert container.wallet.by_token(token).id == credential_id
    school = owner(container)
    assert container.credentials.get(school, credential_id).wallet_url.endswith(f"/{token}")
    # A new link works, the old one does not, and neither is stored.
    new = container.wallet.regenerate(school, credential_id).wallet_token
    assert new != token and container.wallet.by_token(new).id == credential_id
    with pytest.raises(NotFound):
        container.wallet.by_token(token)
    assert container.credentials.get(school, credential_id).wallet_url.endswith(f"/{new}")
    assert_not_stored(engine_file, [new, other])
    # Without the master key the sealed token does not open: a copy of the database is not
    # enough to show anyone's wallet link.
    stranger = service(engine_file, tmp_path, pysecrets.token_bytes(32))
    with pytest.raises(keys.SealError, match="does not open"):
        stranger.credentials.get(school, credential_id)


def test_the_migration_seals_tokens_stored_in_clear(engine_file: Engine, tmp_path: Path) -> None:
    made = issue(service(engine_file, tmp_path), 3)
    tokens = [token for _, token in made]
    # Back to the schema before: the tokens in clear, as an older microcred stored them.
    config = alembic_config(engine_file)
    config.attributes["master_key"] = MASTER
    command.downgrade(config, "0006")
    with engine_file.connect() as conn:
        plain = set(conn.execute(text("SELECT wallet_token FROM credential")).scalars())
    assert plain == set(tokens)
    assert tokens[0].encode() in stored_bytes(engine_file)

    with pytest.raises(SettingsError, match="MICROCRED_MASTER_KEY"):
        upgrade_to(engine_file)
    with pytest.raises(SettingsError, match="does not open the signing keys"):
        upgrade_to(engine_file, master_key=pysecrets.token_bytes(32))
    assert not is_up_to_date(engine_file)
    assert "wallet_token" in {c["name"] for c in inspect(engine_file).get_columns("credential")}

    upgrade_to(engine_file, master_key=MASTER)
    assert is_up_to_date(engine_file)
    assert_not_stored(engine_file, tokens)
    container = service(engine_file, tmp_path)
    for credential_id, token in made:
        record = container.wallet.by_token(token)
        assert record.id == credential_id and record.wallet_url.endswith(f"/{token}")
    with engine_file.connect() as conn:
        columns = set(conn.execute(select(Base.metadata.tables["credential"])).keys())
    assert "wallet_token" not in columns
