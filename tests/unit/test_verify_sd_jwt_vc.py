"""Verifying SD-JWT VCs and their presentations (draft-ietf-oauth-sd-jwt-vc, RFC 9901) with the
Token Status List, through :func:`verifier.verify_credential`: real crypto, a did:key issuer
and a fake fetcher behind the Fetcher protocol for the status list."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import keys
from issuer.credential import build_credential
from issuer.sd_jwt import issue_sd_jwt_vc, sd_jwt_vc_claims
from issuer.sd_jwt_vc import SELECTIVELY_DISCLOSABLE, micro_credential_claims
from issuer.token_status_list import pack_statuses, status_list_token
from issuer.vc_jose import sign_compact_jws
from tests.support.corpus import NOW, FakeFetcher, signer
from tests.support.url_host import DocumentHost
from tests.unit.test_credential_model import AWARD, ISSUER, LEARNER, SPEC
from verifier.base64url import b64url_encode, compact_json
from verifier.cli import main
from verifier.did_resolution import DidResolver
from verifier.result import VerificationResult
from verifier.sd_jwt import parse_disclosure, sd_hash
from verifier.verify import verify_credential

STATUS_URI = "https://school.example/status/ts/abc/token"
AUD, NONCE = "https://employer.example", "n-0S6_WzA2Mj"


class World:
    def __init__(self, status_uri: str = STATUS_URI) -> None:
        self.status_uri = status_uri
        probe = signer(keys.ED25519, "did:x#k")
        self.did = keys.did_key(probe.public_key)
        method = keys.did_key_document(self.did)["verificationMethod"][0]["id"]
        self.issuer = keys.LocalSigner(method, probe._private, probe.public_key)
        self.holder = signer(keys.P256, "holder")
        self.fetcher = FakeFetcher()
        self.statuses: dict[int, int] = {}
        self.publish()

    def publish(self, **change: Any) -> None:
        token = status_list_token(
            uri=change.pop("uri", self.status_uri), data=pack_statuses(1024, self.statuses),
            signer=change.pop("by", self.issuer), issued_at=NOW, issuer=self.did,
            valid_for=timedelta(days=1),
        )  # fmt: skip
        self.token = token
        self.fetcher.put(self.status_uri, token, "application/statuslist+jwt")

    def credential(self, *, holder: bool = True, **registered: Any) -> str:
        claims = micro_credential_claims(build_credential(SPEC, ISSUER, LEARNER, AWARD))
        base = sd_jwt_vc_claims(
            issuer=self.did, vct="https://school.example/vct/micro-credential", issued_at=NOW,
            valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=365),
            holder_jwk=keys.public_jwk(self.holder.public_key) if holder else None,
            status_uri=self.status_uri, status_index=7,
        )  # fmt: skip
        return issue_sd_jwt_vc({**base, **registered}, claims, SELECTIVELY_DISCLOSABLE,
                               self.issuer)  # fmt: skip

    def present(
        self, text: str, keep: tuple[str, ...], by: keys.Signer | None = None, **kb: Any
    ) -> str:
        jwt, *disclosures = text.split("~")[:-1]
        kept = [d for d in disclosures if parse_disclosure(d).name in keep]
        presented = "~".join([jwt, *kept]) + "~"
        claims = {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE,
                  "sd_hash": sd_hash(presented), **kb}  # fmt: skip
        return presented + sign_compact_jws({"typ": "kb+jwt"}, claims, by or self.holder)

    def verify(self, text: str, **options: Any) -> VerificationResult:
        return verify_credential(text, resolver=DidResolver(), fetcher=self.fetcher, now=NOW,
                                 **options)  # fmt: skip


@pytest.fixture
def world() -> World:
    return World()


def failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.name: c.code for c in result.checks if c.failed}


def test_an_issued_sd_jwt_vc_verifies(world: World) -> None:
    result = world.verify(world.credential())
    assert result.verified and result.verdict == "valid", failed(result)
    assert result.format == "dc+sd-jwt" and result.issuer == world.did
    data = result.checks[0].data
    assert set(data["disclosed"]) == SELECTIVELY_DISCLOSABLE and data["withheld"] == 0
    assert result.credential is not None and result.credential["given_name"] == "Ana"
    assert result.check("completeness").passed  # type: ignore[union-attr]
    assert world.fetcher.requests == [(STATUS_URI, "application/statuslist+jwt")]


def test_a_presentation_with_key_binding_and_a_subset(world: World) -> None:
    presented = world.present(world.credential(), ("given_name", "family_name"))
    result = world.verify(presented, audience=AUD, nonce=NONCE)
    assert result.verified, failed(result)
    data = result.checks[0].data
    assert sorted(data["disclosed"]) == ["family_name", "given_name"]
    assert data["withheld"] == 2 and data["keyBinding"] is True
    assert "birthdate" not in (result.credential or {})
    assert result.check("proof").data["keyBinding"]["nonce"] == NONCE  # type: ignore[union-attr]
    for options, code in (({"nonce": "other"}, "key_binding_invalid"),
                          ({"audience": "https://other"}, "key_binding_invalid")):  # fmt: skip
        result = world.verify(presented, **options)
        assert result.verdict == "not_genuine" and failed(result) == {"proof": code}
    assert failed(world.verify(world.credential(), require_key_binding=True)) == {
        "proof": "key_binding_missing"
    }
    no_cnf = world.present(world.credential(holder=False), ("given_name",))
    assert failed(world.verify(no_cnf)) == {"proof": "cnf_missing"}
    other_key = world.present(world.credential(), (), by=signer(keys.P256, "someone"))
    assert failed(world.verify(other_key)) == {"proof": "signature_invalid"}


def test_tampering_is_not_genuine(world: World) -> None:
    text = world.credential()
    jwt, first, *rest = text.split("~")
    forged = b64url_encode(compact_json(["salt", "given_name", "Eve"]))
    result = world.verify("~".join([jwt, forged, *rest]))
    assert result.verdict == "not_genuine"
    assert failed(result) == {"proof": "disclosure_unreferenced"}
    assert (
        failed(world.verify("~".join([jwt, first, first, *rest])))["format"]
        == "disclosure_duplicate"
    )
    head, _, signature = jwt.split(".")
    other = world.credential(vct="https://evil.example/vct").split("~")[0].split(".")[1]
    result = world.verify(f"{head}.{other}.{signature}~")
    assert failed(result) == {"proof": "signature_invalid"}
    for bad in ("x~", "a.b.c~", "~~~", "eyJhbGciOiJFZERTQSJ9.e30.~"):
        assert world.verify(bad).verdict == "not_genuine"


def test_status_from_the_token_status_list(world: World) -> None:
    text = world.credential()
    world.statuses[7] = 1
    world.publish()
    result = world.verify(text)
    assert result.verdict == "revoked" and failed(result) == {"revocation": "revoked"}
    world.statuses[7] = 2
    world.publish()
    assert world.verify(text).verdict == "suspended"
    world.statuses[7] = 0
    world.publish(by=signer(keys.ED25519, f"{world.did}#other"))
    assert failed(world.verify(text)) == {"revocation": "status_list_proof_invalid",
                                          "suspension": "status_list_proof_invalid"}  # fmt: skip
    world.publish(uri="https://elsewhere.example/list")
    assert world.verify(text).verdict == "status_unknown"
    world.fetcher.documents.clear()
    result = world.verify(text)
    assert result.verdict == "status_unknown"
    assert failed(result)["revocation"] == "status_list_unavailable"


def test_validity_window(world: World) -> None:
    text = world.credential(exp=int((NOW - timedelta(days=1)).timestamp()))
    assert world.verify(text).verdict == "expired"
    text = world.credential(nbf=int((NOW + timedelta(days=1)).timestamp()))
    assert world.verify(text).verdict == "not_yet_valid"


def _jws(payload: Any, header: Any = None) -> str:
    head = b64url_encode(
        compact_json(header if header is not None else {"alg": "EdDSA", "typ": "dc+sd-jwt"})
    )
    return f"{head}.{b64url_encode(compact_json(payload))}.c2ln"


def test_hostile_input_is_a_verdict_never_an_exception(world: World) -> None:
    deep_text = "[" * 5000 + "]" * 5000
    good = {"iss": world.did, "vct": "v", "iat": 1}
    cases = [
        _jws({**good, "_sd": "nope"}) + "~",
        _jws({**good, "_sd": [1, 2]}) + "~",
        _jws({**good, "_sd_alg": "md5", "_sd": []}) + "~",
        _jws({**good, "status": {"status_list": {"idx": "1", "uri": 5}}}) + "~",
        _jws({**good, "cnf": "key"}) + "~",
        _jws({**good, "iss": 5}) + "~",
        _jws({**good, "exp": 10**30}) + "~",
        _jws({**good, "nbf": True}) + "~",
        _jws({**good, "a": [{"...": "x", "b": 1}]}) + "~",
        _jws(good, {"alg": "none", "typ": "dc+sd-jwt"}) + "~",
        _jws(good, {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": 5}) + "~",
        _jws(good, {"alg": "EdDSA", "typ": "vc+jwt"}) + "~",
        _jws(good) + "~" + b64url_encode(deep_text.encode()) + "~",
        _jws(good) + "~" + b64url_encode(compact_json(["s", "n", [[[1]]]])) + "~",
        _jws({**good, "x": [[[[[[[[1]]]]]]]]}) + "~",
        _jws(good) + "~" + "~".join(["WyJzIiwibiIsMV0"] * 300) + "~",
        _jws(good) + "~e30~",
        _jws(good) + "~not-a-kb",
        _jws({**good, "cnf": {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": 5}}})
        + "~"
        + _jws({"iat": 1}, {"alg": "EdDSA", "typ": "kb+jwt"}),
    ]
    nested: Any = 1
    for _ in range(900):
        nested = {"a": nested}
    cases.append(_jws({**good, "deep": nested}) + "~")
    for case in cases:
        result = world.verify(case)
        assert not result.verified, case[:80]
        assert result.verdict in ("not_genuine", "status_unknown"), (case[:80], result.verdict)


def test_the_command_line_verifies_an_sd_jwt_vc_and_a_presentation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DocumentHost() as host:
        world = World(host.url("/status/list/token"))
        host.documents["/status/list/token"] = ("application/statuslist+jwt", world.token.encode())
        credential = tmp_path / "credential.sd-jwt"
        credential.write_text(world.credential() + "\n")
        now = ["--now", NOW.isoformat(), "--allow-host", host.host_port]
        assert main([str(credential), *now]) == 0
        out = capsys.readouterr().out
        assert out.splitlines()[0] == "VERIFIED: valid"
        presented = tmp_path / "presented.sd-jwt"
        presented.write_text(world.present(credential.read_text().strip(), ("given_name",)))
        options = ["--challenge", NONCE, "--domain", AUD]
        assert main([str(presented), *now, *options, "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["format"] == "dc+sd-jwt" and result["credential"]["given_name"] == "Ana"
        assert main([str(presented), *now, "--challenge", "wrong"]) == 1
        assert "key_binding_invalid" in capsys.readouterr().out
