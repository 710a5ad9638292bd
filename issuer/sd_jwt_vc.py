"""The micro-credential as an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): its claims and its type.

The claims come from the same document as the JSON-LD credential (:mod:`issuer.credential`,
either profile), so every format says the same thing. Names are the OpenID Connect Core
standard claims where one exists (``given_name``, ``family_name``, ``birthdate``; section
5.1) and snake_case otherwise; texts stay language maps (``{"sl": ..., "en": ...}``).

=============================  ================================================  ============
claim                          from the JSON-LD credential                       disclosure
=============================  ================================================  ============
``given_name``                 ``credentialSubject.givenName``                   selective
``family_name``                ``credentialSubject.familyName``                  selective
``birthdate``                  ``credentialSubject.dateOfBirth`` (YYYY-MM-DD)    selective
``grade``                      ``provenBy.grade.noteLiteral``                    selective
``title``, ``description``     ``hasClaim.title``, ``specifiedBy.description``   always
``learning_outcomes``          ``specifiedBy.learningOutcome[]`` (title, skill)  always
``ects``, ``workload``         ``creditPoint.point``, ``volumeOfLearning``       always
``eqf_level``, ``nqf_level``   ``eqfLevel`` (1-8), ``nqfLevel`` label            always
``assessment_type``            ``provenBy.specifiedBy.dcType.prefLabel``         always
``participation_form``         ``specifiedBy.mode`` (online/in_person/blended)   always
``quality_assurance``, ...     ``specifiedBy.additionalNote`` by subject         always
``prerequisites``              ``specifiedBy.entryRequirement``                  always
``awarding_date``              ``awardedBy.awardingDate`` (YYYY-MM-DD)           always
``awarding_body``              ``{id, name, country}`` of the issuer             always
``credential_id``              ``id`` of the JSON-LD credential                  always
=============================  ================================================  ============

"Always disclosed" means in the clear: the course and the Annex I elements are what the
credential is about. The learner's identity and grade are what the holder may withhold.
:data:`CLAIMS` describes every claim for the type metadata (draft section 6, "Type
Metadata"; 6.5 "Claim Metadata": ``path``, ``sd`` ``always``/``allowed``, ``display``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from issuer.credential import NOTE_SUBJECT_BASE, PARTICIPATION_MODES

__all__ = [
    "CLAIMS",
    "SELECTIVELY_DISCLOSABLE",
    "TYPE_METADATA_MEDIA_TYPE",
    "ClaimInfo",
    "micro_credential_claims",
    "type_metadata",
]

#: The media type of SD-JWT VC Type Metadata (draft section 6.3 serves it as JSON).
TYPE_METADATA_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class ClaimInfo:
    """A claim of the micro-credential: its name, its English label (a msgid of the page
    catalogues) and whether the holder may withhold it (``allowed``) or not (``always``)."""

    name: str
    label: str
    sd: str


CLAIMS: tuple[ClaimInfo, ...] = (
    ClaimInfo("given_name", "Given name", "always"),
    ClaimInfo("family_name", "Family name", "always"),
    ClaimInfo("birthdate", "Date of birth", "always"),
    ClaimInfo("grade", "Grade", "always"),
    ClaimInfo("title", "What it certifies", "never"),
    ClaimInfo("description", "Description", "never"),
    ClaimInfo("learning_outcomes", "Learning outcomes", "never"),
    ClaimInfo("ects", "ECTS credits", "never"),
    ClaimInfo("workload", "Workload", "never"),
    ClaimInfo("eqf_level", "EQF level", "never"),
    ClaimInfo("nqf_level", "National qualifications framework level", "never"),
    ClaimInfo("assessment_type", "Type of assessment", "never"),
    ClaimInfo("participation_form", "Form of participation", "never"),
    ClaimInfo("quality_assurance", "Quality assurance", "never"),
    ClaimInfo("prerequisites", "Prerequisites", "never"),
    ClaimInfo("supervision", "Supervision and identity verification", "never"),
    ClaimInfo("stackability", "Integration and stackability", "never"),
    ClaimInfo("further_information", "Further information", "never"),
    ClaimInfo("awarding_date", "Date of issue", "never"),
    ClaimInfo("awarding_body", "Issuer", "never"),
    ClaimInfo("credential_id", "Credential identifier", "never"),
)
#: The claims the holder may withhold: selectively disclosable in every SD-JWT VC we issue.
SELECTIVELY_DISCLOSABLE = frozenset({"given_name", "family_name", "birthdate", "grade"})
# The type metadata's ``sd`` (draft section 6.5.3): "always" selectively disclosable, "never".
_SD_METADATA = {"always": "always", "never": "never"}
_MODES = {iri: name for name, (iri, _) in PARTICIPATION_MODES.items()}
_NOTES = ("quality_assurance", "supervision", "stackability", "further_information")


def _map(value: Any) -> dict[str, str] | None:
    """A language map (``{"sl": "..."}``) as it is, a plain string as ``{"und": ...}``."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str)} or None
    if isinstance(value, str):
        return {"und": value}
    return None


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _node(value: Any) -> Mapping[str, Any]:
    value = _first(value)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    """The one string of a language map with one language (a name), else None."""
    mapped = _map(value)
    return next(iter(mapped.values())) if mapped and len(mapped) == 1 else None


