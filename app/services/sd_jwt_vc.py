"""The SD-JWT VC form of an issued credential, and what a verifier fetches to check one.

An SD-JWT VC (draft-ietf-oauth-sd-jwt-vc; :mod:`issuer.sd_jwt`, :mod:`issuer.sd_jwt_vc`) of
a credential record says what its JSON-LD credential says (its claims are read from the
stored document), is signed with the institution's active key, and carries the record's
status slot: ``status.status_list`` = ``{idx: <revocation index>, uri: <the revocation
list's Token Status List>}`` (:meth:`app.services.status.StatusService.published_token`).
Its ``iss`` is the institution's https identifier (:meth:`PublicUrls.institution`) whose
JWT VC Issuer Metadata (:meth:`SdJwtVcService.issuer_metadata`) embeds the institution's
JWK Set (``kid`` = the DID URL of each key, the header's ``kid``); ``vct`` is
:meth:`PublicUrls.vct`, where :meth:`SdJwtVcService.type_metadata` is served.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import keys
from app.documents.type_metadata import micro_credential_type_metadata
from app.errors import Unprocessable
from app.http.urls import PublicUrls
from app.persistence.models import Credential, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.did_documents import DidDocuments
from app.services.lookups import require_credential
from app.services.principal import Principal
from app.services.signing_keys import SigningKeyService
from issuer.sd_jwt import SaltSource, issue_sd_jwt_vc, random_salt, sd_jwt_vc_claims
from issuer.sd_jwt_vc import SELECTIVELY_DISCLOSABLE, micro_credential_claims

__all__ = ["SdJwtVcService"]


class SdJwtVcService:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        did_documents: DidDocuments,
        *,
        urls: PublicUrls,
        clock: Callable[[], datetime] = utcnow,
        salt: SaltSource = random_salt,
    ) -> None:
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._did_documents = did_documents
        self._urls = urls
        self._clock = clock
        self._salt = salt

    def sign(self, uow: UnitOfWork, row: Credential, holder_jwk: Mapping[str, Any] | None) -> str:
        """The SD-JWT VC of ``row`` with every disclosure, ``~``-terminated, read and signed
        in the caller's unit of work (nothing is written). ``holder_jwk`` (a public JWK)
        becomes ``cnf.jwk``; None: no holder binding. Raises :class:`Unprocessable` for a
        holder JWK that is not a public Ed25519/P-256/P-384 key."""
        if holder_jwk is not None:
            try:
                keys.public_key_from_jwk(dict(holder_jwk))
            except keys.KeysError as exc:
                raise Unprocessable.field("jwk", exc.detail) from exc
        institution = uow.institutions.by_id(row.institution_id)
        assert institution is not None
        signer = self._signing_keys.active_signer(uow, institution)
        status_uri = None
        if row.revocation_list_id is not None and row.revocation_index is not None:
            status_list = uow.status_lists.get(row.revocation_list_id)
            assert status_list is not None
            status_uri = self._urls.token_status_list(institution.slug, status_list.public_id)
        registered = sd_jwt_vc_claims(
            issuer=self._urls.institution(institution.slug),
            vct=self._urls.vct(),
            issued_at=self._clock(),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            holder_jwk=holder_jwk,
            status_uri=status_uri,
            status_index=row.revocation_index if status_uri else None,
        )
        claims = micro_credential_claims(json.loads(row.credential_json))
        return issue_sd_jwt_vc(registered, claims, SELECTIVELY_DISCLOSABLE, signer, salt=self._salt)

    def for_institution(
        self,
        principal: Principal,
        credential_id: str,
        holder_jwk: Mapping[str, Any] | None = None,
    ) -> str:
        """The SD-JWT VC of one of the principal's credentials, bound to ``holder_jwk`` when
        given."""
        with self._uow(read_only=True) as uow:
            row = require_credential(uow, principal.institution(), credential_id)
            return self.sign(uow, row, holder_jwk)

    def issuer_metadata(self, slug: str) -> dict[str, Any]:
        """The JWT VC Issuer Metadata of an institution (SD-JWT VC, "JWT VC Issuer
        Metadata"): ``issuer`` = its https identifier, ``jwks`` = its published keys."""
        return self._did_documents.jwt_vc_issuer_metadata(slug, self._urls.institution(slug))

    def type_metadata(self) -> dict[str, Any]:
        """The SD-JWT VC Type Metadata of the micro-credential (served at its ``vct``)."""
        return micro_credential_type_metadata(self._urls.vct())
