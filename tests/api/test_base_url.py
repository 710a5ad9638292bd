"""Every absolute URL the service hands out comes from ``MICROCRED_BASE_URL``, never from the
``Host`` header a client (or a proxy that rewrote it) sent."""

from __future__ import annotations

import httpx
import pytest

from app.container import Container
from tests.support.api import achievement, credential, institution
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
