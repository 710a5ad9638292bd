"""Admin API of institutions: onboarding, keys and API keys."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from app.api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    EventPublic,
    InstitutionCreate,
    InstitutionCreated,
    InstitutionPublic,
    InstitutionUpdate,
)
from app.dependencies import ContainerDep, CurrentAdmin, CurrentPrincipal
from app.services.institutions import NewInstitution

router = APIRouter(prefix="/api/v1/institutions", tags=["institutions"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InstitutionCreated)
def create_institution(
    body: InstitutionCreate, container: ContainerDep, admin: CurrentAdmin
) -> InstitutionCreated:
    info, token = container.institutions.create(
        NewInstitution(**body.model_dump()), actor=admin.actor
    )
    return InstitutionCreated(**asdict(info), api_key=token)


@router.get("", response_model=list[InstitutionPublic])
def list_institutions(container: ContainerDep, _: CurrentAdmin) -> list[InstitutionPublic]:
    return [InstitutionPublic.model_validate(i) for i in container.institutions.list_institutions()]


@router.get("/{slug}", response_model=InstitutionPublic)
def get_institution(
    slug: str, container: ContainerDep, principal: CurrentPrincipal
) -> InstitutionPublic:
    principal.require_institution_or_admin(slug)
    return InstitutionPublic.model_validate(container.institutions.get(slug))


@router.patch("/{slug}", response_model=InstitutionPublic)
def update_institution(
    slug: str, body: InstitutionUpdate, container: ContainerDep, admin: CurrentAdmin
) -> InstitutionPublic:
    info = container.institutions.update(
        slug,
        language=body.language,
        profile=body.profile,
        contact=body.contact,
        show_date_of_birth=body.show_date_of_birth,
        notify_learners=body.notify_learners,
        signatory_name=body.signatory_name,
        signatory_title=body.signatory_title,
        place=body.place,
        actor=admin.actor,
    )
    return InstitutionPublic.model_validate(info)


@router.put("/{slug}/branding/{kind}", response_model=InstitutionPublic)
async def put_branding_image(
    slug: str, kind: str, request: Request, container: ContainerDep, principal: CurrentPrincipal
) -> InstitutionPublic:
    """A logo, signature or stamp for the certificates: the image as the body, ``Content-Type``
    ``image/png`` or ``image/svg+xml``, at most 512 KiB (422 ``image_refused`` naming why)."""
    principal.require_institution_or_admin(slug)
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    data = await request.body()
    info = await run_in_threadpool(
        container.institutions.set_image, slug, kind, data, media_type, actor=principal.actor
    )
    return InstitutionPublic.model_validate(info)


@router.delete("/{slug}/branding/{kind}", response_model=InstitutionPublic)
def delete_branding_image(
    slug: str, kind: str, container: ContainerDep, principal: CurrentPrincipal
) -> InstitutionPublic:
    principal.require_institution_or_admin(slug)
    info = container.institutions.delete_image(slug, kind, actor=principal.actor)
    return InstitutionPublic.model_validate(info)


@router.get("/{slug}/events", response_model=list[EventPublic])
def list_events(
    slug: str, container: ContainerDep, principal: CurrentPrincipal
) -> list[EventPublic]:
    principal.require_institution_or_admin(slug)
    return [EventPublic.model_validate(e) for e in container.institutions.events(slug)]


@router.post("/{slug}/keys/rotate", response_model=InstitutionPublic)
def rotate_key(slug: str, container: ContainerDep, admin: CurrentAdmin) -> InstitutionPublic:
    container.signing_keys.rotate(slug, actor=admin.actor)
    return InstitutionPublic.model_validate(container.institutions.get(slug))


@router.post("/{slug}/keys/{key_id}/withdraw", response_model=InstitutionPublic)
def withdraw_key(
    slug: str, key_id: str, container: ContainerDep, admin: CurrentAdmin
) -> InstitutionPublic:
    container.signing_keys.withdraw(slug, key_id, actor=admin.actor)
    return InstitutionPublic.model_validate(container.institutions.get(slug))


@router.post("/{slug}/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(
    slug: str,
    container: ContainerDep,
    principal: CurrentPrincipal,
    body: ApiKeyCreate | None = None,
) -> ApiKeyCreated:
    principal.require_institution_or_admin(slug)
    label = body.label if body else None
    info, token = container.api_keys.create(slug, label, actor=principal.actor)
    return ApiKeyCreated(**asdict(info), api_key=token)


@router.get("/{slug}/api-keys", response_model=list[ApiKeyPublic])
def list_api_keys(
    slug: str, container: ContainerDep, principal: CurrentPrincipal
) -> list[ApiKeyPublic]:
    principal.require_institution_or_admin(slug)
    return [ApiKeyPublic.model_validate(k) for k in container.api_keys.list_keys(slug)]


@router.post("/{slug}/api-keys/{api_key_id}/revoke", response_model=ApiKeyPublic)
def revoke_api_key(
    slug: str, api_key_id: str, container: ContainerDep, principal: CurrentPrincipal
) -> ApiKeyPublic:
    principal.require_institution_or_admin(slug)
    return ApiKeyPublic.model_validate(
        container.api_keys.revoke(slug, api_key_id, actor=principal.actor)
    )
