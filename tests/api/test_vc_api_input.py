"""What the VC API takes in (issue 12, item 6): ``relatedResource`` validated at issue and at
verification (VC 2.0 section 5.3), a digest of a resource the verifier holds (a bundled
context) checked against its bytes, and a context no JSON-LD processor can use (``{"@vocab":
null}``) refused with problem details at issue, never a 500."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx
import pytest

from app.container import Container
from tests.support.api import institution
from tests.support.services import store_signed
from verifier.jsonld import bundled_context_bytes

pytestmark = pytest.mark.anyio

V2 = "https://www.w3.org/ns/credentials/v2"
V2_BYTES = bundled_context_bytes(V2)
GOOD_SRI = "sha384-" + base64.b64encode(hashlib.sha384(V2_BYTES).digest()).decode()
GOOD_MULTIBASE = "u" + base64.urlsafe_b64encode(
    bytes([0x12, 32]) + hashlib.sha256(V2_BYTES).digest()
).decode().rstrip("=")
BAD_SRI = "sha384-" + base64.b64encode(hashlib.sha384(b"something else").digest()).decode()
OTHER = "https://example.org/syllabus.pdf"


def credential(did: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", "name": "Ana Horvat"},
        **extra,
    }


async def issue(
    client: httpx.AsyncClient, headers: dict[str, str], document: dict[str, Any]
) -> httpx.Response:
    return await client.post("/credentials/issue", json={"credential": document}, headers=headers)


@pytest.mark.parametrize(
    ("related", "field"),
    [
        ("https://example.org/x", "credential.relatedResource"),
        ([], "credential.relatedResource"),
        ([{"digestSRI": GOOD_SRI}], "credential.relatedResource[0].id"),
        ([{"id": OTHER}], "credential.relatedResource[0]"),
        ([{"id": OTHER, "digestSRI": GOOD_SRI}, {"id": OTHER, "digestSRI": GOOD_SRI}],
         "credential.relatedResource[1].id"),
        ({"id": OTHER, "digestSRI": "md5-abc"}, "credential.relatedResource.digestSRI"),
        ({"id": OTHER, "digestMultibase": "not multibase"},
         "credential.relatedResource.digestMultibase"),
        ({"id": V2, "digestSRI": BAD_SRI}, "credential.relatedResource"),
    ],
)  # fmt: skip
async def test_issue_refuses_a_related_resource_that_breaks_section_5_3(
    client: httpx.AsyncClient, admin_headers: dict[str, str], related: Any, field: str
) -> None:
    inst, headers = await institution(client, admin_headers)
    r = await issue(client, headers, credential(inst["did"], relatedResource=related))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


async def test_related_resources_with_matching_or_foreign_digests_issue_and_verify(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    related = [
        {"id": V2, "digestSRI": GOOD_SRI, "digestMultibase": GOOD_MULTIBASE},
        {"id": OTHER, "digestSRI": BAD_SRI},  # not held by the verifier: not fetched
    ]
    r = await issue(client, headers, credential(inst["did"], relatedResource=related))
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    verified = await client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert verified.status_code == 200, verified.text


async def test_verification_refuses_a_related_resource_whose_digest_does_not_match(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    inst, _ = await institution(client, admin_headers)
    for related, code in (
        ({"id": V2, "digestSRI": BAD_SRI}, "related_resource_mismatch"),
        ([{"id": OTHER, "digestSRI": GOOD_SRI}] * 2, "data_model_invalid"),
    ):
        stored = store_signed(container, "ts-lj", credential(inst["did"], relatedResource=related))
        body = {"verifiableCredential": json.loads(stored.credential_json)}
        r = await client.post("/credentials/verify", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0] == {
            "check": "format", "code": code, "detail": r.json()["errors"][0]["detail"]
        }  # fmt: skip


async def test_a_null_vocab_is_refused_at_issue_never_a_500(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    document = credential(inst["did"])
    document["@context"] = [V2, {"@vocab": None}]
    r = await issue(client, headers, document)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "invalid_jsonld"
