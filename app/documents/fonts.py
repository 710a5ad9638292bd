"""The certificate's fonts, parsed once per process and lent to each document.

fpdf2 parses a TrueType font for every ``FPDF`` instance that adds it (``add_font``: the
character map, the widths of every glyph) and, when the document is written, subsets the
font's fontTools object in place. For Roboto that is most of the cost of a certificate. Here
each style is parsed once (:class:`fpdf.fonts.TTFFont`, under a lock), and every document gets
a copy made the way fpdf2 copies fonts for its own recorder (``TTFFont.__deepcopy__``: the
immutable parts shared, the widths and the map of used glyphs its own) with a fontTools font of
its own to subset, opened lazily on bytes held in memory. Those bytes are the font file without
the OpenType layout tables (GDEF, GSUB, GPOS) and with its glyph names written out (``post``
format 2): fpdf2 drops those tables before subsetting (it sets text without shaping) and names
glyphs the same way, so the subset it embeds is byte for byte the one it makes from the file,
without decoding the layout tables and deriving 3,000 glyph names again for every document.

Nothing a document writes reaches the shared parts, so documents render in any number of
threads at once; :func:`add_fonts` gives each its own copies.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import font_roboto
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

__all__ = ["FONT", "FONT_FILES", "add_fonts"]

FONT = "Roboto"
FONT_FILES = {
    "": Path(font_roboto.font_directory) / "Roboto-Regular.ttf",
    "B": Path(font_roboto.font_directory) / "Roboto-Bold.ttf",
}

# Tables fpdf2 drops before it subsets (fpdf/output.py, ``_add_fonts``) that are expensive to
# decode: fontTools reads the layout tables' lookups even to drop them.
_LAYOUT_TABLES = ("GDEF", "GSUB", "GPOS")


@dataclass(frozen=True)
class _Parsed:
    """One font style, parsed: fpdf2's font object (never handed out itself) and the bytes
    each document's copy subsets."""

    font: TTFFont
    subsettable: bytes


_lock = threading.Lock()
_parsed: dict[tuple[str, str, Path], _Parsed] = {}


def _subsettable(path: Path) -> bytes:
    # recalcBBoxes=False: the tables kept are written as they are in the file.
    font = ttLib.TTFont(str(path), recalcBBoxes=False, recalcTimestamp=False)
    font.getGlyphOrder()  # the names fpdf2's fontTools derives, kept in the file from now on
    for tag in _LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    if font["post"].formatType == 3.0:
        font["post"].formatType = 2.0
        font["post"].extraNames = []
        font["post"].mapping = {}
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


def _parse(family: str, style: str, path: Path) -> _Parsed:
    key = (family, style, path)
    parsed = _parsed.get(key)
    if parsed is None:
        with _lock:
            parsed = _parsed.get(key)
            if parsed is None:
                scratch = FPDF()
                scratch.add_font(family, style, str(path))
                font = scratch.fonts[f"{family.lower()}{style}"]
                assert isinstance(font, TTFFont)
                font.ttfont.close()  # copies get their own
                parsed = _parsed[key] = _Parsed(font, _subsettable(path))
    return parsed


def add_fonts(pdf: FPDF, family: str = FONT, files: dict[str, Path] = FONT_FILES) -> None:
    """Does for ``pdf`` what ``pdf.add_font(family, style, path)`` does for each style and
    file of ``files``, from fonts parsed once per process."""
    for style, path in files.items():
        parsed = _parse(family, style, path)
        shared = parsed.font
        # fpdf2's copy, except that the glyph ids (only ever read) are shared too, the widths
        # are copied flat (numbers; fpdf2 adds the default width of an unknown character),
        # and the map of used glyphs is made afresh below.
        memo: dict[int, Any] = {
            id(shared.glyph_ids): shared.glyph_ids,
            id(shared.cw): shared.cw.copy(),
            id(shared.subset): None,
        }
        font: TTFFont = copy.deepcopy(shared, memo)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(parsed.subsettable), recalcTimestamp=False, lazy=True)
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        pdf.fonts[font.fontkey] = font
