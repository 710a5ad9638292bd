"""The pages people see: the verification page behind every QR code (with its machine forms
for programs), its QR code, and the page where an employer pastes or uploads a credential.
Thin routes: pick the language or the representation, call the verification service, render.

``GET /v/{public_id}`` is one resource in several representations (RFC 9110, section 12):
HTML for people; ``application/json`` the verification result; ``application/vc`` (asked for
also as ``application/vc+ld+json`` or ``application/ld+json``) the stored credential, always
served as ``application/vc`` (VC 2.0 section 6.3);
``application/vc+jwt`` its JWT.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.dependencies import ContainerDep
from app.documents.i18n import Language
from app.documents.messages import (
    CHECK_TITLES,
    INPUT_VERDICTS,
    NOTE_LABELS,
    PARTICIPATION_LABELS,
    PUBLIC_REASONS,
    STATUS_WORDS,
    check_sentence,
    page_verdict,
)
from app.documents.qr import qr_png, qr_svg
from app.documents.summary import RecordedIssuer, summarize, summarize_sd_jwt_vc
from app.errors import (
    AppError,
    BadRequest,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unprocessable,
)
from app.http.negotiation import preferred_media_type
from app.http.urls import PUBLIC_ID, VERIFICATION_PATH
from app.services.admission import Ticket
from app.services.verification import InputVerification, PublicState, VerificationService
from app.web.rendering import page_context, page_language, render_page
from verifier.errors import VerifierError
from verifier.pdf import is_pdf
from verifier.result import Check, VerificationResult
from verifier.sd_jwt_vc import FORMAT_SD_JWT_VC

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_QR_HEADERS = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
}
_HTML = "text/html"
_JSON = "application/json"
_JWT = "application/vc+jwt"
_CREDENTIAL_TYPES = ("application/vc", "application/vc+ld+json", "application/ld+json")
#: The representations of a verification URL, the page first (``*/*`` gets the page).
_REPRESENTATIONS = (_HTML, "application/xhtml+xml", _JSON, *_CREDENTIAL_TYPES, _JWT)


def _result_context(
    result: VerificationResult,
    lang: Language,
    credential: Mapping[str, Any] | None,
    issuer: RecordedIssuer | None,
    outcome: str | None = None,
    state: PublicState | None = None,
) -> dict[str, Any]:
    verdict_code, verdict = page_verdict(result, outcome)
    raw = credential if credential is not None else result.credential
    if result.format == FORMAT_SD_JWT_VC:
        summary = summarize_sd_jwt_vc(raw, lang, recorded=issuer)
    else:
        summary = summarize(raw, lang, recorded=issuer)
    # A public page: the learner's date of birth only if the institution shows it (the wallet
    # and the PDF are the learner's and keep it).
    birth_hidden = False
    if not (issuer is not None and issuer.show_date_of_birth):
        if summary is not None and summary.date_of_birth is not None:
            summary = replace(summary, date_of_birth=None)
        raw, birth_hidden = _without_birth_date(raw)
    shown_state = state if state is not None and state.status == verdict_code else None
    return {
        "result": result,
        "verdict": verdict,
        "verdict_code": verdict_code,
        "state": shown_state,
        "public_reasons": PUBLIC_REASONS,
        "contact": issuer.contact if issuer is not None else None,
        "birth_hidden": birth_hidden,
        "show_checks": verdict_code not in INPUT_VERDICTS,
        "summary": summary if summary is not None and summary.says_anything else None,
        "checks": _checks_for(result, verdict_code, verdict.tone),
        "withheld": _withheld(result),
        "participation_labels": PARTICIPATION_LABELS,
        "note_labels": NOTE_LABELS,
        "raw_json": (
            json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=False)
            if raw is not None
            else None
        ),
    }


def _withheld(result: VerificationResult) -> int:
    """How many claims of an SD-JWT VC the holder did not disclose (0 for other formats)."""
    form = result.check("format")
    if result.format != FORMAT_SD_JWT_VC or form is None or not form.passed:
        return 0
    count = form.data.get("withheld")
    return count if isinstance(count, int) else 0


def _without_birth_date(raw: Mapping[str, Any] | None) -> tuple[Mapping[str, Any] | None, bool]:
    """``raw`` for display without its subjects' ``dateOfBirth``, and whether it had one."""
    if raw is None:
        return None, False
    if "birthdate" in raw and "vct" in raw:  # an SD-JWT VC's disclosed claims
        return {k: v for k, v in raw.items() if k != "birthdate"}, True
    subjects = raw.get("credentialSubject")
    listed = subjects if isinstance(subjects, list) else [subjects]
    if not any(isinstance(s, Mapping) and "dateOfBirth" in s for s in listed):
        return raw, False
    kept = [
        {k: v for k, v in s.items() if k != "dateOfBirth"} if isinstance(s, Mapping) else s
        for s in listed
    ]
    return {**raw, "credentialSubject": kept if isinstance(subjects, list) else kept[0]}, True


