"""What one issuance asks for, defined once: the learner's fields and the award's fields, as
every input states them (the API's JSON body, a roster row, a batch row stored for a worker),
and the :class:`IssueRequest` the issuance service takes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from app.http.text_input import MAX_NAME, SingleLine
from issuer.credential import Learner

__all__ = ["AwardIn", "IssueRequest", "LearnerIn", "NotifyIn", "RosterRow"]

EmailLike = Annotated[SingleLine, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class LearnerIn(BaseModel):
    """The learner: names (mandatory, Annex I), and what else identifies them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name: SingleLine = Field(min_length=1, max_length=MAX_NAME)
    family_name: SingleLine = Field(min_length=1, max_length=MAX_NAME)
    email: EmailLike | None = None
    date_of_birth: date | None = None
    identifier: SingleLine | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    did: SingleLine | None = Field(default=None, pattern=r"^did:[a-z0-9]+:\S+$", max_length=512)

    def learner(self) -> Learner:
        return Learner(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            identifier=self.identifier,
            did=self.did,
        )


class AwardIn(BaseModel):
    """What this learner was awarded beyond the course: grade, date, end of validity."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    grade: SingleLine | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    awarded_on: date | None = None
    valid_until: AwareDatetime | None = None

    @field_validator("valid_until")
    @classmethod
    def _in_utc_range(cls, value: datetime | None) -> datetime | None:
        # Credentials state times in UTC, and 9999-12-31T23:00:00-05:00 has no UTC form.
        if value is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                reason = "is out of range (in UTC it falls outside the years 1-9999)"
                raise ValueError(reason) from None
        return value


class NotifyIn(BaseModel):
    """Whether the learner gets the wallet link by e-mail (``false``: not for this one; unset:
    as the institution's ``notify_learners`` says)."""

    model_config = ConfigDict(extra="forbid")

    notify: bool | None = Field(
        default=None,
        description="false: no e-mail to the learner about this credential (default: the "
        "institution's notify_learners setting)",
    )


class RosterRow(NotifyIn, AwardIn, LearnerIn):
    """One row of a roster: the learner's and the award's fields side by side (and whether
    this learner is sent the wallet link)."""

    def request(self, achievement_id: str) -> IssueRequest:
        return IssueRequest.of(achievement_id, self, self, notify=self.notify is not False)


@dataclass(frozen=True)
class IssueRequest:
    achievement_id: str
    learner: Learner
    learner_email: str | None = None
    grade: str | None = None
    awarded_on: date | None = None
    valid_until: datetime | None = None
    #: False: the learner is not sent the wallet link by e-mail.
    notify: bool = True

    @classmethod
    def of(
        cls, achievement_id: str, learner: LearnerIn, award: AwardIn, *, notify: bool = True
    ) -> IssueRequest:
        return cls(
            achievement_id=achievement_id,
            learner=learner.learner(),
            learner_email=learner.email,
            grade=award.grade,
            awarded_on=award.awarded_on,
            valid_until=award.valid_until,
            notify=notify,
        )

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retry from a different request (same key)."""
        body: dict[str, Any] = {
            "achievement_id": self.achievement_id,
            "learner": {
                "given_name": self.learner.given_name,
                "family_name": self.learner.family_name,
                "date_of_birth": _iso(self.learner.date_of_birth),
                "identifier": self.learner.identifier,
                "did": self.learner.did,
                "email": self.learner_email,
            },
            "grade": self.grade,
            "awarded_on": _iso(self.awarded_on),
            "valid_until": _iso(self.valid_until),
        }
        if not self.notify:  # only then: the digests of earlier requests stay what they were
            body["notify"] = False
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
