"""Hostile JSON-LD contexts: whatever a context holds, expansion and canonicalization fail with
:class:`verifier.JsonLdError` (``invalid_jsonld`` and the other safe-mode codes), never with
the ``KeyError``/``ValueError``/``TypeError`` pyld raises for some of them (issue 12: ``{"@vocab":
null}`` was a 500 at issue and verify)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import JsonLdError
from verifier.jsonld import bundled_document_loader, canonicalize, expand

V2 = "https://www.w3.org/ns/credentials/v2"
LOADER = bundled_document_loader()
PROCESSORS: list[Callable[..., Any]] = [expand, canonicalize]


def credential(context: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, context],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "name": "Ana"},
        **extra,
    }


# Each of these made pyld raise something other than its own error (found by the fuzzing
# below): KeyError for a null @vocab/@language/@direction, ValueError for an @import it cannot
# resolve without a base IRI.
HOSTILE = [
    {"@vocab": None},
    {"@language": None},
    {"@direction": None},
    {"@context": {"@language": None}},
    {"@import": "x"},
    {"@import": ""},
    {"@import": "@vocab"},
]


@pytest.mark.parametrize("context", HOSTILE, ids=repr)
@pytest.mark.parametrize("process", PROCESSORS, ids=lambda f: f.__name__)
def test_a_hostile_context_is_a_json_ld_error(
    context: dict[str, Any], process: Callable[..., Any]
) -> None:
    with pytest.raises(JsonLdError):
        process(credential(context), LOADER)


def test_a_null_vocab_says_the_processor_refused_it() -> None:
    with pytest.raises(JsonLdError) as raised:
        expand(credential({"@vocab": None}), LOADER)
    assert raised.value.code == "invalid_jsonld" and "KeyError" in raised.value.detail


KEYWORDS = [
    "@vocab", "@base", "@version", "@language", "@direction", "@propagate", "@protected",
    "@import", "@type", "@id", "@container", "@reverse", "@context", "@nest", "@prefix",
    "@index", "@json", "@none", "@graph", "@list", "@set", "@value", "@foo",
    "x", "name", "type", "id",
]  # fmt: skip
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["", "x", "_:b", "http://a/", "@id", "@vocab", "@json", "@list", V2])
    | st.sampled_from(KEYWORDS),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYWORDS), children, max_size=3)
    ),
    max_leaves=10,
)
CONTEXTS = st.dictionaries(st.sampled_from(KEYWORDS), VALUES, min_size=1, max_size=3)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(context=CONTEXTS, value=VALUES)
def test_no_context_makes_json_ld_processing_fail_otherwise(
    context: dict[str, Any], value: Any
) -> None:
    document = credential(context)
    document["credentialSubject"]["x"] = value
    for process in PROCESSORS:
        with contextlib.suppress(JsonLdError):
            process(document, LOADER)
