"""Self-test of the Node interop harness (tests/interop): Digital Bazaar's VC stack and ``jose``
sign and verify each other's output, and refuse what they must refuse. No microcred code runs
here; the did:web documents and status lists are static files on a loopback HTTP server."""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.interop import harness

pytestmark = pytest.mark.e2e

VC_V2 = "https://www.w3.org/ns/credentials/v2"
SEED_A = bytes([1]) * 32
SEED_B = bytes([2]) * 32
CREDENTIAL: dict[str, Any] = {
    "@context": [VC_V2],
    "type": ["VerifiableCredential"],
    "validFrom": "2025-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:learner",
        "name": "Ana Novak",
        "description": "Completed Introduction to Data Integrity",
    },
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def b64url_decode_json(part: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def jwt_parts(jws: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = jws.split(".")
    return b64url_decode_json(header), b64url_decode_json(payload), signature


def credential(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(CREDENTIAL), **changes}


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    harness.ensure_installed()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server for static files: (host:port, document root)."""
    root = tmp_path_factory.mktemp("www")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_signed_by_node_verifies_in_node_both_formats_both_key_types() -> None:
    signed = [
        harness.node_sign(credential(), "ed25519", seed=SEED_A),
        harness.node_sign(credential(issuer={"id": "x", "name": "Test"}), "p256", seed=SEED_A),
        harness.node_sign(credential(), "ed25519", jwt=True, seed=SEED_A),
        harness.node_sign(credential(), "p256", jwt=True),
    ]
    di_ed, di_p256, jwt_ed, jwt_p256 = signed
    assert isinstance(di_ed, dict) and di_ed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert isinstance(di_p256, dict) and di_p256["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert di_p256["issuer"]["id"].startswith("did:key:zDna")
    assert isinstance(jwt_ed, str) and isinstance(jwt_p256, str)
    header, payload, _ = jwt_parts(jwt_ed)
    assert header["typ"] == "vc+jwt" and header["cty"] == "vc" and header["alg"] == "EdDSA"
    assert header["kid"].split("#")[0] == payload["issuer"] == di_ed["issuer"]
    assert "vc" not in payload
    assert jwt_parts(jwt_p256)[0]["alg"] == "ES256"

    results = harness.node_verify_many(signed)
    assert [(r["verified"], r["format"], r["exit_code"]) for r in results] == [
        (True, "di", 0),
        (True, "di", 0),
        (True, "jwt", 0),
        (True, "jwt", 0),
    ]


def test_tampered_or_malformed_credentials_fail_with_specific_errors() -> None:
    di_ed = harness.node_sign(credential(), "ed25519", seed=SEED_A)
    di_p256 = harness.node_sign(credential(), "p256", seed=SEED_A)
    jws = harness.node_sign(credential(), "ed25519", jwt=True, seed=SEED_A)
    wrong_typ = harness.node_sign(credential(), "ed25519", jwt=True, typ="JWT")
    other_issuer = credential(issuer="did:key:z6MksTRoKw8oh7kZr1xTjYCfJDTqSxDeWwoZwYbxQYVAa4i3")
    jwt_other_issuer = harness.node_sign(other_issuer, "ed25519", jwt=True, keep_issuer=True)
    di_other_issuer = harness.node_sign(other_issuer, "ed25519", keep_issuer=True)
    assert isinstance(di_ed, dict) and isinstance(di_p256, dict) and isinstance(jws, str)

    tampered_ed = copy.deepcopy(di_ed)
    tampered_ed["credentialSubject"]["name"] = "Eve"
    tampered_p256 = copy.deepcopy(di_p256)
    tampered_p256["validFrom"] = "2025-01-02T00:00:00Z"
    undefined_term = copy.deepcopy(di_ed)
    undefined_term["credentialSubject"]["grade"] = "A"
    header, payload, signature = jwt_parts(jws)
    tampered_jwt = ".".join([jws.split(".")[0], b64url_json({**payload, "name": "Eve"}), signature])
    alg_none = f"{b64url_json({**header, 'alg': 'none'})}.{jws.split('.')[1]}."
    alg_mismatch = ".".join([b64url_json({**header, "alg": "ES256"}), *jws.split(".")[1:]])

    cases = {
        "signature": [tampered_ed, tampered_p256, tampered_jwt],
        "jsonldSafeMode": [undefined_term],
        "alg": [alg_none],
        "typ": [wrong_typ],
        "algKeyMismatch": [alg_mismatch],
        "issuerMismatch": [jwt_other_issuer, di_other_issuer],
    }
    inputs = [item for items in cases.values() for item in items]
    results = iter(harness.node_verify_many(inputs))
    for code, items in cases.items():
        for _ in items:
            result = next(results)
            assert result["verified"] is False and result["exit_code"] == 1, result
            assert result["code"] == code, result
            assert result["error"], result
    assert harness.node_verify(undefined_term)["error"].count('"property":"grade"') == 1
    assert "none" in harness.node_verify(alg_none)["error"]


def test_did_web_and_status_list_over_loopback(web: tuple[str, Path]) -> None:
    host, root = web
    did_a = f"did:web:{host.replace(':', '%3A')}:issuers:a"
    did_b = f"did:web:{host.replace(':', '%3A')}:issuers:b"
    for name in ("a", "b", "status"):
        (root / "issuers" / name).mkdir(parents=True, exist_ok=True)
    sign_a = functools.partial(harness.node_sign, key_type="p256", seed=SEED_B, did=did_a)

    # did:web issuer a: DID document written by sign.mjs; issuer b lists no assertionMethod
    di_a = sign_a(credential(), did_document_out=root / "issuers/a/did.json")
    jwt_a = sign_a(credential(), jwt=True)
    doc_b = json.loads((root / "issuers/a/did.json").read_text().replace(did_a, did_b))
    doc_b["assertionMethod"] = []
    (root / "issuers/b/did.json").write_text(json.dumps(doc_b))
    di_b = harness.node_sign(credential(), "p256", seed=SEED_B, did=did_b)
    jwt_b = harness.node_sign(credential(), "p256", jwt=True, seed=SEED_B, did=did_b)

    # Bitstring Status List: index 5 set (the left-most bit is index 0), index 6 clear
    bits = bytearray(131072 // 8)
    bits[0] |= 0x80 >> 5
    list_url = f"http://{host}/issuers/status/1"
    status_list = credential(
        id=list_url,
        type=["VerifiableCredential", "BitstringStatusListCredential"],
        credentialSubject={
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + b64url(gzip.compress(bytes(bits))),
        },
    )
    (root / "issuers/status/1").write_text(json.dumps(sign_a(status_list)))

    def with_status(index: int) -> dict[str, Any]:
        entry = {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
        return credential(credentialStatus=entry)

    revoked_di, valid_di = sign_a(with_status(5)), sign_a(with_status(6))
    revoked_jwt = sign_a(with_status(5), jwt=True)

    not_allowed = harness.node_verify(di_a, allow_hosts=[])
    assert not_allowed["code"] == "hostNotAllowed", not_allowed

    inputs = [di_a, jwt_a, di_b, jwt_b, valid_di, revoked_di, revoked_jwt]
    results = harness.node_verify_many(inputs, allow_hosts=[host])
    codes = [(r["verified"], r["code"]) for r in results]
    assert codes == [
        (True, None),
        (True, None),
        (False, "notAssertionMethod"),
        (False, "notAssertionMethod"),
        (True, None),
        (False, "revoked"),
        (False, "revoked"),
    ], results
    assert results[4]["details"]["status"]["results"][0]["status"] is False
    assert "revocation" in results[5]["error"]
