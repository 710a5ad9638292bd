"""SD-JWT (RFC 9901) issuance and processing, SD-JWT VC claims, and the Token Status List
encoding (draft-ietf-oauth-status-list), as pure code."""

from __future__ import annotations

import itertools
import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

import keys
from issuer.credential import build_credential
from issuer.sd_jwt import issue_sd_jwt, issue_sd_jwt_vc, make_disclosure, sd_jwt_vc_claims
from issuer.sd_jwt_vc import CLAIMS, SELECTIVELY_DISCLOSABLE, micro_credential_claims, type_metadata
from issuer.token_status_list import encode_status_list, pack_statuses, status_list_token
from issuer.vc_jose import sign_compact_jws
from tests.unit.test_credential_model import AWARD, ISSUER, LEARNER, SPEC
from verifier.base64url import b64url_decode, b64url_encode, compact_json
from verifier.errors import JoseError, SdJwtError, TokenStatusListError
from verifier.sd_jwt import (
    disclosure_digest,
    parse_disclosure,
    process_disclosures,
    sd_hash,
    split_sd_jwt,
    verify_jws_signature,
    verify_key_binding,
)
from verifier.token_status_list import parse_status_list_token, status_reference, status_value

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
ALGS = ("EdDSA", "ES256")


def _signer(kid: str = "did:example:issuer#key-1") -> keys.LocalSigner:
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    return keys.LocalSigner(kid, private, public)


def _salts() -> Any:
    counter = itertools.count()
    return lambda: f"salt-{next(counter)}"


def test_the_rfc_9901_disclosure_digest_example() -> None:
    # RFC 9901 section 4.2.1: the disclosure of ["_26bc4LT-ac6q2KI6cBW5es", "family_name",
    # "Möbius"] and its digest (section 4.2.3 example).
    disclosure = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert disclosure_digest(disclosure) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    parsed = parse_disclosure(disclosure)
    assert (parsed.salt, parsed.name, parsed.value) == ("_26bc4LT-ac6q2KI6cBW5es",
                                                         "family_name", "Möbius")  # fmt: skip


def test_issue_and_process_round_trip_with_decoys() -> None:
    signer = _signer()
    text = issue_sd_jwt(
        {"iss": "x", "given_name": "Ana", "family_name": "Horvat", "course": {"en": "3D"}},
        {"given_name", "family_name"}, signer, header={"typ": "example+sd-jwt"},
        salt=_salts(), decoys=3,
    )  # fmt: skip
    assert text.endswith("~") and text.count("~") == 3
    sd_jwt = split_sd_jwt(text)
    assert sd_jwt.kb_jwt is None and sd_jwt.presented == text
    payload = sd_jwt.jws.payload
    assert payload["_sd_alg"] == "sha-256" and len(payload["_sd"]) == 5
    assert payload["_sd"] == sorted(payload["_sd"]) and "given_name" not in payload
    verify_jws_signature(sd_jwt.jws, signer.public_key, ALGS)
    processed = process_disclosures(payload, sd_jwt.disclosures)
    assert processed.claims == {"iss": "x", "course": {"en": "3D"}, "given_name": "Ana",
                                "family_name": "Horvat"}  # fmt: skip
    assert sorted(processed.disclosed) == ["family_name", "given_name"]
    assert processed.withheld == 3
    # Presenting a subset: the withheld claim is gone and counted.
    subset = split_sd_jwt("~".join(text.split("~")[:2]) + "~")
    fewer = process_disclosures(subset.jws.payload, subset.disclosures)
    assert "family_name" not in fewer.claims and fewer.withheld == 4


def _payload_with(*disclosures: str, **extra: Any) -> dict[str, Any]:
    return {"_sd": [disclosure_digest(d) for d in disclosures], "_sd_alg": "sha-256", **extra}


