"""Verification for programs: the VC API ``POST /credentials/verify`` and the machine forms of a
verification URL (``GET /v/<id>`` with a JSON or VC media type; the HTML page is in app/web)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.api.deps import VerificationServiceDep
from app.errors import PROBLEM_JSON
from app.services.verification import VerificationService

router = APIRouter(tags=["verification"])

_VC_TYPES = ("application/vc+ld+json", "application/vc", "application/ld+json")


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/credentials/verify")
def verify(body: VerifyCredentialRequest, service: VerificationServiceDep) -> Response:
    """VC API verify: 200 with the result when it verifies; 422 problem details with the
    result when it does not."""
    result = service.verify(body.verifiableCredential)
    payload = result.to_json()
    if result.verified:
        return JSONResponse(payload)
    problem = {
        "type": "urn:microcred:problem:verification-failed",
        "title": "Verification failed",
        "status": 422,
        "detail": "; ".join(f"{e['check']}: {e['detail']}" for e in payload["errors"]),
        "code": result.verdict,
        **payload,
    }
    return JSONResponse(problem, status_code=422, media_type=PROBLEM_JSON)


def negotiated(request: Request, public_id: str, service: VerificationService) -> Response | None:
    """The machine forms of ``/v/<id>``: ``application/json`` gives the verification result,
    a VC media type the stored credential, ``application/vc+jwt`` its JWT; None for HTML."""
    accept = request.headers.get("accept", "")
    if "text/html" in accept or not accept or accept.startswith("*/*"):
        return None
    preferred = _preferred(accept)
    if preferred == "application/vc+jwt":
        _, jwt, _ = service.stored(public_id)
        if jwt is None:
            return Response(status_code=406)
        return Response(jwt, media_type="application/vc+jwt")
    if preferred in _VC_TYPES:
        stored, _, _ = service.stored(public_id)
        return Response(stored, media_type="application/vc+ld+json")
    if preferred is not None and "json" in preferred:
        verification = service.verify_public(public_id)
        body = verification.result.to_json()
        body["verificationUrl"] = verification.verification_url
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
    return None


def _preferred(accept: str) -> str | None:
    """The media type the client prefers most (RFC 9110, section 12.5.1), first on ties."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        media, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0 and (best is None or (quality, -position) > best[:2]):
            best = (quality, -position, media.strip().lower())
    return best[2] if best else None
