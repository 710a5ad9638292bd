"""Authentication: the principal behind a bearer token (the admin token or an institution API
key), with constant-time comparisons throughout."""

from __future__ import annotations

import hmac
import logging

from app.errors import Unauthorized
from app.persistence.uow import UowFactory
from app.services.api_keys import api_key_prefix, hash_secret
from app.services.principal import Principal

__all__ = ["Authenticator"]

log = logging.getLogger("microcred.auth")


class Authenticator:
    def __init__(self, uow_factory: UowFactory, *, admin_token: str) -> None:
        self._uow = uow_factory
        self._admin_token_hash = hash_secret(admin_token)

    def authenticate(self, token: str | None) -> Principal:
        """The principal behind ``token``; :class:`Unauthorized` for anything else."""
        if not token:
            log.info("authentication failed", extra={"reason": "no bearer token"})
            raise Unauthorized("send 'Authorization: Bearer <admin token or API key>'")
        if hmac.compare_digest(hash_secret(token), self._admin_token_hash):
            return Principal.admin()
        prefix = api_key_prefix(token)
        if prefix is not None:
            with self._uow(read_only=True) as uow:
                found = uow.api_keys.by_prefix_with_institution(prefix)
                if found is not None:
                    row, institution = found
                    if not hmac.compare_digest(row.secret_hash, hash_secret(token)):
                        reason = "wrong secret for this API key prefix"
                    elif row.revoked_at is not None:
                        reason = "revoked API key"
                    else:
                        return Principal("institution", institution.id, institution.slug, row.id)
                else:
                    reason = "unknown API key prefix"
            log.warning("authentication failed", extra={"reason": reason, "key_prefix": prefix})
        else:
            log.warning(
                "authentication failed", extra={"reason": "not an API key or the admin token"}
            )
        raise Unauthorized("the bearer token is not a valid admin token or API key")
