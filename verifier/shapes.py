"""Expansion by shape: the safe-mode expansion of a JSON-LD document from that of another
document of the same shape.

JSON-LD expansion (JSON-LD 1.1 Processing Algorithms, section 5.1) is a function of the
document's keys, its contexts and its ``@type`` values; a string in any other place is either
copied into a value object as it is (``{"@value": s}``), or expanded as an IRI (sections 5.2
and 6.1.2): kept as it is when it has the form of an absolute IRI or a blank node identifier,
or, when the part before its first colon is a prefix term, that term's IRI followed by the
rest. Nothing else of such a string takes part, except when the whole string is a term (a
value coerced with ``@vocab``, a keyword alias) or is relative (then safe mode refuses it).

So a document is cut into its **shape** (:func:`shape_of`) and its **values**: every string
outside ``@context``, ``@type``/``type``, ``@language``, ``@direction`` and the other keyword
places is replaced by a numbered placeholder, unless it is empty, starts with ``@``, is a term
of any context the loader serves, or has a colon and is not a clean absolute IRI. A string
without a colon becomes a placeholder as a whole; a clean absolute IRI keeps its scheme (and
``//``) and only the rest becomes one. The shape is expanded once by the real (pyld, safe
mode) expansion; the result is a **template** only if every placeholder comes out exactly
once, a string-without-colon placeholder as a whole JSON string (so it was copied, never
expanded against a vocabulary or a base) and an IRI placeholder at the end of a string (so
its IRI was kept or prefixed, never resolved). Any other outcome (the shape fails safe mode,
or a placeholder was expanded otherwise) marks the shape as not templatable: such documents
are expanded one by one, as before. A document of a known shape is then expanded by putting
its values back into the template's JSON text.

Shapes are remembered per document loader, in a bounded LRU keyed by the SHA-256 of the
shape's JSON. Documents with an embedded context (an object under ``@context``, whose terms
this module would have to know) and loaders other than the bundled one are never templated.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from verifier.digest_cache import DigestCache

__all__ = ["Filled", "Maker", "Shape", "ShapeTemplates", "context_terms", "shape_of"]

# A placeholder: a random prefix per process (no document can guess it), the number of the
# value and a closing letter (so that "t1z" is never a part of "t12z").
_PREFIX = "mc" + secrets.token_hex(8)
_PLACEHOLDER = re.compile(r'(")?' + _PREFIX + r't(\d+)z([">])?')

# Keys whose string values are kept: they are keywords (or the VC contexts' aliases of them)
# whose values expansion interprets, never copies.
_KEPT_KEYS = frozenset(
    {
        "@context", "@type", "type", "@language", "@direction", "@base", "@vocab",
        "@version", "@container", "@protected", "@propagate", "@import", "@prefix", "@nest",
    }
)  # fmt: skip
# An absolute IRI (or blank node identifier) whose rest after the scheme has nothing that
# makes it relative for pyld or jsonld.js (white space) or that an N-Quads writer escapes: its
# rest is a plain string of characters, copied in every place an IRI can be. The "//" after
# the colon is matched apart, and kept in the shape, whenever the IRI has it (even with
# nothing after it): a compact IRI whose suffix begins with "//" is never expanded.
_CLEAN_IRI = re.compile(
    r'^([A-Za-z][A-Za-z0-9+.-]*|_):(//)?([^\s\ufeff\x00-\x20<>"{}|^`\\\ufffe\uffff]*)$'
)

# What json.dumps(ensure_ascii=False) escapes in a string.
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')

_COPIED, _IRI_REST = 0, 1

F = TypeVar("F")


@dataclass(frozen=True)
class Shape:
    """A document cut into its shape (placeholders for values) and the values."""

    skeleton: Any
    #: Per placeholder, in order: its kind (copied whole, or the rest of an IRI) and the
    #: string it stands for.
    kinds: tuple[int, ...]
    values: tuple[str, ...]

    def digest(self) -> bytes:
        text = json.dumps(self.skeleton, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class _NotTemplatable(Exception):
    """The document has something this module does not cut into a shape."""


def shape_of(document: Mapping[str, Any], terms: frozenset[str]) -> Shape | None:
    """The shape of ``document``, or None when it has an embedded context (or is too deep)."""
    kinds: list[int] = []
    values: list[str] = []
    kept, clean_iri = _KEPT_KEYS, _CLEAN_IRI.match

    def cut(node: Any) -> Any:
        kind = type(node)
        if kind is str:
            if not node or node[0] == "@" or node in terms:
                return node
            if ":" not in node:
                kinds.append(_COPIED)
                values.append(node)
                return f"{_PREFIX}t{len(kinds) - 1}z"
            match = clean_iri(node)
            if match is None:
                return node
            scheme, slashes, rest = match.groups()
            kinds.append(_IRI_REST)
            values.append(rest)
            return f"{scheme}:{slashes or ''}{_PREFIX}t{len(kinds) - 1}z"
        if kind is dict:
            if "@context" in node and not _only_urls(node["@context"]):
                raise _NotTemplatable
            return {key: value if key in kept else cut(value) for key, value in node.items()}
        if kind is list:
            return [cut(item) for item in node]
        if isinstance(node, (str, dict, list)):  # a subclass: not the JSON it looks like
            raise _NotTemplatable
        return node

    try:
        skeleton = cut(dict(document))
    except (_NotTemplatable, RecursionError):
        return None
    return Shape(skeleton, tuple(kinds), tuple(values))


def _only_urls(context: Any) -> bool:
    if isinstance(context, str):
        return True
    return isinstance(context, list) and all(isinstance(item, str) for item in context)


def context_terms(documents: Iterable[Any]) -> frozenset[str]:
    """Every key of every object in ``documents`` (the contexts a loader serves): each term
    they define, at any depth (scoped contexts too), and more, which only keeps more strings."""
    terms: set[str] = set()
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            terms.update(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(terms)


@dataclass(frozen=True)
class _Template(Generic[F]):
    #: The expanded JSON text as a :meth:`str.format` string, a field per placeholder.
    json_format: str
    #: The same for the RDF of the expansion as N-Quads (not canonical), if the maker gave it.
    rdf_format: str | None
    #: What the maker said of the expansion of the shape besides its text.
    facts: F


#: A template's maker: the real expansion of a shape as JSON text, its RDF as N-Quads (or
#: None), and facts about it; raises if the shape does not expand.
Maker = Callable[[Any], tuple[str, str | None, F]]


class Filled(Generic[F]):
    """The expansion of one document, from the template of its shape."""

    def __init__(self, template: _Template[F], shape: Shape) -> None:
        self._template = template
        self._shape = shape
        self.facts = template.facts

    def json_text(self) -> str:
        """The JSON text of the safe-mode expansion, as ``json.dumps(expanded,
        ensure_ascii=False)`` writes it."""
        return self._template.json_format.format(*self._escaped(_json_string))

    def rdf(self, escape_literal: Callable[[str], str]) -> str | None:
        """Its RDF as N-Quads (not canonical; a literal's text written by ``escape_literal``),
        if the template has it."""
        rdf_format = self._template.rdf_format
        return None if rdf_format is None else rdf_format.format(*self._escaped(escape_literal))

    def _escaped(self, escape: Callable[[str], str]) -> list[str]:
        # An IRI's rest has nothing either escape changes (_CLEAN_IRI).
        shape = self._shape
        return [
            value if kind == _IRI_REST else escape(value)
            for kind, value in zip(shape.kinds, shape.values, strict=True)
        ]


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1] if _ESCAPED.search(value) else value


class ShapeTemplates(Generic[F]):
    """Remembered templates by shape (a bounded LRU; a scope per document loader)."""

    def __init__(self, size: int = 256) -> None:
        self._templates: DigestCache[_Template[F] | None] = DigestCache(size)

    def fill(self, shape: Shape, scope: object, make: Maker[F]) -> Filled[F] | None:
        """The expansion of the document ``shape`` was cut from, through the template of its
        shape (made with ``make`` on first sight); None when the shape is not templatable."""
        template = self._templates.get_by_key(
            (shape.digest(), scope), lambda: _make_template(shape, make)
        )
        return None if template is None else Filled(template, shape)

    def clear(self) -> None:
        self._templates.clear()


def _make_template(shape: Shape, make: Maker[F]) -> _Template[F] | None:
    try:
        text, rdf, facts = make(shape.skeleton)
    except Exception:  # the real document is expanded on its own: it fails there, or not
        return None
    json_parts = _cut(text, shape, once=True, iri_end='"')
    if json_parts is None:
        return None
    rdf_parts = None if rdf is None else _cut(rdf, shape, once=False, iri_end='>"')
    return _Template(_format(json_parts), None if rdf_parts is None else _format(rdf_parts), facts)


def _format(parts: tuple[str | int, ...]) -> str:
    return "".join(
        part.replace("{", "{{").replace("}", "}}") if isinstance(part, str) else f"{{{part}}}"
        for part in parts
    )


def _cut(text: str, shape: Shape, *, once: bool, iri_end: str) -> tuple[str | int, ...] | None:
    """``text`` cut at its placeholders, if each stands where a copied value or the rest of an
    IRI can (else None): a whole-string placeholder between quotes, an IRI's at the end of the
    IRI or of a literal (one of ``iri_end`` follows it). In JSON (``once``) each stands exactly
    once; in N-Quads, where
    a node's IRI is the subject of several quads, an IRI's any number of times and a literal's
    once at most (an ``@index`` has none)."""
    seen = [0] * len(shape.kinds)
    parts: list[str | int] = []
    end = 0
    for match in _PLACEHOLDER.finditer(text):
        number = int(match[2])
        if number >= len(seen):
            return None
        seen[number] += 1
        opened, closing = match[1] is not None, match[3]
        if shape.kinds[number] == _COPIED:
            if not opened or closing != '"' or seen[number] > 1:
                return None  # expanded against a vocabulary or a base: not copied
        elif opened or closing is None or closing not in iri_end or (once and seen[number] > 1):
            return None
        parts += [text[end : match.end(1) if opened else match.start()], number]
        end = match.start(3)
    if once and not all(seen):
        return None  # a value that expansion dropped or moved
    parts.append(text[end:])
    return tuple(parts)
