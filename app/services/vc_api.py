"""The VC API's issue use case (``POST /credentials/issue``): secure a credential the caller
built with a Data Integrity proof of the caller's institution.

The credential's ``issuer`` must be the caller's DID; the document must satisfy the VC data
model and define every term (safe mode). With ``options.credentialStatus`` of type
``BitstringStatusListEntry`` it gets our revocation and suspension entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.errors import Unprocessable
from app.persistence.models import utcnow
from app.persistence.uow import UowFactory
from app.services.credential_store import CredentialStore
from app.services.issuance import dump_json
from app.services.principal import Principal
from app.services.signing_keys import SigningKeyService
from app.services.status import StatusService, StatusSlot
from issuer.data_integrity import add_proof
from verifier.jsonld import DocumentLoader
from verifier.vc_model import data_model_problems

__all__ = ["VcApiIssuer"]


def _problems(credential: Mapping[str, Any], did: str) -> list[tuple[str, str]]:
    problems = data_model_problems(credential)
    if "proof" in credential:
        problems.append(("proof", "an unsecured credential must not carry a proof"))
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if (
        issuer_id is not None
        and issuer_id != did
        and not any(field.startswith("issuer") for field, _ in problems)
    ):
        problems.append(("issuer", f"must be the DID of the calling institution ({did})"))
    return [(f"credential.{field}", reason) for field, reason in problems]


class VcApiIssuer:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        status: StatusService,
        store: CredentialStore,
        *,
        document_loader: DocumentLoader,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._status = status
        self._store = store
        self._loader = document_loader
        self._clock = clock

    def issue(
        self, principal: Principal, credential: Mapping[str, Any], options: Mapping[str, Any]
    ) -> bytes:
        """The secured credential, as the stored bytes."""
        institution_id = principal.institution()
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            did = institution.did
            signer = self._signing_keys.active_signer(uow, institution)
        problems = _problems(credential, did)
        if problems:
            raise Unprocessable.fields(problems, code="invalid_credential")
        slots: tuple[StatusSlot, ...] = ()
        wanted = options.get("credentialStatus")
        if isinstance(wanted, Mapping) and wanted.get("type") == "BitstringStatusListEntry":
            if "credentialStatus" in credential:
                raise Unprocessable.field(
                    "options.credentialStatus", "the credential carries a credentialStatus already"
                )
            slots = self._status.allocate(institution_id)
            credential = {**credential, "credentialStatus": [s.entry() for s in slots]}
        now = self._clock()
        stored = dump_json(add_proof(dict(credential), signer, created=now, loader=self._loader))
        row = self._store.new_row(
            credential_id=str(uuid.uuid4()),
            institution_id=institution_id,
            source="vc-api",
            issued_at=now,
            verification_method=signer.id,
            credential_json=stored,
            slots=slots,
            achievement_id=None,
            credential_jwt=None,
        )
        self._store.store([row], principal, key_type=signer.algorithm)
        return stored
