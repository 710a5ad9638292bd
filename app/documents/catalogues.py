"""Keeping the gettext catalogues in step with the code: extract every message the documents
and the pages use (the modules of :mod:`app.documents` and :mod:`app.web`, and the pages'
templates) and merge it into ``locale/messages.pot`` and each language's ``.po``.

Run after changing a template or a message: ``.venv/bin/python -m app.documents.catalogues``; then
translate what is new (msgstr empty) or marked fuzzy. The tests fail while any message lacks a
translation, so nothing untranslated reaches a page.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from app.documents.i18n import DOMAIN, LANGUAGES

__all__ = ["DOCUMENTS_DIR", "LOCALE_DIR", "WEB_DIR", "extract", "po_path", "update"]

DOCUMENTS_DIR = Path(__file__).parent
# The pages' folder, found as package data rather than imported: documents sit below the pages.
WEB_DIR = Path(str(files("app").joinpath("web")))
LOCALE_DIR = DOCUMENTS_DIR / "locale"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
# The same whitespace handling as the pages' environments (app.web.rendering).
OPTIONS = {
    "templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trimmed": "true",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}


def extract() -> Catalog:
    """Every message of the modules of :mod:`app.documents` and :mod:`app.web` and of the
    pages' templates."""
    catalog = Catalog(project="microcred", domain=DOMAIN, charset="utf-8")
    for folder in (DOCUMENTS_DIR, WEB_DIR):
        for filename, lineno, message, comments, context in extract_from_dir(
            folder, METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True
        ):
            where = f"{folder.name}/{filename}"
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(catalogue: str) -> Path:
    return LOCALE_DIR / catalogue / "LC_MESSAGES" / f"{DOMAIN}.po"


def update() -> None:
    """Write ``messages.pot`` and merge it into every language's ``.po``."""
    template = extract()
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as out:
        write_po(out, template, omit_header=False, sort_output=False, width=100)
    for lang in LANGUAGES:
        if lang.catalogue is None:
            continue
        path = po_path(lang.catalogue)
        with path.open("rb") as source:
            catalog = read_po(source, locale=lang.locale, domain=DOMAIN)
        catalog.update(template, update_header_comment=False)
        with path.open("wb") as out:
            write_po(out, catalog, ignore_obsolete=True, width=100)
        if lang.catalogue != lang.locale:
            # Montenegrin: Babel knows it only as sr_Latn_ME; the file says what it is.
            text = path.read_text(encoding="utf-8")
            text = text.replace(f'"Language: {lang.locale}\\n"', f'"Language: {lang.catalogue}\\n"')
            path.write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    update()
    sys.exit(0)
