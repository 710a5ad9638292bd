"""Standalone verifier library: proofs, JWTs, SD-JWT VCs, DID resolution, status lists
(Bitstring and Token Status Lists), completeness.

Framework-free and offline by default: the clock, the JSON-LD document loader, the fetcher
(the only network access) and the allowed algorithms are parameters. Start with
:func:`verify_credential`, which returns a :class:`VerificationResult`, or
:func:`verify_presentation` (a :class:`PresentationResult`); ``python -m verifier``
is the command line (:mod:`verifier.cli`).
"""

from verifier.completeness import ANNEX_I_ELEMENTS, completeness
from verifier.data_integrity import (
    CRYPTOSUITES,
    ProofCheck,
    cryptosuite_for,
    hash_data,
    proof_configuration,
    verify_proof,
)
from verifier.did_resolution import DidResolver, ResolvedKey
from verifier.errors import (
    CredentialFormatError,
    DidResolutionError,
    FetchError,
    JoseError,
    JsonLdError,
    ProofError,
    SdJwtError,
    StatusListError,
    TokenStatusListError,
    VerifierError,
)
from verifier.fetch import BudgetedFetcher, FetchBudget, Fetched, Fetcher, HttpFetcher
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    MICROCRED_CONTEXT_URL,
    DocumentLoader,
    bundled_document_loader,
    canonicalize,
    expand,
    load_context_directory,
)
from verifier.presentation import (
    ParsedPresentation,
    PresentationResult,
    is_presentation,
    parse_presentation,
    verify_presentation,
)
from verifier.result import CHECK_NAMES, Check, VerificationResult
from verifier.sd_jwt_vc import verify_sd_jwt_vc
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
from verifier.vc_jwt import JoseCredential, parse_jws_credential, verify_jws
from verifier.verify import ParsedCredential, parse_credential, verify_credential

__all__ = [
    "ANNEX_I_ELEMENTS",
    "BUNDLED_CONTEXTS",
    "CHECK_NAMES",
    "CRYPTOSUITES",
    "MICROCRED_CONTEXT_URL",
    "MIN_LIST_SIZE",
    "PURPOSES",
    "STATUS_ERROR_TYPES",
    "BudgetedFetcher",
    "Check",
    "CredentialFormatError",
    "DidResolutionError",
    "DidResolver",
    "DocumentLoader",
    "FetchBudget",
    "FetchError",
    "Fetched",
    "Fetcher",
    "HttpFetcher",
    "JoseCredential",
    "JoseError",
    "JsonLdError",
    "ParsedCredential",
    "ParsedPresentation",
    "PresentationResult",
    "ProofCheck",
    "ProofError",
    "ResolvedKey",
    "SdJwtError",
    "StatusCheck",
    "StatusListError",
    "TokenStatusListError",
    "VerificationResult",
    "VerifierError",
    "bundled_document_loader",
    "canonicalize",
    "check_status_entry",
    "completeness",
    "cryptosuite_for",
    "decode_bitstring",
    "encode_bitstring",
    "expand",
    "get_bit",
    "hash_data",
    "is_presentation",
    "load_context_directory",
    "parse_credential",
    "parse_jws_credential",
    "parse_presentation",
    "proof_configuration",
    "set_bit",
    "status_entry",
    "verify_credential",
    "verify_jws",
    "verify_presentation",
    "verify_proof",
    "verify_sd_jwt_vc",
]
