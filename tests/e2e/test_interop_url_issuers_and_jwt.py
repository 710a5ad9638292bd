"""Cross-implementation for issue 12 items 4, 5 and 11: ``jose`` verifies the vc+jwt that
``POST /credentials/issue?format=jwt`` returns (the key from the issuer's DID document on the
live server); Digital Bazaar signs a Data Integrity credential, and ``jose`` a vc+jwt with a
``kid`` URL, for an issuer identified by a URL whose controlled identifier document a loopback
host serves, and microcred's verifier (allowed to reach that host) verifies them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.interop import harness
from tests.support.live import Live, bearer
from tests.support.url_host import DocumentHost
from verifier import DidResolver, verify_credential
from verifier.fetch import HttpFetcher

pytestmark = pytest.mark.e2e

V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ENVELOPE_PREFIX = "data:application/vc+jwt,"


def unsigned() -> dict[str, Any]:
    return {
        "@context": [V2],
        "id": "urn:uuid:5f0c7c1e-8a61-4b8e-9d4b-1c3a0f2e7d11",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:replaced",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana Horvat"},
    }


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    harness.ensure_installed()


@pytest.fixture
def host() -> Iterator[DocumentHost]:
    with DocumentHost() as serving:
        yield serving


def test_jose_verifies_the_vc_jwt_the_vc_api_issues(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.start()
    api_key = live.institution("jwt-web", "Srednja škola", "ME")
    did = httpx.get(f"{live.url}/api/v1/institutions/jwt-web", headers=bearer(api_key)).json()[
        "did"
    ]
    body = {"credential": {**unsigned(), "issuer": did, "validUntil": "2099-01-01T00:00:00Z"}}
    issued = httpx.post(
        f"{live.url}/credentials/issue?format=jwt", json=body, headers=bearer(api_key), timeout=30
    )
    assert issued.status_code == 201, issued.text
    envelope = issued.json()["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    token = envelope["id"].removeprefix(ENVELOPE_PREFIX)
    # jose, with the public JWK of the issuer's DID document fetched from the live server
    tampered = token.split(".")
    tampered[1] = tampered[1][:-4] + ("AAAA" if not tampered[1].endswith("AAAA") else "BBBB")
    results = harness.node_verify_many(
        [token, ".".join(tampered)], allow_hosts=[f"127.0.0.1:{live.port}"]
    )
    assert results[0]["verified"] and results[0]["format"] == "jwt", results[0]
    assert not results[1]["verified"]
    # ... and microcred: the VC API and `microcred verify` on the envelope as returned
    r = httpx.post(f"{live.url}/credentials/verify", json={"verifiableCredential": envelope})
    assert r.status_code == 200 and r.json()["verified"], r.text
    path = tmp_path / "enveloped.json"
    path.write_text(json.dumps(envelope), encoding="utf-8")
    cli = live.cli("verify", "--json", str(path), check=False)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert json.loads(cli.stdout)["format"] == "enveloped:vc+jwt"


def _publish(host: DocumentHost, documents: dict[str, Any]) -> None:
    for url, document in documents.items():
        host.put(urlsplit(url).path, document, "application/cid")


def _ours(host: DocumentHost, credential: dict[str, Any] | str) -> Any:
    fetcher = HttpFetcher(allow_hosts=[host.host_port], timeout=5)
    return verify_credential(credential, resolver=DidResolver(fetcher), fetcher=fetcher, now=NOW)


def test_digital_bazaar_and_jose_sign_for_a_url_issuer_and_we_verify(host: DocumentHost) -> None:
    issuer = host.url("/issuers/565049")
    job_keys = {
        "ed": {"type": "ed25519", "seed": bytes(range(7, 39)).hex(), "did": issuer,
               "fragment": "key-1"},
        "p256": {"type": "p256", "seed": bytes(range(40, 72)).hex(), "did": issuer,
                 "fragment": "key-123", "jwk": True},
    }  # fmt: skip
    di = harness.node_sign_di({
        "credential": unsigned(), "keys": job_keys, "issuer": "ed",
        "proofs": [{"key": "ed", "cryptosuite": "eddsa-rdfc-2022",
                    "created": "2026-01-01T00:00:00Z"}],
    })  # fmt: skip
    jwt = harness.node_sign_di(
        {"credential": unsigned(), "keys": job_keys, "issuer": "p256", "jwt": "p256"}
    )
    documents = di["didDocuments"]
    assert documents[issuer]["id"] == issuer
    assert [m["type"] for m in documents[issuer]["verificationMethod"]] == [
        "Multikey", "JsonWebKey"
    ]  # fmt: skip
    _publish(host, documents)
    credential, token = di["credential"], jwt["credential"]
    assert credential["issuer"] == issuer and credential["proof"]["verificationMethod"] == (
        f"{issuer}#key-1"
    )
    for signed in (credential, token):
        result = _ours(host, signed)
        assert result.verified, [c for c in result.checks if c.failed]
    assert "/issuers/565049" in host.requests

    # Altered after signing: refused. A document that no longer lists the key: refused.
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert _ours(host, tampered).check("proof").code == "signature_invalid"  # type: ignore[union-attr]
    withdrawn = copy.deepcopy(documents[issuer])
    withdrawn["assertionMethod"] = [f"{issuer}#key-123"]
    host.put("/issuers/565049", withdrawn, "application/cid")
    result = _ours(host, credential)
    assert result.check("issuer_key").code == "verification_method_not_authorized"  # type: ignore[union-attr]
    assert _ours(host, token).verified  # the JWT's key is still listed


def test_the_cli_verifies_a_url_issuers_jwt_only_where_the_host_is_allowed(
    host: DocumentHost, tmp_path: Path, live: Live
) -> None:
    issuer = host.url("/issuers/cli")
    job_keys = {"ed": {"type": "ed25519", "seed": bytes(range(9, 41)).hex(), "did": issuer,
                       "fragment": "key-1"}}  # fmt: skip
    out = harness.node_sign_di(
        {"credential": unsigned(), "keys": job_keys, "issuer": "ed", "jwt": "ed"}
    )
    _publish(host, out["didDocuments"])
    path = tmp_path / "url-issuer.jwt"
    path.write_text(out["credential"], encoding="utf-8")
    # `microcred verify` fetches nothing from a loopback address it was not told to allow
    refused = live.cli("verify", "--json", str(path), check=False)
    assert refused.returncode != 0
    issuer_key = next(c for c in json.loads(refused.stdout)["results"] if c["name"] == "issuer_key")
    assert issuer_key["code"] == "did_not_found" and "fetch_refused" in issuer_key["detail"]
    assert "/issuers/cli" not in host.requests
    # ... and verifies it once told to (a development host, as `--allow-host` documents)
    allowed = live.cli("verify", "--json", "--allow-host", host.host_port, str(path), check=False)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "/issuers/cli" in host.requests
