"""Health check: the database answers a query."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from app.errors import ServiceUnavailable
from app.persistence.uow import UowFactory


def check_database(uow_factory: UowFactory) -> None:
    try:
        with uow_factory(read_only=True) as uow:
            uow.ping()
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("the database does not answer") from exc
