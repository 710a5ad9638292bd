"""verifier.jsonld: bundled contexts, offline loading, safe mode, canonical N-Quads that match
Digital Bazaar's jsonld.js 9 / rdf-canonize 5 byte for byte (fixtures made by
tests/fixtures/generate_fixtures.mjs)."""

from __future__ import annotations

import copy
import hashlib
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from verifier import JsonLdError, bundled_document_loader, canonicalize, expand
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    MICROCRED_CONTEXT_FILE,
    DocumentLoader,
    RemoteDocument,
)

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES = {EXAMPLES_V2: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
FIXTURES = Path(__file__).parent.parent / "fixtures" / "jsonld"
JS_CASES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "jsonld-js-canonicalization.json").read_text("utf-8")
)

# jsonld.js safe-mode event (or error) -> the code we refuse the same document with
JS_REFUSALS = {
    "invalid property": "undefined_term",
    "relative @type reference": "undefined_term",
    "relative @id reference": "relative_iri",
    "relative object reference": "relative_iri",
    "invalid @language value": "invalid_jsonld",
    "null @value value": "invalid_jsonld",
    "object with only @id": "invalid_jsonld",
    "blank node predicate": "invalid_jsonld",
    "reserved term": "reserved_term",
    "loading remote context failed": "unknown_context",
    "protected term redefinition": "invalid_jsonld",
    "Maximum deep iterations exceeded (5).": "canonicalization_limit",
}


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_document_loader(EXAMPLES)


def credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "id": "urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Alice"},
        **extra,
    }


# --- bundled contexts and the loader --------------------------------------------------------


def test_bundled_contexts_are_the_pinned_bytes() -> None:
    folder = files("verifier").joinpath("contexts")
    for url, bundled in BUNDLED_CONTEXTS.items():
        data = folder.joinpath(bundled.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == bundled.sha256, url
        assert "@context" in json.loads(data)


def test_loader_serves_every_bundled_context_and_extra_documents() -> None:
    load = bundled_document_loader({"https://example.org/ctx": {"@context": {"a": "urn:a"}}})
    for url in BUNDLED_CONTEXTS:
        remote = load(url)
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]
    assert load("https://example.org/ctx")["document"] == {"@context": {"a": "urn:a"}}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/unknown/v1",
        "https://www.w3.org/ns/credentials/v2/",
        "https://www.w3.org/ns/credentials/examples/v2",
        "file:///etc/passwd",
    ],
)
def test_loader_refuses_anything_else_without_the_network(url: str) -> None:
    with pytest.raises(JsonLdError) as info:
        bundled_document_loader()(url)
    assert info.value.code == "unknown_context"
    assert info.value.title == "Unknown JSON-LD context"


def test_unknown_context_in_a_document_is_unknown_context(loader: DocumentLoader) -> None:
    document = credential(**{"@context": [V2, "https://example.org/unknown/v1"]})
    with pytest.raises(JsonLdError) as info:
        canonicalize(document, loader)
    assert info.value.code == "unknown_context"
    assert "https://example.org/unknown/v1" in info.value.detail


def test_microcred_context_is_served_for_every_deployment() -> None:
    mine = files("verifier").joinpath("contexts", MICROCRED_CONTEXT_FILE)
    if not mine.is_file():
        pytest.skip("the microcred context is not written yet")
    load = bundled_document_loader()
    expected = json.loads(mine.read_bytes())
    for url in (
        "https://microcred.example/contexts/microcred/v1",
        "http://localhost:8000/contexts/microcred/v1",
        "https://school.example:8443/contexts/microcred/v1",
    ):
        assert load(url)["document"] == expected
    for url in (
        "https://microcred.example/contexts/microcred/v2",
        "https://microcred.example/base/contexts/microcred/v1",
        "https://microcred.example/contexts/microcred/v1?x=1",
        "ftp://microcred.example/contexts/microcred/v1",
        "/contexts/microcred/v1",
    ):
        with pytest.raises(JsonLdError):
            load(url)


class CountingLoader:
    def __init__(self) -> None:
        self.inner = bundled_document_loader()
        self.calls: list[str] = []

    def __call__(self, url: str, options: Any = None, /) -> RemoteDocument:
        self.calls.append(url)
        return self.inner(url, options)


