"""The plain-language words of a verification page: verdicts, checks, element labels.

Every string here is marked with :func:`N_` for extraction and translated when the page renders
(``{{ _(text) }}``), so this module needs no request or language.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.documents.i18n import N_
from verifier.result import UNDETERMINED_CODES, Check, VerificationResult

__all__ = [
    "CHECK_TITLES",
    "INPUT_VERDICTS",
    "NOTE_LABELS",
    "PARTICIPATION_LABELS",
    "PUBLIC_REASONS",
    "STATUS_WORDS",
    "VERDICTS",
    "Verdict",
    "check_sentence",
    "page_verdict",
]


@dataclass(frozen=True)
class Verdict:
    """``tone``: ``good``, ``bad`` or ``caution`` (the colour and icon of the banner)."""

    headline: str
    sentence: str
    tone: str


VERDICTS: dict[str, Verdict] = {
    "valid": Verdict(N_("Valid"), N_("This micro-credential is genuine and valid."), "good"),
    "revoked": Verdict(
        N_("Revoked"),
        N_("The issuer has revoked this micro-credential. It is no longer valid."),
        "bad",
    ),
    "suspended": Verdict(
        N_("Suspended"),
        N_("The issuer has suspended this micro-credential. It is not valid while suspended."),
        "caution",
    ),
    "expired": Verdict(
        N_("Expired"),
        N_("This micro-credential is genuine, but its period of validity has ended."),
        "caution",
    ),
    "not_yet_valid": Verdict(
        N_("Not yet valid"),
        N_("This micro-credential is genuine, but its period of validity has not begun yet."),
        "caution",
    ),
    "not_genuine": Verdict(
        N_("Not genuine"),
        N_(
            "This could not be confirmed as a genuine micro-credential. It may have been "
            "altered or forged: do not rely on it."
        ),
        "bad",
    ),
    # A status list could not be fetched or trusted: the status checks fail closed.
    "status_unknown": Verdict(
        N_("Status unknown"),
        N_(
            "The signature is genuine, but whether the issuer has revoked or suspended this "
            "micro-credential could not be confirmed just now. Try again later."
        ),
        "caution",
    ),
    "untrusted": Verdict(
        N_("Issuer not trusted"),
        N_(
            "The signature is genuine, but the issuer is not on the list of trusted issuers. "
            "Check who the issuer is before relying on it."
        ),
        "caution",
    ),
}

#: Verdicts about what a person pasted or uploaded at /verify, when no credential could be
#: checked: none of them says "altered or forged" (only not_genuine does), and their pages
#: list no checks (the technical details still do).
INPUT_VERDICTS = frozenset({"unreadable", "not_found", "unreachable", "pdf_without_credential"})
VERDICTS.update(
    {
        "unreadable": Verdict(
            N_("Not a credential"),
            N_(
                "This is not a digital credential, or it could not be read. Check that you "
                "pasted the whole credential, its verification address or the certificate PDF."
            ),
            "caution",
        ),
        "not_found": Verdict(
            N_("Address not found"),
            N_(
                "No micro-credential is published at this verification address. Check the "
                "address for typing mistakes, or ask the holder for it again."
            ),
            "caution",
        ),
        "unreachable": Verdict(
            N_("Could not check"),
            N_(
                "The address could not be reached just now, so nothing could be checked. Try "
                "again later."
            ),
            "caution",
        ),
        "pdf_without_credential": Verdict(
            N_("No credential in this PDF"),
            N_(
                "This PDF does not carry a digital credential. A certificate from microcred "
                "carries its credential inside the PDF: ask the holder for the original file or "
                "for the verification address."
            ),
            "caution",
        ),
    }
)

# "Status unknown" when not even the issuer's key could be fetched: the signature is unchecked.
_KEY_UNKNOWN = Verdict(
    VERDICTS["status_unknown"].headline,
    N_(
        "Whether this micro-credential is genuine could not be confirmed just now: the "
        "issuer's published keys could not be reached. Try again later."
    ),
    "caution",
)


def page_verdict(result: VerificationResult, outcome: str | None = None) -> tuple[str, Verdict]:
    """The verdict a page shows for ``result``, as its code and its banner: ``outcome`` when
    the input was answered without a verification (:class:`VERDICTS` ``not_found``,
    ``unreachable``, ``pdf_without_credential``); ``unreadable`` when the input is not a
    credential that could be read (its ``format`` check failed); else the verifier's verdict
    (an unknown one reads as not genuine)."""
    if outcome is not None and outcome in VERDICTS:
        return outcome, VERDICTS[outcome]
    code = result.verdict if result.verdict in VERDICTS else "not_genuine"
    form = result.check("format")
    if code == "not_genuine" and form is not None and form.failed:
        code = "unreadable"
    key = result.check("issuer_key")
    if code == "status_unknown" and key is not None and key.code in UNDETERMINED_CODES:
        return code, _KEY_UNKNOWN
    return code, VERDICTS[code]


#: The public reasons of a revocation or a suspension (the API's ``public_reason``), as the
#: pages name them; the API's ``reason`` is the institution's own note and stays internal.
PUBLIC_REASONS: dict[str, str] = {
    "issued_in_error": N_("It was issued in error."),
    "requirements_not_met": N_("The requirements for it were found not to have been met."),
    "misconduct": N_("Misconduct in the assessment."),
    "replaced": N_("It was replaced by a new micro-credential."),
    "learner_request": N_("At the learner's request."),
    "under_review": N_("It is under review."),
    "other": N_("For another reason."),
}

CHECK_TITLES: dict[str, str] = {
    "format": N_("Format"),
    "proof": N_("Digital signature"),
    "issuer_key": N_("Issuer's key"),
    "validity": N_("Period of validity"),
    "revocation": N_("Revocation"),
    "suspension": N_("Suspension"),
    "completeness": N_("EU elements"),
    "trust": N_("Trusted issuer"),
}

STATUS_WORDS: dict[str, str] = {
    "passed": N_("Passed"),
    "failed": N_("Failed"),
    "warning": N_("Warning"),
    "skipped": N_("Not checked"),
}

_SENTENCES: dict[tuple[str, str], str] = {
    ("format", "passed"): N_("The document is a well-formed verifiable credential."),
    ("format", "failed"): N_("The document is not a verifiable credential that can be read."),
    ("proof", "passed"): N_(
        "The issuer's digital signature is intact: nothing has been changed since signing."
    ),
    ("proof", "failed"): N_(
        "The digital signature does not match: the content was changed after signing, "
        "or it was not signed by this issuer."
    ),
    ("proof", "skipped"): N_("The digital signature could not be checked."),
    ("issuer_key", "passed"): N_("The signing key belongs to the issuer and is published by it."),
    ("issuer_key", "failed"): N_(
        "The signing key does not belong to the issuer, or the issuer has withdrawn it."
    ),
    ("issuer_key", "skipped"): N_("The issuer's signing key could not be checked."),
    ("validity", "passed"): N_("Today is within the period of validity."),
    ("validity", "failed"): N_("Today is outside the period of validity."),
    ("validity", "skipped"): N_("The period of validity was not checked."),
    ("revocation", "passed"): N_("The issuer has not revoked it."),
    ("revocation", "failed"): N_("The issuer has revoked it."),
    ("revocation", "warning"): N_("Whether the issuer has revoked it could not be confirmed."),
    ("revocation", "skipped"): N_("Revocation was not checked."),
    ("suspension", "passed"): N_("The issuer has not suspended it."),
    ("suspension", "failed"): N_("The issuer has suspended it."),
    ("suspension", "warning"): N_("Whether the issuer has suspended it could not be confirmed."),
    ("suspension", "skipped"): N_("Suspension was not checked."),
    ("completeness", "passed"): N_(
        "It contains every element the EU Recommendation on micro-credentials requires."
    ),
    ("completeness", "failed"): N_(
        "Some elements the EU Recommendation on micro-credentials requires are missing."
    ),
    ("completeness", "warning"): N_("The EU elements could not be read, so they were not checked."),
    ("completeness", "skipped"): N_("The EU elements were not checked."),
    ("trust", "passed"): N_("The issuer is on the list of trusted issuers."),
    ("trust", "failed"): N_("The issuer is not on the list of trusted issuers."),
    ("trust", "skipped"): N_("Whether the issuer is trusted was not checked."),
}
# Where the code of a check says more than its status.
_BY_CODE: dict[tuple[str, str], str] = {
    ("validity", "expired"): N_("Its period of validity has ended."),
    ("validity", "not_yet_valid"): N_("Its period of validity has not begun yet."),
    # The issuer's DID document could not be fetched just now: not a verdict on the key.
    ("issuer_key", "did_unreachable"): _SENTENCES[("issuer_key", "skipped")],
}
_FALLBACK = {
    "passed": N_("This check passed."),
    "failed": N_("This check failed."),
    "warning": N_("This check raised a warning; see the technical details."),
    "skipped": N_("This check did not apply."),
}

PARTICIPATION_LABELS: dict[str, str] = {
    "online": N_("Online"),
    "in_person": N_("In person"),
    "blended": N_("Blended (online and in person)"),
}

NOTE_LABELS: dict[str, str] = {
    "quality_assurance": N_("Quality assurance"),
    "supervision": N_("Supervision and identity verification"),
    "stackability": N_("Integration and stackability"),
    "further_information": N_("Further information"),
}


_STATUS_STATES = {"revocation": "revoked", "suspension": "suspended"}


def _status_unknown(check: Check | None) -> bool:
    """A status check that failed because the list could not be read, not because the bit
    is set (the verifier fails closed, with the reason in ``code``)."""
    return (
        check is not None
        and check.failed
        and check.name in _STATUS_STATES
        and check.code != _STATUS_STATES[check.name]
    )


def check_sentence(check: Check) -> str:
    """The untranslated sentence that says what ``check`` found."""
    if _status_unknown(check):
        return _SENTENCES[(check.name, "warning")]
    if check.status == "failed" and check.code and (check.name, check.code) in _BY_CODE:
        return _BY_CODE[(check.name, check.code)]
    return _SENTENCES.get((check.name, check.status)) or _FALLBACK.get(
        check.status, _FALLBACK["warning"]
    )
