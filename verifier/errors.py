"""Errors raised by the ``verifier`` package.

Exception tree::

    VerifierError              root; every error carries ``code``, ``title`` and ``detail``
    ├── JsonLdError            a document that JSON-LD processing cannot represent faithfully
    │                          (JSON-LD 1.1 Processing Algorithms, RDFC-1.0): codes
    │                          ``unknown_context``, ``undefined_term``, ``relative_iri``,
    │                          ``reserved_term``, ``invalid_jsonld``, ``canonicalization_limit``,
    │                          ``context_digest_mismatch`` (a bundled context file altered)
    ├── ProofError             a proof that cannot be configured or hashed (VC Data Integrity
    │                          1.0, section 4): codes ``invalid_proof_configuration``,
    │                          ``unsupported_key_type``
    └── StatusListError        a bitstring that cannot be encoded, expanded or indexed
                               (Bitstring Status List v1.0, sections 3.3-3.4): codes
                               ``status_list_encoding``, ``status_list_too_short``,
                               ``status_list_too_large``, ``status_index_out_of_range``,
                               ``status_purpose_unsupported``

A credential that fails verification is not an exception: :func:`verifier.verify_proof`
returns a :class:`verifier.ProofCheck` and :func:`verifier.check_status_entry` a
:class:`verifier.StatusCheck` whose ``code`` says why. These exceptions are for the
callers that build or hash documents (the issuer) and for programming errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class VerifierError(Exception):
    """Root of the errors of the ``verifier`` package.

    ``code`` is machine-readable (one of the class's ``titles``), ``title`` its human summary,
    ``detail`` what exactly went wrong in this instance.
    """

    titles: ClassVar[Mapping[str, str]] = {"verifier_error": "Verification error"}

    def __init__(self, code: str, detail: str) -> None:
        if code not in self.titles:
            raise ValueError(f"{type(self).__name__} has no code {code!r}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.title = self.titles[code]
        self.detail = detail


class JsonLdError(VerifierError):
    """JSON-LD expansion or RDF canonicalization refused the document ("safe mode")."""

    titles: ClassVar[Mapping[str, str]] = {
        "unknown_context": "Unknown JSON-LD context",
        "undefined_term": "Undefined JSON-LD term",
        "relative_iri": "Relative IRI",
        "reserved_term": "Reserved JSON-LD term",
        "invalid_jsonld": "Invalid JSON-LD",
        "canonicalization_limit": "RDF canonicalization work limit exceeded",
        "context_digest_mismatch": "Bundled JSON-LD context missing or altered",
    }


class ProofError(VerifierError):
    """A Data Integrity proof configuration that cannot be hashed or a key without a suite."""

    titles: ClassVar[Mapping[str, str]] = {
        "invalid_proof_configuration": "Invalid proof configuration",
        "unsupported_key_type": "No cryptosuite for this key type",
    }


class StatusListError(VerifierError):
    """A status list bitstring that cannot be encoded, expanded or indexed, or a status purpose
    microcred does not issue (Bitstring Status List v1.0, sections 2.1 and 3.3-3.4)."""

    titles: ClassVar[Mapping[str, str]] = {
        "status_list_encoding": "Status list is not multibase base64url GZIP",
        "status_list_too_short": "Status list shorter than the 131,072-entry minimum",
        "status_list_too_large": "Status list expands beyond the size limit",
        "status_index_out_of_range": "Status list index outside the list",
        "status_purpose_unsupported": "Unsupported status purpose",
    }
