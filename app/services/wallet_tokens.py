"""Learners' wallet tokens at rest: never stored in clear.

A wallet token (``<base-url>/wallet/<token>``, 192 random bits) is a capability, and the
institution must be able to show it again (``wallet_url`` in the API, the batch results). So
each credential row keeps two things:

- ``wallet_token_hash``: SHA-256 of the token (hex), unique, what a wallet request is looked
  up by. The token has 192 random bits, so the hash needs no key and no salt: nobody can find
  a token from it.
- ``wallet_token_sealed``: the token sealed with AES-256-GCM under the master key
  (:func:`keys.seal`), with the credential's id in the associated data, so it opens only for
  its own row, and only with the master key, which is not in the database.

A copy of the database alone therefore opens no wallet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import keys
from app.http.urls import WALLET_TOKEN
from app.persistence.models import Credential

__all__ = ["WalletTokens", "wallet_token_aad", "wallet_token_digest"]


def wallet_token_digest(token: str) -> str:
    """What a wallet token is stored and looked up as."""
    return hashlib.sha256(token.encode()).hexdigest()


def wallet_token_aad(credential_id: str) -> bytes:
    """The associated data of a credential's sealed wallet token."""
    return f"credential/{credential_id}/wallet_token".encode()


class WalletTokens:
    def __init__(
        self, master_key: bytes, *, token_factory: Callable[[], str] = WALLET_TOKEN.new
    ) -> None:
        self._master_key = master_key
        self._new = token_factory

    def assign(self, row: Credential) -> str:
        """Give ``row`` a new wallet token (its hash and its sealed form); the token."""
        token = self._new()
        row.wallet_token_hash = wallet_token_digest(token)
        row.wallet_token_sealed = keys.seal(
            token.encode(), self._master_key, wallet_token_aad(row.id)
        )
        return token

    def reveal(self, credential_id: str, sealed: bytes) -> str:
        """The wallet token of a credential, to show to its institution."""
        return keys.unseal(sealed, self._master_key, wallet_token_aad(credential_id)).decode()
