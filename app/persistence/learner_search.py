"""What learner search compares: names and e-mail folded in Python, the same on every database.

SQLite's ``lower()`` and ``LIKE`` fold ASCII letters only, and PostgreSQL's ``lower()`` folds
what the database's ``LC_CTYPE`` says (all of Unicode under ``C.UTF-8``, ASCII only under
``C``): ``?learner=Šćepanović`` found the credential on one and not on the other. So the folding
happens here, once, for the stored text (table ``learner_search``) and for the query,
and the database only does a plain ``LIKE`` over the folded text.

Folding is NFKC, Unicode case folding and single spaces: ``ŠĆEPANOVIĆ``, ``šćepanović`` and a
name typed with combining accents are the same text. Diacritics stay (``Scepanovic`` does not
find ``Šćepanović``, as on PostgreSQL before): Š and S are different letters in the languages
the service speaks.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold", "learner_search_text"]


def fold(text: str) -> str:
    """``text`` as learner search compares it: NFKC, case-folded, whitespace runs as one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def learner_search_text(
    given_name: str | None, family_name: str | None, email: str | None
) -> str | None:
    """The stored search text of a learner: the full name in both orders (``Ana Horvat`` and
    ``Horvat Ana`` both match) and the e-mail, one per line, folded (None when there is
    nothing to search)."""
    names = [n for n in (given_name, family_name) if n]
    lines = [" ".join(names), " ".join(reversed(names))] if names else []
    if email:
        lines.append(email)
    return "\n".join(dict.fromkeys(fold(line) for line in lines)) or None
