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
from verifier.errors import JsonLdError, ProofError, StatusListError, VerifierError
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    DocumentLoader,
    bundled_document_loader,
    canonicalize,
    expand,
)
from verifier.status_list import (
    MIN_LIST_SIZE,
    PURPOSES,
    STATUS_ERROR_TYPES,
    StatusCheck,
    check_status_entry,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    set_bit,
    status_entry,
)

__all__ = [
    "BUNDLED_CONTEXTS",
    "CRYPTOSUITES",
    "MIN_LIST_SIZE",
    "PURPOSES",
    "STATUS_ERROR_TYPES",
    "DocumentLoader",
    "JsonLdError",
    "ProofCheck",
    "ProofError",
    "StatusCheck",
    "StatusListError",
    "VerifierError",
    "bundled_document_loader",
    "canonicalize",
    "check_status_entry",
    "cryptosuite_for",
    "decode_bitstring",
    "encode_bitstring",
    "expand",
    "get_bit",
    "hash_data",
    "proof_configuration",
    "set_bit",
    "status_entry",
    "verify_proof",
]
