"""Resolving an issuer's DID and finding the public key of a verification method.

- DID Core 1.0, section 7.1 ("DID Resolution") for ``did:key``, ``did:jwk`` and ``did:web``
  only: ``did:key`` (W3C CCG did:key v0.7, section 3.1) and ``did:jwk`` (a wallet's key,
  did:jwk section 2.2) are derived locally from the key by :func:`keys.did_key_document` and
  :func:`keys.did_jwk_document`, without any network; ``did:web`` (W3C CCG did:web, section
  3.2 "Read") is fetched through the :class:`verifier.fetch.Fetcher` at
  :func:`keys.did_web_url`, and the document's ``id`` must be the DID.
- DID Core 1.0, section 5.2 ("Verification Methods") and 5.3 ("Verification
  Relationships"): a verification method is found by its absolute DID URL or a relative
  ``#fragment`` id, in ``verificationMethod`` or embedded in the relationship; its
  ``controller`` must be the DID; it must be referenced from the relationship asked for
  (``assertionMethod`` for credentials, VC Data Integrity 1.0 section 4.4 and VC-JOSE-COSE
  section 3.2). Keys are ``Multikey`` (``publicKeyMultibase``, Controlled Identifiers 1.0
  section 2.2.2) or ``JsonWebKey`` / ``JsonWebKey2020`` (``publicKeyJwk``, section 2.2.3).

Issuers identified by a URL instead of a DID (VC 2.0 section 4.7: ``issuer`` is a URL):

- W3C Controlled Identifiers (CID) 1.0: the identifier is an ``https`` URL and its
  controlled identifier document is fetched from that URL (through the same
  :class:`verifier.fetch.Fetcher`, so HTTPS only, size and time limits, no private
  addresses unless allowed); its ``id`` must be the URL (section 2.1.1), and its
  verification methods are found and checked exactly as in a DID document above
  (``controller``, ``assertionMethod``, Multikey or JsonWebKey; section 2.2). A
  verification method id is then ``<url>#<fragment>``. This serves Data Integrity proofs
  and a vc+jwt whose ``kid`` is such an absolute URL (VC-JOSE-COSE section 4.3).
- VC-JOSE-COSE section 4.2.1 (JWT Issuer): for a vc+jwt whose ``kid`` is not a
  verification method of the issuer's controlled identifier document (or that has no
  ``kid``), the issuer's JWK Set is read from its JWT VC Issuer Metadata (SD-JWT VC,
  section "JWT VC Issuer Metadata"): ``/.well-known/jwt-vc-issuer`` inserted between the
  host and the path of the issuer URL, a JSON object whose ``issuer`` is the issuer URL and
  which has the JWK Set in ``jwks`` or at ``jwks_uri`` (:meth:`DidResolver.jwt_issuer_key`);
  the key is the one whose ``kid`` is the JWS ``kid`` (the only key when there is no
  ``kid``).

A document that cannot be fetched just now is ``did_unreachable`` for a URL too, and the
other codes are the same as for DIDs.

Everything that goes wrong raises :class:`DidResolutionError` with a code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import keys
from keys import KeysError, PublicKey
from verifier.errors import DidResolutionError, FetchError
from verifier.fetch import DEFAULT_ALLOW_HTTP_HOSTS, Fetcher

__all__ = [
    "CONTROLLER_DOCUMENT_ACCEPT",
    "DID_ACCEPT",
    "JWT_ISSUER_METADATA_PATH",
    "SUPPORTED_METHODS",
    "DidResolutionError",
    "DidResolver",
    "ResolvedKey",
    "is_url_identifier",
    "jwt_issuer_metadata_url",
    "split_did_url",
    "split_method_url",
]

SUPPORTED_METHODS = ("key", "jwk", "web")
DID_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"
#: CID 1.0 section 5.1 registers ``application/cid``; many controller documents are served as
#: DID documents or plain JSON.
CONTROLLER_DOCUMENT_ACCEPT = (
    "application/cid, application/did+json;q=0.9, application/ld+json;q=0.8, application/json;q=0.7"
)
JWT_ISSUER_METADATA_PATH = "/.well-known/jwt-vc-issuer"
_JSON_ACCEPT = "application/json"
_JWKS_ACCEPT = "application/jwk-set+json, application/json;q=0.9"
_URL_SCHEMES = ("https", "http")

# DID Core 1.0 section 3.1 (DID Syntax): did:<method-name>:<method-specific-id>.
_ID_CHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"^did:([a-z0-9]+):({_ID_CHAR}*(?::{_ID_CHAR}*)*)$")
_MULTIBASE_TYPES = ("Multikey", "Ed25519VerificationKey2020")
_JWK_TYPES = ("JsonWebKey", "JsonWebKey2020")


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method found in its controller's DID document: absolute ``id``,
    ``controller`` (the DID) and the decoded public key."""

    id: str
    controller: str
    public_key: PublicKey


