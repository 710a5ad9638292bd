"""The W3C VC API endpoints other systems and the conformance test suites call."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import CurrentInstitution, IssuanceServiceDep

router = APIRouter(tags=["vc-api"])


class IssueCredentialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/credentials/issue", status_code=201)
def issue(
    body: IssueCredentialRequest, service: IssuanceServiceDep, principal: CurrentInstitution
) -> Response:
    stored = service.issue_vc_api(principal, body.credential, body.options)
    return Response(
        b'{"verifiableCredential":' + stored + b"}",
        status_code=201,
        media_type="application/json",
    )
