"""Health check: the database answers a query."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import ServiceUnavailable
from app.uow import UowFactory


def check_database(uow_factory: UowFactory) -> None:
    try:
        with uow_factory(read_only=True) as uow:
            uow.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("the database does not answer") from exc
