"""Use cases of credential status: W3C Bitstring Status Lists (v1.0) per institution.

- Allocation: each credential gets one index in a revocation list and one in a suspension
  list (an EDC-profile credential only the first: the EDC shapes allow one status entry, so
  suspending one is a 409 ``suspension_not_available``). The n-th allocation of a list
  takes the n-th value of a keyed pseudorandom permutation, so indexes reveal nothing about
  issuance order and never repeat. A process reserves a block of counter values at a time
  with one atomic ``UPDATE status_list SET allocated = allocated + n ... RETURNING`` and
  hands them out from memory (under a lock: threads share the block), so most issuances
  cost the database nothing here. ``allocated`` therefore counts the values reserved, not
  the values used: a block a process did not use up before it stopped (a restart, a crash)
  only leaves indexes no credential carries, which is harmless. Opening a list (the first, or
  the next when one is full) locks the institution row, so racing processes share one list;
  a unique constraint on (list, index) backs it all up.
- Changes: revoke (final), suspend, reinstate. One transaction locks the credential and the
  list, flips the bit, bumps the list's version and records the event.
- Publication: the signed list credential is kept with the version it was signed at; a read
  that finds the list changed signs it again (once) and keeps that. Reads of an unchanged list
  cost one small query, and ``If-None-Match`` answers 304 without the body.
- The IETF Token Status List (:meth:`StatusService.published_token`): each revocation list is
  also served as a ``statuslist+jwt`` with 2 bits per entry, at the credential's revocation
  index: 0 valid, 1 revoked (the revocation bit), 2 suspended (the credential's status, whose
  own suspension bit sits in another list at another index). It reads the same state, so a
  revocation or suspension shows in both formats at once. Its fingerprint (the list's
  version, the suspended indexes, the signing key) is the ETag; the signed token is kept per
  process and signed again only when the fingerprint changes or the token is half-way to its
  ``exp`` (no column of its own: no migration).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.documents.messages import PUBLIC_REASONS
from app.errors import Conflict, NotFound, Unprocessable
from app.http.negotiation import preferred_media_type
from app.http.urls import STATUS_LIST_ID, PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import Credential, Institution, StatusList, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.lookups import require_credential
from app.services.principal import Principal
from app.services.signing_keys import SigningKeyService
from issuer.data_integrity import add_proof
from issuer.status_list import bitstring_status_list_credential, permuted_index
from issuer.token_status_list import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    pack_statuses,
    status_list_token,
)
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import DocumentLoader
from verifier.status_list import MIN_LIST_SIZE, PURPOSES, get_bit, set_bit, status_entry
from verifier.token_status_list import MEDIA_TYPE as TOKEN_STATUS_LIST_TYPE

#: Counter values reserved per list at a time by one process (a chunk reserves at least as
#: many as it needs at once).
DEFAULT_BLOCK_SIZE = 64


@dataclass(frozen=True)
class Action:
    """A status change: the purpose of the list it changes, the bit it sets there, the
    credential's status afterwards, the event it records, and what the API says of it."""

    purpose: str
    bit: bool
    status: str
    event: str
    summary: str


ACTIONS: dict[str, Action] = {
    "revoke": Action(
        "revocation", True, "revoked", "credential.revoked",
        "Revoke a credential: final; its bit in the revocation list is set.",
    ),
    "suspend": Action(
        "suspension", True, "suspended", "credential.suspended",
        "Suspend a credential until it is reinstated.",
    ),
    "reinstate": Action(
        "suspension", False, "active", "credential.reinstated", "Lift a suspension."
    ),
}  # fmt: skip


log = logging.getLogger("microcred.status")

#: The forms a status list credential is published in, JSON-LD first (the default): served
#: as ``application/vc`` (VC 2.0 section 6.3) or ``application/vc+jwt``.
STATUS_LIST_TYPES = ("application/vc", "application/vc+jwt")
#: What a client may ask for: the JSON-LD form also by its older names.
_ACCEPTED_TYPES = ("application/vc", "application/vc+ld+json", "application/ld+json",
                   "application/vc+jwt")  # fmt: skip


def list_format(accept: str | None) -> str:
    """``jwt`` when the client prefers the JWT form of a status list, else ``ld``."""
    return "jwt" if preferred_media_type(accept, _ACCEPTED_TYPES) == STATUS_LIST_TYPES[1] else "ld"


#: How long a Token Status List token is valid (``exp``); it is signed again half-way.
TOKEN_VALIDITY = timedelta(days=1)


@dataclass(frozen=True)
class _SignedToken:
    fingerprint: str
    token: str
    signed_at: datetime


@dataclass(frozen=True)
class StatusSlot:
    list_id: int
    purpose: str
    index: int
    list_url: str

    def entry(self) -> dict[str, Any]:
        return status_entry(self.list_url, self.index, self.purpose)


