"""What anyone may send to be verified, bounded: the input's size and nesting before it is
parsed (VC API and the paste page), a limit on anonymous verifications at once (429 with
Retry-After, while the rest of the service answers), pages of stored credentials that must
fetch from another host, and fetch errors that do not say what a name resolves to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

import keys
from app.container import Container
from tests.support.api import institution, issue_some, verification_path
from tests.support.corpus import GOOD_INDEX, signed, unsigned
from tests.support.data import BASE_URL, HTML
from verifier.status_list import status_entry

pytestmark = pytest.mark.anyio

MAX_BYTES = 262_144  # the defaults of MICROCRED_VERIFY_MAX_BYTES and _MAX_DEPTH
MAX_DEPTH = 64


def nested() -> dict[str, Any]:
    """A credential-shaped object whose claim :func:`nested_text` makes deep."""
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "issuer": "did:key:z6MkmRYfzd3zfXCsEpiA2hPBJiKh4ngoooQY5sXzH9ARRsx7",
            "credentialSubject": {"note": "__DEEP__"}}  # fmt: skip


def nested_text(levels: int) -> str:
    """The credential with arrays ``levels`` levels deep, as JSON text (built without
    recursion, which is what it is made to break). The credential is level 1, its subject 2."""
    inner = levels - 2
    return json.dumps(nested()).replace('"__DEEP__"', "[" * inner + "]" * inner)


@contextmanager
def every_slot_taken(container: Container) -> Iterator[None]:
    """Hold every slot of the anonymous verification limit, as that many slow
    verifications would."""
    tickets = [container.verification.admit() for _ in range(container.settings.verify_concurrency)]
    try:
        yield
    finally:
        for ticket in tickets:
            ticket.release()


async def test_a_body_over_the_size_limit_is_413_before_it_is_parsed(
    client: httpx.AsyncClient,
) -> None:
    credential = nested()
    credential["credentialSubject"]["note"] = "x" * MAX_BYTES
    r = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "payload_too_large" and str(MAX_BYTES) in r.json()["detail"]


async def test_nesting_too_deep_is_a_422_naming_the_member(client: httpx.AsyncClient) -> None:
    for levels in (MAX_DEPTH + 1, 900, 50_000):
        body = '{"verifiableCredential": ' + nested_text(levels) + "}"
        r = await client.post(
            "/credentials/verify", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, (levels, r.text[:300])
        problem = r.json()
        assert problem["code"] == "input_too_deep"
        assert problem["errors"] == [
            {"field": "verifiableCredential",
             "reason": f"is nested deeper than {MAX_DEPTH} levels"}
        ]  # fmt: skip
    at_the_limit = '{"verifiableCredential": ' + nested_text(MAX_DEPTH) + "}"
    r = await client.post(
        "/credentials/verify", content=at_the_limit, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["code"] == "not_genuine"  # read and verified


async def test_other_bad_bodies_are_validation_errors(client: httpx.AsyncClient) -> None:
    # As FastAPI's own parsing answered them, but a body that is not JSON names "body"
    # (FastAPI named the character offset of the error).
    for body, field in (("{nope", "body"), ('{"options": {}}', "verifiableCredential"),
                        ('{"verifiableCredential": 7}', "verifiableCredential")):  # fmt: skip
        r = await client.post(
            "/credentials/verify", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
        assert r.json()["errors"][0]["field"].startswith(field)
    spec = (await client.get("/openapi.json")).json()
    body = spec["paths"]["/credentials/verify"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert schema["required"] == ["verifiableCredential"] and body["required"] is True


async def test_the_paste_page_bounds_its_input_too(client: httpx.AsyncClient) -> None:
    deep = nested_text(900)
    r = await client.post("/verify?lang=sl", data={"credential": deep}, headers=HTML)
    assert r.status_code == 422
    assert "To je preveliko ali preveč globoko gnezdeno, da bi bilo mikrodokazilo." in r.text
    big = json.dumps({**nested(), "pad": "x" * MAX_BYTES})
    r = await client.post("/verify?lang=hr", data={"credential": big}, headers=HTML)
    assert r.status_code == 413
    assert "Ovo je preveliko ili previše duboko ugniježđeno" in r.text
    r = await client.post(
        "/verify", files={"file": ("big.json", big.encode(), "application/json")}, headers=HTML
    )
    assert r.status_code == 413 and 'role="alert"' in r.text


async def test_when_every_slot_is_taken_anonymous_verification_gets_429(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    _, _, [issued] = await issue_some(client, admin_headers)
    with every_slot_taken(container):
        r = await client.post(
            "/credentials/verify", json={"verifiableCredential": issued["credential"]}
        )
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] == "10"  # MICROCRED_VERIFY_BUDGET_SECONDS
        assert r.json()["code"] == "too_many_requests"
        page = await client.post(
            "/verify?lang=sr", data={"credential": issued["jwt"]}, headers=HTML
        )
        assert page.status_code == 429 and page.headers["retry-after"] == "10"
        assert "Trenutno se proverava previše mikrokredencijala." in page.text
        # The rest of the service answers: health, status lists, issuance, and the page of a
        # credential whose documents are all ours (it needs no slot).
        assert (await client.get("/healthz")).status_code == 200
        own = await client.get(verification_path(issued), headers=HTML)
        assert own.status_code == 200 and 'data-verdict="valid"' in own.text
        status_list = issued["credential"]["credentialStatus"][0]["statusListCredential"]
        assert (await client.get(status_list.removeprefix(BASE_URL))).status_code == 200
    r = await client.post("/credentials/verify", json={"verifiableCredential": issued["jwt"]})
    assert r.status_code == 200 and r.json()["verdict"] == "valid"  # the slots are back


async def test_a_page_that_must_fetch_from_another_host_needs_a_slot(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    # An institution may secure a credential it built with status entries of its own choice;
    # its verification page then fetches from wherever they point.
    inst, headers = await institution(client, admin_headers)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": inst["did"],
        "credentialSubject": {"id": "did:example:learner"},
        "credentialStatus": {
            "id": "https://10.0.0.1/status/1#5", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "5",
            "statusListCredential": "https://10.0.0.1/status/1",
        },
    }  # fmt: skip
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 201, r.text
    listed = (await client.get("/api/v1/credentials", headers=headers)).json()["items"][0]
    path = listed["verification_url"].removeprefix(BASE_URL)
    with every_slot_taken(container):
        page = await client.get(path + "?lang=bs", headers=HTML)
        assert page.status_code == 429 and page.headers["retry-after"] == "10"
        assert "Trenutno se provjerava previše mikrokvalifikacija." in page.text
        machine = await client.get(path, headers={"Accept": "application/json"})
        assert machine.status_code == 429 and machine.json()["code"] == "too_many_requests"
        wallet = await client.get(listed["wallet_url"].removeprefix(BASE_URL), headers=HTML)
        assert wallet.status_code == 429 and wallet.headers["cache-control"] == "no-store"
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200 and 'data-verdict="status_unknown"' in page.text
    # The list was not fetched (a private address), which is "could not check".
    result = (await client.get(path, headers={"Accept": "application/json"})).json()
    revocation = next(c for c in result["results"] if c["name"] == "revocation")
    assert revocation["code"] == "status_list_unavailable"
    assert revocation["data"]["cause"] == "fetch_refused"
    assert "'10.0.0.1' is not at a public address" in revocation["detail"]


async def test_fetch_errors_do_not_say_what_a_name_resolves_to(
    client: httpx.AsyncClient,
) -> None:
    # did:web:localhost resolves to loopback, which is refused; the answer goes to whoever
    # asked, so it says that, and not the address.
    credential = {**nested(), "issuer": "did:web:localhost"}
    credential["credentialSubject"] = {"id": "did:example:learner"}
    credential["proof"] = {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod", "verificationMethod": "did:web:localhost#key-1",
        "created": "2026-01-01T00:00:00Z", "proofValue": "z3FXQ",
    }  # fmt: skip
    r = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 422
    key = next(c for c in r.json()["results"] if c["name"] == "issuer_key")
    assert key["code"] == "did_not_found" and "fetch_refused" in key["detail"]
    assert "'localhost' is not at a public address" in key["detail"]
    for address in ("127.0.0.1", "::1"):
        assert address not in r.text


async def test_a_signed_credential_with_many_status_lists_fetches_none(
    client: httpx.AsyncClient, container: Container
) -> None:
    # Anyone can sign with a did:key: the signature holds, and every entry names a list
    # somewhere. More entries than MICROCRED_VERIFY_MAX_STATUS_ENTRIES: none is fetched.
    master = bytes(32)
    sealed = keys.generate_sealed_key(keys.ED25519, master, b"k").sealed
    did = keys.did_key(keys.open_signer(sealed, master, b"k", "k").public_key)
    signer = keys.open_signer(sealed, master, b"k", f"{did}#{did.removeprefix('did:key:')}")
    lists = [f"https://lists-{n}.example/status/1" for n in range(50)]
    entries = [status_entry(url, GOOD_INDEX, "revocation") for url in lists]
    credential = signed(unsigned(did, status=entries), signer)
    r = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 422
    result = r.json()
    assert result["verdict"] == "status_unknown" and "proof" in result["checks"]
    for name in ("revocation", "suspension"):
        check = next(c for c in result["results"] if c["name"] == name)
        assert check["code"] == "status_entries_exceed_limit", check
        assert check["data"] == {
            "entries": 50,
            "limit": container.settings.verify_max_status_entries,
        }
    metrics = (await client.get("/metrics")).text
    assert 'microcred_outbound_fetches_total{outcome="' not in metrics  # nothing went out
