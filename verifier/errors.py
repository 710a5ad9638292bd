"""Errors raised by the ``verifier`` package.

Exception tree::

    VerifierError              root; every error carries ``code``, ``title`` and ``detail``
    ├── JsonLdError            a document that JSON-LD processing cannot represent faithfully
    │                          (JSON-LD 1.1 Processing Algorithms, RDFC-1.0): codes
    │                          ``unknown_context``, ``undefined_term``, ``relative_iri``,
    │                          ``reserved_term``, ``invalid_jsonld``, ``canonicalization_limit``,
    │                          ``context_digest_mismatch`` (a bundled or pinned context file
    │                          altered), ``context_directory_invalid``
    ├── ProofError             a proof that cannot be configured or hashed (VC Data Integrity
    │                          1.0, section 4): codes ``invalid_proof_configuration``,
    │                          ``unsupported_key_type``, ``previous_proof_missing``,
    │                          ``previous_proof_invalid`` (a proof chain, section 4.5),
    │                          ``canonicalization_failed`` (JCS, RFC 8785)
    ├── StatusListError        a bitstring that cannot be encoded, expanded or indexed
    │                          (Bitstring Status List v1.0, sections 3.3-3.4): codes
    │                          ``status_list_encoding``, ``status_list_too_short``,
    │                          ``status_list_too_large``, ``status_index_out_of_range``,
    │                          ``status_purpose_unsupported``
    ├── FetchError             a DID document, status list or credential that could not be
    │                          fetched (:mod:`verifier.fetch`): ``fetch_refused``,
    │                          ``fetch_timeout``, ``fetch_too_large``, ``fetch_failed``,
    │                          ``fetch_budget_exceeded``; ``transient`` tells a failure that
    │                          says nothing about the document (network, timeout, 5xx,
    │                          budget) from an answer (404, refused address, ...)
    ├── DidResolutionError     a DID or verification method that does not resolve to a key
    │                          the issuer lists (DID Core 1.0 sections 7.1 and 5.3;
    │                          :mod:`verifier.did_resolution`): ``did_invalid``,
    │                          ``did_unsupported_method``, ``did_not_found``,
    │                          ``did_unreachable`` (a transient fetch failure),
    │                          ``did_document_invalid``, ``verification_method_not_found``,
    │                          ``verification_method_not_authorized``, ``controller_mismatch``
    ├── JoseError              a vc+jwt / VC-JWT that cannot be read or does not verify
    │                          (VC-JOSE-COSE section 3, RFC 7515; :mod:`verifier.vc_jwt`):
    │                          ``jws_malformed``, ``typ_unsupported``, ``payload_invalid``,
    │                          ``claims_invalid``, ``iss_mismatch``, ``envelope_unsupported``,
    │                          ``kid_missing``, ``alg_not_allowed``, ``alg_key_mismatch``,
    │                          ``signature_invalid``
    ├── SdJwtError             an SD-JWT (VC) or its key binding that cannot be read or does
    │                          not verify (RFC 9901; SD-JWT VC; :mod:`verifier.sd_jwt`):
    │                          ``sd_jwt_malformed``, ``disclosure_invalid``,
    │                          ``disclosure_duplicate``, ``disclosure_unreferenced``,
    │                          ``sd_alg_unsupported``, ``claim_conflict``, ``typ_unsupported``,
    │                          ``claims_invalid``, ``key_binding_missing``,
    │                          ``key_binding_invalid``, ``cnf_missing``
    ├── TokenStatusListError   a Token Status List token that cannot be read
    │                          (draft-ietf-oauth-status-list; :mod:`verifier.token_status_list`):
    │                          ``status_list_token_malformed``, ``status_list_token_mismatch``,
    │                          ``status_list_token_expired``, ``status_index_out_of_range``
    └── CredentialFormatError  input that is not a credential in any form we read, or breaks
                               the VC data model (:mod:`verifier.verify`):
                               ``format_unrecognized``, ``data_model_invalid``,
                               ``nesting_too_deep``

A credential that fails verification is not an exception: :func:`verifier.verify_credential`
returns a :class:`verifier.VerificationResult`, :func:`verifier.verify_proof` a
:class:`verifier.ProofCheck` and :func:`verifier.check_status_entry` a
:class:`verifier.StatusCheck` whose ``code`` says why. The building blocks below them
(fetching, DID resolution, JOSE parsing) raise these exceptions, and
:func:`verifier.verify_credential` turns each into a failed check carrying its ``code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class CodedError(Exception):
    """An error with a machine-readable ``code`` (one of the class's ``titles``), its human
    ``title`` and a ``detail`` of what exactly went wrong; the base of the core packages'
    roots (this package's :class:`VerifierError`, and ``issuer.IssuerError``)."""

    titles: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, detail: str) -> None:
        if code not in self.titles:
            raise ValueError(f"{type(self).__name__} has no code {code!r}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.title = self.titles[code]
        self.detail = detail


class VerifierError(CodedError):
    """Root of the errors of the ``verifier`` package."""

    titles: ClassVar[Mapping[str, str]] = {"verifier_error": "Verification error"}


class JsonLdError(VerifierError):
    """JSON-LD expansion or RDF canonicalization refused the document ("safe mode")."""

    titles: ClassVar[Mapping[str, str]] = {
        "unknown_context": "Unknown JSON-LD context",
        "undefined_term": "Undefined JSON-LD term",
        "relative_iri": "Relative IRI",
        "reserved_term": "Reserved JSON-LD term",
        "invalid_jsonld": "Invalid JSON-LD",
        "canonicalization_limit": "RDF canonicalization work limit exceeded",
        "context_digest_mismatch": "JSON-LD context file altered",
        "context_directory_invalid": "Invalid directory of JSON-LD contexts",
    }


class ProofError(VerifierError):
    """A Data Integrity proof configuration that cannot be hashed or a key without a suite."""

    titles: ClassVar[Mapping[str, str]] = {
        "invalid_proof_configuration": "Invalid proof configuration",
        "unsupported_key_type": "No cryptosuite for this key type",
        "previous_proof_missing": "A previous proof of the chain is missing",
        "previous_proof_invalid": "Invalid previousProof",
        "canonicalization_failed": "Document cannot be canonicalized",
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


class FetchError(VerifierError):
    """A document could not be fetched, or the fetch was refused before it started.

    ``transient`` is True when the failure says nothing about the document: the host could
    not be reached, did not answer in time, answered with a server error (5xx, 408, 429), or
    the verification's fetch budget was spent (``fetch_budget_exceeded``). It is False for an
    answer: a 404 or another client error, a redirect, a refused URL or address, a document
    over the size limit. A verifier reports the first kind as "could not check", never as
    "not genuine". By default ``fetch_timeout`` and ``fetch_budget_exceeded`` are transient.
    """

    titles: ClassVar[Mapping[str, str]] = {
        "fetch_refused": "Fetching this URL is not allowed",
        "fetch_timeout": "The fetch timed out",
        "fetch_too_large": "The response is larger than the size limit",
        "fetch_failed": "The fetch failed",
        "fetch_budget_exceeded": "The verification's fetch budget is spent",
    }
    _TRANSIENT: ClassVar[frozenset[str]] = frozenset({"fetch_timeout", "fetch_budget_exceeded"})

    def __init__(self, code: str, detail: str, *, transient: bool | None = None) -> None:
        super().__init__(code, detail)
        self.transient = code in self._TRANSIENT if transient is None else transient


class DidResolutionError(VerifierError):
    """A DID that does not resolve, or a verification method the DID document does not
    list for the purpose (DID Core 1.0, sections 5.3 and 7.1)."""

    titles: ClassVar[Mapping[str, str]] = {
        "did_invalid": "Invalid DID or DID URL",
        "did_unsupported_method": "Unsupported DID method",
        "did_not_found": "The DID document could not be retrieved",
        "did_unreachable": "The DID document could not be fetched just now",
        "did_document_invalid": "Invalid DID document",
        "verification_method_not_found": "Verification method not in the DID document",
        "verification_method_not_authorized": "Verification method not authorized for the purpose",
        "controller_mismatch": "The key does not belong to the issuer",
    }


class JoseError(VerifierError):
    """A JOSE-secured credential that cannot be read or whose JWS does not verify
    (VC-JOSE-COSE section 3; VC Data Model 1.1 section 6.3.1; RFC 7515)."""

    titles: ClassVar[Mapping[str, str]] = {
        "jws_malformed": "Malformed JWS",
        "typ_unsupported": "Unsupported JWS typ",
        "payload_invalid": "The JWS payload is not a credential",
        "claims_invalid": "Invalid JWT claims",
        "iss_mismatch": "The iss claim is not the credential's issuer",
        "envelope_unsupported": "Unsupported enveloped credential",
        "kid_missing": "The JWS header has no kid",
        "alg_not_allowed": "JWS algorithm not allowed",
        "alg_key_mismatch": "JWS algorithm does not match the key type",
        "signature_invalid": "The JWS signature does not verify",
    }


class SdJwtError(VerifierError):
    """An SD-JWT or SD-JWT VC (RFC 9901; draft-ietf-oauth-sd-jwt-vc) that cannot be read, whose
    disclosures do not match its digests, or whose key binding JWT does not verify."""

    titles: ClassVar[Mapping[str, str]] = {
        "sd_jwt_malformed": "Malformed SD-JWT",
        "disclosure_invalid": "Invalid disclosure",
        "disclosure_duplicate": "A disclosure or digest appears twice",
        "disclosure_unreferenced": "A disclosure whose digest the SD-JWT does not contain",
        "sd_alg_unsupported": "Unsupported _sd_alg",
        "claim_conflict": "A disclosed claim name is reserved or present already",
        "typ_unsupported": "Unsupported typ",
        "claims_invalid": "Invalid JWT claims",
        "key_binding_missing": "Key binding JWT required but absent",
        "key_binding_invalid": "The key binding JWT does not verify",
        "cnf_missing": "A key binding JWT but no cnf holder key",
    }


class TokenStatusListError(VerifierError):
    """A Token Status List token (draft-ietf-oauth-status-list, sections 4-5) that cannot be
    read or does not fit the referenced status."""

    titles: ClassVar[Mapping[str, str]] = {
        "status_list_token_malformed": "Malformed status list token",
        "status_list_token_mismatch": "The status list token is for another URI",
        "status_list_token_expired": "The status list token has expired",
        "status_index_out_of_range": "Status list index outside the list",
    }


class CredentialFormatError(VerifierError):
    """Input that is not a credential in any form the verifier reads, or that breaks the
    W3C VC Data Model (2.0 section 4; 1.1 section 4)."""

    titles: ClassVar[Mapping[str, str]] = {
        "format_unrecognized": "Not a verifiable credential",
        "data_model_invalid": "The credential breaks the VC data model",
        "nesting_too_deep": "The credential is nested too deeply",
        "pdf_unreadable": "The PDF cannot be read",
    }