@dataclass
class _Block:
    """Counter values ``next`` to ``end`` (excluded) of one list, reserved by this process."""

    list_id: int
    list_url: str
    permutation_key: bytes
    size: int
    next: int
    end: int

    def take(self, count: int) -> list[int]:
        """Up to ``count`` indexes from the block (fewer when it runs out)."""
        counters = range(self.next, min(self.end, self.next + count))
        self.next = counters.stop
        return [permuted_index(self.permutation_key, c, self.size) for c in counters]


@dataclass(frozen=True)
class PublishedList:
    """A signed list to send; ``body`` is None when the client's ETag matches (304)."""

    body: bytes | None
    etag: str
    media_type: str


class StatusService:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        *,
        urls: PublicUrls,
        metrics: Metrics,
        document_loader: DocumentLoader,
        list_size: int = MIN_LIST_SIZE,
        block_size: int = DEFAULT_BLOCK_SIZE,
        token_ttl: int = 60,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``token_ttl``: the ``ttl`` (seconds) of the Token Status List tokens."""
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._urls = urls
        self._metrics = metrics
        self._loader = document_loader
        self._list_size = list_size
        self._block_size = max(1, block_size)
        self._clock = clock
        self._blocks: dict[tuple[int, str], _Block] = {}
        self._blocks_lock = threading.Lock()
        self._tokens: dict[int, _SignedToken] = {}
        self._tokens_lock = threading.Lock()
        self._token_ttl = token_ttl

    # -- allocation ----------------------------------------------------------------------

    def allocate(self, institution_id: int) -> tuple[StatusSlot, ...]:
        """One index in each of the institution's open lists (revocation, suspension)."""
        return self.allocate_many(institution_id, 1)[0]

    def allocate_many(
        self,
        institution_id: int,
        count: int,
        *,
        purposes: Sequence[Sequence[str]] | None = None,
    ) -> list[tuple[StatusSlot, ...]]:
        """``count`` credentials' worth of indexes: one per purpose each, or per credential
        those of ``purposes`` (an EDC credential has a revocation entry only, the one
        ``credentialStatus`` the EDC shapes allow). They come from this process's reserved
        blocks; the database is asked only when a block runs out (one ``UPDATE ... RETURNING``,
        no read-modify-write cycle and no lock held afterwards)."""
        wanted = [tuple(p) for p in purposes] if purposes is not None else [PURPOSES] * count
        slots: list[list[StatusSlot]] = [[] for _ in wanted]
        for purpose in PURPOSES:
            numbers = [n for n, item in enumerate(wanted) if purpose in item]
            if not numbers:
                continue
            taken = self._take(institution_id, purpose, len(numbers))
            for number, slot in zip(numbers, taken, strict=True):
                slots[number].append(slot)
        return [tuple(s) for s in slots]

    def _take(self, institution_id: int, purpose: str, count: int) -> list[StatusSlot]:
        """``count`` slots of ``purpose``, in order, reserving blocks as needed."""
        taken: list[StatusSlot] = []
        with self._blocks_lock:
            while len(taken) < count:
                block = self._blocks.get((institution_id, purpose))
                if block is None or block.next >= block.end:
                    block = self._reserve(institution_id, purpose, count - len(taken), block)
                    self._blocks[(institution_id, purpose)] = block
                taken += [
                    StatusSlot(block.list_id, purpose, index, block.list_url)
                    for index in block.take(count - len(taken))
                ]
        return taken

    def _reserve(
        self, institution_id: int, purpose: str, needed: int, spent: _Block | None
    ) -> _Block:
        """A new block of at least ``needed`` values (fewer only at the end of a list): first
        from the list this process used last, with one atomic statement; else from the open
        list, or a new one, with the institution locked."""
        wanted = max(needed, self._block_size)
        if spent is not None:
            with self._uow() as uow:
                for n in (wanted, needed):
                    reserved = uow.status_lists.reserve(spent.list_id, n)
                    if reserved is not None:
                        uow.commit()
                        return _Block(
                            spent.list_id,
                            spent.list_url,
                            spent.permutation_key,
                            spent.size,
                            reserved - n,
                            reserved,
                        )
        with self._uow() as uow:
            # The institution row is the lock: without it, two first allocations (or two at a
            # full list) would each open a list, and a list with one member protects no one.
            institution = uow.institutions.by_id(institution_id, for_update=True)
            assert institution is not None
            status_list = uow.status_lists.open_list(institution.id, purpose)
            if status_list is None:
                status_list = self._new_list(uow, institution, purpose)
            start = status_list.allocated
            end = min(status_list.size, start + wanted)
            status_list.allocated = end
            block = _Block(
                status_list.id,
                self._urls.status_list(institution.slug, status_list.public_id),
                status_list.permutation_key,
                status_list.size,
                start,
                end,
            )
            uow.commit()
        return block

    def _new_list(self, uow: UnitOfWork, institution: Institution, purpose: str) -> StatusList:
        now = self._clock()
        status_list = StatusList(
            public_id=STATUS_LIST_ID.new(),
            institution_id=institution.id,
            purpose=purpose,
            size=self._list_size,
            allocated=0,
            permutation_key=secrets.token_bytes(32),
            bits=bytes(self._list_size // 8),
            version=0,
            created_at=now,
            updated_at=now,
        )
        uow.status_lists.add(status_list)
        uow.flush()
        return status_list

    # -- changes -------------------------------------------------------------------------

    def change(
        self,
        principal: Principal,
        credential_id: str,
        action: str,
        reason: str | None,
        *,
        public_reason: str | None = None,
        public_note: str | None = None,
        reason_public: bool = False,
    ) -> None:
        """Revoke, suspend or reinstate one credential, in one transaction. ``reason`` is the
        institution's own note and stays internal, unless ``reason_public`` (then it is the
        public note, if none is given); ``public_reason`` (one of
        :data:`app.documents.messages.PUBLIC_REASONS`) and ``public_note`` are what the public
        pages show with the date of the change."""
        if public_reason is not None and public_reason not in PUBLIC_REASONS:
            raise Unprocessable.field(
                "public_reason", f"must be one of {', '.join(PUBLIC_REASONS)}"
            )
        if reason_public and reason and not public_note:
            public_note = reason
        data: dict[str, str] = {}
        if reason:
            data["reason"] = reason
        if public_reason:
            data["public_reason"] = public_reason
        if public_note:
            data["public_note"] = public_note
        institution_id = principal.institution()
        change = ACTIONS[action]
        purpose, value = change.purpose, change.bit
        with self._uow() as uow:
            row = require_credential(uow, institution_id, credential_id, for_update=True)
            _check_transition(row, action)
            list_id = row.revocation_list_id if purpose == "revocation" else row.suspension_list_id
            index = row.revocation_index if purpose == "revocation" else row.suspension_index
            if list_id is None and purpose == "suspension" and row.revocation_list_id is not None:
                raise Conflict(
                    "this credential has the EDC profile: the EU's EDC shapes allow one "
                    "credentialStatus, so it carries a revocation entry only and cannot be "
                    "suspended (revoke it, or issue it with the compact profile)",
                    code="suspension_not_available",
                )
            if list_id is None or index is None:
                raise Conflict(
                    "this credential carries no status entry to change", code="no_status_entry"
                )
            status_list = uow.status_lists.get_for_update(list_id)
            assert status_list is not None
            bits = bytearray(status_list.bits)
            if get_bit(bits, index) != value:
                set_bit(bits, index, value)
                status_list.bits = bytes(bits)
                status_list.version += 1
                status_list.updated_at = self._clock()
            row.status = change.status
            uow.events.record(
                row.institution_id, change.event, row.id, principal.actor, self._clock(), data
            )
            uow.commit()
        # The reason is the institution's own words (it may name the learner): not logged.
        log.info(
            "credential status changed",
            extra={"credential_id": credential_id, "institution": principal.institution_slug,
                   "action": action},
        )  # fmt: skip
        self._metrics.status_changes.labels(action).inc()

    def change_by_vc_id(
        self,
        principal: Principal,
        vc_id: str,
        purposes: Sequence[str],
        status: bool,
        reason: str | None,
    ) -> str:
        """The VC API form: set (``status`` true) or clear the bits of ``purposes`` of the
        credential whose ``id`` is ``vc_id``. An unknown credential is a 404 whatever else
        is wrong with the request; then every purpose is checked before anything changes."""
        credential_id = vc_id.removeprefix("urn:uuid:")
        with self._uow(read_only=True) as uow:
            if (
                not vc_id.startswith("urn:uuid:")
                or uow.credentials.get(principal.institution(), credential_id) is None
            ):
                raise NotFound(f"no credential {vc_id!r} in this institution")
        if not purposes:
            raise Unprocessable.field(
                "credentialStatus", "name at least one status entry (its statusPurpose)"
            )
        actions = [_vc_api_action(purpose, status) for purpose in purposes]
        for action in actions:
            self.change(principal, credential_id, action, reason)
        return credential_id

    # -- publication ---------------------------------------------------------------------

    def published(
        self, slug: str, public_id: str, fmt: str, if_none_match: str | None = None
    ) -> PublishedList:
        """The signed list (``fmt`` ``ld`` or ``jwt``), without a body when it is unchanged."""
        media_type = STATUS_LIST_TYPES[1] if fmt == "jwt" else STATUS_LIST_TYPES[0]
        with self._uow(read_only=True) as uow:
            state = uow.status_lists.published_state(slug, public_id)
            if state is None:
                raise NotFound(f"no status list {public_id!r} of {slug!r}")
            etag = f'"{state.public_id}.{state.version}.{fmt}"'
            if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
                return PublishedList(None, etag, media_type)
            body = None
            if state.signed_version == state.version:
                body = uow.status_lists.signed_body(state.id, fmt)
        if body is None:
            body = self._sign(state.id, fmt)
        data = body.encode("ascii") if isinstance(body, str) else body
        return PublishedList(data, etag, media_type)

    def published_token(
        self, slug: str, public_id: str, if_none_match: str | None = None
    ) -> PublishedList:
        """The revocation list ``public_id`` as a signed IETF Token Status List
        (``application/statuslist+jwt``, see the module docstring); without a body when the
        client's ETag matches. A suspension list has no token form (404): a credential's
        ``idx`` is its revocation index."""
        with self._uow(read_only=True) as uow:
            state = uow.status_lists.published_state(slug, public_id)
            if state is None or state.purpose != "revocation":
                raise NotFound(f"no token status list {public_id!r} of {slug!r}")
            suspended = uow.status_lists.suspended_indexes(state.id)
            institution = uow.institutions.by_slug(slug)
            assert institution is not None
            signer = self._signing_keys.active_signer(uow, institution)
            digest = hashlib.sha256(
                f"{state.version}|{signer.id}|{','.join(map(str, suspended))}".encode()
            ).hexdigest()[:32]
            etag = f'"{state.public_id}.{state.version}.token.{digest}"'
            if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
                return PublishedList(None, etag, TOKEN_STATUS_LIST_TYPE)
            now = self._clock()
            with self._tokens_lock:
                kept = self._tokens.get(state.id)
            if (
                kept is not None
                and kept.fingerprint == digest
                and now - kept.signed_at < TOKEN_VALIDITY / 2
            ):
                return PublishedList(kept.token.encode("ascii"), etag, TOKEN_STATUS_LIST_TYPE)
            status_list = uow.status_lists.get(state.id)
            assert status_list is not None
            size, bits = status_list.size, status_list.bits
            issuer = self._urls.institution(slug)
        statuses = {i: STATUS_SUSPENDED for i in suspended}
        for byte_no, byte in enumerate(bits):
            if byte:  # Bitstring order: index 0 is the most significant bit of byte 0
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        statuses[byte_no * 8 + bit] = STATUS_INVALID
        token = status_list_token(
            uri=self._urls.token_status_list(slug, public_id),
            data=pack_statuses(size, statuses),
            signer=signer,
            issued_at=now,
            issuer=issuer,
            valid_for=TOKEN_VALIDITY,
            ttl=timedelta(seconds=self._token_ttl),
        )
        with self._tokens_lock:
            self._tokens[state.id] = _SignedToken(digest, token, now)
        return PublishedList(token.encode("ascii"), etag, TOKEN_STATUS_LIST_TYPE)

    def _sign(self, list_id: int, fmt: str) -> bytes | str:
        with self._uow(read_only=True) as uow:
            status_list = uow.status_lists.get(list_id)
            assert status_list is not None
            institution = uow.institutions.by_id(status_list.institution_id)
            assert institution is not None
            signer = self._signing_keys.active_signer(uow, institution)
            version, bits, purpose = status_list.version, status_list.bits, status_list.purpose
            url = self._urls.status_list(institution.slug, status_list.public_id)
            did = institution.did
        now = self._clock()
        document = bitstring_status_list_credential(
            list_url=url, issuer=did, purpose=purpose, bits=bits, valid_from=now
        )
        signed_json = json.dumps(
            add_proof(document, signer, created=now, loader=self._loader),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        signed_jwt = encode_vc_jwt(document, signer, issued_at=now)
        with self._uow() as uow:
            uow.status_lists.store_signed(list_id, version, signed_json, signed_jwt)
            uow.commit()
        return signed_jwt if fmt == "jwt" else signed_json


def _vc_api_action(purpose: str, status: bool) -> str:
    """The action a VC API status update stands for."""
    if purpose == "revocation":
        if not status:
            raise Conflict("a revocation is final and cannot be undone", code="revoked")
        return "revoke"
    if purpose == "suspension":
        return "suspend" if status else "reinstate"
    raise Unprocessable.field("credentialStatus.statusPurpose", "must be revocation or suspension")


def _check_transition(row: Credential, action: str) -> None:
    if row.status == "revoked":
        raise Conflict("the credential is revoked; revocation is final", code="revoked")
    if action == "suspend" and row.status == "suspended":
        raise Conflict("the credential is suspended already", code="suspended")
    if action == "reinstate" and row.status != "suspended":
        raise Conflict("only a suspended credential can be reinstated", code="not_suspended")
