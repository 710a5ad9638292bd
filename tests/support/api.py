"""Setting things up through the HTTP API, as an operator and an institution would, for the
tests that drive the ASGI app."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from tests.support.data import ACHIEVEMENT, BASE_URL, LEARNER


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def institution(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    slug: str = "ts-lj",
    name: str = "Tehniški šolski center",
    **extra: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Create an institution with the admin token: its record and its API key's headers."""
    body = {"slug": slug, "name": name, "country": "SI", "legal_id": "1", **extra}
    r = await client.post("/api/v1/institutions", json=body, headers=admin)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data, bearer(data["api_key"])


async def achievement(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any] = ACHIEVEMENT
) -> dict[str, Any]:
    r = await client.post("/api/v1/achievements", json=body, headers=headers)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def stored_bytes(response: httpx.Response) -> bytes:
    """The exact stored credential bytes: the API splices them in verbatim, last."""
    content = response.content
    return content[content.index(b'"credential":') + len(b'"credential":') : -1]


async def credential(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    achievement_id: str,
    learner: dict[str, Any] = LEARNER,
    **award: Any,
) -> dict[str, Any]:
    """Issue one credential; the API's response, with the stored bytes as ``stored``."""
    body = {"achievement_id": achievement_id, "learner": learner, **award}
    r = await client.post("/api/v1/credentials", json=body, headers=headers)
    assert r.status_code == 201, r.text
    issued: dict[str, Any] = r.json()
    issued["stored"] = stored_bytes(r)
    return issued


async def issue_some(
    client: httpx.AsyncClient, admin: dict[str, str], n: int = 1, slug: str = "ts-lj"
) -> tuple[dict[str, Any], dict[str, str], list[dict[str, Any]]]:
    """A new institution with ``n`` credentials of one course."""
    inst, headers = await institution(client, admin, slug=slug)
    made = await achievement(client, headers)
    issued = [await credential(client, headers, made["id"]) for _ in range(n)]
    return inst, headers, issued


def wallet_path(issued: dict[str, Any]) -> str:
    """The path of the learner's wallet page (192 random bits, not the id)."""
    url = str(issued["wallet_url"])
    assert url.startswith(f"{BASE_URL}/wallet/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 32 and token != issued["id"]
    return url.removeprefix(BASE_URL)


def verification_path(issued: dict[str, Any]) -> str:
    url = str(issued["verification_url"])
    assert url.startswith(f"{BASE_URL}/v/")
    return url.removeprefix(BASE_URL)


def b64url_json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


async def issue_to(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    learner: dict[str, Any],
    grade: str = "odlično (5)",
) -> dict[str, Any]:
    """A new course of the institution behind ``headers`` and one credential of it to
    ``learner`` (the response, with the stored bytes as ``stored``)."""
    made = await achievement(client, headers)
    return await credential(client, headers, made["id"], learner, grade=grade)
