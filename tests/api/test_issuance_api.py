"""Achievements and issuance over HTTP: the EU elements, both securing formats, idempotency,
tenant isolation, and the VC API issue endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import jwt as pyjwt
import pytest

import keys
from tests.support.api import achievement, b64url_json, institution
from tests.support.data import ACHIEVEMENT, LEARNER
from verifier.data_integrity import verify_proof
from verifier.jsonld import bundled_document_loader

pytestmark = pytest.mark.anyio


async def test_achievement_crud_normalises_language_maps(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    assert made["revision"] == 1
    assert made["assessment_type"] == {"en": "practical demonstration"}
    assert made["learning_outcomes"][1] == {
        "title": {"en": "Operates an FDM printer safely"},
        "esco_skill": None,
    }
    assert made["ects"] == 2
    got = (await client.get(f"/api/v1/achievements/{made['id']}", headers=headers)).json()
    assert got == made
    patched = await client.patch(
        f"/api/v1/achievements/{made['id']}", json={"ects": 3, "stackability": "Stacks into ..."},
        headers=headers,
    )  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["revision"] == 2 and patched.json()["stackability"] == {
        "en": "Stacks into ..."
    }
    cleared = await client.patch(
        f"/api/v1/achievements/{made['id']}", json={"quality_assurance": None}, headers=headers
    )
    assert (
        cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "quality_assurance"
    )
    listed = (await client.get("/api/v1/achievements?limit=1", headers=headers)).json()
    assert listed["total"] == 1 and listed["next"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"learning_outcomes": []}, "learning_outcomes"),
        ({"eqf_level": 9}, "eqf_level"),
        ({"participation_form": "correspondence"}, "participation_form"),
        ({"ects": None, "workload_hours": None}, "ects"),
        ({"title": {"EN!": "x"}}, "title"),
    ],
)
async def test_missing_or_bad_mandatory_elements_are_named(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await client.post("/api/v1/achievements", json={**ACHIEVEMENT, **change}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    for name in ("quality_assurance", "assessment_type", "title"):
        body = {k: v for k, v in ACHIEVEMENT.items() if k != name}
        r = await client.post("/api/v1/achievements", json=body, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == name


async def test_issue_returns_both_forms_that_verify(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    ach = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": ach["id"], "learner": LEARNER, "grade": "excellent"},
        headers={**headers, "Idempotency-Key": "k-1"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"id", "credential", "jwt", "verification_url", "wallet_url"}
    assert body["verification_url"].startswith("http://127.0.0.1:8000/v/")
    assert len(body["verification_url"].rsplit("/", 1)[1]) >= 22  # 128 random bits
    assert body["id"] not in body["verification_url"] and body["id"] not in body["wallet_url"]

    vc = body["credential"]
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/microcred/v1",  # the permanent URL, the same for every deployment
    ]
    assert vc["issuer"]["id"] == inst["did"]
    proof = vc["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == f"{inst['did']}#key-1"
    doc = (await client.get("/institutions/ts-lj/did.json")).json()
    public = keys.public_key_from_multibase(doc["verificationMethod"][0]["publicKeyMultibase"])
    check = verify_proof(vc, public, bundled_document_loader())
    assert check.verified, check

    header, payload, _ = body["jwt"].split(".")
    assert b64url_json(header) == {
        "alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{inst['did']}#key-1"
    }  # fmt: skip
    unsecured = {k: v for k, v in vc.items() if k != "proof"}
    claims = b64url_json(payload)
    # VC-JOSE-COSE 3.1.3: iat is when the JWS was made (the proof's moment); exp = validUntil
    signed_at = datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))
    assert claims.pop("iat") == int(signed_at.timestamp())
    if "validUntil" in vc:
        until = datetime.fromisoformat(vc["validUntil"].replace("Z", "+00:00"))
        assert claims.pop("exp") == int(until.timestamp())
    assert "nbf" not in claims
    assert claims == unsecured

    # The stored bytes are what was returned: GET gives the same credential bytes.
    again = await client.get(f"/api/v1/credentials/{body['id']}", headers=headers)
    start = r.content.index(b'"credential":') + len(b'"credential":')
    assert again.content.endswith(r.content[start:])


async def test_p256_institution_signs_with_ecdsa(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers, slug="p256", key_type="p256")
    ach = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials", json={"achievement_id": ach["id"], "learner": LEARNER},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    vc = r.json()["credential"]
    assert vc["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    public = keys.public_key_from_multibase(inst["keys"][0]["public_key_multibase"])
    assert verify_proof(vc, public, bundled_document_loader()).verified
    assert b64url_json(r.json()["jwt"].split(".")[0])["alg"] == "ES256"


async def test_idempotency_key_replays_or_conflicts(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    ach = await achievement(client, headers)
    request = {"achievement_id": ach["id"], "learner": LEARNER}
    keyed = {**headers, "Idempotency-Key": "retry-me"}
    first = await client.post("/api/v1/credentials", json=request, headers=keyed)
    second = await client.post("/api/v1/credentials", json=request, headers=keyed)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert first.content == second.content
    listed = (await client.get("/api/v1/credentials", headers=headers)).json()
    assert listed["total"] == 1
    other = await client.post("/api/v1/credentials", json={**request, "grade": "B"}, headers=keyed)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert (await client.get("/api/v1/credentials", headers=headers)).json()["total"] == 1


async def test_issue_errors_name_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    ach = await achievement(client, headers)
    cases = [
        ({"achievement_id": ach["id"], "learner": {"given_name": "Ana"}}, "learner.family_name"),
        ({"achievement_id": "nope", "learner": LEARNER}, "achievement_id"),
        ({"achievement_id": ach["id"], "learner": LEARNER, "awarded_on": "2999-01-01"},
         "awarded_on"),
        ({"achievement_id": ach["id"], "learner": LEARNER, "valid_until": "2001-01-01T00:00:00Z"},
         "valid_until"),
        ({"achievement_id": ach["id"], "learner": {**LEARNER, "did": "not-a-did"}}, "learner.did"),
    ]  # fmt: skip
    for body, field in cases:
        r = await client.post("/api/v1/credentials", json=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert (await client.get("/api/v1/credentials", headers=headers)).json()["total"] == 0


async def test_credentials_are_scoped_to_the_institution(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, a = await institution(client, admin_headers, slug="inst-a")
    _, b = await institution(client, admin_headers, slug="inst-b")
    ach = await achievement(client, a)
    issued = await client.post(
        "/api/v1/credentials", json={"achievement_id": ach["id"], "learner": LEARNER}, headers=a
    )
    cid = issued.json()["id"]
    assert (await client.get(f"/api/v1/credentials/{cid}", headers=b)).status_code == 404
    assert (await client.get(f"/api/v1/achievements/{ach['id']}", headers=b)).status_code == 404
    assert (await client.get("/api/v1/credentials", headers=b)).json()["total"] == 0
    stolen = await client.post(
        "/api/v1/credentials", json={"achievement_id": ach["id"], "learner": LEARNER}, headers=b
    )
    assert stolen.status_code == 422
    assert (await client.get("/api/v1/credentials", headers=admin_headers)).status_code == 403


async def test_list_filters_and_pages(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    ach = await achievement(client, headers)
    for family in ("Horvat", "Novak", "Kovač"):
        learner = {**LEARNER, "family_name": family}
        r = await client.post(
            "/api/v1/credentials", json={"achievement_id": ach["id"], "learner": learner},
            headers=headers,
        )  # fmt: skip
        assert r.status_code == 201
    page = (await client.get("/api/v1/credentials?limit=2", headers=headers)).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and "offset=2" in page["next"]
    assert "credential" not in page["items"][0]
    found = (await client.get("/api/v1/credentials?learner=nova", headers=headers)).json()
    assert [i["learner_family_name"] for i in found["items"]] == ["Novak"]
    by_ach = await client.get(f"/api/v1/credentials?achievement_id={ach['id']}", headers=headers)
    assert by_ach.json()["total"] == 3
    assert (await client.get("/api/v1/credentials?status=revoked", headers=headers)).json()[
        "total"
    ] == 0


async def test_microcred_context_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/contexts/microcred/v1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/ld+json"
    assert r.headers["access-control-allow-origin"] == "*"
    context = r.json()["@context"]
    assert context["@protected"] is True
    assert context["eqfLevel"]["@id"] == "http://data.europa.eu/snb/model/elm/EQFLevel"


VC_API_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner", "name": "Ana"},
}


async def test_vc_api_issue(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {**VC_API_CREDENTIAL, "issuer": inst["did"]}
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    public = keys.public_key_from_multibase(inst["keys"][0]["public_key_multibase"])
    assert verify_proof(vc, public, bundled_document_loader()).verified

    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": inst["did"]},
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    r = await client.post("/credentials/issue", json={"credential": v1}, headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issuer": "did:web:elsewhere"}, "credential.issuer"),
        ({"type": ["Nope"]}, "credential.type"),
        ({"credentialSubject": {"undefinedTermXyz": 1}}, None),  # v1: undefined term
        ({"@context": ["https://example.org/unknown"]}, "credential.@context"),
        ({"validFrom": "yesterday"}, "credential.validFrom"),
        ({"credentialStatus": {"id": "https://e.org/s#1"}}, "credential.credentialStatus.type"),
    ],
)
async def test_vc_api_issue_refuses_bad_credentials(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    change: dict[str, Any],
    field: str | None,
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {**VC_API_CREDENTIAL, "issuer": inst["did"], **change}
    if field is None:  # an undefined term under VC 1.1, which has no @vocab
        credential["@context"] = ["https://www.w3.org/2018/credentials/v1"]
        credential["issuanceDate"] = "2024-01-01T00:00:00Z"
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field:
        assert field in [e["field"] for e in r.json().get("errors", [])], r.json()
    else:
        assert "undefinedTermXyz" in r.json()["detail"]


async def test_vc_api_refuses_undefined_terms_under_vc_2_0(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    subject = {"id": "did:example:x", "favouriteColour": "green"}
    credential = {**VC_API_CREDENTIAL, "issuer": inst["did"], "credentialSubject": subject}
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 422
    assert r.json()["code"] == "undefined_term" and "favouriteColour" in r.json()["detail"]


async def test_vc_api_issues_a_vc_jwt_in_an_envelope(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {**VC_API_CREDENTIAL, "issuer": inst["did"], "validUntil": "2099-01-01T00:00:00Z"}
    r = await client.post(
        "/credentials/issue?format=jwt", json={"credential": credential}, headers=headers
    )
    assert r.status_code == 201, r.text
    envelope = r.json()["verifiableCredential"]
    assert set(envelope) == {"@context", "type", "id"}
    assert envelope["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    prefix = "data:application/vc+jwt,"
    assert envelope["id"].startswith(prefix)
    token = envelope["id"].removeprefix(prefix)
    # PyJWT, an independent JOSE library, verifies it with the key of the DID document
    public = keys.public_key_from_multibase(inst["keys"][0]["public_key_multibase"])
    jwk = pyjwt.PyJWK(keys.public_jwk(public), algorithm="EdDSA")
    claims = pyjwt.decode(token, jwk.key, algorithms=["EdDSA"])
    assert pyjwt.get_unverified_header(token) == {
        "alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{inst['did']}#key-1"
    }  # fmt: skip
    assert claims["exp"] == int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())
    assert isinstance(claims["iat"], int) and "nbf" not in claims and "vc" not in claims
    assert {k: v for k, v in claims.items() if k not in ("iat", "exp")} == credential
    # ... and so does POST /credentials/verify, given the enveloped credential as returned
    verified = await client.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert verified.json()["verdict"] == "valid"
    # the record keeps the JWT: the credential is listed like any other
    listed = (await client.get("/api/v1/credentials", headers=headers)).json()["items"]
    assert len(listed) == 1


@pytest.mark.parametrize(
    ("query", "change", "field"),
    [
        ("?format=cbor", {}, "query.format"),
        ("?format=", {}, "query.format"),
        # a vc+jwt secures a VC 2.0 credential only (VC-JOSE-COSE 3.1.1)
        ("?format=jwt", {"@context": ["https://www.w3.org/2018/credentials/v1"],
                         "issuanceDate": "2024-01-01T00:00:00Z"}, "credential.@context"),
    ],
)  # fmt: skip
async def test_vc_api_refuses_an_unknown_format(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    query: str,
    change: dict[str, Any],
    field: str,
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {**VC_API_CREDENTIAL, "issuer": inst["did"], **change}
    r = await client.post(
        f"/credentials/issue{query}", json={"credential": credential}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
