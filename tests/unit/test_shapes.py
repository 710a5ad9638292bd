"""Expansion by shape (verifier.shapes, used by verifier.jsonld): a document expanded through
the template of another document's shape gives exactly pyld's expansion, canonical N-Quads
and errors, whatever its values are, in every place a value can stand."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.canonicalization import EXTRA_CONTEXT, generated_credentials
from verifier.errors import VerifierError
from verifier.jsonld import (
    _TEMPLATES,
    DocumentLoader,
    RemoteDocument,
    bundled_document_loader,
    canonicalize,
    expand,
)
from verifier.shapes import context_terms, shape_of

EXTRA_URL = "https://example.org/contexts/extra/v1"
TRICKY_URL = "https://example.org/contexts/tricky/v1"
#: Definitions that make a value's place matter: keyword aliases, coercion to @id and @vocab,
#: prefixes (one named like a scheme), a type-scoped context, language and index maps.
TRICKY_CONTEXT = {
    "@version": 1.1,
    "ex": "https://example.org/ex#",
    "https": "https://evil.example/",
    "kind": "@type",
    "ident": "@id",
    "lang": "@language",
    "val": "@value",
    "ref": {"@id": "ex:ref", "@type": "@id"},
    "cls": {"@id": "ex:cls", "@type": "@vocab"},
    "when": {"@id": "ex:when", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    "Special": {"@id": "ex:Special", "@context": {"note": "ex:specialNote"}},
    "Known": "ex:Known",
    "note": "ex:note",
    "child": "ex:child",
    "names": {"@id": "ex:names", "@container": "@language"},
    "byIndex": {"@id": "ex:byIndex", "@container": "@index"},
}
TRICKY_VOCAB_CONTEXT = {"@version": 1.1, "@vocab": "https://example.org/vocab#"}
TRICKY_VOCAB_URL = "https://example.org/contexts/tricky-vocab/v1"


class _Plain:
    """The same documents through a loader that is not the bundled one: never templated."""

    def __init__(self, loader: DocumentLoader) -> None:
        self._loader = loader

    def __call__(self, url: str, options: Mapping[str, Any] | None = None, /) -> RemoteDocument:
        return self._loader(url, options)


LOADER = bundled_document_loader(
    {
        EXTRA_URL: {"@context": EXTRA_CONTEXT},
        TRICKY_URL: {"@context": TRICKY_CONTEXT},
        TRICKY_VOCAB_URL: {"@context": TRICKY_VOCAB_CONTEXT},
    }
)
PLAIN = _Plain(LOADER)


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except VerifierError as exc:
        return ("error", exc.code)


def _agree(document: dict[str, Any]) -> str:
    """The templated and the plain expansion and canonicalization of ``document`` are the
    same (or fail the same way); which it was."""
    expanded = _outcome(lambda: json.dumps(expand(document, LOADER), ensure_ascii=False))
    plain = _outcome(lambda: json.dumps(expand(document, PLAIN), ensure_ascii=False))
    assert expanded == plain
    canonical = _outcome(lambda: canonicalize(document, LOADER))
    assert canonical == _outcome(lambda: canonicalize(document, PLAIN))
    return "error" if isinstance(plain, tuple) else "expanded"


def _without_embedded_context(credential: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(credential)
    document["@context"] = [
        EXTRA_URL if isinstance(item, dict) else item for item in document["@context"]
    ]
    return document


# Values a sibling document takes: every kind of string the shape treats apart.
_TRICKY_STRINGS = [
    "Known", "Special", "note", "ex:foo", "ex:Known", "https://example.org/x", "https:opaque",
    "https://", "//x", "relative/path", "#frag", "a b", "_:b1", "", "@id", "@foo",
    "urn:uuid:9a1e1d3e-1c7b-4b7c-9a51-3b2f8a0d2c11", "mailto:ana@example.org", "tel:+386",
    "Known:thing", "x y:z", "ÄÖ:ü", 'a"b', "back\\slash", "line\nbreak", "\x01", "\ufffe",
    "\U0001f393", "\ue000", "x:\u00a0", "1:2", "en", "sr-Latn", "2026-12-01", "data:,x",
]  # fmt: skip


def _strings_in(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every string outside @context."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            if isinstance(item, str):
                yield value, key
            else:
                yield from _strings_in(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield value, index
            else:
                yield from _strings_in(item)


def _sibling(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``document`` with some of its strings replaced: by another string of the same kind
    (same shape) or by a tricky one."""
    sibling = copy.deepcopy(document)
    for container, key in list(_strings_in(sibling)):
        old = container[key]
        roll = rng.random()
        if roll < 0.15:
            container[key] = rng.choice(_TRICKY_STRINGS)
        elif roll < 0.6:
            if ":" in old and "//" in old:
                container[key] = old + rng.choice(["x", "/y", "?q=1", "%20", "é"])
            elif ":" not in old:
                container[key] = rng.choice([old[::-1], old + " ✓", "Šćepanović", 'q"\\\t'])
    return sibling


