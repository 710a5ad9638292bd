"""OpenID4VCI 1.0 appendix F.1: the jwt key proof, checked by verifier.key_proof."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from keys import did_jwk
from tests.support.holder import Holder
from verifier.key_proof import KeyProofError, verify_key_proof

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
AUD = "https://issuer.example/institutions/ts-lj"


def check(token: str, *, nonce_valid: Callable[[str], bool] = lambda n: n == "n-1") -> Any:
    return verify_key_proof(token, audience=AUD, nonce_valid=nonce_valid, now=NOW)


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_a_good_proof_names_the_holder(key_type: str) -> None:
    holder = Holder(key_type)
    by_jwk = check(holder.proof(AUD, "n-1", NOW))
    by_kid = check(holder.proof(AUD, "n-1", NOW, as_kid=True))
    assert by_jwk.public_key == by_kid.public_key == holder.public
    assert by_kid.did == holder.did
    assert by_jwk.did == did_jwk(jwt.get_unverified_header(holder.proof(AUD, "n-1", NOW))["jwk"])
    # A did:jwk kid, as a wallet that made its own did:jwk sends it.
    did = did_jwk(holder.jwk)
    token = jwt.encode(
        {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1"},
        holder.private,
        algorithm=holder.alg,
        headers={"typ": "openid4vci-proof+jwt", "kid": f"{did}#0"},
    )
    assert check(token).did == did


def _signed(holder: Holder, header: dict[str, Any], **claims: Any) -> str:
    payload = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    return jwt.encode(payload, holder.private, algorithm=holder.alg, headers=header)


def test_what_is_refused() -> None:
    holder, other = Holder(), Holder()
    typ = {"typ": "openid4vci-proof+jwt"}
    cases = {
        "no key": _signed(holder, typ),
        "both keys": _signed(holder, {**typ, "jwk": holder.jwk, "kid": f"{holder.did}#x"}),
        "a private jwk": _signed(holder, {**typ, "jwk": {**holder.jwk, "d": "AAAA"}}),
        "someone else's key": _signed(holder, {**typ, "jwk": other.jwk}),
        "x5c": _signed(holder, {**typ, "jwk": holder.jwk, "x5c": ["MII"]}),
        "crit": _signed(holder, {**typ, "jwk": holder.jwk, "crit": ["exp"]}),
        "an https kid": _signed(holder, {**typ, "kid": "https://wallet.example/key"}),
        "a did:key kid with another fragment": _signed(holder, {**typ, "kid": f"{holder.did}#1"}),
        "no typ": _signed(holder, {"jwk": holder.jwk}),
        "another audience": _signed(holder, {**typ, "jwk": holder.jwk}, aud="https://x.example"),
        "from the future": _signed(
            holder, {**typ, "jwk": holder.jwk}, iat=int((NOW + timedelta(minutes=5)).timestamp())
        ),
        "too old": _signed(
            holder, {**typ, "jwk": holder.jwk}, iat=int((NOW - timedelta(minutes=6)).timestamp())
        ),
        "alg none": jwt.encode(
            {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1"},
            None,
            algorithm="none",
            headers={**typ, "jwk": holder.jwk},
        ),
        "HS256": jwt.encode(
            {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1"},
            "a" * 32,
            algorithm="HS256",
            headers={**typ, "jwk": holder.jwk},
        ),
    }
    for name, token in cases.items():
        with pytest.raises(KeyProofError) as raised:
            check(token)
        assert raised.value.code == "invalid_proof", name
    with pytest.raises(KeyProofError) as raised:
        check(_signed(holder, {**typ, "jwk": holder.jwk}, nonce="n-2"))
    assert raised.value.code == "invalid_nonce"
