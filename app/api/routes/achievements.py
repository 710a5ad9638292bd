"""Achievements: the courses an institution awards micro-credentials for."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.api.schemas import (
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
    Limit,
    Offset,
    Page,
    achievement_public,
    next_page_url,
)
from app.dependencies import ContainerDep, CurrentInstitution

router = APIRouter(prefix="/api/v1/achievements", tags=["achievements"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AchievementPublic)
def create_achievement(
    body: AchievementCreate, container: ContainerDep, principal: CurrentInstitution
) -> AchievementPublic:
    info = container.achievements.create(
        principal.institution(), body.model_dump(), actor=principal.actor
    )
    return achievement_public(info)


@router.get("", response_model=Page[AchievementPublic])
def list_achievements(
    request: Request,
    container: ContainerDep,
    principal: CurrentInstitution,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AchievementPublic]:
    items, total = container.achievements.page(principal.institution(), limit, offset)
    return Page[AchievementPublic](
        items=[achievement_public(i) for i in items],
        total=total,
        limit=limit,
        offset=offset,
        next=next_page_url(request, container.urls.base, total, limit, offset),
    )


@router.get("/{achievement_id}", response_model=AchievementPublic)
def get_achievement(
    achievement_id: str, container: ContainerDep, principal: CurrentInstitution
) -> AchievementPublic:
    return achievement_public(container.achievements.get(principal.institution(), achievement_id))


@router.patch("/{achievement_id}", response_model=AchievementPublic)
def update_achievement(
    achievement_id: str,
    body: AchievementUpdate,
    container: ContainerDep,
    principal: CurrentInstitution,
) -> AchievementPublic:
    info = container.achievements.update(
        principal.institution(),
        achievement_id,
        body.model_dump(exclude_unset=True),
        actor=principal.actor,
    )
    return achievement_public(info)
