"""The pages people see: the verification page behind every QR code, its QR code, and the page
where an employer pastes or uploads a credential. Thin routes: pick the language, call the
verification service, render.

``GET /v/{public_id}`` is shared with the machine forms (JSON result, the credential as
``application/vc+ld+json`` or ``application/vc+jwt``):
:func:`app.api.routes.verification.negotiated` answers those Accept values and this route
renders HTML for everything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.api.deps import ContainerDep, VerificationServiceDep
from app.api.routes.verification import negotiated
from app.errors import BadRequest, NotFound, Unprocessable
from app.web.i18n import LANGUAGES, Language, negotiate
from app.web.messages import (
    CHECK_TITLES,
    NOTE_LABELS,
    PARTICIPATION_LABELS,
    STATUS_WORDS,
    VERDICTS,
    check_sentence,
)
from app.web.qr import qr_png, qr_svg
from app.web.rendering import render_page
from app.web.summary import summarize
from verifier.errors import VerifierError
from verifier.result import Check, VerificationResult

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_QR_HEADERS = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
}


def _language(request: Request) -> Language:
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def _common(container: ContainerDep) -> dict[str, Any]:
    # The language links are relative (``?lang=sl``): the same page in another language,
    # without echoing the path into the page.
    return {
        "switcher": [(lang, f"?lang={lang.tag}") for lang in LANGUAGES],
        "checked_at": container.clock(),
    }


def _result_context(
    result: VerificationResult, lang: Language, credential: Mapping[str, Any] | None
) -> dict[str, Any]:
    verdict_code = result.verdict if result.verdict in VERDICTS else "not_genuine"
    verdict = VERDICTS[verdict_code]
    raw = credential if credential is not None else result.credential
    summary = summarize(raw, lang)
    return {
        "result": result,
        "verdict": verdict,
        "verdict_code": verdict_code,
        "summary": summary if summary is not None and summary.says_anything else None,
        "checks": [
            {
                "check": check,
                "title": CHECK_TITLES.get(check.name, check.name),
                "status": STATUS_WORDS.get(check.status, check.status),
                "sentence": check_sentence(check),
            }
            for check in result.checks
        ],
        "participation_labels": PARTICIPATION_LABELS,
        "note_labels": NOTE_LABELS,
        "raw_json": (
            json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=False)
            if raw is not None
            else None
        ),
    }


def _not_found(request: Request, container: ContainerDep) -> Response:
    lang = _language(request)
    return render_page("not_found.html", lang, _common(container), status_code=404)


@router.get("/v/{public_id}", response_class=Response)
def verification_page(
    public_id: str,
    request: Request,
    container: ContainerDep,
    service: VerificationServiceDep,
) -> Response:
    """The page an employer reaches from the QR code: the verdict first, then whose it is,
    what it certifies, and each check in plain words."""
    if not _PUBLIC_ID.match(public_id):
        return _not_found(request, container)
    machine = negotiated(request, public_id, service)
    if machine is not None:
        return machine
    lang = _language(request)
    try:
        verification = service.verify_public(public_id)
    except NotFound:
        return _not_found(request, container)
    context = {
        **_common(container),
        **_result_context(verification.result, lang, verification.credential),
        "record": verification,
    }
    return render_page("result.html", lang, context)


def _qr_url(public_id: str, container: ContainerDep, service: VerificationServiceDep) -> str:
    """The verification URL of a credential that exists (404 problem otherwise)."""
    if not _PUBLIC_ID.match(public_id):
        raise NotFound("no credential at this verification address")
    _, _, public_id = service.stored(public_id)
    return f"{container.settings.base_url}/v/{public_id}"


@router.get("/v/{public_id}/qr.svg", response_class=Response)
def qr_code_svg(
    public_id: str, container: ContainerDep, service: VerificationServiceDep
) -> Response:
    url = _qr_url(public_id, container, service)
    return Response(qr_svg(url, title=url), media_type="image/svg+xml", headers=_QR_HEADERS)


@router.get("/v/{public_id}/qr.png", response_class=Response)
def qr_code_png(
    public_id: str, container: ContainerDep, service: VerificationServiceDep
) -> Response:
    url = _qr_url(public_id, container, service)
    return Response(qr_png(url), media_type="image/png", headers=_QR_HEADERS)


@router.get("/verify", response_class=Response)
def verify_form(request: Request, container: ContainerDep) -> Response:
    """Paste a credential (JSON-LD or JWT) or a verification URL, or upload a file."""
    lang = _language(request)
    return render_page("verify.html", lang, {**_common(container), "error": None})


@router.post("/verify", response_class=Response)
def verify_submitted(
    request: Request,
    container: ContainerDep,
    service: VerificationServiceDep,
    credential: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The result page for what was pasted or uploaded (the body limit bounds both)."""
    lang = _language(request)
    uploaded = file.file.read() if file is not None else b""
    text = uploaded.decode("utf-8-sig", errors="replace") if uploaded.strip() else credential
    if not text.strip():
        context = {**_common(container), "error": "empty", "pasted": credential}
        return render_page("verify.html", lang, context, status_code=422)
    try:
        result = service.verify_input(text)
    except (BadRequest, Unprocessable, VerifierError) as exc:
        # The service could not even read it: for the person, that is not a credential.
        result = VerificationResult(checks=(Check("format", "failed", exc.code, exc.detail),))
    context = {
        **_common(container),
        **_result_context(result, lang, None),
        "record": None,
    }
    return render_page("result.html", lang, context)
