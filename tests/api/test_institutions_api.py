"""Admin API of institutions over HTTP through the ASGI app, on a real database."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest

import keys
from tests.support.clock import FixedClock

pytestmark = pytest.mark.anyio

NEW = {"slug": "ts-lj", "name": "Tehniški šolski center", "country": "SI", "legal_id": "5051631"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **extra: str) -> dict:
    response = await client.post("/api/v1/institutions", json={**NEW, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_returns_did_api_key_and_a_resolvable_did_document(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await create(client, admin_headers)
    assert body["did"] == "did:web:127.0.0.1%3A8000:institutions:ts-lj"
    assert body["api_key"].startswith("mc_")
    assert body["did_document_url"] == "http://127.0.0.1:8000/institutions/ts-lj/did.json"
    assert keys.did_web_url(body["did"]) == body["did_document_url"]
    [key] = body["keys"]
    assert key["state"] == "active" and key["public_key_multibase"].startswith("z6Mk")

    doc = (await client.get("/institutions/ts-lj/did.json")).json()
    assert doc["id"] == body["did"]
    [vm] = doc["verificationMethod"]
    assert vm == {
        "id": f"{body['did']}#key-1",
        "type": "Multikey",
        "controller": body["did"],
        "publicKeyMultibase": key["public_key_multibase"],
    }
    assert doc["assertionMethod"] == [vm["id"]]

    jwks = (await client.get("/institutions/ts-lj/jwks.json")).json()
    [jwk] = jwks["keys"]
    assert jwk["kid"] == vm["id"] and jwk["alg"] == "EdDSA" and "d" not in jwk
    assert keys.public_key_from_jwk(jwk).multibase == key["public_key_multibase"]


async def test_p256_and_did_key_institutions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await create(client, admin_headers, key_type="p256", did_method="key", slug="p-key")
    mb = body["keys"][0]["public_key_multibase"]
    assert mb.startswith("zDn") and body["did"] == f"did:key:{mb}"
    doc = (await client.get("/institutions/p-key/did.json")).json()
    assert doc == keys.did_key_document(body["did"])
    jwk = (await client.get("/institutions/p-key/jwks.json")).json()["keys"][0]
    assert jwk["alg"] == "ES256" and jwk["crv"] == "P-256"
    rotate = await client.post("/api/v1/institutions/p-key/keys/rotate", headers=admin_headers)
    assert rotate.status_code == 409
    assert rotate.json()["code"] == "did_key_cannot_rotate"


async def test_rotation_keeps_old_key_and_withdrawal_removes_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await create(client, admin_headers)
    rotated = await client.post("/api/v1/institutions/ts-lj/keys/rotate", headers=admin_headers)
    assert rotated.status_code == 200
    states = {k["verification_method"].split("#")[1]: k["state"] for k in rotated.json()["keys"]}
    assert states == {"key-1": "retired", "key-2": "active"}
    doc = (await client.get("/institutions/ts-lj/did.json")).json()
    ids = [vm["id"].split("#")[1] for vm in doc["verificationMethod"]]
    assert ids == ["key-2", "key-1"]  # current key first, old key still published
    assert len(doc["assertionMethod"]) == 2

    withdrawn = await client.post(
        "/api/v1/institutions/ts-lj/keys/key-1/withdraw", headers=admin_headers
    )
    assert withdrawn.status_code == 200
    doc = (await client.get("/institutions/ts-lj/did.json")).json()
    assert [vm["id"].split("#")[1] for vm in doc["verificationMethod"]] == ["key-2"]
    jwks = (await client.get("/institutions/ts-lj/jwks.json")).json()
    assert [k["kid"].split("#")[1] for k in jwks["keys"]] == ["key-2"]

    again = await client.post(
        "/api/v1/institutions/ts-lj/keys/key-1/withdraw", headers=admin_headers
    )
    assert again.status_code == 409
    # Withdrawing the active key leaves the institution with a fresh active key.
    body = (
        await client.post("/api/v1/institutions/ts-lj/keys/key-2/withdraw", headers=admin_headers)
    ).json()
    active = [k for k in body["keys"] if k["state"] == "active"]
    assert [k["verification_method"].split("#")[1] for k in active] == ["key-3"]

    events = (await client.get("/api/v1/institutions/ts-lj/events", headers=admin_headers)).json()
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "institution.created",
        "key.created",
        "key.rotated",
        "key.withdrawn",
        "key.rotated",
        "key.withdrawn",
    ]


async def test_api_keys_are_scoped_to_their_institution(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    a = await create(client, admin_headers, slug="inst-a")
    b = await create(client, admin_headers, slug="inst-b")
    a_headers = {"Authorization": f"Bearer {a['api_key']}"}
    assert (await client.get("/api/v1/institutions/inst-a", headers=a_headers)).status_code == 200
    other = await client.get("/api/v1/institutions/inst-b", headers=a_headers)
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    assert b["did"] not in other.text
    for path in ("/api/v1/institutions/inst-b/api-keys", "/api/v1/institutions/inst-b/events"):
        assert (await client.get(path, headers=a_headers)).status_code == 403
    # An API key is not an admin token.
    assert (await client.get("/api/v1/institutions", headers=a_headers)).status_code == 403
    rotate = await client.post("/api/v1/institutions/inst-a/keys/rotate", headers=a_headers)
    assert rotate.status_code == 403


async def test_further_api_key_and_revocation(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    a = await create(client, admin_headers)
    first = {"Authorization": f"Bearer {a['api_key']}"}
    clock.advance(timedelta(minutes=1))
    made = await client.post(
        "/api/v1/institutions/ts-lj/api-keys", json={"label": "registrar"}, headers=first
    )
    assert made.status_code == 201
    second = {"Authorization": f"Bearer {made.json()['api_key']}"}
    assert (await client.get("/api/v1/institutions/ts-lj", headers=second)).status_code == 200
    listed = (await client.get("/api/v1/institutions/ts-lj/api-keys", headers=first)).json()
    assert [k["label"] for k in listed] == ["initial", "registrar"]
    assert all("api_key" not in k and "secret_hash" not in k for k in listed)
    revoke = await client.post(
        f"/api/v1/institutions/ts-lj/api-keys/{made.json()['id']}/revoke", headers=admin_headers
    )
    assert revoke.status_code == 200 and revoke.json()["revoked_at"]
    assert (await client.get("/api/v1/institutions/ts-lj", headers=second)).status_code == 401


async def test_authentication_errors_are_problems(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await create(client, admin_headers)
    missing = await client.get("/api/v1/institutions")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    forged = "mc_000000000000_" + "A" * 43
    for token in ("nonsense", forged, admin_headers["Authorization"][7:] + "x"):
        bad = await client.get("/api/v1/institutions", headers={"Authorization": f"Bearer {token}"})
        assert bad.status_code == 401, token


async def test_validation_errors_name_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = [
        ({**NEW, "country": "XX"}, "country"),
        ({**NEW, "slug": "Bad Slug"}, "slug"),
        ({**NEW, "key_type": "rsa"}, "key_type"),
        ({k: v for k, v in NEW.items() if k != "legal_id"}, "legal_id"),
        ({**NEW, "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/institutions", json=body, headers=admin_headers)
        assert response.status_code == 422, body
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["status"] == 422
        assert field in [e["field"] for e in problem["errors"]], problem
        assert field in problem["detail"]


async def test_conflict_not_found_method_and_size(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await create(client, admin_headers)
    dup = await client.post("/api/v1/institutions", json=NEW, headers=admin_headers)
    assert dup.status_code == 409 and dup.json()["code"] == "conflict"
    missing = await client.get("/api/v1/institutions/nope", headers=admin_headers)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    assert (await client.get("/institutions/nope/did.json")).status_code == 404
    assert (await client.get("/no/such/route")).json()["status"] == 404
    method = await client.delete("/healthz")
    assert method.status_code == 405
    assert method.headers["content-type"] == "application/problem+json"
    big = await client.post(
        "/api/v1/institutions",
        content=b'{"slug": "' + b"a" * (11 * 1024 * 1024) + b'"}',
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert big.status_code == 413
    assert big.headers["content-type"] == "application/problem+json"


async def test_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    response = await client.post(
        "/api/v1/institutions",
        content=chunks(),
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert response.status_code == 413


async def test_secrets_never_reach_logs_or_responses(
    client: httpx.AsyncClient, admin_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = await create(client, admin_headers)
    shown = (await client.get("/api/v1/institutions/ts-lj", headers=admin_headers)).text
    assert body["api_key"] not in shown and "sealed" not in shown
    assert body["api_key"] not in caplog.text
    assert admin_headers["Authorization"][7:] not in caplog.text


async def test_healthz_and_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id\n"})
    assert len(generated.headers["x-request-id"]) == 32
