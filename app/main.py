"""The FastAPI application factory."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app.api.routes import (
    achievements,
    batches,
    credentials,
    docs,
    institutions,
    openid4vci,
    public,
    vc_api,
    verification,
)
from app.container import Container
from app.http.compression import CompressionMiddleware
from app.http.middleware import (
    AccessLogMiddleware,
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from app.http.problems import document_problems, install_error_handlers
from app.http.text_input import refuse_control_characters
from app.http.urls import AUTHENTICATED_PATHS
from app.observability.logs import configure_logging
from app.persistence.db import sealed_key_count
from app.services.batch_worker import start_worker_thread
from app.services.batches import default_worker_id
from app.services.mail_sender import start_mail_worker_thread
from app.settings import Settings, resolve_secrets, secure_data_dir
from app.web.errors import error_page
from app.web.routes import router as pages_router
from app.web.wallet import router as wallet_router

log = logging.getLogger("microcred")


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the service. With no arguments, settings come from the environment and the
    secrets from the environment or the data directory (``uvicorn --factory`` uses this), and
    logging is set up as the settings say (the tests pass a container of their own and keep
    their logging)."""
    if container is None:
        settings = settings or Settings()
        configure_logging(settings.log_level, settings.log_format)
        secure_data_dir(settings, create=True)
        url = settings.resolved_database_url
        secrets = resolve_secrets(settings, sealed_keys=lambda: sealed_key_count(url))
        container = Container.from_settings(settings, secrets)
    owned = container.engine is not None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The embedded default works batches, and sends the outbox when there is an SMTP
        # server, inside the server process.
        workers: list[tuple[threading.Thread, threading.Event]] = []
        if owned and container.settings.worker_in_serve:
            workers.append(
                start_worker_thread(
                    container.batches,
                    default_worker_id(),
                    poll_seconds=container.settings.worker_poll_seconds,
                )
            )
            if container.mail_sender is not None:
                workers.append(
                    start_mail_worker_thread(
                        container.mail_sender,
                        default_worker_id(),
                        poll_seconds=container.settings.worker_poll_seconds,
                    )
                )
        yield
        for _thread, stop in workers:
            stop.set()
        for thread, _stop in workers:
            thread.join(timeout=30)
        if owned:
            container.close()

    app = FastAPI(
        title="microcred",
        version="0.1.0",
        summary="Issue EU micro-credentials as W3C Verifiable Credentials",
        lifespan=lifespan,
        # Served by app.api.routes.docs, with a Content-Security-Policy.
        docs_url=None,
        redoc_url=None,
        # Before any route reads the database: no control characters in paths and queries.
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.container = container
    install_error_handlers(app, html=error_page)
    document_problems(app)
    app.include_router(docs.router)
    app.include_router(institutions.router)
    app.include_router(achievements.router)
    app.include_router(credentials.router)
    app.include_router(batches.router)
    app.include_router(vc_api.router)
    app.include_router(pages_router)
    app.include_router(wallet_router)
    app.include_router(verification.router)
    app.include_router(public.router)
    app.include_router(openid4vci.router)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=container.settings.max_body_bytes, html=error_page
    )
    app.add_middleware(SecurityHeadersMiddleware, no_store=AUTHENTICATED_PATHS)
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(AccessLogMiddleware, metrics=container.metrics)
    app.add_middleware(RequestIdMiddleware)
    return app
