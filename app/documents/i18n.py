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
from datetime import date
from importlib.resources import files

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.http.negotiation import accept_language_tags

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "FALLBACKS",
    "LANGUAGES",
    "N_",
    "Language",
    "language",
    "long_date",
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
    # The Cyrillic interface: its catalogue is the Latin one transliterated (app.documents.serbian)
    Language("sr-Cyrl", "sr_Cyrl", "sr_Cyrl", "Српски"),
    Language("bs", "bs", "bs", "Bosanski"),
    # CLDR has no Montenegrin data of its own; its alias is Serbian Latin of Montenegro.
    Language("cnr", "cnr", "sr_Latn_ME", "Crnogorski"),
)
DEFAULT_LANGUAGE = LANGUAGES[0]
_BY_TAG = {lang.tag.lower(): lang for lang in LANGUAGES}
# Tags whose language is not their prefix's. Serbian without a script is the Latin interface
# (sr-Cyrl asks for the Cyrillic one; sr-RS too, as its CLDR default script is Cyrillic);
# Serbian of Montenegro is Montenegrin, and "me" is what people type for it. Anything else
# falls back to its prefix (sl-SI -> sl).
_ALIASES = {
    "sr": "sr-Latn",
    "sr-rs": "sr-Cyrl",
    "sr-cyrl-rs": "sr-Cyrl",
    "sr-latn-rs": "sr-Latn",
    "sr-me": "cnr",
    "sr-latn-me": "cnr",
    "sr-cyrl-me": "cnr",
    "me": "cnr",
}

#: Where a page looks for a text its credential does not have in the page's language, in
#: order, before English (then the first text there is). Bosnian and Montenegrin readers read
#: Croatian and Serbian; Serbian text in the other script is transliterated
#: (:func:`app.documents.summary.pick_text`).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "bs": ("hr", "sr-Latn", "cnr"),
    "cnr": ("sr-Latn", "bs", "hr"),
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


# CLDR (Babel) writes a Slovenian date with the month in the nominative ("1. december 2026");
# Slovenian writes it in the genitive ("1. decembra 2026", Slovenski pravopis).
_SL_GENITIVE_MONTHS = (
    "januarja", "februarja", "marca", "aprila", "maja", "junija", "julija", "avgusta",
    "septembra", "oktobra", "novembra", "decembra",
)  # fmt: skip


def long_date(value: date, lang: Language) -> str:
    """``value`` as a page or a certificate writes a date: CLDR's long format for ``lang``
    (Babel), with the Slovenian month in the genitive."""
    if lang.locale == "sl":
        return f"{value.day}. {_SL_GENITIVE_MONTHS[value.month - 1]} {value.year}"
    return format_date(value, format="long", locale=lang.locale)
