"""Standalone verifier library: proofs, JWTs, DID resolution, status lists, completeness.

Filled in by the verifier issue; the package exists so the layer contract holds from day one.
"""

from verifier.data_integrity import (
    CRYPTOSUITES,
    ProofCheck,
    cryptosuite_for,
    hash_data,
    proof_configuration,
    verify_proof,
)
from verifier.errors import JsonLdError, ProofError, VerifierError
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    DocumentLoader,
    bundled_document_loader,
    canonicalize,
    expand,
)

__all__ = [
    "BUNDLED_CONTEXTS",
    "CRYPTOSUITES",
    "DocumentLoader",
    "JsonLdError",
    "ProofCheck",
    "ProofError",
    "VerifierError",
    "bundled_document_loader",
    "canonicalize",
    "cryptosuite_for",
    "expand",
    "hash_data",
    "proof_configuration",
    "verify_proof",
]
