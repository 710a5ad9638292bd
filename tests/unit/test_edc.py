"""The EDC profile's pure parts: language tags and their EU concepts, the builder's refusals,
and the EDC context (defines no protected VC term, pinned like every bundled context)."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from PIL import Image

from issuer.credential import AchievementSpec, Award, IssuerProfile, Learner, LearningOutcome
from issuer.edc import (
    PageImage,
    build_edc_credential,
    edc_achievement_problems,
    edc_award_problems,
    effective_profile,
)
from issuer.languages import LanguageTagError, canonical_language_tag, eu_language_concept
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    MICROCRED_EDC_CONTEXT_URL,
    bundled_context_bytes,
    bundled_document_loader,
    canonicalize,
)

EDC_V1_SHA256 = "d9498abe5148f16f1616c3d62603de0bc5a3b5da4dd29fefff10352dc3db3b38"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SPEC = AchievementSpec(
    id=uuid.UUID("5f1d2c3b-0000-4000-8000-000000000002"),
    revision=1,
    title={"hr": "3D ispis: osnove FDM"},
    learning_outcomes=(LearningOutcome({"hr": "Priprema model za ispis"}),),
    eqf_level=4,
    assessment_type={"hr": "praktična demonstracija"},
    participation_form="online",
    quality_assurance={"hr": "Interna provjera kvalitete"},
    ects=Decimal(2),
    nqf_level="http://data.europa.eu/snb/qdr/c_c392e7a2",
)
ISSUER = IssuerProfile("did:web:example.org", "Tehnička škola", "HRV", "Croatia", "123", None, "hr")
LEARNER = Learner("Ivo", "Ivić")
AWARD = Award(uuid.UUID(int=7), NOW, date(2026, 11, 30), NOW, grade="izvrstan (5)")
ENTRY = {
    "id": "https://example.org/status/a#9",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "9",
    "statusListCredential": "https://example.org/status/a",
}


def page(language: str = "hr") -> PageImage:
    out = io.BytesIO()
    Image.new("RGB", (8, 11), "white").save(out, "PNG")
    return PageImage(language, "image/png", out.getvalue())


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("sl", "sl"), ("SR-latn", "sr-Latn"), ("sr-cyrl", "sr-Cyrl"), ("cnr", "cnr"),
     ("de-at", "de-AT"), ("sr-Latn-ME", "sr-Latn-ME"), (" bs ", "bs")],
)  # fmt: skip
def test_language_tags_are_canonical(tag: str, canonical: str) -> None:
    assert canonical_language_tag(tag) == canonical


@pytest.mark.parametrize(
    ("tag", "says"),
    [("", "language[-Script]"), ("en_GB", "language[-Script]"), ("qq", "ISO 639"),
     ("eng", "ISO 639-1 code 'en'"), ("sr-Qqqq", "ISO 15924"), ("de-XX", "ISO 3166-1"),
     ("sr-Latn-ME-x", "language[-Script]")],
)  # fmt: skip
def test_bad_language_tags_say_what_is_expected(tag: str, says: str) -> None:
    with pytest.raises(LanguageTagError, match=says.replace("[", r"\[").replace("]", r"\]")):
        canonical_language_tag(tag)


@pytest.mark.parametrize(
    ("tag", "code"), [("sl", "SLV"), ("sr-Cyrl", "SRP"), ("cnr", "CNR"), ("de-AT", "DEU")]
)
def test_eu_language_concepts(tag: str, code: str) -> None:
    concept = eu_language_concept(tag)
    assert concept["id"] == f"http://publications.europa.eu/resource/authority/language/{code}"
    assert concept["inScheme"]["id"] == "http://publications.europa.eu/resource/authority/language"


def test_the_profile_of_an_achievement_overrides_the_institutions() -> None:
    assert effective_profile(SPEC, "edc") == "edc"
    assert effective_profile(replace(SPEC, profile="compact"), "edc") == "compact"
    assert effective_profile(replace(SPEC, profile="edc"), "compact") == "edc"


def test_nqf_text_and_a_missing_grade_are_refused() -> None:
    assert edc_achievement_problems(SPEC) == []
    [(field, reason)] = edc_achievement_problems(replace(SPEC, nqf_level="HKO 4"))
    assert field == "nqf_level" and "http://data.europa.eu/snb/qdr/25831c2" in reason
    assert [f for f, _ in edc_award_problems(SPEC, " ")] == ["grade"]
    unlabelled = replace(SPEC, nqf_level=None, nqf_level_label={"hr": "HKO 4"})
    assert [f for f, _ in edc_achievement_problems(unlabelled)] == ["nqf_level_label"]
    with pytest.raises(ValueError, match="grade"):
        build_edc_credential(SPEC, ISSUER, LEARNER, replace(AWARD, grade=None), pages=[page()])


def test_the_builder_takes_one_revocation_entry_and_at_least_one_page() -> None:
    with pytest.raises(ValueError, match="revocation"):
        build_edc_credential(
            SPEC, ISSUER, LEARNER, AWARD, pages=[page()],
            revocation_entry={**ENTRY, "statusPurpose": "suspension"},
        )  # fmt: skip
    with pytest.raises(ValueError, match="page"):
        build_edc_credential(SPEC, ISSUER, LEARNER, AWARD, pages=[])
    with pytest.raises(ValueError, match="JPEG or PNG"):
        build_edc_credential(
            SPEC, ISSUER, LEARNER, AWARD, pages=[PageImage("hr", "image/gif", b"GIF89a")]
        )


def test_the_edc_credential_in_json_and_in_rdf() -> None:
    vc = build_edc_credential(
        SPEC, ISSUER, LEARNER, AWARD, pages=[page()], revocation_entry=ENTRY, ebsi=False
    )
    assert vc["@context"][-1] == MICROCRED_EDC_CONTEXT_URL
    assert vc["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert vc["credentialStatus"] == ENTRY
    assert vc["credentialSchema"] == {
        "id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
        "type": "ShaclValidator2017",
    }
    claim = vc["credentialSubject"]["hasClaim"]
    body = claim["awardedBy"]["awardingBody"]
    assert body["id"] == ISSUER.did and body["legalName"] == {"hr": "Tehnička škola"}
    assert "eidasLegalIdentifier" not in body and "eidasLegalIdentifier" in vc["issuer"]
    assert claim["provenBy"]["awardedBy"]["type"] == "AwardingProcess"
    assert claim["provenBy"]["grade"]["noteLiteral"] == {"hr": "izvrstan (5)"}
    image = vc["displayParameter"]["individualDisplay"][0]["displayDetail"]["image"]
    assert image["contentType"]["id"].endswith("/file-type/PNG")
    nquads = canonicalize(vc, bundled_document_loader())
    assert (
        '<http://data.europa.eu/snb/model/elm/page> "1"^^'
        "<http://www.w3.org/2001/XMLSchema#positiveInteger>" in nquads
    )
    assert (
        "<http://data.europa.eu/snb/qdr/c_c392e7a2> <http://www.w3.org/2004/02/skos/core#inScheme>"
        " <http://data.europa.eu/snb/qdr/25831c2>" in nquads
    )
    ebsi = build_edc_credential(SPEC, ISSUER, LEARNER, AWARD, pages=[page()], ebsi=True)
    assert ebsi["type"][:3] == [
        "VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"
    ]  # fmt: skip
    assert "https://w3id.org/microcred/edc#VerifiableAttestation" in canonicalize(
        ebsi, bundled_document_loader()
    )


def test_the_edc_context_defines_no_protected_vc_or_microcred_term_and_is_pinned() -> None:
    loader = bundled_document_loader()
    ours = loader(MICROCRED_EDC_CONTEXT_URL, {})["document"]["@context"]
    vc = loader("https://www.w3.org/ns/credentials/v2", {})["document"]["@context"]
    v1 = loader("https://w3id.org/microcred/v1", {})["document"]["@context"]
    assert not (set(ours) - {"@version", "@protected"}) & (set(vc) | set(v1))
    # Frozen once credentials cite it: a change needs a new URL.
    data = bundled_context_bytes(MICROCRED_EDC_CONTEXT_URL)
    assert hashlib.sha256(data).hexdigest() == EDC_V1_SHA256
    assert BUNDLED_CONTEXTS[MICROCRED_EDC_CONTEXT_URL].sha256 == EDC_V1_SHA256