def micro_credential_claims(document: Mapping[str, Any]) -> dict[str, Any]:
    """The SD-JWT VC claims of a micro-credential (see the module docstring), read from its
    JSON-LD ``document`` (with or without ``proof``). Claims whose source is absent are left
    out; nothing here raises for a document of another shape, it just yields fewer claims."""
    subject = _node(document.get("credentialSubject"))
    achievement = _node(subject.get("hasClaim"))
    spec = _node(achievement.get("specifiedBy"))
    assessment = _node(achievement.get("provenBy"))
    awarding = _node(achievement.get("awardedBy"))
    issuer = _node(document.get("issuer"))
    claims: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            claims[name] = value

    put("given_name", _text(subject.get("givenName")))
    put("family_name", _text(subject.get("familyName")))
    put("birthdate", _date(subject.get("dateOfBirth")))
    put("grade", _text(_node(assessment.get("grade")).get("noteLiteral")))
    put("title", _map(achievement.get("title")) or _map(spec.get("title")))
    put("description", _map(spec.get("description")))
    outcomes = []
    for outcome in spec.get("learningOutcome") or []:
        if isinstance(outcome, Mapping) and _map(outcome.get("title")):
            item: dict[str, Any] = {"title": _map(outcome.get("title"))}
            skill = _node(outcome.get("relatedESCOSkill")).get("id")
            if isinstance(skill, str):
                item["esco_skill"] = skill
            outcomes.append(item)
    put("learning_outcomes", outcomes)
    put("ects", _node(spec.get("creditPoint")).get("point"))
    put("workload", spec.get("volumeOfLearning"))
    eqf = _node(spec.get("eqfLevel")).get("id")
    if isinstance(eqf, str) and eqf.rsplit("/", 1)[-1].isdigit():
        claims["eqf_level"] = int(eqf.rsplit("/", 1)[-1])
    nqf = _node(spec.get("nqfLevel"))
    put("nqf_level", _map(nqf.get("prefLabel")) or nqf.get("id"))
    dc_type = _node(_node(assessment.get("specifiedBy")).get("dcType"))
    put("assessment_type", _map(dc_type.get("prefLabel")))
    put("participation_form", _MODES.get(str(_node(spec.get("mode")).get("id"))))
    notes = spec.get("additionalNote")
    for note in notes if isinstance(notes, list) else [notes]:
        if not isinstance(note, Mapping):
            continue
        subject_id = str(_node(note.get("subject")).get("id", ""))
        name = subject_id.removeprefix(NOTE_SUBJECT_BASE).replace("-", "_")
        if name in _NOTES:
            put(name, _map(note.get("noteLiteral")))
    put("prerequisites", _map(_node(spec.get("entryRequirement")).get("noteLiteral")))
    put("awarding_date", _date(awarding.get("awardingDate")) or _date(document.get("issued")))
    country = _node(_node(_node(issuer.get("location")).get("address")).get("countryCode"))
    body = {
        "id": issuer.get("id") if isinstance(issuer.get("id"), str) else document.get("issuer"),
        "name": _map(issuer.get("legalName")),
        "country": str(country.get("id", "")).rsplit("/", 1)[-1] or None,
    }
    put("awarding_body", {k: v for k, v in body.items() if v})
    put("credential_id", document.get("id") if isinstance(document.get("id"), str) else None)
    return claims


def type_metadata(
    vct: str,
    *,
    languages: Iterable[str],
    translate: Callable[[str, str], str],
) -> dict[str, Any]:
    """The SD-JWT VC Type Metadata of the micro-credential (draft section 6): ``vct``,
    ``name``, ``description``, ``display`` per language (6.4: ``locale``, ``name``) and
    ``claims`` (6.5: ``path``, ``display`` with ``locale`` and ``label``, ``sd``).
    ``translate(language, english)`` gives the label in a language."""
    languages = tuple(languages)
    name = "Micro-credential"
    return {
        "vct": vct,
        "name": name,
        "description": "An EU micro-credential (Council Recommendation 2022/C 243/02)",
        "display": [{"locale": lang, "name": translate(lang, name)} for lang in languages],
        "claims": [
            {
                "path": [claim.name],
                "display": [
                    {"locale": lang, "label": translate(lang, claim.label)} for lang in languages
                ],
                "sd": _SD_METADATA[claim.sd],
            }
            for claim in CLAIMS
        ],
    }
