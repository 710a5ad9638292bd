"""Every absolute URL the service hands out comes from ``MICROCRED_BASE_URL``, never from the
``Host`` header a client (or a proxy that rewrote it) sent."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.main import create_app
from app.settings import Secrets, Settings
from keys import did_web_url
from tests.support.api import achievement, credential, institution
from tests.support.clock import FixedClock
from tests.support.data import BASE_URL

pytestmark = pytest.mark.anyio

SPOOFED = {"Host": "attacker.example:8443"}


def assert_ours(url: str | None) -> None:
    assert url is not None and url.startswith(f"{BASE_URL}/"), url
    assert "attacker" not in url


async def test_urls_in_answers_ignore_the_host_header(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    _, headers = await institution(client, admin_headers)
    course = await achievement(client, headers)
    for _ in range(2):
        await credential(client, headers, course["id"])
    spoofed = {**headers, **SPOOFED}

    issued = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": course["id"], "learner": {"given_name": "A", "family_name": "B"}},
        headers=spoofed,
    )
    assert issued.status_code == 201, issued.text
    assert_ours(issued.headers["location"])
    assert_ours(issued.json()["verification_url"])
    assert_ours(issued.json()["wallet_url"])

    listed = await client.get("/api/v1/credentials", params={"limit": 1}, headers=spoofed)
    assert_ours(listed.json()["next"])
    await achievement(client, headers)
    courses = await client.get("/api/v1/achievements", params={"limit": 1}, headers=spoofed)
    assert_ours(courses.json()["next"])

    made = await client.post(
        f"/api/v1/batches?achievement_id={course['id']}",
        content=b"given_name,family_name\nAna,Horvat\n",
        headers={**spoofed, "Content-Type": "text/csv"},
    )
    assert made.status_code == 202, made.text
    assert_ours(made.headers["location"])
    assert_ours(made.json()["status_url"])
    while container.batches.work_once("test-worker", 10):
        pass
    done = await client.get(f"/api/v1/batches/{made.json()['id']}", headers=spoofed)
    assert_ours(done.json()["status_url"])
    assert_ours(done.json()["results_url"])


# -- did:web on our own host resolves with the scheme of the base URL --------------------------

HTTPS_BASE = "https://localhost:8443"


@pytest.mark.parametrize("base_url", [HTTPS_BASE, f"{HTTPS_BASE}/mc"])
async def test_an_https_localhost_deployment_verifies_its_own_credentials(
    base_url: str,
    settings: Settings,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    """did:web on localhost means http to a stranger's resolver, but our own host is served
    as the base URL says: a deployment at https://localhost:8443 finds its own DID documents
    (before, its credentials were not genuine: did_not_found for http://localhost:8443)."""
    ours = settings.model_copy(update={"base_url": base_url})
    app = create_app(container=Container(ours, secrets, session_factory, clock=clock))
    transport = httpx.ASGITransport(app=app)
    # A proxy in front strips the base path, as in production.
    async with httpx.AsyncClient(transport=transport, base_url=HTTPS_BASE) as client:
        admin = {"Authorization": f"Bearer {secrets.admin_token}"}
        made, headers = await institution(client, admin)
        did = made["did"]
        assert did.startswith("did:web:localhost%3A8443")
        assert did_web_url(did).startswith("http://localhost:8443/")  # a stranger's view
        course = await achievement(client, headers)
        body = {"achievement_id": course["id"], "learner": {"given_name": "A", "family_name": "B"}}
        issued = await client.post("/api/v1/credentials", json=body, headers=headers)
        assert issued.status_code == 201, issued.text
        page = issued.json()["verification_url"].removeprefix(base_url)
        shown = await client.get(page, headers={"Accept": "application/json"})
        assert shown.json()["verdict"] == "valid", shown.text
        checked = await client.post(
            "/credentials/verify",
            json={"verifiableCredential": issued.json()["credential"]},
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()["verified"] is True
