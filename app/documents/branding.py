"""An institution's branding on its certificates: a logo, a signature and a stamp (PNG or SVG),
the signatory's name and title, and the place the certificate is dated at.

Images come from the institution through the API, so they are checked before they are kept
(:func:`checked_image`): at most :data:`MAX_IMAGE_BYTES`; a PNG must decode (Pillow) and be at
most :data:`MAX_PIXELS` on a side; an SVG must parse as XML without entities or DTDs
(defusedxml), have an ``svg`` root with a ``viewBox``, and hold nothing that runs or reaches
out: no ``script``, ``foreignObject``, event handler attributes (``on…``), ``style`` elements
or attributes that load anything (``url(`` or ``@import``), and no ``href`` other than a
fragment (``#id``) or an embedded PNG/JPEG (``data:image/png;base64,…``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException
from PIL import Image, UnidentifiedImageError

__all__ = [
    "IMAGE_KINDS",
    "IMAGE_TYPES",
    "MAX_IMAGE_BYTES",
    "MAX_PIXELS",
    "Branding",
    "BrandingImage",
    "ImageRefused",
    "checked_image",
]

#: What an institution may upload, and the media types it may send them as.
IMAGE_KINDS = ("logo", "signature", "stamp")
IMAGE_TYPES = ("image/png", "image/svg+xml")
MAX_IMAGE_BYTES = 512 * 1024
MAX_PIXELS = 4000

_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video"}
_SAFE_HREF = re.compile(r"^(#[\w.-]+|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]+)$")
_LOADS = re.compile(r"url\s*\(|@import|expression\s*\(", re.IGNORECASE)


class ImageRefused(ValueError):
    """The image is not one we keep; the message says why."""


@dataclass(frozen=True)
class BrandingImage:
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Branding:
    """What a certificate shows of its institution besides its name."""

    logo: BrandingImage | None = None
    signature: BrandingImage | None = None
    stamp: BrandingImage | None = None
    signatory_name: str | None = None
    signatory_title: str | None = None
    place: str | None = None

    @property
    def signs(self) -> bool:
        """Whether the certificate has a signature block."""
        return bool(self.signatory_name or self.signature or self.stamp)


def checked_image(data: bytes, media_type: str) -> BrandingImage:
    """``data`` as a branding image of ``media_type``, or :class:`ImageRefused`."""
    if media_type not in IMAGE_TYPES:
        raise ImageRefused(f"send image/png or image/svg+xml, not {media_type or 'nothing'}")
    if not data:
        raise ImageRefused("the image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(f"the image is larger than {MAX_IMAGE_BYTES} bytes")
    if media_type == "image/png":
        _check_png(data)
    else:
        _check_svg(data)
    return BrandingImage(media_type, data)


def _check_png(data: bytes) -> None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ImageRefused("not a PNG image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ImageRefused("not a PNG image")
            width, height = image.size
            if width > MAX_PIXELS or height > MAX_PIXELS:
                raise ImageRefused(f"larger than {MAX_PIXELS} pixels on a side")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused("the PNG image cannot be read") from exc
    except Image.DecompressionBombError as exc:  # pragma: no cover - the size check comes first
        raise ImageRefused("the PNG image is too large") from exc


def _check_svg(data: bytes) -> None:
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SafeTree.ParseError, ValueError) as exc:
        raise ImageRefused("the SVG image is not well-formed XML without entities") from exc
    if _local(root.tag) != "svg":
        raise ImageRefused("the SVG image has no svg root element")
    for element in root.iter():
        name = _local(element.tag).lower()
        if name in _FORBIDDEN_ELEMENTS:
            raise ImageRefused(f"the SVG image holds a {name} element")
        if name == "style" and _LOADS.search(element.text or ""):
            raise ImageRefused("the SVG image's style loads something")
        for attribute, value in element.attrib.items():
            local = _local(attribute).lower()
            if local.startswith("on"):
                raise ImageRefused(f"the SVG image has an event handler ({local})")
            if local == "href" and not _SAFE_HREF.match(value.strip()):
                raise ImageRefused("the SVG image refers to something outside it")
            if _LOADS.search(value):
                raise ImageRefused("the SVG image's attribute loads something")
    if not root.get("viewBox"):
        raise ImageRefused("the SVG image has no viewBox: add one, so that it can be scaled")


def _local(tag: str) -> str:
    """An XML name without its namespace (``{http://www.w3.org/2000/svg}svg`` -> ``svg``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
