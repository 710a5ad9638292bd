"""Errors as pages: what a browser gets instead of problem+json (404, 405, 413, 422, 429, 500,
503, ...), in the page's language, with the pages' headers (:func:`render_page`).

:func:`error_page` is the renderer :func:`app.http.problems.install_error_handlers` and the
body size limit are given; they call it for a client that prefers ``text/html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from app.documents.i18n import N_
from app.web.rendering import page_context, page_language, render_page

__all__ = ["error_page"]

_SOMETHING_WRONG = N_("Something went wrong")
#: status -> (title, message), marked for translation; the page translates them.
_MESSAGES: dict[int, tuple[str, str]] = {
    401: (
        N_("Access denied"),
        N_("This address is for programs with an API key, not for a web browser."),
    ),
    404: (N_("Not found"), N_("There is nothing at this address.")),
    405: (N_("Not possible here"), N_("This address does not accept this kind of request.")),
    413: (N_("Too large"), N_("What you sent is too large. Send a smaller file or less text.")),
    422: (
        N_("Cannot be read"),
        N_("What you sent could not be read. Check it and try again."),
    ),
    429: (
        N_("Too many attempts"),
        N_("There were too many attempts from your connection. Wait a minute and try again."),
    ),
    500: (_SOMETHING_WRONG, N_("The service could not answer. Try again later.")),
    503: (
        N_("Temporarily unavailable"),
        N_("The service is not available at the moment. Try again in a few minutes."),
    ),
}
_MESSAGES[403] = _MESSAGES[401]
_OTHER = (_SOMETHING_WRONG, N_("The request could not be completed."))


def error_page(request: Request, status: int, headers: Mapping[str, str]) -> Response:
    """The error page for ``status``, in the language the request asks for."""
    title, message = _MESSAGES.get(status, _OTHER)
    context = {
        **page_context(datetime.now(UTC)),
        "title": title,
        "message": message,
        # Server errors quote the id the operator finds in the log.
        "request_id": getattr(request.state, "request_id", None) if status >= 500 else None,
    }
    response = render_page("error.html", page_language(request), context, status_code=status)
    response.headers.update(headers)
    return response
