"""verifier.verify_presentation: the VC 2.0 presentation data model, the holder's Data
Integrity ``authentication`` proof or ``vp+jwt``, challenge and domain, enveloped
presentations and credentials, and every credential verified in full."""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuer.vc_jose import enveloped_credential
from tests.support.corpus import DEPLOYMENT_LOADER, NOW, World, world
from tests.support.presentations import (
    CHALLENGE,
    DOMAIN,
    did_of,
    holder,
    presentation,
    sign_presentation,
    vp_jwt,
)
from verifier import PresentationResult, is_presentation, verify_presentation
from verifier.did_resolution import DidResolver

OPTIONS = {"challenge": CHALLENGE, "domain": DOMAIN}
HOLDER = holder()
OTHER = holder(seed="someone else")


@pytest.fixture(scope="module")
def w() -> World:
    return world()


def check(w: World, vp: Any, options: dict[str, Any] | None = None) -> PresentationResult:
    return verify_presentation(
        vp, resolver=DidResolver(w.fetcher), fetcher=w.fetcher,
        document_loader=DEPLOYMENT_LOADER, now=NOW,
        options=OPTIONS if options is None else options,
    )  # fmt: skip


def statuses(result: PresentationResult) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.status, c.code) for c in result.checks}


def signed_vp(w: World, **kwargs: Any) -> dict[str, Any]:
    credentials = [w.valid["ed25519-di"], w.valid["p256-jwt"]]
    return sign_presentation(presentation(credentials, did_of(HOLDER)), HOLDER, **kwargs)


def test_a_signed_presentation_and_its_credentials_verify(w: World) -> None:
    result = check(w, signed_vp(w))
    assert result.verified, result.checks
    assert all(status == "passed" for status, _ in statuses(result).values())
    assert [r.format for r in result.credential_results] == ["ldp_vc", "vc+jwt"]
    assert result.holder == did_of(HOLDER) and result.verification_method == HOLDER.id
    body = result.to_json()
    assert body["verified"] is True and body["presentationResult"]["verified"] is True
    assert [r["verdict"] for r in body["credentialResults"]] == ["valid", "valid"]
    assert body["problemDetails"] == [] and "verifiablePresentation" not in body
    assert result.to_json(include_presentation=True)["verifiablePresentation"]["holder"]


def test_vp_jwt_enveloped_presentation_and_enveloped_credentials(w: World) -> None:
    inner = enveloped_credential(w.valid["ed25519-jwt"])
    token = vp_jwt(presentation([inner], did_of(HOLDER)), HOLDER, nonce=CHALLENGE, aud=DOMAIN)
    assert is_presentation(token)
    envelope = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiablePresentation",
                "id": f"data:application/vp+jwt,{token}"}  # fmt: skip
    for form, value in (("vp+jwt", token), ("enveloped:vp+jwt", envelope)):
        result = check(w, value)
        assert result.verified and result.format == form, result.checks
        assert result.credential_results[0].format == "enveloped:vc+jwt"
    wrong = check(w, token, {"challenge": "another", "domain": "elsewhere.example"})
    assert statuses(wrong)["challenge"] == ("failed", "challenge_mismatch")
    assert statuses(wrong)["domain"] == ("failed", "domain_mismatch")
    forged = vp_jwt(presentation([inner], did_of(HOLDER)), OTHER, nonce=CHALLENGE, aud=DOMAIN)
    assert statuses(check(w, forged))["holder_key"] == ("failed", "controller_mismatch")


@pytest.mark.parametrize(
    ("options", "check_name", "code"),
    [({"challenge": "not the one"}, "challenge", "challenge_mismatch"),
     ({"domain": "evil.example"}, "domain", "domain_mismatch")],
)  # fmt: skip
def test_a_challenge_or_domain_not_the_one_asked_for_fails(
    w: World, options: dict[str, Any], check_name: str, code: str
) -> None:
    result = check(w, signed_vp(w), options)
    assert statuses(result)[check_name] == ("failed", code)
    assert not result.verified and result.credential_results[0].verified


def test_a_tampered_presentation_or_a_wrong_purpose_or_key_fails(w: World) -> None:
    tampered = signed_vp(w)
    tampered["verifiableCredential"] = tampered["verifiableCredential"][:1]
    assert statuses(check(w, tampered))["proof"] == ("failed", "signature_invalid")
    wrong_purpose = signed_vp(w, purpose="assertionMethod")
    assert statuses(check(w, wrong_purpose))["proof"] == ("failed", "proof_purpose_mismatch")
    by_other = sign_presentation(presentation([], did_of(HOLDER)), OTHER)
    assert statuses(check(w, by_other))["holder_key"] == ("failed", "controller_mismatch")
    no_holder = sign_presentation(presentation([w.valid["ed25519-di"]]), OTHER)
    assert check(w, no_holder).verified  # without a holder, the proof's controller holds it


def test_a_bad_credential_inside_makes_the_presentation_not_verified(w: World) -> None:
    item, failing, code = w.broken["tampered claim"]
    vp = sign_presentation(presentation([w.valid["ed25519-di"], item], did_of(HOLDER)), HOLDER)
    result = check(w, vp)
    assert result.presentation_verified and not result.verified
    body = result.to_json()
    assert body["credentialResults"][1]["verified"] is False
    assert body["problemDetails"][0]["detail"].startswith(f"verifiableCredential[1] {failing}")
    assert body["errors"][0]["code"] == code and body["errors"][0]["credential"] == 1


def test_an_unsecured_presentation_verifies_its_credentials_but_binds_no_challenge(
    w: World,
) -> None:
    unsecured = presentation([w.valid["ed25519-di"]], did_of(HOLDER))
    result = check(w, unsecured, {})
    assert result.verified
    assert statuses(result)["proof"] == ("warning", "presentation_unsecured")
    assert result.to_json()["warnings"][0]["code"] == "presentation_unsecured"
    asked = check(w, unsecured)
    assert statuses(asked)["challenge"] == ("failed", "challenge_mismatch")
    assert not asked.verified


@pytest.mark.parametrize(
    ("change", "field"),
    [({"type": ["VerifiableCredential"]}, "type"),
     ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "@context"),
     ({"holder": "not a url"}, "holder"),
     ({"verifiableCredential": ["{\"a\": 1}"]}, "verifiableCredential[0]"),
     ({"verifiableCredential": [5]}, "verifiableCredential[0]")],
)  # fmt: skip
def test_a_malformed_presentation_names_the_field(
    w: World, change: dict[str, Any], field: str
) -> None:
    document = {**presentation([w.valid["ed25519-di"]], did_of(HOLDER)), **change}
    result = check(w, document, {})
    assert result.malformed and not result.verified
    fmt = result.check("format")
    assert fmt is not None and fmt.code == "presentation_invalid"
    assert field in [p["field"] for p in fmt.data["problems"]]
    assert all(c.status == "skipped" for c in result.checks[1:])


@pytest.mark.parametrize("value", ["", "not json", b"\xff", "[]", 5, "a.b"])
def test_what_is_not_a_presentation_fails_format(w: World, value: Any) -> None:
    result = check(w, value, {})
    assert result.malformed and not is_presentation(value)


def test_is_presentation_tells_presentations_from_credentials(w: World) -> None:
    vp = signed_vp(w)
    assert is_presentation(vp) and is_presentation(json.dumps(vp).encode())
    assert not is_presentation(w.valid["ed25519-di"])
    assert not is_presentation(w.valid["ed25519-jwt"])
