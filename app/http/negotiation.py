"""Content negotiation (RFC 9110, section 12): which media type and which languages a client
prefers, from its ``Accept`` and ``Accept-Language`` headers, and whether it takes a content
coding (``Accept-Encoding``).

Both headers are lists of ranges with optional quality values (``;q=0.8``); a range with
``q=0`` is refused, and ties go to the range listed first.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["accept_language_tags", "accepts_coding", "preferred_media_type", "ranked"]


def _quality(params: Sequence[str]) -> float:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def ranked(header: str | None) -> list[tuple[str, float]]:
    """The ranges of an ``Accept`` or ``Accept-Language`` header with their quality, best
    first (ties in the order given); ranges with ``q=0`` left out. Ranges are lower-cased."""
    items: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        value, *params = item.split(";")
        value = value.strip().lower()
        quality = _quality(params)
        if value and quality > 0:
            items.append((-quality, position, value))
    return [(value, -negative) for negative, _, value in sorted(items)]


def _specificity(media_range: str, media_type: str) -> int | None:
    """How exactly ``media_range`` names ``media_type``: 2 exactly, 1 as ``type/*``, 0 as
    ``*/*``; None when it does not cover it."""
    if media_range == media_type:
        return 2
    if media_range == "*/*":
        return 0
    kind, _, subtype = media_range.partition("/")
    return 1 if subtype == "*" and media_type.split("/", 1)[0] == kind else None


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The type of ``offered`` the client wants most, None when none is acceptable.

    Each offered type takes the quality of the most specific range that covers it (RFC 9110,
    section 12.5.1: ``text/*;q=0.3, */*;q=0.5`` gives ``text/html`` 0.3); the highest
    quality wins, then the more specific range, then our order in ``offered``. No ``Accept``
    header means anything: the first offered type.
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        value, *params = item.split(";")
        if value.strip():
            ranges.append((value.strip().lower(), _quality(params)))
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for preference, media_type in enumerate(offered):
        matches = [
            (specificity, quality)
            for media_range, quality in ranges
            if (specificity := _specificity(media_range, media_type.lower())) is not None
        ]
        if not matches:
            continue
        specificity, quality = max(matches, key=lambda m: m[0])
        key = (quality, specificity, -preference)
        if quality > 0 and (best is None or key > best):
            best, chosen = key, media_type
    return chosen


def accept_language_tags(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, best first (RFC 9110, 12.5.4);
    the wildcard ``*`` left out."""
    return [tag for tag, _ in ranked(header) if tag != "*"]


def accepts_coding(accept_encoding: str | None, coding: str) -> bool:
    """Whether a client with this ``Accept-Encoding`` takes ``coding`` (RFC 9110, 12.5.3): named
    with a quality above 0, or covered by ``*`` when it is not named (``gzip;q=0`` refuses it)."""
    qualities: dict[str, float] = {}
    for item in (accept_encoding or "").split(","):
        value, *params = item.split(";")
        if value.strip():
            qualities.setdefault(value.strip().lower(), _quality(params))
    quality = qualities.get(coding.lower(), qualities.get("*", 0.0))
    return quality > 0
