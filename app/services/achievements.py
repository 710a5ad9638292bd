"""Use cases of achievements: the courses an institution awards micro-credentials for."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.errors import NotFound, Unprocessable
from app.models import Achievement, utcnow
from app.uow import UnitOfWork, UowFactory
from issuer.credential import AchievementSpec, LearningOutcome, missing_elements

LangMap = dict[str, str]


@dataclass(frozen=True)
class AchievementFields:
    """The editable fields of an achievement, normalised (language maps, decimals)."""

    title: LangMap
    learning_outcomes: tuple[tuple[LangMap, str | None], ...]
    eqf_level: int
    assessment_type: LangMap
    participation_form: str
    quality_assurance: LangMap
    ects: Decimal | None = None
    workload_hours: int | None = None
    description: LangMap | None = None
    nqf_level: str | None = None
    prerequisites: LangMap | None = None
    supervision: LangMap | None = None
    stackability: LangMap | None = None
    further_information: LangMap | None = None


@dataclass(frozen=True)
class AchievementInfo:
    id: str
    revision: int
    fields: AchievementFields
    created_at: datetime
    updated_at: datetime


def to_spec(row: Achievement) -> AchievementSpec:
    """The domain value the issuer builds credentials from."""
    values = _fields_of(row)
    common = {
        f.name: getattr(values, f.name)
        for f in fields(AchievementFields)
        if f.name != "learning_outcomes"
    }
    return AchievementSpec(
        id=uuid.UUID(row.id),
        revision=row.revision,
        learning_outcomes=tuple(LearningOutcome(t, s) for t, s in values.learning_outcomes),
        **common,
    )


def _fields_of(row: Achievement) -> AchievementFields:
    return AchievementFields(
        title=row.title,
        learning_outcomes=tuple((o["title"], o.get("esco_skill")) for o in row.learning_outcomes),
        eqf_level=row.eqf_level,
        assessment_type=row.assessment_type,
        participation_form=row.participation_form,
        quality_assurance=row.quality_assurance,
        ects=Decimal(row.ects) if row.ects is not None else None,
        workload_hours=row.workload_hours,
        description=row.description,
        nqf_level=row.nqf_level,
        prerequisites=row.prerequisites,
        supervision=row.supervision,
        stackability=row.stackability,
        further_information=row.further_information,
    )


def _apply(row: Achievement, values: AchievementFields) -> None:
    for f in fields(AchievementFields):
        value = getattr(values, f.name)
        if f.name == "learning_outcomes":
            value = [{"title": t, "esco_skill": s} for t, s in value]
        setattr(row, f.name, value)


def _validate(achievement_id: str, values: AchievementFields, revision: int) -> None:
    row = Achievement(id=achievement_id, revision=revision)
    _apply(row, values)
    problems = missing_elements(to_spec(row))
    if problems:
        raise Unprocessable(
            "; ".join(f"{f}: {r}" for f, r in problems),
            errors=[{"field": f, "reason": r} for f, r in problems],
            code="missing_mandatory_element",
        )


def _info(row: Achievement) -> AchievementInfo:
    return AchievementInfo(row.id, row.revision, _fields_of(row), row.created_at, row.updated_at)


class AchievementService:
    def __init__(self, uow_factory: UowFactory, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    def create(
        self, institution_id: int, values: AchievementFields, *, actor: str
    ) -> AchievementInfo:
        achievement_id = str(uuid.uuid4())
        _validate(achievement_id, values, 1)
        now = self._clock()
        with self._uow() as uow:
            row = Achievement(
                id=achievement_id,
                institution_id=institution_id,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            _apply(row, values)
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
        """Apply a partial update; credentials issued before keep what they were signed with."""
        with self._uow() as uow:
            row = self._require(uow, institution_id, achievement_id, for_update=True)
            values = replace(_fields_of(row), **changes)
            _validate(row.id, values, row.revision + 1)
            if values != _fields_of(row):
                _apply(row, values)
                row.revision += 1
                row.updated_at = self._clock()
            uow.flush()
            info = _info(row)
            uow.commit()
        return info

    @staticmethod
    def _require(
        uow: UnitOfWork, institution_id: int, achievement_id: str, *, for_update: bool = False
    ) -> Achievement:
        row = uow.achievements.get(institution_id, achievement_id)
        if row is None:
            raise NotFound(f"no achievement {achievement_id!r} in this institution")
        return row
