"""Use cases of OpenID for Verifiable Credential Issuance 1.0: credential offers, the
pre-authorized code flow, and the holder-bound credentials it issues.

Each institution is a credential issuer of its own (``<base-url>/institutions/<slug>``) and its
own OAuth 2.0 authorization server: it signs with its own keys, wallets show its name, and an
access token of one institution means nothing at another's credential endpoint.

The flow (OpenID4VCI 1.0 sections 4.1, 6, 7 and 8):

1. An offer is a one-time, expiring grant on an existing credential record
   (:meth:`Openid4vciService.create_offer`): the institution (the API), the learner (the
   wallet page) or the e-mail sender makes it. A new offer closes the credential's older open
   ones. The wallet reads it at its ``credential_offer_uri``.
2. The token endpoint exchanges its pre-authorized code (and the transaction code, when the
   offer has one: five wrong ones close the offer) for an access token, once.
3. The nonce endpoint hands out ``c_nonce`` values: stateless, a MAC under a key derived from
   the master key over the institution and an expiry.
4. The credential endpoint takes the access token and a key proof (:mod:`verifier.key_proof`)
   and issues the holder-bound form of the record in the format asked for: the JSON-LD
   credential with a Data Integrity proof (``ldp_vc``) or as a vc+jwt (``jwt_vc_json``), with
   ``credentialSubject.id`` the holder's DID, or an SD-JWT VC (``dc+sd-jwt``) with the holder's
   key in ``cnf``. Each keeps the record's id and status entries: revoking the credential
   revokes every copy. The artefact is stored as signed.

Only digests of the offer id, the pre-authorized code, the transaction code and the access
token are stored. Errors are :class:`OAuthError` (OAuth 2.0 error responses, RFC 6749 section
5.2, and OpenID4VCI section 8.3.1), not problem details: wallets parse these.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.documents.i18n import LANGUAGES, translations
from app.errors import Conflict, NotFound
from app.http.urls import OFFER_ID, PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import (
    Credential,
    CredentialOffer,
    HolderCredential,
    Institution,
    utcnow,
)
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.issuance import dump_json
from app.services.lookups import require_credential
from app.services.principal import Principal
from app.services.signing_keys import KEY_TYPES, SigningKeyService
from issuer.data_integrity import add_proof
from issuer.vc_jose import JWS_ALGORITHMS, encode_vc_jwt
from keys import ED25519, P256, P384
from verifier.base64url import b64url_decode, b64url_encode
from verifier.jsonld import DocumentLoader
from verifier.key_proof import KEY_PROOF_ALGORITHMS, KeyProofError, verify_key_proof

__all__ = [
    "CONFIGURATIONS",
    "PRE_AUTHORIZED_GRANT",
    "OAuthError",
    "OfferCreated",
    "OfferState",
    "Openid4vciService",
    "SdJwtVcSigner",
    "describe_offer",
    "holder_bound_document",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
#: Credential configuration id -> format (OpenID4VCI 1.0 appendix A).
CONFIGURATIONS: dict[str, str] = {
    "MicroCredential_ldp_vc": "ldp_vc",
    "MicroCredential_jwt_vc_json": "jwt_vc_json",
    "MicroCredential_dc+sd-jwt": "dc+sd-jwt",
}
_CRYPTOSUITES = {ED25519: "eddsa-rdfc-2022", P256: "ecdsa-rdfc-2019", P384: "ecdsa-rdfc-2019"}
TX_CODE_LENGTH = 6
TX_CODE_ATTEMPTS = 5
_NO_STORE = {"Cache-Control": "no-store"}


class SdJwtVcSigner(Protocol):
    """What makes the SD-JWT VC form of a credential record (:mod:`app.services.sd_jwt_vc`)."""

    def sign(
        self, uow: UnitOfWork, row: Credential, holder_jwk: Mapping[str, Any] | None
    ) -> str: ...


class OAuthError(Exception):
    """An OAuth 2.0 / OpenID4VCI error response: ``{"error", "error_description", ...}``."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.extra = dict(extra or {})
        self.headers = {**_NO_STORE, **(headers or {})}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description, **self.extra}


