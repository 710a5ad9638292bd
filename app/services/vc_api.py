"""The VC API's issue use case (``POST /credentials/issue``): secure a credential the caller
built with a Data Integrity proof of the caller's institution, or (``format="jwt"``) as a
vc+jwt (VC-JOSE-COSE section 3.1.1) returned in an ``EnvelopedVerifiableCredential``
(VC 2.0 section 4.13). Either way the record stores both secured forms, as an issuance
through the institution API does; a vc+jwt secures a VC 2.0 credential only.

The credential's ``issuer`` must be the caller's DID, as a string or an object with ``id``
(and ``type``) only: what the issuer is called and where it is registered is the platform's
record of the institution, which the caller cannot restate. The document must satisfy the VC
data model (a ``relatedResource`` the verifier holds, a bundled context, must match its
digest) and define every term (safe mode); no string in it may hold a control character
other than tab, LF and CR, and the secured credential must fit in
``MICROCRED_MAX_CREDENTIAL_BYTES``. With ``options.credentialStatus`` of type
``BitstringStatusListEntry`` it gets our revocation and suspension entries. Our own options:
``learnerEmail`` (kept in the issuance record, never in the credential) sends the learner the
wallet link by e-mail as an issuance through the institution API does, unless ``notify`` is
``false`` (:mod:`app.services.mail_outbox`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.errors import AppError, ServiceUnavailable, Unprocessable
from app.http.text_input import control_character, json_text_problems, printable
from app.persistence.models import utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.credential_store import CredentialStore, IssuanceFailed
from app.services.issuance import ISSUE_ATTEMPTS as _ATTEMPTS
from app.services.issuance import dump_json
from app.services.issuing_cache import StaleIssuer
from app.services.limits import InputLimits, check_credential_size
from app.services.principal import Principal
from app.services.signing_keys import SigningKeyService
from app.services.status import StatusService, StatusSlot
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt, enveloped_credential
from verifier.jsonld import DocumentLoader
from verifier.related_resource import related_resource_mismatches
from verifier.vc_model import data_model_problems, version_of

__all__ = ["VcApiIssuer", "mail_options"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mail_options(options: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The learner's e-mail address (``options.learnerEmail``) and whether to send them the
    wallet link (``options.notify``, default true); 422 naming the option otherwise."""
    email, notify = options.get("learnerEmail"), options.get("notify", True)
    if email is not None and (
        not isinstance(email, str)
        or len(email) > 320
        or control_character(email)
        or not _EMAIL.match(email.strip())
    ):
        raise Unprocessable.field("options.learnerEmail", "must be an e-mail address")
    if not isinstance(notify, bool):
        raise Unprocessable.field("options.notify", "must be true or false")
    return (email.strip() if email is not None else None), notify


FORMAT_LDP_VC = "ldp_vc"
FORMAT_JWT = "jwt"
FORMATS = (FORMAT_LDP_VC, FORMAT_JWT)

#: What a caller may say of the issuer: who it is, not what it is called.
_ISSUER_PROPERTIES = ("id", "type")


def _problems(credential: Mapping[str, Any], did: str, fmt: str) -> list[tuple[str, str]]:
    problems = data_model_problems(credential) + related_resource_mismatches(credential)
    if fmt == FORMAT_JWT and version_of(credential) == "1.1":
        problems.append(("@context", "a vc+jwt secures a VC 2.0 credential (VC-JOSE-COSE 3.1.1)"))
    if "proof" in credential:
        problems.append(("proof", "an unsecured credential must not carry a proof"))
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if (
        issuer_id is not None
        and issuer_id != did
        and not any(field.startswith("issuer") for field, _ in problems)
    ):
        problems.append(("issuer", f"must be the DID of the calling institution ({did})"))
    if isinstance(issuer, Mapping):
        problems += [
            (
                f"issuer.{printable(str(name))}",
                "only the issuer's id (and type) may be given: its name and registration are "
                "the platform's record of the institution",
            )
            for name in issuer
            if name not in _ISSUER_PROPERTIES
        ]
    return [(f"credential.{field}", reason) for field, reason in problems]


class VcApiIssuer:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        status: StatusService,
        store: CredentialStore,
        *,
        document_loader: DocumentLoader,
        limits: InputLimits = InputLimits(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._signing_keys = signing_keys
        self._status = status
        self._store = store
        self._loader = document_loader
        self._limits = limits
        self._clock = clock

    def issue(
        self,
        principal: Principal,
        credential: Mapping[str, Any],
        options: Mapping[str, Any],
        *,
        format: str = FORMAT_LDP_VC,
    ) -> bytes:
        """The secured credential as JSON bytes: the stored Data Integrity credential, or for
        ``format="jwt"`` the enveloped vc+jwt (stored as the record's JWT)."""
        if format not in FORMATS:
            raise Unprocessable.field("format", f"must be one of {', '.join(FORMATS)}")
        # Text first: nothing with a control character goes on to JSON-LD or the database.
        text_problems = list(json_text_problems(credential, "credential"))
        if text_problems:
            raise Unprocessable.fields(text_problems, code="invalid_credential")
        limit = self._limits.max_credential_bytes
        check_credential_size(dump_json(credential), credential, limit, name_the_part=True)
        for _ in range(_ATTEMPTS):
            try:
                return self._issue(principal, credential, options, format)
            except StaleIssuer:
                continue  # the key was rotated or withdrawn meanwhile: sign with the new one
        raise ServiceUnavailable(
            "the institution's keys kept changing while issuing: try again",
            code="issuer_changing",
        )

    def _issue(
        self,
        principal: Principal,
        credential: Mapping[str, Any],
        options: Mapping[str, Any],
        format: str,
    ) -> bytes:
        limit = self._limits.max_credential_bytes
        institution_id = principal.institution()
        learner_email, notify = mail_options(options)
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            did = institution.did
            key_id, signer = self._signing_keys.active_key(uow, institution)
        problems = _problems(credential, did, format)
        if problems:
            raise Unprocessable.fields(problems, code="invalid_credential")
        slots: tuple[StatusSlot, ...] = ()
        wanted = options.get("credentialStatus")
        if isinstance(wanted, Mapping) and wanted.get("type") == "BitstringStatusListEntry":
            if "credentialStatus" in credential:
                raise Unprocessable.field(
                    "options.credentialStatus", "the credential carries a credentialStatus already"
                )
            slots = self._status.allocate(institution_id)
            credential = {**credential, "credentialStatus": [s.entry() for s in slots]}
        now = self._clock()
        secured = add_proof(dict(credential), signer, created=now, loader=self._loader)
        stored = dump_json(secured)
        check_credential_size(stored, secured, limit, name_the_part=True)
        jwt = encode_vc_jwt(credential, signer, issued_at=now) if format == FORMAT_JWT else None
        row = self._store.new_row(
            credential_id=str(uuid.uuid4()),
            institution_id=institution_id,
            source="vc-api",
            issued_at=now,
            verification_method=signer.id,
            credential_json=stored,
            slots=slots,
            achievement_id=None,
            credential_jwt=jwt,
            learner_email=learner_email,
        )

        def validate(uow: UnitOfWork) -> None:
            state = uow.institutions.issuing_state(institution_id, ())
            if state is None or state.key_id != key_id:
                raise StaleIssuer(f"institution {institution_id}'s key changed while issuing")

        [result] = self._store.store(
            [row], principal, key_type=signer.algorithm, validate=validate, notify=[notify]
        )
        if isinstance(result, IssuanceFailed):
            raise result.cause
        if isinstance(result, AppError):
            raise result
        if jwt is not None:
            return dump_json(enveloped_credential(jwt))
        return stored
