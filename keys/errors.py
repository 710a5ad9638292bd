"""Errors raised by the ``keys`` package.

Exception tree::

    KeysError                  root; every error carries ``code`` and ``title``
    ├── UnsupportedKeyType     a key type or algorithm we do not implement
    ├── InvalidKeyEncoding     a Multikey, JWK or did:key string that does not decode
    └── SealError              a sealed private key that cannot be opened (wrong master key,
                               wrong associated data, or tampered ciphertext)
"""

from __future__ import annotations


class KeysError(Exception):
    """Root of the errors of the ``keys`` package."""

    code = "keys_error"
    title = "Key error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UnsupportedKeyType(KeysError):
    code = "unsupported_key_type"
    title = "Unsupported key type"


class InvalidKeyEncoding(KeysError):
    code = "invalid_key_encoding"
    title = "Invalid key encoding"


class SealError(KeysError):
    code = "seal_error"
    title = "Sealed key cannot be opened"
