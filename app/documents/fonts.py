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

Subsetting still decodes the whole source font (its 3,359 glyphs, their widths and names, the
character map) for every document. A certificate is nearly always set in the project's
alphabets alone, so each style also has a smaller source: the font cut down, once, to the
glyphs of Latin (Basic, Latin-1, Extended-A and -B), basic Cyrillic and common punctuation,
with every glyph name, table and the glyph order kept. :func:`use_smallest_sources`, called
just before a document is written, gives each font the smaller source when every glyph the
document uses is in it, and the whole font otherwise (a Greek or Vietnamese name). fontTools
makes the same subset from either, byte for byte (a test checks it against fpdf2 reading the
file, for random texts in those alphabets and for texts beyond them).

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
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

__all__ = ["FONT", "FONT_FILES", "add_fonts", "use_smallest_sources"]

FONT = "Roboto"
FONT_FILES = {
    "": Path(font_roboto.font_directory) / "Roboto-Regular.ttf",
    "B": Path(font_roboto.font_directory) / "Roboto-Bold.ttf",
}

# Tables fpdf2 drops before it subsets (fpdf/output.py, ``_add_fonts``) that are expensive to
# decode: fontTools reads the layout tables' lookups even to drop them.
_LAYOUT_TABLES = ("GDEF", "GSUB", "GPOS")


# The smaller source: what nearly every certificate is set in (the project's Latin and
# Cyrillic alphabets and much beyond them, digits, punctuation, the euro sign).
_COMMON_RANGES = (
    (0x0000, 0x024F),  # Basic Latin (and the controls the font maps), Latin-1, Extended-A, -B
    (0x0400, 0x045F),  # Cyrillic: Russian, Serbian, Macedonian, Ukrainian, Belarusian letters
    (0x2010, 0x2027),  # dashes, quotation marks, bullet, ellipsis
    (0x2030, 0x203A),  # per mille, primes, angle quotation marks
    (0x20AC, 0x20AC),  # euro sign
)


@dataclass(frozen=True)
class _Parsed:
    """One font style, parsed: fpdf2's font object (never handed out itself), the bytes each
    document's copy subsets, and the smaller source with the names of its glyphs."""

    font: TTFFont
    subsettable: bytes
    common: bytes
    common_glyphs: frozenset[str]


_lock = threading.Lock()
_parsed: dict[tuple[str, Path], _Parsed] = {}  # by fpdf2's font key and the file


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


def _common(subsettable: bytes) -> tuple[bytes, frozenset[str]]:
    """The font cut down to the glyphs of ``_COMMON_RANGES`` (and the components of
    composite glyphs), everything else in it kept as it is: names, tables, hinting, the
    order of the glyphs."""
    font = ttLib.TTFont(io.BytesIO(subsettable), recalcBBoxes=False, recalcTimestamp=False)
    options = ftsubset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        glyph_names=True,
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        legacy_kern=True,
        layout_features=["*"],
        prune_unicode_ranges=False,
        prune_codepage_ranges=False,
    )
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[u for low, high in _COMMON_RANGES for u in range(low, high + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    glyphs = frozenset(font.getGlyphOrder())
    font.close()
    return out.getvalue(), glyphs


def _parse(family: str, style: str, path: Path) -> _Parsed:
    key = (f"{family.lower()}{''.join(sorted(style.upper()))}", path)  # fpdf2's font key
    parsed = _parsed.get(key)
    if parsed is None:
        with _lock:
            parsed = _parsed.get(key)
            if parsed is None:
                scratch = FPDF()
                scratch.add_font(family, style, str(path))
                font = scratch.fonts[key[0]]
                assert isinstance(font, TTFFont)
                font.ttfont.close()  # copies get their own
                if font.is_cff or font.color_font is not None:
                    # Neither is what the sources below are made for (TrueType outlines).
                    raise ValueError(f"{path.name}: only TrueType outline fonts are supported")
                subsettable = _subsettable(path)
                common, common_glyphs = _common(subsettable)
                parsed = _Parsed(font, subsettable, common, common_glyphs)
                _parsed[key] = parsed
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


def use_smallest_sources(pdf: FPDF) -> None:
    """Just before ``pdf`` is written: each font :func:`add_fonts` gave it subsets the smaller
    source when that has every glyph the document uses (the same subset, sooner)."""
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont):
            continue
        parsed = _parsed.get((font.fontkey, font.ttffile))
        if parsed is None:  # a font this module has not parsed
            continue
        if parsed.common_glyphs.issuperset(font.subset.get_all_glyph_names()):
            font.ttfont.close()
            font.ttfont = ttLib.TTFont(io.BytesIO(parsed.common), recalcTimestamp=False, lazy=True)
