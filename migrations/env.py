"""Alembic environment: the engine comes from microcred (``config.attributes['engine']``)
or from ``MICROCRED_DATABASE_URL`` through the settings, never from a hard-coded URL."""

from __future__ import annotations

from alembic import context

from app.persistence.db import make_engine
from app.persistence.models import Base

config = context.config
target_metadata = Base.metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is None:
        from app.settings import Settings

        engine = make_engine(Settings().resolved_database_url)
    return engine


def run_migrations_offline() -> None:
    from app.settings import Settings

    context.configure(
        url=Settings().resolved_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
