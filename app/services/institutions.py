"""Use cases of institutions: onboarding, signing keys (rotate, withdraw), API keys, DIDs.

Each public method is one transaction through a :class:`~app.uow.UnitOfWork`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pycountry
from sqlalchemy.exc import IntegrityError

import keys
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from app.models import ApiKey, Event, Institution, SigningKey, utcnow
from app.uow import UnitOfWork, UowFactory

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_API_KEY_RE = re.compile(r"^mc_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
KEY_TYPES = {"ed25519": keys.ED25519, "p256": keys.P256}
DID_METHODS = ("web", "key")
_SIGNER_CACHE_SIZE = 1024


@dataclass(frozen=True)
class NewInstitution:
    slug: str
    name: str
    country: str
    legal_id: str
    did_method: str = "web"
    key_type: str = "ed25519"
    homepage: str | None = None


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


@dataclass(frozen=True)
class InstitutionInfo:
    slug: str
    name: str
    country: str
    legal_id: str
    homepage: str | None
    did: str
    did_method: str
    key_type: str
    created_at: datetime
    did_document_url: str
    keys: tuple[KeyInfo, ...]


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the operator (admin) or one institution through one of its API keys."""

    kind: str  # "admin" | "institution"
    institution_id: int | None = None
    institution_slug: str | None = None
    api_key_id: str | None = None
    via: str | None = None  # who acts for the institution when it is not an API key

    @property
    def actor(self) -> str:
        if self.via is not None:
            return self.via
        return "admin" if self.kind == "admin" else f"api-key:{self.api_key_id}"

    def require_admin(self) -> None:
        if self.kind != "admin":
            raise Forbidden("this operation needs the admin token")

    def require_institution(self) -> None:
        if self.kind != "institution":
            raise Forbidden("this operation needs an institution API key, not the admin token")

    def require_institution_or_admin(self, slug: str) -> None:
        if self.kind != "admin" and self.institution_slug != slug:
            raise Forbidden("this API key belongs to another institution")


