"""What institutions publish about their keys: the DID document (``did:web``; a ``did:key``
document is derived from the key), the same keys as a JWK Set, and that set in the JWT VC
Issuer Metadata of their SD-JWT VCs."""

from __future__ import annotations

from typing import Any

import keys
from app.persistence.models import Institution, SigningKey
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.lookups import require_institution

__all__ = ["DidDocuments"]


def _published_keys(uow: UnitOfWork, institution: Institution) -> list[SigningKey]:
    """Every key that is not withdrawn, the active key first."""
    rows = uow.signing_keys.for_institution(institution.id)
    order = {"active": 0, "retired": 1}
    return sorted((k for k in rows if k.state != "withdrawn"), key=lambda k: order.get(k.state, 2))


class DidDocuments:
    def __init__(self, uow_factory: UowFactory) -> None:
        self._uow = uow_factory

    def did_document(self, slug: str) -> dict[str, Any]:
        """The DID document: every key that is not withdrawn, the active key first."""
        with self._uow(read_only=True) as uow:
            institution = require_institution(uow, slug)
            if institution.did_method == "key":
                return keys.did_key_document(institution.did)
            published = _published_keys(uow, institution)
            return keys.did_document(
                institution.did,
                [
                    (k.fragment, keys.public_key_from_multibase(k.public_key_multibase))
                    for k in published
                ],
            )

    def jwks(self, slug: str) -> dict[str, Any]:
        """The published keys as a JWK Set (RFC 7517, section 5); ``kid`` is the DID URL."""
        with self._uow(read_only=True) as uow:
            institution = require_institution(uow, slug)
            jwks = []
            for k in _published_keys(uow, institution):
                public = keys.public_key_from_multibase(k.public_key_multibase)
                jwk = keys.public_jwk(public, kid=f"{institution.did}#{k.fragment}")
                jwk.update({"alg": public.jws_algorithm, "use": "sig"})
                jwks.append(jwk)
            return {"keys": jwks}

    def jwt_vc_issuer_metadata(self, slug: str, issuer: str) -> dict[str, Any]:
        """The JWT VC Issuer Metadata of the institution's SD-JWT VCs (SD-JWT VC, "JWT VC
        Issuer Metadata"): ``issuer`` (its https identifier) and its keys as ``jwks``."""
        return {"issuer": issuer, "jwks": self.jwks(slug)}
