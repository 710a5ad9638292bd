"""Offline JSON-LD processing for Data Integrity: bundled contexts, expansion in safe mode,
and RDF Dataset Canonicalization (RDFC-1.0) to canonical N-Quads.

- JSON-LD 1.1 Processing Algorithms and API (W3C Recommendation), section 9.4.1
  ("LoadDocumentCallback"): the document loader serves the contexts bundled in
  ``verifier/contexts/`` (checked against their SHA-256; ``verifier/contexts/README`` names
  their sources and licences), the documents its caller adds (an operator's hash-pinned
  directory, :func:`load_context_directory`), and never touches the network.
- JSON-LD expansion and "Deserialize JSON-LD to RDF" (sections 5.1 and 6.1) are pyld's,
  called as VC Data Integrity 1.0, section 4.2 requires: no base IRI, ``rdfDirection`` =
  ``i18n-datatype``, and **safe mode** (Data Integrity 1.0, section 2.4.1; jsonld.js ``safe``):
  a term, a type or a value that expansion would silently drop, a relative IRI, a reserved
  term, an invalid language tag or a blank-node predicate is an error, never a smaller
  signed graph.
- RDF Dataset Canonicalization 1.0 (W3C Recommendation): the labelling is pyld's URDNA2015;
  the N-Quads serialization is ours, because pyld 3.3 escapes literals differently from the
  canonical N-Quads form (RDF 1.1 N-Quads, section 2.4.1 ``ECHAR``/``UCHAR``; RDFC-1.0,
  section 4.1): ``\\b``, ``\\f`` and the other C0 controls and U+007F, and the characters
  of IRIs. We match Digital Bazaar's rdf-canonize 5 byte for byte, including in the hashes
  that label blank nodes, and we keep its work limit (``maxWorkFactor`` 1) against
  poisoned graphs.
- Expansion by shape (:mod:`verifier.shapes`): a document whose shape (the document with its
  values cut out) was seen before is expanded, and turned into RDF, from the template pyld's
  safe-mode expansion of that shape made, by putting its values back.
- Two implementations of RDFC-1.0 give the same bytes (:func:`canonicalize`): pyoxigraph's
  (Rust) on the RDF of the safe-mode expansion, for every document it is proven on, and
  pyld's (above) for the rest; ``configure_canonicalization`` forces pyld and sets the callback told
  which ran. Lines are sorted by UTF-16 code units, as rdf-canonize sorts them.
- Hostile input never escapes as anything but :class:`JsonLdError`: besides its own
  ``JsonLdError``, pyld 3.3 fails on some invalid contexts with ``KeyError`` (``{"@vocab":
  null}``, ``{"@language": null}``, ``{"@direction": null}``), ``ValueError`` (an
  ``@import`` or IRI it cannot resolve without a base), ``TypeError``, ``AttributeError``
  or ``IndexError`` (a keyword given a value of the wrong JSON type), ``RecursionError`` and
  its warnings; each becomes ``invalid_jsonld`` (:data:`_PROCESSOR_FAILURES`).

Resolved contexts are cached per document loader and per thread, so a bundled context is
parsed and processed once, not on every call; recent expansions by pyld are remembered by the
digest of the document (:data:`_EXPANSIONS`), so the completeness check reuses the one the
proof's canonicalization made; templates by shape, in :data:`_TEMPLATES`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import pyoxigraph
from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from verifier.digest_cache import DigestCache
from verifier.errors import JsonLdError, VerifierError
from verifier.shapes import ShapeTemplates, context_terms, shape_of

__all__ = [
    "BUNDLED_CONTEXTS",
    "CANONICALIZATION_MODES",
    "CONTEXT_INDEX",
    "MICROCRED_CONTEXT_FILE",
    "MICROCRED_CONTEXT_PATH",
    "MICROCRED_CONTEXT_URL",
    "MICROCRED_EDC_CONTEXT_URL",
    "BundledContext",
    "DocumentLoader",
    "bundled_context_bytes",
    "bundled_document_loader",
    "canonicalize",
    "check_expands",
    "configure_canonicalization",
    "expand",
    "load_context_directory",
]

RemoteDocument = dict[str, Any]


class DocumentLoader(Protocol):
    """pyld's document loader: ``loader(url, options) -> {"document": ..., ...}``.

    JSON-LD 1.1 API, section 9.4.1 (``LoadDocumentCallback``) and 9.4.2 (``RemoteDocument``).
    """

    def __call__(self, url: str, options: Mapping[str, Any] | None = None, /) -> RemoteDocument:
        """Return the remote document for ``url`` or raise."""
        ...


@dataclass(frozen=True)
class BundledContext:
    """A context file shipped in ``verifier/contexts/`` and the SHA-256 of its bytes."""

    filename: str
    sha256: str


#: Every context the verifier knows, by URL. The W3C-published bytes of the VC 2.0 context
#: (SHA-256 as the VC 2.0 specification lists it; the same JSON as Digital Bazaar's npm copy,
#: other white space), its examples and undefined-terms contexts (W3C VC Data Model
#: repository); the npm context packages of Digital Bazaar for the rest
#: (@digitalbazaar/credentials-context 3.2.0 for VC 1.1, @digitalbazaar/data-integrity-context
#: 2.0.1, @digitalbazaar/multikey-context 2.0.1, did-context 3.1.1,
#: @digitalbazaar/vc-bitstring-status-list-context 1.1.0, @digitalbazaar/vc-status-list-context
#: 3.1.1); and microcred's own context at its permanent URL.
BUNDLED_CONTEXTS: Mapping[str, BundledContext] = {
    "https://www.w3.org/ns/credentials/v2": BundledContext(
        "credentials-v2.jsonld",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    ),
    "https://www.w3.org/ns/credentials/examples/v2": BundledContext(
        "credentials-examples-v2.jsonld",
        "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    ),
    "https://www.w3.org/ns/credentials/undefined-terms/v2": BundledContext(
        "credentials-undefined-terms-v2.jsonld",
        "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581",
    ),
    "https://www.w3.org/2018/credentials/v1": BundledContext(
        "credentials-v1.jsonld",
        "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    ),
    "https://w3id.org/security/data-integrity/v2": BundledContext(
        "data-integrity-v2.jsonld",
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    ),
    "https://w3id.org/security/data-integrity/v1": BundledContext(
        "data-integrity-v1.jsonld",
        "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    ),
    "https://w3id.org/security/multikey/v1": BundledContext(
        "multikey-v1.jsonld",
        "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    ),
    "https://www.w3.org/ns/did/v1": BundledContext(
        "did-v1.jsonld",
        "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    ),
    "https://www.w3.org/ns/credentials/status/v1": BundledContext(
        "bitstring-status-list-v1.jsonld",
        "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c",
    ),
    "https://w3id.org/vc/status-list/2021/v1": BundledContext(
        "status-list-2021-v1.jsonld",
        "634d71c159289f068c96012e4511c657fdf82ac4231900081bda3ba24e2e1160",
    ),
    "https://w3id.org/microcred/v1": BundledContext(
        "microcred-v1.jsonld",
        "4a5c01b39bad53a8cba62e876023420d35520743e12ed272698bac101f7adc67",
    ),
    "https://w3id.org/microcred/edc/v1": BundledContext(
        "microcred-edc-v1.jsonld",
        "d9498abe5148f16f1616c3d62603de0bc5a3b5da4dd29fefff10352dc3db3b38",
    ),
}

#: microcred's context has one permanent URL, the same for every deployment: a w3id.org
#: permanent identifier (the W3C Permanent Identifier Community Group's redirect service),
#: whose redirect points at the published file. The verifier serves its bundled copy for
#: exactly this URL and never fetches it.
MICROCRED_CONTEXT_URL = "https://w3id.org/microcred/v1"
#: Where every deployment also serves the same bytes (``<base-url>/contexts/microcred/v1``):
#: the context URL of the credentials issued before the permanent one. A deployment's loader
#: gets its own such URL as an extra document, so what it issued keeps verifying; the same
#: path on any other host is an unknown context.
MICROCRED_CONTEXT_PATH = "/contexts/microcred/v1"
MICROCRED_CONTEXT_FILE = "microcred-v1.jsonld"
#: The terms the EDC profile adds (display parameter, page image, SHACL schema reference):
#: a second permanent context, so the v1 context stays frozen.
MICROCRED_EDC_CONTEXT_URL = "https://w3id.org/microcred/edc/v1"
#: The index file of an operator's directory of contexts (:func:`load_context_directory`).
CONTEXT_INDEX = "index.json"

# pyld's resolved-context cache size (pyld.jsonld.RESOLVED_CONTEXT_CACHE_MAX_SIZE).
_RESOLVED_CONTEXT_CACHE_SIZE = 100
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_CONTEXT_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MAX_CONTEXT_BYTES = 1_048_576


# --- Document loading -----------------------------------------------------------------------


def _context_bytes(filename: str) -> bytes | None:
    resource = files("verifier").joinpath("contexts", filename)
    return resource.read_bytes() if resource.is_file() else None


def bundled_context_bytes(url: str) -> bytes:
    """The bytes of the bundled context at ``url`` (to serve them, e.g. microcred's own),
    checked against their SHA-256. Raises :class:`JsonLdError` ``unknown_context`` for a URL
    that is not bundled, ``context_digest_mismatch`` for an altered file."""
    bundled = BUNDLED_CONTEXTS.get(url)
    if bundled is None:
        raise JsonLdError("unknown_context", f"no bundled JSON-LD context for {url!r}")
    data = _context_bytes(bundled.filename)
    if data is None or hashlib.sha256(data).hexdigest() != bundled.sha256:
        raise JsonLdError(
            "context_digest_mismatch",
            f"{bundled.filename} is missing or not the SHA-256 {bundled.sha256}",
        )
    return data


@cache
def _bundled_documents() -> Mapping[str, Any]:
    """Parse and check every bundled context once per process."""
    return {url: json.loads(bundled_context_bytes(url)) for url in BUNDLED_CONTEXTS}


def load_context_directory(directory: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The contexts of an operator's directory, by URL, each checked against its SHA-256.

    The directory holds :data:`CONTEXT_INDEX` (``index.json``), a JSON object mapping each
    context URL to ``{"file": "<name in the directory>", "sha256": "<hex digest of the
    file's bytes>"}``, and the files. A URL is an absolute ``https`` (or ``http``) URL that
    no bundled context has (a bundled context is never replaced); a file is a plain name in
    the directory holding a JSON object with ``@context``, at most 1 MiB. Raises
    :class:`JsonLdError` ``context_directory_invalid`` (naming the entry and what is wrong)
    or ``context_digest_mismatch`` (naming the file, the pinned and the actual digest).
    """
    root = Path(directory)
    index_path = root / CONTEXT_INDEX

    def invalid(detail: str) -> JsonLdError:
        return JsonLdError("context_directory_invalid", f"{root}: {detail}")

    try:
        index = json.loads(index_path.read_bytes())
    except OSError as exc:
        raise invalid(f"cannot read {CONTEXT_INDEX}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise invalid(f"{CONTEXT_INDEX} is not JSON: {exc}") from exc
    if not isinstance(index, dict):
        raise invalid(f"{CONTEXT_INDEX} must map context URLs to {{file, sha256}}")
    documents: dict[str, dict[str, Any]] = {}
    for url, entry in index.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise invalid(f"{url!r} is not an absolute http(s) URL")
        if url in BUNDLED_CONTEXTS:
            raise invalid(f"{url} is a bundled context and cannot be replaced")
        if not isinstance(entry, dict) or set(entry) != {"file", "sha256"}:
            raise invalid(f'{url}: the entry must be {{"file": ..., "sha256": ...}}')
        name, pinned = entry["file"], entry["sha256"]
        if not isinstance(name, str) or not _CONTEXT_FILE_NAME.match(name):
            raise invalid(f"{url}: file {name!r} is not a plain file name in the directory")
        if not isinstance(pinned, str) or not _SHA256_HEX.match(pinned):
            raise invalid(f"{url}: sha256 must be 64 lower-case hex digits")
        try:
            with (root / name).open("rb") as handle:
                data = handle.read(_MAX_CONTEXT_BYTES + 1)
        except OSError as exc:
            raise invalid(f"{url}: cannot read {name}: {exc.strerror or exc}") from exc
        if len(data) > _MAX_CONTEXT_BYTES:
            raise invalid(f"{url}: {name} is larger than {_MAX_CONTEXT_BYTES} bytes")
        actual = hashlib.sha256(data).hexdigest()
        if actual != pinned:
            raise JsonLdError(
                "context_digest_mismatch",
                f"{root / name} (for {url}) has the SHA-256 {actual}, not the pinned {pinned}",
            )
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise invalid(f"{url}: {name} is not JSON: {exc}") from exc
        if not isinstance(document, dict) or "@context" not in document:
            raise invalid(f"{url}: {name} is not a JSON-LD context (no @context)")
        documents[url] = document
    return documents


class _BundledDocumentLoader:
    """Serves bundled contexts and ``extra`` documents; anything else is an error."""

    def __init__(self, extra: Mapping[str, Mapping[str, Any]]) -> None:
        self._extra = {url: copy.deepcopy(dict(doc)) for url, doc in extra.items()}
        self._terms: frozenset[str] | None = None

    @property
    def terms(self) -> frozenset[str]:
        """Every term of every context this loader serves (:func:`~verifier.shapes.context_terms`)
        and more: the strings a shape keeps whole."""
        if self._terms is None:
            self._terms = context_terms([*_bundled_documents().values(), *self._extra.values()])
        return self._terms

    def __call__(self, url: str, options: Mapping[str, Any] | None = None, /) -> RemoteDocument:
        document = _bundled_documents().get(url)
        if document is None:
            document = self._extra.get(url)
        if document is None:
            raise JsonLdError("unknown_context", f"no bundled JSON-LD context for {url!r}")
        # The "static" tag lets pyld keep the processed context in its shared cache
        # (pyld.context_resolver); the copy keeps pyld from ever altering our parsed original.
        # With the cache, this runs once per URL and thread, not once per document.
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
            "tag": "static",
        }


def bundled_document_loader(
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> DocumentLoader:
    """The offline document loader (JSON-LD 1.1 API, section 9.4.1): bundled contexts only.

    Serves :data:`BUNDLED_CONTEXTS` (each checked against its SHA-256 on first use; microcred's
    context at :data:`MICROCRED_CONTEXT_URL` only) and the documents in ``extra`` (URL -> JSON
    document: a deployment's own old context URL, an operator's :func:`load_context_directory`;
    they never replace a bundled context). Any other URL raises :class:`JsonLdError`
    ``unknown_context``; the network is never used.
    """
    return _BundledDocumentLoader(extra or {})


# Per loader and per thread (cachetools' LRUCache is not thread-safe), pyld's cache of
# resolved contexts; it only holds documents the loader tagged "static".
_resolver_caches: weakref.WeakKeyDictionary[Any, threading.local] = weakref.WeakKeyDictionary()


def _resolver_cache(loader: DocumentLoader) -> Any:
    """pyld's LRU cache of resolved contexts for ``loader`` in this thread."""
    try:
        local = _resolver_caches.get(loader)
        if local is None:
            local = _resolver_caches.setdefault(loader, threading.local())
    except TypeError:  # not weak-referenceable: a cache for this call only
        return pyld_jsonld.LRUCache(maxsize=_RESOLVED_CONTEXT_CACHE_SIZE)
    resolved = getattr(local, "cache", None)
    if resolved is None:
        resolved = local.cache = pyld_jsonld.LRUCache(maxsize=_RESOLVED_CONTEXT_CACHE_SIZE)
    return resolved


# --- Safe mode ------------------------------------------------------------------------------

# jsonld.js's absolute-IRI test (lib/url.js ``isAbsolute``), character class included, with
# JavaScript's and Python's whitespace both excluded: an IRI that either library would treat
# as relative is refused rather than signed differently.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s\ufeff]*$")
_BCP47 = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_KEYWORD_FORM = re.compile(r"^@[a-zA-Z]+$")
_KEYWORDS = frozenset(pyld_jsonld.KEYWORDS)


def _is_absolute_iri(value: object) -> bool:
    return isinstance(value, str) and _ABSOLUTE_IRI.match(value) is not None


def _is_reserved(value: object) -> bool:
    return isinstance(value, str) and value not in _KEYWORDS and bool(_KEYWORD_FORM.match(value))


def _check_local_contexts(element: Any) -> None:
    """Refuse reserved terms (``@foo``) in embedded contexts; pyld would only warn."""
    if isinstance(element, list):
        for item in element:
            _check_local_contexts(item)
    elif isinstance(element, dict):
        for key, value in element.items():
            if key == "@context":
                _check_context_definition(value)
            else:
                _check_local_contexts(value)


def _check_context_definition(context: Any) -> None:
    if isinstance(context, list):
        for item in context:
            _check_context_definition(item)
        return
    if not isinstance(context, dict):
        return  # a URL: a bundled context, or unknown and refused by the loader
    for term, definition in context.items():
        if _is_reserved(term) or _is_reserved(definition):
            raise JsonLdError("reserved_term", f"{term!r} is reserved for future JSON-LD use")
        if isinstance(definition, dict):
            for key in ("@id", "@reverse"):
                if _is_reserved(definition.get(key)):
                    raise JsonLdError("reserved_term", f"{term!r} maps to a reserved keyword")
            if "@context" in definition:
                _check_context_definition(definition["@context"])


def _check_expanded(element: Any) -> None:
    """Refuse what expansion kept but RDF conversion would drop or mangle (safe mode)."""
    if isinstance(element, list):
        for item in element:
            _check_expanded(item)
        return
    if not isinstance(element, dict):
        return
    if "@value" in element:
        # a value object: never look inside @value (a JSON literal is data, not JSON-LD)
        datatype = element.get("@type")
        if datatype is not None and datatype != "@json" and not _is_absolute_iri(datatype):
            raise JsonLdError("relative_iri", f"datatype {datatype!r} is not an absolute IRI")
        language = element.get("@language")
        if language is not None and not _BCP47.match(str(language)):
            raise JsonLdError("invalid_jsonld", f"{language!r} is not a BCP 47 language tag")
        return
    if "@list" in element:
        _check_expanded(element["@list"])
        return
    for key, value in element.items():
        if key == "@id":
            if not _is_absolute_iri(value):
                raise JsonLdError("relative_iri", f"@id {value!r} is not an absolute IRI")
        elif key == "@type":
            for type_ in value if isinstance(value, list) else [value]:
                if not _is_absolute_iri(type_):
                    raise JsonLdError(
                        "undefined_term", f"type {type_!r} is not defined by the context"
                    )
        elif key in ("@graph", "@included"):
            _check_expanded(value)
        elif key == "@reverse":
            for prop, items in value.items():
                _check_property(prop)
                _check_expanded(items)
        elif not key.startswith("@"):
            _check_property(key)
            _check_expanded(value)


def _check_property(iri: str) -> None:
    if iri.startswith("_:"):
        raise JsonLdError("invalid_jsonld", f"property {iri!r} is a blank node")
    if not _is_absolute_iri(iri):
        raise JsonLdError("undefined_term", f"property {iri!r} is not an absolute IRI")


def _on_property_dropped(expanded_property: str | None) -> None:
    if expanded_property is None:  # a term mapped to null, or a key of the form @word
        raise JsonLdError("undefined_term", "a key maps to null or to a reserved @keyword")
    raise JsonLdError("undefined_term", f"term {expanded_property!r} is not defined by the context")


class _SafeProcessor(pyld_jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with jsonld.js's safe mode: nothing is silently dropped."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_on_property_dropped)

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded)
        return expanded

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        result = super()._expand(
            active_ctx, active_property, element, options, inside_list, inside_index,
            type_scoped_ctx,
        )  # fmt: skip
        if result is None and element is not None:
            # jsonld.js events "empty object", "free-floating scalar", "object with only
            # @id", "null @value value", "object with only @language": unsafe
            raise JsonLdError("invalid_jsonld", f"expansion would drop {json.dumps(element)[:200]}")
        return result


def _options(loader: DocumentLoader) -> dict[str, Any]:
    return {
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver(_resolver_cache(loader), loader),
        "processingMode": "json-ld-1.1",
        "rdfDirection": "i18n-datatype",
        "produceGeneralizedRdf": False,
        "extractAllScripts": False,
    }


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _translated(exc: pyld_jsonld.JsonLdError) -> VerifierError:
    """Our own error if one caused pyld's, else the innermost reason pyld gives."""
    innermost = exc
    for cause in _causes(exc):
        if isinstance(cause, VerifierError):
            return cause
        if isinstance(cause, pyld_jsonld.JsonLdError):
            innermost = cause
    message = innermost.args[0] if innermost.args else ""
    code = innermost.code or innermost.type
    return JsonLdError("invalid_jsonld", f"{code}: {message}")


#: What pyld raises, besides its JsonLdError, for documents and contexts it cannot process.
_PROCESSOR_FAILURES = (
    KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError, Warning,
)  # fmt: skip


def _processor_failure(exc: BaseException) -> JsonLdError:
    """``invalid_jsonld`` for an exception pyld raised instead of its own error."""
    reason = str(exc)[:200] or type(exc).__name__
    return JsonLdError(
        "invalid_jsonld",
        f"JSON-LD processing failed ({type(exc).__name__}: {reason}): an invalid context or value",
    )


def _prepare(document: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(document, Mapping):
        raise JsonLdError("invalid_jsonld", "a JSON-LD document must be a JSON object")
    _check_local_contexts(dict(document))
    return dict(document)


def expand(document: Mapping[str, Any], loader: DocumentLoader) -> list[dict[str, Any]]:
    """JSON-LD expansion in safe mode (JSON-LD 1.1 Processing Algorithms, section 5.1).

    Offline through ``loader``, no base IRI; raises :class:`JsonLdError` instead of dropping
    anything (see the module docstring). A fresh copy each call; the expansion itself is
    remembered by the digest of ``document`` (:data:`_EXPANSIONS`).
    """
    expanded: list[dict[str, Any]] = json.loads(_expansion(document, loader).text)
    return expanded


class _Expansion:
    """A safe-mode expansion: its JSON text; why the native path is not proven for it
    (:func:`_native_obstacle`, but for text holding U+FFFE/U+FFFF; None if it is); and, from a
    template, its RDF as N-Quads (not canonical) where the native path is proven for the shape."""

    def __init__(
        self, text: str | Callable[[], str], obstacle: str | None, rdf: str | None = None
    ) -> None:
        self._text = text
        self.obstacle = obstacle
        self.rdf = rdf

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            self._text = self._text()
        return self._text


#: Recent safe-mode expansions made by pyld, by the digest of the document (a failure raises
#: and is not remembered): :func:`canonicalize` expands the credential it hashes, and the
#: completeness check expands the same credential right after.
_EXPANSIONS: DigestCache[_Expansion] = DigestCache(256)

#: Templates of the safe-mode expansion by the shape of the document (:mod:`verifier.shapes`):
#: a new document of a known shape is expanded, and turned into RDF, without pyld.
_TEMPLATES: ShapeTemplates[str | None] = ShapeTemplates(256)


def _expansion(document: Mapping[str, Any], loader: DocumentLoader) -> _Expansion:
    """The safe-mode expansion of ``document``: from the template of its shape where there
    is one (documents of the bundled loader without embedded contexts), else pyld's."""
    if isinstance(loader, _BundledDocumentLoader) and isinstance(document, Mapping):
        shape = shape_of(document, loader.terms)
        if shape is not None:
            filled = _TEMPLATES.fill(shape, loader, lambda doc: _template_source(doc, loader))
            if filled is not None:
                return _Expansion(filled.json_text, filled.facts, filled.rdf(_escape_literal))
    try:
        return _EXPANSIONS.get(document, loader, lambda: _pyld_expansion(document, loader))
    except UnicodeEncodeError:  # a lone surrogate has no digest: computed, not remembered
        return _pyld_expansion(document, loader)
    except RecursionError as exc:  # no digest either; pyld would fail the same way
        raise _processor_failure(exc) from exc


def _pyld_expansion(document: Mapping[str, Any], loader: DocumentLoader) -> _Expansion:
    input_ = _prepare(document)
    try:
        expanded: list[dict[str, Any]] = _SafeProcessor().expand(input_, _options(loader))
    except pyld_jsonld.JsonLdError as exc:
        raise _translated(exc) from exc
    except _PROCESSOR_FAILURES as exc:
        raise _processor_failure(exc) from exc
    return _Expansion(json.dumps(expanded, ensure_ascii=False), _native_obstacle(expanded))


def _template_source(
    skeleton: Mapping[str, Any], loader: DocumentLoader
) -> tuple[str, str | None, str | None]:
    """What a template is made of: the expansion of a shape, its RDF where the native path is
    proven for it, and the reason it is not."""
    expansion = _pyld_expansion(skeleton, loader)
    text, obstacle = expansion.text, expansion.obstacle
    return text, (_native_rdf(text) if obstacle is None else None), obstacle


#: Documents whose safe-mode expansion passed (a failure raises and is not remembered).
_EXPANDS: DigestCache[bool] = DigestCache(512)


def check_expands(document: Mapping[str, Any], loader: DocumentLoader) -> None:
    """Raise :class:`JsonLdError` as :func:`expand` would for ``document``; a document that
    passed is remembered by the digest of its JSON (with ``loader``), so the check of a JCS
    proof or a vc+jwt payload seen before costs a hash, as an RDFC document hash does."""
    _EXPANDS.get(document, loader, lambda: expand(document, loader) is not None)


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader) -> str:
    """The canonical N-Quads of ``document`` (RDF Dataset Canonicalization 1.0, section 4).

    JSON-LD to RDF in safe mode (JSON-LD 1.1 API section 6.1 with ``rdfDirection``
    ``i18n-datatype``, as VC Data Integrity 1.0 section 4.2 requires), then RDFC-1.0 with
    SHA-256, serialized as canonical N-Quads. Raises :class:`JsonLdError`.

    Two implementations give the same bytes; which one runs is chosen from the expanded
    document, before canonicalizing (:func:`_native_obstacle`), and reported to the hook of
    :func:`configure_canonicalization`:

    - **native** (pyoxigraph's JSON-LD to RDF and RDFC-1.0, in Rust), fed with the safe-mode
      expansion of ``document`` (so the contexts are pyld's, from ``loader``, and nothing is
      dropped that safe mode refuses), its quads sorted as rdf-canonize sorts them (RDFC-1.0
      section 4.4.3 step 4; by UTF-16 code units, see :func:`_utf16_order`);
    - **pyld** (:class:`_Rdfc10`), for what the native path is not proven to give byte for
      byte: ``@direction`` (pyoxigraph makes RDF 1.2 directional literals, not
      ``i18n-datatype``), ``@json`` literals, doubles, integers of 2^63 and more, ``@list``,
      ``@reverse``, ``@included``, blank node identifiers (only labelled blank nodes make
      the cycles and cliques that RDFC-1.0's work limit refuses, and pyoxigraph has none),
      IRIs with characters canonical N-Quads escapes or with no
      scheme, U+FFFE/U+FFFF (pyoxigraph escapes them), and text with both a character from
      U+10000 and one of U+E000-U+FFFF (jsonld.js sorts by UTF-16 code units, pyoxigraph by
      code point); or when the setting says ``pyld``.
    """
    if _settings.mode == "pyld":
        return _count("pyld", "forced", _pyld_nquads(_prepare(document), loader))
    expansion = _expansion(document, loader)
    reason = expansion.obstacle
    # the document's own text: the RDF when its shape has a template, else the expansion
    text = expansion.rdf if expansion.rdf is not None else expansion.text
    if reason is None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise JsonLdError("invalid_jsonld", "a string holds a lone UTF-16 surrogate") from exc
        # searched in the UTF-8 bytes (a byte search is many times faster than a regex)
        if _UTF8_NONCHARACTERS[0] in data or _UTF8_NONCHARACTERS[1] in data:
            reason = "noncharacter"
        elif _UTF8_ASTRAL.search(data) and _UTF8_HIGH_BMP.search(data):
            reason = "utf16_order"
        elif expansion.rdf is not None:
            return _count("native", "proven", _native_nquads(expansion.rdf, _N_QUADS))
        else:
            return _count("native", "proven", _native_nquads(text, _JSON_LD))
    return _count("pyld", reason, _pyld_nquads(_prepare(document), loader))


def _pyld_nquads(input_: dict[str, Any], loader: DocumentLoader) -> str:
    try:
        dataset = _SafeProcessor().to_rdf(input_, _options(loader))
    except pyld_jsonld.JsonLdError as exc:
        raise _translated(exc) from exc
    except _PROCESSOR_FAILURES as exc:
        raise _processor_failure(exc) from exc
    try:
        nquads = _Rdfc10().canonical_nquads(dataset)
        nquads.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JsonLdError("invalid_jsonld", "a string holds a lone UTF-16 surrogate") from exc
    return nquads


# --- Native canonicalization (pyoxigraph) -------------------------------------------------

#: The values of ``MICROCRED_CANONICALIZATION``: ``auto`` takes the native path where it is
#: proven byte-identical; ``pyld`` always runs pyld.
CANONICALIZATION_MODES = ("auto", "pyld")
CanonicalizationMode = Literal["auto", "pyld"]
#: ``(path, reason)``: ``("native", "proven")``, ``("pyld", "forced")`` or ``("pyld", <what
#: the native path is not proven for>)``.
CanonicalizationHook = Callable[[str, str], None]


@dataclass
class _Settings:
    mode: CanonicalizationMode = "auto"
    hook: CanonicalizationHook | None = None


_settings = _Settings()


def configure_canonicalization(
    mode: CanonicalizationMode = "auto", hook: CanonicalizationHook | None = None
) -> None:
    """Choose the canonicalization (``auto`` or ``pyld``, :data:`CANONICALIZATION_MODES`) and
    the callback told ``(path, reason)`` after each :func:`canonicalize` (the service counts
    them in its metrics; the verifier imports nothing of it). Process-wide."""
    if mode not in CANONICALIZATION_MODES:
        raise ValueError(f"canonicalization must be one of {CANONICALIZATION_MODES}, not {mode!r}")
    _settings.mode = mode
    _settings.hook = hook


def _count(path: str, reason: str, nquads: str) -> str:
    hook = _settings.hook
    if hook is not None:
        hook(path, reason)
    return nquads


# An IRI pyoxigraph (lenient: no RFC 3987 validation) writes exactly as canonical N-Quads
# does: a scheme (safe mode already refused anything else), and nothing _escape_iri escapes.
_NATIVE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\\ufffe\uffff]*$')
_NONCHARACTERS = re.compile("[\ufffe\uffff]")
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
# pyoxigraph writes an integer outside 64 bits as an xsd:double (pyld: xsd:integer up to 10^21)
_INTEGER_LIMIT = 2**63
_PYLD_ONLY_KEYS = {
    "@direction": "direction",
    "@list": "list",
    "@reverse": "reverse",
    "@included": "included",
}


def _native_iri(value: object) -> bool:
    return isinstance(value, str) and _NATIVE_IRI.match(value) is not None


def _native_obstacle(element: Any) -> str | None:
    """Why the native path is not proven for this expanded document, or None."""
    if isinstance(element, list):
        for item in element:
            reason = _native_obstacle(item)
            if reason is not None:
                return reason
        return None
    if not isinstance(element, dict):
        return None
    if "@value" in element:
        value = element["@value"]
        datatype = element.get("@type")
        if "@direction" in element:
            return "direction"
        if datatype == "@json":
            return "json_literal"
        if isinstance(value, float) or datatype == _XSD_DOUBLE:
            return "double"
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INTEGER_LIMIT:
            return "big_integer"
        if isinstance(value, str) and _NONCHARACTERS.search(value):
            return "noncharacter"
        if datatype is not None and not _native_iri(datatype):
            return "iri"
        return None
    for key, value in element.items():
        reason = _PYLD_ONLY_KEYS.get(key)
        if reason is not None:
            return reason
        if key == "@id":
            if value.startswith("_:"):
                # cycles and cliques of blank nodes need labels: pyld keeps the work limit
                return "blank_node_id"
            if not _native_iri(value):
                return "iri"
        elif key == "@type":
            if not all(_native_iri(type_) for type_ in value):
                return "iri"
        elif key in ("@graph", "@index", "@context"):
            if key == "@graph":
                reason = _native_obstacle(value)
                if reason is not None:
                    return reason
        elif not key.startswith("@"):
            if not _native_iri(key):
                return "iri"
            reason = _native_obstacle(value)
            if reason is not None:
                return reason
        else:
            return "keyword"
    return None


_PARSE_FAILURES = (SyntaxError, ValueError)

# rdf-canonize (jsonld.js) sorts N-Quads lines with JavaScript's default sort, by UTF-16 code
# units, where the two orders part: a character from U+10000 (a surrogate pair, 0xD800...)
# sorts before one of U+E000-U+FFFF. pyld's lines are sorted that way (_utf16_order); a
# document holding both kinds goes to pyld, whose first-degree hashes sort the same way
# (pyoxigraph sorts by code point inside RDFC-1.0). Found in the UTF-8 bytes: the lead byte
# of a character from U+10000 and of one of U+E000-U+FFFF; and U+FFFE and U+FFFF themselves.
_UTF8_ASTRAL = re.compile(b"[\xf0-\xf4]")
_UTF8_HIGH_BMP = re.compile(b"[\xee\xef]")
_UTF8_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def _utf16_order(line: str) -> bytes:
    """The sort key of JavaScript's default sort (UTF-16 code units; big-endian bytes)."""
    return line.encode("utf-16-be")


_JSON_LD, _N_QUADS = pyoxigraph.RdfFormat.JSON_LD, pyoxigraph.RdfFormat.N_QUADS


def _native_rdf(expanded_json: str) -> str:
    """pyoxigraph: expanded JSON-LD to RDF, as N-Quads (not canonical)."""
    quads = pyoxigraph.parse(expanded_json, _JSON_LD, lenient=True)
    return (pyoxigraph.serialize(pyoxigraph.Dataset(quads), format=_N_QUADS) or b"").decode("utf-8")


def _native_nquads(data: str, format: pyoxigraph.RdfFormat) -> str:
    """pyoxigraph: expanded JSON-LD (or its RDF as N-Quads) to RDFC-1.0 (SHA-256), canonical
    N-Quads sorted."""
    try:
        quads = pyoxigraph.parse(data, format, lenient=True)
        dataset = pyoxigraph.Dataset(quads)
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        serialized = pyoxigraph.serialize(dataset, format=_N_QUADS)
    except _PARSE_FAILURES as exc:  # pragma: no cover - safe mode refused bad input before
        raise JsonLdError("invalid_jsonld", f"native canonicalization failed: {exc}") from exc
    # Only "\n" ends a line: a literal may hold U+2028 or U+0085, which splitlines() cuts.
    lines = (serialized or b"").decode("utf-8").split("\n")
    lines.pop()  # the text ends with a line feed
    # By code point: the same order as by UTF-16 code units for every text the native path
    # takes (canonicalize sends text with both an astral and a U+E000-U+FFFF character to pyld).
    lines.sort()
    return "".join(line + "\n" for line in lines)


# --- RDFC-1.0 and canonical N-Quads ---------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# RDF 1.1 N-Quads, section 2.4.1 / RDFC-1.0 section 4.1 as rdf-canonize 5 does it (NQuads.js
# ``_stringLiteralEscape``): ECHAR for \b \t \n \f \r " \, UCHAR for other C0 and U+007F.
_LITERAL_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)
# ... and IRIREF characters (NQuads.js ``_iriEscape``): UCHAR for U+0000-U+0020 and <>"{}|^`\.
_IRI_ESCAPES: dict[int, str] = {
    code: f"\\u{code:04X}" for code in [*range(0x21), *map(ord, '<>"{}|^`\\')]
}


