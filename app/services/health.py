"""Health check: the database answers a query, and the master key opens the institutions'
active signing keys (else the service would answer but could not sign)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from app.errors import ServiceUnavailable
from app.persistence.uow import UowFactory
from app.services.signing_keys import SigningKeyService


def check_health(uow_factory: UowFactory, signing_keys: SigningKeyService) -> None:
    """:class:`ServiceUnavailable` naming what fails (never a secret)."""
    try:
        with uow_factory(read_only=True) as uow:
            uow.ping()
        signing_keys.check_active_keys()
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("the database does not answer") from exc
