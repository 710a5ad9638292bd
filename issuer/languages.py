"""Language tags of institutions and their texts (BCP 47, RFC 5646), and the EU language
authority concepts the EDC profile names them with.

microcred takes the part of BCP 47 its institutions need: an ISO 639 language (two letters
where ISO 639-1 has them, else three, e.g. ``cnr``), an optional ISO 15924 script
(``sr-Latn``, ``sr-Cyrl``) and an optional ISO 3166-1 region (``de-AT``). Each subtag is
looked up in pycountry's copies of the ISO tables, so a well-formed but unknown tag (``xx``)
is refused too. Tags are returned in their canonical case (``sr-Cyrl``, ``de-AT``).
"""

from __future__ import annotations

import re
from typing import Any

import pycountry

__all__ = [
    "EU_LANGUAGE_AUTHORITY",
    "LanguageTagError",
    "canonical_language_tag",
    "eu_language_concept",
]

#: The EU Publications Office's language authority table (the scheme of ELM language concepts).
EU_LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language"

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}))?$")


class LanguageTagError(ValueError):
    """A language tag that is not one microcred accepts; the message says what is expected."""


def canonical_language_tag(tag: str) -> str:
    """``tag`` in canonical case, once each subtag is found in its ISO table.

    :raises LanguageTagError: with a message naming the subtag and the expected form.
    """
    match = _TAG.match(tag.strip()) if isinstance(tag, str) else None
    if match is None:
        raise LanguageTagError(
            f"{tag!r} is not a language tag of the form language[-Script][-REGION] "
            "(BCP 47, e.g. 'sl', 'sr-Latn', 'sr-Cyrl', 'de-AT')"
        )
    language, script, region = match.groups()
    language = language.lower()
    found = (
        pycountry.languages.get(alpha_2=language)
        if len(language) == 2
        else pycountry.languages.get(alpha_3=language)
    )
    if found is None:
        raise LanguageTagError(f"{language!r} is not an ISO 639 language code")
    if len(language) == 3 and getattr(found, "alpha_2", None):
        raise LanguageTagError(f"use the ISO 639-1 code {found.alpha_2!r} for {language!r}")
    parts = [language]
    if script:
        script = script.title()
        if pycountry.scripts.get(alpha_4=script) is None:
            raise LanguageTagError(f"{script!r} is not an ISO 15924 script code")
        parts.append(script)
    if region:
        region = region.upper()
        if pycountry.countries.get(alpha_2=region) is None:
            raise LanguageTagError(f"{region!r} is not an ISO 3166-1 alpha-2 region")
        parts.append(region)
    return "-".join(parts)


def eu_language_concept(tag: str) -> dict[str, Any]:
    """The EU language authority concept of ``tag``'s language (``sr-Cyrl`` ->
    ``.../language/SRP``): the table has one concept per language, not per script."""
    language = tag.split("-", 1)[0].lower()
    found = (
        pycountry.languages.get(alpha_2=language)
        if len(language) == 2
        else pycountry.languages.get(alpha_3=language)
    )
    if found is None:
        raise LanguageTagError(f"{language!r} is not an ISO 639 language code")
    code = found.alpha_3.upper()
    return {
        "id": f"{EU_LANGUAGE_AUTHORITY}/{code}",
        "type": "Concept",
        "inScheme": {"id": EU_LANGUAGE_AUTHORITY, "type": "ConceptScheme"},
        "prefLabel": {"en": found.name},
    }
