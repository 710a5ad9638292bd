"""Remembering pure results by the digest of a JSON document.

Canonicalizing and expanding JSON-LD cost milliseconds and depend only on the document and the
(bundled, immutable) contexts. The same documents come back again and again: a status list is
checked for every credential that points at it, and a verification page shows the same stored
credential to every visitor. A small bounded LRU keyed by the SHA-256 of the document's JSON
(with sorted keys) and the loader that resolved its contexts remembers those results. Only
pure functions of the document are remembered, never a signature check, a key resolution or
anything that depends on the time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["DigestCache", "json_digest"]

T = TypeVar("T")


def json_digest(document: Mapping[str, Any]) -> bytes:
    """SHA-256 of ``document`` as JSON with sorted keys and no insignificant white space."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


class DigestCache(Generic[T]):
    """A thread-safe LRU of ``compute(document)`` keyed by (digest of document, ``scope``)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[bytes, object], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, document: Mapping[str, Any], scope: object, compute: Callable[[], T]) -> T:
        return self.get_by_key((json_digest(document), scope), compute)

    def get_by_key(self, key: tuple[bytes, object], compute: Callable[[], T]) -> T:
        """``compute()`` remembered under ``key`` (a digest the caller made, and a scope)."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()  # exceptions are not remembered
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