def _hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InstitutionService:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        base_url: str,
        master_key: bytes,
        admin_token: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._base_url = base_url.rstrip("/")
        self._master_key = master_key
        self._admin_token_hash = _hash_secret(admin_token)
        self._clock = clock
        self._signers: dict[str, keys.Signer] = {}

    # -- authentication ------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Principal:
        """The principal behind a bearer token; constant-time comparisons throughout."""
        if not token:
            raise Unauthorized("send 'Authorization: Bearer <admin token or API key>'")
        if hmac.compare_digest(_hash_secret(token), self._admin_token_hash):
            return Principal("admin")
        match = _API_KEY_RE.match(token)
        if match:
            with self._uow(read_only=True) as uow:
                found = uow.api_keys.by_prefix_with_institution(match.group(1))
                if found is not None:
                    row, institution = found
                    if hmac.compare_digest(row.secret_hash, _hash_secret(token)) and (
                        row.revoked_at is None
                    ):
                        return Principal("institution", institution.id, institution.slug, row.id)
        raise Unauthorized("the bearer token is not a valid admin token or API key")

    # -- institutions ----------------------------------------------------------------------

    def create(self, new: NewInstitution, *, actor: str) -> tuple[InstitutionInfo, str]:
        """Create an institution with its first signing key and first API key.

        Returns the institution and the API key in clear, which is never shown again.
        """
        self._validate(new)
        key_type = KEY_TYPES[new.key_type]
        with self._uow() as uow:
            if uow.institutions.by_slug(new.slug) is not None:
                raise Conflict(f"an institution with slug {new.slug!r} exists already")
            key_id = str(uuid.uuid4())
            sealed = keys.generate_sealed_key(key_type, self._master_key, key_id.encode())
            if new.did_method == "web":
                did = keys.did_web(self._base_url, "institutions", new.slug)
                fragment = "key-1"
            else:
                did = keys.did_key(sealed.public_key)
                fragment = sealed.public_key.multibase
            institution = Institution(
                slug=new.slug,
                name=new.name,
                country=new.country.upper(),
                legal_id=new.legal_id,
                homepage=new.homepage,
                did_method=new.did_method,
                key_type=new.key_type,
                did=did,
                created_at=self._clock(),
            )
            uow.institutions.add(institution)
            try:
                uow.flush()
            except IntegrityError as exc:
                raise Conflict(f"an institution with slug {new.slug!r} exists already") from exc
            uow.signing_keys.add(
                SigningKey(
                    id=key_id,
                    institution_id=institution.id,
                    fragment=fragment,
                    key_type=key_type,
                    public_key_multibase=sealed.public_key.multibase,
                    sealed_private=sealed.sealed,
                    state="active",
                    created_at=self._clock(),
                )
            )
            api_key, token = self._new_api_key(institution.id, "initial")
            uow.api_keys.add(api_key)
            self._event(uow, institution.id, "institution.created", new.slug, actor, {"did": did})
            self._event(uow, institution.id, "key.created", key_id, actor, {"fragment": fragment})
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        return info, token

    def get(self, slug: str) -> InstitutionInfo:
        with self._uow(read_only=True) as uow:
            return self._info(uow, self._require(uow, slug))

    def list_institutions(self) -> list[InstitutionInfo]:
        with self._uow(read_only=True) as uow:
            return [self._info(uow, i) for i in uow.institutions.ordered_by_slug()]

    def events(self, slug: str) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            institution = self._require(uow, slug)
            return [
                {"kind": e.kind, "subject": e.subject, "actor": e.actor, "at": e.at, "data": e.data}
                for e in uow.events.for_institution(institution.id)
            ]

    # -- signing keys ----------------------------------------------------------------------

    def rotate_key(self, slug: str, *, actor: str) -> InstitutionInfo:
        """Retire the active key (it stays in the DID document) and make a new active key."""
        with self._uow() as uow:
            institution = self._require(uow, slug, for_update=True)
            if institution.did_method == "key":
                raise Conflict(
                    "a did:key identifier is its key: rotating would change the DID; "
                    "use did:web for institutions that rotate keys",
                    code="did_key_cannot_rotate",
                )
            self._rotate(uow, institution, actor)
            info = self._info(uow, institution)
            uow.commit()
        return info

    def withdraw_key(self, slug: str, key_id: str, *, actor: str) -> InstitutionInfo:
        """Withdraw a compromised key: it leaves the DID document, so what it signed fails.

        Withdrawing the active key also makes a new active key, so the institution can go on
        issuing.
        """
        with self._uow() as uow:
            institution = self._require(uow, slug, for_update=True)
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
            self._signers.pop(key.id, None)
            # Status lists signed with the withdrawn key must be signed again.
            uow.status_lists.invalidate_signatures(institution.id)
            self._event(uow, institution.id, "key.withdrawn", key.id, actor, {})
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        return info

    def signer(self, slug: str) -> keys.Signer:
        """A signer over the institution's active key (opened from its sealed form)."""
        with self._uow(read_only=True) as uow:
            return self.active_signer(uow, self._require(uow, slug))

    def active_signer(self, uow: UnitOfWork, institution: Institution) -> keys.Signer:
        """The signer of ``institution``'s active key, read in the caller's unit of work.

        The key row is read every time (a rotation or withdrawal applies at once); the opened
        key is kept per key id, since a sealed key never changes.
        """
        key = uow.signing_keys.active_for(institution.id)
        if key is None:
            raise Conflict(f"institution {institution.slug!r} has no active signing key")
        signer = self._signers.get(key.id)
        if signer is None:
            if len(self._signers) >= _SIGNER_CACHE_SIZE:
                self._signers.clear()
            signer = keys.open_signer(
                key.sealed_private,
                self._master_key,
                key.id.encode(),
                f"{institution.did}#{key.fragment}",
            )
            self._signers[key.id] = signer
        return signer

    # -- API keys ----------------------------------------------------------------------------

    def create_api_key(self, slug: str, label: str | None, *, actor: str) -> tuple[ApiKeyInfo, str]:
        with self._uow() as uow:
            institution = self._require(uow, slug)
            row, token = self._new_api_key(institution.id, label)
            uow.api_keys.add(row)
            self._event(uow, institution.id, "api_key.created", row.id, actor, {})
            uow.flush()
            info = _api_key_info(row)
            uow.commit()
        return info, token

    def list_api_keys(self, slug: str) -> list[ApiKeyInfo]:
        with self._uow(read_only=True) as uow:
            institution = self._require(uow, slug)
            return [_api_key_info(r) for r in uow.api_keys.for_institution(institution.id)]

    def revoke_api_key(self, slug: str, api_key_id: str, *, actor: str) -> ApiKeyInfo:
        with self._uow() as uow:
            institution = self._require(uow, slug)
            row = uow.api_keys.get(institution.id, api_key_id)
            if row is None:
                raise NotFound(f"institution {slug!r} has no API key {api_key_id!r}")
            if row.revoked_at is None:
                row.revoked_at = self._clock()
                self._event(uow, institution.id, "api_key.revoked", row.id, actor, {})
            uow.flush()
            info = _api_key_info(row)
            uow.commit()
        return info

    # -- public documents ----------------------------------------------------------------

    def did_document(self, slug: str) -> dict[str, Any]:
        """The DID document: every key that is not withdrawn, the active key first."""
        with self._uow(read_only=True) as uow:
            institution = self._require(uow, slug)
            if institution.did_method == "key":
                return keys.did_key_document(institution.did)
            published = self._published_keys(uow, institution)
            return keys.did_document(
                institution.did,
                [
                    (k.fragment, keys.public_key_from_multibase(k.public_key_multibase))
                    for k in published
                ],
            )

    def jwks(self, slug: str) -> dict[str, Any]:
        """The published keys as a JWK Set (RFC 7517, section 5); ``kid`` is the DID URL."""
        with self._uow(read_only=True) as uow:
            institution = self._require(uow, slug)
            jwks = []
            for k in self._published_keys(uow, institution):
                public = keys.public_key_from_multibase(k.public_key_multibase)
                jwk = keys.public_jwk(public, kid=f"{institution.did}#{k.fragment}")
                jwk.update({"alg": public.jws_algorithm, "use": "sig"})
                jwks.append(jwk)
            return {"keys": jwks}

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _published_keys(uow: UnitOfWork, institution: Institution) -> list[SigningKey]:
        rows = uow.signing_keys.for_institution(institution.id)
        order = {"active": 0, "retired": 1}
        return sorted(
            (k for k in rows if k.state != "withdrawn"), key=lambda k: order.get(k.state, 2)
        )

    def _rotate(self, uow: UnitOfWork, institution: Institution, actor: str) -> SigningKey:
        current = uow.signing_keys.active_for(institution.id)
        if current is not None:
            current.state = "retired"
            current.retired_at = self._clock()
            uow.flush()
        count = len(uow.signing_keys.for_institution(institution.id))
        key_id = str(uuid.uuid4())
        key_type = KEY_TYPES[institution.key_type]
        sealed = keys.generate_sealed_key(key_type, self._master_key, key_id.encode())
        row = SigningKey(
            id=key_id,
            institution_id=institution.id,
            fragment=f"key-{count + 1}",
            key_type=key_type,
            public_key_multibase=sealed.public_key.multibase,
            sealed_private=sealed.sealed,
            state="active",
            created_at=self._clock(),
        )
        uow.signing_keys.add(row)
        self._event(uow, institution.id, "key.rotated", key_id, actor, {"fragment": row.fragment})
        uow.flush()
        return row

    def _require(self, uow: UnitOfWork, slug: str, *, for_update: bool = False) -> Institution:
        institution = uow.institutions.by_slug(slug, for_update=for_update)
        if institution is None:
            raise NotFound(f"no institution with slug {slug!r}")
        return institution

    def _new_api_key(self, institution_id: int, label: str | None) -> tuple[ApiKey, str]:
        prefix = secrets.token_hex(6)
        token = f"mc_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(
            id=str(uuid.uuid4()),
            institution_id=institution_id,
            prefix=prefix,
            secret_hash=_hash_secret(token),
            label=label,
            created_at=self._clock(),
        )
        return row, token

    def _event(
        self,
        uow: UnitOfWork,
        institution_id: int,
        kind: str,
        subject: str,
        actor: str,
        data: dict[str, Any],
    ) -> None:
        uow.events.add(
            Event(
                institution_id=institution_id,
                kind=kind,
                subject=subject,
                actor=actor,
                at=self._clock(),
                data=data,
            )
        )

    def _info(self, uow: UnitOfWork, institution: Institution) -> InstitutionInfo:
        rows = uow.signing_keys.for_institution(institution.id)
        return InstitutionInfo(
            slug=institution.slug,
            name=institution.name,
            country=institution.country,
            legal_id=institution.legal_id,
            homepage=institution.homepage,
            did=institution.did,
            did_method=institution.did_method,
            key_type=institution.key_type,
            created_at=institution.created_at,
            did_document_url=f"{self._base_url}/institutions/{institution.slug}/did.json",
            keys=tuple(
                KeyInfo(
                    id=k.id,
                    verification_method=f"{institution.did}#{k.fragment}",
                    key_type=k.key_type,
                    public_key_multibase=k.public_key_multibase,
                    state=k.state,
                    created_at=k.created_at,
                    retired_at=k.retired_at,
                    withdrawn_at=k.withdrawn_at,
                )
                for k in rows
            ),
        )

    @staticmethod
    def _validate(new: NewInstitution) -> None:
        if not _SLUG_RE.match(new.slug):
            raise Unprocessable.field(
                "slug", "use 1-63 lower-case letters, digits and inner hyphens"
            )
        if not new.name.strip():
            raise Unprocessable.field("name", "must not be empty")
        if not new.legal_id.strip():
            raise Unprocessable.field("legal_id", "must not be empty")
        if pycountry.countries.get(alpha_2=new.country.upper()) is None or len(new.country) != 2:
            raise Unprocessable.field(
                "country", f"{new.country!r} is not an ISO 3166-1 alpha-2 code"
            )
        if new.did_method not in DID_METHODS:
            raise Unprocessable.field("did_method", "must be 'web' or 'key'")
        if new.key_type not in KEY_TYPES:
            raise Unprocessable.field("key_type", "must be 'ed25519' or 'p256'")
        if new.homepage is not None and not new.homepage.startswith(("https://", "http://")):
            raise Unprocessable.field("homepage", "must be an http(s) URL")


def _api_key_info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.prefix, row.label, row.created_at, row.revoked_at)
