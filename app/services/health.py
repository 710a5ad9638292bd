"""Health check: the database answers a query."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import ServiceUnavailable
from app.uow import UnitOfWork


def check_database(uow_factory: Callable[[], UnitOfWork]) -> None:
    try:
        with uow_factory() as uow:
            uow.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("the database does not answer") from exc
