"""Jinja2 rendering of the pages in each language, and the headers every page carries.

One :class:`jinja2.Environment` per language, each with that language's gettext catalogue
installed (new-style gettext: translations are trusted, their variables escaped), so rendering
in one language never touches another's state. Built once, on first use: templates and
catalogues are package data and never change while the service runs.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_time
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.documents.i18n import LANGUAGES, Language, long_date, negotiate, translations

__all__ = ["Pages", "page_context", "page_headers", "page_language", "pages", "render_page"]


def _environment(lang: Language) -> Environment:
    env = Environment(
        loader=PackageLoader("app.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Whitespace inside {% trans %} is layout, not text: msgids are single-spaced.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(lang.locale)

    def date(value: datetime) -> str:
        return long_date(value.astimezone(UTC).date(), lang)

    def time(value: datetime) -> str:
        return format_time(value, format="short", tzinfo=UTC, locale=locale)

    def number(value: Decimal | int) -> str:
        return format_decimal(value, locale=locale)

    def country(alpha_2: str) -> str:
        return str(locale.territories.get(alpha_2, alpha_2))

    def lang_attr(text: object) -> Markup:
        """`` lang="…"`` for a text in another language than the page's (a fallback text of
        :func:`app.documents.summary.pick_text`), else nothing."""
        tag = getattr(text, "lang", None)
        if not tag or tag == lang.tag:
            return Markup("")
        return Markup(' lang="{}"').format(tag)

    env.filters.update(date=date, time=time, number=number, country=country, lang_attr=lang_attr)
    env.globals.update(lang=lang, languages=LANGUAGES)
    return env


class Pages:
    """The templates, ready in every language."""

    def __init__(self) -> None:
        self._environments = {lang.tag: _environment(lang) for lang in LANGUAGES}

    def render(self, name: str, lang: Language, context: Mapping[str, Any]) -> str:
        return self._environments[lang.tag].get_template(name).render(context)


@functools.cache
def pages() -> Pages:
    return Pages()


def page_headers(lang: Language, nonce: str) -> dict[str, str]:
    """What every HTML page sends: a strict CSP (the one inline style carries a nonce, there
    is no script), no referrer (verification URLs are capabilities), no framing, no caching
    or indexing of a page that names a person, and the language it is in."""
    return {
        "Content-Security-Policy": (
            "default-src 'none'; "
            f"style-src 'nonce-{nonce}'; "
            "img-src 'self'; "
            "form-action 'self'; "
            "base-uri 'none'; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
        "Content-Language": lang.tag,
        "Vary": "Accept, Accept-Language",
    }


def render_page(
    name: str,
    lang: Language,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """``name`` rendered in ``lang`` as a response with :func:`page_headers` (and
    ``headers``)."""
    nonce = secrets.token_urlsafe(16)
    html = pages().render(name, lang, {**context, "nonce": nonce})
    return HTMLResponse(
        html, status_code=status_code, headers={**page_headers(lang, nonce), **(headers or {})}
    )


def page_language(request: Request) -> Language:
    """The language of a page: ``?lang=``, then ``Accept-Language``, then English."""
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def page_context(checked_at: datetime) -> dict[str, Any]:
    """What every page's frame needs: the language links (relative, ``?lang=sl``: the same
    page in another language, without echoing the path into the page) and the time the page
    speaks of."""
    return {
        "switcher": [(lang, f"?lang={lang.tag}") for lang in LANGUAGES],
        "checked_at": checked_at,
        # a page that answers a form (the /verify result) sends it again in another language
        "resubmit": None,
    }