def test_contexts_are_loaded_once_then_served_from_the_resolved_cache() -> None:
    counting = CountingLoader()
    document = credential(proof={"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"})
    first = canonicalize(document, counting)
    assert counting.calls == [V2]
    for _ in range(3):
        assert canonicalize(document, counting) == first
    assert counting.calls == [V2]


def test_processing_changes_neither_the_input_nor_the_bundled_contexts(
    loader: DocumentLoader,
) -> None:
    document = credential(credentialSubject=[{"name": "x"}, {"name": "y"}])
    before = copy.deepcopy(document)
    canonicalize(document, loader)
    expand(document, loader)
    assert document == before
    for url, bundled in BUNDLED_CONTEXTS.items():
        pristine = json.loads(files("verifier").joinpath("contexts", bundled.filename).read_bytes())
        assert loader(url)["document"] == pristine


# --- canonical N-Quads: jsonld.js parity ----------------------------------------------------


@pytest.mark.parametrize("case", JS_CASES, ids=[case["name"] for case in JS_CASES])
def test_same_canonical_nquads_or_same_refusal_as_jsonld_js(
    case: dict[str, Any], loader: DocumentLoader
) -> None:
    if "nquads" in case:
        assert canonicalize(case["document"], loader) == case["nquads"]
    else:
        with pytest.raises(JsonLdError) as info:
            canonicalize(case["document"], loader)
        assert info.value.code == JS_REFUSALS[case["jsError"]]


def test_literal_escapes_are_rdfc_1_0_canonical(loader: DocumentLoader) -> None:
    name = 'tab\t bs\b ff\f nul\x00 us\x1f del\x7f quote" backslash\\ lf\n cr\r é \u2028'
    nquads = canonicalize(credential(credentialSubject={"id": "did:ex:s", "name": name}), loader)
    line = next(q for q in nquads.split("\n") if q.startswith("<did:ex:s>"))
    assert line == (
        '<did:ex:s> <https://schema.org/name> "tab\\t bs\\b ff\\f nul\\u0000 us\\u001F '
        'del\\u007F quote\\" backslash\\\\ lf\\n cr\\r é \u2028" .'
    )


def test_iri_characters_are_escaped_like_rdf_canonize(loader: DocumentLoader) -> None:
    nquads = canonicalize(credential(id="urn:x:a^b|c{d}"), loader)
    assert "<urn:x:a\\u005Eb\\u007Cc\\u007Bd\\u007D>" in nquads


def test_a_spec_document_canonicalizes_to_the_w3c_vector(loader: DocumentLoader) -> None:
    # Data Integrity EdDSA Cryptosuites v1.0, appendix A.1: the "Alice" alumni credential.
    alumni = next(c for c in JS_CASES if c["name"] == "spec-alumni-credential")["document"]
    digest = hashlib.sha256(canonicalize(alumni, loader).encode()).hexdigest()
    assert digest == "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"


# --- safe mode ------------------------------------------------------------------------------


def refusal(document: dict[str, Any], loader: DocumentLoader) -> JsonLdError:
    with pytest.raises(JsonLdError) as info:
        canonicalize(document, loader)
    with pytest.raises(JsonLdError) as again:
        expand(document, loader)
    assert again.value.code == info.value.code
    return info.value


def test_undefined_top_level_term_is_refused(loader: DocumentLoader) -> None:
    error = refusal(credential(undefinedTerm="dropped by pyld"), loader)
    assert (error.code, error.title) == ("undefined_term", "Undefined JSON-LD term")
    assert "undefinedTerm" in error.detail


def test_undefined_nested_term_is_refused(loader: DocumentLoader) -> None:
    subject = {"id": "did:ex:s", "achievement": [{"name": "x", "gpa": "3.9"}]}
    error = refusal(credential(credentialSubject=subject), loader)
    assert error.code == "undefined_term"
    assert "achievement" in error.detail
    error = refusal(
        credential(
            **{"@context": [V2, {"achievement": "https://example.org/achievement"}]},
            credentialSubject=subject,
        ),
        loader,
    )
    assert (error.code, "gpa" in error.detail) == ("undefined_term", True)


