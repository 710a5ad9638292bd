"""Logging, set up once per process by :func:`configure_logging` (the application factory and
the command line call it), the same for ``serve``, ``worker`` and every CLI command.

- ``MICROCRED_LOG_FORMAT=text`` (default): ``time level logger message key=value ...``;
  ``json``: one JSON object a line (python-json-logger), with the same keys.
- Every line carries the ``request_id`` of the HTTP request it belongs to, or the
  ``batch_id`` of the batch a worker is working, from context variables set by the request
  middleware and the batch worker (:func:`bind`), so ``grep``-ing one id finds all its lines.
- What may be logged: ids (credential, institution slug, batch, key id, API key prefix),
  route templates, status codes, counts, codes of what went wrong and host names. Never an API
  key, the admin token, the master key, a wallet token (nor a raw request path, which can hold
  one), a learner's name, e-mail or date of birth. :class:`_Scrub` masks anything shaped like
  our tokens that slips into a message anyway.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

__all__ = ["bind", "configure_logging", "current", "redacted"]

_CONTEXT: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "microcred_log_context", default=MappingProxyType({})
)
# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Our bearer secrets and capability URLs, should one ever reach a message.
_SECRETS = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    (re.compile(r"\bmc_([0-9a-f]{12})_[A-Za-z0-9_-]+"), r"mc_\1_***"),
    (re.compile(r"\bmcadm_[A-Za-z0-9_-]+"), "mcadm_***"),
    (re.compile(r"/wallet/[A-Za-z0-9_-]{8,}"), "/wallet/***"),
    (re.compile(r"/openid4vci/offers/[A-Za-z0-9_-]{8,}"), "/openid4vci/offers/***"),
    (re.compile(r"(?i)\b(pre-authorized_code|tx_code|c_nonce)=[^&\s]+"), r"\1=***"),
)
# Libraries whose INFO lines repeat every URL they fetch or every glyph they subset (a pipe a
# supervisor does not drain fills up, and a learner's letters have no place in the log):
# warnings and errors only.
_QUIET = ("httpx", "httpcore", "multipart", "python_multipart", "fontTools", "pypdf")
_HANDLER_NAME = "microcred"


def current() -> Mapping[str, str]:
    """The ids bound to the current context (``request_id``, ``batch_id``)."""
    return _CONTEXT.get()


@contextmanager
def bind(**ids: str) -> Iterator[None]:
    """Add ``ids`` to every log line written inside the block (this thread or task)."""
    token = _CONTEXT.set({**_CONTEXT.get(), **ids})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class RedactedError(Exception):
    """Stands in for an exception whose message may hold personal data (a database error
    quoting a value, a JSON-LD error quoting a learner's DID): its type and traceback, not
    its message."""


def redacted(exc: BaseException) -> RedactedError:
    """``exc`` for ``exc_info=``: its traceback, and its type instead of its message (the
    exceptions it was chained to are left out as well)."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return RedactedError(f"{name} (message withheld)").with_traceback(exc.__traceback__)


def scrub(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _Context(logging.Filter):
    """Puts the bound ids on each record and masks token-shaped text in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _TextFormatter(logging.Formatter):
    """``time level logger message`` and then the record's extra fields as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_") and value is not None
        ]
        if extras:
            head, sep, tail = line.partition("\n")  # a traceback stays below the line
            line = f"{head} {' '.join(extras)}{sep}{tail}"
        return line


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
    return _TextFormatter(_TEXT_FORMAT)


def configure_logging(level: str = "INFO", fmt: str = "text", *, stream: Any = None) -> None:
    """Send every logger's records to one handler on stderr (or ``stream``), in ``fmt``
    (``text`` or ``json``), at ``level``. Idempotent: a second call replaces the first."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_formatter(fmt))
    handler.addFilter(_Context())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own access line shows the raw path (a wallet URL holds its token): ours
    # (app.http.middleware) shows the route template instead.
    logging.getLogger("uvicorn.access").disabled = True
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
