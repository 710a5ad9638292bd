"""Use cases of the learner's wallet: the private page behind ``<base-url>/wallet/<token>``, the
files it offers (the signed JSON-LD credential, its JWT, a printable PDF certificate), the same
files for the institution, and replacing a learner's link.

The wallet token is a capability: whoever has the URL gets the credential. It has 192 random
bits (``secrets.token_urlsafe(24)``) and is never stored in clear (:mod:`.wallet_tokens`): a
request is looked up by the token's SHA-256, and the institution sees the token again from its
sealed form. Regenerating it replaces both in the credential's row (the old link stops working
at once) and records an event in the same transaction. An unknown token and a replaced one are
the same :class:`NotFound`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.documents.certificate import render_certificate
from app.documents.filenames import DownloadName, download_name
from app.documents.i18n import Language
from app.documents.mail import masked_address
from app.documents.summary import RecordedIssuer, summarize
from app.errors import NotFound
from app.http.urls import WALLET_TOKEN, PublicUrls
from app.persistence.models import Credential, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.lookups import require_credential
from app.services.openid4vci import (
    OfferCreated,
    OfferState,
    Openid4vciService,
    describe_offer,
)
from app.services.principal import Principal
from app.services.verification import PublicState, VerificationService
from app.services.wallet_tokens import WalletTokens, wallet_token_digest
from verifier.result import VerificationResult

__all__ = [
    "FORMATS",
    "FileFormat",
    "SentMail",
    "WalletCredential",
    "WalletFile",
    "WalletService",
    "WalletView",
]

FileFormat = Literal["json", "jwt", "pdf"]
#: format -> (media type, file name extension). ``application/vc`` is the VC 2.0 media type
#: of a credential secured with an embedded proof; ``application/vc+jwt`` VC-JOSE-COSE's.
FORMATS: dict[FileFormat, tuple[str, str]] = {
    "json": ("application/vc", "json"),
    "jwt": ("application/vc+jwt", "jwt"),
    "pdf": ("application/pdf", "pdf"),
}
_NOT_FOUND = "no wallet at this address"


@dataclass(frozen=True)
class WalletCredential:
    """A credential as its learner gets it: the stored artefacts and its two addresses."""

    id: str
    public_id: str
    wallet_token: str
    wallet_url: str
    verification_url: str
    credential_json: bytes
    jwt: str | None

    @property
    def credential(self) -> Mapping[str, Any]:
        parsed: Mapping[str, Any] = json.loads(self.credential_json)
        return parsed


@dataclass(frozen=True)
class WalletView:
    """The wallet page: the credential and what the verifier says about it now."""

    record: WalletCredential
    credential: Mapping[str, Any]
    result: VerificationResult
    #: Our record of the issuer (one of our institutions): the name the page shows.
    issuer: RecordedIssuer | None = None
    #: The revocation or suspension as recorded (date, public reason and note).
    state: PublicState | None = None
    #: The latest OpenID4VCI offer (:func:`app.services.openid4vci.describe_offer`).
    offer: OfferState | None = None
    #: The e-mail that brought the link, once sent: to whom (masked) and when.
    mail_sent: SentMail | None = None


@dataclass(frozen=True)
class SentMail:
    """The learner's e-mail as the wallet page mentions it: ``a***@example.org`` and when."""

    address: str
    at: datetime


@dataclass(frozen=True)
class WalletFile:
    """A file of the wallet, ready to send (:class:`app.http.downloads.Download`)."""

    body: bytes
    media_type: str
    name: DownloadName

    @property
    def content_disposition(self) -> str:
        return self.name.content_disposition()


