"""Presentations for the tests, signed in-process: a holder with a did:key, a Data Integrity
``authentication`` proof with ``challenge`` and ``domain`` (which microcred's issuer does not
make: it does not sign presentations), and a ``vp+jwt``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import keys
from tests.support.corpus import LOADER, NOW, sign_jws, signer
from verifier.data_integrity import cryptosuite_for, hash_data, proof_configuration
from verifier.jsonld import DocumentLoader

V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "a1b2c3-challenge"
DOMAIN = "verifier.example"


def holder(key_type: str = keys.ED25519, seed: str = "holder") -> keys.LocalSigner:
    """A holder's signer whose id is its did:key verification method (the fragment of a
    did:key's method is its multibase key)."""
    first = signer(key_type, f"did:example:{seed}#k")
    did = keys.did_key(first.public_key)
    return dataclasses.replace(first, id=f"{did}#{did.removeprefix('did:key:')}")


def did_of(signer_: keys.Signer) -> str:
    return signer_.id.partition("#")[0]


def presentation(
    credentials: Sequence[Any], holder_did: str | None = None, **extra: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
        **extra,
    }
    if holder_did is not None:
        document["holder"] = holder_did
    return document


def sign_presentation(
    document: Mapping[str, Any],
    by: keys.Signer,
    *,
    challenge: str | None = CHALLENGE,
    domain: str | None = DOMAIN,
    purpose: str = "authentication",
    created: datetime = NOW,
    loader: DocumentLoader = LOADER,
) -> dict[str, Any]:
    """``document`` with a Data Integrity proof (RDFC) for ``purpose`` by ``by``."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite_for(by.algorithm),
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": by.id,
        "proofPurpose": purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    unsecured = dict(document)
    config = proof_configuration(proof, unsecured["@context"])
    data = hash_data(unsecured, config, loader, key_type=by.algorithm)
    proof["proofValue"] = keys.encode_base58btc(by.sign(data))
    return {**unsecured, "proof": proof}


def vp_jwt(document: Mapping[str, Any], by: keys.Signer, **claims: Any) -> str:
    """``document`` as a ``vp+jwt`` signed by ``by`` (``kid`` its verification method)."""
    header = {"alg": _alg(by), "typ": "vp+jwt", "kid": by.id}
    return sign_jws(header, {**document, **claims}, by)


def _alg(by: keys.Signer) -> str:
    return {keys.ED25519: "EdDSA", keys.P256: "ES256", keys.P384: "ES384"}[by.algorithm]