# Most strings need no escape at all: a regex search is far cheaper than str.translate.
_NEEDS_LITERAL_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
_NEEDS_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _escape_iri(value: str) -> str:
    return value.translate(_IRI_ESCAPES) if _NEEDS_IRI_ESCAPE.search(value) else value


def _escape_literal(value: str) -> str:
    return value.translate(_LITERAL_ESCAPES) if _NEEDS_LITERAL_ESCAPE.search(value) else value


def _term(component: Mapping[str, Any]) -> str:
    if component["type"] == "IRI":
        return "<" + _escape_iri(str(component["value"])) + ">"
    return str(component["value"])  # blank node, "_:..."


def _nquad(quad: Mapping[str, Any]) -> str:
    obj = quad["object"]
    if obj["type"] == "literal":
        text = '"' + _escape_literal(str(obj["value"])) + '"'
        datatype = obj.get("datatype")
        if datatype == _RDF_LANGSTRING:
            if obj.get("language"):
                text += "@" + obj["language"]
        elif datatype != _XSD_STRING:
            text += "^^<" + _escape_iri(str(datatype)) + ">"
    else:
        text = _term(obj)
    graph = quad.get("name")
    tail = " ." if graph is None or graph.get("value") is None else " " + _term(graph) + " ."
    return f"{_term(quad['subject'])} {_term(quad['predicate'])} {text}{tail}\n"


