"""The interactive API documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``) with a
Content-Security-Policy.

The pages are FastAPI's own, which load their JavaScript and CSS from the jsDelivr CDN. The
policy allows exactly those files (``swagger-ui-dist@5`` and ``redoc@2`` under
``https://cdn.jsdelivr.net/npm/``) and the one inline script through a per-response nonce;
nothing else runs. Styles may be inline (both UIs inject them at run time), fonts and images
come only from where the pages name them, and the only address the pages may call is the
service itself (``/openapi.json``).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_CDN = "https://cdn.jsdelivr.net/npm/"
_SWAGGER = _CDN + "swagger-ui-dist@5/"
_REDOC = _CDN + "redoc@2/"
_FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"
_OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _policy(script: str, style: str, *extra: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {script}",
            f"style-src {style}",
            f"img-src 'self' data: {_FAVICON}",
            "connect-src 'self'",
            *extra,
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def _with_nonce(page: HTMLResponse, csp: str, nonce: str) -> HTMLResponse:
    """``page`` with its inline ``<script>`` carrying ``nonce``, and the policy."""
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": csp,
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    )


def _openapi_url(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + str(request.app.openapi_url)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    page = get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=_SWAGGER + "swagger-ui-bundle.js",
        swagger_css_url=_SWAGGER + "swagger-ui.css",
        swagger_favicon_url=_FAVICON,
        oauth2_redirect_url=_OAUTH2_REDIRECT,
        # No validator badge: it would load an image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    csp = _policy(f"{_SWAGGER} 'nonce-{nonce}'", f"{_SWAGGER} 'unsafe-inline'")
    return _with_nonce(page, csp, nonce)


@router.get(_OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    return _with_nonce(
        get_swagger_ui_oauth2_redirect_html(), _policy(f"'nonce-{nonce}'", "'none'"), nonce
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=_REDOC + "bundles/redoc.standalone.js",
        redoc_favicon_url=_FAVICON,
    )
    csp = _policy(
        f"{_REDOC} 'nonce-{nonce}'",
        "'unsafe-inline' https://fonts.googleapis.com",
        "font-src https://fonts.gstatic.com",
        "worker-src blob:",
    )
    return _with_nonce(page, csp, nonce)