# Failing checks first on a credential that is not valid, then warnings, what passed, what
# did not apply (the order is stable inside each group).
_ORDER = {"failed": 0, "warning": 1, "passed": 2, "skipped": 3}
# The badge's colour for the tone of a listed check.
_BADGES = {"bad": "failed", "caution": "warning", "good": "passed", "held": "held"}


def _checks_for(result: VerificationResult, verdict_code: str, tone: str) -> list[dict[str, Any]]:
    """The checks as the page lists them: they follow the verdict. A failed check takes the
    verdict's colour (amber for a suspension, red for a revocation); on a credential that is
    not valid, the failing check comes first and what passed is shown in grey, so that seven
    green ticks never read as "valid" under a red "Revoked"."""
    valid = verdict_code in ("valid", "untrusted")
    checks = (
        result.checks if valid else sorted(result.checks, key=lambda c: _ORDER.get(c.status, 4))
    )
    listed = []
    for check in checks:
        if check.status == "failed":
            item_tone = tone if tone in ("bad", "caution") else "bad"
        elif check.status == "warning":
            item_tone = "caution"
        elif check.status == "passed":
            item_tone = "good" if valid else "held"
        else:
            item_tone = "none"
        listed.append(
            {
                "check": check,
                "title": CHECK_TITLES.get(check.name, check.name),
                "status": STATUS_WORDS.get(check.status, check.status),
                "sentence": check_sentence(check),
                "tone": item_tone,
                "badge": _BADGES.get(item_tone, "skipped"),
            }
        )
    return listed


def _not_found(request: Request, container: ContainerDep) -> Response:
    context = page_context(container.clock())
    return render_page("not_found.html", page_language(request), context, status_code=404)


def _busy(request: Request, container: ContainerDep, refused: AppError) -> Response:
    """429: too many verifications are running; the page says to try again shortly."""
    context = page_context(container.clock())
    return render_page(
        "busy.html", page_language(request), context, status_code=refused.status,
        headers=refused.headers,
    )  # fmt: skip


def _machine_form(media_type: str, public_id: str, service: VerificationService) -> Response:
    """The verification URL for a program: the result, the credential or its JWT."""
    if media_type == _JWT:
        stored = service.stored(public_id)
        if stored.jwt is None:
            raise NotAcceptable("this credential has no JWT form; ask for application/vc")
        return Response(stored.jwt, media_type=_JWT)
    if media_type in _CREDENTIAL_TYPES:
        # Whichever name the client asked by, a secured JSON-LD credential is application/vc.
        credential_json = service.stored(public_id).credential_json
        return Response(credential_json, media_type=_CREDENTIAL_TYPES[0])
    verification = service.verify_public(public_id)
    body = verification.result.to_json()
    body["verificationUrl"] = verification.verification_url
    return Response(json.dumps(body, ensure_ascii=False), media_type=_JSON)


@router.get(VERIFICATION_PATH, response_class=Response)
def verification_page(public_id: str, request: Request, container: ContainerDep) -> Response:
    """The page an employer reaches from the QR code: the verdict first, then whose it is,
    what it certifies, and each check in plain words; or a machine form of the same."""
    wanted = preferred_media_type(request.headers.get("accept"), _REPRESENTATIONS)
    if wanted is None:
        raise NotAcceptable(f"this address offers {', '.join(_REPRESENTATIONS)}")
    if not PUBLIC_ID.valid(public_id):
        if wanted.startswith("text/") or wanted.endswith("+xml"):
            return _not_found(request, container)
        raise NotFound("no credential at this verification address")
    if not (wanted.startswith("text/") or wanted.endswith("+xml")):
        return _machine_form(wanted, public_id, container.verification)
    try:
        verification = container.verification.verify_public(public_id)
    except NotFound:
        return _not_found(request, container)
    except TooManyRequests as exc:  # it names another host, and every slot is taken
        return _busy(request, container, exc)
    lang = page_language(request)
    context = {
        **page_context(container.clock()),
        **_result_context(
            verification.result,
            lang,
            verification.credential,
            verification.issuer,
            state=verification.state,
        ),
        "record": verification,
        "input": None,
    }
    return render_page("result.html", lang, context)


def _qr_url(public_id: str, container: ContainerDep) -> str:
    """The verification URL of a credential that exists (404 problem otherwise)."""
    if not PUBLIC_ID.valid(public_id):
        raise NotFound("no credential at this verification address")
    return container.verification.stored(public_id).verification_url