def test_broken_disclosures_are_refused() -> None:
    good, _ = make_disclosure("s1", "given_name", "Ana")
    other, _ = make_disclosure("s2", "grade", "A")
    parsed = split_sd_jwt(f"{sign_compact_jws({}, {}, _signer())}~{good}~").disclosures
    with pytest.raises(SdJwtError) as exc:  # a disclosure whose digest is not in _sd
        process_disclosures(_payload_with(), parsed)
    assert exc.value.code == "disclosure_unreferenced"
    with pytest.raises(SdJwtError) as exc:  # the same digest twice
        payload = _payload_with(good)
        payload["nested"] = {"_sd": [disclosure_digest(good)]}
        process_disclosures(payload, parsed)
    assert exc.value.code == "disclosure_duplicate"
    with pytest.raises(SdJwtError) as exc:
        process_disclosures(_payload_with(good, _sd_alg="sha-512"), parsed)
    assert exc.value.code == "sd_alg_unsupported"
    with pytest.raises(SdJwtError) as exc:  # the name is in the clear already
        process_disclosures(_payload_with(good, given_name="Eve"), parsed)
    assert exc.value.code == "claim_conflict"
    with pytest.raises(SdJwtError) as exc:
        parse_disclosure(b64url_encode(compact_json(["s", "_sd", "x"])))
    assert exc.value.code == "claim_conflict"
    with pytest.raises(SdJwtError) as exc:
        split_sd_jwt(f"{sign_compact_jws({}, {}, _signer())}~{good}~{good}~")
    assert exc.value.code == "disclosure_duplicate"
    with pytest.raises(SdJwtError) as exc:
        parse_disclosure("not*base64")
    assert exc.value.code == "disclosure_invalid"
    assert process_disclosures(_payload_with(other), ()).withheld == 1


def test_array_element_disclosures() -> None:
    element = b64url_encode(compact_json(["s", "FR"]))
    payload = {"nationalities": [{"...": disclosure_digest(element)}, "DE"]}
    processed = process_disclosures(payload, (parse_disclosure(element),))
    assert processed.claims == {"nationalities": ["FR", "DE"]}
    assert processed.disclosed == ("nationalities[0]",)


def _kb(holder: keys.LocalSigner, presented: str, **claims: Any) -> str:
    body = {"iat": int(NOW.timestamp()), "aud": "https://verifier.example", "nonce": "n-1",
            "sd_hash": sd_hash(presented), **claims}  # fmt: skip
    return sign_compact_jws({"typ": "kb+jwt"}, body, holder)


def test_key_binding() -> None:
    issuer, holder = _signer(), _signer("holder")
    presented = issue_sd_jwt({"a": 1}, {"a"}, issuer, header={})
    sd_jwt = split_sd_jwt(presented + _kb(holder, presented))
    claims = verify_key_binding(sd_jwt, holder.public_key, now=NOW, algorithms=ALGS,
                                audience="https://verifier.example", nonce="n-1")  # fmt: skip
    assert claims["nonce"] == "n-1"
    for expected, code in (({"nonce": "other"}, "key_binding_invalid"),
                           ({"audience": "https://elsewhere"}, "key_binding_invalid")):  # fmt: skip
        with pytest.raises(SdJwtError) as exc:
            verify_key_binding(sd_jwt, holder.public_key, now=NOW, algorithms=ALGS, **expected)
        assert exc.value.code == code
    with pytest.raises(SdJwtError):  # too old
        verify_key_binding(sd_jwt, holder.public_key, now=NOW + timedelta(hours=1),
                           algorithms=ALGS)  # fmt: skip
    with pytest.raises(JoseError) as jose:  # signed by someone else
        verify_key_binding(sd_jwt, _signer().public_key, now=NOW, algorithms=ALGS)
    assert jose.value.code == "signature_invalid"
    wrong_hash = split_sd_jwt(presented + _kb(holder, presented + "x"))
    with pytest.raises(SdJwtError, match="sd_hash"):
        verify_key_binding(wrong_hash, holder.public_key, now=NOW, algorithms=ALGS)
    with pytest.raises(SdJwtError) as exc:
        verify_key_binding(split_sd_jwt(presented), holder.public_key, now=NOW, algorithms=ALGS)
    assert exc.value.code == "key_binding_missing"


