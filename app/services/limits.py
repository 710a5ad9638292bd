"""The limits on what callers send that an operator may change (``MICROCRED_MAX_*``), and the
check of a credential's size that every issuance path makes before it signs and stores.

The characters and lengths of free text are fixed (:mod:`app.http.text_input`); these limits
come from the settings, so the services check them (pydantic models are built at import).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import Unprocessable
from app.settings import Settings

__all__ = ["InputLimits", "check_credential_size", "largest_part"]


@dataclass(frozen=True)
class InputLimits:
    #: Languages in one language map (``MICROCRED_MAX_LANGUAGES``).
    max_languages: int = 32
    #: Learning outcomes of one achievement (``MICROCRED_MAX_LEARNING_OUTCOMES``).
    max_learning_outcomes: int = 100
    #: Bytes of a secured credential as stored (``MICROCRED_MAX_CREDENTIAL_BYTES``).
    max_credential_bytes: int = 262_144

    @classmethod
    def of(cls, settings: Settings) -> InputLimits:
        return cls(
            max_languages=settings.max_languages,
            max_learning_outcomes=settings.max_learning_outcomes,
            max_credential_bytes=settings.max_credential_bytes,
        )


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def largest_part(document: Any, path: str) -> str:
    """The dotted path (under ``path``) of the part of ``document`` that makes most of its
    size: down into the largest member for as long as it holds over half of its parent."""
    node, here = document, path
    while isinstance(node, Mapping | list) and node:
        members = node.items() if isinstance(node, Mapping) else enumerate(node)
        size, key, child = max(((_size(v), k, v) for k, v in members), key=lambda m: m[0])
        if size * 2 <= _size(node):
            break
        node, here = child, f"{here}.{key}"
    return here


def check_credential_size(
    stored: bytes,
    document: Mapping[str, Any],
    limit: int,
    *,
    field: str = "credential",
    name_the_part: bool = False,
) -> None:
    """:class:`Unprocessable` unless ``stored`` (the bytes that would be stored) is within
    ``limit``. The refusal names ``field`` and the part of ``document`` (under ``field``) that
    makes it big; with ``name_the_part`` (the caller wrote the document) that part is the
    field."""
    if len(stored) <= limit:
        return
    part = largest_part(document, field)
    reason = (
        f"the credential would be {len(stored)} bytes, more than the limit of {limit} "
        "(MICROCRED_MAX_CREDENTIAL_BYTES)"
    )
    if name_the_part:
        field = part
    elif part != field:
        reason += f"; most of it is {part}"
    raise Unprocessable.field(field, reason, code="credential_too_large")
