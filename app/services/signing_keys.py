"""Institutions' signing keys: the first key, rotation (the old key stays published, so what it
signed keeps verifying), withdrawal of a compromised key (it leaves the DID document, so what
it signed fails), and the signer of the active key.

Private keys are generated and sealed in :mod:`keys` under the master key, with the key row's id
as associated data; an opened key is kept per key id (a sealed key never changes), and dropped
when its key is withdrawn.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import keys
from app.errors import Conflict, NotFound, ServiceUnavailable
from app.persistence.models import Institution, SigningKey, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.issuing_cache import IssuingCache
from app.services.lookups import require_institution

__all__ = ["KEY_TYPES", "KeyInfo", "SealedKeysDoNotOpen", "SigningKeyService"]

KEY_TYPES = {"ed25519": keys.ED25519, "p256": keys.P256}
_SIGNER_CACHE_SIZE = 1024
log = logging.getLogger("microcred.keys")


class SealedKeysDoNotOpen(ServiceUnavailable):
    """The master key does not open the institutions' active signing keys: the service would
    answer but could not sign. ``unopened`` of ``total`` active keys fail."""

    def __init__(self, unopened: int, total: int) -> None:
        super().__init__(
            f"{unopened} of the {total} active signing keys do not open with this master key: "
            "nothing can be signed",
            code="sealed_keys_do_not_open",
        )
        self.unopened = unopened
        self.total = total


@dataclass(frozen=True)
class KeyInfo:
    id: str
    verification_method: str
    key_type: str
    public_key_multibase: str
    state: str
    created_at: datetime
    retired_at: datetime | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, institution: Institution, row: SigningKey) -> KeyInfo:
        return cls(
            id=row.id,
            verification_method=f"{institution.did}#{row.fragment}",
            key_type=row.key_type,
            public_key_multibase=row.public_key_multibase,
            state=row.state,
            created_at=row.created_at,
            retired_at=row.retired_at,
            withdrawn_at=row.withdrawn_at,
        )


class SigningKeyService:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        master_key: bytes,
        clock: Callable[[], datetime] = utcnow,
        cache: IssuingCache | None = None,
    ) -> None:
        self._uow = uow_factory
        self._master_key = master_key
        self._clock = clock
        self._cache = cache or IssuingCache()
        self._signers: dict[str, keys.Signer] = {}
        self._opened: set[str] = set()
        self._lock = threading.Lock()

    def check_active_keys(self) -> int:
        """Check that the master key opens every active signing key; the number checked, or
        :class:`SealedKeysDoNotOpen`. A key that opened once is not opened again (a sealed
        key never changes), so the health check stays cheap."""
        with self._uow(read_only=True) as uow:
            active = uow.signing_keys.active_sealed()
        with self._lock:
            known = self._opened | self._signers.keys()
        unopened = 0
        for key_id, sealed in active:
            if key_id in known:
                continue
            if keys.key_opens(sealed, self._master_key, key_id.encode()):
                with self._lock:
                    if len(self._opened) >= _SIGNER_CACHE_SIZE:
                        self._opened.clear()
                    self._opened.add(key_id)
            else:
                unopened += 1
        if unopened:
            raise SealedKeysDoNotOpen(unopened, len(active))
        return len(active)

    # -- keys ----------------------------------------------------------------------------

    def new_key(self, key_type: str) -> tuple[str, keys.SealedKey]:
        """A fresh key of ``key_type`` (``ed25519`` or ``p256``), sealed for the row id."""
        key_id = str(uuid.uuid4())
        sealed = keys.generate_sealed_key(KEY_TYPES[key_type], self._master_key, key_id.encode())
        return key_id, sealed

    def add_active(
        self,
        uow: UnitOfWork,
        institution: Institution,
        key_id: str,
        sealed: keys.SealedKey,
        fragment: str,
    ) -> SigningKey:
        """Store ``sealed`` as ``institution``'s active key (in the caller's transaction)."""
        row = SigningKey(
            id=key_id,
            institution_id=institution.id,
            fragment=fragment,
            key_type=sealed.public_key.key_type,
            public_key_multibase=sealed.public_key.multibase,
            sealed_private=sealed.sealed,
            state="active",
            created_at=self._clock(),
        )
        uow.signing_keys.add(row)
        return row

    def rotate(self, slug: str, *, actor: str) -> None:
        """Retire the active key (it stays in the DID document) and make a new active key."""
        with self._uow() as uow:
            institution = require_institution(uow, slug, for_update=True)
            if institution.did_method == "key":
                raise Conflict(
                    "a did:key identifier is its key: rotating would change the DID; "
                    "use did:web for institutions that rotate keys",
                    code="did_key_cannot_rotate",
                )
            new = self._rotate(uow, institution, actor)
            uow.commit()
        self._cache.forget_institution(institution.id)
        log.info(
            "signing key rotated",
            extra={"institution": slug, "key_id": new.id, "fragment": new.fragment},
        )

    def withdraw(self, slug: str, key_id: str, *, actor: str) -> None:
        """Withdraw a compromised key (by id or fragment): it leaves the DID document, so what
        it signed fails. Withdrawing the active key also makes a new active key, so the
        institution can go on issuing."""
        with self._uow() as uow:
            institution = require_institution(uow, slug, for_update=True)
            key = uow.signing_keys.get(institution.id, key_id)
            if key is None:
                raise NotFound(f"institution {slug!r} has no key {key_id!r}")
            if institution.did_method == "key":
                raise Conflict(
                    "a did:key document is derived from the key and cannot drop it",
                    code="did_key_cannot_withdraw",
                )
            if key.state == "withdrawn":
                raise Conflict(f"key {key_id!r} is withdrawn already")
            if key.state == "active":
                self._rotate(uow, institution, actor)
            key.state = "withdrawn"
            key.withdrawn_at = self._clock()
            # Status lists signed with the withdrawn key must be signed again.
            uow.status_lists.invalidate_signatures(institution.id)
            uow.events.record(institution.id, "key.withdrawn", key.id, actor, self._clock())
            uow.flush()
            uow.commit()
        self._cache.forget_institution(institution.id)
        with self._lock:
            self._signers.pop(key.id, None)
        log.warning(
            "signing key withdrawn",
            extra={"institution": slug, "key_id": key.id, "fragment": key.fragment},
        )

    def _rotate(self, uow: UnitOfWork, institution: Institution, actor: str) -> SigningKey:
        current = uow.signing_keys.active_for(institution.id)
        if current is not None:
            current.state = "retired"
            current.retired_at = self._clock()
            uow.flush()
        count = len(uow.signing_keys.for_institution(institution.id))
        key_id, sealed = self.new_key(institution.key_type)
        row = self.add_active(uow, institution, key_id, sealed, f"key-{count + 1}")
        uow.events.record(
            institution.id, "key.rotated", key_id, actor, self._clock(), {"fragment": row.fragment}
        )
        uow.flush()
        return row

    # -- signing -------------------------------------------------------------------------

    def signer(self, slug: str) -> keys.Signer:
        """A signer over the institution's active key."""
        with self._uow(read_only=True) as uow:
            return self.active_signer(uow, require_institution(uow, slug))

    def active_signer(self, uow: UnitOfWork, institution: Institution) -> keys.Signer:
        """The signer of ``institution``'s active key, read in the caller's unit of work.

        The key row is read every time (a rotation or withdrawal applies at once); the opened
        key is kept per key id, since a sealed key never changes.
        """
        return self.active_key(uow, institution)[1]

    def active_key(self, uow: UnitOfWork, institution: Institution) -> tuple[str, keys.Signer]:
        """The id of ``institution``'s active key and its signer (see :meth:`active_signer`)."""
        key = uow.signing_keys.active_for(institution.id)
        if key is None:
            raise Conflict(f"institution {institution.slug!r} has no active signing key")
        with self._lock:
            signer = self._signers.get(key.id)
        if signer is None:
            signer = keys.open_signer(
                key.sealed_private,
                self._master_key,
                key.id.encode(),
                f"{institution.did}#{key.fragment}",
            )
            with self._lock:
                if len(self._signers) >= _SIGNER_CACHE_SIZE:
                    self._signers.clear()
                self._signers[key.id] = signer
        return key.id, signer
