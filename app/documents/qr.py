"""QR codes of verification URLs, for print (PNG) and screens (SVG).

Error correction level Q (a quarter of the symbol may be smudged or folded on a printed
certificate and still read), the standard quiet zone of four modules, and 10 px a module in the
PNG (a 33-module symbol is 410 px: about 35 mm at 300 dpi).
"""

from __future__ import annotations

import base64
import io

import segno

__all__ = ["qr_data_url", "qr_modules", "qr_png", "qr_svg"]

_ERROR = "q"
_BORDER = 4
_PNG_SCALE = 10


def _code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=_ERROR, boost_error=False)


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=_PNG_SCALE, border=_BORDER, light="#fff")
    return buffer.getvalue()


def qr_svg(url: str, *, title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(
        buffer,
        kind="svg",
        border=_BORDER,
        omitsize=True,  # a viewBox only: the page sizes it
        light="#fff",  # a white quiet zone on any background
        xmldecl=False,
        title=title,
        svgclass=None,
        lineclass=None,
    )
    return buffer.getvalue()


def qr_data_url(text: str) -> str:
    """The QR code of ``text`` as an SVG ``data:`` URL (for a JSON answer or an ``<img>``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")


def qr_modules(url: str) -> list[list[bool]]:
    """The symbol of ``url`` as rows of dark (True) and light modules, without the quiet
    zone: for drawing it as vector shapes (the printed certificate)."""
    return [[bool(m) for m in row] for row in _code(url).matrix_iter(border=0)]
