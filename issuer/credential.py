"""Building an EU micro-credential as a W3C VC 2.0 document in ELM 3 terms.

Implements the W3C Verifiable Credentials Data Model 2.0 (section 4, "Basic Concepts") with the
elements of Annex I of the Council Recommendation on micro-credentials (2022/C 243/02), each
in the European Learning Model 3 property that ``shared/STANDARDS.md`` maps it to:

====================================  =================================================
Annex I element                       where it is in the credential
====================================  =================================================
learner identification                ``credentialSubject`` (Person: names, birth date)
title                                 ``hasClaim.title`` and ``hasClaim.specifiedBy.title``
country of the issuer                 ``issuer.location.address.countryCode`` (EU authority)
awarding body                         ``hasClaim.awardedBy.awardingBody``
date of issuing                       ``issued`` and ``awardedBy.awardingDate``
learning outcomes                     ``specifiedBy.learningOutcome[]`` (+ ESCO skill)
notional workload                     ``specifiedBy.creditPoint`` (ECTS), ``volumeOfLearning``
level                                 ``specifiedBy.eqfLevel`` (EQF concept), ``nqfLevel``
type of assessment                    ``provenBy.specifiedBy.dcType``
form of participation                 ``specifiedBy.mode`` (learning-assessment concept)
type of quality assurance             ``specifiedBy.additionalNote`` with the QA subject
optional elements                     ``provenBy.grade``, ``entryRequirement``, notes
====================================  =================================================

Every node gets an IRI (``urn:uuid``, derived deterministically), never a blank node: the
credential says the same thing to every reader, and RDF canonicalization stays cheap. The
issuer's legal name carries the institution's language tag (:attr:`IssuerProfile.language`).
This is the ``compact`` profile; :mod:`issuer.edc` builds the ``edc`` profile from it.
The document is a plain ``dict``; securing it is :mod:`issuer.data_integrity` and
:mod:`issuer.vc_jose`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from verifier.jsonld import MICROCRED_CONTEXT_URL

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
ECTS_FRAMEWORK = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
CREDIT_SCHEME = "http://data.europa.eu/snb/education-credit/25831c2"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country"
MODE_SCHEME = "http://data.europa.eu/snb/learning-assessment/25831c2"
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"
PROFILE_SCHEME = "http://data.europa.eu/snb/credential/25831c2"
ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
#: Forms of participation -> the EU "mode of learning and assessment" concepts.
PARTICIPATION_MODES: dict[str, tuple[str, str]] = {
    "online": ("http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "Online"),
    "in_person": ("http://data.europa.eu/snb/learning-assessment/9191af2ed9", "In person"),
    "blended": ("http://data.europa.eu/snb/learning-assessment/e92d221e4d", "Blended"),
}
#: Subjects of the notes that carry the Annex I elements ELM has no property for.
NOTE_SUBJECTS: dict[str, str] = {
    "quality_assurance": "Type of quality assurance",
    "supervision": "Supervision and identity verification",
    "stackability": "Integration and stackability options",
    "further_information": "Further information",
}
NOTE_SUBJECT_BASE = "urn:microcred:annex1:"
#: Credential profiles: ``compact`` (this module's credential) and ``edc`` (:mod:`issuer.edc`).
PROFILES = ("compact", "edc")

LangMap = Mapping[str, str]


@dataclass(frozen=True)
class LearningOutcome:
    title: LangMap
    esco_skill: str | None = None


@dataclass(frozen=True)
class AchievementSpec:
    """What an institution describes once: the course and its EU micro-credential elements."""

    id: uuid.UUID
    revision: int
    title: LangMap
    learning_outcomes: tuple[LearningOutcome, ...]
    eqf_level: int
    assessment_type: LangMap
    participation_form: str
    quality_assurance: LangMap
    ects: Decimal | None = None
    workload_hours: int | None = None
    description: LangMap | None = None
    nqf_level: str | None = None
    prerequisites: LangMap | None = None
    supervision: LangMap | None = None
    stackability: LangMap | None = None
    further_information: LangMap | None = None
    #: ``compact`` or ``edc``; None: the institution's profile.
    profile: str | None = None
    #: The label of the NQF level's QDR concept (EDC profile), e.g. ``{"sl": "SOK 5"}``.
    nqf_level_label: LangMap | None = None

    @property
    def primary_language(self) -> str:
        return next(iter(self.title))


@dataclass(frozen=True)
class IssuerProfile:
    did: str
    name: str
    country_alpha3: str
    country_name: str
    legal_id: str
    homepage: str | None = None
    #: BCP 47 tag of the institution's name (and of its plain-text fields).
    language: str = "en"


@dataclass(frozen=True)
class Learner:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    identifier: str | None = None
    did: str | None = None


@dataclass(frozen=True)
class Award:
    credential_id: uuid.UUID
    issued_at: datetime
    awarded_on: date
    valid_from: datetime
    valid_until: datetime | None = None
    grade: str | None = None
    extra_types: tuple[str, ...] = field(default_factory=tuple)


def xsd_datetime(value: datetime) -> str:
    """An XML Schema dateTime in UTC with seconds precision and ``Z`` (VC 2.0, section 4.9)."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def missing_elements(
    spec: AchievementSpec, learner: Learner | None = None
) -> list[tuple[str, str]]:
    """The Annex I mandatory elements ``spec`` (and ``learner``) lack, as (field, reason)."""
    missing: list[tuple[str, str]] = []
    if not _text(spec.title):
        missing.append(("title", "the title is a mandatory element (Annex I)"))
    if not spec.learning_outcomes or not all(_text(o.title) for o in spec.learning_outcomes):
        missing.append(("learning_outcomes", "at least one learning outcome with a title"))
    if spec.ects is None and spec.workload_hours is None:
        missing.append(("ects", "the notional workload (ECTS or hours) is mandatory"))
    if not 1 <= spec.eqf_level <= 8:
        missing.append(("eqf_level", "the EQF level must be 1 to 8"))
    if not _text(spec.assessment_type):
        missing.append(("assessment_type", "the type of assessment is mandatory"))
    if spec.participation_form not in PARTICIPATION_MODES:
        missing.append(("participation_form", "must be one of online, in_person, blended"))
    if not _text(spec.quality_assurance):
        missing.append(("quality_assurance", "the type of quality assurance is mandatory"))
    if learner is not None:
        if not learner.given_name.strip():
            missing.append(("learner.given_name", "the learner must be identified"))
        if not learner.family_name.strip():
            missing.append(("learner.family_name", "the learner must be identified"))
    return missing


