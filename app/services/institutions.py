"""Use cases of institutions: onboarding (a DID, a first signing key and a first API key),
reading an institution with its keys, and its append-only event log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pycountry
from sqlalchemy.exc import IntegrityError

import keys
from app.documents.branding import (
    IMAGE_KINDS,
    Branding,
    BrandingImage,
    ImageRefused,
    checked_image,
)
from app.documents.summary import RecordedIssuer
from app.errors import Conflict, NotFound, Unprocessable
from app.http.text_input import control_character
from app.http.urls import PublicUrls
from app.persistence.models import Institution, InstitutionImage, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.api_keys import new_api_key
from app.services.issuing_cache import IssuingCache
from app.services.lookups import require_institution
from app.services.signing_keys import KEY_TYPES, KeyInfo, SigningKeyService
from issuer.credential import PROFILES
from issuer.languages import LanguageTagError, canonical_language_tag

__all__ = [
    "DID_METHODS",
    "SLUG_PATTERN",
    "InstitutionInfo",
    "InstitutionService",
    "NewInstitution",
]

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG_PATTERN)
DID_METHODS = ("web", "key")


@dataclass(frozen=True)
class NewInstitution:
    slug: str
    name: str
    country: str
    legal_id: str
    did_method: str = "web"
    key_type: str = "ed25519"
    homepage: str | None = None
    #: BCP 47 tag of the institution's texts: its legal name and plain-text fields.
    language: str = "en"
    #: The credential profile: ``compact`` (today's credential) or ``edc``.
    profile: str = "compact"
    #: Whom to ask about a credential: an e-mail address or an http(s) URL (public pages).
    contact: str | None = None
    #: Whether the public pages show the learner's date of birth.
    show_date_of_birth: bool = False


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
    language: str
    profile: str
    contact: str | None
    show_date_of_birth: bool
    #: Whether learners get their wallet link by e-mail when issued a credential.
    notify_learners: bool
    signatory_name: str | None
    signatory_title: str | None
    place: str | None
    #: The kinds of branding image it has (logo, signature, stamp).
    images: tuple[str, ...]
    created_at: datetime
    did_document_url: str
    keys: tuple[KeyInfo, ...]


class InstitutionService:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        *,
        urls: PublicUrls,
        clock: Callable[[], datetime] = utcnow,
        cache: IssuingCache | None = None,
    ) -> None:
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._urls = urls
        self._clock = clock
        self._cache = cache or IssuingCache()

    def create(self, new: NewInstitution, *, actor: str) -> tuple[InstitutionInfo, str]:
        """Create an institution with its first signing key and first API key.

        Returns the institution and the API key in clear, which is never shown again.
        """
        language = _validate(new)
        with self._uow() as uow:
            if uow.institutions.by_slug(new.slug) is not None:
                raise Conflict(f"an institution with slug {new.slug!r} exists already")
            key_id, sealed = self._signing_keys.new_key(new.key_type)
            if new.did_method == "web":
                did = keys.did_web(self._urls.base, "institutions", new.slug)
                fragment = "key-1"
            else:
                did = keys.did_key(sealed.public_key)
                fragment = sealed.public_key.multibase
            now = self._clock()
            institution = Institution(
                slug=new.slug,
                name=new.name,
                country=new.country.upper(),
                legal_id=new.legal_id,
                homepage=new.homepage,
                did_method=new.did_method,
                key_type=new.key_type,
                did=did,
                language=language,
                profile=new.profile,
                contact=new.contact,
                show_date_of_birth=new.show_date_of_birth,
                created_at=now,
            )
            uow.institutions.add(institution)
            try:
                uow.flush()
            except IntegrityError as exc:
                raise Conflict(f"an institution with slug {new.slug!r} exists already") from exc
            self._signing_keys.add_active(uow, institution, key_id, sealed, fragment)
            api_key, token = new_api_key(institution.id, "initial", now)
            uow.api_keys.add(api_key)
            uow.events.record(institution.id, "institution.created", new.slug, actor, now,
                              {"did": did})  # fmt: skip
            uow.events.record(institution.id, "key.created", key_id, actor, now,
                              {"fragment": fragment})  # fmt: skip
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        return info, token

    def update(
        self,
        slug: str,
        *,
        language: str | None = None,
        profile: str | None = None,
        contact: str | None = None,
        show_date_of_birth: bool | None = None,
        notify_learners: bool | None = None,
        signatory_name: str | None = None,
        signatory_title: str | None = None,
        place: str | None = None,
        actor: str,
    ) -> InstitutionInfo:
        """Change the institution's language or credential profile (for credentials issued
        from now on: those issued before keep what they were signed with), its public contact
        (``""`` removes it) or whether its public pages show the date of birth; what is None
        stays."""
        changes: dict[str, str | bool | None] = {}
        if contact is not None:
            changes["contact"] = _contact(contact) if contact.strip() else None
        if show_date_of_birth is not None:
            changes["show_date_of_birth"] = show_date_of_birth
        if notify_learners is not None:
            changes["notify_learners"] = notify_learners
        for name, text in (("signatory_name", signatory_name),
                           ("signatory_title", signatory_title), ("place", place)):  # fmt: skip
            if text is not None:
                reason = control_character(text)
                if reason:
                    raise Unprocessable.field(name, reason)
                changes[name] = text.strip() or None
        if language is not None:
            try:
                changes["language"] = canonical_language_tag(language)
            except LanguageTagError as exc:
                raise Unprocessable.field("language", str(exc)) from exc
        if profile is not None:
            if profile not in PROFILES:
                raise Unprocessable.field("profile", "must be 'compact' or 'edc'")
            changes["profile"] = profile
        with self._uow() as uow:
            institution = require_institution(uow, slug, for_update=True)
            changed = {k: v for k, v in changes.items() if getattr(institution, k) != v}
            for name, value in changed.items():
                setattr(institution, name, value)
            if changed:
                uow.events.record(institution.id, "institution.updated", slug, actor,
                                  self._clock(), changed)  # fmt: skip
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        self._cache.forget_institution(institution.id)
        return info

    def set_image(
        self, slug: str, kind: str, data: bytes, media_type: str, *, actor: str
    ) -> InstitutionInfo:
        """Keep ``data`` as the institution's ``kind`` of branding image (logo, signature,
        stamp), once it passes :func:`app.documents.branding.checked_image` (field ``image``)."""
        if kind not in IMAGE_KINDS:
            raise NotFound(f"no branding image {kind!r}: use one of {', '.join(IMAGE_KINDS)}")
        try:
            image = checked_image(data, media_type)
        except ImageRefused as exc:
            raise Unprocessable.field("image", str(exc), code="image_refused") from exc
        with self._uow() as uow:
            institution = require_institution(uow, slug, for_update=True)
            now = self._clock()
            uow.institutions.put_image(
                InstitutionImage(institution_id=institution.id, kind=kind,
                                 media_type=image.media_type, data=image.data, updated_at=now)
            )  # fmt: skip
            uow.events.record(institution.id, "institution.image_set", slug, actor, now,
                              {"kind": kind, "media_type": image.media_type,
                               "bytes": len(image.data)})  # fmt: skip
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        return info

    def delete_image(self, slug: str, kind: str, *, actor: str) -> InstitutionInfo:
        """Remove the institution's ``kind`` of branding image (nothing if it has none)."""
        with self._uow() as uow:
            institution = require_institution(uow, slug, for_update=True)
            if uow.institutions.delete_image(institution.id, kind):
                uow.events.record(institution.id, "institution.image_deleted", slug, actor,
                                  self._clock(), {"kind": kind})  # fmt: skip
            uow.flush()
            info = self._info(uow, institution)
            uow.commit()
        return info

    def branding(self, did: str) -> Branding | None:
        """What the certificates of the institution whose DID is ``did`` show of it (None:
        not one of ours)."""
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_did(did)
            if institution is None:
                return None
            images = {
                i.kind: BrandingImage(i.media_type, i.data)
                for i in uow.institutions.images(institution.id)
            }
            return Branding(
                logo=images.get("logo"),
                signature=images.get("signature"),
                stamp=images.get("stamp"),
                signatory_name=institution.signatory_name,
                signatory_title=institution.signatory_title,
                place=institution.place,
            )

    def get(self, slug: str) -> InstitutionInfo:
        with self._uow(read_only=True) as uow:
            return self._info(uow, require_institution(uow, slug))

    def list_institutions(self) -> list[InstitutionInfo]:
        with self._uow(read_only=True) as uow:
            return [self._info(uow, i) for i in uow.institutions.ordered_by_slug()]

    def identifiers(self) -> frozenset[str]:
        """Every institution's DID and https identifier (the ``iss`` of its SD-JWT VCs)."""
        with self._uow(read_only=True) as uow:
            return frozenset(
                identifier
                for i in uow.institutions.ordered_by_slug()
                for identifier in (i.did, self._urls.institution(i.slug))
            )

    def did_of_slug(self, slug: str) -> str | None:
        """The DID of the institution ``slug`` (None: not one of ours)."""
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_slug(slug)
            return institution.did if institution is not None else None

    def recorded_issuer(self, did: str) -> RecordedIssuer | None:
        """Our record of the institution whose DID is ``did`` (None: not one of ours)."""
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_did(did)
            if institution is None:
                return None
            return RecordedIssuer(
                institution.did, institution.name, institution.country,
                institution.contact, institution.show_date_of_birth,
            )  # fmt: skip

    def events(self, slug: str) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            institution = require_institution(uow, slug)
            return [
                {"kind": e.kind, "subject": e.subject, "actor": e.actor, "at": e.at, "data": e.data}
                for e in uow.events.for_institution(institution.id)
            ]

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
            language=institution.language,
            profile=institution.profile,
            contact=institution.contact,
            show_date_of_birth=institution.show_date_of_birth,
            notify_learners=institution.notify_learners,
            signatory_name=institution.signatory_name,
            signatory_title=institution.signatory_title,
            place=institution.place,
            images=tuple(sorted(i.kind for i in uow.institutions.images(institution.id))),
            created_at=institution.created_at,
            did_document_url=self._urls.did_document(institution.slug),
            keys=tuple(KeyInfo.of(institution, k) for k in rows),
        )


