"""W3C Verifiable Credential Data Integrity 1.0 proofs, proof sets and proof chains, with the
RDFC and JCS cryptosuites.

- ``eddsa-rdfc-2022``: Data Integrity EdDSA Cryptosuites v1.0, section 3.3 (Ed25519, SHA-256).
- ``eddsa-jcs-2022``: the same, section 3.4 (Ed25519, SHA-256, JCS).
- ``ecdsa-rdfc-2019``: Data Integrity ECDSA Cryptosuites v1.0, section 3.3 (P-256 with SHA-256,
  P-384 with SHA-384).
- ``ecdsa-jcs-2019``: the same, section 3.4 (P-256 / SHA-256, P-384 / SHA-384, JCS).

Hashing (section 3.x.4 "Hashing" of each suite): ``H(proofConfig) || H(document)``, each
serialized by the suite's transformation, with ``H`` SHA-256, or SHA-384 for a P-384 key;
``proofValue`` is ``z`` + base58btc of the signature over it.

- **RDFC** suites canonicalize with RDFC-1.0 (safe mode, :func:`verifier.jsonld.canonicalize`);
  the proof configuration is the proof without ``proofValue`` with ``@context`` set to the
  document's (section 3.3.5).
- **JCS** suites serialize with the JSON Canonicalization Scheme (RFC 8785); the proof
  configuration is the proof without ``proofValue`` as it stands: when signing, the proof gets
  the document's ``@context`` (section 3.4.1 step 2) and keeps it, and a verifier hashes the
  proof's own ``@context``, if any, without adding one (section 3.4.6). JCS needs no JSON-LD,
  but the document is still expanded in safe mode: a term no context defines, or a context we
  do not bundle, is refused as it is for the RDFC suites.

Proof sets and chains (Data Integrity 1.0, sections 2.1.2 and 4.5): ``proof`` may be a list;
each proof is verified on its own over the document without any proof, except that a proof
with ``previousProof`` (an id or a list of ids of other proofs of the set) is verified over the
document whose ``proof`` is the list of the proofs it names; a named proof that is not in the
set fails (``previous_proof_missing``). :func:`verify_proof` checks one proof (``proof=``, for
a set); which proofs must verify, and whose keys they use, is the caller's policy
(:mod:`verifier.verify`).

This module defines what a valid proof is; :mod:`issuer.data_integrity` produces one with the
same functions. Finding the public key (DID resolution) is the caller's business: the key is a
parameter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import rfc8785

from keys import (
    ED25519,
    P256,
    P384,
    InvalidKeyEncoding,
    PublicKey,
    decode_base58btc,
    signature_length,
    verify_signature,
)
from verifier.digest_cache import DigestCache
from verifier.errors import ProofError, VerifierError
from verifier.jsonld import DocumentLoader, canonicalize, check_expands

__all__ = [
    "CRYPTOSUITES",
    "JCS_CRYPTOSUITES",
    "PROOF_TYPE",
    "ProofCheck",
    "cryptosuite_for",
    "hash_data",
    "parse_datetime_stamp",
    "previous_proofs",
    "proof_configuration",
    "proofs_of",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"

#: The allow-listed cryptosuites and the key types each accepts.
CRYPTOSUITES: Mapping[str, tuple[str, ...]] = {
    "eddsa-rdfc-2022": (ED25519,),
    "ecdsa-rdfc-2019": (P256, P384),
    "eddsa-jcs-2022": (ED25519,),
    "ecdsa-jcs-2019": (P256, P384),
}
#: The suites that serialize with JCS (RFC 8785) instead of RDFC-1.0.
JCS_CRYPTOSUITES = frozenset({"eddsa-jcs-2022", "ecdsa-jcs-2019"})

# Data Integrity 1.0, section 2.1: the properties a proof may carry.
_REQUIRED = ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue")
_OPTIONAL = (
    "@context",
    "id",
    "created",
    "expires",
    "domain",
    "challenge",
    "nonce",
    "previousProof",
)

# XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory time zone.
_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of :func:`verify_proof`: ``verified``, or a machine-readable ``code``.

    Codes: ``proof_missing``, ``proof_malformed``, ``proof_type_unsupported``,
    ``cryptosuite_unsupported``, ``cryptosuite_key_mismatch``, ``proof_purpose_mismatch``,
    ``created_invalid``, ``expires_invalid``, ``proof_expired``, ``proof_context_mismatch``,
    ``proof_value_invalid``, ``previous_proof_missing``, ``previous_proof_invalid``,
    ``canonicalization_failed`` (JCS: a number outside IEEE 754), ``signature_invalid``, and
    the :class:`verifier.JsonLdError` codes (``undefined_term``, ``unknown_context``, ...)
    when the document cannot be processed. ``id`` is the proof's ``id``, if it has one.
    """

    verified: bool
    code: str | None = None
    detail: str = ""
    verification_method: str | None = None
    cryptosuite: str | None = None
    created: datetime | None = None
    id: str | None = None