def split_did_url(did_url: str) -> tuple[str, str]:
    """``(did, fragment)`` of an absolute DID URL ``did:...#fragment`` (DID Core 1.0, section
    3.2). Raises ``did_invalid`` for a DID URL with a path or query or without a fragment."""
    did, sep, fragment = did_url.partition("#")
    if not sep or not fragment:
        raise DidResolutionError("did_invalid", f"{did_url!r} is not a DID URL with a #fragment")
    _check_did(did)
    return did, fragment


def is_url_identifier(value: object) -> bool:
    """True for an ``https`` (or ``http``) URL with a host: an identifier whose controlled
    identifier document is fetched from it (CID 1.0), as opposed to a DID."""
    if not isinstance(value, str) or value.startswith("did:"):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in _URL_SCHEMES and bool(parts.hostname)


def split_method_url(method: str) -> tuple[str, str]:
    """``(controller, fragment)`` of a verification method id: an absolute DID URL
    (:func:`split_did_url`) or an ``https`` URL ``<controller document URL>#<fragment>``
    (CID 1.0 section 2.2). Raises ``did_invalid``."""
    if not is_url_identifier(method):
        return split_did_url(method)
    controller, sep, fragment = method.partition("#")
    if not sep or not fragment or "?" in controller:
        raise DidResolutionError(
            "did_invalid", f"{method!r} is not a URL of a verification method (<url>#<id>)"
        )
    return controller, fragment


