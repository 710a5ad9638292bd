"""The result of verifying a credential: one entry per check, and a verdict.

Verification never throws for a bad credential (Digital Bazaar's habit, and STYLE.md rule 5):
it returns a :class:`VerificationResult` whose checks say what passed and why anything failed.

Checks, in the order they are made (``name``):

``format``        the input parses as a credential: JSON-LD VC 2.0/1.1 with a Data Integrity
                  proof, a VC-JOSE-COSE ``vc+jwt``, a legacy VC-JWT (``vc`` claim), an
                  ``EnvelopedVerifiableCredential``, or an SD-JWT VC (``dc+sd-jwt``, see
                  :mod:`verifier.sd_jwt_vc` for what each check means there); the VC data
                  model rules hold
``proof``         the proof or JWS signature verifies with the key of the verification method
``issuer_key``    that key belongs to the issuer (controller = the issuer's DID or URL, or the
                  issuer's JWK Set for a vc+jwt of a URL issuer) and is listed for
                  ``assertionMethod`` in the issuer's DID (or controlled identifier) document
``validity``      ``validFrom`` / ``validUntil`` (or ``nbf``/``exp``) hold now, with clock skew
``revocation``    the revocation status list (fetched, its own proof checked) has the bit clear
``suspension``    likewise for the suspension list
``completeness``  an EU micro-credential carries the Annex I elements (not essential)
``trust``         the issuer is on the trusted list (skipped when no list is configured); an
                  issuer not on it is a ``warning`` (``untrusted_issuer``), not a failure:
                  trust is reported beside validity (``trusted``), it does not decide
                  ``verified`` (the VC API's meaning: proofs, status, validity period)

A check's ``status`` is ``passed``, ``failed``, ``warning`` or ``skipped`` (``skipped``: does
not apply, e.g. no ``credentialStatus``, or an earlier check failed so it cannot run).

A failed check either refutes the credential (a bad signature, a key the issuer does not
list, a set status bit) or says that it could not be established
(:data:`UNDETERMINED_CODES`: the issuer's DID document or a status list could not be fetched
just now, or the fetch budget ran out). The second kind gives the verdict
``status_unknown`` ("could not check"), never ``not_genuine``; ``verified`` is false either
way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CHECK_NAMES",
    "ESSENTIAL_CHECKS",
    "UNDETERMINED_CODES",
    "VERDICTS",
    "Check",
    "VerificationResult",
    "verdict_of",
]

CHECK_NAMES = (
    "format",
    "proof",
    "issuer_key",
    "validity",
    "revocation",
    "suspension",
    "completeness",
    "trust",
)
#: Checks whose failure makes a credential not verified. Completeness and trust are reported
#: only: whether the issuer is one the caller trusts is the caller's policy, not validity.
ESSENTIAL_CHECKS = frozenset(CHECK_NAMES) - {"completeness", "trust"}
#: Codes of an authenticity check (``format``, ``proof``, ``issuer_key``) that failed because
#: it could not be made, not because the credential is false: the issuer's DID document could
#: not be fetched just now (network, timeout, server error, fetch budget).
UNDETERMINED_CODES = frozenset({"did_unreachable"})
#: Verdicts, most serious first; the first that applies is the verdict.
VERDICTS = (
    "not_genuine",
    "revoked",
    "suspended",
    "status_unknown",
    "expired",
    "not_yet_valid",
    "untrusted",
    "valid",
)


@dataclass(frozen=True)
class Check:
    """One check: ``code`` is machine-readable when it did not pass; ``detail`` is English."""

    name: str
    status: str
    code: str | None = None
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "data": dict(self.data),
        }


def verdict_of(checks: tuple[Check, ...]) -> str:
    """The verdict of a set of checks (see :data:`VERDICTS`)."""
    failed = {c.name: c for c in checks if c.failed}
    authenticity = [failed[n] for n in ("format", "proof", "issuer_key") if n in failed]
    if any(c.code not in UNDETERMINED_CODES for c in authenticity):
        return "not_genuine"
    if authenticity:
        return "status_unknown"  # the issuer's key could not be fetched: could not check
    revocation, suspension = failed.get("revocation"), failed.get("suspension")
    if revocation is not None and revocation.code == "revoked":
        return "revoked"
    if suspension is not None and suspension.code == "suspended":
        return "suspended"
    if revocation is not None or suspension is not None:
        return "status_unknown"  # the status list could not be fetched or trusted
    validity = failed.get("validity")
    if validity is not None:
        return "not_yet_valid" if validity.code == "not_yet_valid" else "expired"
    if any(c.name == "trust" and c.status in ("failed", "warning") for c in checks):
        return "untrusted"
    return "valid"


@dataclass(frozen=True)
class VerificationResult:
    """What verification found: ``verified`` is true when every essential check passed (or
    did not apply)."""

    checks: tuple[Check, ...]
    format: str | None = None
    credential: Mapping[str, Any] | None = None
    issuer: str | None = None
    verification_method: str | None = None

    @property
    def verdict(self) -> str:
        return verdict_of(self.checks)

    @property
    def verified(self) -> bool:
        return not any(c.failed for c in self.checks if c.name in ESSENTIAL_CHECKS)

    @property
    def trusted(self) -> bool | None:
        """Whether the issuer is on the trusted list; None when no list was given."""
        trust = self.check("trust")
        if trust is None or trust.status == "skipped":
            return None
        return trust.passed

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The machine form (the VC API's ``{verified, checks, ...}`` and more)."""
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "trusted": self.trusted,
            "format": self.format,
            "issuer": self.issuer,
            "verificationMethod": self.verification_method,
            "checks": [c.name for c in self.checks if c.passed],
            "results": [c.to_json() for c in self.checks],
            "errors": [
                {"check": c.name, "code": c.code, "detail": c.detail}
                for c in self.checks
                if c.failed
            ],
            "warnings": [
                {"check": c.name, "code": c.code, "detail": c.detail}
                for c in self.checks
                if c.status == "warning"
            ],
            "credential": dict(self.credential) if self.credential is not None else None,
        }
