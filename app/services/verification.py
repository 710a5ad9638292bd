"""Use cases of verification: the public page behind every QR code, pasted credentials, and
the VC API ``/credentials/verify``.

The service runs :func:`verifier.verify_credential` exactly as an outsider would: the stored
signed credential, DID documents and status lists through the verifier's ``Fetcher`` port.
Documents under the service's own base URL are produced by the same services that serve them
over HTTP (:class:`LocalFetcher`), so a revocation shows on our page at once and nothing skips
a signature check or trusts the database's idea of the status; anything else goes out through
the SSRF-guarded :class:`verifier.fetch.HttpFetcher`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from app.errors import NotFound
from app.models import utcnow
from app.services.institutions import InstitutionService
from app.services.status import StatusService
from app.uow import UowFactory
from verifier.did_resolution import DidResolver
from verifier.fetch import Fetched, Fetcher, FetchError
from verifier.jsonld import DocumentLoader
from verifier.result import Check, VerificationResult
from verifier.verify import verify_credential

_DID_PATH = re.compile(r"^/institutions/([a-z0-9-]+)/did\.json$")
_STATUS_PATH = re.compile(r"^/status/([a-z0-9-]+)/([A-Za-z0-9_-]+)$")
_PAGE_PATH = re.compile(r"^/v/([A-Za-z0-9_-]+)$")


@dataclass(frozen=True)
class PublicVerification:
    public_id: str
    verification_url: str
    credential: Mapping[str, Any]
    jwt: str | None
    result: VerificationResult


class LocalFetcher:
    """A :class:`verifier.fetch.Fetcher` that answers our own public URLs from the services
    that serve them, and hands every other URL to ``outbound``."""

    def __init__(
        self,
        base_url: str,
        institutions: InstitutionService,
        status: StatusService,
        outbound: Fetcher,
    ) -> None:
        self._base = urlsplit(base_url.rstrip("/"))
        self._institutions = institutions
        self._status = status
        self._outbound = outbound

    def fetch(self, url: str, *, accept: str) -> Fetched:
        parts = urlsplit(url)
        prefix = self._base.path
        if (parts.scheme, parts.netloc) != (self._base.scheme, self._base.netloc) or not (
            parts.path.startswith(prefix)
        ):
            return self._outbound.fetch(url, accept=accept)
        path = parts.path[len(prefix) :]
        try:
            if match := _DID_PATH.match(path):
                body = json.dumps(self._institutions.did_document(match.group(1))).encode()
                return Fetched(url, 200, "application/did+json", body)
            if match := _STATUS_PATH.match(path):
                fmt = "ld" if "application/vc+ld+json" in accept or "json" in accept else "jwt"
                published = self._status.published(match.group(1), match.group(2), fmt)
                assert published.body is not None
                return Fetched(url, 200, published.media_type, published.body)
        except NotFound as exc:
            raise FetchError("fetch_failed", f"{url}: 404 {exc.detail}") from exc
        raise FetchError("fetch_failed", f"{url}: 404 not served by this service")


class VerificationService:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        base_url: str,
        fetcher: Fetcher,
        document_loader: DocumentLoader,
        trusted_issuers: tuple[str, ...] = (),
        clock_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._base_url = base_url.rstrip("/")
        self._fetcher = fetcher
        self._resolver = DidResolver(fetcher)
        self._loader = document_loader
        self._extra_trusted = trusted_issuers
        self._skew = clock_skew
        self._clock = clock

    def trusted_issuers(self) -> frozenset[str]:
        """The platform's own institutions and the configured trusted issuer DIDs."""
        with self._uow(read_only=True) as uow:
            own = {i.did for i in uow.institutions.ordered_by_slug()}
        return frozenset(own | set(self._extra_trusted))

    def verify(self, credential: Mapping[str, Any] | str | bytes) -> VerificationResult:
        return verify_credential(
            credential,
            resolver=self._resolver,
            fetcher=self._fetcher,
            document_loader=self._loader,
            now=self._clock(),
            clock_skew=self._skew,
            trusted_issuers=self.trusted_issuers(),
        )

    def stored(self, public_id: str) -> tuple[bytes, str | None, str]:
        """The stored credential bytes and JWT behind a verification URL."""
        with self._uow(read_only=True) as uow:
            row = uow.credentials.by_public_id(public_id)
            if row is None:
                raise NotFound("no credential at this verification address")
            return row.credential_json, row.credential_jwt, row.public_id

    def verify_public(self, public_id: str) -> PublicVerification:
        """Verify the credential behind ``<base-url>/v/<public_id>``, as an outsider would."""
        stored, jwt, public_id = self.stored(public_id)
        credential = json.loads(stored)
        return PublicVerification(
            public_id=public_id,
            verification_url=f"{self._base_url}/v/{public_id}",
            credential=credential,
            jwt=jwt,
            result=self.verify(credential),
        )

    def verify_input(self, data: str) -> VerificationResult:
        """Pasted or uploaded JSON-LD or JWT, or a URL: our verification URL or another one."""
        text = data.strip()
        if text.startswith(("https://", "http://")):
            parts = urlsplit(text)
            base = urlsplit(self._base_url)
            match = _PAGE_PATH.match(parts.path[len(base.path) :])
            if (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and match:
                return self.verify_public(match.group(1)).result
            try:
                fetched = self._fetcher.fetch(
                    text,
                    accept="application/vc+ld+json, application/vc+jwt;q=0.9, "
                    "application/json;q=0.8",
                )
            except FetchError as exc:
                return VerificationResult(
                    checks=(
                        Check("format", "failed", exc.code, f"cannot fetch {text}: {exc.detail}"),
                    )
                )
            text = fetched.body.decode("utf-8", errors="replace").strip()
        document: Mapping[str, Any] | str = text
        if text.startswith("{"):
            try:
                document = json.loads(text)
            except ValueError:
                document = text
        return self.verify(document)
