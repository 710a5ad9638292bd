"""Use cases of verification: the public page behind every QR code, pasted credentials, and
the VC API ``/credentials/verify`` and ``/presentations/verify``.

The service runs :func:`verifier.verify_credential` exactly as an outsider would: the stored
signed credential, DID documents and status lists through the verifier's ``Fetcher`` port.
Documents under the service's own base URL are produced by the same services that serve them
over HTTP (:class:`LocalFetcher`), so a revocation shows on our page at once and nothing skips
a signature check or trusts the database's idea of the status; anything else goes out through
the SSRF-guarded :class:`verifier.fetch.HttpFetcher`, within a fetch budget per verification
and, for anonymous callers, a limit on how many run at once (:mod:`app.services.admission`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from app.documents.branding import Branding
from app.documents.summary import RecordedIssuer, issuer_did
from app.errors import NotFound, PayloadTooLarge, Unprocessable
from app.http.json_input import JsonInputError, load_json
from app.http.urls import PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import utcnow
from app.persistence.uow import UowFactory
from app.services.admission import Ticket, VerificationSlots
from app.services.did_documents import DidDocuments
from app.services.institutions import InstitutionService
from app.services.status import ACTIONS, StatusService, list_format
from verifier.did_resolution import DidResolver
from verifier.fetch import BudgetedFetcher, FetchBudget, Fetched, Fetcher, FetchError
from verifier.jsonld import DocumentLoader
from verifier.pdf import PDF_WITHOUT_CREDENTIAL, unwrap_pdf
from verifier.presentation import PresentationResult, verify_presentation
from verifier.result import Check, VerificationResult
from verifier.verify import CREDENTIAL_ACCEPT, verify_credential


@dataclass(frozen=True)
class PublicState:
    """What the public pages say of a revocation or a suspension: since when, and the public
    reason and note the institution gave (never its internal ``reason``)."""

    status: str  # revoked | suspended
    since: datetime
    reason: str | None = None  # a key of app.documents.messages.PUBLIC_REASONS
    note: str | None = None


#: The event that put a credential in each state it can be changed to (revoked, suspended).
_STATE_EVENTS = {action.status: action.event for action in ACTIONS.values() if action.bit}


@dataclass(frozen=True)
class StoredCredential:
    """A credential as stored behind its verification URL, and its state as recorded."""

    public_id: str
    verification_url: str
    credential_json: bytes
    jwt: str | None
    state: PublicState | None = None


@dataclass(frozen=True)
class PublicVerification:
    public_id: str
    verification_url: str
    credential: Mapping[str, Any]
    jwt: str | None
    result: VerificationResult
    #: Our record of the issuer, when it is one of our institutions (what the pages show).
    issuer: RecordedIssuer | None = None
    #: The revocation or suspension as recorded (date, public reason and note).
    state: PublicState | None = None


#: What a pasted or uploaded input was, when that, not a verification result, is the answer:
#: a verification address of ours with no credential behind it, an address that could not be
#: reached, a PDF that carries no credential.
INPUT_NOT_FOUND, INPUT_UNREACHABLE, INPUT_PDF_WITHOUT_CREDENTIAL = (
    "not_found", "unreachable", "pdf_without_credential",
)  # fmt: skip
#: Fetch failures of the input's own address that say nothing about it (try again later).
_UNREACHABLE_CODES = frozenset({"fetch_failed", "fetch_timeout", "fetch_budget_exceeded"})


@dataclass(frozen=True)
class InputVerification:
    """A pasted or uploaded credential (or URL), verified; ``issuer`` as above. ``outcome``
    names an input that was answered without a verification (``INPUT_*``); ``attachment`` the
    PDF's embedded file the credential came from; ``public_id`` our credential that a
    verification or wallet address named, and ``from_wallet_link`` that it was the learner's
    private wallet address."""

    result: VerificationResult
    issuer: RecordedIssuer | None = None
    outcome: str | None = None
    attachment: str | None = None
    public_id: str | None = None
    verification_url: str | None = None
    from_wallet_link: bool = False
    state: PublicState | None = None


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
            if found.kind == "token_status_list":
                published = self._status.published_token(
                    found.params["slug"], found.params["list_id"]
                )
                assert published.body is not None
                return Fetched(url, 200, published.media_type, published.body)
            if found.kind == "jwt_vc_issuer":
                slug = found.params["slug"]
                metadata = self._did_documents.jwt_vc_issuer_metadata(
                    slug, self._urls.institution(slug)
                )
                return Fetched(url, 200, "application/json", json.dumps(metadata).encode())
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


@dataclass(frozen=True)
class VerificationLimits:
    """The bounds of one verification (settings ``MICROCRED_VERIFY_*``): distinct documents
    fetched from other hosts and seconds spent fetching them, ``credentialStatus`` entries
    checked, and the size and nesting depth of anonymous input (and of an uploaded PDF),
    checked before parsing."""

    max_fetches: int = 8
    budget_seconds: float = 10.0
    max_status_entries: int = 4
    max_bytes: int = 262_144
    max_depth: int = 64
    #: An uploaded PDF's size (the credential it carries keeps ``max_bytes``).
    max_pdf_bytes: int = 2_097_152


class _Admitted:
    """The outbound side of one verification: the first fetch that leaves the service takes
    the request's ticket (a slot of :class:`VerificationSlots`, or 429), and every fetch
    spends the verification's budget."""

    def __init__(self, outbound: Fetcher, ticket: Ticket) -> None:
        self._outbound = outbound
        self._ticket = ticket

    def fetch(self, url: str, *, accept: str) -> Fetched:
        self._ticket.take()
        return self._outbound.fetch(url, accept=accept)


