"""Securing a credential with a W3C Data Integrity proof (VC Data Integrity 1.0, section 4.2
"Add Proof"), with ``eddsa-rdfc-2022`` for Ed25519 signers and ``ecdsa-rdfc-2019`` for P-256
and P-384 signers (EdDSA / ECDSA Cryptosuites v1.0, section 3.3.1 "Create Proof"), or their
JCS forms ``eddsa-jcs-2022`` / ``ecdsa-jcs-2019`` (section 3.4.1).

The hashing is :func:`verifier.data_integrity.hash_data`: the verifier defines what a valid
proof is, the issuer produces one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from issuer.errors import ProofCreationError
from keys import Signer, encode_base58btc
from verifier.data_integrity import PROOF_TYPE, cryptosuite_for, hash_data, proof_configuration
from verifier.errors import ProofError
from verifier.jsonld import DocumentLoader, expand

__all__ = ["add_proof", "proof_created", "with_suite_context"]


def proof_created(created: datetime) -> str:
    """``created`` as Data Integrity writes it: an XML dateTimeStamp in UTC, to the second,
    with ``Z`` (Data Integrity 1.0, section 2.1)."""
    if created.tzinfo is None or created.utcoffset() is None:
        raise ProofCreationError("naive_datetime", "the proof time needs a time zone")
    return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"


def with_suite_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document``, with the Data Integrity v2 context appended when none of its contexts
    defines the proof terms (a VC 1.1 document): the proof configuration takes the document's
    ``@context`` (EdDSA Cryptosuites v1.0, section 3.3.5), so its terms must be defined there,
    as Digital Bazaar's suites also ensure."""
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if contexts is None or VC_V2_CONTEXT in listed or DATA_INTEGRITY_V2_CONTEXT in listed:
        return dict(document)
    return {**document, "@context": [*listed, DATA_INTEGRITY_V2_CONTEXT]}


def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    created: datetime,
    loader: DocumentLoader,
    proof_purpose: str = "assertionMethod",
    jcs: bool = False,
) -> dict[str, Any]:
    """A new document: ``document`` plus a ``DataIntegrityProof`` signed by ``signer``.

    Data Integrity 1.0 section 4.2 with EdDSA/ECDSA Cryptosuites v1.0 section 3.3.1: the
    cryptosuite follows the signer's key type (its JCS form with ``jcs``, section 3.4.1, whose
    proof carries the document's ``@context``), ``verificationMethod`` is ``signer.id``,
    ``proofValue`` is ``z`` + base58btc of the signature over
    :func:`verifier.data_integrity.hash_data`. ``document`` is not modified.

    Raises :class:`ProofCreationError` (a document that already has a proof, a naive
    ``created``, a key type without a cryptosuite) and :class:`verifier.JsonLdError` when
    the document cannot be represented faithfully (undefined term, unknown context).
    """
    if "proof" in document:
        raise ProofCreationError("proof_exists", "the document already has a proof")
    try:
        cryptosuite = cryptosuite_for(signer.algorithm, jcs=jcs)
    except ProofError as exc:
        raise ProofCreationError("unsupported_key_type", exc.detail) from exc
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": proof_created(created),
        "verificationMethod": signer.id,
        "proofPurpose": proof_purpose,
    }
    if jcs:
        unsecured = dict(document)
        if "@context" in unsecured:
            proof["@context"] = unsecured["@context"]
        # JCS signs the JSON; what JSON-LD cannot read is refused all the same (safe mode).
        expand(unsecured, loader)
    else:
        unsecured = with_suite_context(document)
    config = proof_configuration(proof, unsecured.get("@context"))
    # Each document is signed once: remembering its hash would only evict what a verifier
    # in the same process reuses.
    data = hash_data(unsecured, config, loader, key_type=signer.algorithm, remember=False)
    proof["proofValue"] = encode_base58btc(signer.sign(data))
    return {**unsecured, "proof": proof}
