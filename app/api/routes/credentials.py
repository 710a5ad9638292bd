"""Credentials: issue (idempotently), list and read, change the status, download the learner's
files and replace the learner's wallet link; scoped to the caller's institution.

Responses embed the signed JSON-LD credential as the exact bytes that were stored, never a
re-serialisation of them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import (
    CredentialCreate,
    CredentialSummary,
    Limit,
    Offset,
    Page,
    next_page_url,
)
from app.dependencies import ContainerDep, CurrentInstitution
from app.documents.i18n import negotiate
from app.documents.messages import PUBLIC_REASONS
from app.documents.qr import qr_data_url
from app.http.downloads import download_response
from app.http.text_input import Paragraph, SingleLine
from app.services.credential_store import IssuedCredential
from app.services.credentials import CredentialFilter
from app.services.issue_requests import IssueRequest
from app.services.mail_outbox import Notification
from app.services.status import ACTIONS
from app.services.wallet import FORMATS, FileFormat
from issuer.sd_jwt import SD_JWT_VC_MEDIA_TYPE

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])

_CREDENTIAL_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "credential": {"type": "object", "description": "VC 2.0 JSON-LD with its proof"},
        "jwt": {"type": "string", "description": "the same credential as a vc+jwt"},
        "verification_url": {"type": "string"},
        "wallet_url": {"type": "string"},
        "notification": {
            "type": ["object", "null"],
            "description": "The learner's e-mail with the wallet link (null: none was queued)",
            "properties": {
                "state": {"enum": ["queued", "sending", "sent", "failed"]},
                "attempts": {"type": "integer"},
                "sent_at": {"type": ["string", "null"], "format": "date-time"},
                "last_error": {"type": ["string", "null"]},
            },
        },
    },
}
_DETAIL: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": _CREDENTIAL_SCHEMA}}}
}


def notification_json(found: Notification | None) -> dict[str, Any] | None:
    """The learner's e-mail about a credential as the API shows it (no address)."""
    if found is None:
        return None
    return {
        "state": found.state,
        "attempts": found.attempts,
        "sent_at": found.sent_at.isoformat() if found.sent_at else None,
        "last_error": found.last_error,
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
        head["offer"] = issued.offer.as_json() if issued.offer else None
    if issued.with_notification:
        head["notification"] = notification_json(issued.notification)
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return encoded[:-1] + b',"credential":' + issued.credential_json + b"}"


def _credential_response(issued: IssuedCredential, **kwargs: Any) -> Response:
    return Response(credential_body(issued), media_type="application/json", **kwargs)


@router.post(
    "",
    status_code=201,
    responses={201: {"content": {"application/json": {"schema": _CREDENTIAL_SCHEMA}}}},
)
def issue_credential(
    body: CredentialCreate,
    container: ContainerDep,
    principal: CurrentInstitution,
    idempotency_key: Annotated[SingleLine | None, Header(max_length=255, min_length=1)] = None,
) -> Response:
    request = IssueRequest.of(
        body.achievement_id, body.learner, body, notify=body.notify is not False
    )
    issued, replayed = container.issuance.issue(principal, request, idempotency_key=idempotency_key)
    headers = {"Location": container.urls.credential(issued.id)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _credential_response(issued, status_code=201, headers=headers)


@router.get("", response_model=Page[CredentialSummary])
def list_credentials(
    request: Request,
    container: ContainerDep,
    principal: CurrentInstitution,
    achievement_id: str | None = None,
    learner: Annotated[str | None, Query(max_length=255)] = None,
    status: Literal["active", "revoked", "suspended"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CredentialSummary]:
    where = CredentialFilter(achievement_id=achievement_id, learner=learner, status=status)
    items, total = container.credentials.page(principal, where, limit, offset)
    return Page[CredentialSummary](
        items=[CredentialSummary.model_validate(i, from_attributes=True) for i in items],
        total=total,
        limit=limit,
        offset=offset,
        next=next_page_url(request, container.urls.base, total, limit, offset),
    )


@router.get("/{credential_id}", responses=_DETAIL)
def get_credential(
    credential_id: str, container: ContainerDep, principal: CurrentInstitution
) -> Response:
    return _credential_response(container.credentials.get(principal, credential_id))


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Paragraph | None = Field(
        default=None, max_length=1000, description="The institution's own note: internal"
    )
    reason_public: bool = Field(
        default=False, description="Show `reason` on the public pages (as the public note)"
    )
    public_reason: Literal[tuple(PUBLIC_REASONS)] | None = Field(  # type: ignore[valid-type]
        default=None, description="Why, as the public pages say it"
    )
    public_note: Paragraph | None = Field(
        default=None, max_length=500, description="A note the public pages show"
    )


def _status_route(action: str) -> None:
    """``POST /api/v1/credentials/{id}/<action>``: one route per action, one body."""

    def change(
        credential_id: str,
        container: ContainerDep,
        principal: CurrentInstitution,
        body: StatusChange | None = None,
    ) -> Response:
        body = body or StatusChange()
        container.status.change(
            principal, credential_id, action, body.reason,
            public_reason=body.public_reason, public_note=body.public_note,
            reason_public=body.reason_public,
        )  # fmt: skip
        return _credential_response(container.credentials.get(principal, credential_id))

    router.add_api_route(
        f"/{{credential_id}}/{action}",
        change,
        methods=["POST"],
        responses=_DETAIL,
        name=action,
        summary=ACTIONS[action].summary,
    )


for _action in ACTIONS:
    _status_route(_action)


class WalletLink(BaseModel):
    id: str
    wallet_url: str


@router.post("/{credential_id}/wallet-link", response_model=WalletLink)
def regenerate_wallet_link(
    credential_id: str, container: ContainerDep, principal: CurrentInstitution
) -> WalletLink:
    """Give the learner a new private wallet link; the old one stops working at once."""
    record = container.wallet.regenerate(principal, credential_id)
    return WalletLink(id=record.id, wallet_url=record.wallet_url)


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tx_code: bool = Field(
        default=False,
        strict=True,
        description="Protect the offer with a transaction code (a PIN) the response shows once,"
        " for the institution to send the learner separately",
    )


class Offer(BaseModel):
    id: str
    offer_uri: str = Field(description="openid-credential-offer:// deep link (the QR code's text)")
    credential_offer_uri: str
    qr_code: str = Field(description="The deep link as a QR code, an SVG data: URL")
    expires_at: datetime
    tx_code: str | None = Field(description="The transaction code, shown this once")
    credential_configuration_ids: list[str]


@router.post("/{credential_id}/offer", status_code=201, response_model=Offer)
def make_offer(
    credential_id: str,
    container: ContainerDep,
    principal: CurrentInstitution,
    body: OfferCreate | None = None,
) -> Offer:
    """A new OpenID4VCI credential offer of the credential, for a wallet app to scan (pre-
    authorized code flow): one-time, expiring; it closes the credential's older open offers."""
    created = container.openid4vci.create_offer(
        principal, credential_id, tx_code=(body or OfferCreate()).tx_code
    )
    return Offer(
        id=created.id,
        offer_uri=created.offer_uri,
        credential_offer_uri=created.credential_offer_uri,
        qr_code=qr_data_url(created.offer_uri),
        expires_at=created.expires_at,
        tx_code=created.tx_code,
        credential_configuration_ids=list(created.configuration_ids),
    )


_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media_type: {} for media_type, _ in FORMATS.values()},
        "description": "The file, as an attachment named after the learner and the course",
    }
}


