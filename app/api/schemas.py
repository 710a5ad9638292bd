"""Request and response schemas of the HTTP API (pydantic). JSON fields are snake_case."""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Optional, TypeVar

from fastapi import Query, Request
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from app.http.text_input import MAX_NAME, Line, SingleLine, Text
from app.services.achievements import AchievementInfo, achievement_fields
from app.services.institutions import SLUG_PATTERN
from app.services.issue_requests import AwardIn, LearnerIn, NotifyIn

T = TypeVar("T")


_CONTACT_DOC = (
    "Whom holders and employers ask about a credential, shown on the public pages: an e-mail "
    "address or an http(s) URL"
)
_BIRTH_DOC = (
    "Whether the public verification pages show the learner's date of birth (default: no; the "
    "wallet and the certificate PDF always do)"
)


_NOTIFY_DOC = (
    "Whether a learner with an e-mail address gets the wallet link by e-mail when a credential "
    "is issued (when the service has an SMTP server; a request may say notify: false)"
)


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=63, examples=["skola-ljubljana"])
    name: SingleLine = Field(min_length=1, max_length=MAX_NAME)
    country: SingleLine = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    legal_id: SingleLine = Field(min_length=1, max_length=MAX_NAME)
    did_method: Literal["web", "key"] = "web"
    key_type: Literal["ed25519", "p256"] = "ed25519"
    homepage: SingleLine | None = Field(default=None, max_length=2048)
    language: SingleLine = Field(
        default="en",
        max_length=35,
        description="BCP 47 tag of the institution's texts (legal name, plain-text fields): "
        "ISO 639-1 language, a script where needed, e.g. sl, hr, sr-Latn, sr-Cyrl",
    )
    profile: Literal["compact", "edc"] = Field(
        default="compact",
        description="compact: today's credential; edc: European Digital Credential profile "
        "(the EU's EDC shapes, one status entry: no suspension)",
    )
    contact: SingleLine | None = Field(default=None, max_length=2048, description=_CONTACT_DOC)
    show_date_of_birth: bool = Field(default=False, description=_BIRTH_DOC)


class InstitutionUpdate(BaseModel):
    """What may change of an institution: its language and its credential profile, for the
    credentials it issues from now on; its public contact ("" removes it) and whether its
    public pages show the learner's date of birth."""

    model_config = ConfigDict(extra="forbid")

    language: SingleLine | None = Field(default=None, max_length=35)
    profile: Literal["compact", "edc"] | None = None
    contact: SingleLine | None = Field(default=None, max_length=2048, description=_CONTACT_DOC)
    show_date_of_birth: bool | None = Field(default=None, description=_BIRTH_DOC)
    notify_learners: bool | None = Field(default=None, description=_NOTIFY_DOC)
    signatory_name: SingleLine | None = Field(
        default=None, max_length=255, description='Who signs the certificates ("" removes)'
    )
    signatory_title: SingleLine | None = Field(
        default=None, max_length=255, description="The signatory's title, e.g. Ravnatelj"
    )
    place: SingleLine | None = Field(
        default=None, max_length=255, description="Where the certificates are dated, e.g. Ljubljana"
    )


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
    language: str
    profile: str
    contact: str | None
    show_date_of_birth: bool
    notify_learners: bool = Field(description=_NOTIFY_DOC)
    signatory_name: str | None
    signatory_title: str | None
    place: str | None
    images: list[str] = Field(description="The branding images it has: logo, signature, stamp")
    created_at: datetime
    did_document_url: str
    keys: list[KeyPublic]


class InstitutionCreated(InstitutionPublic):
    api_key: str = Field(description="Shown once; only a hash is stored.")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: SingleLine | None = Field(default=None, max_length=MAX_NAME)


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

# A language tag (BCP 47 in the shape of ISO 639 language and its subtags, at most 35
# characters as RFC 5646 recommends). How many languages a map may have is a setting
# (MICROCRED_MAX_LANGUAGES), checked by the achievement service.
LangTag = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35)
]
_LANG_DOC = 'Text, or a non-empty language map such as {"en": "...", "sl": "..."}'


def _text_or_map(value: Any) -> str:
    # Names the member a value is validated as, so errors say ``title.languages.en`` or
    # ``title.text`` rather than the names pydantic makes up for the union's members.
    return "languages" if isinstance(value, dict) else "text"


#: A title or label: one line, in one language or several.
LangLine = Annotated[
    Annotated[dict[LangTag, Line], Field(min_length=1), Tag("languages")]
    | Annotated[Line, Tag("text")],
    Discriminator(_text_or_map),
    Field(description=_LANG_DOC),
]
#: A description or note: paragraphs (tab, line breaks), in one language or several.
LangParagraph = Annotated[
    Annotated[dict[LangTag, Text], Field(min_length=1), Tag("languages")]
    | Annotated[Text, Tag("text")],
    Discriminator(_text_or_map),
    Field(description=_LANG_DOC),
]


