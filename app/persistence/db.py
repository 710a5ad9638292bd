"""Database engine, sessions and migrations.

SQLite is the embedded default. pysqlite's own transaction handling defers ``BEGIN`` and
cannot nest savepoints, so we turn it off and emit ``BEGIN IMMEDIATE`` ourselves (the recipe from
SQLAlchemy's SQLite dialect documentation); WAL mode lets readers run beside a writer.

The SQLite file holds learners' personal data: it is created 0600 before SQLite opens it
(SQLite gives its WAL and shared-memory files the database file's mode), and looser modes of
an existing database, WAL or SHM file are tightened whenever an engine is made for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.persistence.models import SigningKey
from app.settings import SettingsError

_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _private_sqlite_files(path: Path) -> None:
    """Create the database file 0600 if it is not there; tighten it and its companions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            mode = companion.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            companion.chmod(mode & 0o600)


MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets real transactions, WAL and a busy timeout.

    Errors never show the statement's parameters (``hide_parameters``): they hold learners'
    names and dates of birth, and an error's text may reach a log.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is not None:
            _private_sqlite_files(path)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout
            # instead of one failing with "database is locked" when it upgrades its lock.
            # Units of work that only read begin deferred and never wait for writers (WAL).
            read_only = conn.get_execution_options().get("microcred_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(bind: Any, **kwargs: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, expire_on_commit=False, **kwargs)


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head", *, master_key: bytes | None = None) -> None:
    """Apply the Alembic migrations up to ``revision``. Migrations that seal what was stored
    in clear (wallet tokens) need ``master_key`` when there is something to seal.

    On SQLite the WAL is then checkpointed and truncated: old frames in it may still hold
    what a migration removed from the database."""
    config = alembic_config(engine)
    config.attributes["master_key"] = master_key
    command.upgrade(config, revision)
    if engine.dialect.name == "sqlite":
        # Outside any transaction (a checkpoint cannot run inside one).
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def sealed_key_count(url: str) -> int:
    """How many sealed signing keys the database at ``url`` holds: 0 for an SQLite file that
    is not there yet (none is created) and for a database without the schema yet.
    :class:`SettingsError` when the database cannot be read, since then nobody can tell
    whether a new master key would orphan keys."""
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        return 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(SigningKey.__tablename__):
                return 0
            return int(conn.scalar(select(func.count()).select_from(SigningKey)) or 0)
    except SQLAlchemyError as exc:
        raise SettingsError(
            f"cannot read the database to tell whether it holds sealed keys "
            f"({type(exc).__name__}); a new master key is made only for an instance without "
            "keys, so start again once the database answers"
        ) from exc
    finally:
        engine.dispose()


def is_up_to_date(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads
