"""verifier.verify_credential when documents cannot be fetched or the credential asks too
much: "could not check" (``status_unknown``) is told from "not genuine"; the fetch budget of
one verification; the cap on status entries; credentials nested too deep."""

from __future__ import annotations

import base64
import json

import pytest

import keys
from issuer.vc_jose import encode_vc_jwt
from tests.support.corpus import (
    DID_ED,
    GOOD_INDEX,
    REVOCATION_LIST,
    SUSPENSION_LIST,
    FailingFetcher,
    World,
    signed,
    unsigned,
    world,
)
from verifier.did_resolution import DidResolver
from verifier.errors import FetchError
from verifier.result import VerificationResult
from verifier.status_list import status_entry

DID_URL = keys.did_web_url(DID_ED)


@pytest.fixture(scope="module")
def w() -> World:
    return world()


def verify_with(
    w: World, failing: FailingFetcher, credential: object, **options: object
) -> VerificationResult:
    return w.verify(credential, resolver=DidResolver(failing), fetcher=failing, **options)


@pytest.mark.parametrize(
    "error",
    [
        FetchError("fetch_failed", "HTTP 503", transient=True),
        FetchError("fetch_failed", "cannot connect", transient=True),
        FetchError("fetch_timeout", "no complete answer within 5 s"),
        FetchError("fetch_budget_exceeded", "the 10 s for fetching are spent"),
    ],
    ids=lambda e: e.detail,
)
@pytest.mark.parametrize("form", ["ed25519-di", "ed25519-jwt"])
def test_an_unreachable_did_document_is_could_not_check(
    w: World, error: FetchError, form: str
) -> None:
    failing = FailingFetcher(w.fetcher, {DID_URL: error})
    result = verify_with(w, failing, w.valid[form])
    key = result.check("issuer_key")
    assert key is not None and (key.status, key.code) == ("failed", "did_unreachable")
    assert error.code in key.detail
    assert result.verdict == "status_unknown"  # "could not check", never "not genuine"
    assert not result.verified
    proof = result.check("proof")
    assert proof is not None and proof.status == "skipped"
    assert REVOCATION_LIST not in failing.requests  # nothing more of what nobody signed


@pytest.mark.parametrize(
    "error",
    [
        FetchError("fetch_failed", "HTTP 404"),
        FetchError("fetch_failed", "HTTP 410"),
        FetchError("fetch_refused", "'inside.example' is not at a public address"),
        FetchError("fetch_too_large", "more than 1048576 bytes"),
    ],
    ids=lambda e: e.detail,
)
def test_a_definite_answer_is_still_not_genuine(w: World, error: FetchError) -> None:
    failing = FailingFetcher(w.fetcher, {DID_URL: error})
    result = verify_with(w, failing, w.valid["ed25519-di"])
    key = result.check("issuer_key")
    assert key is not None and key.code == "did_not_found"
    assert result.verdict == "not_genuine"


def test_an_unreachable_status_list_is_could_not_check(w: World) -> None:
    failing = FailingFetcher(w.fetcher, {SUSPENSION_LIST: FetchError("fetch_timeout", "slow")})
    result = verify_with(w, failing, w.valid["ed25519-di"])
    suspension = result.check("suspension")
    assert suspension is not None and suspension.code == "status_list_unavailable"
    assert suspension.data["cause"] == "fetch_timeout"
    assert result.verdict == "status_unknown" and not result.verified


def test_more_status_entries_than_the_cap_fail_before_any_list_is_fetched(w: World) -> None:
    lists = [f"https://school.example/status/ed/list-{n}" for n in range(5)]
    many = unsigned(status=[status_entry(url, GOOD_INDEX, "revocation") for url in lists])
    credential = signed(many, w.ed)
    failing = FailingFetcher(w.fetcher, {})
    result = verify_with(w, failing, credential)
    for name in ("revocation", "suspension"):
        check = result.check(name)
        assert check is not None
        assert (check.status, check.code) == ("failed", "status_entries_exceed_limit")
        assert check.data == {"entries": 5, "limit": 4}
    assert result.verdict == "status_unknown" and not result.verified
    assert failing.requests == [DID_URL]  # the issuer's key, and no list
    # The cap is a parameter; four entries are checked by default.
    assert verify_with(w, failing, credential, max_status_entries=5).verdict == "status_unknown"
    four = signed(unsigned(status=[status_entry(REVOCATION_LIST, GOOD_INDEX, "revocation"),
                                   status_entry(SUSPENSION_LIST, GOOD_INDEX, "suspension")] * 2),
                  w.ed)  # fmt: skip
    assert verify_with(w, FailingFetcher(w.fetcher, {}), four).verdict == "valid"


def test_the_fetch_budget_of_one_verification(w: World) -> None:
    failing = FailingFetcher(w.fetcher, {})
    # The DID document and the revocation list: the suspension list is one fetch too many.
    result = verify_with(w, failing, w.valid["ed25519-di"], max_fetches=2)
    suspension = result.check("suspension")
    assert suspension is not None and suspension.code == "status_list_unavailable"
    assert suspension.data["cause"] == "fetch_budget_exceeded"
    assert result.verdict == "status_unknown"
    assert SUSPENSION_LIST not in failing.requests
    # Each document once: the lists' own proofs resolve the same DID from the first fetch.
    assert failing.requests == [DID_URL, REVOCATION_LIST]
    # No time left at all: not even the DID document, and still not "not genuine".
    spent = verify_with(w, FailingFetcher(w.fetcher, {}), w.valid["ed25519-di"], budget_seconds=0)
    assert spent.check("issuer_key").code == "did_unreachable"  # type: ignore[union-attr]
    assert spent.verdict == "status_unknown"
    # The defaults leave room for ours: a DID document and two lists.
    assert verify_with(w, FailingFetcher(w.fetcher, {}), w.valid["ed25519-di"]).verified


def _jws_with_payload(payload: str, w: World) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": w.ed.id}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload.encode())}"
    return f"{signing_input}.{b64(w.ed.sign(signing_input.encode()))}"


def test_a_credential_nested_too_deep_is_refused_before_it_is_walked(w: World) -> None:
    deep = unsigned(status=())
    inner: dict[str, object] = deep["credentialSubject"]
    note = "https://example.org/vocab#note"  # an IRI: JSON-LD processing accepts it
    for _ in range(70):
        inner[note] = {}
        inner = inner[note]  # type: ignore[assignment]
    result = w.verify(encode_vc_jwt(deep, w.ed))
    check = result.check("format")
    assert check is not None and (check.status, check.code) == ("failed", "nesting_too_deep")
    assert result.verdict == "not_genuine" and result.credential is None
    assert w.verify(encode_vc_jwt(deep, w.ed), max_depth=100).check("format").passed  # type: ignore[union-attr]


def test_a_payload_too_deep_for_the_json_parser_is_a_result_not_an_exception(w: World) -> None:
    credential = json.dumps(unsigned(status=()))
    payload = credential[:-1] + ', "note": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result = w.verify(_jws_with_payload(payload, w))
    check = result.check("format")
    assert check is not None and check.code == "payload_invalid"
