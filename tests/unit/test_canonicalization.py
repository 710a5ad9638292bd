"""Native RDFC-1.0 (pyoxigraph) against pyld: byte-identical wherever the router sends a
document natively, and the router's reason right wherever it does not (verifier.jsonld)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support import corpus
from tests.support.canonicalization import (
    EXTRA_CONTEXT,
    canonicalize_with,
    fixture_documents,
    generated_credentials,
)
from verifier.jsonld import (
    bundled_document_loader,
    canonicalize,
    configure_canonicalization,
    expand,
)

LOADER = corpus.DEPLOYMENT_LOADER
GENERATED = 1000


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def _expected_reasons(document: Any) -> set[str]:
    """The features that keep ``document`` off the native path, found independently of the
    router: in the JSON text of its safe-mode expansion."""
    expanded = expand(document, LOADER)
    text = json.dumps(expanded, ensure_ascii=False)
    numbers = list(_numbers(expanded))
    checks = [
        ("direction", '"@direction"' in text),
        ("json_literal", '"@type": "@json"' in text),
        ("list", '"@list"' in text),
        ("blank_node_id", '"@id": "_:' in text),
        ("double", "XMLSchema#double" in text or any(isinstance(n, float) for n in numbers)),
        ("big_integer", any(abs(n) >= 2**63 for n in numbers if isinstance(n, int))),
        (
            "utf16_order",
            any(c >= "\U00010000" for c in text) and any("\ue000" <= c <= "\uffff" for c in text),
        ),
    ]
    return {reason for reason, present in checks if present}


def _agree(document: Any) -> tuple[str, str]:
    auto, (path, reason) = canonicalize_with("auto", document, LOADER)
    forced, told = canonicalize_with("pyld", document, LOADER)
    assert auto == forced, f"{path} ({reason}) differs from pyld"
    if forced.startswith("error "):
        return "refused", forced
    assert told == ("pyld", "forced")
    expected = _expected_reasons(document)
    if path == "native":
        assert reason == "proven"
        assert not expected, f"native despite {expected}"
    else:
        assert path == "pyld"
        if expected:
            assert reason in expected
        else:  # IRIs, U+FFFE/U+FFFF
            assert reason in {"iri", "noncharacter"}, reason
    return path, reason


def test_every_fixture_document_is_canonicalized_the_same_natively_and_by_pyld() -> None:
    documents = fixture_documents()
    assert len(documents) > 100
    paths = [_agree(document)[0] for document in documents.values()]
    assert paths.count("native") > len(paths) // 2


def test_generated_credentials_are_canonicalized_the_same_natively_and_by_pyld() -> None:
    reasons: dict[tuple[str, str], int] = {}
    for credential in generated_credentials(GENERATED):
        documents = [credential]
        if "proof" in credential:  # the signed credential, and the document it signed
            documents.append({k: v for k, v in credential.items() if k != "proof"})
        for document in documents:
            outcome = _agree(document)
            reasons[outcome] = reasons.get(outcome, 0) + 1
    assert sum(reasons.values()) >= GENERATED + GENERATED // 2
    assert reasons[("native", "proven")] >= GENERATED
    for reason in ("direction", "json_literal", "list", "double"):
        assert reasons.get(("pyld", reason)), f"no generated credential went to pyld for {reason}"


def _with_extra(**claims: Any) -> dict[str, Any]:
    document = corpus.unsigned()
    document["@context"] = [*document["@context"], EXTRA_CONTEXT]
    document["credentialSubject"].update(claims)
    return document


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"label": {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"}}, "direction"),
        ({"meta": {"b": [1.5, None], "a": "č"}}, "json_literal"),
        ({"steps": ["one", "two"]}, "list"),
        ({"score": 2.5}, "double"),
        ({"score": 10**20}, "big_integer"),
        ({"score": {"@id": "urn:x{y}"}}, "iri"),
        ({"label": "a\ufffeb"}, "noncharacter"),
        ({"score": {"@id": "_:b0", "label": "x"}}, "blank_node_id"),
        ({"label": ["\ufeff", "🎓"]}, "utf16_order"),
    ],
)
def test_what_the_native_path_is_not_proven_for_goes_to_pyld(
    claims: dict[str, Any], reason: str
) -> None:
    document = _with_extra(**claims)
    auto, told = canonicalize_with("auto", document, LOADER)
    assert told == ("pyld", reason)
    assert auto == canonicalize_with("pyld", document, LOADER)[0]


def test_what_the_native_path_writes_exactly_like_pyld_it_keeps() -> None:
    text = "".join(chr(c) for c in range(0x20)) + '\x7f"\\ č ж 😀 \u2028\u0085\U0010ffff'
    document = _with_extra(label=[text, {"@value": "x", "@language": "sr-Latn"}], score=[0, -7])
    auto, told = canonicalize_with("auto", document, LOADER)
    assert told == ("native", "proven")
    assert auto == canonicalize_with("pyld", document, LOADER)[0]
    # quads in code point order, one per line: a U+2028 in a literal does not end a line
    lines = auto.split("\n")[:-1]
    assert lines == sorted(lines) and all(line.endswith(" .") for line in lines)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d["credentialSubject"].update(nickname="Ana"), "undefined_term"),
        (lambda d: d.update(type=[*d["type"], "Undefined"]), "undefined_term"),
        (lambda d: d.update(id="relative/id"), "relative_iri"),
        (lambda d: d["credentialSubject"].update({"@foo": "x"}), "undefined_term"),
        (lambda d: d["@context"].append("https://example.org/unknown"), "unknown_context"),
        (lambda d: d["credentialSubject"].update(familyName="a\ud800b"), "invalid_jsonld"),
    ],
)
def test_safe_mode_refuses_on_the_native_path_too(change: Any, code: str) -> None:
    document = copy.deepcopy(corpus.unsigned())
    change(document)
    assert canonicalize_with("auto", document, LOADER)[0] == f"error {code}"


def test_the_setting_forces_pyld_and_the_hook_hears_every_canonicalization() -> None:
    told: list[tuple[str, str]] = []
    document = corpus.unsigned()
    configure_canonicalization("pyld", lambda *call: told.append(call))
    try:
        forced = canonicalize(document, bundled_document_loader())
        configure_canonicalization("auto", lambda *call: told.append(call))
        native = canonicalize(document, bundled_document_loader())
    finally:
        configure_canonicalization()
    assert forced == native
    assert told == [("pyld", "forced"), ("native", "proven")]
    with pytest.raises(ValueError, match="canonicalization must be one of"):
        configure_canonicalization("rust")  # type: ignore[arg-type]


def test_lines_are_sorted_by_utf16_code_units_as_rdf_canonize_sorts_them() -> None:
    # U+FEFF sorts after U+1F393 by code point, before it by UTF-16 code units (0xD83C...)
    document = _with_extra(label=["\ufeff", "🎓"])
    for mode in ("auto", "pyld"):
        nquads, _ = canonicalize_with(mode, document, LOADER)
        labels = [line for line in nquads.splitlines() if "vocab#label" in line]
        assert labels == [f'{labels[0][: labels[0].index(chr(34))]}"🎓" .', labels[1]]
        assert "\ufeff" in labels[1]


class _CountingLoader:
    """The bundled loader, counting its calls; not weak-referenceable, so pyld resolves the
    contexts anew for every expansion (verifier.jsonld keeps no resolved-context cache)."""

    __slots__ = ("calls", "inner")

    def __init__(self) -> None:
        self.calls = 0
        self.inner = bundled_document_loader()

    def __call__(self, url: str, options: Any = None, /) -> Any:
        self.calls += 1
        return self.inner(url, options)


def test_the_expansion_canonicalize_made_is_reused_and_handed_out_as_a_copy() -> None:
    loader = _CountingLoader()
    document = corpus.unsigned()
    configure_canonicalization()
    canonicalize(document, loader)
    once = loader.calls
    assert once > 0
    first = expand(document, loader)  # the completeness check expands the same document
    assert loader.calls == once
    first[0].clear()
    assert expand(document, loader)[0]  # a copy: the caller's change is not remembered
    assert loader.calls == once