@router.get(VERIFICATION_PATH + "/qr.svg", response_class=Response)
def qr_code_svg(public_id: str, container: ContainerDep) -> Response:
    url = _qr_url(public_id, container)
    return Response(qr_svg(url, title=url), media_type="image/svg+xml", headers=_QR_HEADERS)


@router.get(VERIFICATION_PATH + "/qr.png", response_class=Response)
def qr_code_png(public_id: str, container: ContainerDep) -> Response:
    url = _qr_url(public_id, container)
    return Response(qr_png(url), media_type="image/png", headers=_QR_HEADERS)


@router.get("/verify", response_class=Response)
def verify_form(request: Request, container: ContainerDep) -> Response:
    """Paste a credential (JSON-LD or JWT) or a verification URL, or upload a file."""
    context = {**page_context(container.clock()), "error": None}
    return render_page("verify.html", page_language(request), context)


def _from_base64(text: str, limit: int) -> bytes:
    """The bytes of a file sent back as base64 (at most ``limit`` and one more; nothing for
    text that is not base64: the form then asks again)."""
    try:
        return base64.b64decode(text[: (limit + 3) // 3 * 4 + 4], validate=True)
    except (binascii.Error, ValueError):
        return b""


def _result_page(
    request: Request, container: ContainerDep, pasted: str, uploaded: bytes, ticket: Ticket
) -> Response:
    """Verify what was pasted or uploaded and render the result (in a worker thread)."""
    lang = page_language(request)
    service = container.verification
    try:
        if uploaded:
            verified = service.verify_upload(uploaded, ticket=ticket)
        else:
            verified = service.verify_input(pasted, ticket=ticket)
    except (BadRequest, VerifierError) as exc:
        # The service could not even read it: for the person, that is not a credential.
        verified = InputVerification(
            VerificationResult(checks=(Check("format", "failed", exc.code, exc.detail),))
        )
    context = {
        **page_context(container.clock()),
        **_result_context(
            verified.result, lang, None, verified.issuer, verified.outcome, verified.state
        ),
        "record": None,
        "input": verified,
        # the language buttons send the input again (base.html)
        "resubmit": {
            "credential": "" if uploaded else pasted,
            "upload": base64.b64encode(uploaded).decode("ascii") if uploaded else "",
        },
    }
    return render_page("result.html", lang, context)


@router.post("/verify", response_class=Response)
async def verify_submitted(
    request: Request,
    container: ContainerDep,
    credential: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    upload: Annotated[str, Form()] = "",
) -> Response:
    """The result page for what was pasted or uploaded. Anyone may send it, so the input is
    bounded before it is parsed (``MICROCRED_VERIFY_MAX_BYTES``, ``_MAX_PDF_BYTES`` for a
    PDF, ``_MAX_DEPTH``: 413, 422), and it takes a slot of the anonymous verification limit on
    the event loop (429 at once when none is free) before it takes a worker thread.

    ``upload`` is a file sent before, as base64: the result page's language buttons send the
    input again (pasted text as ``credential``, a file as ``upload``), so that switching the
    language keeps the result."""
    lang = page_language(request)
    service = container.verification
    limit = max(service.limits.max_bytes, service.limits.max_pdf_bytes)
    uploaded = await file.read(limit + 1) if file is not None else b""
    if not uploaded.strip() and upload:
        uploaded = _from_base64(upload, limit)
    if not uploaded.strip():
        uploaded = b""
    allowed = service.limits.max_pdf_bytes if is_pdf(uploaded) else service.limits.max_bytes
    if len(uploaded) > allowed:
        exc = PayloadTooLarge(f"file: more than {allowed} bytes")
        context = {**page_context(container.clock()), "error": "too_large", "pasted": ""}
        return render_page("verify.html", lang, context, status_code=exc.status)
    if not uploaded and not credential.strip():
        context = {**page_context(container.clock()), "error": "empty", "pasted": credential}
        return render_page("verify.html", lang, context, status_code=422)
    try:
        with service.admit() as ticket:
            return await run_in_threadpool(
                _result_page, request, container, credential, uploaded, ticket
            )
    except (TooManyRequests, PayloadTooLarge, Unprocessable) as exc:
        error = "busy" if isinstance(exc, TooManyRequests) else "too_large"
        pasted = credential if len(credential) <= service.limits.max_bytes else ""
        context = {**page_context(container.clock()), "error": error, "pasted": pasted}
        return render_page(
            "verify.html", lang, context, status_code=exc.status, headers=exc.headers
        )
