"""The verifier's parts on their own: DID resolution (did:key offline, did:web through a fake
fetcher), the JOSE forms, and the Annex I completeness check on the expanded graph."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import keys
from tests.support.corpus import (
    DID_ED,
    LOADER,
    FakeFetcher,
    b64url,
    sign_jws,
    signer,
    unsigned,
    world,
)
from verifier.completeness import ANNEX_I_ELEMENTS, completeness
from verifier.did_resolution import DidResolutionError, DidResolver
from verifier.errors import JoseError
from verifier.vc_jwt import map_legacy_claims, parse_jws_credential, unwrap_enveloped, verify_jws

DID = "did:web:school.example:institutions:t"
URL = "https://school.example/institutions/t/did.json"
KEY = signer(keys.ED25519, f"{DID}#key-1").public_key
P256_KEY = signer(keys.P256, f"{DID}#key-2").public_key


def resolver_with(document: Any) -> DidResolver:
    fetcher = FakeFetcher()
    fetcher.put(URL, document)
    return DidResolver(fetcher)


def document(**change: Any) -> dict[str, Any]:
    doc = keys.did_document(DID, [("key-1", KEY)])
    doc.update(change)
    return doc


# --- DID resolution -------------------------------------------------------------------------


def test_did_key_resolves_offline() -> None:
    did = keys.did_key(P256_KEY)
    resolved = DidResolver().verification_method(f"{did}#{P256_KEY.multibase}")
    assert resolved.public_key == P256_KEY and resolved.controller == did


def test_did_web_resolves_through_the_fetcher() -> None:
    resolved = resolver_with(document()).verification_method(f"{DID}#key-1")
    assert (resolved.id, resolved.controller, resolved.public_key) == (f"{DID}#key-1", DID, KEY)


def test_relative_ids_embedded_methods_and_jwks() -> None:
    jwk_method = {"id": "#key-2", "type": "JsonWebKey", "controller": DID,
                  "publicKeyJwk": keys.public_jwk(P256_KEY)}  # fmt: skip
    embedded = {"id": f"{DID}#key-3", "type": "JsonWebKey2020", "controller": DID,
                "publicKeyJwk": keys.public_jwk(KEY)}  # fmt: skip
    doc = document(
        verificationMethod=[{**document()["verificationMethod"][0], "id": "#key-1"}, jwk_method],
        assertionMethod=["#key-1", f"{DID}#key-2", embedded],
    )
    resolver = resolver_with(doc)
    assert resolver.verification_method(f"{DID}#key-1").public_key == KEY
    assert resolver.verification_method(f"{DID}#key-2").public_key == P256_KEY
    assert resolver.verification_method(f"{DID}#key-3").public_key == KEY


@pytest.mark.parametrize(
    ("did_url", "doc", "code"),
    [
        (f"{DID}#key-9", document(), "verification_method_not_found"),
        (f"{DID}#key-1", document(assertionMethod=[]), "verification_method_not_authorized"),
        (f"{DID}#key-1", document(verificationMethod=[{**document()["verificationMethod"][0],
                                  "controller": "did:web:evil.example"}]), "controller_mismatch"),
        (f"{DID}#key-1", document(id="did:web:evil.example"), "did_document_invalid"),
        (f"{DID}#key-1", "not json", "did_document_invalid"),
        (f"{DID}#key-1", ["a", "list"], "did_document_invalid"),
        (f"{DID}#key-1", document(verificationMethod=[{**document()["verificationMethod"][0],
                                  "type": "RsaVerificationKey2018"}]), "did_document_invalid"),
        (f"{DID}#key-1", document(verificationMethod=[{**document()["verificationMethod"][0],
                                  "publicKeyMultibase": "zNotAKey"}]), "did_document_invalid"),
        ("did:web:elsewhere.example#key-1", document(), "did_not_found"),
        ("did:example:123#key-1", document(), "did_unsupported_method"),
        ("did:key:zNotAKey#x", document(), "did_invalid"),
        (DID, document(), "did_invalid"),  # no fragment
        # an https URL names a controlled identifier document (CID 1.0); there is none here
        ("https://school.example/#key-1", document(), "did_not_found"),
        ("ftp://school.example/#key-1", document(), "did_invalid"),
        ("https://school.example/issuer", document(), "did_invalid"),  # no #fragment
    ],
)  # fmt: skip
def test_resolution_errors(did_url: str, doc: Any, code: str) -> None:
    fetcher = FakeFetcher()
    fetcher.put(URL, doc)
    with pytest.raises(DidResolutionError) as caught:
        DidResolver(fetcher).verification_method(did_url)
    assert caught.value.code == code, caught.value.detail


def test_did_web_without_a_fetcher_is_not_found() -> None:
    with pytest.raises(DidResolutionError) as caught:
        DidResolver().resolve(DID)
    assert caught.value.code == "did_not_found"


def test_a_development_host_resolves_over_http() -> None:
    fetcher = FakeFetcher()
    did = "did:web:127.0.0.1%3A8000:institutions:t"
    fetcher.put("http://127.0.0.1:8000/institutions/t/did.json", {"id": did})
    assert DidResolver(fetcher).resolve(did) == {"id": did}
    with pytest.raises(DidResolutionError):
        DidResolver(fetcher, allow_http_hosts=()).resolve(did)  # https://127.0.0.1:8000/...


# --- JOSE -------------------------------------------------------------------------------------


def test_legacy_claims_are_mapped_as_vc_1_1_says() -> None:
    vc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
          "issuer": {"name": "School"}, "credentialSubject": {"name": "Ana"}}  # fmt: skip
    claims = {"vc": vc, "iss": DID, "nbf": 1767225600, "exp": 1798761600, "jti": "urn:x:1",
              "sub": "did:example:a"}  # fmt: skip
    mapped = map_legacy_claims(claims)
    assert mapped["issuer"] == {"name": "School", "id": DID}
    assert mapped["validFrom"] == "2026-01-01T00:00:00Z"
    assert mapped["validUntil"] == "2027-01-01T00:00:00Z"
    assert mapped["id"] == "urn:x:1" and mapped["credentialSubject"]["id"] == "did:example:a"
    assert "id" not in vc["credentialSubject"]  # the claim itself is not modified
    with pytest.raises(JoseError, match="iss_mismatch"):
        map_legacy_claims({"vc": {**vc, "issuer": "did:example:other"}, "iss": DID})
    with pytest.raises(JoseError, match="claims_invalid"):
        map_legacy_claims({"vc": vc, "nbf": "yesterday"})


@pytest.mark.parametrize("typ", ["vc+jwt", "vc+ld+jwt", "application/vc+jwt", None])
def test_vc_jwt_typs_tolerated(typ: str | None) -> None:
    w = world()
    header = {"alg": "EdDSA", "kid": w.ed.id, **({"typ": typ} if typ else {})}
    parsed = parse_jws_credential(sign_jws(header, unsigned(), w.ed))
    assert parsed.form == "vc+jwt" and parsed.issuer == DID_ED
    verify_jws(parsed, w.ed.public_key)


@pytest.mark.parametrize(
    ("header", "payload", "code"),
    [
        ({"alg": "EdDSA", "crit": ["exp"]}, {"@context": []}, "jws_malformed"),
        ({"alg": "EdDSA", "b64": False}, {"@context": []}, "jws_malformed"),
        ({"alg": "EdDSA", "kid": 7}, {"@context": []}, "jws_malformed"),
        ({"alg": "EdDSA"}, {"claims": "none"}, "payload_invalid"),
        ({"alg": "EdDSA", "typ": "vc+sd-jwt"}, {"@context": []}, "typ_unsupported"),
        ({"alg": "EdDSA", "typ": "vc+jwt"}, {"vc": {}}, "typ_unsupported"),
        ({"alg": "EdDSA"}, {"@context": [], "exp": "soon"}, "claims_invalid"),
    ],
)
def test_jose_parse_errors(header: dict[str, Any], payload: dict[str, Any], code: str) -> None:
    with pytest.raises(JoseError) as caught:
        parse_jws_credential(sign_jws(header, payload, world().ed))
    assert caught.value.code == code


def test_jose_parse_errors_of_the_compact_form() -> None:
    for token in ("a.b", "a.b.c.d", f"{b64url(b'[1]')}.{b64url(b'{}')}.", "!!.??.--"):
        with pytest.raises(JoseError) as caught:
            parse_jws_credential(token)
        assert caught.value.code == "jws_malformed", token
    with pytest.raises(JoseError) as caught:
        parse_jws_credential(f"{b64url(b'{}')}.{b64url(b'not json')}.")
    assert caught.value.code in ("jws_malformed", "payload_invalid")


def test_enveloped_media_types() -> None:
    assert unwrap_enveloped({"id": "data:application/vc+jwt,a.b.c"}) == "a.b.c"
    for bad, code in (("data:application/vc+cose,AAA", "envelope_unsupported"),
                      ("data:application/vc+jwt;base64,YS5iLmM=", "envelope_unsupported"),
                      ("https://example.org/vc", "jws_malformed")):  # fmt: skip
        with pytest.raises(JoseError) as caught:
            unwrap_enveloped({"id": bad})
        assert caught.value.code == code


# --- completeness -----------------------------------------------------------------------------


def test_all_eleven_elements_are_found_in_ours() -> None:
    check = completeness(unsigned(), LOADER)
    assert check.status == "passed"
    assert len(ANNEX_I_ELEMENTS) == 11 and check.data["elements"] == list(ANNEX_I_ELEMENTS)


def _without(path: str) -> dict[str, Any]:
    credential = copy.deepcopy(unsigned())
    *parents, last = path.split(".")
    node: Any = credential
    for key in parents:
        node = node[key]
    del node[last]
    return credential


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("credentialSubject.givenName", ["learner"]),
        ("issuer.location", ["issuer_country"]),
        ("credentialSubject.hasClaim.awardedBy", ["awarding_body"]),
        ("credentialSubject.hasClaim.specifiedBy.learningOutcome", ["learning_outcomes"]),
        ("credentialSubject.hasClaim.specifiedBy.mode", ["participation_form"]),
        ("credentialSubject.hasClaim.provenBy.specifiedBy.dcType", ["assessment_type"]),
        ("credentialSubject.hasClaim.specifiedBy.eqfLevel", ["eqf_level"]),
    ],
)
def test_each_missing_element_is_named(path: str, missing: list[str]) -> None:
    credential = _without(path)
    if path.endswith("givenName"):
        del credential["credentialSubject"]["fullName"]
    check = completeness(credential, LOADER)
    assert (check.status, check.code, check.data["missing"]) == (
        "failed", "annex_i_incomplete", missing,
    )  # fmt: skip


def test_workload_needs_credit_points_or_hours_and_dates_either_issued_or_awarding() -> None:
    credential = _without("credentialSubject.hasClaim.specifiedBy.creditPoint")
    assert completeness(credential, LOADER).status == "passed"  # volumeOfLearning remains
    del credential["credentialSubject"]["hasClaim"]["specifiedBy"]["volumeOfLearning"]
    assert completeness(credential, LOADER).data["missing"] == ["workload"]
    credential = _without("issued")
    assert completeness(credential, LOADER).status == "passed"  # awardingDate remains


def test_iris_count_not_json_keys() -> None:
    """A context that names the ELM properties differently is just as complete."""
    credential = unsigned()
    renamed = {"eqf": "http://data.europa.eu/snb/model/elm/EQFLevel"}
    credential["@context"] = [*credential["@context"], renamed]
    spec = credential["credentialSubject"]["hasClaim"]["specifiedBy"]
    spec["eqf"] = {"id": spec.pop("eqfLevel")["id"]}
    assert completeness(credential, LOADER).status == "passed"
    spec["eqf"] = {"id": "http://data.europa.eu/snb/eqf/9"}  # not an EQF level
    assert completeness(credential, LOADER).data["missing"] == ["eqf_level"]


def test_other_credentials_are_skipped_and_unreadable_ones_warned() -> None:
    other = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    assert completeness(other, LOADER).status == "skipped"
    contexts = ["https://www.w3.org/ns/credentials/v2", "https://example.org/edc-ap"]
    edc = {**unsigned(), "@context": contexts}
    check = completeness(edc, LOADER)
    assert (check.status, check.code) == ("warning", "unknown_context")