def cryptosuite_for(key_type: str, *, jcs: bool = False) -> str:
    """The cryptosuite that signs with ``key_type`` keys: ``eddsa-rdfc-2022`` for Ed25519,
    ``ecdsa-rdfc-2019`` for P-256 and P-384 (EdDSA and ECDSA Cryptosuites v1.0, section 3.3),
    or with ``jcs`` their JCS forms (section 3.4)."""
    for name, key_types in CRYPTOSUITES.items():
        if key_type in key_types and (name in JCS_CRYPTOSUITES) == jcs:
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
    """The proof configuration (EdDSA/ECDSA Cryptosuites v1.0, sections 3.3.5 and 3.4.6).

    The proof options without ``proofValue``; for an RDFC suite with ``@context`` set to
    ``document_context``, for a JCS suite with the proof's own ``@context``, if any (the
    signer copies the document's into the proof first). Raises :class:`ProofError`
    ``invalid_proof_configuration`` when the type is not ``DataIntegrityProof``, the
    cryptosuite is not allow-listed or ``created`` is not a dateTimeStamp.
    """
    if proof.get("type") != PROOF_TYPE:
        raise ProofError("invalid_proof_configuration", f"type must be {PROOF_TYPE!r}")
    suite = proof.get("cryptosuite")
    if suite not in CRYPTOSUITES:
        raise ProofError("invalid_proof_configuration", f"cryptosuite {suite!r} unknown")
    if "created" in proof and parse_datetime_stamp(proof["created"]) is None:
        raise ProofError("invalid_proof_configuration", "created is not an XML dateTimeStamp")
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if suite not in JCS_CRYPTOSUITES:
        config["@context"] = document_context
    return config


def _hash_function(key_type: str | None) -> Callable[[bytes], bytes]:
    """SHA-384 for P-384 keys, SHA-256 otherwise (ECDSA Cryptosuites v1.0, section 3.3.4)."""
    if key_type == P384:
        return lambda data: hashlib.sha384(data).digest()
    return lambda data: hashlib.sha256(data).digest()


# The hash of a canonical document is a pure function of it: remembered (see digest_cache).
_DOCUMENT_HASHES: DigestCache[bytes] = DigestCache(512)


@lru_cache(maxsize=256)
def _proof_config_hash(config_json: str, loader: DocumentLoader, key_type: str | None) -> bytes:
    """The hash of the canonical (RDFC) proof configuration, remembered: ``created`` has a
    resolution of one second, so under load many proofs by one key share their
    configuration, and its canonicalization would otherwise cost a fifth of a proof."""
    canonical = canonicalize(json.loads(config_json), loader)
    return _hash_function(key_type)(canonical.encode("utf-8"))


def _jcs(value: Mapping[str, Any]) -> bytes:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise ProofError("canonicalization_failed", f"JCS (RFC 8785): {exc}") from exc


