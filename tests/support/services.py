"""Setting things up through the service layer, for the tests of the integration tier."""

from __future__ import annotations

import uuid
from typing import Any

from app.container import Container
from app.errors import AppError
from app.services.credential_store import IssuedCredential
from app.services.institutions import NewInstitution
from app.services.issuance import dump_json
from app.services.principal import Principal
from issuer.data_integrity import add_proof
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


def store_signed(
    container: Container, slug: str, document: dict[str, Any], *, learner: str = "Ana"
) -> IssuedCredential:
    """Sign ``document`` as it is with the institution's active key and store it like an
    issued credential, through the service layer and bypassing every check of the API and
    the VC API on its content (as a credential from before a rule, or a forged one, would
    be)."""
    with container.uow(read_only=True) as uow:
        institution = uow.institutions.by_slug(slug)
        assert institution is not None
        signer = container.signing_keys.active_signer(uow, institution)
        principal = Principal("institution", institution.id, slug, "test-key")
    now = container.clock()
    secured = add_proof(document, signer, created=now, loader=container.document_loader)
    store = container.credential_store
    row = store.new_row(
        credential_id=str(uuid.uuid4()),
        institution_id=principal.institution(),
        source="vc-api",
        issued_at=now,
        verification_method=signer.id,
        credential_json=dump_json(secured),
        achievement_id=None,
        learner_given_name=learner,
        credential_jwt=None,
    )
    [result] = store.store([row], principal, key_type=signer.algorithm)
    assert not isinstance(result, AppError), result
    return result[0]
