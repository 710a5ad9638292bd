"""Errors raised by the ``issuer`` package.

Exception tree::

    IssuerError                root; every error carries ``code``, ``title`` and ``detail``
    └── ProofCreationError     a Data Integrity proof that cannot be created (VC Data
                               Integrity 1.0, section 4.2): codes ``proof_exists``,
                               ``naive_datetime``, ``unsupported_key_type``

A document the issuer cannot represent faithfully in JSON-LD (an undefined term, an unknown
context) raises :class:`verifier.JsonLdError` from the canonicalization the verifier defines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from verifier.errors import CodedError


class IssuerError(CodedError):
    """Root of the errors of the ``issuer`` package (``code``, ``title``, ``detail``)."""

    titles: ClassVar[Mapping[str, str]] = {"issuer_error": "Issuance error"}


class ProofCreationError(IssuerError):
    """The document or the signer cannot take a Data Integrity proof."""

    titles: ClassVar[Mapping[str, str]] = {
        "proof_exists": "The document already has a proof",
        "naive_datetime": "A proof time without a time zone",
        "unsupported_key_type": "No cryptosuite for this key type",
    }
