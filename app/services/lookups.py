"""Finding the record a use case acts on in its unit of work, or :class:`NotFound` saying
what was looked for: one wording for every route that names an institution or a credential."""

from __future__ import annotations

from app.errors import NotFound
from app.persistence.models import Credential, Institution
from app.persistence.uow import UnitOfWork

__all__ = ["require_credential", "require_institution"]


def require_institution(uow: UnitOfWork, slug: str, *, for_update: bool = False) -> Institution:
    institution = uow.institutions.by_slug(slug, for_update=for_update)
    if institution is None:
        raise NotFound(f"no institution with slug {slug!r}")
    return institution


def require_credential(
    uow: UnitOfWork, institution_id: int, credential_id: str, *, for_update: bool = False
) -> Credential:
    row = uow.credentials.get(institution_id, credential_id, for_update=for_update)
    if row is None:
        raise NotFound(f"no credential {credential_id!r} in this institution")
    return row
