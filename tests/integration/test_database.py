"""The database layer on a real database: migrations, sealed keys, concurrency."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, inspect, select, text

import keys
from app.container import Container
from app.errors import Conflict
from app.persistence.db import is_up_to_date, make_engine, make_session_factory, upgrade
from app.persistence.models import Base, SigningKey
from app.services.institutions import NewInstitution
from app.settings import Secrets, Settings

NEW = NewInstitution("ts-lj", "Tehniški šolski center", "SI", "5051631")


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert is_up_to_date(engine)


def test_migrations_go_down_and_up_again(new_database) -> None:  # type: ignore[no-untyped-def]
    db = new_database()
    engine = make_engine(db.url)
    try:
        upgrade(engine)
        assert "signing_key" in inspect(engine).get_table_names()
        upgrade(engine, "head")
        from alembic import command

        from app.persistence.db import alembic_config

        command.downgrade(alembic_config(engine), "base")
        assert "signing_key" not in inspect(engine).get_table_names()
        assert not is_up_to_date(engine)
        upgrade(engine)
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def test_private_keys_are_sealed_to_their_row(
    container: Container, secrets: Secrets, connection: Connection
) -> None:
    container.institutions.create(NEW, actor="test")
    container.signing_keys.rotate("ts-lj", actor="test")
    rows = connection.execute(select(SigningKey.id, SigningKey.sealed_private)).all()
    assert len(rows) == 2
    for key_id, blob in rows:
        der = AESGCM(secrets.master_key).decrypt(blob[1:13], blob[13:], key_id.encode())
        dump = b"".join(
            str(v).encode() if not isinstance(v, bytes) else v
            for row in connection.execute(text("SELECT * FROM signing_key")).all()
            for v in row
        )
        assert der not in dump and der[-32:] not in dump
    # A blob moved to another row does not open there.
    (_id_a, blob_a), (id_b, _) = rows
    with pytest.raises(keys.SealError):
        keys.open_signer(blob_a, secrets.master_key, id_b.encode(), "did:x#k")


def test_signer_uses_the_active_key_of_the_did_document(container: Container) -> None:
    container.institutions.create(NEW, actor="test")
    container.signing_keys.rotate("ts-lj", actor="test")
    signer = container.signing_keys.signer("ts-lj")
    doc = container.did_documents.did_document("ts-lj")
    current = doc["verificationMethod"][0]
    assert signer.id == current["id"] and signer.id.endswith("#key-2")
    public = keys.public_key_from_multibase(current["publicKeyMultibase"])
    assert keys.verify_signature(public, signer.sign(b"data"), b"data")


def test_duplicate_slug_is_a_conflict_and_leaves_nothing_behind(
    container: Container, connection: Connection
) -> None:
    container.institutions.create(NEW, actor="test")
    before = connection.execute(text("SELECT count(*) FROM event")).scalar_one()
    with pytest.raises(Conflict):
        container.institutions.create(NEW, actor="test")
    assert connection.execute(text("SELECT count(*) FROM event")).scalar_one() == before
    assert connection.execute(text("SELECT count(*) FROM institution")).scalar_one() == 1


def test_concurrent_rotations_keep_exactly_one_active_key(new_database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Several threads rotate at once on committed data: no two active keys, no lost key."""
    db = new_database()
    engine = make_engine(db.url, pool_size=8) if db.dialect == "postgresql" else make_engine(db.url)
    upgrade(engine)
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    container = Container(
        settings, Secrets(b"\x01" * 32, "mcadm_" + "x" * 30), make_session_factory(engine), engine
    )
    container.institutions.create(NEW, actor="test")
    errors: list[BaseException] = []

    def rotate() -> None:
        for _ in range(3):
            try:
                container.signing_keys.rotate("ts-lj", actor="test")
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=rotate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    info = container.institutions.get("ts-lj")
    states = [k.state for k in info.keys]
    fragments = [k.verification_method.split("#")[1] for k in info.keys]
    assert states.count("active") == 1
    assert len(set(fragments)) == len(fragments)
    # PostgreSQL serialises rotations with FOR UPDATE, SQLite with BEGIN IMMEDIATE.
    assert errors == []
    assert len(info.keys) == 13
    container.close()