#: An ESCO skill URI: the ESCO portal's "URI" of a skill (http, as ESCO publishes them).
_ESCO_SKILL = re.compile(r"http://data\.europa\.eu/esco/skill/[A-Za-z0-9-]+")
#: A real one, "3D printing process" (ESCO v1.1), for the schema and the error message.
ESCO_SKILL_EXAMPLE = "http://data.europa.eu/esco/skill/2afb2b59-c9a3-4cf3-b1dd-1a2fad51e583"


def _esco_skill(value: str) -> str:
    # Said in words: the pattern itself told a caller nothing (issue 15).
    if not _ESCO_SKILL.fullmatch(value):
        raise PydanticCustomError(
            "esco_skill",
            "must be an ESCO skill URI: http://data.europa.eu/esco/skill/ followed by the "
            f"skill's id, such as {ESCO_SKILL_EXAMPLE} (the URI the ESCO portal shows)",
        )
    return value


#: Checked by :func:`_esco_skill`; the schema still shows the pattern (and an example).
EscoSkill = Annotated[
    str,
    AfterValidator(_esco_skill),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_ESCO_SKILL.pattern}$",
            "description": "an ESCO skill URI (the ESCO portal's URI of a skill)",
            "examples": [ESCO_SKILL_EXAMPLE],
        }
    ),
]


class LearningOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: LangLine
    esco_skill: EscoSkill | None = None


class AchievementCreate(BaseModel):
    """A course. How many learning outcomes and languages it may have are settings
    (``MICROCRED_MAX_LEARNING_OUTCOMES``, ``MICROCRED_MAX_LANGUAGES``)."""

    model_config = ConfigDict(extra="forbid")

    title: LangLine
    description: LangParagraph | None = None
    learning_outcomes: list[LearningOutcomeIn] = Field(min_length=1)
    ects: Decimal | None = Field(default=None, gt=0, le=240, decimal_places=2)
    workload_hours: int | None = Field(default=None, ge=1, le=10000)
    eqf_level: int = Field(ge=1, le=8)
    nqf_level: SingleLine | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    assessment_type: LangLine
    participation_form: Literal["online", "in_person", "blended"]
    quality_assurance: LangParagraph
    prerequisites: LangParagraph | None = None
    supervision: LangParagraph | None = None
    stackability: LangParagraph | None = None
    further_information: LangParagraph | None = None
    profile: Literal["compact", "edc"] | None = Field(
        default=None, description="The credential profile; null: the institution's"
    )
    nqf_level_label: LangLine | None = Field(
        default=None,
        description="EDC profile: the label of the NQF level's QDR concept (e.g. 'SOK 5'), "
        "shown on the certificate and the page image",
    )


def _partial(model: type[BaseModel], name: str, doc: str) -> type[BaseModel]:
    """``model`` with every field optional (default None), each keeping its constraints."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        # The constraints stay with the type, inside the Optional (a discriminated union
        # cannot take None as one more member).
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        optional = copy.copy(info)
        optional.default = None
        optional.metadata = []
        fields[field_name] = (Optional[annotation], optional)  # noqa: UP045
    return create_model(name, __config__=model.model_config, __doc__=doc, **fields)


if TYPE_CHECKING:
    AchievementUpdate = AchievementCreate
else:
    AchievementUpdate = _partial(
        AchievementCreate,
        "AchievementUpdate",
        "Every field of AchievementCreate, optional: what is sent replaces what was there "
        "(``null`` clears an optional element; a mandatory one cannot be cleared).",
    )


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
    profile: str | None
    nqf_level_label: dict[str, str] | None
    created_at: datetime
    updated_at: datetime


#: Paging of every list endpoint; the offset stays within what the databases take.
MAX_OFFSET = 2**31 - 1
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, if any")


# -- credentials -------------------------------------------------------------------------


class CredentialCreate(NotifyIn, AwardIn):
    """Issue one credential: the course, the learner and what they were awarded (and whether
    the learner is sent the wallet link by e-mail)."""

    achievement_id: SingleLine = Field(min_length=1, max_length=64)
    learner: LearnerIn


class NotificationPublic(BaseModel):
    """The learner's e-mail with the wallet link: its delivery, never its address."""

    model_config = ConfigDict(from_attributes=True)

    state: Literal["queued", "sending", "sent", "failed"]
    attempts: int
    sent_at: datetime | None
    last_error: str | None = Field(description="An SMTP reply code or an error class")


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
    notification: NotificationPublic | None = Field(
        default=None, description="The learner's e-mail with the wallet link; null: none"
    )


def achievement_public(info: AchievementInfo) -> AchievementPublic:
    """The API's view of a stored achievement: its fields by name, with its identity."""
    fields = {
        name: [dataclasses.asdict(o) for o in value] if name == "learning_outcomes" else value
        for name, value in achievement_fields(info.spec).items()
    }
    return AchievementPublic(
        id=info.id,
        revision=info.revision,
        created_at=info.created_at,
        updated_at=info.updated_at,
        **fields,
    )


def next_page_url(
    request: Request, base_url: str, total: int, limit: int, offset: int
) -> str | None:
    """The URL of the next page, under our base URL (never the request's Host)."""
    if offset + limit >= total:
        return None
    following = request.url.include_query_params(limit=limit, offset=offset + limit)
    return f"{base_url}{following.path}?{following.query}"