class _Rdfc10(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 (URDNA2015) labelling with canonical N-Quads and a work limit.

    Relies on pyld 3.3 relabelling ``self.quads`` in place (canon.py, step 7); pinned in
    pyproject and checked by the jsonld.js fixtures.
    """

    def __init__(self) -> None:
        super().__init__()
        self._deep_iterations_left: int | None = None

    def canonical_nquads(self, dataset: Mapping[str, Any]) -> str:
        super().main(dataset, {"format": "application/n-quads"})
        return "".join(sorted((_nquad(quad) for quad in self.quads), key=_utf16_order))

    # RDFC-1.0 section 4.4 ("Hash First Degree Quads"), serializing as canonical N-Quads.
    def hash_first_degree_quads(self, id_: str) -> str:
        info = self.blank_node_info[id_]
        if "hash" not in info:
            nquads = []
            for quad in info["quads"]:
                modified = {
                    key: component
                    if key == "predicate"
                    else self.modify_first_degree_component(id_, component, key)
                    for key, component in quad.items()
                }
                nquads.append(_nquad(modified))
            nquads.sort(key=_utf16_order)
            info["hash"] = self.hash_nquads(nquads)
        hash_: str = info["hash"]
        return hash_

    # RDFC-1.0 section 4.8 ("Hash N-Degree Quads") is exponential on crafted graphs: allow
    # as many calls as there are blank nodes without a unique first-degree hash, like
    # rdf-canonize's default maxWorkFactor of 1, so we refuse what jsonld.js refuses.
    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        if self._deep_iterations_left is None:
            self._deep_iterations_left = sum(len(ids) for ids in self.hash_to_blank_nodes.values())
        if self._deep_iterations_left <= 0:
            raise JsonLdError(
                "canonicalization_limit", "the blank nodes of this document are too entangled"
            )
        self._deep_iterations_left -= 1
        return super().hash_n_degree_quads(id_, issuer)
