"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
``MICROCRED_TEST_DATABASE_URL`` names one), migrated once per session, with every test inside
one transaction that is rolled back; the app wired to that transaction; real keys."""

from __future__ import annotations

import os
import secrets as pysecrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.main import create_app
from app.persistence.db import make_engine, make_session_factory, upgrade
from app.settings import Secrets, Settings
from tests.support.clock import FixedClock
from tests.support.data import BASE_URL

# The `reference_data` fixture (files in ../shared: skip, or fail under
# MICROCRED_REQUIRE_REFERENCE_DATA=1) and its line in the terminal summary.
pytest_plugins = ["tests.support.reference"]


def _postgres_url() -> str | None:
    return os.environ.get("MICROCRED_TEST_DATABASE_URL") or None


class Database:
    """A fresh, empty database for a test run: a temp SQLite file or a new PostgreSQL schema."""

    def __init__(self, tmp_dir: Path) -> None:
        self._admin_url = _postgres_url()
        self._schema: str | None = None
        if self._admin_url:
            self._schema = f"mc_test_{uuid.uuid4().hex[:12]}"
            admin = make_engine(self._admin_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self._schema}"'))
            admin.dispose()
            sep = "&" if "?" in self._admin_url else "?"
            self.url = f"{self._admin_url}{sep}options=-csearch_path%3D{self._schema}"
        else:
            self.url = f"sqlite:///{tmp_dir / 'test.db'}"

    @property
    def dialect(self) -> str:
        return "postgresql" if self._schema else "sqlite"

    def drop(self) -> None:
        if self._admin_url and self._schema:
            admin = make_engine(self._admin_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self._schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="session")
def new_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[type[Database]]:
    """A factory of fresh databases; all are dropped at the end of the run."""
    made: list[Database] = []

    class _Factory(Database):
        def __init__(self) -> None:
            super().__init__(tmp_path_factory.mktemp("db"))
            made.append(self)

    yield _Factory
    for db in made:
        db.drop()


@pytest.fixture(scope="session")
def database(new_database: type[Database]) -> Database:
    return new_database()


@pytest.fixture(scope="session")
def engine(database: Database) -> Iterator[Engine]:
    engine = make_engine(database.url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Services commit; inside the test those commits release savepoints of the outer
    # transaction, which the fixture rolls back.
    return make_session_factory(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, base_url=BASE_URL, env="development")


@pytest.fixture
def secrets() -> Secrets:
    return Secrets(pysecrets.token_bytes(32), "mcadm_" + pysecrets.token_urlsafe(32))


@pytest.fixture
def clock() -> FixedClock:
    """The service's clock: a fixed moment (``tests.support.clock.NOW``) a test can move on."""
    return FixedClock()


@pytest.fixture
def container(
    settings: Settings,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> Container:
    """The service on the test's transaction, at the fixed time of ``clock``."""
    return Container(settings, secrets, session_factory, clock=clock)


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container=container)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def admin_headers(secrets: Secrets) -> dict[str, str]:
    return {"Authorization": f"Bearer {secrets.admin_token}"}
