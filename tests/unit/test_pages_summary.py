"""What the verification page reads from a credential, and the verdict it shows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from app.documents.i18n import LANGUAGES
from app.documents.messages import INPUT_VERDICTS, VERDICTS, check_sentence
from app.documents.summary import summarize
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from verifier.result import VERDICTS as VERDICT_NAMES
from verifier.result import Check

LANG = {lang.tag: lang for lang in LANGUAGES}


def credential() -> dict[str, object]:
    spec = AchievementSpec(
        id=uuid.UUID(int=1),
        revision=1,
        title={"en": "Welding basics", "hr": "Osnove zavarivanja"},
        learning_outcomes=(
            LearningOutcome({"en": "Welds a butt joint", "hr": "Zavaruje sučeoni spoj"}),
            LearningOutcome({"en": "Works safely"}),
        ),
        eqf_level=3,
        assessment_type={"hr": "praktični ispit"},
        participation_form="blended",
        quality_assurance={"hr": "Interno osiguravanje kvalitete"},
        ects=Decimal("1.5"),
        workload_hours=40,
        nqf_level="3",
        prerequisites={"hr": "Nema"},
        stackability={"hr": "Dio programa zavarivača"},
    )
    issuer = IssuerProfile("did:web:example.org:institutions:ss-split", "Obrtnička škola Split",
                           "HRV", "Croatia", "123")  # fmt: skip
    learner = Learner("Ivana", "Šarić", date_of_birth=date(2003, 5, 17))
    award = Award(
        credential_id=uuid.UUID(int=2),
        issued_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
        awarded_on=date(2026, 3, 4),
        valid_from=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
        valid_until=datetime(2031, 3, 5, tzinfo=UTC),
        grade="vrlo dobar (4)",
    )
    return build_credential(spec, issuer, learner, award, context_url="https://x/contexts/v1")


def test_summary_of_a_micro_credential_in_croatian_and_english() -> None:
    hr = summarize(credential(), LANG["hr"])
    assert hr is not None
    assert hr.learner == "Ivana Šarić" and hr.title == "Osnove zavarivanja"
    assert hr.learning_outcomes == ("Zavaruje sučeoni spoj", "Works safely")
    assert hr.issuer_name == "Obrtnička škola Split" and hr.issuer_country == "HR"
    assert hr.issuer_did == "did:web:example.org:institutions:ss-split"
    assert hr.issued == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert hr.valid_until == datetime(2031, 3, 5, tzinfo=UTC)
    assert hr.date_of_birth == datetime(2003, 5, 17, tzinfo=UTC)
    assert (hr.ects, hr.workload_hours, hr.eqf_level, hr.nqf_level) == (Decimal("1.5"), 40, 3, "3")
    assert hr.grade == "vrlo dobar (4)" and hr.assessment_type == "praktični ispit"
    assert hr.participation == "blended" and hr.prerequisites == "Nema"
    assert hr.notes == (
        ("quality_assurance", "Interno osiguravanje kvalitete"),
        ("stackability", "Dio programa zavarivača"),
    )
    assert hr.credential_id == f"urn:uuid:{uuid.UUID(int=2)}"
    en = summarize(credential(), LANG["en"])
    assert en is not None and en.title == "Welding basics"
    assert en.learning_outcomes == ("Welds a butt joint", "Works safely")
    sl = summarize(credential(), LANG["sl"])
    assert sl is not None and sl.title == "Welding basics"  # no Slovenian: English


def test_summary_tolerates_other_shapes() -> None:
    assert summarize(None, LANG["en"]) is None
    empty = summarize({}, LANG["en"])
    assert empty is not None and not empty.says_anything
    other = summarize(
        {
            "issuer": "did:key:z6Mk",
            "name": [
                {"@value": "Kurs", "@language": "sr"},
                {"@value": "Course", "@language": "en"},
            ],
            "credentialSubject": [{"name": "Marko Marković"}],
            "validFrom": "not a date",
            "issuanceDate": "2020-01-01T00:00:00Z",
        },
        LANG["sr-Latn"],
    )
    assert other is not None and other.says_anything
    assert (other.title, other.learner, other.issuer_did) == (
        "Kurs",
        "Marko Marković",
        "did:key:z6Mk",
    )
    assert other.issued == datetime(2020, 1, 1, tzinfo=UTC) and other.valid_from is None
    weird = summarize({"credentialSubject": {"hasClaim": {"specifiedBy": {
        "creditPoint": "x", "eqfLevel": {"id": "http://data.europa.eu/snb/eqf/99"},
        "volumeOfLearning": "P1DT2H", "learningOutcome": [None, 3, {"title": {"en": "A"}}]}}}},
        LANG["en"])  # fmt: skip
    assert weird is not None
    assert (weird.ects, weird.eqf_level, weird.workload_hours) == (None, None, 26)
    assert weird.learning_outcomes == ("A",)


def test_every_verdict_has_words() -> None:
    # the verifier's verdicts, and those of what a person sent that was not a credential
    assert set(VERDICTS) == set(VERDICT_NAMES) | INPUT_VERDICTS
    assert {v.tone for v in VERDICTS.values()} == {"good", "bad", "caution"}


def test_check_sentences() -> None:
    assert check_sentence(Check("validity", "failed", "expired")) == (
        "Its period of validity has ended."
    )
    assert check_sentence(Check("revocation", "failed", "revoked")) == "The issuer has revoked it."
    assert check_sentence(Check("revocation", "failed", "status_list_unavailable")) == (
        "Whether the issuer has revoked it could not be confirmed."
    )
    assert check_sentence(Check("future_check", "warning")) == (
        "This check raised a warning; see the technical details."
    )
    assert check_sentence(Check("trust", "odd")) == (
        "This check raised a warning; see the technical details."
    )
