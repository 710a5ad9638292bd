"""Migration 0009 gives credentials issued before it their learner search text."""

from __future__ import annotations

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from app.container import Container
from app.main import create_app
from app.persistence.db import alembic_config, is_up_to_date, upgrade
from tests.support.api import achievement, credential, institution
from tests.support.data import BASE_URL

pytestmark = pytest.mark.anyio


async def test_upgrade_fills_learner_search_of_existing_credentials(
    committed: Container,
) -> None:
    transport = httpx.ASGITransport(app=create_app(container=committed))
    admin = {"Authorization": f"Bearer {committed.secrets.admin_token}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        _, headers = await institution(client, admin)
        ach = await achievement(client, headers)
        learner = {"given_name": "Đurđica", "family_name": "Šćepanović"}
        await credential(client, headers, ach["id"], learner)
        engine = committed.engine
        assert engine is not None
        command.downgrade(alembic_config(engine), "0008")
        upgrade(engine)
        assert is_up_to_date(engine)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT text FROM learner_search")).scalar_one()
        assert stored == "đurđica šćepanović\nšćepanović đurđica"
        r = await client.get("/api/v1/credentials?learner=ŠĆEP", headers=headers)
        assert [i["learner_given_name"] for i in r.json()["items"]] == ["Đurđica"]
