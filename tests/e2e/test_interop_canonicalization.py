"""The native canonicalization (pyoxigraph), pyld and jsonld.js (Digital Bazaar's ``jsonld``
and ``rdf-canonize``) give the same canonical N-Quads, on a sample of the generated
credentials and of the fixture documents, in one run (tests/interop/canonicalize.mjs)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.interop import harness
from tests.support import corpus
from tests.support.canonicalization import (
    canonicalize_with,
    fixture_documents,
    generated_credentials,
)

pytestmark = pytest.mark.e2e

SAMPLE = 50


def _exact_in_javascript(value: Any) -> bool:
    """No integer JavaScript would round (beyond 2^53: Node parses JSON numbers as doubles, so
    such a document is not the same document there), and no double under 10^-6 (jsonld.js 9
    writes 1e-7 as ``"0"^^xsd:integer``, where pyld and pyoxigraph write ``"1.0E-7"^^xsd:double``;
    such doubles never take the native path)."""
    if isinstance(value, dict):
        return all(_exact_in_javascript(item) for item in value.values())
    if isinstance(value, list):
        return all(_exact_in_javascript(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= 2**53
    if isinstance(value, float):
        return value == 0 or abs(value) >= 1e-6
    return True


def test_native_pyld_and_jsonld_js_agree_on_a_sample() -> None:
    generated = [
        credential
        for credential in itertools.islice(generated_credentials(SAMPLE * 6, seed=2026), SAMPLE * 6)
        if _exact_in_javascript(credential)
    ]
    fixtures = [
        document
        for name, document in fixture_documents().items()
        if name.startswith(("valid ", "served "))  # the contexts loader.mjs bundles
    ]
    documents = generated + fixtures[: SAMPLE // 2]
    js = harness.node_canonicalize(documents)
    paths = []
    for document, theirs in zip(documents, js, strict=True):
        native, (path, _) = canonicalize_with("auto", document, corpus.LOADER)
        forced, _ = canonicalize_with("pyld", document, corpus.LOADER)
        assert native == forced
        assert "error" not in theirs, theirs
        assert native == theirs["nquads"]
        paths.append(path)
    assert paths.count("native") >= SAMPLE
