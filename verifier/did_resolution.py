"""Resolving an issuer's DID and finding the public key of a verification method.

- DID Core 1.0, section 7.1 ("DID Resolution") for ``did:key`` and ``did:web`` only:
  ``did:key`` (W3C CCG did:key v0.7, section 3.1) is derived locally from the key by
  :func:`keys.did_key_document`, without any network; ``did:web`` (W3C CCG did:web, section
  3.2 "Read") is fetched through the :class:`verifier.fetch.Fetcher` at
  :func:`keys.did_web_url`, and the document's ``id`` must be the DID.
- DID Core 1.0, section 5.2 ("Verification Methods") and 5.3 ("Verification
  Relationships"): a verification method is found by its absolute DID URL or a relative
  ``#fragment`` id, in ``verificationMethod`` or embedded in the relationship; its
  ``controller`` must be the DID; it must be referenced from the relationship asked for
  (``assertionMethod`` for credentials, VC Data Integrity 1.0 section 4.4 and VC-JOSE-COSE
  section 3.2). Keys are ``Multikey`` (``publicKeyMultibase``, Controlled Identifiers 1.0
  section 2.2.2) or ``JsonWebKey`` / ``JsonWebKey2020`` (``publicKeyJwk``, section 2.2.3).

Everything that goes wrong raises :class:`DidResolutionError` with a code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import keys
from keys import KeysError, PublicKey
from verifier.errors import DidResolutionError, FetchError
from verifier.fetch import DEFAULT_ALLOW_HTTP_HOSTS, Fetcher

__all__ = [
    "DID_ACCEPT",
    "SUPPORTED_METHODS",
    "DidResolutionError",
    "DidResolver",
    "ResolvedKey",
    "split_did_url",
]

SUPPORTED_METHODS = ("key", "web")
DID_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"

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


def _check_did(did: str) -> str:
    match = _DID.match(did) if isinstance(did, str) else None
    if match is None or not match.group(2):
        raise DidResolutionError("did_invalid", f"{did!r} is not a DID")
    return match.group(1)


@lru_cache(maxsize=256)
def _did_key_document(did: str) -> str:
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
        """The DID document of ``did`` (DID Core 1.0, section 7.1).

        Raises :class:`DidResolutionError`: ``did_invalid``, ``did_unsupported_method``,
        ``did_not_found`` (no fetcher, or the host answered that there is no document: a
        404, a refused address...; the fetch code is in the detail), ``did_unreachable``
        (the document could not be fetched just now: a network error, a timeout, a 5xx, the
        fetch budget; :attr:`verifier.FetchError.transient`), ``did_document_invalid`` (not
        a JSON object, or its ``id`` is not ``did``).
        """
        method = _check_did(did)
        if method not in SUPPORTED_METHODS:
            raise DidResolutionError(
                "did_unsupported_method", f"did:{method} is not supported (did:key, did:web)"
            )
        if method == "key":
            try:
                document: dict[str, Any] = json.loads(_did_key_document(did))
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
        if self.fetcher is None:
            raise DidResolutionError(
                "did_not_found", f"{did}: resolving did:web needs a fetcher (offline)"
            )
        try:
            fetched = self.fetcher.fetch(url, accept=DID_ACCEPT)
        except FetchError as exc:
            code = "did_unreachable" if exc.transient else "did_not_found"
            raise DidResolutionError(code, f"{url}: {exc.code}: {exc.detail}") from exc
        try:
            document = json.loads(fetched.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DidResolutionError("did_document_invalid", f"{url} is not JSON") from exc
        if not isinstance(document, dict):
            raise DidResolutionError("did_document_invalid", f"{url} is not a JSON object")
        if document.get("id") != did:
            raise DidResolutionError(
                "did_document_invalid", f"the document at {url} is for {document.get('id')!r}"
            )
        return document

    def verification_method(self, did_url: str, *, purpose: str = "assertionMethod") -> ResolvedKey:
        """The key of verification method ``did_url``, checked for ``purpose``.

        DID Core 1.0 sections 5.2-5.3: the DID part is resolved; the method is listed (by
        absolute or relative id) in ``verificationMethod`` or embedded in the relationship;
        its type is ``Multikey`` or ``JsonWebKey``/``JsonWebKey2020``; its controller is the
        DID; ``purpose`` references it. Raises :class:`DidResolutionError` with the codes of
        :meth:`resolve` and ``verification_method_not_found``, ``controller_mismatch``,
        ``verification_method_not_authorized``, ``did_document_invalid`` (a key that does
        not decode, an unsupported method type).
        """
        did, _ = split_did_url(did_url)
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
