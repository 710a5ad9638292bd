"""The page languages, choosing one for a request, and their gettext catalogues.

The catalogues are the committed ``.po`` files under ``app/documents/locale``; Babel compiles each
in memory the first time it is needed, so there is no build step and no binary in the
repository. English is the source language: its messages are the msgids.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from importlib.resources import files

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.http.negotiation import accept_language_tags

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "Language",
    "language",
    "negotiate",
    "translations",
]

DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """``tag``: the BCP 47 tag (``lang`` attribute, ``?lang=``, ``Content-Language``);
    ``catalogue``: the folder of its ``.po`` file (None for the source language);
    ``locale``: the CLDR locale Babel formats dates and numbers with; ``name``: its endonym."""

    tag: str
    catalogue: str | None
    locale: str
    name: str


LANGUAGES: tuple[Language, ...] = (
    Language("en", None, "en_150", "English"),  # European English: 5 March 2026, 14:02
    Language("sl", "sl", "sl", "Slovenščina"),
    Language("hr", "hr", "hr", "Hrvatski"),
    Language("sr-Latn", "sr_Latn", "sr_Latn", "Srpski"),
    Language("bs", "bs", "bs", "Bosanski"),
    # CLDR has no Montenegrin data of its own; its alias is Serbian Latin of Montenegro.
    Language("cnr", "cnr", "sr_Latn_ME", "Crnogorski"),
)
DEFAULT_LANGUAGE = LANGUAGES[0]
_BY_TAG = {lang.tag.lower(): lang for lang in LANGUAGES}
# Tags whose language is not their prefix's. Serbian readers get the Latin script whichever
# script they ask for (sr-Cyrl falls back to sr); Serbian of Montenegro is Montenegrin, and
# "me" is what people type for it. Anything else falls back to its prefix (sl-SI -> sl).
_ALIASES = {
    "sr": "sr-Latn",
    "sr-me": "cnr",
    "sr-latn-me": "cnr",
    "sr-cyrl-me": "cnr",
    "me": "cnr",
}


def N_(message: str) -> str:
    """Marks ``message`` for extraction; the page translates it when it renders."""
    return message


def language(tag: str | None) -> Language | None:
    """The page language for one tag (``sl``, ``sr-Latn``, ``sr_ME``, ``me``...), or None."""
    if not tag:
        return None
    key = tag.strip().replace("_", "-").lower()
    while key:
        found = _BY_TAG.get(_ALIASES.get(key, key).lower())
        if found is not None:
            return found
        key = key.rpartition("-")[0]  # sl-SI-x-foo -> sl-SI -> sl
    return None


def negotiate(query: str | None, accept_language: str | None) -> Language:
    """The page language: ``?lang=`` first, then ``Accept-Language``, then English."""
    for tag in [query or "", *accept_language_tags(accept_language)]:
        chosen = language(tag)
        if chosen is not None:
            return chosen
    return DEFAULT_LANGUAGE


@functools.cache
def translations(lang: Language) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the msgids themselves)."""
    if lang.catalogue is None:
        return gettext.NullTranslations()
    source = files("app.documents").joinpath(f"locale/{lang.catalogue}/LC_MESSAGES/{DOMAIN}.po")
    with source.open("rb") as po:
        catalog = read_po(po, locale=lang.locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