def _text(value: LangMap | None) -> bool:
    return bool(value) and all(isinstance(v, str) and v.strip() for v in (value or {}).values())


def _urn(namespace: uuid.UUID, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(namespace, name)}"


def _concept(iri: str, scheme: str, label: LangMap) -> dict[str, Any]:
    return {
        "id": iri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": dict(label),
    }


def _note(node_id: str, text: LangMap, subject: str | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"id": node_id, "type": "Note", "noteLiteral": dict(text)}
    if subject is not None:
        note["subject"] = {
            "id": NOTE_SUBJECT_BASE + subject.replace("_", "-"),
            "type": "Concept",
            "prefLabel": {"en": NOTE_SUBJECTS[subject]},
        }
    return note


def build_specification(spec: AchievementSpec) -> dict[str, Any]:
    """The ELM Qualification node describing the achievement (``hasClaim.specifiedBy``)."""
    ns = uuid.uuid5(spec.id, f"revision-{spec.revision}")
    node: dict[str, Any] = {
        "id": f"urn:uuid:{ns}",
        "type": "Qualification",
        "title": dict(spec.title),
    }
    if spec.description:
        node["description"] = dict(spec.description)
    outcomes = []
    for number, outcome in enumerate(spec.learning_outcomes, start=1):
        item: dict[str, Any] = {
            "id": _urn(ns, f"learning-outcome-{number}"),
            "type": "LearningOutcome",
            "title": dict(outcome.title),
        }
        if outcome.esco_skill:
            item["relatedESCOSkill"] = {
                "id": outcome.esco_skill,
                "type": "Concept",
                "inScheme": {"id": ESCO_SKILLS_SCHEME, "type": "ConceptScheme"},
            }
        outcomes.append(item)
    node["learningOutcome"] = outcomes
    if spec.ects is not None:
        node["creditPoint"] = {
            "id": _urn(ns, "credit-point"),
            "type": "CreditPoint",
            "framework": _concept(
                ECTS_FRAMEWORK, CREDIT_SCHEME, {"en": "European Credit Transfer System"}
            ),
            "point": _decimal_text(spec.ects),
        }
    if spec.workload_hours is not None:
        node["volumeOfLearning"] = f"PT{spec.workload_hours}H"
    node["eqfLevel"] = _concept(
        f"http://data.europa.eu/snb/eqf/{spec.eqf_level}",
        EQF_SCHEME,
        {"en": f"Level {spec.eqf_level}"},
    )
    if spec.nqf_level:
        node["nqfLevel"] = {
            "id": _urn(ns, "nqf-level"),
            "type": "Concept",
            "prefLabel": {spec.primary_language: spec.nqf_level},
        }
    mode_iri, mode_label = PARTICIPATION_MODES[spec.participation_form]
    node["mode"] = [_concept(mode_iri, MODE_SCHEME, {"en": mode_label})]
    if spec.prerequisites:
        node["entryRequirement"] = _note(_urn(ns, "entry-requirement"), spec.prerequisites)
    notes = [
        _note(_urn(ns, name), text, name)
        for name, text in (
            ("quality_assurance", spec.quality_assurance),
            ("supervision", spec.supervision),
            ("stackability", spec.stackability),
            ("further_information", spec.further_information),
        )
        if text
    ]
    node["additionalNote"] = notes
    return node


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def build_issuer(issuer: IssuerProfile) -> dict[str, Any]:
    """The issuer as an ELM Organisation whose ``id`` is its DID (VC 2.0, section 4.7)."""
    ns = uuid.uuid5(uuid.NAMESPACE_URL, issuer.did)
    country = _concept(
        f"{COUNTRY_AUTHORITY}/{issuer.country_alpha3}",
        COUNTRY_AUTHORITY,
        {"en": issuer.country_name},
    )
    legal_identifier = {
        "id": _urn(ns, "registration"),
        "type": "LegalIdentifier",
        "notation": issuer.legal_id,
        "spatial": country,
    }
    node: dict[str, Any] = {
        "id": issuer.did,
        "type": "Organisation",
        "legalName": {issuer.language: issuer.name},
        "registration": legal_identifier,
        "eidasLegalIdentifier": legal_identifier["id"],
        "location": {
            "id": _urn(ns, "location"),
            "type": "Location",
            "address": {
                "id": _urn(ns, "address"),
                "type": "Address",
                "countryCode": country,
            },
        },
    }
    if issuer.homepage:
        node["homepage"] = {
            "id": _urn(ns, "homepage"),
            "type": "WebResource",
            "contentURL": issuer.homepage,
        }
    return node


