"""The W3C VC API endpoints other systems and the conformance test suites call."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.dependencies import ContainerDep, CurrentInstitution
from app.http.text_input import Paragraph, SingleLine

router = APIRouter(tags=["vc-api"])


class IssueCredentialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


IssueFormat = Annotated[
    Literal["ldp_vc", "jwt"],
    Query(
        description=(
            "`ldp_vc` (default): the credential with a Data Integrity proof. `jwt`: the "
            "credential secured as a vc+jwt (VC-JOSE-COSE), returned as an "
            "`EnvelopedVerifiableCredential` whose `id` is `data:application/vc+jwt,<jwt>`."
        )
    ),
]


@router.post(
    "/credentials/issue",
    status_code=201,
    responses={
        201: {
            "description": "The secured credential: with a Data Integrity proof, or with "
            "`format=jwt` an EnvelopedVerifiableCredential holding the vc+jwt",
            "content": {"application/json": {"example": {"verifiableCredential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": "data:application/vc+jwt,eyJhbGciOiJFZERTQSIs...",
            }}}},
        }
    },
)  # fmt: skip
def issue(
    body: IssueCredentialRequest,
    container: ContainerDep,
    principal: CurrentInstitution,
    format: IssueFormat = "ldp_vc",
) -> Response:
    """VC API: secure ``credential`` with the calling institution's key, as a Data Integrity
    proof (``format=ldp_vc``, the default) or as a vc+jwt in an enveloped credential
    (``format=jwt``); any other ``format`` is a 422 naming ``format``."""
    stored = container.vc_api.issue(principal, body.credential, body.options, format=format)
    return Response(
        b'{"verifiableCredential":' + stored + b"}",
        status_code=201,
        media_type="application/json",
    )


class StatusEntryRef(BaseModel):
    type: str = Field(pattern="^BitstringStatusListEntry$")
    statusPurpose: SingleLine = Field(max_length=64)


class UpdateStatusRequest(BaseModel):
    credentialId: SingleLine = Field(min_length=1, max_length=512)
    credentialStatus: StatusEntryRef | list[StatusEntryRef] = Field(
        description="The entry (or entries) whose bit to set or clear: at least one"
    )
    status: bool
    reason: Paragraph | None = Field(default=None, max_length=1000)


@router.post("/credentials/status")
def update_status(
    body: UpdateStatusRequest, container: ContainerDep, principal: CurrentInstitution
) -> dict[str, Any]:
    """VC API: set (``status: true``) or clear a credential's status bit of a purpose. An
    unknown credential is a 404; an empty ``credentialStatus`` list a 422."""
    entries = (
        body.credentialStatus
        if isinstance(body.credentialStatus, list)
        else [body.credentialStatus]
    )
    container.status.change_by_vc_id(
        principal,
        body.credentialId,
        [entry.statusPurpose for entry in entries],
        body.status,
        body.reason,
    )
    return {"credentialId": body.credentialId, "status": body.status}
