"""W3C Verifiable Credential Data Integrity 1.0 proofs with the RDFC cryptosuites.

- ``eddsa-rdfc-2022``: Data Integrity EdDSA Cryptosuites v1.0, section 3.3 (Ed25519, SHA-256).
- ``ecdsa-rdfc-2019``: Data Integrity ECDSA Cryptosuites v1.0, section 3.3 (P-256 with SHA-256;
  P-384 is not offered because ``keys`` has no P-384 keys).

Both suites hash the same way (section 3.3.4 "Hashing" of each spec): canonicalize the proof
configuration (the proof without ``proofValue``, with the document's ``@context``) and the
document without its proof with RDFC-1.0, and sign ``SHA-256(proofConfig) || SHA-256(doc)``;
``proofValue`` is ``z`` + base58btc(signature). This module defines what a valid proof is;
:mod:`issuer.data_integrity` produces one with the same functions. Finding the public key
(DID resolution) is the caller's business: the key is a parameter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from keys import ED25519, P256, InvalidKeyEncoding, PublicKey, decode_base58btc, verify_signature
from verifier.digest_cache import DigestCache
from verifier.errors import ProofError, VerifierError
from verifier.jsonld import DocumentLoader, canonicalize

__all__ = [
    "CRYPTOSUITES",
    "PROOF_TYPE",
    "ProofCheck",
    "cryptosuite_for",
    "hash_data",
    "parse_datetime_stamp",
    "proof_configuration",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"

#: The allow-listed cryptosuites and the one key type each accepts.
CRYPTOSUITES: Mapping[str, str] = {
    "eddsa-rdfc-2022": ED25519,
    "ecdsa-rdfc-2019": P256,
}

# Data Integrity 1.0, section 2.1: the properties a proof may carry.
_REQUIRED = ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue")
_OPTIONAL = ("@context", "id", "created", "expires", "domain", "challenge", "nonce")
_SIGNATURE_LENGTH = 64  # Ed25519 (RFC 8032) and P-256 r || s (IEEE P1363)

# XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory time zone.
_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of :func:`verify_proof`: ``verified``, or a machine-readable ``code``.

    Codes: ``proof_missing``, ``proof_set_unsupported``, ``proof_malformed``,
    ``proof_type_unsupported``, ``cryptosuite_unsupported``, ``cryptosuite_key_mismatch``,
    ``proof_purpose_mismatch``, ``created_invalid``, ``expires_invalid``, ``proof_expired``,
    ``proof_context_mismatch``, ``proof_value_invalid``, ``signature_invalid``, and the
    :class:`verifier.JsonLdError` codes (``undefined_term``, ``unknown_context``, ...) when
    the document cannot be canonicalized.
    """

    verified: bool
    code: str | None = None
    detail: str = ""
    verification_method: str | None = None
    cryptosuite: str | None = None
    created: datetime | None = None


def cryptosuite_for(key_type: str) -> str:
    """The RDFC cryptosuite for a key type (EdDSA and ECDSA Cryptosuites v1.0, section 3.3)."""
    for name, suite_key_type in CRYPTOSUITES.items():
        if suite_key_type == key_type:
            return name
    raise ProofError("unsupported_key_type", f"no cryptosuite for {key_type!r} keys")


def parse_datetime_stamp(value: object) -> datetime | None:
    """An XML Schema 1.1 ``dateTimeStamp`` (Data Integrity 1.0, section 2.1, ``created``)
    as an aware datetime, or None when ``value`` is not one."""
    if not isinstance(value, str) or not _DATETIME_STAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def proof_configuration(proof: Mapping[str, Any], document_context: Any) -> dict[str, Any]:
    """The proof configuration (EdDSA/ECDSA Cryptosuites v1.0, section 3.3.5).

    The proof options without ``proofValue``, with ``@context`` set to the document's.
    Raises :class:`ProofError` ``invalid_proof_configuration`` when the type is not
    ``DataIntegrityProof``, the cryptosuite is not allow-listed or ``created`` is not a
    dateTimeStamp.
    """
    if proof.get("type") != PROOF_TYPE:
        raise ProofError("invalid_proof_configuration", f"type must be {PROOF_TYPE!r}")
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        raise ProofError(
            "invalid_proof_configuration", f"cryptosuite {proof.get('cryptosuite')!r} unknown"
        )
    if "created" in proof and parse_datetime_stamp(proof["created"]) is None:
        raise ProofError("invalid_proof_configuration", "created is not an XML dateTimeStamp")
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document_context
    return config


# The hash of a canonical document is a pure function of it: remembered (see digest_cache).
_DOCUMENT_HASHES: DigestCache[bytes] = DigestCache(512)


@lru_cache(maxsize=256)
def _proof_config_hash(config_json: str, loader: DocumentLoader) -> bytes:
    """SHA-256 of the canonical proof configuration, remembered: ``created`` has a resolution
    of one second, so under load many proofs by one key share their configuration, and its
    canonicalization would otherwise cost a fifth of a proof."""
    return hashlib.sha256(canonicalize(json.loads(config_json), loader).encode("utf-8")).digest()


