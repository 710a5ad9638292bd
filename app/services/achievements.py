"""Use cases of achievements: the courses an institution awards micro-credentials for.

An achievement's fields are those of :class:`issuer.credential.AchievementSpec` (the domain
value credentials are built from), so they are defined once, there. Input comes as a mapping
of field names to JSON values, where text is plain text or a language map; plain text takes
the language of the title. Storage and the API map the fields by name.
"""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.errors import NotFound, Unprocessable
from app.persistence.models import Achievement, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.issuing_cache import IssuingCache
from app.services.limits import InputLimits
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    LangMap,
    Learner,
    LearningOutcome,
    build_credential,
    missing_elements,
)
from issuer.edc import edc_achievement_problems, effective_profile

__all__ = [
    "FIELDS",
    "REQUIRED_FIELDS",
    "AchievementInfo",
    "AchievementService",
    "achievement_fields",
    "check_limits",
    "check_profile",
    "normalise",
    "to_spec",
]

_IDENTITY = ("id", "revision")
#: The editable fields, in the order of the spec.
FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(AchievementSpec) if f.name not in _IDENTITY
)
#: Fields without a default: the mandatory elements, which a change may not clear.
REQUIRED_FIELDS = frozenset(
    f.name
    for f in dataclasses.fields(AchievementSpec)
    if f.name in FIELDS
    and f.default is dataclasses.MISSING
    and f.default_factory is dataclasses.MISSING
)
_HINTS = typing.get_type_hints(AchievementSpec)
_TEXT_FIELDS = frozenset(name for name in FIELDS if _HINTS[name] in (LangMap, LangMap | None))


@dataclass(frozen=True)
class AchievementInfo:
    """An achievement as stored: its spec (with id and revision) and when it changed."""

    spec: AchievementSpec
    created_at: datetime
    updated_at: datetime

    @property
    def id(self) -> str:
        return str(self.spec.id)

    @property
    def revision(self) -> int:
        return self.spec.revision


def _lang_map(value: Any, language: str) -> dict[str, str] | None:
    if value is None:
        return None
    return {language: value} if isinstance(value, str) else dict(value)


