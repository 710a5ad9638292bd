"""Setting things up through the service layer, for the tests of the integration tier."""

from __future__ import annotations

from app.container import Container
from app.services.institutions import NewInstitution
from app.services.principal import Principal
from tests.support.data import FIELDS


def setup_institution(container: Container, slug: str = "ts-lj") -> tuple[Principal, str]:
    """A new institution and one course: the institution as a principal, the course's id."""
    container.institutions.create(NewInstitution(slug, "Tehniški šolski center", "SI", "1"),
                                  actor="test")  # fmt: skip
    with container.uow() as uow:
        institution = uow.institutions.by_slug(slug)
        assert institution is not None
        principal = Principal("institution", institution.id, slug, "test-key")
    achievement = container.achievements.create(principal.institution(), FIELDS, actor="t")
    return principal, achievement.id
