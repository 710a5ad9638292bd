"""Keeping the gettext catalogues in step with the code: extract every message the documents
and the pages use (the modules of :mod:`app.documents` and :mod:`app.web`, and the pages'
templates) and merge it into ``locale/messages.pot`` and each language's ``.po``.

Run after changing a template or a message: ``.venv/bin/python -m app.documents.catalogues``;
then translate what is new (msgstr empty) or marked fuzzy, and run it once more: the Serbian
Cyrillic catalogue is written from the Serbian Latin one (:data:`DERIVED`), never by hand.
The tests fail while any message lacks a
translation, so nothing untranslated reaches a page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from app.documents.i18n import DOMAIN, LANGUAGES
from app.documents.serbian import to_cyrillic

__all__ = [
    "DERIVED",
    "DOCUMENTS_DIR",
    "LOCALE_DIR",
    "WEB_DIR",
    "derive",
    "extract",
    "po_path",
    "update",
]

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
        if lang.catalogue in DERIVED:
            continue  # written from its source below
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

    for catalogue, (origin, convert) in DERIVED.items():
        derive(catalogue, origin, convert)


#: Catalogues made from another one, not translated: Serbian Cyrillic is Serbian Latin,
#: transliterated (:mod:`app.documents.serbian`).
DERIVED: dict[str, tuple[str, Callable[[str], str]]] = {"sr_Cyrl": ("sr_Latn", to_cyrillic)}


def derive(catalogue: str, source: str, convert: Callable[[str], str]) -> None:
    """Write the catalogue ``catalogue`` as ``source``'s with every translation converted."""
    with po_path(source).open("rb") as handle:
        original = read_po(handle, domain=DOMAIN)
    derived = Catalog(
        locale=catalogue, domain=DOMAIN, project="microcred", charset="utf-8", fuzzy=False,
        creation_date=original.creation_date, revision_date=original.revision_date,
    )  # fmt: skip
    for message in original:
        if not message.id:
            continue
        string = message.string
        converted = (
            tuple(convert(part) for part in string)
            if isinstance(string, (tuple, list))
            else convert(string or "")
        )
        derived.add(
            message.id, converted, list(message.locations), flags=message.flags,
            auto_comments=message.auto_comments, context=message.context,
        )  # fmt: skip
    path = po_path(catalogue)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, derived, width=100, omit_header=False)


if __name__ == "__main__":  # pragma: no cover
    update()
    sys.exit(0)
