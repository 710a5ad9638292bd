"""Revocation and suspension over HTTP, and the status lists the service publishes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

import keys
from tests.support.api import institution, issue_some
from verifier.data_integrity import verify_proof
from verifier.jsonld import bundled_document_loader
from verifier.status_list import decode_bitstring, get_bit

pytestmark = pytest.mark.anyio


def entries(issued: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["statusPurpose"]: e for e in issued["credential"]["credentialStatus"]}


async def bit(client: httpx.AsyncClient, entry: dict[str, Any]) -> bool:
    r = await client.get(entry["statusListCredential"])
    assert r.status_code == 200
    subject = r.json()["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    return get_bit(decode_bitstring(subject["encodedList"]), int(entry["statusListIndex"]))


async def test_credentials_carry_a_revocation_and_a_suspension_entry(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, _, [issued] = await issue_some(client, admin_headers)
    status = issued["credential"]["credentialStatus"]
    assert [e["statusPurpose"] for e in status] == ["revocation", "suspension"]
    for e in status:
        assert e["type"] == "BitstringStatusListEntry"
        assert e["statusListCredential"].startswith("http://127.0.0.1:8000/status/ts-lj/")
        assert e["id"] == f"{e['statusListCredential']}#{e['statusListIndex']}"
        assert e["statusListIndex"].isdigit()
    payload = issued["jwt"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["credentialStatus"] == status


async def test_indexes_are_random_and_distinct(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, _, issued = await issue_some(client, admin_headers, n=6)
    indexes = [int(entries(i)["revocation"]["statusListIndex"]) for i in issued]
    assert len(set(indexes)) == 6
    assert indexes != sorted(indexes) or indexes[-1] - indexes[0] > 100
    assert all(0 <= i < 131072 for i in indexes)


async def test_the_published_list_is_signed_cacheable_and_reflects_revocation(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers, [issued] = await issue_some(client, admin_headers)
    entry = entries(issued)["revocation"]
    first = await client.get(entry["statusListCredential"])
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/vc"
    # The older name of the media type is still understood, and answered as application/vc.
    older = await client.get(
        entry["statusListCredential"], headers={"Accept": "application/vc+ld+json"}
    )
    assert older.headers["content-type"] == "application/vc" and older.content == first.content
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    listed = first.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == inst["did"] and listed["id"] == entry["statusListCredential"]
    public = keys.public_key_from_multibase(inst["keys"][0]["public_key_multibase"])
    assert verify_proof(listed, public, bundled_document_loader()).verified
    assert len(decode_bitstring(listed["credentialSubject"]["encodedList"])) == 16384
    assert not await bit(client, entry)

    unchanged = await client.get(entry["statusListCredential"], headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    again = await client.get(entry["statusListCredential"])
    assert again.content == first.content  # not signed again while nothing changed

    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/revoke", json={"reason": "exam fraud"},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "revoked"
    assert [(e["kind"], e["reason"]) for e in body["events"]] == [
        ("credential.issued", None),
        ("credential.revoked", "exam fraud"),
    ]
    changed = await client.get(entry["statusListCredential"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert await bit(client, entry)
    assert not await bit(client, entries(issued)["suspension"])

    for action in ("revoke", "suspend", "reinstate"):
        r = await client.post(f"/api/v1/credentials/{issued['id']}/{action}", headers=headers)
        assert r.status_code == 409, action
        assert r.json()["code"] == "revoked"
    listed = (await client.get("/api/v1/credentials?status=revoked", headers=headers)).json()
    assert [i["id"] for i in listed["items"]] == [issued["id"]]


async def test_suspend_and_reinstate(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    entry = entries(issued)["suspension"]
    base = f"/api/v1/credentials/{issued['id']}"
    assert (await client.post(f"{base}/reinstate", headers=headers)).status_code == 409
    r = await client.post(f"{base}/suspend", json={"reason": "under review"}, headers=headers)
    assert r.json()["status"] == "suspended" and await bit(client, entry)
    assert (await client.post(f"{base}/suspend", headers=headers)).status_code == 409
    r = await client.post(f"{base}/reinstate", headers=headers)
    assert r.json()["status"] == "active" and not await bit(client, entry)
    assert [e["kind"] for e in r.json()["events"]] == [
        "credential.issued",
        "credential.suspended",
        "credential.reinstated",
    ]
    assert not await bit(client, entries(issued)["revocation"])


async def test_jwt_form_of_the_list(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, _, [issued] = await issue_some(client, admin_headers)
    url = entries(issued)["revocation"]["statusListCredential"]
    r = await client.get(url, headers={"Accept": "application/vc+jwt"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/vc+jwt"
    _header, payload, _ = r.text.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    ld = await client.get(url)
    assert r.headers["etag"] != ld.headers["etag"] and r.headers["vary"] == "Accept"


async def test_vc_api_status_endpoint(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    vc_id = issued["credential"]["id"]
    suspend = {"credentialId": vc_id, "status": True,
               "credentialStatus": {"type": "BitstringStatusListEntry",
                                    "statusPurpose": "suspension"}}  # fmt: skip
    r = await client.post("/credentials/status", json=suspend, headers=headers)
    assert r.status_code == 200, r.text
    assert await bit(client, entries(issued)["suspension"])
    r = await client.post("/credentials/status", json={**suspend, "status": False}, headers=headers)
    assert r.status_code == 200 and not await bit(client, entries(issued)["suspension"])
    unrevoke = {**suspend, "status": False,
                "credentialStatus": [{"type": "BitstringStatusListEntry",
                                      "statusPurpose": "revocation"}]}  # fmt: skip
    assert (
        await client.post("/credentials/status", json=unrevoke, headers=headers)
    ).status_code == 409
    unknown = {**suspend, "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    assert (
        await client.post("/credentials/status", json=unknown, headers=headers)
    ).status_code == 404


async def test_vc_api_issue_can_add_status_entries(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5b6f1c9e-8c1e-4b8e-9a57-1c2d3e4f5a6b",
        "type": ["VerifiableCredential"],
        "issuer": inst["did"],
        "credentialSubject": {"id": "did:example:learner"},
    }
    options = {"credentialStatus": {"type": "BitstringStatusListEntry"}}
    r = await client.post(
        "/credentials/issue", json={"credential": credential, "options": options}, headers=headers
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]
    revoke = {"credentialId": "urn:uuid:does-not-matter", "status": True,
              "credentialStatus": {"type": "BitstringStatusListEntry",
                                   "statusPurpose": "revocation"}}  # fmt: skip
    assert (
        await client.post("/credentials/status", json=revoke, headers=headers)
    ).status_code == 404


async def test_other_institutions_cannot_change_status(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, _, [issued] = await issue_some(client, admin_headers, slug="inst-a")
    _, other = await institution(client, admin_headers, slug="inst-b")
    r = await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=other)
    assert r.status_code == 404
    assert not await bit(client, entries(issued)["revocation"])
    assert (await client.get("/status/inst-b/whatever")).status_code == 404
    wrong_slug = entries(issued)["revocation"]["statusListCredential"].replace("inst-a", "inst-b")
    assert (await client.get(wrong_slug)).status_code == 404


async def test_vc_api_status_needs_an_entry_and_a_known_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """An empty ``credentialStatus`` changes nothing, so it is refused; and an unknown
    credential is a 404 whatever else is wrong with the request."""
    _, headers, [issued] = await issue_some(client, admin_headers)
    vc_id = issued["credential"]["id"]
    unknown = "urn:uuid:00000000-0000-4000-8000-000000000000"
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}

    async def post(credential_id: str, status: Any) -> httpx.Response:
        body = {"credentialId": credential_id, "credentialStatus": status, "status": True}
        return await client.post("/credentials/status", json=body, headers=headers)

    for status in ([], [{**entry, "statusPurpose": "graduation"}], entry):
        r = await post(unknown, status)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert (await post("not-a-urn", [])).status_code == 404
    r = await post(vc_id, [])
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["credentialStatus"]
    r = await post(vc_id, [{**entry, "statusPurpose": "graduation"}])
    assert r.status_code == 422, r.text
    assert not await bit(client, entries(issued)["suspension"])  # nothing changed
    assert (await post(vc_id, [entry])).status_code == 200
    assert await bit(client, entries(issued)["suspension"])
