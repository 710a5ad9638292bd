"""The credential as a page image, for the EDC profile's ``displayParameter``.

The image is the first page of the printable certificate (:mod:`app.documents.certificate`),
the same code and layout, rasterized with PDFium (pypdfium2) and encoded as a JPEG: what a
reader of the EDC sees is what the learner prints. One image per language the credential's
title is written in and the certificate can be set in (its page languages); a title in none
of them gets the English page.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from typing import Any

from app.documents.certificate import render_certificate
from app.documents.i18n import DEFAULT_LANGUAGE, Language, language
from app.documents.summary import RecordedIssuer
from issuer.edc import PageImage

__all__ = ["PAGE_DPI", "page_images", "render_page_image"]

#: Resolution of the page image: A4 at 72 dpi is 595 x 842 pixels, legible on a screen and
#: about 60 KB as a JPEG, so a credential in three languages stays far under the size limit.
PAGE_DPI = 72
JPEG_QUALITY = 70

# PDFium is not thread-safe, not even with one document per thread (pypdfium2's documentation,
# "Incompatibility with Threading"), and the service issues in several threads: one call into
# it at a time. Rasterizing is a few milliseconds of the page's cost; setting the certificate
# and encoding the JPEG run outside the lock. Every PDFium object is closed inside it, none
# is left to a finalizer in another thread.
_PDFIUM = threading.Lock()


def render_page_image(
    credential: Mapping[str, Any],
    *,
    verification_url: str,
    lang: Language,
    recorded: RecordedIssuer | None = None,
) -> bytes:
    """Page 1 of the certificate of ``credential`` in ``lang``, as JPEG bytes."""
    # Imported here: only EDC issuance needs them, and every server process starts faster.
    import pypdfium2
    from PIL import Image

    pdf = render_certificate(
        credential,
        credential_json=b"{}",  # the page shows no attachment; the EDC carries itself
        jwt=None,
        verification_url=verification_url,
        lang=lang,
        recorded=recorded,
    )
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            try:
                bitmap = page.render(scale=PAGE_DPI / 72, grayscale=False)
                try:
                    image: Image.Image = bitmap.to_pil().convert("RGB")  # a copy
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def page_images(
    credential: Mapping[str, Any],
    languages: list[str],
    *,
    verification_url: str,
    recorded: RecordedIssuer | None = None,
) -> list[PageImage]:
    """One page image per tag of ``languages`` (the title's, primary first) that the
    certificate can be set in, each tagged with the text's own tag (``sr-Cyrl``); a page
    language is rendered once. None of them: the English page."""
    pages: list[PageImage] = []
    rendered: set[str] = set()
    for tag in languages:
        lang = language(tag)
        if lang is None or lang.tag in rendered:
            continue
        rendered.add(lang.tag)
        image = render_page_image(
            credential, verification_url=verification_url, lang=lang, recorded=recorded
        )
        pages.append(PageImage(tag, "image/jpeg", image))
    if not pages:
        image = render_page_image(
            credential,
            verification_url=verification_url,
            lang=DEFAULT_LANGUAGE,
            recorded=recorded,
        )
        pages.append(PageImage(DEFAULT_LANGUAGE.tag, "image/jpeg", image))
    return pages