class VerificationService:
    """Verification as an outsider does it, for the pages and the VC API.

    Every verification gets a fetcher of its own: our own URLs answered locally
    (:class:`LocalFetcher`, not counted), everything else through ``outbound`` within a
    :class:`verifier.fetch.FetchBudget` of ``limits``. Anonymous requests hold a ticket of
    ``slots``: taken up front by the routes that verify what a caller sends (:meth:`admit`),
    or on the first outbound fetch for the pages of stored credentials, which usually need
    none (their issuer is ours).
    """

    def __init__(
        self,
        uow_factory: UowFactory,
        institutions: InstitutionService,
        *,
        urls: PublicUrls,
        did_documents: DidDocuments,
        status: StatusService,
        outbound: Fetcher,
        document_loader: DocumentLoader,
        metrics: Metrics,
        slots: VerificationSlots,
        limits: VerificationLimits = VerificationLimits(),
        wallet: Callable[[str], str] | None = None,
        trusted_issuers: tuple[str, ...] = (),
        clock_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
        budget_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._institutions = institutions
        self._urls = urls
        self._did_documents = did_documents
        self._status = status
        self._outbound = outbound
        self._metrics = metrics
        self._loader = document_loader
        self._slots = slots
        self.limits = limits
        self._extra_trusted = trusted_issuers
        self._wallet_lookup = wallet
        self._skew = clock_skew
        self._clock = clock
        self._budget_clock = budget_clock

    def _wallet(self, token: str) -> str:
        """The public id of the credential behind a wallet token (:class:`NotFound` if none)."""
        if self._wallet_lookup is None:
            raise NotFound("no credential behind this wallet address")
        return self._wallet_lookup(token)

    def branding(self, credential: Mapping[str, Any] | None) -> Branding | None:
        """The certificate branding of the credential's issuer, if it is one of ours."""
        did = issuer_did(credential)
        return self._institutions.branding(did) if did else None

    def recorded_issuer(self, credential: Mapping[str, Any] | None) -> RecordedIssuer | None:
        """Our record of the credential's issuer, if the issuer is one of our institutions:
        pages show its name and country from there, never what the credential says."""
        did = issuer_did(credential) or self._sd_jwt_issuer_did(credential)
        return self._institutions.recorded_issuer(did) if did else None

    def _sd_jwt_issuer_did(self, claims: Mapping[str, Any] | None) -> str | None:
        """The DID of our institution whose https identifier is an SD-JWT VC's ``iss``."""
        iss = claims.get("iss") if isinstance(claims, Mapping) else None
        found = self._urls.match(iss) if isinstance(iss, str) else None
        if found is None or found.kind != "institution":
            return None
        return self._institutions.did_of_slug(found.params["slug"])

    def trusted_issuers(self) -> frozenset[str]:
        """The platform's own institutions (their DIDs, and their https identifiers for
        SD-JWT VCs) and the configured trusted issuer DIDs."""
        return self._institutions.identifiers() | frozenset(self._extra_trusted)

    def admit(self) -> Ticket:
        """A slot for an anonymous verification, taken now; raises
        :class:`app.errors.TooManyRequests` (429 with ``Retry-After``) when none is free.
        Release it by leaving its ``with`` block."""
        ticket = self._slots.ticket()
        ticket.take()
        return ticket

    @contextmanager
    def _fetcher(self, ticket: Ticket | None) -> Iterator[Fetcher]:
        """The fetcher of one verification; without ``ticket``, one of its own, released at
        the end."""
        own = ticket is None
        held = ticket if ticket is not None else self._slots.ticket()
        limits = self.limits
        budget = FetchBudget(limits.max_fetches, limits.budget_seconds, self._budget_clock)
        outbound = _Admitted(BudgetedFetcher(self._outbound, budget), held)
        try:
            yield LocalFetcher(self._urls, self._did_documents, self._status, outbound,
                               self._metrics)  # fmt: skip
        finally:
            if own:
                held.release()

    def verify(
        self,
        credential: Mapping[str, Any] | str | bytes,
        *,
        ticket: Ticket | None = None,
        audience: str | None = None,
        nonce: str | None = None,
    ) -> VerificationResult:
        """Verify ``credential``; ``ticket``: the request's, if it took one already;
        ``audience`` and ``nonce``: what an SD-JWT VC presentation's key binding must carry."""
        with self._fetcher(ticket) as fetcher:
            return self._verify(credential, fetcher, audience=audience, nonce=nonce)

    def _verify(
        self,
        credential: Mapping[str, Any] | str | bytes,
        fetcher: Fetcher,
        *,
        audience: str | None = None,
        nonce: str | None = None,
    ) -> VerificationResult:
        with self._metrics.timed(self._metrics.verification_seconds):
            result = verify_credential(
                credential, **self._arguments(fetcher), audience=audience, nonce=nonce
            )
        self._metrics.verifications.labels(result.verdict).inc()
        return result

    def _arguments(self, fetcher: Fetcher) -> dict[str, Any]:
        """What every verification of this service passes the verifier."""
        return {
            "resolver": DidResolver(fetcher, host_schemes=self._urls.host_schemes()),
            "fetcher": fetcher,
            "document_loader": self._loader,
            "now": self._clock(),
            "clock_skew": self._skew,
            "trusted_issuers": self.trusted_issuers(),
            # The budget is the outbound fetcher's: our own documents do not count.
            "max_fetches": None,
            "budget_seconds": None,
            "max_status_entries": self.limits.max_status_entries,
            "max_depth": self.limits.max_depth,
        }

    def verify_presentation(
        self,
        presentation: Mapping[str, Any] | str,
        options: Mapping[str, Any],
        *,
        ticket: Ticket | None = None,
    ) -> PresentationResult:
        """Verify a presentation (VC API ``/presentations/verify``) and every credential in
        it, as :meth:`verify` does a credential; ``options`` give ``challenge`` and
        ``domain``."""
        with (
            self._fetcher(ticket) as fetcher,
            self._metrics.timed(self._metrics.verification_seconds),
        ):
            return verify_presentation(presentation, options=options, **self._arguments(fetcher))

    def stored(self, public_id: str) -> StoredCredential:
        """The stored credential behind a verification URL."""
        with self._uow(read_only=True) as uow:
            row = uow.credentials.by_public_id(public_id)
            if row is None:
                raise NotFound("no credential at this verification address")
            state = None
            kind = _STATE_EVENTS.get(row.status)
            event = uow.events.latest(row.id, [kind]) if kind else None
            if event is not None:
                state = PublicState(
                    row.status, event.at, event.data.get("public_reason"),
                    event.data.get("public_note"),
                )  # fmt: skip
            return StoredCredential(
                row.public_id,
                self._urls.verification(row.public_id),
                row.credential_json,
                row.credential_jwt,
                state,
            )

    def verify_public(self, public_id: str, *, ticket: Ticket | None = None) -> PublicVerification:
        """Verify the credential behind ``<base-url>/v/<public_id>``, as an outsider would.
        A credential whose documents are all ours needs no ticket; one that names another
        host takes one at its first fetch there (:class:`app.errors.TooManyRequests`)."""
        stored = self.stored(public_id)
        credential = json.loads(stored.credential_json)
        return PublicVerification(
            public_id=stored.public_id,
            verification_url=stored.verification_url,
            credential=credential,
            jwt=stored.jwt,
            result=self.verify(credential, ticket=ticket),
            issuer=self.recorded_issuer(credential),
            state=stored.state,
        )

    def verify_input(self, data: str, *, ticket: Ticket | None = None) -> InputVerification:
        """Pasted or uploaded JSON-LD or JWT, or a URL: our verification URL or another one.

        The input, and a document fetched from a URL, must keep :attr:`limits`
        (``max_bytes``, ``max_depth``) before it is parsed: :class:`PayloadTooLarge` for
        pasted input over the size, :class:`Unprocessable` (field ``credential``) for input
        nested too deep or a fetched document over either limit."""
        text = data.strip()
        if _too_large(text, self.limits.max_bytes):
            raise PayloadTooLarge(
                f"credential: more than {self.limits.max_bytes} bytes", code="input_too_large"
            )
        if text.startswith(("https://", "http://")):
            found = self._urls.match(text)
            if found is not None and found.kind in ("verification", "wallet"):
                return self._ours(found.kind, found.params, ticket)
            with self._fetcher(ticket) as fetcher:
                try:
                    fetched = fetcher.fetch(text, accept=CREDENTIAL_ACCEPT)
                except FetchError as exc:
                    failed = Check(
                        "format", "failed", exc.code, f"cannot fetch {text}: {exc.detail}"
                    )
                    outcome = INPUT_UNREACHABLE if exc.code in _UNREACHABLE_CODES else None
                    return InputVerification(VerificationResult(checks=(failed,)), outcome=outcome)
                if len(fetched.body) > self.limits.max_bytes:
                    raise Unprocessable.field(
                        "credential",
                        f"the document at this address is larger than {self.limits.max_bytes} "
                        "bytes",
                        code="input_too_large",
                    )
                body = fetched.body.decode("utf-8", errors="replace").strip()
                result = self._verify(self._document(body), fetcher)
        else:
            result = self.verify(self._document(text), ticket=ticket)
        return InputVerification(result, self.recorded_issuer(result.credential))

    def verify_upload(self, data: bytes, *, ticket: Ticket | None = None) -> InputVerification:
        """An uploaded file: a PDF is verified by the credential it carries (its embedded
        file, :mod:`verifier.pdf`; a PDF without one is the outcome
        ``pdf_without_credential``); anything else as :meth:`verify_input` of its text."""
        unwrapped = unwrap_pdf(data, max_bytes=self.limits.max_bytes)
        if unwrapped.failed is not None:
            outcome = (
                INPUT_PDF_WITHOUT_CREDENTIAL
                if unwrapped.failed.code == PDF_WITHOUT_CREDENTIAL
                else None
            )
            return InputVerification(
                VerificationResult(checks=(unwrapped.failed,)), outcome=outcome
            )
        verified = self.verify_input(
            unwrapped.data.decode("utf-8-sig", errors="replace"), ticket=ticket
        )
        return replace(verified, attachment=unwrapped.attachment)

    def _ours(
        self, kind: str, params: Mapping[str, str], ticket: Ticket | None
    ) -> InputVerification:
        """Our verification address, or a learner's wallet address pasted by mistake: the
        credential behind it, verified; a verification address with none behind it is the
        outcome ``not_found``, and so is a wallet address (which says nothing more)."""
        try:
            public_id = (
                params["public_id"] if kind == "verification" else self._wallet(params["token"])
            )
            public = self.verify_public(public_id, ticket=ticket)
        except NotFound:
            return InputVerification(VerificationResult(checks=()), outcome=INPUT_NOT_FOUND)
        return InputVerification(
            public.result,
            public.issuer,
            public_id=public.public_id,
            verification_url=public.verification_url,
            from_wallet_link=kind == "wallet",
            state=public.state,
        )

    def _document(self, text: str) -> Mapping[str, Any] | str:
        """JSON text parsed within the depth limit; anything else as it is (a JWS)."""
        if not text.startswith(("{", '"')):
            return text
        try:
            document = load_json(text, max_depth=self.limits.max_depth)
        except JsonInputError as exc:
            if exc.code == "input_too_deep":
                reason = f"nested deeper than {self.limits.max_depth} levels"
                raise Unprocessable.field("credential", reason, code=exc.code) from exc
            return text  # not JSON: the verifier says what it is not
        return document if isinstance(document, Mapping) else text


def _too_large(text: str, max_bytes: int) -> bool:
    """Whether ``text`` is more than ``max_bytes`` bytes of UTF-8 (1 to 4 per character)."""
    if len(text) > max_bytes:
        return True
    return len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes
