"""Request and response schemas of the HTTP API (pydantic). JSON fields are snake_case."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.services.achievements import AchievementFields, AchievementInfo
from app.services.institutions import SLUG_PATTERN

T = TypeVar("T")
EmailLike = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=63, examples=["skola-ljubljana"])
    name: str = Field(min_length=1, max_length=255)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    legal_id: str = Field(min_length=1, max_length=255)
    did_method: Literal["web", "key"] = "web"
    key_type: Literal["ed25519", "p256"] = "ed25519"
    homepage: str | None = Field(default=None, max_length=2048)


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    verification_method: str
    key_type: str
    public_key_multibase: str
    state: Literal["active", "retired", "withdrawn"]
    created_at: datetime
    retired_at: datetime | None
    withdrawn_at: datetime | None


class InstitutionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    country: str
    legal_id: str
    homepage: str | None
    did: str
    did_method: str
    key_type: str
    created_at: datetime
    did_document_url: str
    keys: list[KeyPublic]


class InstitutionCreated(InstitutionPublic):
    api_key: str = Field(description="Shown once; only a hash is stored.")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=255)


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    api_key: str = Field(description="Shown once; only a hash is stored.")


class EventPublic(BaseModel):
    kind: str
    subject: str
    actor: str
    at: datetime
    data: dict[str, object]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


# -- achievements ------------------------------------------------------------------------

_LANG_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
LangText = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=_LANG_TAG)],
        Annotated[str, Field(min_length=1, max_length=4000)],
    ]
    | Annotated[str, Field(min_length=1, max_length=4000)],
    Field(description='Text, or a language map such as {"en": "...", "sl": "..."}'),
]


class LearningOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: LangText
    esco_skill: str | None = Field(
        default=None, pattern=r"^http://data\.europa\.eu/esco/skill/[A-Za-z0-9-]+$"
    )


class AchievementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: LangText
    description: LangText | None = None
    learning_outcomes: list[LearningOutcomeIn] = Field(min_length=1, max_length=100)
    ects: Decimal | None = Field(default=None, gt=0, le=240, decimal_places=2)
    workload_hours: int | None = Field(default=None, ge=1, le=10000)
    eqf_level: int = Field(ge=1, le=8)
    nqf_level: str | None = Field(default=None, max_length=255)
    assessment_type: LangText
    participation_form: Literal["online", "in_person", "blended"]
    quality_assurance: LangText
    prerequisites: LangText | None = None
    supervision: LangText | None = None
    stackability: LangText | None = None
    further_information: LangText | None = None


class AchievementUpdate(BaseModel):
    """Every field optional; what is sent replaces what was there (``null`` clears optionals)."""

    model_config = ConfigDict(extra="forbid")

    title: LangText | None = None
    description: LangText | None = None
    learning_outcomes: list[LearningOutcomeIn] | None = Field(default=None, min_length=1)
    ects: Decimal | None = Field(default=None, gt=0, le=240, decimal_places=2)
    workload_hours: int | None = Field(default=None, ge=1, le=10000)
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    nqf_level: str | None = Field(default=None, max_length=255)
    assessment_type: LangText | None = None
    participation_form: Literal["online", "in_person", "blended"] | None = None
    quality_assurance: LangText | None = None
    prerequisites: LangText | None = None
    supervision: LangText | None = None
    stackability: LangText | None = None
    further_information: LangText | None = None


class LearningOutcomePublic(BaseModel):
    title: dict[str, str]
    esco_skill: str | None


class AchievementPublic(BaseModel):
    id: str
    revision: int
    title: dict[str, str]
    description: dict[str, str] | None
    learning_outcomes: list[LearningOutcomePublic]
    ects: float | None
    workload_hours: int | None
    eqf_level: int
    nqf_level: str | None
    assessment_type: dict[str, str]
    participation_form: str
    quality_assurance: dict[str, str]
    prerequisites: dict[str, str] | None
    supervision: dict[str, str] | None
    stackability: dict[str, str] | None
    further_information: dict[str, str] | None
    created_at: datetime
    updated_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, if any")


# -- credentials -------------------------------------------------------------------------


class LearnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=255)
    family_name: str = Field(min_length=1, max_length=255)
    email: EmailLike | None = None
    date_of_birth: date | None = None
    identifier: str | None = Field(default=None, min_length=1, max_length=255)
    did: str | None = Field(default=None, pattern=r"^did:[a-z0-9]+:\S+$", max_length=512)


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    achievement_id: str = Field(min_length=1, max_length=64)
    learner: LearnerIn
    grade: str | None = Field(default=None, min_length=1, max_length=255)
    awarded_on: date | None = None
    valid_until: AwareDatetime | None = None


class CredentialSummary(BaseModel):
    id: str
    achievement_id: str | None
    status: str
    issued_at: datetime
    valid_until: datetime | None
    learner_given_name: str | None
    learner_family_name: str | None
    learner_email: str | None
    verification_url: str
    wallet_url: str


def lang_map(value: str | dict[str, str] | None, default_language: str) -> dict[str, str] | None:
    """A language map from text or a language map; plain text takes ``default_language``."""
    if value is None:
        return None
    return {default_language: value} if isinstance(value, str) else dict(value)


def achievement_fields(body: AchievementCreate) -> AchievementFields:
    title = lang_map(body.title, "en")
    assert title is not None
    lang = next(iter(title))

    def text(value: str | dict[str, str] | None) -> dict[str, str] | None:
        return lang_map(value, lang)

    return AchievementFields(
        title=title,
        learning_outcomes=tuple(
            (text(o.title) or {}, o.esco_skill) for o in body.learning_outcomes
        ),
        eqf_level=body.eqf_level,
        assessment_type=text(body.assessment_type) or {},
        participation_form=body.participation_form,
        quality_assurance=text(body.quality_assurance) or {},
        ects=body.ects,
        workload_hours=body.workload_hours,
        description=text(body.description),
        nqf_level=body.nqf_level,
        prerequisites=text(body.prerequisites),
        supervision=text(body.supervision),
        stackability=text(body.stackability),
        further_information=text(body.further_information),
    )


def achievement_changes(body: AchievementUpdate, default_language: str) -> dict[str, object]:
    """The fields a PATCH sets, normalised like :func:`achievement_fields`."""
    sent = body.model_dump(exclude_unset=True)
    required = {"title", "learning_outcomes", "eqf_level", "assessment_type",
                "participation_form", "quality_assurance"}  # fmt: skip
    changes: dict[str, object] = {}
    for name, value in sent.items():
        if value is None and name in required:
            raise ValueError(name)
        if name == "learning_outcomes":
            changes[name] = tuple(
                (lang_map(o["title"], default_language) or {}, o.get("esco_skill")) for o in value
            )
        elif name in {"eqf_level", "participation_form", "ects", "workload_hours", "nqf_level"}:
            changes[name] = value
        else:
            changes[name] = lang_map(value, default_language)
    return changes


def achievement_public(info: AchievementInfo) -> AchievementPublic:
    f = info.fields
    return AchievementPublic(
        id=info.id,
        revision=info.revision,
        title=f.title,
        description=f.description,
        learning_outcomes=[
            LearningOutcomePublic(title=t, esco_skill=s) for t, s in f.learning_outcomes
        ],
        ects=float(f.ects) if f.ects is not None else None,
        workload_hours=f.workload_hours,
        eqf_level=f.eqf_level,
        nqf_level=f.nqf_level,
        assessment_type=f.assessment_type,
        participation_form=f.participation_form,
        quality_assurance=f.quality_assurance,
        prerequisites=f.prerequisites,
        supervision=f.supervision,
        stackability=f.stackability,
        further_information=f.further_information,
        created_at=info.created_at,
        updated_at=info.updated_at,
    )


def next_page_url(request: Request, total: int, limit: int, offset: int) -> str | None:
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(limit=limit, offset=offset + limit))
