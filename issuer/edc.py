"""The EDC profile: a micro-credential that the EU's European Digital Credential shapes accept.

:func:`issuer.credential.build_credential` makes the compact credential; this module makes,
from the same inputs, the credential that passes the EDC application-profile SHACL shapes
(``EDC-generic-full`` and ``EDC-generic-no-cv``, ELM 3) and follows EBSI's VC 2.0 EDC JSON
Schema where that schema and the shapes agree with VC 2.0. What it adds or changes:

====================================  ===================================================
shape (``../shared/elm/shapes``)       what the EDC profile does
====================================  ===================================================
``cred:credentialSchema`` minCount 1  ``{"id": <edc-generic-full>, "type": "ShaclValidator2017"}``
``elm:displayParameter`` minCount 1   title, primary language, languages, and per language an
                                      individual display whose page 1 image is the credential
                                      rendered in that language (:class:`PageImage`, made by
                                      the caller: the core renders nothing)
``cred:credentialStatus`` maxCount 1  one ``BitstringStatusListEntry`` (revocation); EDC
                                      credentials cannot be suspended
``elm:NQFLevel`` (QDR restriction)    a concept of the EU Qualification Dataset Register
                                      (``http://data.europa.eu/snb/qdr/c_...``) in the scheme
                                      ``http://data.europa.eu/snb/qdr/25831c2``, never text
``elm:grade`` minCount 1              a grade is required (:func:`edc_award_problems`)
EBSI: ``awardingBody``                the issuer as an Organisation object, also in
                                      ``provenBy.awardedBy`` (an AwardingProcess object)
EBSI: ``type``                        ``VerifiableAttestation`` when ``ebsi=True``
====================================  ===================================================

The added terms are defined by a second context, :data:`~verifier.jsonld.MICROCRED_EDC_CONTEXT_URL`
(the microcred v1 context is frozen). Every node has an IRI, as in the compact credential.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from issuer.credential import (
    VC_V2_CONTEXT,
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    build_credential,
)
from issuer.languages import eu_language_concept
from verifier.jsonld import MICROCRED_CONTEXT_URL, MICROCRED_EDC_CONTEXT_URL

__all__ = [
    "EDC_SHACL_SCHEMA",
    "QDR_SCHEME",
    "PageImage",
    "build_edc_credential",
    "edc_achievement_problems",
    "edc_award_problems",
    "effective_profile",
]

#: The EDC shapes' own identifier, the ``credentialSchema`` of every EDC credential.
EDC_SHACL_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"
#: The EU Qualification Dataset Register scheme of NQF level concepts (NQFLevelRestriction).
QDR_SCHEME = "http://data.europa.eu/snb/qdr/25831c2"
QDR_CONCEPT = re.compile(r"^http://data\.europa\.eu/snb/qdr/c_[0-9a-z]{4,32}$")
_ENCODING_SCHEME = "http://data.europa.eu/snb/encoding/25831c2"
_BASE64 = "http://data.europa.eu/snb/encoding/6146cde7dd"
_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type"
_MEDIA_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class PageImage:
    """The credential rendered as a page (page 1) in ``language``, JPEG or PNG bytes."""

    language: str
    media_type: str
    content: bytes


def effective_profile(spec: AchievementSpec, institution_profile: str) -> str:
    """The achievement's own profile, else the institution's."""
    return spec.profile or institution_profile


def edc_achievement_problems(spec: AchievementSpec) -> list[tuple[str, str]]:
    """What the EDC profile refuses in an achievement, as (field, reason)."""
    problems: list[tuple[str, str]] = []
    if spec.nqf_level is not None and not QDR_CONCEPT.match(spec.nqf_level):
        problems.append(
            (
                "nqf_level",
                "the EDC profile takes the NQF level as the URI of a concept of the country's "
                "NQF in the EU Qualification Dataset Register (scheme "
                f"{QDR_SCHEME}), e.g. http://data.europa.eu/snb/qdr/c_c392e7a2; not text",
            )
        )
    if spec.nqf_level_label and spec.nqf_level is None:
        problems.append(("nqf_level_label", "is the label of nqf_level, which is not set"))
    return problems


def edc_award_problems(spec: AchievementSpec, grade: str | None) -> list[tuple[str, str]]:
    """What the EDC profile refuses in one award, as (field, reason)."""
    problems = edc_achievement_problems(spec)
    if grade is None or not grade.strip():
        problems.append(
            (
                "grade",
                "the EDC profile requires a grade (the EDC shapes require elm:grade on the "
                "learning assessment); send the grade, e.g. 'pass' or 'excellent (5)'",
            )
        )
    return problems


def _concept(iri: str, scheme: str, label: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": iri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": dict(label),
    }


def build_display_parameter(
    ns: uuid.UUID, title: Mapping[str, str], pages: Sequence[PageImage], primary: str
) -> dict[str, Any]:
    """ELM ``DisplayParameter``: title, primary language, languages, one individual display per
    page image (its language, page 1, the image as a base64 MediaObject)."""
    if not pages:
        raise ValueError("the EDC profile needs at least one rendered page")
    languages: dict[str, dict[str, Any]] = {}
    displays = []
    for page in pages:
        if page.media_type not in _MEDIA_TYPES:
            raise ValueError(f"page images are JPEG or PNG, not {page.media_type}")
        concept = eu_language_concept(page.language)
        languages.setdefault(concept["id"], concept)
        file_type = _MEDIA_TYPES[page.media_type]
        displays.append(
            {
                "id": f"urn:uuid:{uuid.uuid5(ns, f'display-{page.language}')}",
                "type": "IndividualDisplay",
                "language": concept,
                "displayDetail": {
                    "id": f"urn:uuid:{uuid.uuid5(ns, f'display-{page.language}-page-1')}",
                    "type": "DisplayDetail",
                    "page": 1,
                    "image": {
                        "id": f"urn:uuid:{uuid.uuid5(ns, f'display-{page.language}-image-1')}",
                        "type": "MediaObject",
                        "content": base64.b64encode(page.content).decode("ascii"),
                        "contentEncoding": _concept(_BASE64, _ENCODING_SCHEME, {"en": "base64"}),
                        "contentType": _concept(
                            f"{_FILE_TYPES}/{file_type}", _FILE_TYPES, {"en": file_type}
                        ),
                    },
                },
            }
        )
    return {
        "id": f"urn:uuid:{uuid.uuid5(ns, 'display')}",
        "type": "DisplayParameter",
        "title": dict(title),
        "primaryLanguage": eu_language_concept(primary),
        "language": list(languages.values()),
        "individualDisplay": displays,
    }


def build_edc_credential(
    spec: AchievementSpec,
    issuer: IssuerProfile,
    learner: Learner,
    award: Award,
    *,
    pages: Sequence[PageImage],
    context_url: str = MICROCRED_CONTEXT_URL,
    edc_context_url: str = MICROCRED_EDC_CONTEXT_URL,
    revocation_entry: Mapping[str, Any] | None = None,
    ebsi: bool = False,
) -> dict[str, Any]:
    """The unsecured micro-credential of the EDC profile (see the module docstring).

    ``pages``: the credential rendered as a page, one image per language (the first is the
    primary language); ``revocation_entry`` the one Bitstring Status List entry (purpose
    revocation); ``ebsi``: add ``VerifiableAttestation`` to ``type`` (EBSI's schema wants it).
    Raises ``ValueError`` with what :func:`edc_award_problems` finds, or without pages.
    """
    problems = edc_award_problems(spec, award.grade)
    if problems:
        raise ValueError("; ".join(f"{f}: {r}" for f, r in problems))
    if revocation_entry is not None and revocation_entry.get("statusPurpose") != "revocation":
        raise ValueError("an EDC credential carries one status entry, for revocation")
    document = build_credential(spec, issuer, learner, award, context_url=context_url)
    document["@context"] = [VC_V2_CONTEXT, context_url, edc_context_url]
    extra = [
        t
        for t in document["type"]
        if t not in ("VerifiableCredential", "EuropeanDigitalCredential")
    ]
    document["type"] = [
        "VerifiableCredential",
        *(["VerifiableAttestation"] if ebsi else []),
        "EuropeanDigitalCredential",
        *extra,
    ]
    # The issuer keeps its eidasLegalIdentifier: EBSI's schema allows none, but the shapes'
    # IssuerNodeShape requires exactly one (the shapes win; the README lists the difference).
    # The awarding body is the same node: its eidasLegalIdentifier stays with the issuer
    # (EBSI's schema refuses it in an awardingBody object).
    organisation = {k: v for k, v in document["issuer"].items() if k != "eidasLegalIdentifier"}
    claim = document["credentialSubject"]["hasClaim"]
    claim["awardedBy"]["awardingBody"] = organisation
    claim["provenBy"]["awardedBy"] = claim["awardedBy"]
    specification = claim["specifiedBy"]
    if spec.nqf_level is not None:
        specification["nqfLevel"] = {
            "id": spec.nqf_level,
            "type": "Concept",
            "inScheme": {"id": QDR_SCHEME, "type": "ConceptScheme"},
        }
        if spec.nqf_level_label:
            specification["nqfLevel"]["prefLabel"] = dict(spec.nqf_level_label)
    document["credentialSchema"] = {"id": EDC_SHACL_SCHEMA, "type": "ShaclValidator2017"}
    if revocation_entry is not None:
        document["credentialStatus"] = dict(revocation_entry)
    primary = pages[0].language if pages else spec.primary_language
    document["displayParameter"] = build_display_parameter(
        award.credential_id, spec.title, pages, primary
    )
    return document