class WalletService:
    def __init__(
        self,
        uow_factory: UowFactory,
        verification: VerificationService,
        *,
        tokens: WalletTokens,
        urls: PublicUrls,
        offers: Openid4vciService,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._offers = offers
        self._uow = uow_factory
        self._verification = verification
        self._tokens = tokens
        self._urls = urls
        self._clock = clock

    # -- the learner ---------------------------------------------------------------------

    def by_token(self, token: str) -> WalletCredential:
        """The credential behind ``<base-url>/wallet/<token>``; :class:`NotFound` for a token
        that never existed and for one that was replaced alike."""
        with self._uow(read_only=True) as uow:
            return self._record(_row_by_token(uow, token), token)

    def open(self, token: str) -> WalletView:
        """The wallet page's content: the credential, verified as an employer would."""
        record = self.by_token(token)
        credential = record.credential
        with self._uow(read_only=True) as uow:
            offer = describe_offer(uow.offers.latest(record.id), self._clock())
        return WalletView(
            record,
            credential,
            self._verification.verify(credential),
            self._verification.recorded_issuer(credential),
            self._verification.stored(record.public_id).state,
            offer,
            self._mail_sent(record.id),
        )

    def _mail_sent(self, credential_id: str) -> SentMail | None:
        with self._uow(read_only=True) as uow:
            mail = uow.mail.for_credentials([credential_id]).get(credential_id)
            if mail is None or mail.state != "sent" or mail.sent_at is None:
                return None
            return SentMail(masked_address(mail.recipient), mail.sent_at)

    def offer(self, token: str) -> OfferCreated:
        """A new OpenID4VCI offer of the credential, asked for on the wallet page (the
        learner's "Add to a wallet app"); :class:`NotFound` like :meth:`by_token`."""
        with self._uow() as uow:
            created = self._offers.offer_for_wallet(uow, _row_by_token(uow, token))
            uow.commit()
        self._offers.offered("wallet")
        return created

    def file(self, token: str, fmt: FileFormat, lang: Language) -> WalletFile:
        """One download of the wallet (the PDF's text and the file names in ``lang``)."""
        return self.render(self.by_token(token), fmt, lang)

    # -- the institution -----------------------------------------------------------------

    def for_institution(self, principal: Principal, credential_id: str) -> WalletCredential:
        with self._uow(read_only=True) as uow:
            return self._record(require_credential(uow, principal.institution(), credential_id))

    def institution_file(
        self, principal: Principal, credential_id: str, fmt: FileFormat, lang: Language
    ) -> WalletFile:
        """The same download as the learner's, for the institution that issued it."""
        return self.render(self.for_institution(principal, credential_id), fmt, lang)

    def regenerate(self, principal: Principal, credential_id: str) -> WalletCredential:
        """Give the credential a new wallet link; the old one stops working at once."""
        institution_id = principal.institution()
        with self._uow() as uow:
            row = require_credential(uow, institution_id, credential_id, for_update=True)
            token = self._tokens.assign(row)
            # The token is a secret: the event says that it changed, never what it is.
            uow.events.record(
                institution_id,
                "credential.wallet_link_regenerated",
                row.id,
                principal.actor,
                self._clock(),
            )
            uow.flush()
            record = self._record(row, token)
            uow.commit()
        return record

    # -- files ---------------------------------------------------------------------------

    def render(self, record: WalletCredential, fmt: FileFormat, lang: Language) -> WalletFile:
        """``record`` as a file: the stored bytes for JSON-LD and JWT, the certificate for
        PDF; named after the learner and the course."""
        media_type, extension = FORMATS[fmt]
        credential = record.credential
        if fmt == "json":
            body = record.credential_json
        elif fmt == "jwt":
            if record.jwt is None:
                raise NotFound("this credential has no JWT form")
            body = record.jwt.encode("ascii")
        else:
            body = render_certificate(
                credential,
                credential_json=record.credential_json,
                jwt=record.jwt,
                verification_url=record.verification_url,
                lang=lang,
                recorded=self._verification.recorded_issuer(credential),
                state=_state_mark(self._verification.stored(record.public_id).state),
                branding=self._verification.branding(credential),
            )
        summary = summarize(credential, lang)
        learner, title = (summary.learner, summary.title) if summary else (None, None)
        return WalletFile(body, media_type, download_name(learner, title, extension=extension))

    def _record(self, row: Credential, token: str | None = None) -> WalletCredential:
        """``row`` as its learner gets it; ``token`` when known, else opened from its sealed
        form (for the institution)."""
        if token is None:
            token = self._tokens.reveal(row.id, row.wallet_token_sealed)
        return WalletCredential(
            id=row.id,
            public_id=row.public_id,
            wallet_token=token,
            wallet_url=self._urls.wallet(token),
            verification_url=self._urls.verification(row.public_id),
            credential_json=row.credential_json,
            jwt=row.credential_jwt,
        )


def _row_by_token(uow: UnitOfWork, token: str) -> Credential:
    """The credential of a wallet token; :class:`NotFound` for any token that opens none."""
    if not WALLET_TOKEN.valid(token):
        raise NotFound(_NOT_FOUND)
    digest = wallet_token_digest(token)
    row = uow.credentials.by_wallet_token_hash(digest)
    # The database compared hashes; compare again in constant time all the same.
    if row is None or not hmac.compare_digest(row.wallet_token_hash, digest):
        raise NotFound(_NOT_FOUND)
    return row


def _state_mark(state: PublicState | None) -> tuple[str, datetime] | None:
    """What the certificate marks: a revocation or suspension and since when."""
    return None if state is None else (state.status, state.since)
