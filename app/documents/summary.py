"""What a person reads on a verification page: the credential's content in one language.

The credential is a VC 2.0 document with European Learning Model terms (see
:mod:`issuer.credential` for where each element sits). The page may also show a credential
issued elsewhere, so every lookup tolerates a missing or oddly shaped value and gives None
rather than failing. Free text is a language map (``{"en": ..., "sl": ...}``), a JSON-LD value
object or a plain string; :func:`pick_text` chooses the page language, else English, else the
first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from app.documents.i18n import FALLBACKS, Language, language
from app.documents.serbian import has_cyrillic, to_cyrillic, to_latin
from issuer.credential import ECTS_FRAMEWORK, NOTE_SUBJECT_BASE, PARTICIPATION_MODES

__all__ = ["CredentialSummary", "RecordedIssuer", "issuer_did", "pick_text", "summarize"]

_EQF_PREFIX = "http://data.europa.eu/snb/eqf/"
_COUNTRY_PREFIX = "http://publications.europa.eu/resource/authority/country/"
_HOURS = re.compile(r"^P(?:(\d+)D)?T(\d+)H$")
_MODES = {iri: key for key, (iri, _) in PARTICIPATION_MODES.items()}


@dataclass(frozen=True)
class CredentialSummary:
    """The human-readable elements; text is already in the chosen language."""

    credential_id: str | None = None
    learner: str | None = None
    date_of_birth: datetime | None = None
    title: str | None = None
    description: str | None = None
    issuer_name: str | None = None
    issuer_did: str | None = None
    issuer_country: str | None = None  # ISO 3166-1 alpha-2, named by the page's locale
    issued: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    ects: Decimal | None = None
    workload_hours: int | None = None
    eqf_level: int | None = None
    nqf_level: str | None = None
    learning_outcomes: tuple[str, ...] = ()
    grade: str | None = None
    assessment_type: str | None = None
    participation: str | None = None  # online | in_person | blended, or the label as given
    prerequisites: str | None = None
    notes: tuple[tuple[str, str], ...] = ()  # (Annex I subject, text)

    @property
    def says_anything(self) -> bool:
        """Whether there is something a person could read (not for a bare ``{}``)."""
        return any((self.title, self.learner, self.issuer_name, self.issuer_did))


@dataclass(frozen=True)
class RecordedIssuer:
    """What the platform's records say of one of its institutions, by its DID: what our pages
    show of a credential that institution issued, whatever the credential itself says."""

    did: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    #: Whom to ask about a credential (an e-mail address or a URL), if the institution says.
    contact: str | None = None
    #: Whether the public pages show the learner's date of birth (the institution's setting).
    show_date_of_birth: bool = False


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    found = _map(value).get("id")
    return found if isinstance(found, str) else None


class Shown(str):
    """A text as a page shows it, with the BCP 47 tag of the language it is in (None when
    the credential did not say), so that a page marks text in another language than its own
    (``lang``)."""

    lang: str | None

    def __new__(cls, text: str, lang: str | None) -> Shown:
        shown = super().__new__(cls, text)
        shown.lang = lang
        return shown


def _variety(tag: str | None, text: str) -> str | None:
    """The page language ``tag`` stands for, Serbian by its script: the one the tag names,
    else the one the text is written in."""
    found = language(tag)
    if found is None or tag is None:
        return None
    if found.tag in ("sr-Latn", "sr-Cyrl"):
        subtags = tag.lower().replace("_", "-").split("-")
        if "cyrl" in subtags:
            return "sr-Cyrl"
        if "latn" in subtags:
            return "sr-Latn"
        return "sr-Cyrl" if has_cyrillic(text) else "sr-Latn"
    return found.tag


def pick_text(value: Any, lang: Language) -> Shown | None:
    """The text of ``value`` for a page in ``lang``: in ``lang`` itself, else in the languages
    its readers read (:data:`app.documents.i18n.FALLBACKS`: Bosnian and Montenegrin pages take
    Croatian and Serbian), else in English, else the first there is. Serbian in the other
    script is transliterated (Latin text on a Latin page, Cyrillic on a Cyrillic one)."""
    if isinstance(value, str):
        return Shown(value.strip(), None) if value.strip() else None
    candidates: list[tuple[str | None, str]] = []
    for item in _items(value):
        if isinstance(item, str):
            candidates.append((None, item))
        elif isinstance(item, Mapping) and "@value" in item:
            text = item.get("@value")
            tag = item.get("@language")
            if isinstance(text, str):
                candidates.append((tag if isinstance(tag, str) else None, text))
        elif isinstance(item, Mapping):
            candidates.extend(
                (str(tag), text) for tag, text in item.items() if isinstance(text, str)
            )
    candidates = [(tag, text.strip()) for tag, text in candidates if text.strip()]
    if not candidates:
        return None
    by_variety: dict[str, str] = {}
    for tag, text in candidates:
        variety = _variety(tag, text)
        if variety is not None:
            by_variety.setdefault(variety, text)
    for wanted in (lang.tag, *FALLBACKS.get(lang.tag, ()), "en"):
        if wanted in by_variety:
            return Shown(by_variety[wanted], wanted)
        if wanted == "sr-Latn" and "sr-Cyrl" in by_variety:
            return Shown(to_latin(by_variety["sr-Cyrl"]), wanted)
        if wanted == "sr-Cyrl" and "sr-Latn" in by_variety:
            return Shown(to_cyrillic(by_variety["sr-Latn"]), wanted)
    tag, text = candidates[0]
    return Shown(text, _variety(tag, text) or tag)


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _country(organisation: Mapping[str, Any]) -> str | None:
    address = _map(_first(_map(_first(organisation.get("location"))).get("address")))
    iri = _id(address.get("countryCode"))
    if not iri or not iri.startswith(_COUNTRY_PREFIX):
        return None
    code = iri.removeprefix(_COUNTRY_PREFIX)
    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return str(found.alpha_2) if found is not None else None


def _ects(specification: Mapping[str, Any]) -> Decimal | None:
    for credit in _items(specification.get("creditPoint")):
        credit = _map(credit)
        if _id(credit.get("framework")) == ECTS_FRAMEWORK:
            return _decimal(credit.get("point"))
    return None


def _hours(value: Any) -> int | None:
    match = _HOURS.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return int(match.group(1) or 0) * 24 + int(match.group(2))


def _eqf(value: Any) -> int | None:
    iri = _id(_first(value))
    level = iri.removeprefix(_EQF_PREFIX) if iri and iri.startswith(_EQF_PREFIX) else ""
    return int(level) if level.isdigit() and 1 <= int(level) <= 8 else None


def _participation(value: Any, lang: Language) -> str | None:
    mode = _first(value)
    iri = _id(mode)
    if iri in _MODES:
        return _MODES[iri]
    return pick_text(_map(mode).get("prefLabel"), lang)


def _notes(specification: Mapping[str, Any], lang: Language) -> tuple[tuple[str, str], ...]:
    notes = []
    for note in _items(specification.get("additionalNote")):
        note = _map(note)
        subject = _id(note.get("subject")) or ""
        text = pick_text(note.get("noteLiteral"), lang)
        if subject.startswith(NOTE_SUBJECT_BASE) and text:
            notes.append((subject.removeprefix(NOTE_SUBJECT_BASE).replace("-", "_"), text))
    return tuple(notes)


def _learner(subject: Mapping[str, Any], lang: Language) -> str | None:
    full = pick_text(subject.get("fullName"), lang) or pick_text(subject.get("name"), lang)
    if full:
        return full
    parts = [pick_text(subject.get(k), lang) for k in ("givenName", "familyName")]
    return " ".join(p for p in parts if p) or None


def issuer_did(credential: Mapping[str, Any] | None) -> str | None:
    """The DID (or other id) of the credential's issuer, as the credential states it."""
    return _id(credential.get("issuer")) if isinstance(credential, Mapping) else None


def summarize(
    credential: Mapping[str, Any] | None,
    lang: Language,
    *,
    recorded: RecordedIssuer | None = None,
) -> CredentialSummary | None:
    """The summary of ``credential`` in ``lang``; None when there is no credential to show.

    ``recorded`` is the platform's record of the credential's issuer, when the issuer is one
    of its institutions: the issuer's name and country then come from the record, not from
    what the credential says of itself."""
    if not isinstance(credential, Mapping):
        return None
    subject = _map(_first(credential.get("credentialSubject")))
    claim = _map(_first(subject.get("hasClaim")))
    specification = _map(_first(claim.get("specifiedBy")))
    assessment = _map(_first(claim.get("provenBy")))
    raw_issuer = credential.get("issuer")
    issuer = _map(raw_issuer)
    outcomes = (
        pick_text(_map(o).get("title"), lang) for o in _items(specification.get("learningOutcome"))
    )
    issuer_name: str | None = pick_text(issuer.get("legalName"), lang) or pick_text(
        issuer.get("name"), lang
    )
    issuer_country = _country(issuer)
    if recorded is not None and recorded.did == _id(raw_issuer):
        issuer_name, issuer_country = recorded.name, recorded.country
    return CredentialSummary(
        credential_id=_id(credential),
        learner=_learner(subject, lang),
        date_of_birth=_datetime(subject.get("dateOfBirth")),
        title=(
            pick_text(claim.get("title"), lang)
            or pick_text(specification.get("title"), lang)
            or pick_text(credential.get("name"), lang)
        ),
        description=(
            pick_text(specification.get("description"), lang)
            or pick_text(credential.get("description"), lang)
        ),
        issuer_name=issuer_name,
        issuer_did=_id(raw_issuer),
        issuer_country=issuer_country,
        issued=_datetime(credential.get("issued"))
        or _datetime(_map(claim.get("awardedBy")).get("awardingDate"))
        or _datetime(credential.get("issuanceDate"))
        or _datetime(credential.get("validFrom")),
        valid_from=_datetime(credential.get("validFrom")),
        valid_until=_datetime(credential.get("validUntil"))
        or _datetime(credential.get("expirationDate")),
        ects=_ects(specification),
        workload_hours=_hours(specification.get("volumeOfLearning")),
        eqf_level=_eqf(specification.get("eqfLevel")),
        nqf_level=pick_text(_map(_first(specification.get("nqfLevel"))).get("prefLabel"), lang),
        learning_outcomes=tuple(o for o in outcomes if o),
        grade=pick_text(_map(_first(assessment.get("grade"))).get("noteLiteral"), lang),
        assessment_type=pick_text(
            _map(_map(_first(assessment.get("specifiedBy"))).get("dcType")).get("prefLabel"), lang
        ),
        participation=_participation(specification.get("mode"), lang),
        prerequisites=pick_text(
            _map(_first(specification.get("entryRequirement"))).get("noteLiteral"), lang
        ),
        notes=_notes(specification, lang),
    )


