"""The service's public URLs and the unguessable tokens in them, defined once.

Every absolute URL the service hands out is built here from ``MICROCRED_BASE_URL``, never from
the request's ``Host`` header; the route paths below are the templates FastAPI serves them
under; :meth:`PublicUrls.match` recognises our own URLs (to answer them locally).

Tokens (``secrets.token_urlsafe``, URL-safe base64 without padding):

==================  ===========  ==============================================
token               random bits  where
==================  ===========  ==============================================
``public_id``       128          ``/v/<public_id>``: the verification page (QR code)
``wallet_token``    192          ``/wallet/<token>``: the learner's private page
``status_list_id``  96           ``/status/<slug>/<id>``: a status list credential,
                                 ``/status/<slug>/<id>/token``: the same list as an
                                 IETF Token Status List (``statuslist+jwt``)
``offer_id``        192          ``.../openid4vci/offers/<id>``: a credential offer
==================  ===========  ==============================================

OpenID4VCI: each institution is a credential issuer of its own, identified by
``<base-url>/institutions/<slug>``; its metadata sits at the well-known URLs with the issuer's
path after the well-known part (OpenID4VCI 1.0 section 12.2.2, RFC 8414 section 3.1).

SD-JWT VCs name their issuer by the same https URL, ``/institutions/<slug>``, whose JWT VC
Issuer Metadata is at ``/.well-known/jwt-vc-issuer/institutions/<slug>`` (the well-known part
goes between the host and the path), and their type by ``/vct/micro-credential``, where the
type metadata is.

A wallet token is never stored in clear (:mod:`app.services.wallet_tokens`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from verifier.did_resolution import jwt_issuer_metadata_url

__all__ = [
    "API_BATCH_PATH",
    "API_BATCH_RESULTS_PATH",
    "API_CREDENTIAL_PATH",
    "AUTHENTICATED_PATHS",
    "AUTHORIZATION_SERVER_METADATA_PATH",
    "CONTEXT_PATH",
    "CREDENTIAL_ISSUER_METADATA_PATH",
    "DID_DOCUMENT_PATH",
    "JWKS_PATH",
    "JWT_VC_ISSUER_PATH",
    "OFFER_ID",
    "OPENID4VCI_CREDENTIAL_PATH",
    "OPENID4VCI_NONCE_PATH",
    "OPENID4VCI_OFFER_PATH",
    "OPENID4VCI_TOKEN_PATH",
    "PUBLIC_ID",
    "STATUS_LIST_ID",
    "STATUS_LIST_PATH",
    "TOKEN_STATUS_LIST_PATH",
    "VCT_PATH",
    "VERIFICATION_PATH",
    "WALLET_PATH",
    "WALLET_TOKEN",
    "PublicUrls",
    "TokenFormat",
    "UrlMatch",
]

SLUG = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


@dataclass(frozen=True)
class TokenFormat:
    """A random URL token of ``nbytes`` random bytes; ``pattern`` is what the routes accept
    (a little wider than what we make, so tokens from before a change still parse)."""

    nbytes: int
    pattern: str

    def new(self) -> str:
        return secrets.token_urlsafe(self.nbytes)

    def valid(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


PUBLIC_ID = TokenFormat(16, r"[A-Za-z0-9_-]{16,64}")
WALLET_TOKEN = TokenFormat(24, r"[A-Za-z0-9_-]{16,64}")
STATUS_LIST_ID = TokenFormat(12, r"[A-Za-z0-9_-]{8,64}")
OFFER_ID = TokenFormat(24, r"[A-Za-z0-9_-]{16,64}")

# Route templates (FastAPI path syntax).
VERIFICATION_PATH = "/v/{public_id}"
WALLET_PATH = "/wallet/{token}"
STATUS_LIST_PATH = "/status/{slug}/{list_id}"
DID_DOCUMENT_PATH = "/institutions/{slug}/did.json"
JWKS_PATH = "/institutions/{slug}/jwks.json"
INSTITUTION_PATH = "/institutions/{slug}"
JWT_VC_ISSUER_PATH = "/.well-known/jwt-vc-issuer/institutions/{slug}"
TOKEN_STATUS_LIST_PATH = "/status/{slug}/{list_id}/token"  # noqa: S105 - a path
VCT_PATH = "/vct/micro-credential"
CONTEXT_PATH = "/contexts/microcred/v1"
API_CREDENTIAL_PATH = "/api/v1/credentials/{credential_id}"
API_BATCH_PATH = "/api/v1/batches/{batch_id}"
API_BATCH_RESULTS_PATH = "/api/v1/batches/{batch_id}/results"
CREDENTIAL_ISSUER_METADATA_PATH = "/.well-known/openid-credential-issuer/institutions/{slug}"
AUTHORIZATION_SERVER_METADATA_PATH = "/.well-known/oauth-authorization-server/institutions/{slug}"
OPENID4VCI_TOKEN_PATH = "/institutions/{slug}/openid4vci/token"  # noqa: S105 (a path)
OPENID4VCI_NONCE_PATH = "/institutions/{slug}/openid4vci/nonce"
OPENID4VCI_CREDENTIAL_PATH = "/institutions/{slug}/openid4vci/credential"
OPENID4VCI_OFFER_PATH = "/institutions/{slug}/openid4vci/offers/{offer_id}"
#: Where the authenticated API lives (path prefixes): its answers are never stored by caches.
AUTHENTICATED_PATHS = ("/api/v1/", "/credentials/issue", "/credentials/status")

_MATCHERS = {
    "verification": re.compile(rf"^/v/(?P<public_id>{PUBLIC_ID.pattern})$"),
    "did_document": re.compile(rf"^/institutions/(?P<slug>{SLUG})/did\.json$"),
    "institution": re.compile(rf"^/institutions/(?P<slug>{SLUG})$"),
    "status_list": re.compile(rf"^/status/(?P<slug>{SLUG})/(?P<list_id>{STATUS_LIST_ID.pattern})$"),
    "token_status_list": re.compile(
        rf"^/status/(?P<slug>{SLUG})/(?P<list_id>{STATUS_LIST_ID.pattern})/token$"
    ),
    "jwt_vc_issuer": re.compile(rf"^/\.well-known/jwt-vc-issuer/institutions/(?P<slug>{SLUG})$"),
    "wallet": re.compile(rf"^/wallet/(?P<token>{WALLET_TOKEN.pattern})$"),
}


@dataclass(frozen=True)
class UrlMatch:
    """One of our public URLs: which (``verification``, ``did_document``, ``status_list``,
    ``wallet``) and its path parameters."""

    kind: str
    params: dict[str, str]


class PublicUrls:
    """The absolute URLs of this deployment, under ``base_url`` (which may have a path)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        parts = urlsplit(self.base)
        self._origin = (parts.scheme.lower(), parts.netloc.lower())
        self._prefix = parts.path

    def _url(self, template: str, **params: str) -> str:
        return self.base + template.format(**params)

    def verification(self, public_id: str) -> str:
        return self._url(VERIFICATION_PATH, public_id=public_id)

    def wallet(self, token: str) -> str:
        return self._url(WALLET_PATH, token=token)

    def status_list(self, slug: str, list_id: str) -> str:
        return self._url(STATUS_LIST_PATH, slug=slug, list_id=list_id)

    def token_status_list(self, slug: str, list_id: str) -> str:
        return self._url(TOKEN_STATUS_LIST_PATH, slug=slug, list_id=list_id)

    def institution(self, slug: str) -> str:
        """The institution's https identifier: the ``iss`` of its SD-JWT VCs and its
        OpenID4VCI credential issuer identifier."""
        return self._url(INSTITUTION_PATH, slug=slug)

    def jwt_vc_issuer(self, slug: str) -> str:
        """Where the JWT VC Issuer Metadata of :meth:`institution` is: the well-known part
        between the host and the path (SD-JWT VC, "JWT VC Issuer Metadata")."""
        return jwt_issuer_metadata_url(self.institution(slug))

    def vct(self) -> str:
        """The ``vct`` of the micro-credential SD-JWT VC, where its type metadata is."""
        return self._url(VCT_PATH)

    def did_document(self, slug: str) -> str:
        return self._url(DID_DOCUMENT_PATH, slug=slug)

    def credential_issuer_metadata(self, slug: str) -> str:
        return self._url(CREDENTIAL_ISSUER_METADATA_PATH, slug=slug)

    def openid4vci(self, endpoint: str, slug: str) -> str:
        """An OpenID4VCI endpoint of an institution: ``token``, ``nonce`` or ``credential``."""
        paths = {
            "token": OPENID4VCI_TOKEN_PATH,
            "nonce": OPENID4VCI_NONCE_PATH,
            "credential": OPENID4VCI_CREDENTIAL_PATH,
        }
        return self._url(paths[endpoint], slug=slug)

    def credential_offer(self, slug: str, offer_id: str) -> str:
        return self._url(OPENID4VCI_OFFER_PATH, slug=slug, offer_id=offer_id)

    def context(self) -> str:
        return self._url(CONTEXT_PATH)

    def credential(self, credential_id: str) -> str:
        return self._url(API_CREDENTIAL_PATH, credential_id=credential_id)

    def batch(self, batch_id: str) -> str:
        return self._url(API_BATCH_PATH, batch_id=batch_id)

    def batch_results(self, batch_id: str) -> str:
        return self._url(API_BATCH_RESULTS_PATH, batch_id=batch_id)

    def host_schemes(self) -> dict[str, str]:
        """Our host (with its port) and the scheme of the base URL: a did:web DID on our host
        resolves with that scheme (``https://localhost:8443`` is not resolved over http)."""
        scheme, netloc = self._origin
        return {netloc: scheme}

    def match(self, url: str) -> UrlMatch | None:
        """Which of our public URLs ``url`` is (same scheme, host and port as the base URL),
        or None for anything else."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if (parts.scheme.lower(), parts.netloc.lower()) != self._origin:
            return None
        if parts.query or parts.fragment or not parts.path.startswith(self._prefix):
            return None
        path = parts.path[len(self._prefix) :]
        for kind, pattern in _MATCHERS.items():
            found = pattern.match(path)
            if found is not None:
                return UrlMatch(kind, found.groupdict())
        return None