def test_a_credential_of_a_known_shape_expands_and_canonicalizes_exactly_as_pyld() -> None:
    rng = random.Random(14)
    checked = 0
    for credential in generated_credentials(150, seed=41):
        document = _without_embedded_context(credential)
        assert shape_of(document, LOADER.terms) is not None  # type: ignore[attr-defined]
        _agree(document)  # makes the template of its shape
        for _ in range(3):
            _agree(_sibling(document, rng))
            checked += 1
    assert checked == 450


def test_the_template_of_a_shape_serves_documents_with_other_values() -> None:
    _TEMPLATES.clear()
    credential = _without_embedded_context(next(generated_credentials(1, seed=3)))
    credential["credentialSubject"]["givenName"] = "Ana"
    credential["id"] = "urn:uuid:f81d4fae-7dec-41d0-a765-00a0c91e6bf6"
    _agree(credential)
    made = len(_TEMPLATES._templates._entries)
    other = copy.deepcopy(credential)
    other["credentialSubject"]["givenName"] = "Đurđa"
    other["id"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    assert shape_of(other, LOADER.terms).digest() == shape_of(credential, LOADER.terms).digest()  # type: ignore[attr-defined,union-attr]
    _agree(other)
    assert len(_TEMPLATES._templates._entries) == made  # no new template: the same shape


_VALUE = st.one_of(
    st.sampled_from(_TRICKY_STRINGS),
    st.text(max_size=8),
    st.integers(min_value=-5, max_value=5),
    st.booleans(),
)


@st.composite
def _tricky_documents(draw: st.DrawFn) -> dict[str, Any]:
    contexts = [TRICKY_URL] if draw(st.booleans()) else [TRICKY_VOCAB_URL, TRICKY_URL]
    document: dict[str, Any] = {"@context": contexts}
    places = ["ident", "kind", "ref", "cls", "when", "note", "child", "names", "byIndex", "val"]
    for place in draw(st.lists(st.sampled_from(places), min_size=1, max_size=6, unique=True)):
        value: Any = draw(_VALUE)
        if place == "names":
            value = {draw(st.sampled_from(["en", "sl", "sr-Latn", "x y"])): value}
        elif place == "byIndex":
            value = {draw(st.sampled_from(["a", "ex:b"])): value}
        elif place == "child":
            value = {"kind": draw(st.sampled_from(["Special", "Known", "ex:Special", "Other"])),
                     "note": draw(_VALUE), "ref": draw(_VALUE)}  # fmt: skip
        elif place == "val":
            document = {"@context": contexts, "note": {"val": value, "lang": "en"}}
            continue
        document[place] = value
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tricky_documents(), _tricky_documents())
def test_aliases_coercions_prefixes_and_scoped_contexts_agree_with_pyld(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    # the first makes (or refuses) the template of its shape; the second may share it
    _agree(first)
    _agree(second)


def test_the_same_shape_with_values_in_every_place_agrees_with_pyld() -> None:
    rng = random.Random(7)
    base = {
        "@context": [TRICKY_VOCAB_URL, TRICKY_URL],
        "ident": "https://example.org/node/1",
        "kind": ["Known", "Special"],
        "ref": "ex:target",
        "cls": "Known",
        "when": "2026-12-01",
        "note": "plain text",
        "names": {"en": "name", "sl": "ime"},
        "byIndex": {"a": "first"},
        "child": {"ident": "urn:uuid:1", "note": "nested", "ref": "https://example.org/r"},
    }
    outcomes = set()
    for _ in range(300):
        document = copy.deepcopy(base)
        for container, key in list(_strings_in(document)):
            if key != "kind" and not isinstance(container, list) and rng.random() < 0.5:
                container[key] = rng.choice(_TRICKY_STRINGS)
        outcomes.add(_agree(document))
    assert outcomes == {"error", "expanded"}


@pytest.mark.parametrize(
    "document",
    [
        {"@context": ["https://www.w3.org/ns/credentials/v2", {"x": "https://e.org/x"}], "x": "v"},
        {
            "@context": "https://www.w3.org/ns/credentials/v2",
            "type": "VerifiableCredential",
            "credentialSubject": {"@context": {"n": "https://e.org/n"}, "n": "v"},
        },
    ],
)
def test_a_document_with_an_embedded_context_is_not_templated(document: dict[str, Any]) -> None:
    assert shape_of(document, LOADER.terms) is None  # type: ignore[attr-defined]
    _agree(document)


def test_a_document_too_deep_to_cut_goes_to_pyld() -> None:
    deep: dict[str, Any] = {"note": "x"}
    for _ in range(5000):
        deep = {"child": deep}
    document = {"@context": [TRICKY_URL], **deep}
    assert shape_of(document, LOADER.terms) is None  # type: ignore[attr-defined]
    assert _outcome(lambda: expand(document, LOADER))[0] == "error"


def test_every_term_of_every_context_is_kept_whole() -> None:
    terms = context_terms([{"@context": TRICKY_CONTEXT}])
    assert {"Special", "note", "kind", "https", "names"} <= terms
    shape = shape_of({"@context": [TRICKY_URL], "cls": "Special", "note": "Specialist"}, terms)
    assert shape is not None
    assert shape.skeleton["cls"] == "Special"
    assert shape.skeleton["note"] != "Specialist"
    assert shape.values == ("Specialist",)