@dataclass(frozen=True)
class OfferCreated:
    """A new offer: its deep link (for a QR code or a button), its ``credential_offer_uri``,
    and the transaction code, shown this once (the institution sends it separately)."""

    id: str
    offer_uri: str
    credential_offer_uri: str
    expires_at: datetime
    tx_code: str | None
    configuration_ids: tuple[str, ...]


@dataclass(frozen=True)
class OfferState:
    """What is shown of a credential's latest offer, never a secret: ``state`` (``offered``,
    ``expired``, ``redeemed``, ``superseded``, ``failed``), who made it, when it closes,
    whether it needs a transaction code, and how many credentials it delivered."""

    state: str
    source: str
    created_at: datetime
    expires_at: datetime
    tx_code_required: bool
    redeemed_at: datetime | None
    delivered: int

    def as_json(self) -> dict[str, Any]:
        """The API's ``offer`` member."""
        return {
            "state": self.state,
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "tx_code_required": self.tx_code_required,
            "redeemed_at": self.redeemed_at.isoformat() if self.redeemed_at else None,
            "delivered": self.delivered,
        }


def describe_offer(offer: CredentialOffer | None, now: datetime) -> OfferState | None:
    """The :class:`OfferState` of ``offer`` at ``now`` (an open offer past its time is
    ``expired``); None for no offer."""
    if offer is None:
        return None
    state = offer.state
    if state == "offered" and offer.expires_at <= now:
        state = "expired"
    return OfferState(
        state=state,
        source=offer.source,
        created_at=offer.created_at,
        expires_at=offer.expires_at,
        tx_code_required=offer.tx_code_hash is not None,
        redeemed_at=offer.redeemed_at,
        delivered=offer.delivered,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def offer_uri(credential_offer_uri: str) -> str:
    """The deep link a wallet opens: ``openid-credential-offer://?credential_offer_uri=...``
    (OpenID4VCI 1.0 section 4.1.3)."""
    return f"{OFFER_SCHEME}?credential_offer_uri={quote(credential_offer_uri, safe='')}"


class Openid4vciService:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        *,
        urls: PublicUrls,
        master_key: bytes,
        document_loader: DocumentLoader,
        offer_ttl: timedelta,
        access_token_ttl: timedelta,
        nonce_ttl: timedelta,
        metrics: Metrics | None = None,
        sd_jwt_vc: SdJwtVcSigner | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._metrics = metrics or Metrics(enabled=False)
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._urls = urls
        self._loader = document_loader
        self._offer_ttl = offer_ttl
        self._token_ttl = access_token_ttl
        self._nonce_ttl = nonce_ttl
        self._sd_jwt_vc = sd_jwt_vc
        self._clock = clock
        # One key for the codes and nonces, derived from (never equal to) the master key.
        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"microcred openid4vci"
        ).derive(master_key)

    @property
    def configurations(self) -> dict[str, str]:
        """The credential configurations offered: SD-JWT VC only with its signer."""
        return {
            cid: fmt
            for cid, fmt in CONFIGURATIONS.items()
            if fmt != "dc+sd-jwt" or self._sd_jwt_vc is not None
        }

    # -- metadata (OpenID4VCI 1.0 section 12.2, RFC 8414) ---------------------------------

    def issuer_metadata(self, slug: str) -> dict[str, Any]:
        """The Credential Issuer Metadata of an institution (section 12.2.4)."""
        with self._uow(read_only=True) as uow:
            institution = self._institution(uow, slug)
            key_type = KEY_TYPES[institution.key_type]
            name, language = institution.name, institution.language
        issuer = self._urls.institution(slug)
        alg = JWS_ALGORITHMS[key_type]
        proof_types = {"jwt": {"proof_signing_alg_values_supported": list(KEY_PROOF_ALGORITHMS)}}
        display = _display(name)
        supported: dict[str, Any] = {}
        for cid, fmt in self.configurations.items():
            entry: dict[str, Any] = {"format": fmt}
            if fmt == "ldp_vc":
                entry["credential_definition"] = {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                }
                entry["cryptographic_binding_methods_supported"] = ["did:key", "did:jwk"]
                entry["credential_signing_alg_values_supported"] = [_CRYPTOSUITES[key_type]]
            elif fmt == "jwt_vc_json":
                entry["credential_definition"] = {"type": ["VerifiableCredential"]}
                entry["cryptographic_binding_methods_supported"] = ["did:key", "did:jwk"]
                entry["credential_signing_alg_values_supported"] = [alg]
            else:
                entry["vct"] = self._urls.vct()
                entry["cryptographic_binding_methods_supported"] = ["jwk"]
                entry["credential_signing_alg_values_supported"] = [alg]
            entry["proof_types_supported"] = proof_types
            entry["credential_metadata"] = {"display": display}
            supported[cid] = entry
        return {
            "credential_issuer": issuer,
            "credential_endpoint": self._urls.openid4vci("credential", slug),
            "nonce_endpoint": self._urls.openid4vci("nonce", slug),
            "display": [
                {"name": name, "locale": language or "en"},
            ],
            "credential_configurations_supported": supported,
        }

    def authorization_server_metadata(self, slug: str) -> dict[str, Any]:
        """The OAuth 2.0 Authorization Server Metadata (RFC 8414 section 2): the credential
        issuer is its own authorization server, for the pre-authorized code grant only."""
        with self._uow(read_only=True) as uow:
            self._institution(uow, slug)
        return {
            "issuer": self._urls.institution(slug),
            "token_endpoint": self._urls.openid4vci("token", slug),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # -- offers ---------------------------------------------------------------------------

    def create_offer(
        self,
        principal: Principal,
        credential_id: str,
        *,
        tx_code: bool = False,
        source: str = "api",
    ) -> OfferCreated:
        """A new offer of one of the institution's credentials (``POST .../offer``, or
        ``microcred offer`` with ``source="cli"``)."""
        institution_id = principal.institution()
        with self._uow() as uow:
            row = require_credential(uow, institution_id, credential_id, for_update=True)
            created = self.new_offer(
                uow, row, source=source, tx_code=tx_code, actor=principal.actor
            )
            uow.commit()
        self.offered(source)
        return created

    def offered(self, source: str) -> None:
        """Count an offer its caller has committed."""
        self._metrics.credential_offers.labels(source=source).inc()

    def offer_for_wallet(self, uow: UnitOfWork, row: Credential) -> OfferCreated:
        """A new offer made by the learner on the wallet page (no transaction code: the
        wallet link already is the learner's secret)."""
        return self.new_offer(uow, row, source="wallet", tx_code=False, actor="learner")

    def for_mail(self, uow: UnitOfWork, credential_id: str) -> str | None:
        """The deep link of a new offer for the learner's e-mail, in the sender's
        transaction; None when the credential cannot be offered (revoked, suspended)."""
        row = uow.credentials.by_id(credential_id)
        if row is None or row.status != "active":
            return None
        return self.new_offer(uow, row, source="mail", tx_code=False, actor="mail").offer_uri

    def new_offer(
        self, uow: UnitOfWork, row: Credential, *, source: str, tx_code: bool, actor: str
    ) -> OfferCreated:
        """Make an offer of ``row`` in the caller's unit of work; older open ones close."""
        if row.status != "active":
            raise Conflict(
                f"the credential is {row.status}; only an active credential can be offered",
                code=row.status,
            )
        institution = uow.institutions.by_id(row.institution_id)
        assert institution is not None
        now = self._clock()
        offer_id = OFFER_ID.new()
        code = self._code(offer_id)
        pin = (
            "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
            if tx_code
            else None
        )
        uow.offers.supersede_open(row.id)
        offer = CredentialOffer(
            id=str(uuid.uuid4()),
            institution_id=row.institution_id,
            credential_id=row.id,
            offer_hash=_digest(offer_id),
            code_hash=_digest(code),
            tx_code_hash=_digest(pin) if pin else None,
            tx_code_failures=0,
            state="offered",
            source=source,
            created_at=now,
            expires_at=now + self._offer_ttl,
            delivered=0,
        )
        uow.offers.add(offer)
        uow.events.record(
            row.institution_id,
            "credential.offered",
            row.id,
            actor,
            now,
            {"offer": offer.id, "source": source, "tx_code": pin is not None},
        )
        uri = self._urls.credential_offer(institution.slug, offer_id)
        return OfferCreated(
            id=offer.id,
            offer_uri=offer_uri(uri),
            credential_offer_uri=uri,
            expires_at=offer.expires_at,
            tx_code=pin,
            configuration_ids=tuple(self.configurations),
        )

    def credential_offer(self, slug: str, offer_id: str) -> dict[str, Any]:
        """The Credential Offer object at its ``credential_offer_uri`` (section 4.1.1), while
        the offer is open; :class:`NotFound` otherwise (unknown, used, closed, expired)."""
        if not OFFER_ID.valid(offer_id):
            raise NotFound("no open credential offer at this address")
        with self._uow(read_only=True) as uow:
            offer = _of_issuer(uow, slug, uow.offers.by_offer_hash(_digest(offer_id)))
            if offer is None or offer.state != "offered" or offer.expires_at <= self._clock():
                raise NotFound("no open credential offer at this address")
            tx_code_required = offer.tx_code_hash is not None
        grant: dict[str, Any] = {"pre-authorized_code": self._code(offer_id)}
        if tx_code_required:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_LENGTH,
                "description": "The code your institution sent you separately",
            }
        return {
            "credential_issuer": self._urls.institution(slug),
            "credential_configuration_ids": list(self.configurations),
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    # -- token endpoint (section 6) -------------------------------------------------------

    def token(self, slug: str, form: Mapping[str, str]) -> dict[str, Any]:
        """Exchange a pre-authorized code (and transaction code) for an access token."""
        grant_type = form.get("grant_type")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
        code = form.get("pre-authorized_code")
        if not code:
            raise OAuthError("invalid_request", "pre-authorized_code is missing")
        now = self._clock()
        with self._uow() as uow:
            offer = _of_issuer(uow, slug, uow.offers.by_code_hash(_digest(code)))
            if offer is None:
                raise OAuthError("invalid_grant", "the pre-authorized code is not known here")
            if offer.state != "offered":
                raise OAuthError(
                    "invalid_grant", f"the pre-authorized code was used or closed ({offer.state})"
                )
            if offer.expires_at <= now:
                raise OAuthError("invalid_grant", "the credential offer has expired")
            if offer.tx_code_hash is not None:
                given = form.get("tx_code")
                if not given:
                    raise OAuthError("invalid_request", "this offer needs its tx_code")
                if not hmac.compare_digest(_digest(given), offer.tx_code_hash):
                    offer.tx_code_failures += 1
                    if offer.tx_code_failures >= TX_CODE_ATTEMPTS:
                        offer.state = "failed"
                    uow.commit()
                    raise OAuthError("invalid_grant", "the tx_code is wrong")
            token = secrets.token_urlsafe(32)
            offer.token_hash = _digest(token)
            offer.token_expires_at = now + self._token_ttl
            offer.state = "redeemed"
            offer.redeemed_at = now
            uow.events.record(
                offer.institution_id,
                "credential.offer_redeemed",
                offer.credential_id,
                "holder",
                now,
                {"offer": offer.id},
            )
            uow.commit()
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self._token_ttl.total_seconds()),
        }

    # -- nonce endpoint (section 7) -------------------------------------------------------

    def nonce(self, slug: str) -> dict[str, Any]:
        """A fresh ``c_nonce`` for key proofs to this institution's credential endpoint."""
        with self._uow(read_only=True) as uow:
            self._institution(uow, slug)
        return {"c_nonce": self._new_nonce(slug)}

    def _new_nonce(self, slug: str) -> str:
        expires = int((self._clock() + self._nonce_ttl).timestamp())
        raw = expires.to_bytes(8, "big") + secrets.token_bytes(16)
        return b64url_encode(raw + self._nonce_mac(slug, raw))

    def _nonce_mac(self, slug: str, raw: bytes) -> bytes:
        message = b"nonce\x00" + slug.encode() + b"\x00" + raw
        return hmac.new(self._key, message, "sha256").digest()[:16]

    def nonce_valid(self, slug: str, nonce: str) -> bool:
        try:
            data = b64url_decode(nonce)
        except ValueError:
            return False
        if len(data) != 40:
            return False
        raw, mac = data[:24], data[24:]
        if not hmac.compare_digest(mac, self._nonce_mac(slug, raw)):
            return False
        return int.from_bytes(raw[:8], "big") > self._clock().timestamp()

    # -- credential endpoint (section 8) --------------------------------------------------

    def credential(
        self, slug: str, authorization: str | None, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Issue the holder-bound credential the request asks for (section 8.1-8.3)."""
        token = _bearer(authorization)
        now = self._clock()
        with self._uow() as uow:
            offer = _of_issuer(uow, slug, uow.offers.by_token_hash(_digest(token)))
            if offer is None or offer.token_expires_at is None or offer.token_expires_at <= now:
                raise OAuthError(
                    "invalid_token",
                    "the access token is unknown or expired",
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            configuration = self._configuration(request)
            try:
                holder = verify_key_proof(
                    _proof_jwt(request),
                    audience=self._urls.institution(slug),
                    nonce_valid=lambda nonce: self.nonce_valid(slug, nonce),
                    now=now,
                )
            except KeyProofError as exc:
                # A wallet signs its next proof over a fresh nonce (section 8.3.1.2).
                raise OAuthError(
                    exc.code, exc.detail, extra={"c_nonce": self._new_nonce(slug)}
                ) from exc
            except OAuthError as exc:
                exc.extra["c_nonce"] = self._new_nonce(slug)
                raise
            row = uow.credentials.get(offer.institution_id, offer.credential_id)
            assert row is not None
            if row.status != "active":
                raise OAuthError(
                    "credential_request_denied",
                    f"the credential is {row.status}: the institution no longer issues it",
                )
            fmt = CONFIGURATIONS[configuration]
            artefact: Any
            if fmt == "dc+sd-jwt":
                assert self._sd_jwt_vc is not None
                artefact = self._sd_jwt_vc.sign(uow, row, holder.jwk)
                stored = artefact.encode("ascii")
                bound_to = json.dumps(holder.jwk, sort_keys=True)
            else:
                institution = uow.institutions.by_id(row.institution_id)
                assert institution is not None
                signer = self._signing_keys.active_signer(uow, institution)
                document = holder_bound_document(row.credential_json, holder.did)
                if fmt == "ldp_vc":
                    artefact = add_proof(document, signer, created=now, loader=self._loader)
                    stored = dump_json(artefact)
                else:
                    artefact = encode_vc_jwt(document, signer, issued_at=now)
                    stored = artefact.encode("ascii")
                bound_to = holder.did
            uow.offers.add_holder_credential(
                HolderCredential(
                    credential_id=row.id,
                    offer_id=offer.id,
                    format=fmt,
                    holder=bound_to,
                    artefact=stored,
                    issued_at=now,
                )
            )
            offer.delivered += 1
            uow.events.record(
                row.institution_id,
                "credential.delivered",
                row.id,
                "holder",
                now,
                {"offer": offer.id, "format": fmt},
            )
            uow.commit()
        self._metrics.wallet_deliveries.labels(format=fmt).inc()
        return {"credentials": [{"credential": artefact}]}

    def _configuration(self, request: Mapping[str, Any]) -> str:
        """The configuration a credential request asks for: by id (1.0), or by ``format``
        (the drafts before 15)."""
        configurations = self.configurations
        cid = request.get("credential_configuration_id")
        if "credential_identifier" in request:
            raise OAuthError(
                "invalid_credential_request",
                "this issuer hands out no credential_identifier: send credential_configuration_id",
            )
        if cid is None and "format" in request:
            fmt = request.get("format")
            for known, known_fmt in configurations.items():
                if known_fmt == fmt:
                    return known
            raise OAuthError(
                "unsupported_credential_format",
                f"format {fmt!r} is not one of {', '.join(sorted(set(configurations.values())))}",
            )
        if not isinstance(cid, str):
            raise OAuthError("invalid_credential_request", "credential_configuration_id is missing")
        if cid not in configurations:
            raise OAuthError(
                "unknown_credential_configuration",
                f"credential_configuration_id must be one of {', '.join(configurations)}",
            )
        return cid

    def _institution(self, uow: UnitOfWork, slug: str) -> Institution:
        institution = uow.institutions.by_slug(slug)
        if institution is None:
            raise NotFound(f"no credential issuer {slug!r}")
        return institution

    def _code(self, offer_id: str) -> str:
        """The pre-authorized code of an offer: a MAC of its id (nothing to store or seal)."""
        return b64url_encode(
            hmac.new(self._key, b"code\x00" + offer_id.encode(), "sha256").digest()
        )


def _of_issuer(uow: UnitOfWork, slug: str, offer: CredentialOffer | None) -> CredentialOffer | None:
    """``offer`` when it is one of the credential issuer ``slug``'s (an offer, code or token
    of another institution is unknown here); None otherwise."""
    if offer is None:
        return None
    institution = uow.institutions.by_id(offer.institution_id)
    return offer if institution is not None and institution.slug == slug else None


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError(
            "invalid_token",
            "send the access token as Authorization: Bearer <token>",
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def _proof_jwt(request: Mapping[str, Any]) -> str:
    """The one ``jwt`` key proof of a request: ``proofs.jwt[0]`` (1.0), or ``proof`` (the
    drafts). This issuer binds one credential per request (no batch issuance)."""
    proofs, proof = request.get("proofs"), request.get("proof")
    if proofs is not None and proof is not None:
        raise OAuthError("invalid_credential_request", "send proofs or proof, not both")
    if isinstance(proofs, Mapping):
        if set(proofs) != {"jwt"}:
            raise OAuthError("invalid_proof", "the only proof type accepted here is jwt")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
            raise OAuthError(
                "invalid_proof", "proofs.jwt must hold exactly one JWT (no batch issuance)"
            )
        return jwts[0]
    if isinstance(proof, Mapping):
        if proof.get("proof_type") != "jwt" or not isinstance(proof.get("jwt"), str):
            raise OAuthError("invalid_proof", "proof must be {proof_type: jwt, jwt: <JWT>}")
        return str(proof["jwt"])
    raise OAuthError("invalid_proof", "a key proof is required: proofs.jwt")


def holder_bound_document(credential_json: bytes, holder_did: str) -> dict[str, Any]:
    """The record's credential, unsecured, with the holder's DID as its subject: every
    reference to the learner's old node id follows it."""
    document: dict[str, Any] = json.loads(credential_json)
    document.pop("proof", None)
    subject = document.get("credentialSubject")
    old = subject.get("id") if isinstance(subject, dict) else None
    if not isinstance(old, str):
        document["credentialSubject"] = {**(subject or {}), "id": holder_did}
        return document

    def replace(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v) for v in value]
        return holder_did if value == old else value

    bound: dict[str, Any] = replace(document)
    return bound


def _display(institution_name: str) -> list[dict[str, Any]]:
    """The configuration's display in each interface language (section 12.2.4)."""
    return [
        {
            "name": translations(lang).gettext("Micro-credential"),
            "locale": lang.tag,
            "description": institution_name,
        }
        for lang in LANGUAGES
    ]
