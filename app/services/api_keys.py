"""Institution API keys: ``mc_<prefix>_<secret>``, shown once when made, stored as a SHA-256
of the whole key and looked up by its 12-hex-digit prefix."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.errors import NotFound
from app.persistence.models import ApiKey, utcnow
from app.persistence.uow import UowFactory
from app.services.lookups import require_institution

__all__ = ["ApiKeyInfo", "ApiKeyService", "api_key_prefix", "hash_secret", "new_api_key"]

_API_KEY = re.compile(r"^mc_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


def hash_secret(token: str) -> str:
    """The stored form of a bearer secret (API key or admin token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def api_key_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed API key, else None."""
    match = _API_KEY.match(token)
    return match.group(1) if match else None


def new_api_key(institution_id: int, label: str | None, now: datetime) -> tuple[ApiKey, str]:
    """A new API key row and the key in clear (to show once)."""
    prefix = secrets.token_hex(6)
    token = f"mc_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=str(uuid.uuid4()),
        institution_id=institution_id,
        prefix=prefix,
        secret_hash=hash_secret(token),
        label=label,
        created_at=now,
    )
    return row, token


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyInfo:
        return cls(row.id, row.prefix, row.label, row.created_at, row.revoked_at)


class ApiKeyService:
    def __init__(self, uow_factory: UowFactory, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    def create(self, slug: str, label: str | None, *, actor: str) -> tuple[ApiKeyInfo, str]:
        """A further API key for ``slug``; returned in clear once."""
        with self._uow() as uow:
            institution = require_institution(uow, slug)
            row, token = new_api_key(institution.id, label, self._clock())
            uow.api_keys.add(row)
            uow.events.record(institution.id, "api_key.created", row.id, actor, self._clock())
            uow.flush()
            info = ApiKeyInfo.of(row)
            uow.commit()
        return info, token

    def list_keys(self, slug: str) -> list[ApiKeyInfo]:
        with self._uow(read_only=True) as uow:
            institution = require_institution(uow, slug)
            return [ApiKeyInfo.of(r) for r in uow.api_keys.for_institution(institution.id)]

    def revoke(self, slug: str, api_key_id: str, *, actor: str) -> ApiKeyInfo:
        with self._uow() as uow:
            institution = require_institution(uow, slug)
            row = uow.api_keys.get(institution.id, api_key_id)
            if row is None:
                raise NotFound(f"institution {slug!r} has no API key {api_key_id!r}")
            if row.revoked_at is None:
                row.revoked_at = self._clock()
                uow.events.record(institution.id, "api_key.revoked", row.id, actor, self._clock())
            uow.flush()
            info = ApiKeyInfo.of(row)
            uow.commit()
        return info