@router.get(
    "/{credential_id}/sd-jwt",
    response_class=Response,
    responses={200: {"content": {SD_JWT_VC_MEDIA_TYPE: {}}, "description": "The SD-JWT VC"}},
)
def sd_jwt_vc(
    credential_id: str, container: ContainerDep, principal: CurrentInstitution
) -> Response:
    """The credential as an SD-JWT VC (``application/dc+sd-jwt``) with every disclosure and
    no holder binding, signed now; wallets get the holder-bound form through OpenID4VCI."""
    token = container.sd_jwt_vc.for_institution(principal, credential_id)
    return Response(token, media_type=SD_JWT_VC_MEDIA_TYPE, headers={"Cache-Control": "no-store"})


class HolderKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_jwk: dict[str, Any] = Field(
        description="The holder's public JWK (Ed25519, P-256, P-384): it becomes cnf.jwk"
    )


@router.post(
    "/{credential_id}/sd-jwt",
    response_class=Response,
    responses={200: {"content": {SD_JWT_VC_MEDIA_TYPE: {}}, "description": "The SD-JWT VC"}},
)
def holder_bound_sd_jwt_vc(
    credential_id: str, body: HolderKey, container: ContainerDep, principal: CurrentInstitution
) -> Response:
    """The credential as an SD-JWT VC bound to ``holder_jwk`` (``cnf.jwk``): for a wallet
    whose key the institution already has (OpenID4VCI does this with a key proof)."""
    token = container.sd_jwt_vc.for_institution(principal, credential_id, body.holder_jwk)
    return Response(token, media_type=SD_JWT_VC_MEDIA_TYPE, headers={"Cache-Control": "no-store"})


@router.get("/{credential_id}/download", response_class=Response, responses=_DOWNLOAD)
def download(
    credential_id: str,
    container: ContainerDep,
    principal: CurrentInstitution,
    format: Annotated[FileFormat, Query()],
    lang: Annotated[str | None, Query(max_length=35)] = None,
    accept_language: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The learner's files for the institution: the signed JSON-LD credential
    (``application/vc``), its JWT (``application/vc+jwt``) or the PDF certificate, in the
    language of ``lang`` or ``Accept-Language`` (the PDF's text and the file name)."""
    found = container.wallet.institution_file(
        principal, credential_id, format, negotiate(lang, accept_language)
    )
    return download_response(found)
