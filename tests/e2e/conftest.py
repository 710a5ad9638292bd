"""Fixtures of the end-to-end tier: a live server in a fresh data directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import Live, free_port


@pytest.fixture
def live(tmp_path: Path, new_database) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    env.update(
        MICROCRED_DATA_DIR=str(tmp_path / "var"),
        MICROCRED_BASE_URL=f"http://127.0.0.1:{port}",
        MICROCRED_LOG_LEVEL="WARNING",
    )
    if os.environ.get("MICROCRED_TEST_DATABASE_URL"):
        env["MICROCRED_DATABASE_URL"] = new_database().url
    server = Live(env, port)
    yield server
    if server.proc is not None:
        server.stop()