def test_sd_jwt_vc_header_and_registered_claims() -> None:
    signer = _signer()
    holder = keys.public_jwk(_signer().public_key)
    registered = sd_jwt_vc_claims(
        issuer="https://school.example/institutions/ts", vct="https://school.example/vct/mc",
        issued_at=NOW, valid_from=NOW, valid_until=NOW + timedelta(days=1), holder_jwk=holder,
        status_uri="https://school.example/status/ts/abc/token", status_index=7,
    )  # fmt: skip
    text = issue_sd_jwt_vc(registered, {"given_name": "Ana"}, {"given_name"}, signer)
    jws = split_sd_jwt(text).jws
    assert jws.header == {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": signer.id}
    assert jws.payload["cnf"] == {"jwk": holder}
    assert jws.payload["status"] == {
        "status_list": {"idx": 7, "uri": "https://school.example/status/ts/abc/token"}
    }
    assert jws.payload["nbf"] == jws.payload["iat"] and jws.payload["exp"] > jws.payload["nbf"]
    with pytest.raises(ValueError):
        issue_sd_jwt_vc(registered, {}, {"status"}, signer)


def test_micro_credential_claims() -> None:
    claims = micro_credential_claims(build_credential(SPEC, ISSUER, LEARNER, AWARD))
    assert claims["given_name"] == "Ana" and claims["family_name"] == "Horvat"
    assert claims["birthdate"] == "2004-03-01" and claims["grade"] == "excellent"
    assert claims["title"] == {"en": "3D printing: FDM basics", "sl": "3D tisk: osnove FDM"}
    assert claims["learning_outcomes"][0]["esco_skill"].startswith("http://data.europa.eu/esco")
    assert claims["ects"] == "2.5" and claims["workload"] == "PT50H" and claims["eqf_level"] == 4
    assert claims["participation_form"] == "in_person"
    assert claims["quality_assurance"] == {"en": "Internal QA, accredited by the ministry"}
    for name in ("supervision", "stackability", "further_information", "prerequisites",
                 "assessment_type", "description"):  # fmt: skip
        assert name in claims, name
    assert claims["awarding_date"] == "2026-11-20"
    assert claims["awarding_body"]["country"] == "SVN"
    assert set(claims) >= SELECTIVELY_DISCLOSABLE
    assert {c.name for c in CLAIMS} - {"nqf_level"} == set(claims)


def test_type_metadata_lists_every_claim_in_every_language() -> None:
    metadata = type_metadata("https://x/vct", languages=("en", "sl"),
                             translate=lambda lang, text: f"{lang}:{text}")  # fmt: skip
    assert metadata["vct"] == "https://x/vct"
    assert [d["locale"] for d in metadata["display"]] == ["en", "sl"]
    sd = {c["path"][0]: c["sd"] for c in metadata["claims"]}
    assert {n for n, v in sd.items() if v == "always"} == SELECTIVELY_DISCLOSABLE


# --- Token Status List ------------------------------------------------------------------


def test_packing_follows_the_drafts_example() -> None:
    # draft-ietf-oauth-status-list section 4.1, the 2-bit example:
    # statuses [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3] -> bytes 0xC9 0x44 0xF9.
    statuses = dict(enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]))
    assert pack_statuses(12, statuses, 2) == bytes([0xC9, 0x44, 0xF9])
    encoded = encode_status_list(pack_statuses(12, statuses, 2), 2)
    assert zlib.decompress(b64url_decode(encoded["lst"])) == bytes([0xC9, 0x44, 0xF9])
    data = bytes([0xC9, 0x44, 0xF9])
    assert [status_value(data, i, 2) for i in range(12)] == list(statuses.values())


def test_status_list_token_round_trip() -> None:
    signer = _signer()
    uri = "https://school.example/status/ts/abc/token"
    data = pack_statuses(131_072, {5: 1, 99_000: 2})
    token = status_list_token(uri=uri, data=data, signer=signer, issued_at=NOW,
                              issuer="did:example:issuer", valid_for=timedelta(days=1),
                              ttl=timedelta(minutes=5))  # fmt: skip
    parsed = parse_status_list_token(token, uri=uri, now=NOW)
    assert parsed.header["typ"] == "statuslist+jwt" and parsed.kid == signer.id
    assert parsed.claims["ttl"] == 300 and parsed.claims["sub"] == uri
    assert (parsed.status(5), parsed.status(99_000), parsed.status(6)) == (1, 2, 0)
    assert len(token) < 1000  # 32 KB of mostly zeroes compress well
    with pytest.raises(TokenStatusListError) as exc:
        parse_status_list_token(token, uri=uri + "x", now=NOW)
    assert exc.value.code == "status_list_token_mismatch"
    with pytest.raises(TokenStatusListError) as exc:
        parse_status_list_token(token, uri=uri, now=NOW + timedelta(days=2))
    assert exc.value.code == "status_list_token_expired"
    with pytest.raises(TokenStatusListError) as exc:
        parsed.status(131_072)
    assert exc.value.code == "status_index_out_of_range"
    bomb = status_list_token(uri=uri, data=bytes(2 << 20), signer=signer, issued_at=NOW)
    with pytest.raises(TokenStatusListError, match="expands"):
        parse_status_list_token(bomb)


def test_status_reference() -> None:
    assert status_reference(None) is None
    assert status_reference({"status_list": {"idx": 3, "uri": "u"}}).idx == 3  # type: ignore[union-attr]
    for bad in ({"status_list": {"idx": -1, "uri": "u"}}, "x", {"status_list": {"idx": 1}},
                {"status_list": {"idx": True, "uri": "u"}}):  # fmt: skip
        with pytest.raises(TokenStatusListError):
            status_reference(bad)


def test_json_of_a_disclosure_is_compact() -> None:
    encoded, _ = make_disclosure("s", "n", {"a": "ž"})
    assert json.loads(b64url_decode(encoded)) == ["s", "n", {"a": "ž"}]
