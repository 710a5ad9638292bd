"""Issuers identified by an https URL, not a DID (VC 2.0 section 4.7): the key comes from the
controlled identifier document at the issuer's URL (CID 1.0) for Data Integrity and for a
vc+jwt whose kid is ``<issuer>#<id>`` (VC-JOSE-COSE 4.3), or from the JWK Set of the issuer's
JWT VC Issuer Metadata for another kid (VC-JOSE-COSE 4.2.1). Real crypto, a real HTTP host
on loopback (allow-listed, as a development host), the verifier's own HttpFetcher."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

import keys
from issuer.vc_jose import encode_vc_jwt
from tests.support.corpus import LOADER, NOW, sign_jws, signed, signer, unsigned
from tests.support.url_host import DocumentHost
from verifier.did_resolution import DidResolver, jwt_issuer_metadata_url
from verifier.fetch import HttpFetcher
from verifier.result import VerificationResult
from verifier.verify import verify_credential

ISSUER_PATH = "/issuers/14"
THUMBPRINT_KID = "/issuers/14/keys/urn:ietf:params:oauth:jwk-thumbprint:sha-256:abc"


@pytest.fixture(scope="module")
def host() -> Iterator[DocumentHost]:
    with DocumentHost() as serving:
        yield serving


class Issuer:
    """An issuer at ``host``'s ``path``: an Ed25519 Multikey and a P-256 JsonWebKey in its
    controlled identifier document, and a P-256 key only in its JWK Set."""

    def __init__(self, host: DocumentHost, path: str = ISSUER_PATH) -> None:
        self.host = host
        self.url = host.url(path)
        self.ed = signer(keys.ED25519, f"{self.url}#key-1")
        self.p256 = signer(keys.P256, f"{self.url}#jwk-1")
        self.jose_only = signer(keys.P256, host.url(THUMBPRINT_KID))
        self.path = path

    def controller_document(self) -> dict[str, Any]:
        document = keys.did_document(self.url, [("key-1", self.ed.public_key)])
        document["@context"] = ["https://www.w3.org/ns/cid/v1"]
        document["verificationMethod"].append(
            {"id": f"{self.url}#jwk-1", "type": "JsonWebKey", "controller": self.url,
             "publicKeyJwk": keys.public_jwk(self.p256.public_key)}
        )  # fmt: skip
        document["assertionMethod"].append(f"{self.url}#jwk-1")
        return document

    def metadata(self) -> dict[str, Any]:
        jwk = {**keys.public_jwk(self.jose_only.public_key), "kid": self.jose_only.id}
        return {"issuer": self.url, "jwks": {"keys": [jwk]}}

    def publish(self) -> None:
        self.host.put(self.path, self.controller_document(), "application/cid")
        metadata_path = jwt_issuer_metadata_url(self.url).removeprefix(self.host.url(""))
        self.host.put(metadata_path, self.metadata())


def verify(host: DocumentHost, credential: Any, **options: Any) -> VerificationResult:
    fetcher = HttpFetcher(allow_hosts=[host.host_port], timeout=5)
    return verify_credential(
        credential, resolver=DidResolver(fetcher), fetcher=fetcher, now=NOW,
        document_loader=LOADER, **options,
    )  # fmt: skip


@pytest.fixture(scope="module")
def issuer(host: DocumentHost) -> Issuer:
    made = Issuer(host)
    made.publish()
    return made


def credential_of(issuer_url: str) -> dict[str, Any]:
    return unsigned(issuer_url, status=())


def test_a_data_integrity_credential_of_a_url_issuer(host: DocumentHost, issuer: Issuer) -> None:
    result = verify(host, signed(credential_of(issuer.url), issuer.ed))
    assert result.verified, result.checks
    assert result.issuer == issuer.url and result.verification_method == f"{issuer.url}#key-1"
    assert ISSUER_PATH in host.requests


@pytest.mark.parametrize("kid", ["absolute", "relative"])
def test_a_vc_jwt_whose_kid_is_a_method_of_the_controller_document(
    host: DocumentHost, issuer: Issuer, kid: str
) -> None:
    header = {"alg": "ES256", "typ": "vc+jwt", "cty": "vc",
              "kid": issuer.p256.id if kid == "absolute" else "#jwk-1"}  # fmt: skip
    result = verify(host, sign_jws(header, credential_of(issuer.url), issuer.p256))
    assert result.verified, result.checks
    assert result.verification_method == f"{issuer.url}#jwk-1"


def test_a_vc_jwt_whose_kid_is_in_the_issuers_jwk_set(host: DocumentHost, issuer: Issuer) -> None:
    result = verify(host, encode_vc_jwt(credential_of(issuer.url), issuer.jose_only))
    assert result.verified, result.checks
    assert result.verification_method == issuer.jose_only.id
    assert "/.well-known/jwt-vc-issuer" + ISSUER_PATH in host.requests


def test_the_jwk_set_may_be_at_jwks_uri_and_a_sole_key_needs_no_kid(host: DocumentHost) -> None:
    other = Issuer(host, "/issuers/15")
    other.publish()
    metadata = other.metadata()
    host.put("/issuers/15/jwks.json", metadata.pop("jwks"))
    metadata["jwks_uri"] = host.url("/issuers/15/jwks.json")
    host.put("/.well-known/jwt-vc-issuer/issuers/15", metadata)
    credential = credential_of(other.url)
    result = verify(host, encode_vc_jwt(credential, other.jose_only))
    assert result.verified, result.checks
    no_kid = sign_jws({"alg": "ES256", "typ": "vc+jwt"}, credential, other.jose_only)
    assert verify(host, no_kid).verified


def _failure(result: VerificationResult) -> tuple[str, str | None]:
    check = next(c for c in result.checks if c.failed)
    return check.name, check.code


def test_what_the_controller_document_does_not_authorize_fails(host: DocumentHost) -> None:
    bad = Issuer(host, "/issuers/bad")
    document = bad.controller_document()
    document["assertionMethod"] = [f"{bad.url}#jwk-1"]  # key-1 only for authentication
    host.put(bad.path, document)
    result = verify(host, signed(credential_of(bad.url), bad.ed))
    assert _failure(result) == ("issuer_key", "verification_method_not_authorized")
    assert result.verdict == "not_genuine"

    document = bad.controller_document()
    document["verificationMethod"][0]["controller"] = host.url("/issuers/14")
    host.put(bad.path, document)
    result = verify(host, signed(credential_of(bad.url), bad.ed))
    assert _failure(result) == ("issuer_key", "controller_mismatch")

    host.put(bad.path, {**bad.controller_document(), "id": host.url("/issuers/14")})
    result = verify(host, signed(credential_of(bad.url), bad.ed))
    assert _failure(result) == ("issuer_key", "did_document_invalid")


def test_a_key_of_another_url_is_not_the_issuers(host: DocumentHost, issuer: Issuer) -> None:
    impostor = signer(keys.ED25519, f"{issuer.url}#key-1")  # another key, the same id
    result = verify(host, signed(credential_of(issuer.url), impostor))
    assert _failure(result) == ("proof", "signature_invalid")
    elsewhere = signer(keys.ED25519, host.url("/issuers/elsewhere#key-1"))
    result = verify(host, signed(credential_of(issuer.url), elsewhere))
    assert _failure(result) == ("issuer_key", "controller_mismatch")


def test_a_kid_missing_from_the_jwk_set_or_metadata_of_another_issuer(
    host: DocumentHost, issuer: Issuer
) -> None:
    stranger = signer(keys.P256, host.url("/issuers/14/keys/unknown"))
    result = verify(host, encode_vc_jwt(credential_of(issuer.url), stranger))
    assert _failure(result) == ("issuer_key", "verification_method_not_found")

    liar = Issuer(host, "/issuers/liar")
    liar.publish()
    host.put("/.well-known/jwt-vc-issuer/issuers/liar", issuer.metadata())  # says "14"
    result = verify(host, encode_vc_jwt(credential_of(liar.url), issuer.jose_only))
    assert _failure(result) == ("issuer_key", "controller_mismatch")


def test_a_host_that_cannot_answer_now_leaves_it_undetermined(host: DocumentHost) -> None:
    down = Issuer(host, "/issuers/down")
    host.fail(down.path)
    result = verify(host, signed(credential_of(down.url), down.ed))
    assert _failure(result) == ("issuer_key", "did_unreachable")
    assert result.verdict == "status_unknown"
    missing = Issuer(host, "/issuers/missing")  # never published: a 404 is an answer
    result = verify(host, signed(credential_of(missing.url), missing.ed))
    assert _failure(result) == ("issuer_key", "did_not_found")
    assert result.verdict == "not_genuine"


def test_only_through_the_fetcher_and_its_rules(host: DocumentHost, issuer: Issuer) -> None:
    credential = signed(credential_of(issuer.url), issuer.ed)
    # a fetcher that does not allow the loopback host refuses it: nothing is fetched
    fetcher = HttpFetcher(timeout=5)
    before = len(host.requests)
    result = verify_credential(
        credential, resolver=DidResolver(fetcher), fetcher=fetcher, now=NOW, document_loader=LOADER
    )
    assert _failure(result) == ("issuer_key", "did_not_found")
    assert "fetch_refused" in (result.check("issuer_key").detail or "")  # type: ignore[union-attr]
    assert len(host.requests) == before
    # offline (no fetcher): not found, never a fetch
    result = verify_credential(credential, resolver=DidResolver(), now=NOW, document_loader=LOADER)
    assert _failure(result) == ("issuer_key", "did_not_found")
    # a budget of zero fetches: undetermined
    result = verify(host, credential, max_fetches=0)
    assert _failure(result) == ("issuer_key", "did_unreachable")


def test_a_witness_identified_by_a_url_in_a_proof_set(host: DocumentHost, issuer: Issuer) -> None:
    witness = Issuer(host, "/issuers/witness")
    witness.publish()
    document = credential_of(issuer.url)
    both = copy.deepcopy(signed(document, issuer.ed))
    both["proof"] = [both["proof"], signed(document, witness.ed)["proof"]]
    result = verify(host, both)
    assert result.verified, result.checks
    proofs = result.check("proof").data["proofs"]  # type: ignore[union-attr]
    assert [p["byIssuer"] for p in proofs] == [True, False]
    assert witness.path in host.requests
