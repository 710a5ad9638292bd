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
from markupsafe import Markup

from app.dependencies import ContainerDep
from app.documents.i18n import N_
from app.documents.messages import NOTE_LABELS, PARTICIPATION_LABELS, PUBLIC_REASONS, page_verdict
from app.documents.qr import qr_svg
from app.documents.summary import summarize
from app.errors import Conflict, NotFound, TooManyRequests
from app.http.downloads import download_response
from app.http.urls import WALLET_PATH
from app.services.openid4vci import OfferCreated
from app.services.wallet import FileFormat
from app.web.rendering import page_context, page_language, render_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


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


# What a file is for once the credential is revoked or suspended: not for an employer.
_NO_SHARING = {
    "pdf": N_(
        "A certificate with the QR code, for your records: the credential is not valid now, "
        "and the certificate says so."
    ),
}


def _not_found(request: Request, container: ContainerDep) -> Response:
    """The one answer for every token that opens nothing."""
    context = page_context(container.clock())
    return render_page("wallet_not_found.html", page_language(request), context, status_code=404)


@router.get(WALLET_PATH, response_class=Response)
def wallet_page(token: str, request: Request, container: ContainerDep) -> Response:
    """The learner's page: the credential, its status now, its files, and what to share."""
    return _wallet(token, request, container)


@router.post(WALLET_PATH + "/offer", response_class=Response)
def wallet_offer(token: str, request: Request, container: ContainerDep) -> Response:
    """ "Add to a wallet app": a new OpenID4VCI offer, shown as a QR code and a deep link."""
    try:
        created = container.wallet.offer(token)
    except NotFound:
        return _not_found(request, container)
    except Conflict:  # revoked or suspended since the page was opened: it says so now
        created = None
    return _wallet(token, request, container, created)


def _wallet(
    token: str, request: Request, container: ContainerDep, created: OfferCreated | None = None
) -> Response:
    try:
        view = container.wallet.open(token)
    except NotFound:
        return _not_found(request, container)
    except TooManyRequests as exc:  # it names another host, and every slot is taken
        return render_page(
            "busy.html", page_language(request), page_context(container.clock()),
            status_code=exc.status,
            headers=exc.headers,
        )  # fmt: skip
    lang = page_language(request)
    verdict_code, verdict = page_verdict(view.result)
    summary = summarize(view.credential, lang, recorded=view.issuer)
    base = f"/wallet/{view.record.wallet_token}"
    # a revoked or suspended credential: its state first, and nothing offers to share it
    sharing = verdict_code not in ("revoked", "suspended")
    context: dict[str, Any] = {
        **page_context(container.clock()),
        "record": view.record,
        "verdict": verdict,
        "sharing": sharing,
        "state": view.state
        if view.state is not None and view.state.status == verdict_code
        else None,
        "contact": view.issuer.contact if view.issuer is not None else None,
        "mail_sent": view.mail_sent,
        "public_reasons": PUBLIC_REASONS,
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
                "text": text if sharing else _NO_SHARING.get(fmt, text),
            }
            for fmt, kind, path, title, text in _FILES
            if fmt != "jwt" or view.record.jwt
        ],
        "offer_action": f"{base}/offer?lang={lang.tag}",
        "offer": view.offer,
        "new_offer": None
        if created is None
        else {
            "uri": created.offer_uri,
            "qr": Markup(qr_svg(created.offer_uri).decode("utf-8")),  # noqa: S704 (ours)
            "expires_at": created.expires_at,
        },
    }
    return render_page("wallet.html", lang, context)


def _file(token: str, fmt: FileFormat, request: Request, container: ContainerDep) -> Response:
    try:
        found = container.wallet.file(token, fmt, page_language(request))
    except NotFound:
        return _not_found(request, container)
    return download_response(found)


@router.get(WALLET_PATH + "/credential.json", response_class=Response)
def wallet_json(token: str, request: Request, container: ContainerDep) -> Response:
    """The signed JSON-LD credential, the stored bytes exactly (``application/vc``)."""
    return _file(token, "json", request, container)


@router.get(WALLET_PATH + "/credential.jwt", response_class=Response)
def wallet_jwt(token: str, request: Request, container: ContainerDep) -> Response:
    """The credential as a vc+jwt (``application/vc+jwt``)."""
    return _file(token, "jwt", request, container)


@router.get(WALLET_PATH + "/certificate.pdf", response_class=Response)
def wallet_pdf(token: str, request: Request, container: ContainerDep) -> Response:
    """The printable certificate with the signed credential inside (``application/pdf``)."""
    return _file(token, "pdf", request, container)
