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
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from app.documents.summary import RecordedIssuer, issuer_did
from app.errors import NotFound
from app.http.urls import PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import utcnow
from app.persistence.uow import UowFactory
from app.services.did_documents import DidDocuments
from app.services.institutions import InstitutionService
from app.services.status import StatusService, list_format
from verifier.did_resolution import DidResolver
from verifier.fetch import Fetched, Fetcher, FetchError
from verifier.jsonld import DocumentLoader
from verifier.result import Check, VerificationResult
from verifier.verify import CREDENTIAL_ACCEPT, verify_credential


@dataclass(frozen=True)
class StoredCredential:
    """A credential as stored behind its verification URL."""

    public_id: str
    verification_url: str
    credential_json: bytes
    jwt: str | None


@dataclass(frozen=True)
class PublicVerification:
    public_id: str
    verification_url: str
    credential: Mapping[str, Any]
    jwt: str | None
    result: VerificationResult
    #: Our record of the issuer, when it is one of our institutions (what the pages show).
    issuer: RecordedIssuer | None = None


@dataclass(frozen=True)
class InputVerification:
    """A pasted or uploaded credential (or URL), verified; ``issuer`` as above."""

    result: VerificationResult
    issuer: RecordedIssuer | None = None


log = logging.getLogger("microcred.verification")


class LocalFetcher:
    """A :class:`verifier.fetch.Fetcher` that answers our own public URLs from the services
    that serve them, and hands every other URL to ``outbound``."""

    def __init__(
        self,
        urls: PublicUrls,
        did_documents: DidDocuments,
        status: StatusService,
        outbound: Fetcher,
        metrics: Metrics,
    ) -> None:
        self._urls = urls
        self._did_documents = did_documents
        self._status = status
        self._outbound = outbound
        self._metrics = metrics

    def fetch(self, url: str, *, accept: str) -> Fetched:
        found = self._urls.match(url)
        if found is None:
            return self._fetch_outbound(url, accept)
        try:
            if found.kind == "did_document":
                body = json.dumps(self._did_documents.did_document(found.params["slug"]))
                return Fetched(url, 200, "application/did+json", body.encode())
            if found.kind == "status_list":
                published = self._status.published(
                    found.params["slug"], found.params["list_id"], list_format(accept)
                )
                assert published.body is not None
                return Fetched(url, 200, published.media_type, published.body)
        except NotFound as exc:
            raise FetchError("fetch_failed", f"{url}: 404 {exc.detail}") from exc
        raise FetchError("fetch_failed", f"{url}: 404 not served by this service")

    def _fetch_outbound(self, url: str, accept: str) -> Fetched:
        try:
            fetched = self._outbound.fetch(url, accept=accept)
        except FetchError as exc:
            self._metrics.outbound_fetches.labels(exc.code.removeprefix("fetch_")).inc()
            host = urlsplit(url).hostname if url.startswith(("http://", "https://")) else None
            log.warning("outbound fetch failed", extra={"host": host, "code": exc.code})
            raise
        self._metrics.outbound_fetches.labels("ok").inc()
        return fetched


class VerificationService:
    def __init__(
        self,
        uow_factory: UowFactory,
        institutions: InstitutionService,
        *,
        urls: PublicUrls,
        fetcher: Fetcher,
        document_loader: DocumentLoader,
        metrics: Metrics,
        trusted_issuers: tuple[str, ...] = (),
        clock_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._institutions = institutions
        self._urls = urls
        self._metrics = metrics
        self._fetcher = fetcher
        self._resolver = DidResolver(fetcher)
        self._loader = document_loader
        self._extra_trusted = trusted_issuers
        self._skew = clock_skew
        self._clock = clock

    def recorded_issuer(self, credential: Mapping[str, Any] | None) -> RecordedIssuer | None:
        """Our record of the credential's issuer, if the issuer is one of our institutions:
        pages show its name and country from there, never what the credential says."""
        did = issuer_did(credential)
        return self._institutions.recorded_issuer(did) if did else None

    def trusted_issuers(self) -> frozenset[str]:
        """The platform's own institutions and the configured trusted issuer DIDs."""
        return self._institutions.dids() | frozenset(self._extra_trusted)

    def verify(self, credential: Mapping[str, Any] | str | bytes) -> VerificationResult:
        with self._metrics.timed(self._metrics.verification_seconds):
            result = verify_credential(
                credential,
                resolver=self._resolver,
                fetcher=self._fetcher,
                document_loader=self._loader,
                now=self._clock(),
                clock_skew=self._skew,
                trusted_issuers=self.trusted_issuers(),
            )
        self._metrics.verifications.labels(result.verdict).inc()
        return result

    def stored(self, public_id: str) -> StoredCredential:
        """The stored credential behind a verification URL."""
        with self._uow(read_only=True) as uow:
            row = uow.credentials.by_public_id(public_id)
            if row is None:
                raise NotFound("no credential at this verification address")
            return StoredCredential(
                row.public_id,
                self._urls.verification(row.public_id),
                row.credential_json,
                row.credential_jwt,
            )

    def verify_public(self, public_id: str) -> PublicVerification:
        """Verify the credential behind ``<base-url>/v/<public_id>``, as an outsider would."""
        stored = self.stored(public_id)
        credential = json.loads(stored.credential_json)
        return PublicVerification(
            public_id=stored.public_id,
            verification_url=stored.verification_url,
            credential=credential,
            jwt=stored.jwt,
            result=self.verify(credential),
            issuer=self.recorded_issuer(credential),
        )

    def verify_input(self, data: str) -> InputVerification:
        """Pasted or uploaded JSON-LD or JWT, or a URL: our verification URL or another one."""
        text = data.strip()
        if text.startswith(("https://", "http://")):
            found = self._urls.match(text)
            if found is not None and found.kind == "verification":
                public = self.verify_public(found.params["public_id"])
                return InputVerification(public.result, public.issuer)
            try:
                fetched = self._fetcher.fetch(text, accept=CREDENTIAL_ACCEPT)
            except FetchError as exc:
                return InputVerification(
                    VerificationResult(
                        checks=(
                            Check(
                                "format", "failed", exc.code, f"cannot fetch {text}: {exc.detail}"
                            ),
                        )
                    )
                )
            text = fetched.body.decode("utf-8", errors="replace").strip()
        document: Mapping[str, Any] | str = text
        if text.startswith("{"):
            try:
                document = json.loads(text)
            except ValueError:
                document = text
        result = self.verify(document)
        return InputVerification(result, self.recorded_issuer(result.credential))
