"""Achievements: the courses an institution awards micro-credentials for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from app.api.deps import AchievementServiceDep, CurrentInstitution
from app.api.schemas import (
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
    Page,
    achievement_changes,
    achievement_fields,
    achievement_public,
    next_page_url,
)
from app.errors import Unprocessable

router = APIRouter(prefix="/api/v1/achievements", tags=["achievements"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AchievementPublic)
def create_achievement(
    body: AchievementCreate, service: AchievementServiceDep, principal: CurrentInstitution
) -> AchievementPublic:
    assert principal.institution_id is not None
    info = service.create(principal.institution_id, achievement_fields(body), actor=principal.actor)
    return achievement_public(info)


@router.get("", response_model=Page[AchievementPublic])
def list_achievements(
    request: Request,
    service: AchievementServiceDep,
    principal: CurrentInstitution,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AchievementPublic]:
    assert principal.institution_id is not None
    items, total = service.page(principal.institution_id, limit, offset)
    return Page[AchievementPublic](
        items=[achievement_public(i) for i in items],
        total=total,
        limit=limit,
        offset=offset,
        next=next_page_url(request, total, limit, offset),
    )


@router.get("/{achievement_id}", response_model=AchievementPublic)
def get_achievement(
    achievement_id: str, service: AchievementServiceDep, principal: CurrentInstitution
) -> AchievementPublic:
    assert principal.institution_id is not None
    return achievement_public(service.get(principal.institution_id, achievement_id))


@router.patch("/{achievement_id}", response_model=AchievementPublic)
def update_achievement(
    achievement_id: str,
    body: AchievementUpdate,
    service: AchievementServiceDep,
    principal: CurrentInstitution,
) -> AchievementPublic:
    assert principal.institution_id is not None
    current = service.get(principal.institution_id, achievement_id)
    try:
        changes = achievement_changes(body, next(iter(current.fields.title)))
    except ValueError as exc:
        raise Unprocessable.field(str(exc), "is a mandatory element and cannot be null") from exc
    info = service.update(principal.institution_id, achievement_id, changes, actor=principal.actor)
    return achievement_public(info)
