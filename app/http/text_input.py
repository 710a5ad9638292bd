"""What text a caller may send, defined once: the characters (no control characters) and the
lengths of free text, for every input (the API's JSON bodies, roster rows, the VC API's
credentials, path and query parameters).

Control characters are Unicode's ``Cc`` (C0 ``U+0000``-``U+001F``, DEL, C1 ``U+0080``-
``U+009F``); unpaired surrogates are not characters at all. Neither belongs in a name or a
course description: PostgreSQL refuses NUL, pyld refuses control characters in IRIs, and they
hide text on pages and in files. So:

- :data:`SingleLine` (names, titles, identifiers, labels): no control character at all;
- :data:`Paragraph` (descriptions, notes, reasons): tab, LF and CR allowed, no other;
- path and query parameters (:func:`refuse_control_characters`): none at all, checked for
  every route before anything reads the database.

A refusal names the field and the offending code point, never the text around it (which may
be a learner's name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from fastapi import Request
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from app.errors import NotFound, Unprocessable

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_LINE",
    "MAX_NAME",
    "MAX_PARAGRAPH",
    "Line",
    "Paragraph",
    "SingleLine",
    "Text",
    "control_character",
    "json_text_problems",
    "printable",
    "refuse_control_characters",
]

#: Names, identifiers, grades, labels: what fits on a line of a certificate.
MAX_NAME = 255
#: A title or label in one language (a course's title, a learning outcome, an assessment type).
MAX_LINE = 1000
#: A paragraph in one language (a description, a note, a reason).
MAX_PARAGRAPH = 4000
#: How deep a caller's JSON document may nest (a micro-credential of ours nests 8 levels).
MAX_JSON_DEPTH = 64

_CONTROLS = "\x00-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
_IN_LINE = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
_IN_PARAGRAPH = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")


def control_character(text: str, *, breaks: bool = False) -> str | None:
    """Why ``text`` cannot be taken (the first control character or unpaired surrogate in it),
    or None. With ``breaks`` tab, LF and CR are allowed."""
    found = (_IN_PARAGRAPH if breaks else _IN_LINE).search(text)
    if found is None:
        return None
    point = ord(found.group())
    if 0xD800 <= point <= 0xDFFF:
        return f"must not contain an unpaired surrogate (U+{point:04X})"
    allowed = " other than tab, line feed and carriage return" if breaks else ""
    return f"must not contain control characters{allowed} (found U+{point:04X})"


def _single_line(value: str) -> str:
    reason = control_character(value)
    if reason:
        raise PydanticCustomError("control_character", reason)
    return value


def _paragraph(value: str) -> str:
    reason = control_character(value, breaks=True)
    if reason:
        raise PydanticCustomError("control_character", reason)
    return value


#: Text on one line: no control character at all.
SingleLine = Annotated[str, AfterValidator(_single_line)]
#: Text that may run over lines: tab, LF and CR, no other control character.
Paragraph = Annotated[str, AfterValidator(_paragraph)]
#: A title or label in one language (1 to :data:`MAX_LINE` characters, one line).
Line = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_LINE), *SingleLine.__metadata__
]
#: A paragraph in one language (1 to :data:`MAX_PARAGRAPH` characters).
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PARAGRAPH), *Paragraph.__metadata__
]


def printable(text: str) -> str:
    """``text`` with control characters and surrogates written as ``\\uXXXX`` escapes, for a
    message that quotes what a caller sent (a column name, a JSON key)."""
    return _IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text_problems(value: Any, path: str, *, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(field, reason) for every string in a JSON value (keys included) that has a control
    character other than tab, LF and CR, every number that is not finite (NaN, infinity:
    Python's JSON parser takes them, JSON has none), and a value nested deeper than
    :data:`MAX_JSON_DEPTH` (which nothing we issue needs, and which would exhaust the stack of
    whatever walks it next). Fields are dotted paths under ``path``
    (``credential.credentialSubject.name``, list items by index)."""
    if depth > MAX_JSON_DEPTH:
        yield path, f"is nested more than {MAX_JSON_DEPTH} levels deep"
    elif isinstance(value, str):
        reason = control_character(value, breaks=True)
        if reason:
            yield path, reason
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            yield path, "must be a finite number"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{printable(str(key))}"
            reason = control_character(str(key), breaks=True)
            if reason:
                yield name, f"the property name {reason}"
            yield from json_text_problems(item, name, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from json_text_problems(item, f"{path}.{index}", depth=depth + 1)


def refuse_control_characters(request: Request) -> None:
    """A dependency of every route: a path with a control character names nothing we have
    (404), a query parameter with one is refused (422), before the route reads anything.

    It runs inside the application, so the refusal is answered by the error handlers like any
    other 404 or 422."""
    if control_character(request.scope.get("path", "")):
        raise NotFound("no resource at this address (it contains a control character)")
    problems = [
        (printable(name), reason)
        for name, value in request.query_params.multi_items()
        for reason in (control_character(name) or control_character(value),)
        if reason
    ]
    if problems:
        raise Unprocessable.fields(problems, code="validation_error")
