"""The learner's wallet: a private page at ``/wallet/<token>`` with the credential, its current
status, its files (JSON-LD, JWT, PDF certificate) and the verification link to share.

The token in the URL is the only key, so everything here is sent ``no-store``, ``noindex`` and
``no-referrer``, and an unknown token, a replaced one and a malformed one all get the same
404 page. Thin routes: pick the language, call :class:`app.services.wallet.WalletService`,
render.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import ContainerDep, WalletServiceDep
from app.errors import NotFound
from app.services.wallet import FileFormat, WalletFile
from app.web.i18n import LANGUAGES, N_, Language, negotiate
from app.web.messages import NOTE_LABELS, PARTICIPATION_LABELS, VERDICTS
from app.web.rendering import render_page
from app.web.summary import summarize

__all__ = ["DOWNLOAD_HEADERS", "download_response", "router"]

router = APIRouter(include_in_schema=False)

#: What every download sends besides its type and name: the wallet's files are personal data
#: behind a secret URL.
DOWNLOAD_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Vary": "Accept-Language",
}


# The wallet's files: format, what its badge says, path, title and description (translated).
_FILES: tuple[tuple[FileFormat, str, str, str, str], ...] = (
    (
        "pdf",
        "PDF",
        "certificate.pdf",
        N_("Certificate to print (PDF)"),
        N_(
            "A certificate with the QR code, to print or to send with a job application. "
            "The signed credential is attached inside the PDF."
        ),
    ),
    (
        "json",
        "JSON",
        "credential.json",
        N_("Credential for a digital wallet (JSON-LD)"),
        N_(
            "The credential with the issuer's digital signature, for a digital wallet or for "
            "anyone who checks W3C Verifiable Credentials."
        ),
    ),
    (
        "jwt",
        "JWT",
        "credential.jwt",
        N_("The same credential as a JWT"),
        N_("Signed as a JSON Web Token (vc+jwt), for wallets that take this format."),
    ),
)


def download_response(found: WalletFile) -> Response:
    """``found`` as an attachment (``Content-Disposition`` with an ASCII and a UTF-8 name)."""
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": found.name.content_disposition()}
    return Response(found.body, media_type=found.media_type, headers=headers)


def _language(request: Request) -> Language:
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def _not_found(request: Request) -> Response:
    """The one answer for every token that opens nothing."""
    context = {"switcher": [(lang, f"?lang={lang.tag}") for lang in LANGUAGES]}
    return render_page("wallet_not_found.html", _language(request), context, status_code=404)


@router.get("/wallet/{token}", response_class=Response)
def wallet_page(
    token: str, request: Request, container: ContainerDep, wallet: WalletServiceDep
) -> Response:
    """The learner's page: the credential, its status now, its files, and what to share."""
    try:
        view = wallet.open(token)
    except NotFound:
        return _not_found(request)
    lang = _language(request)
    verdict_code = view.result.verdict if view.result.verdict in VERDICTS else "not_genuine"
    summary = summarize(view.credential, lang)
    base = f"/wallet/{view.record.wallet_token}"
    context: dict[str, Any] = {
        "switcher": [(option, f"?lang={option.tag}") for option in LANGUAGES],
        "checked_at": container.clock(),
        "record": view.record,
        "verdict": VERDICTS[verdict_code],
        "verdict_code": verdict_code,
        "summary": summary if summary is not None and summary.says_anything else None,
        "participation_labels": PARTICIPATION_LABELS,
        "note_labels": NOTE_LABELS,
        "files": [
            # In the page's language: the PDF's text, and every file's name.
            {
                "format": fmt,
                "kind": kind,
                "href": f"{base}/{path}?lang={lang.tag}",
                "title": title,
                "text": text,
            }
            for fmt, kind, path, title, text in _FILES
            if fmt != "jwt" or view.record.jwt
        ],
    }
    return render_page("wallet.html", lang, context)


def _file(token: str, fmt: FileFormat, request: Request, wallet: WalletServiceDep) -> Response:
    try:
        found = wallet.file(token, fmt, _language(request))
    except NotFound:
        return _not_found(request)
    return download_response(found)


@router.get("/wallet/{token}/credential.json", response_class=Response)
def wallet_json(token: str, request: Request, wallet: WalletServiceDep) -> Response:
    """The signed JSON-LD credential, the stored bytes exactly (``application/vc``)."""
    return _file(token, "json", request, wallet)


@router.get("/wallet/{token}/credential.jwt", response_class=Response)
def wallet_jwt(token: str, request: Request, wallet: WalletServiceDep) -> Response:
    """The credential as a vc+jwt (``application/vc+jwt``)."""
    return _file(token, "jwt", request, wallet)


@router.get("/wallet/{token}/certificate.pdf", response_class=Response)
def wallet_pdf(token: str, request: Request, wallet: WalletServiceDep) -> Response:
    """The printable certificate with the signed credential inside (``application/pdf``)."""
    return _file(token, "pdf", request, wallet)