def _validate(new: NewInstitution) -> str:
    """Refuses what ``new`` gets wrong, naming the field; returns its canonical language tag."""
    # The API's schema refuses these too; the command line comes here directly.
    for name, value in (("name", new.name), ("legal_id", new.legal_id), ("homepage", new.homepage)):
        reason = control_character(value) if value is not None else None
        if reason:
            raise Unprocessable.field(name, reason)
    if not _SLUG_RE.match(new.slug):
        raise Unprocessable.field("slug", "use 1-63 lower-case letters, digits and inner hyphens")
    if not new.name.strip():
        raise Unprocessable.field("name", "must not be empty")
    if not new.legal_id.strip():
        raise Unprocessable.field("legal_id", "must not be empty")
    if pycountry.countries.get(alpha_2=new.country.upper()) is None or len(new.country) != 2:
        raise Unprocessable.field("country", f"{new.country!r} is not an ISO 3166-1 alpha-2 code")
    if new.did_method not in DID_METHODS:
        raise Unprocessable.field("did_method", "must be 'web' or 'key'")
    if new.key_type not in KEY_TYPES:
        raise Unprocessable.field("key_type", "must be 'ed25519' or 'p256'")
    if new.homepage is not None and not new.homepage.startswith(("https://", "http://")):
        raise Unprocessable.field("homepage", "must be an http(s) URL")
    if new.profile not in PROFILES:
        raise Unprocessable.field("profile", "must be 'compact' or 'edc'")
    if new.contact is not None:
        _contact(new.contact)
    try:
        return canonical_language_tag(new.language)
    except LanguageTagError as exc:
        raise Unprocessable.field("language", str(exc)) from exc


_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,63}$")


def _contact(value: str) -> str:
    """``value`` as a public contact: an e-mail address or an http(s) URL (field ``contact``)."""
    text = value.strip()
    reason = control_character(text)
    if reason:
        raise Unprocessable.field("contact", reason)
    if _EMAIL.match(text):
        return text
    parts = urlsplit(text)
    if parts.scheme in ("https", "http") and parts.netloc and " " not in text:
        return text
    raise Unprocessable.field(
        "contact", "must be an e-mail address (office@school.example) or an http(s) URL"
    )
