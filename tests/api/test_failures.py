"""What the service answers when its database is broken: opaque 500s and a failing health."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from app.container import Container
from app.main import create_app
from app.persistence.db import make_engine, make_session_factory
from app.settings import Secrets, Settings

pytestmark = pytest.mark.anyio


async def test_unexpected_error_is_an_opaque_500_with_a_logged_request_id(
    tmp_path: Path, secrets: Secrets, caplog: pytest.LogCaptureFixture
) -> None:
    # A database that was never migrated: the first query fails inside the service.
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    container = Container(
        Settings(data_dir=tmp_path), secrets, make_session_factory(engine), engine
    )
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/institutions/x/did.json", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["request_id"] == "req-500" and "req-500" in problem["detail"]
    assert "institution" not in problem["detail"].lower()  # no SQL or table names leak
    assert "sqlite" not in response.text.lower()
    assert any(
        "req-500" in r.getMessage() and r.levelno == logging.ERROR and r.exc_info
        for r in caplog.records
    )
    engine.dispose()


async def test_healthz_is_503_when_the_database_does_not_answer(
    tmp_path: Path, secrets: Secrets
) -> None:
    engine = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", pool_pre_ping=False
    )
    container = Container(Settings(data_dir=tmp_path), secrets, make_session_factory(engine))
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    engine.dispose()
