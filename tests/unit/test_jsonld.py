"""verifier.jsonld: bundled contexts, offline loading, safe mode, canonical N-Quads that match
Digital Bazaar's jsonld.js 9 / rdf-canonize 5 byte for byte (fixtures made by
tests/fixtures/generate_fixtures.mjs)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from verifier import (
    JsonLdError,
    bundled_document_loader,
    canonicalize,
    digest_cache,
    expand,
    load_context_directory,
)
from verifier.jsonld import (
    BUNDLED_CONTEXTS,
    CONTEXT_INDEX,
    MICROCRED_CONTEXT_FILE,
    MICROCRED_CONTEXT_URL,
    DocumentLoader,
    RemoteDocument,
    bundled_context_bytes,
)

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES = {EXAMPLES_V2: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
FIXTURES = Path(__file__).parent.parent / "fixtures" / "jsonld"
# SHA-256 of the JSON (sorted keys, no white space) of @digitalbazaar/credentials-context
# 3.2.0's contexts/v2.jsonld, whose bytes are 8a9f494a...1236f.
NPM_V2_JSON_DIGEST = "b463c8d6a066214123ddd9827b135e1b50e1fc73322cc52a9b12a4f1fc7d86cf"
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
        "https://www.w3.org/ns/credentials/examples/v3",
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


def test_microcred_context_is_bundled_at_its_permanent_url_only() -> None:
    mine = files("verifier").joinpath("contexts", MICROCRED_CONTEXT_FILE)
    expected = json.loads(mine.read_bytes())
    load = bundled_document_loader()
    assert MICROCRED_CONTEXT_URL == "https://w3id.org/microcred/v1"
    assert load(MICROCRED_CONTEXT_URL)["document"] == expected
    assert bundled_context_bytes(MICROCRED_CONTEXT_URL) == mine.read_bytes()
    # A deployment's path on any host is no longer ours: Digital Bazaar refuses it too.
    for url in (
        "https://contexts.evil.example/contexts/microcred/v1",
        "https://microcred.example/contexts/microcred/v1",
        "http://localhost:8000/contexts/microcred/v1",
        "https://w3id.org/microcred/v1/",
        "http://w3id.org/microcred/v1",
    ):
        with pytest.raises(JsonLdError) as info:
            load(url)
        assert info.value.code == "unknown_context"
    # ... unless a deployment gives its own old URL to its loader.
    own = "https://school.example/contexts/microcred/v1"
    assert bundled_document_loader({own: expected})(own)["document"] == expected


def test_the_vc_v2_context_is_the_w3c_bytes_with_the_specification_digest() -> None:
    # VC Data Model 2.0 lists this SHA-256 for https://www.w3.org/ns/credentials/v2.
    data = bundled_context_bytes("https://www.w3.org/ns/credentials/v2")
    assert hashlib.sha256(data).hexdigest() == (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    )
    # The same JSON as Digital Bazaar's npm copy (other white space, SHA-256 8a9f494a...):
    # the same processed context, so no signature changes (the canonicalization fixtures of
    # jsonld.js below still match byte for byte).
    assert digest_cache.json_digest(json.loads(data)).hex() == NPM_V2_JSON_DIGEST


def test_the_w3c_contexts_are_the_shared_copies(reference_data: Callable[[str], Path]) -> None:
    folder = reference_data("contexts")
    for url, name in (
        ("https://www.w3.org/ns/credentials/v2", "credentials-v2.jsonld"),
        ("https://www.w3.org/ns/credentials/examples/v2", "credentials-examples-v2.jsonld"),
        ("https://www.w3.org/ns/credentials/undefined-terms/v2",
         "credentials-undefined-terms-v2.jsonld"),
    ):  # fmt: skip
        assert bundled_context_bytes(url) == (folder / name).read_bytes(), url


def test_the_examples_context_expands_the_w3c_suites_terms() -> None:
    document = credential(
        **{"@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"], "nickname": "A"}
    )
    expanded = expand(document, bundled_document_loader())
    assert "https://www.w3.org/ns/credentials/examples#nickname" in expanded[0]
    with pytest.raises(JsonLdError) as info:
        expand(credential(nickname="A"), bundled_document_loader())
    assert info.value.code == "undefined_term"


def _context_dir(tmp_path: Path, files_: dict[str, bytes], index: Any) -> Path:
    for name, data in files_.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / CONTEXT_INDEX).write_text(json.dumps(index), encoding="utf-8")
    return tmp_path


def test_an_operators_context_directory_is_loaded_when_its_pins_match(tmp_path: Path) -> None:
    data = json.dumps({"@context": {"nickname": "https://example.org/vocab#nickname"}}).encode()
    url = "https://example.org/contexts/nickname/v1"
    entry = {"file": "nickname.jsonld", "sha256": hashlib.sha256(data).hexdigest()}
    folder = _context_dir(tmp_path, {"nickname.jsonld": data}, {url: entry})
    documents = load_context_directory(folder)
    assert documents == {url: json.loads(data)}
    document = credential(**{"@context": [V2, url], "nickname": "A"})
    expanded = expand(document, bundled_document_loader(documents))
    assert "https://example.org/vocab#nickname" in expanded[0]
    with pytest.raises(JsonLdError, match="unknown_context"):
        expand(document, bundled_document_loader())


@pytest.mark.parametrize(
    ("index", "files_", "code", "reason"),
    [
        ({"https://x.example/c": {"file": "c.jsonld", "sha256": "0" * 64}},
         {"c.jsonld": b'{"@context": {}}'}, "context_digest_mismatch", "not the pinned"),
        ({"https://x.example/c": {"file": "../c.jsonld", "sha256": "0" * 64}}, {},
         "context_directory_invalid", "not a plain file name"),
        ({"https://x.example/c": {"file": "gone.jsonld", "sha256": "0" * 64}}, {},
         "context_directory_invalid", "cannot read gone.jsonld"),
        ({"https://x.example/c": {"file": "c.jsonld", "sha256": "XYZ"}}, {},
         "context_directory_invalid", "64 lower-case hex"),
        ({"https://x.example/c": {"file": "c.jsonld"}}, {},
         "context_directory_invalid", "the entry must be"),
        ({"relative/c": {"file": "c.jsonld", "sha256": "0" * 64}}, {},
         "context_directory_invalid", "not an absolute http(s) URL"),
        ({"https://www.w3.org/ns/credentials/v2": {"file": "c.jsonld", "sha256": "0" * 64}},
         {}, "context_directory_invalid", "cannot be replaced"),
        (["https://x.example/c"], {}, "context_directory_invalid", "must map context URLs"),
    ],
)  # fmt: skip
def test_a_context_directory_that_does_not_match_its_pins_is_refused(
    tmp_path: Path, index: Any, files_: dict[str, bytes], code: str, reason: str
) -> None:
    with pytest.raises(JsonLdError) as info:
        load_context_directory(_context_dir(tmp_path, files_, index))
    assert info.value.code == code
    assert reason in info.value.detail


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "is not JSON"),
        (b'{"a": 1}', "no @context"),
        (b" " * ((1 << 20) + 1), "larger"),
    ],
)
def test_a_pinned_file_must_be_a_small_context(tmp_path: Path, data: bytes, reason: str) -> None:
    entry = {"file": "c.jsonld", "sha256": hashlib.sha256(data).hexdigest()}
    folder = _context_dir(tmp_path, {"c.jsonld": data}, {"https://x.example/c": entry})
    with pytest.raises(JsonLdError, match=reason):
        load_context_directory(folder)


def test_a_context_directory_without_a_readable_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JsonLdError, match=r"cannot read index\.json"):
        load_context_directory(tmp_path)
    (tmp_path / CONTEXT_INDEX).write_text("{", encoding="utf-8")
    with pytest.raises(JsonLdError, match=r"index\.json is not JSON"):
        load_context_directory(tmp_path)


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