def build_credential(
    spec: AchievementSpec,
    issuer: IssuerProfile,
    learner: Learner,
    award: Award,
    *,
    context_url: str = MICROCRED_CONTEXT_URL,
    credential_status: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The unsecured micro-credential (VC 2.0 + ELM 3), ready for a proof or a JWT.

    ``context_url`` is the microcred context's URL: its permanent URL, the same for every
    deployment (``https://w3id.org/microcred/v1``; a test may name another);
    ``credential_status`` the Bitstring Status List entries (VC 2.0, section 4.10).
    """
    ns = award.credential_id
    lang = spec.primary_language
    person: dict[str, Any] = {
        "id": learner.did or _urn(ns, "learner"),
        "type": "Person",
        "givenName": {lang: learner.given_name},
        "familyName": {lang: learner.family_name},
        "fullName": {lang: f"{learner.given_name} {learner.family_name}"},
    }
    if learner.date_of_birth is not None:
        person["dateOfBirth"] = f"{learner.date_of_birth.isoformat()}T00:00:00Z"
    if learner.identifier:
        person["identifier"] = {
            "id": _urn(ns, "learner-identifier"),
            "type": "Identifier",
            "notation": learner.identifier,
        }
    awarded_at = datetime.combine(award.awarded_on, datetime.min.time(), tzinfo=UTC)
    awarding_id = _urn(ns, "awarding")
    assessment: dict[str, Any] = {
        "id": _urn(ns, "assessment"),
        "type": "LearningAssessment",
        "title": dict(spec.title),
        "awardedBy": awarding_id,
        "specifiedBy": {
            "id": _urn(uuid.uuid5(spec.id, f"revision-{spec.revision}"), "assessment"),
            "type": "LearningAssessmentSpecification",
            "title": dict(spec.title),
            "dcType": {
                "id": _urn(uuid.uuid5(spec.id, f"revision-{spec.revision}"), "assessment-type"),
                "type": "Concept",
                "prefLabel": dict(spec.assessment_type),
            },
        },
    }
    if award.grade:
        assessment["grade"] = _note(_urn(ns, "grade"), {lang: award.grade})
    person["hasClaim"] = {
        "id": _urn(ns, "achievement"),
        "type": "LearningAchievement",
        "title": dict(spec.title),
        "awardedBy": {
            "id": awarding_id,
            "type": "AwardingProcess",
            "awardingBody": issuer.did,
            "awardingDate": xsd_datetime(awarded_at),
        },
        "provenBy": assessment,
        "specifiedBy": build_specification(spec),
    }
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, context_url],
        "id": f"urn:uuid:{award.credential_id}",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential", *award.extra_types],
        "name": spec.title[lang],
        "credentialProfiles": _concept(GENERIC_PROFILE, PROFILE_SCHEME, {"en": "Generic"}),
        "issuer": build_issuer(issuer),
        "validFrom": xsd_datetime(award.valid_from),
        "issued": xsd_datetime(award.issued_at),
        "credentialSubject": person,
    }
    if award.valid_until is not None:
        credential["validUntil"] = xsd_datetime(award.valid_until)
    if credential_status:
        credential["credentialStatus"] = [dict(entry) for entry in credential_status]
    return credential
