"""Serbian in both its scripts: telling which script a text is in, and transliterating it
deterministically between Latin (latinica) and Cyrillic (ćirilica).

Serbian's two alphabets map letter for letter, with three Latin digraphs for one Cyrillic
letter each (``lj`` = љ, ``nj`` = њ, ``dž`` = џ): Cyrillic to Latin is exact, and Latin to
Cyrillic is deterministic (the few words where those pairs span two syllables, such as
``injekcija`` or ``nadživeti``, get the one letter). What is not Serbian text stays as it is:
words with a digit (``3D``, ``A4``), Latin words of capitals only (acronyms such as
``PDF``, ``ECTS``, ``EQF``, ``JSON-LD``; a Serbian word in capitals with ``Č``, ``Ć``, ``Đ``,
``Š``, ``Ž`` or a digraph is still transliterated), addresses (``https://…``,
``name@host``), and the placeholders and markup of a message (``%(file)s``, ``{{ date }}``,
``<b>``). A word written with ``q``, ``w``, ``x`` or ``y`` is foreign and stays Latin.

(The ``cyrtranslit`` package was tried and rejected: it writes ``NJEGOŠ`` as ``НЈЕГОШ`` and
``ЊЕГОШ`` as ``NjEGOŠ``, and transliterates acronyms.)
"""

# ruff: noqa: RUF001  (Cyrillic letters that look like Latin ones are the point here)
from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["has_cyrillic", "to_cyrillic", "to_latin"]

_LATIN_TO_CYRILLIC = {
    "a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ", "e": "е", "f": "ф",
    "g": "г", "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
    "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в", "z": "з", "ž": "ж",
}  # fmt: skip
_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ"}
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in {**_LATIN_TO_CYRILLIC, **_DIGRAPHS}.items()}

# What is never transliterated: message placeholders and markup, addresses.
_PROTECTED = re.compile(
    r"%\([^)]*\)[a-z]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]*>|https?://\S+|www\.\S+|\S+@\S+\.\S+"
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\w+", re.UNICODE)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_SERBIAN_LATIN_ONLY = set("čćđšžČĆĐŠŽ")
_FOREIGN = set("qwxyQWXY")


def has_cyrillic(text: str) -> bool:
    """Whether ``text`` has a Cyrillic letter (a Serbian text in Cyrillic, then)."""
    return _CYRILLIC.search(text) is not None


def _keeps_latin(word: str) -> bool:
    if any(ch.isdigit() for ch in word) or any(ch in _FOREIGN for ch in word):
        return True
    letters = word.replace("-", "")
    acronym = letters.isascii() and letters.isupper() and len(letters) >= 2
    serbian = any(ch in _SERBIAN_LATIN_ONLY for ch in letters) or any(
        d in letters.lower() for d in ("lj", "nj", "dž")
    )
    return acronym and not serbian


def _word_to_cyrillic(word: str) -> str:
    if _keeps_latin(word):
        return word
    out = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        cyr = _DIGRAPHS.get(pair.lower())
        if cyr is not None:
            out.append(cyr.upper() if pair[0].isupper() else cyr)
            i += 2
            continue
        ch = word[i]
        mapped = _LATIN_TO_CYRILLIC.get(ch.lower())
        out.append(ch if mapped is None else (mapped.upper() if ch.isupper() else mapped))
        i += 1
    return "".join(out)


def _word_to_latin(word: str) -> str:
    all_caps = word.isupper() and len([ch for ch in word if ch.isalpha()]) > 1
    out = []
    for ch in word:
        mapped = _CYRILLIC_TO_LATIN.get(ch.lower())
        if mapped is None:
            out.append(ch)
        elif ch.isupper():
            # Љ in a word of capitals is LJ, at the start of a word it is Lj
            out.append(mapped.upper() if all_caps else mapped[0].upper() + mapped[1:])
        else:
            out.append(mapped)
    return "".join(out)


def _each_word(text: str, convert: Callable[[str], str]) -> str:
    parts = []
    end = 0
    for protected in _PROTECTED.finditer(text):
        parts.append(_WORD.sub(lambda m: convert(m.group(0)), text[end : protected.start()]))
        parts.append(protected.group(0))
        end = protected.end()
    parts.append(_WORD.sub(lambda m: convert(m.group(0)), text[end:]))
    return "".join(parts)


def to_cyrillic(text: str) -> str:
    """Serbian Latin ``text`` in Cyrillic (see the module for what stays Latin)."""
    return _each_word(text, _word_to_cyrillic)


def to_latin(text: str) -> str:
    """Serbian Cyrillic ``text`` in Latin."""
    return _each_word(text, _word_to_latin)
