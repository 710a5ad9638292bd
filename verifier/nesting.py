"""How deep a JSON value nests: the guard every entry point of the verifier puts before
anything that walks a document recursively (JSON-LD expansion, claim processing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["nested_deeper"]


def nested_deeper(value: Any, limit: int) -> bool:
    """Whether ``value`` has arrays or objects more than ``limit`` levels deep (without
    recursion: the point is to refuse what recursion would choke on)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, Mapping) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, Mapping | list))
    return False