def test_undefined_type_is_refused(loader: DocumentLoader) -> None:
    error = refusal(credential(type=["VerifiableCredential", "UndefinedCredential"]), loader)
    assert error.code == "undefined_term"
    assert "UndefinedCredential" in error.detail


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"id": "credentials/1"}, "credentials/1"),
        ({"issuer": "issuers/1"}, "issuers/1"),
        ({"credentialSubject": {"id": "../learner", "name": "x"}}, "../learner"),
    ],
)
def test_relative_ids_are_refused_not_resolved(
    changes: dict[str, Any], needle: str, loader: DocumentLoader
) -> None:
    error = refusal(credential(**changes), loader)
    assert error.code == "relative_iri"
    assert needle in error.detail


def test_a_vocab_context_defines_terms_and_types(loader: DocumentLoader) -> None:
    document = credential(
        **{"@context": [V2, {"@vocab": "https://example.org/vocab#"}]},
        type=["VerifiableCredential", "LocalType"],
        credentialSubject={"id": "did:ex:s", "localTerm": {"nested": "yes"}},
    )
    nquads = canonicalize(document, loader)
    assert "<https://example.org/vocab#LocalType>" in nquads
    assert '<https://example.org/vocab#nested> "yes"' in nquads


def test_json_literal_content_is_data_not_terms(loader: DocumentLoader) -> None:
    document = credential(
        **{"@context": [V2, {"claims": {"@id": "https://example.org/claims", "@type": "@json"}}]},
        credentialSubject={"id": "did:ex:s", "claims": {"undefined": ["@id", "rel/ative"], "a": 1}},
    )
    nquads = canonicalize(document, loader)
    assert (
        '<did:ex:s> <https://example.org/claims> "{\\"a\\":1,\\"undefined\\":[\\"@id\\",'
        '\\"rel/ative\\"]}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .'
    ) in nquads


def test_language_maps_and_direction(loader: DocumentLoader) -> None:
    title = {"@id": "http://purl.org/dc/terms/title", "@container": "@language"}
    document = credential(
        **{"@context": [V2, {"title": title}]},
        credentialSubject={"id": "did:ex:s", "title": {"en": "Welding", "sl": "Varjenje"}},
        name={"@value": "Zavarivanje", "@language": "sr-Latn", "@direction": "ltr"},
    )
    nquads = canonicalize(document, loader)
    assert '<did:ex:s> <http://purl.org/dc/terms/title> "Varjenje"@sl .' in nquads
    assert '"Zavarivanje"^^<https://www.w3.org/ns/i18n#sr-latn_ltr>' in nquads
    error = refusal(
        credential(
            **{"@context": [V2, {"title": title}]},
            credentialSubject={"id": "did:ex:s", "title": {"en": {"nested": "object"}}},
        ),
        loader,
    )
    assert error.code == "invalid_jsonld"


def test_invalid_language_tag_and_reserved_terms_are_refused(loader: DocumentLoader) -> None:
    error = refusal(credential(name={"@value": "x", "@language": "en_US"}), loader)
    assert error.code == "invalid_jsonld"
    error = refusal(credential(**{"@context": [V2, {"@future": "urn:x"}]}), loader)
    assert error.code == "reserved_term"
    error = refusal(credential(**{"@context": [V2, {"nickname": {"@id": "@future"}}]}), loader)
    assert error.code == "reserved_term"


def test_protected_term_redefinition_is_invalid_jsonld(loader: DocumentLoader) -> None:
    error = refusal(credential(**{"@context": [V2, {"name": "urn:x:name"}]}), loader)
    assert error.code == "invalid_jsonld"
    assert "protected term redefinition" in error.detail


def test_expand_gives_the_expanded_form(loader: DocumentLoader) -> None:
    [node] = expand(credential(), loader)
    assert node["@id"] == "urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    assert node["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential"]
    assert node["https://www.w3.org/2018/credentials#issuer"] == [{"@id": "did:example:issuer"}]


def test_non_object_documents_are_invalid(loader: DocumentLoader) -> None:
    with pytest.raises(JsonLdError) as info:
        canonicalize([credential()], loader)  # type: ignore[arg-type]
    assert info.value.code == "invalid_jsonld"
    with pytest.raises(JsonLdError) as info:
        canonicalize(credential(name="lone \ud800 surrogate"), loader)
    assert info.value.code == "invalid_jsonld"
