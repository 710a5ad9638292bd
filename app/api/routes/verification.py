"""Verification for programs: the VC API ``POST /credentials/verify``. (The machine forms of a
verification URL, ``GET /v/<id>`` with a JSON or VC media type, are served beside its page in
:mod:`app.web.routes`.)"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.dependencies import ContainerDep
from app.http.problems import problem

router = APIRouter(tags=["verification"])


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/credentials/verify")
def verify(body: VerifyCredentialRequest, request: Request, container: ContainerDep) -> Response:
    """VC API verify: 200 with the result when it verifies; 422 problem details with the
    result when it does not."""
    result = container.verification.verify(body.verifiableCredential)
    payload = result.to_json()
    if result.verified:
        return JSONResponse(payload)
    return problem(
        request,
        422,
        result.verdict,
        "; ".join(f"{e['check']}: {e['detail']}" for e in payload["errors"]),
        title="Verification failed",
        extra=payload,
        problem_type="verification_failed",
    )
