"""A wallet's holder key for the OpenID4VCI tests: it signs key proofs
(``openid4vci-proof+jwt``) with the key as a ``jwk`` or as a did:key ``kid``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys import ED25519, P256, PublicKey, did_key, public_jwk


@dataclass
class Holder:
    key_type: str = ED25519
    private: Any = field(init=False)
    public: PublicKey = field(init=False)

    def __post_init__(self) -> None:
        if self.key_type == ED25519:
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            assert self.key_type == P256
            self.private = ec.generate_private_key(ec.SECP256R1())
        if self.key_type == ED25519:
            raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        else:
            raw = self.private.public_key().public_bytes(
                Encoding.X962, PublicFormat.CompressedPoint
            )
        self.public = PublicKey(self.key_type, raw)

    @property
    def alg(self) -> str:
        return self.public.jws_algorithm

    @property
    def jwk(self) -> dict[str, Any]:
        return public_jwk(self.public)

    @property
    def did(self) -> str:
        return did_key(self.public)

    def proof(
        self,
        audience: str,
        nonce: str | None,
        now: datetime,
        *,
        as_kid: bool = False,
        typ: str = "openid4vci-proof+jwt",
        **claims: Any,
    ) -> str:
        header: dict[str, Any] = {"typ": typ}
        if as_kid:
            header["kid"] = f"{self.did}#{self.did.removeprefix('did:key:')}"
        else:
            header["jwk"] = self.jwk
        payload: dict[str, Any] = {"aud": audience, "iat": int(now.timestamp()), **claims}
        if nonce is not None:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=header)
