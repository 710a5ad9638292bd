"""verifier.verify_credential over a corpus issued in-process (tests/unit/verify_corpus.py) and
credentials signed independently by Digital Bazaar's libraries and jose (committed fixtures):
valid ones verify in every form; each broken one fails its own check with its own code."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

import verifier
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from tests.support.corpus import (
    DID_ED,
    DID_P256,
    GOOD_INDEX,
    LOADER,
    NOW,
    REVOCATION_LIST,
    SUSPENSION_LIST,
    World,
    sign_jws,
    signed,
    unsigned,
    world,
)
from verifier.did_resolution import DidResolver
from verifier.result import CHECK_NAMES
from verifier.verify import STATUS_LIST_ACCEPT, verify_credential

VALID = sorted(world().valid)
BROKEN = sorted(world().broken)
OURS = ["ed25519-di", "p256-di", "ed25519-jwt", "p256-jwt", "enveloped", "jwt-status-list"]
FORMATS = {
    "ed25519-di": "ldp_vc",
    "p256-di": "ldp_vc",
    "ed25519-jwt": "vc+jwt",
    "p256-jwt": "vc+jwt",
    "enveloped": "enveloped:vc+jwt",
    "vc-jwt-1.1": "vc-jwt-1.1",
    "digital-bazaar-ed25519-di": "ldp_vc",
    "digital-bazaar-p256-di": "ldp_vc",
    "digital-bazaar-ed25519-jwt": "vc+jwt",
    "digital-bazaar-p256-jwt": "vc+jwt",
}


@pytest.fixture(scope="module")
def w() -> World:
    return world()


@pytest.mark.parametrize("name", VALID)
def test_valid_credentials_verify(w: World, name: str) -> None:
    result = w.verify(w.valid[name])
    assert result.verified, [c for c in result.checks if not c.passed]
    assert result.verdict == "valid"
    assert tuple(c.name for c in result.checks) == CHECK_NAMES
    assert {c.status for c in result.checks[:4]} == {"passed"}  # format .. validity
    assert result.format == FORMATS.get(name, result.format)
    assert result.issuer and result.verification_method
    assert result.verification_method.startswith(result.issuer + "#")
    assert result.check("trust").status == "skipped"  # type: ignore[union-attr]
    assert json.loads(json.dumps(result.to_json()))["verified"] is True


@pytest.mark.parametrize("name", BROKEN)
def test_broken_credentials_fail_their_own_check(w: World, name: str) -> None:
    credential, check, code = w.broken[name]
    result = w.verify(credential)
    failed = result.check(check)
    assert failed is not None and (failed.status, failed.code) == ("failed", code), result.checks
    assert not result.verified
    others = [c for c in result.checks if c.failed and c.name != check]
    assert not others, others  # exactly one reason


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("tampered claim", "not_genuine"), ("key withdrawn", "not_genuine"),
     ("revoked", "revoked"), ("suspended", "suspended"), ("expired", "expired"),
     ("not yet valid", "not_yet_valid"), ("jwt iss mismatch", "not_genuine")],
)  # fmt: skip
def test_verdicts(w: World, name: str, verdict: str) -> None:
    assert w.verify(w.broken[name][0]).verdict == verdict


def test_a_credential_that_is_not_genuine_reaches_no_status_list(w: World) -> None:
    before = len(w.fetcher.requests)
    result = w.verify(w.broken["tampered claim"][0])
    assert [c.status for c in result.checks if c.name in ("revocation", "suspension")] == [
        "skipped",
        "skipped",
    ]
    assert all("/status/" not in url for url, _ in w.fetcher.requests[before:])


def test_status_lists_are_fetched_with_their_accept_header_once_per_list(w: World) -> None:
    before = len(w.fetcher.requests)
    result = w.verify(w.valid["ed25519-di"])
    lists = [r for r in w.fetcher.requests[before:] if "/status/" in r[0]]
    assert lists == [(REVOCATION_LIST, STATUS_LIST_ACCEPT), (SUSPENSION_LIST, STATUS_LIST_ACCEPT)]
    revocation = result.check("revocation")
    assert revocation is not None and revocation.data["index"] == GOOD_INDEX


def test_status_fails_closed_without_a_fetcher(w: World) -> None:
    result = w.verify(w.valid["ed25519-di"], fetcher=None)
    for name in ("revocation", "suspension"):
        check = result.check(name)
        assert check is not None and (check.status, check.code) == ("failed", "status_unavailable")
    assert not result.verified
    # ... while a credential without status entries needs no fetcher at all
    assert w.verify(w.valid["p256-di"], fetcher=None).verified


def test_a_tampered_list_says_why(w: World) -> None:
    check = w.verify(w.broken["status list tampered"][0]).check("revocation")
    assert check is not None and check.data["cause"] == "signature_invalid"


def test_an_entry_of_another_type_fails_closed(w: World) -> None:
    # An entry of a type we do not check, with nothing but IRIs, so that JSON-LD processing
    # (of a JWT's payload too) does not refuse an undefined term first.
    entry = {"id": f"{REVOCATION_LIST}#1", "type": "https://example.org/vocab#OtherStatusEntry"}
    result = w.verify(encode_vc_jwt(unsigned(status=[entry]), w.ed))
    check = result.check("revocation")
    assert check is not None and (check.status, check.code) == ("failed", "status_type_unsupported")


def test_completeness_passed_for_ours_and_skipped_for_others(w: World) -> None:
    for name in OURS:
        check = w.verify(w.valid[name]).check("completeness")
        assert check is not None and check.status == "passed", (name, check)
    for name in VALID:
        if name.startswith("digital-bazaar-") or name == "vc-jwt-1.1":
            check = w.verify(w.valid[name]).check("completeness")
            assert check is not None and check.status == "skipped"


def test_an_incomplete_micro_credential_still_verifies(w: World) -> None:
    document = unsigned()
    spec = document["credentialSubject"]["hasClaim"]["specifiedBy"]
    del spec["eqfLevel"]
    spec["additionalNote"] = []  # the quality assurance note
    result = w.verify(signed(document, w.ed))
    check = result.check("completeness")
    assert check is not None and (check.status, check.code) == ("failed", "annex_i_incomplete")
    assert check.data["missing"] == ["eqf_level", "quality_assurance"]
    assert result.verified and result.verdict == "valid"


@pytest.mark.parametrize(
    ("trusted", "status", "verdict", "is_trusted"),
    [(None, "skipped", "valid", None), ([DID_ED], "passed", "valid", True),
     ([DID_P256], "warning", "untrusted", False), ([], "warning", "untrusted", False)],
)  # fmt: skip
def test_trust_is_reported_beside_validity(
    w: World, trusted: list[str] | None, status: str, verdict: str, is_trusted: bool | None
) -> None:
    result = w.verify(w.valid["ed25519-jwt"], trusted_issuers=trusted)
    trust = result.check("trust")
    assert trust is not None and trust.status == status
    assert result.verdict == verdict and result.trusted is is_trusted
    # Trust is the caller's policy, not validity: an issuer off the list still verifies.
    assert result.verified
    body = result.to_json()
    assert body["verified"] is True and body["trusted"] is is_trusted and not body["errors"]
    if status == "warning":
        assert trust.code == "untrusted_issuer"
        assert body["warnings"] == [
            {"check": "trust", "code": "untrusted_issuer", "detail": trust.detail}
        ]


def test_an_untrusted_issuer_does_not_hide_a_worse_verdict(w: World) -> None:
    item, _, _ = w.broken["expired"]
    result = w.verify(item, trusted_issuers=[])
    assert result.verdict == "expired" and not result.verified and result.trusted is False


def test_clock_skew(w: World) -> None:
    not_yet = w.broken["not yet valid"][0]  # validFrom = NOW + 1 day
    assert w.verify(not_yet, clock_skew=timedelta(days=2)).verdict == "valid"
    assert w.verify(not_yet, now=NOW + timedelta(days=1, minutes=-4)).verdict == "valid"
    assert w.verify(not_yet, now=NOW + timedelta(days=1, minutes=-6)).verdict == "not_yet_valid"


def test_legacy_jwt_claims_become_the_credential(w: World) -> None:
    result = w.verify(w.valid["vc-jwt-1.1"])
    assert result.credential is not None
    assert result.credential["issuer"] == DID_ED
    assert result.credential["id"] == "urn:uuid:0b7c6f6e-1"
    assert result.credential["credentialSubject"]["id"] == "did:example:ana"
    assert result.credential["issuanceDate"].endswith("Z")
    assert "vc" not in result.credential
    expired = w.verify(w.valid["vc-jwt-1.1"], now=NOW + timedelta(days=2)).check("validity")
    assert expired is not None and expired.code == "expired"  # from exp


def test_every_input_form(w: World) -> None:
    di, token = w.valid["ed25519-di"], w.valid["ed25519-jwt"]
    for form in (di, json.dumps(di), json.dumps(di).encode(), token, f"  {token}\n",
                 json.dumps(token), token.encode()):  # fmt: skip
        assert w.verify(form).verified, form if isinstance(form, str) else type(form)
    for junk in (b"\xff\xfe", "{not json", "[1, 2]", 42, "a.b"):
        result = w.verify(junk)
        check = result.check("format")
        assert check is not None and check.code == "format_unrecognized", junk


def test_the_algorithm_allow_list_is_a_parameter(w: World) -> None:
    result = w.verify(w.valid["p256-jwt"], algorithms=("EdDSA",))
    proof = result.check("proof")
    assert proof is not None and proof.code == "alg_not_allowed"
    assert w.verify(w.valid["ed25519-jwt"], algorithms=("EdDSA",)).verified


def test_default_is_offline_did_key_only(w: World) -> None:
    offline = verify_credential(w.valid["ed25519-di"], resolver=DidResolver(), now=NOW)
    check = offline.check("issuer_key")
    assert check is not None and check.code == "did_not_found"
    independent = verify_credential(
        w.valid["digital-bazaar-ed25519-di"], resolver=DidResolver(), now=NOW
    )
    assert independent.verified


def test_a_relative_kid_is_read_against_the_issuer(w: World) -> None:
    credential = copy.deepcopy(unsigned(DID_P256, status=()))
    token = sign_jws({"alg": "ES256", "typ": "vc+jwt", "kid": "#key-1"}, credential, w.p256)
    result = w.verify(token)
    assert result.verified and result.verification_method == f"{DID_P256}#key-1"


def test_a_naive_clock_is_a_programming_error(w: World) -> None:
    with pytest.raises(ValueError, match="aware"):
        w.verify(w.valid["ed25519-di"], now=NOW.replace(tzinfo=None))


def test_the_package_exports() -> None:
    for name in ("verify_credential", "DidResolver", "HttpFetcher", "Fetcher", "Fetched",
                 "VerificationResult", "Check", "completeness", "FetchError",
                 "DidResolutionError", "JoseError", "CredentialFormatError"):  # fmt: skip
        assert name in verifier.__all__ and hasattr(verifier, name)


def test_a_proof_for_another_purpose_is_refused(w: World) -> None:
    authentication = add_proof(
        unsigned(), w.ed, created=NOW, loader=LOADER, proof_purpose="authentication"
    )
    proof = w.verify(authentication).check("proof")
    assert proof is not None and proof.code == "proof_purpose_mismatch"