def _plain(value: Any) -> str | None:
    return (
        str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    )


def summarize_sd_jwt_vc(
    claims: Mapping[str, Any] | None,
    lang: Language,
    *,
    recorded: RecordedIssuer | None = None,
) -> CredentialSummary | None:
    """The summary of the disclosed claims of a micro-credential SD-JWT VC
    (:mod:`issuer.sd_jwt_vc`): what the holder did not disclose stays empty. ``recorded`` as
    for :func:`summarize`, found by the SD-JWT VC's ``iss``."""
    if not isinstance(claims, Mapping):
        return None
    body = _map(claims.get("awarding_body"))
    names = [claims.get(k) for k in ("given_name", "family_name")]
    issuer_name: str | None = pick_text(body.get("name"), lang)
    country = _plain(body.get("country"))
    found = pycountry.countries.get(alpha_3=country) if country and len(country) == 3 else None
    issuer_country = str(found.alpha_2) if found is not None else None
    iss = _plain(claims.get("iss"))
    if recorded is not None:  # the caller found it by the verified iss
        issuer_name, issuer_country = recorded.name, recorded.country
    nbf, exp = claims.get("nbf"), claims.get("exp")
    mode = claims.get("participation_form")
    notes = tuple(
        (name, text)
        for name in ("quality_assurance", "supervision", "stackability", "further_information")
        if (text := pick_text(claims.get(name), lang))
    )
    return CredentialSummary(
        credential_id=_plain(claims.get("credential_id")),
        learner=" ".join(n for n in names if isinstance(n, str)) or None,
        date_of_birth=_datetime(f"{claims['birthdate']}T00:00:00Z")
        if isinstance(claims.get("birthdate"), str)
        else None,
        title=pick_text(claims.get("title"), lang),
        description=pick_text(claims.get("description"), lang),
        issuer_name=issuer_name,
        issuer_did=iss,
        issuer_country=issuer_country,
        issued=_datetime(f"{claims['awarding_date']}T00:00:00Z")
        if isinstance(claims.get("awarding_date"), str)
        else None,
        valid_from=_numeric_date(nbf),
        valid_until=_numeric_date(exp),
        ects=_decimal(claims.get("ects")),
        workload_hours=_hours(claims.get("workload")),
        eqf_level=claims["eqf_level"]
        if isinstance(claims.get("eqf_level"), int) and 1 <= claims["eqf_level"] <= 8
        else None,
        nqf_level=pick_text(claims.get("nqf_level"), lang),
        learning_outcomes=tuple(
            t
            for o in _items(claims.get("learning_outcomes"))
            if (t := pick_text(_map(o).get("title"), lang))
        ),
        grade=_plain(claims.get("grade")),
        assessment_type=pick_text(claims.get("assessment_type"), lang),
        participation=mode if isinstance(mode, str) and mode in PARTICIPATION_MODES else None,
        prerequisites=pick_text(claims.get("prerequisites"), lang),
        notes=notes,
    )


def _numeric_date(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