def hash_data(
    document: Mapping[str, Any], proof_config: Mapping[str, Any], loader: DocumentLoader
) -> bytes:
    """``SHA-256(canon(proofConfig)) || SHA-256(canon(document))`` (section 3.3.4, "Hashing").

    ``document`` is taken without its ``proof``. Canonicalization is RDFC-1.0 in safe mode
    (:func:`verifier.jsonld.canonicalize`); it raises :class:`verifier.JsonLdError`.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config_json = json.dumps(proof_config, sort_keys=True, separators=(",", ":"))
    proof_hash = _proof_config_hash(config_json, loader)  # type: ignore[arg-type]
    document_hash = _DOCUMENT_HASHES.get(
        unsecured,
        loader,
        lambda: hashlib.sha256(canonicalize(unsecured, loader).encode("utf-8")).digest(),
    )
    return proof_hash + document_hash


def _contexts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Failure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _check_fields(proof: Mapping[str, Any]) -> None:
    missing = [key for key in _REQUIRED if key not in proof]
    if missing:
        raise _Failure("proof_malformed", f"proof lacks {', '.join(missing)}")
    extra = sorted(key for key in proof if key not in _REQUIRED and key not in _OPTIONAL)
    if extra:
        raise _Failure("proof_malformed", f"proof has unexpected {', '.join(extra)}")
    for key in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof[key], str):
            raise _Failure("proof_malformed", f"proof {key} must be a string")


def _check_proof(
    document: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    expected_purpose: str,
    now: datetime | None,
) -> None:
    proof = document["proof"]
    _check_fields(proof)
    if proof["type"] != PROOF_TYPE:
        raise _Failure("proof_type_unsupported", f"proof type {proof['type']!r} is not supported")
    suite = proof["cryptosuite"]
    if suite not in CRYPTOSUITES:
        raise _Failure("cryptosuite_unsupported", f"cryptosuite {suite!r} is not allowed")
    if CRYPTOSUITES[suite] != public_key.key_type:
        raise _Failure(
            "cryptosuite_key_mismatch", f"{suite} does not take {public_key.key_type} keys"
        )
    if proof["proofPurpose"] != expected_purpose:
        raise _Failure(
            "proof_purpose_mismatch",
            f"proof purpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}",
        )
    if "created" in proof and parse_datetime_stamp(proof["created"]) is None:
        raise _Failure("created_invalid", "created is not an XML dateTimeStamp")
    if "expires" in proof:
        expires = parse_datetime_stamp(proof["expires"])
        if expires is None:
            raise _Failure("expires_invalid", "expires is not an XML dateTimeStamp")
        if now is not None and now > expires:
            raise _Failure("proof_expired", f"the proof expired at {proof['expires']}")
    try:
        signature = decode_base58btc(proof["proofValue"])
    except InvalidKeyEncoding as exc:
        raise _Failure("proof_value_invalid", f"proofValue: {exc.detail}") from exc
    if len(signature) != _SIGNATURE_LENGTH:
        raise _Failure("proof_value_invalid", f"signature is {len(signature)} bytes, not 64")

    if "@context" not in document:
        raise _Failure("proof_malformed", "the secured document has no @context")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    # Section 3.3.2 step 4: a proof @context must be the start of the document's, in order,
    # and is then the context the document is verified with.
    if "@context" in options:
        proof_context = _contexts(options["@context"])
        if _contexts(document["@context"])[: len(proof_context)] != proof_context:
            raise _Failure("proof_context_mismatch", "the proof @context does not match")
        unsecured["@context"] = options["@context"]
    config = proof_configuration(options, unsecured["@context"])
    if not verify_signature(public_key, signature, hash_data(unsecured, config, loader)):
        raise _Failure("signature_invalid", "the signature does not match the document")


def verify_proof(
    document: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    *,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
) -> ProofCheck:
    """Verify the single Data Integrity proof of ``document`` with ``public_key``.

    EdDSA/ECDSA Cryptosuites v1.0, section 3.3.2 ("Verify Proof"), with Data Integrity 1.0
    section 4.4 checks: ``type`` is ``DataIntegrityProof``, the cryptosuite is allow-listed
    and matches the key type, the purpose is ``expected_purpose``, ``created`` and
    ``expires`` are dateTimeStamps (``expires`` is checked against ``now`` when given), a
    proof ``@context`` starts the document's. A proof set (a list) is refused for now.
    Never raises for a bad credential: the result carries a machine-readable ``code``.
    Resolving ``verificationMethod`` to ``public_key`` is the caller's job.
    """
    proof = document.get("proof") if isinstance(document, Mapping) else None
    if proof is None:
        return ProofCheck(False, "proof_missing", "the document has no proof")
    if isinstance(proof, list):
        return ProofCheck(False, "proof_set_unsupported", "proof sets are not supported")
    if not isinstance(proof, Mapping):
        return ProofCheck(False, "proof_malformed", "proof must be an object")
    vm = proof.get("verificationMethod")
    suite = proof.get("cryptosuite")
    vm = vm if isinstance(vm, str) else None
    suite = suite if isinstance(suite, str) else None
    created = parse_datetime_stamp(proof.get("created"))
    try:
        _check_proof(document, public_key, loader, expected_purpose, now)
    except _Failure as failure:
        return ProofCheck(False, failure.code, failure.detail, vm, suite, created)
    except VerifierError as exc:
        return ProofCheck(False, exc.code, exc.detail, vm, suite, created)
    return ProofCheck(True, None, "", vm, suite, created)