def hash_data(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    key_type: str | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    remember: bool = True,
) -> bytes:
    """``H(canon(proofConfig)) || H(canon(document))`` (section 3.x.4, "Hashing").

    ``document`` is taken without its ``proof``; for a chained proof, ``previous`` are the
    proofs it names (:func:`previous_proofs`), hashed as the document's ``proof`` (Data
    Integrity 1.0, section 4.5 step 3.3). The transformation is the one of ``proof_config``'s
    cryptosuite: RDFC-1.0 in safe mode (it raises :class:`verifier.JsonLdError`) or JCS. ``H``
    is SHA-384 for a P-384 ``key_type``, else SHA-256. JCS raises :class:`ProofError`
    ``canonicalization_failed`` for a number outside IEEE 754 doubles. The document's hash is
    remembered by its digest (a verifier sees the same credential again) unless ``remember``
    is false (an issuer signs each document once).
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if previous:
        unsecured["proof"] = [dict(p) for p in previous]
    digest = _hash_function(key_type)
    if proof_config.get("cryptosuite") in JCS_CRYPTOSUITES:
        return digest(_jcs(proof_config)) + digest(_jcs(unsecured))
    config_json = json.dumps(proof_config, sort_keys=True, separators=(",", ":"))
    proof_hash = _proof_config_hash(config_json, loader, key_type)  # type: ignore[arg-type]

    def document_hash() -> bytes:
        return digest(canonicalize(unsecured, loader).encode("utf-8"))

    if not remember:
        return proof_hash + document_hash()
    return proof_hash + _DOCUMENT_HASHES.get(unsecured, (loader, key_type), document_hash)


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The proofs of ``document`` (Data Integrity 1.0, section 4.5 ``allProofs``): none, the
    one proof, or the members of a proof set or chain (not checked here)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def previous_proofs(proof: Mapping[str, Any], all_proofs: Sequence[Any]) -> list[Any]:
    """The proofs that ``proof``'s ``previousProof`` names, in its order (Data Integrity 1.0,
    section 4.5 step 3.2: ``matchingProofs``); empty without ``previousProof``.

    Raises :class:`ProofError`: ``previous_proof_invalid`` when ``previousProof`` is not an
    id or a list of ids (or names ``proof`` itself), ``previous_proof_missing`` when an id is
    not the ``id`` of a proof of ``all_proofs``.
    """
    wanted = proof.get("previousProof")
    if wanted is None:
        return []
    ids = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ProofError("previous_proof_invalid", "previousProof must be an id or a list of ids")
    matching = []
    for wanted_id in ids:
        found = next(
            (p for p in all_proofs if isinstance(p, Mapping) and p.get("id") == wanted_id), None
        )
        if found is None:
            raise ProofError("previous_proof_missing", f"no proof has the id {wanted_id!r}")
        if found is proof:
            raise ProofError("previous_proof_invalid", "a proof names itself as previousProof")
        matching.append(found)
    return matching


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
    if "id" in proof and not isinstance(proof["id"], str):
        raise _Failure("proof_malformed", "proof id must be a string")


def _check_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    expected_purpose: str,
    now: datetime | None,
) -> None:
    _check_fields(proof)
    if proof["type"] != PROOF_TYPE:
        raise _Failure("proof_type_unsupported", f"proof type {proof['type']!r} is not supported")
    suite = proof["cryptosuite"]
    if suite not in CRYPTOSUITES:
        raise _Failure("cryptosuite_unsupported", f"cryptosuite {suite!r} is not allowed")
    if public_key.key_type not in CRYPTOSUITES[suite]:
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
    expected_length = signature_length(public_key.key_type)
    if len(signature) != expected_length:
        raise _Failure(
            "proof_value_invalid", f"signature is {len(signature)} bytes, not {expected_length}"
        )

    if "@context" not in document:
        raise _Failure("proof_malformed", "the secured document has no @context")
    # Data Integrity 1.0 section 4.5 step 3.3: a chained proof secures the document with the
    # proofs it names as `proof`; any other proof secures the document without a proof.
    matching = previous_proofs(proof, proofs_of(document))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    # Section 3.3.2 / 3.4.2 step 4: a proof @context must be the start of the document's, in
    # order, and is then the context the document is verified with.
    if "@context" in options:
        proof_context = _contexts(options["@context"])
        if _contexts(document["@context"])[: len(proof_context)] != proof_context:
            raise _Failure("proof_context_mismatch", "the proof @context does not match")
        unsecured["@context"] = options["@context"]
    config = proof_configuration(options, unsecured["@context"])
    if suite in JCS_CRYPTOSUITES:
        # JCS signs the JSON, not the graph; refuse what JSON-LD cannot read all the same.
        check_expands(unsecured, loader)
    data = hash_data(unsecured, config, loader, key_type=public_key.key_type, previous=matching)
    if not verify_signature(public_key, signature, data):
        raise _Failure("signature_invalid", "the signature does not match the document")


def verify_proof(
    document: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    *,
    proof: Mapping[str, Any] | None = None,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
) -> ProofCheck:
    """Verify one Data Integrity proof of ``document`` with ``public_key``.

    EdDSA/ECDSA Cryptosuites v1.0, sections 3.3.2 and 3.4.2 ("Verify Proof"), with the Data
    Integrity 1.0 section 4.4 checks: ``type`` is ``DataIntegrityProof``, the cryptosuite is
    allow-listed and takes the key's type, the purpose is ``expected_purpose``, ``created``
    and ``expires`` are dateTimeStamps (``expires`` is checked against ``now`` when given), a
    proof ``@context`` starts the document's. ``proof`` picks one proof of a proof set or
    chain (section 4.5; it must be one of ``document``'s proofs); without it the document's
    ``proof`` must be a single proof. Never raises for a bad credential: the result carries a
    machine-readable ``code``. Resolving ``verificationMethod`` to ``public_key`` is the
    caller's job.
    """
    raw = document.get("proof") if isinstance(document, Mapping) else None
    if raw is None or raw == []:
        return ProofCheck(False, "proof_missing", "the document has no proof")
    if proof is None:
        if isinstance(raw, list):
            detail = "a proof set: verify each of its proofs (proof=)"
            return ProofCheck(False, "proof_malformed", detail)
        proof = raw
    elif not any(candidate is proof or candidate == proof for candidate in proofs_of(document)):
        return ProofCheck(False, "proof_malformed", "the proof is not one of the document's")
    if not isinstance(proof, Mapping):
        return ProofCheck(False, "proof_malformed", "proof must be an object")
    vm, suite, proof_id = (
        value if isinstance(value, str) else None
        for value in (proof.get("verificationMethod"), proof.get("cryptosuite"), proof.get("id"))
    )
    created = parse_datetime_stamp(proof.get("created"))
    try:
        _check_proof(document, proof, public_key, loader, expected_purpose, now)
    except _Failure as failure:
        return ProofCheck(False, failure.code, failure.detail, vm, suite, created, proof_id)
    except VerifierError as exc:
        return ProofCheck(False, exc.code, exc.detail, vm, suite, created, proof_id)
    return ProofCheck(True, None, "", vm, suite, created, proof_id)