def normalise(values: Mapping[str, Any], language: str) -> dict[str, Any]:
    """``values`` (JSON field values by name) as the spec's types: text as a language map
    (plain text in ``language``), learning outcomes as :class:`LearningOutcome`, ECTS as a
    decimal. Names that are not fields are left out."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in FIELDS:
            continue
        if name in _TEXT_FIELDS:
            out[name] = _lang_map(value, language)
        elif name == "learning_outcomes" and value is not None:
            out[name] = tuple(
                LearningOutcome(_lang_map(o["title"], language) or {}, o.get("esco_skill"))
                for o in value
            )
        elif name == "ects" and value is not None:
            out[name] = Decimal(str(value))
        else:
            out[name] = value
    return out


def _language_of(title: Any, default: str) -> str:
    """Plain text takes the language of the title (its first language), else ``default``
    (the institution's language)."""
    return next(iter(title), default) if isinstance(title, Mapping) and title else default


def achievement_fields(spec: AchievementSpec) -> dict[str, Any]:
    """The editable fields of ``spec`` by name."""
    return {name: getattr(spec, name) for name in FIELDS}


def _spec(achievement_id: str, revision: int, values: Mapping[str, Any]) -> AchievementSpec:
    spec = AchievementSpec(id=uuid.UUID(achievement_id), revision=revision, **values)
    problems = missing_elements(spec)
    if problems:
        raise Unprocessable.fields(problems, code="missing_mandatory_element")
    return spec


# The least a credential says besides the achievement: an issuer and a learner with empty
# names. What the achievement makes of a credential's size is measured on it.
_SAMPLE_ISSUER = IssuerProfile("did:web:example.org", "", "SVN", "Slovenia", "")
_SAMPLE_LEARNER = Learner("", "")
_SAMPLE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _smallest_credential(spec: AchievementSpec) -> bytes:
    award = Award(uuid.UUID(int=0), _SAMPLE_TIME, _SAMPLE_TIME.date(), _SAMPLE_TIME)
    document = build_credential(
        spec, _SAMPLE_ISSUER, _SAMPLE_LEARNER, award, context_url="https://example.org/c"
    )
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _field_size(value: Any) -> int:
    if isinstance(value, tuple):  # learning outcomes
        value = [dataclasses.asdict(o) for o in value]
    elif isinstance(value, Mapping):
        value = dict(value)
    elif not isinstance(value, str | int | None):
        value = str(value)
    return len(json.dumps(value, ensure_ascii=False).encode())


def check_limits(spec: AchievementSpec, limits: InputLimits) -> None:
    """:class:`Unprocessable` naming each field over a limit: languages in a language map,
    the number of learning outcomes, and the size of the credentials the achievement makes
    (their least size must leave room for the learner, the issuer and the proof)."""
    problems: list[tuple[str, str]] = []
    maps = [(name, getattr(spec, name)) for name in sorted(_TEXT_FIELDS)]
    maps += [
        (f"learning_outcomes.{number}.title", outcome.title)
        for number, outcome in enumerate(spec.learning_outcomes)
    ]
    problems += [
        (name, f"at most {limits.max_languages} languages (MICROCRED_MAX_LANGUAGES)")
        for name, value in maps
        if value is not None and len(value) > limits.max_languages
    ]
    if len(spec.learning_outcomes) > limits.max_learning_outcomes:
        problems.append(
            (
                "learning_outcomes",
                f"at most {limits.max_learning_outcomes} learning outcomes "
                "(MICROCRED_MAX_LEARNING_OUTCOMES)",
            )
        )
    if problems:
        raise Unprocessable.fields(problems, code="limit_exceeded")
    size = len(_smallest_credential(spec))
    if size > limits.max_credential_bytes:
        largest = max(FIELDS, key=lambda name: _field_size(getattr(spec, name)))
        raise Unprocessable.field(
            largest,
            f"its credentials would be at least {size} bytes, more than the limit of "
            f"{limits.max_credential_bytes} (MICROCRED_MAX_CREDENTIAL_BYTES); this field is "
            "the largest part",
            code="credential_too_large",
        )


def check_profile(spec: AchievementSpec, institution_profile: str) -> None:
    """:class:`Unprocessable` naming each field the achievement's profile (its own, or the
    institution's) refuses: the EDC profile takes the NQF level only as a QDR concept URI."""
    problems = (
        edc_achievement_problems(spec)
        if effective_profile(spec, institution_profile) == "edc"
        else []
    )
    if problems:
        raise Unprocessable.fields(problems, code="edc_profile")


def to_spec(row: Achievement) -> AchievementSpec:
    """The domain value of a stored achievement."""
    values: dict[str, Any] = {name: getattr(row, name) for name in FIELDS}
    values["learning_outcomes"] = tuple(
        LearningOutcome(o["title"], o.get("esco_skill")) for o in row.learning_outcomes
    )
    if row.ects is not None:
        values["ects"] = Decimal(row.ects)
    return AchievementSpec(id=uuid.UUID(row.id), revision=row.revision, **values)


def _store(row: Achievement, spec: AchievementSpec) -> None:
    for name, value in achievement_fields(spec).items():
        if name == "learning_outcomes":
            value = [dataclasses.asdict(o) for o in value]
        elif name in _TEXT_FIELDS and value is not None:
            value = dict(value)
        setattr(row, name, value)


def _info(row: Achievement) -> AchievementInfo:
    return AchievementInfo(to_spec(row), row.created_at, row.updated_at)


class AchievementService:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        limits: InputLimits = InputLimits(),
        clock: Callable[[], datetime] = utcnow,
        cache: IssuingCache | None = None,
    ) -> None:
        self._uow = uow_factory
        self._limits = limits
        self._clock = clock
        self._cache = cache or IssuingCache()

    def create(
        self, institution_id: int, values: Mapping[str, Any], *, actor: str
    ) -> AchievementInfo:
        """A new achievement from JSON field values (see :func:`normalise`)."""
        achievement_id = str(uuid.uuid4())
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            language, institution_profile = institution.language, institution.profile
        spec = _spec(
            achievement_id, 1, normalise(values, _language_of(values.get("title"), language))
        )
        check_profile(spec, institution_profile)
        check_limits(spec, self._limits)
        now = self._clock()
        with self._uow() as uow:
            row = Achievement(
                id=achievement_id,
                institution_id=institution_id,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            _store(row, spec)
            uow.achievements.add(row)
            uow.flush()
            info = _info(row)
            uow.commit()
        return info

    def get(self, institution_id: int, achievement_id: str) -> AchievementInfo:
        with self._uow(read_only=True) as uow:
            return _info(self._require(uow, institution_id, achievement_id))

    def page(
        self, institution_id: int, limit: int, offset: int
    ) -> tuple[list[AchievementInfo], int]:
        with self._uow(read_only=True) as uow:
            rows, total = uow.achievements.page(institution_id, limit, offset)
            return [_info(r) for r in rows], total

    def update(
        self, institution_id: int, achievement_id: str, changes: Mapping[str, Any], *, actor: str
    ) -> AchievementInfo:
        """Apply a partial update (JSON field values; plain text takes the language of the
        stored title); credentials issued before keep what they were signed with."""
        cleared = sorted(n for n in REQUIRED_FIELDS if n in changes and changes[n] is None)
        if cleared:
            raise Unprocessable.fields(
                [(n, "is a mandatory element and cannot be null") for n in cleared]
            )
        with self._uow() as uow:
            row = self._require(uow, institution_id, achievement_id, for_update=True)
            current = to_spec(row)
            merged = {
                **achievement_fields(current),
                **normalise(changes, current.primary_language),
            }
            spec = _spec(row.id, row.revision + 1, merged)
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            check_profile(spec, institution.profile)
            check_limits(spec, self._limits)
            if achievement_fields(spec) != achievement_fields(current):
                _store(row, spec)
                row.revision += 1
                row.updated_at = self._clock()
            uow.flush()
            info = _info(row)
            uow.commit()
        self._cache.forget_achievement(institution_id, achievement_id)
        return info

    @staticmethod
    def _require(
        uow: UnitOfWork, institution_id: int, achievement_id: str, *, for_update: bool = False
    ) -> Achievement:
        row = uow.achievements.get(institution_id, achievement_id, for_update=for_update)
        if row is None:
            raise NotFound(f"no achievement {achievement_id!r} in this institution")
        return row
