"""File names of downloads, safe on every file system, and the ``Content-Disposition`` header
that carries them (RFC 6266, with the UTF-8 name as an RFC 8187 ``filename*`` parameter).

A download is named after the learner and the course, ``<learner>_<course>.<ext>``, words
joined by ``-``: ``Durdjica-Scepanovic_3D-printing-FDM-basics.pdf`` in the ASCII ``filename=``
that every client understands, and ``Đurđica-Šćepanović_3D-printing-FDM-basics.pdf`` in
``filename*``, which browsers prefer. Both keep only letters, digits, ``-`` and ``_`` besides the
extension's dot, so neither needs quoting on any file system: no path separators, no characters
Windows forbids, no leading dot, no Windows device name, and a bounded length.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["DownloadName", "ascii_name", "download_name", "transliterate"]

FALLBACK = "credential"
_MAX_PART = 60  # characters of the learner's name, and of the course's title
_MAX_UTF8 = 200  # bytes of the whole UTF-8 name (most file systems allow 255)
# Windows device names: reserved with any extension, in any case ("con.pdf" too).
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{device}{n}" for device in ("COM", "LPT") for n in range(10)]
)

# Cyrillic to Latin as Serbian and Montenegrin write it (Љ Lj, Ђ Đ, Џ Dž, Ћ Ć), then the
# letters other Cyrillic alphabets add (Macedonian, Russian, Ukrainian, Belarusian). The two
# letters Montenegrin adds are S and Z with a combining acute: the acute goes with the accents.
_CYRILLIC = dict(
    zip(
        "АБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
        "A B V G D Đ E Ž Z I J K L Lj M N Nj O P R S T Ć U F H C Č Dž Š".split(),  # noqa: SIM905
        strict=True,
    )
) | {
    "Ѓ": "Gj",
    "Ќ": "Kj",
    "\N{CYRILLIC CAPITAL LETTER DZE}": "Dz",
    "Ё": "Jo",
    "Й": "J",
    "Щ": "Šč",
    "Ъ": "",
    "Ы": "Y",
    "\N{CYRILLIC CAPITAL LETTER SOFT SIGN}": "",
    "Э": "E",
    "Ю": "Ju",
    "Я": "Ja",
    "Є": "Je",
    "\N{CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I}": "I",
    "Ї": "Ji",
    "Ґ": "G",
    "Ў": "U",
}
# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN = {
    "Đ": "Dj",
    "Ð": "D",
    "Ł": "L",
    "Ø": "O",
    "Æ": "Ae",
    "Œ": "Oe",
    "Þ": "Th",
    "ẞ": "Ss",
    "ß": "ss",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
}
_TABLE = {**_CYRILLIC, **{k.lower(): v.lower() for k, v in _CYRILLIC.items()}}
_ASCII_TABLE = {**_LATIN, **{k.lower(): v.lower() for k, v in _LATIN.items() if k.isupper()}}
_WORD_ASCII = re.compile(r"[A-Za-z0-9]+")


def _replace(text: str, table: dict[str, str]) -> str:
    """``text`` with each character in ``table`` replaced; a capital that becomes two letters
    is all capitals inside a word in capitals (ЉУБИЦА -> LJUBICA, Љубица -> Ljubica)."""
    out = []
    for i, ch in enumerate(text):
        latin = table.get(ch)
        if latin is None:
            out.append(ch)
            continue
        if len(latin) > 1 and ch.isupper():
            after = text[i + 1 : i + 2]
            before = text[i - 1 : i]
            if after.isupper() or (not after.isalpha() and before.isupper()):
                latin = latin.upper()
        out.append(latin)
    return "".join(out)


def transliterate(text: str) -> str:
    """``text`` in ASCII letters: Cyrillic to Latin, then without accents (č c, đ dj, ž z).
    What has no ASCII form (other scripts, symbols) is dropped."""
    latin = _replace(_replace(unicodedata.normalize("NFC", text), _TABLE), _ASCII_TABLE)
    decomposed = unicodedata.normalize("NFKD", latin)
    return "".join(ch for ch in decomposed if ord(ch) < 128 and not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """The runs of letters and digits of ``text`` (NFC), in any script."""
    words: list[str] = []
    current: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.category(ch)[0] in "LN" or (current and unicodedata.combining(ch)):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _part(words: list[str]) -> str:
    """Words joined by ``-``, cut at a word boundary to at most ``_MAX_PART`` characters."""
    joined = ""
    for word in words:
        candidate = f"{joined}-{word}" if joined else word
        if len(candidate) > _MAX_PART:
            return joined or word[:_MAX_PART]
        joined = candidate
    return joined


def _stem(parts: list[str]) -> str:
    stem = "_".join(p for p in parts if p) or FALLBACK
    if stem.upper() in _RESERVED:
        stem = f"{stem}_{FALLBACK}"
    return stem


def ascii_name(*texts: str | None, extension: str) -> str:
    """The ASCII file name of ``texts`` (learner, course...) with ``extension``."""
    parts = [_part(_WORD_ASCII.findall(transliterate(t or ""))) for t in texts]
    return f"{_stem(parts)}.{extension}"


def _unicode_name(*texts: str | None, extension: str) -> str:
    name = f"{_stem([_part(_words(t or '')) for t in texts])}.{extension}"
    while len(name.encode("utf-8")) > _MAX_UTF8:  # only for names in multi-byte scripts
        stem = name.removesuffix(f".{extension}")[:-1].rstrip("-_")
        name = f"{stem or FALLBACK}.{extension}"
    return name


@dataclass(frozen=True)
class DownloadName:
    """A download's name: ``ascii`` for ``filename=``, ``utf8`` for ``filename*=``."""

    ascii: str
    utf8: str

    def content_disposition(self) -> str:
        """``attachment`` with both names (RFC 6266, section 4.3; RFC 8187 encoding)."""
        return (
            f"attachment; filename=\"{self.ascii}\"; filename*=UTF-8''{quote(self.utf8, safe='')}"
        )


def download_name(*texts: str | None, extension: str) -> DownloadName:
    """The name of a download of ``texts`` (learner, course...), e.g.
    ``download_name("Đurđica Šćepanović", "3D printing: FDM basics", extension="pdf")``."""
    return DownloadName(
        ascii_name(*texts, extension=extension), _unicode_name(*texts, extension=extension)
    )
