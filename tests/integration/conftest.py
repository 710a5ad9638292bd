"""Fixtures of the integration tier that need committed data (several sessions at once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.container import Container
from app.persistence.db import make_engine, make_session_factory, upgrade
from app.settings import Secrets, Settings


@pytest.fixture
def committed(new_database, tmp_path: Path) -> Iterator[Container]:  # type: ignore[no-untyped-def]
    db = new_database()
    engine = (
        make_engine(db.url, pool_size=10) if db.dialect == "postgresql" else make_engine(db.url)
    )
    upgrade(engine)
    container = Container(
        Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000"),
        Secrets(b"\x02" * 32, "mcadm_" + "y" * 30),
        make_session_factory(engine),
        engine,
    )
    yield container
    container.close()
