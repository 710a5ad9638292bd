"""Credentials: issue (idempotently), list and read, change the status, download the learner's
files and replace the learner's wallet link; scoped to the caller's institution.

Responses embed the signed JSON-LD credential as the exact bytes that were stored, never a
re-serialisation of them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import (
    CurrentInstitution,
    IssuanceServiceDep,
    StatusServiceDep,
    WalletServiceDep,
)
from app.api.schemas import CredentialCreate, CredentialSummary, Page, next_page_url
from app.repositories import CredentialFilter
from app.services.issuance import IssuedCredential, IssueRequest
from app.services.wallet import FORMATS, FileFormat
from app.web.i18n import negotiate
from app.web.wallet import download_response
from issuer.credential import Learner

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])

_CREDENTIAL_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "credential": {"type": "object", "description": "VC 2.0 JSON-LD with its proof"},
        "jwt": {"type": "string", "description": "the same credential as a vc+jwt"},
        "verification_url": {"type": "string"},
        "wallet_url": {"type": "string"},
    },
}


def credential_body(issued: IssuedCredential) -> bytes:
    """The JSON response with the stored credential bytes spliced in verbatim."""
    head: dict[str, object] = {
        "id": issued.id,
        "achievement_id": issued.achievement_id,
        "status": issued.status,
        "issued_at": issued.issued_at.isoformat(),
        "valid_until": issued.valid_until.isoformat() if issued.valid_until else None,
        "verification_url": issued.verification_url,
        "wallet_url": issued.wallet_url,
        "jwt": issued.jwt,
    }
    if issued.events:
        head["events"] = list(issued.events)
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return encoded[:-1] + b',"credential":' + issued.credential_json + b"}"


@router.post(
    "",
    status_code=201,
    responses={201: {"content": {"application/json": {"schema": _CREDENTIAL_SCHEMA}}}},
)
def issue_credential(
    body: CredentialCreate,
    service: IssuanceServiceDep,
    principal: CurrentInstitution,
    idempotency_key: Annotated[str | None, Header(max_length=255, min_length=1)] = None,
) -> Response:
    learner = body.learner
    request = IssueRequest(
        achievement_id=body.achievement_id,
        learner=Learner(
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            identifier=learner.identifier,
            did=learner.did,
        ),
        learner_email=learner.email,
        grade=body.grade,
        awarded_on=body.awarded_on,
        valid_until=body.valid_until,
    )
    issued, replayed = service.issue(principal, request, idempotency_key=idempotency_key)
    headers = {"Location": f"/api/v1/credentials/{issued.id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        credential_body(issued), status_code=201, media_type="application/json", headers=headers
    )


@router.get("", response_model=Page[CredentialSummary])
def list_credentials(
    request: Request,
    service: IssuanceServiceDep,
    principal: CurrentInstitution,
    achievement_id: str | None = None,
    learner: Annotated[str | None, Query(max_length=255)] = None,
    status: Literal["active", "revoked", "suspended"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[CredentialSummary]:
    where = CredentialFilter(achievement_id=achievement_id, learner=learner, status=status)
    items, total = service.page(principal, where, limit, offset)
    return Page[CredentialSummary](
        items=[
            CredentialSummary(
                id=i.id,
                achievement_id=i.achievement_id,
                status=i.status,
                issued_at=i.issued_at,
                valid_until=i.valid_until,
                learner_given_name=i.learner_given_name,
                learner_family_name=i.learner_family_name,
                learner_email=i.learner_email,
                verification_url=i.verification_url,
                wallet_url=i.wallet_url,
            )
            for i in items
        ],
        total=total,
        limit=limit,
        offset=offset,
        next=next_page_url(request, total, limit, offset),
    )


_DETAIL: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": _CREDENTIAL_SCHEMA}}}
}


@router.get("/{credential_id}", responses=_DETAIL)
def get_credential(
    credential_id: str, service: IssuanceServiceDep, principal: CurrentInstitution
) -> Response:
    return Response(
        credential_body(service.get(principal, credential_id)), media_type="application/json"
    )


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


_STATUS_ACTIONS = {
    "revoke": "Revoke a credential: final; its bit in the revocation list is set.",
    "suspend": "Suspend a credential until it is reinstated.",
    "reinstate": "Lift a suspension.",
}


def _status_route(action: str, summary: str) -> None:
    """``POST /api/v1/credentials/{id}/<action>``: one route per action, one body."""

    def change(
        credential_id: str,
        service: IssuanceServiceDep,
        status: StatusServiceDep,
        principal: CurrentInstitution,
        body: StatusChange | None = None,
    ) -> Response:
        status.change(principal, credential_id, action, body.reason if body else None)
        return Response(
            credential_body(service.get(principal, credential_id)), media_type="application/json"
        )

    router.add_api_route(
        f"/{{credential_id}}/{action}",
        change,
        methods=["POST"],
        responses=_DETAIL,
        name=action,
        summary=summary,
    )


for _action, _summary in _STATUS_ACTIONS.items():
    _status_route(_action, _summary)


class WalletLink(BaseModel):
    id: str
    wallet_url: str


@router.post("/{credential_id}/wallet-link", response_model=WalletLink)
def regenerate_wallet_link(
    credential_id: str, wallet: WalletServiceDep, principal: CurrentInstitution
) -> WalletLink:
    """Give the learner a new private wallet link; the old one stops working at once."""
    record = wallet.regenerate(principal, credential_id)
    return WalletLink(id=record.id, wallet_url=record.wallet_url)


_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media_type: {} for media_type, _ in FORMATS.values()},
        "description": "The file, as an attachment named after the learner and the course",
    }
}


@router.get("/{credential_id}/download", response_class=Response, responses=_DOWNLOAD)
def download(
    credential_id: str,
    wallet: WalletServiceDep,
    principal: CurrentInstitution,
    format: Annotated[FileFormat, Query()],
    lang: Annotated[str | None, Query(max_length=35)] = None,
    accept_language: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The learner's files for the institution: the signed JSON-LD credential
    (``application/vc``), its JWT (``application/vc+jwt``) or the PDF certificate, in the
    language of ``lang`` or ``Accept-Language`` (the PDF's text and the file name)."""
    found = wallet.institution_file(
        principal, credential_id, format, negotiate(lang, accept_language)
    )
    return download_response(found)