def jwt_issuer_metadata_url(issuer: str) -> str:
    """Where the JWT VC Issuer Metadata of ``issuer`` is (SD-JWT VC, "JWT VC Issuer
    Metadata"): ``/.well-known/jwt-vc-issuer`` between the host and the path."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, JWT_ISSUER_METADATA_PATH + path, "", ""))


def _check_did(did: str) -> str:
    match = _DID.match(did) if isinstance(did, str) else None
    if match is None or not match.group(2):
        raise DidResolutionError("did_invalid", f"{did!r} is not a DID")
    return match.group(1)


@lru_cache(maxsize=256)
def _derived_document(did: str) -> str:
    """The document of a did:key or did:jwk: derived from the key, no network."""
    if did.startswith("did:jwk:"):
        return json.dumps(keys.did_jwk_document(did))
    return json.dumps(keys.did_key_document(did))


class DidResolver:
    """Resolves ``did:key`` locally and ``did:web`` through ``fetcher`` (none: offline, and a
    did:web DID is ``did_not_found``). ``allow_http_hosts`` are the did:web hosts resolved
    over plain http (development); the fetcher must allow them too. ``host_schemes`` fixes
    the scheme of some hosts (``{"localhost:8443": "https"}``: a deployment's own host, as
    its base URL says), whatever ``allow_http_hosts`` would choose.
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        *,
        allow_http_hosts: Collection[str] = DEFAULT_ALLOW_HTTP_HOSTS,
        host_schemes: Mapping[str, str] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.allow_http_hosts = tuple(allow_http_hosts)
        self.host_schemes = {h.lower(): s for h, s in (host_schemes or {}).items()}

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document of ``did`` (DID Core 1.0, section 7.1), or the controlled
        identifier document of an ``https`` URL (CID 1.0; its ``id`` must be the URL).

        Raises :class:`DidResolutionError`: ``did_invalid``, ``did_unsupported_method``,
        ``did_not_found`` (no fetcher, or the host answered that there is no document: a
        404, a refused address...; the fetch code is in the detail), ``did_unreachable``
        (the document could not be fetched just now: a network error, a timeout, a 5xx, the
        fetch budget; :attr:`verifier.FetchError.transient`), ``did_document_invalid`` (not
        a JSON object, or its ``id`` is not ``did``).
        """
        if is_url_identifier(did):
            return self._fetch_document(did, did, CONTROLLER_DOCUMENT_ACCEPT)
        method = _check_did(did)
        if method not in SUPPORTED_METHODS:
            raise DidResolutionError(
                "did_unsupported_method",
                f"did:{method} is not supported (did:key, did:jwk, did:web)",
            )
        if method in ("key", "jwk"):
            try:
                document: dict[str, Any] = json.loads(_derived_document(did))
            except KeysError as exc:
                raise DidResolutionError("did_invalid", f"{did}: {exc.detail}") from exc
            return document
        return self._resolve_web(did)

    def _resolve_web(self, did: str) -> dict[str, Any]:
        try:
            url = keys.did_web_url(
                did, allow_http_hosts=self.allow_http_hosts, host_schemes=self.host_schemes
            )
        except KeysError as exc:
            raise DidResolutionError("did_invalid", f"{did}: {exc.detail}") from exc
        return self._fetch_document(did, url, DID_ACCEPT)

    def _fetch_json(self, identifier: str, url: str, accept: str) -> dict[str, Any]:
        """The JSON object at ``url``, fetched for ``identifier``."""
        if self.fetcher is None:
            raise DidResolutionError(
                "did_not_found", f"{identifier}: resolving it needs a fetcher (offline)"
            )
        try:
            fetched = self.fetcher.fetch(url, accept=accept)
        except FetchError as exc:
            code = "did_unreachable" if exc.transient else "did_not_found"
            raise DidResolutionError(code, f"{url}: {exc.code}: {exc.detail}") from exc
        try:
            document = json.loads(fetched.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise DidResolutionError("did_document_invalid", f"{url} is not JSON") from exc
        if not isinstance(document, dict):
            raise DidResolutionError("did_document_invalid", f"{url} is not a JSON object")
        return document

    def _fetch_document(self, identifier: str, url: str, accept: str) -> dict[str, Any]:
        """The document of ``identifier`` at ``url``, whose ``id`` must be ``identifier``."""
        document = self._fetch_json(identifier, url, accept)
        if document.get("id") != identifier:
            raise DidResolutionError(
                "did_document_invalid", f"the document at {url} is for {document.get('id')!r}"
            )
        return document

    def jwt_issuer_key(self, issuer: str, kid: str | None) -> ResolvedKey:
        """The key of ``issuer`` (an ``https`` URL) with ``kid`` from its JWT VC Issuer
        Metadata (VC-JOSE-COSE section 4.2.1; see the module docstring): the metadata's
        ``issuer`` must be ``issuer``; the JWK Set is its ``jwks`` or the document at its
        ``jwks_uri``; the key is the one whose ``kid`` is ``kid`` (with no ``kid``: the only
        key of the set). Raises :class:`DidResolutionError` with the codes of
        :meth:`resolve` and ``verification_method_not_found`` (no such key),
        ``controller_mismatch`` (metadata of another issuer), ``did_document_invalid``.
        """
        if not is_url_identifier(issuer):
            raise DidResolutionError("did_invalid", f"{issuer!r} is not an https URL")
        url = jwt_issuer_metadata_url(issuer)
        metadata = self._fetch_json(issuer, url, _JSON_ACCEPT)
        if metadata.get("issuer") != issuer:
            raise DidResolutionError(
                "controller_mismatch",
                f"the JWT issuer metadata at {url} is for {metadata.get('issuer')!r}",
            )
        jwks = metadata.get("jwks")
        jwks_uri = metadata.get("jwks_uri")
        if jwks is None and isinstance(jwks_uri, str):
            jwks = self._fetch_json(issuer, jwks_uri, _JWKS_ACCEPT)
        found = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(found, list):
            raise DidResolutionError("did_document_invalid", f"{url} has no JWK Set")
        candidates = [
            jwk
            for jwk in found
            if isinstance(jwk, Mapping) and (kid is None or jwk.get("kid") == kid)
        ]
        if len(candidates) != 1:
            which = f"with kid {kid!r}" if kid is not None else "(no kid, and not exactly one)"
            raise DidResolutionError(
                "verification_method_not_found", f"the JWK Set of {issuer} has no key {which}"
            )
        jwk = {k: v for k, v in candidates[0].items() if k not in ("kid", "use", "alg")}
        key_id = kid if kid is not None else url
        method = {"type": "JsonWebKey", "publicKeyJwk": jwk}
        return ResolvedKey(key_id, issuer, _public_key(method, key_id))

    def verification_method(self, did_url: str, *, purpose: str = "assertionMethod") -> ResolvedKey:
        """The key of verification method ``did_url``, checked for ``purpose``.

        ``did_url`` is a DID URL or an https URL ``<controller document>#<id>`` (CID 1.0
        section 2.2; the same rules). DID Core 1.0 sections 5.2-5.3: the DID part is
        resolved; the method is listed (by absolute or relative id) in
        ``verificationMethod`` or embedded in the relationship; its type is ``Multikey`` or
        ``JsonWebKey``/``JsonWebKey2020``; its controller is the DID (or URL); ``purpose``
        references it. Raises :class:`DidResolutionError` with the codes of
        :meth:`resolve` and ``verification_method_not_found``, ``controller_mismatch``,
        ``verification_method_not_authorized``, ``did_document_invalid`` (a key that does
        not decode, an unsupported method type).
        """
        did, _ = split_method_url(did_url)
        document = self.resolve(did)
        relationship = _as_list(document.get(purpose, []))
        candidates = [
            *_as_list(document.get("verificationMethod", [])),
            *(item for item in relationship if isinstance(item, Mapping)),
        ]
        method = next(
            (
                vm
                for vm in candidates
                if isinstance(vm, Mapping) and _absolute(vm.get("id"), did) == did_url
            ),
            None,
        )
        if method is None:
            raise DidResolutionError(
                "verification_method_not_found", f"{did_url} is not in the DID document of {did}"
            )
        controller = _absolute(method.get("controller"), did)
        if controller is None:
            raise DidResolutionError("did_document_invalid", f"{did_url} has no controller")
        if controller != did:
            raise DidResolutionError(
                "controller_mismatch", f"{did_url} is controlled by {controller}, not {did}"
            )
        referenced = {
            _absolute(item.get("id") if isinstance(item, Mapping) else item, did)
            for item in relationship
        }
        if did_url not in referenced:
            raise DidResolutionError(
                "verification_method_not_authorized", f"{did_url} is not listed for {purpose}"
            )
        return ResolvedKey(did_url, did, _public_key(method, did_url))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _absolute(ref: Any, did: str) -> str | None:
    if not isinstance(ref, str) or not ref:
        return None
    return did + ref if ref.startswith("#") else ref


def _public_key(method: Mapping[str, Any], did_url: str) -> PublicKey:
    kind = method.get("type")
    try:
        if kind in _MULTIBASE_TYPES and isinstance(method.get("publicKeyMultibase"), str):
            return keys.public_key_from_multibase(method["publicKeyMultibase"])
        if kind in _JWK_TYPES and isinstance(method.get("publicKeyJwk"), Mapping):
            return keys.public_key_from_jwk(dict(method["publicKeyJwk"]))
    except KeysError as exc:
        raise DidResolutionError("did_document_invalid", f"{did_url}: {exc.detail}") from exc
    raise DidResolutionError(
        "did_document_invalid",
        f"{did_url} is a {kind!r} without a key we read (Multikey or JsonWebKey)",
    )
