"""DID identifiers and documents for issuers: did:web and did:key.

- did:web (W3C CCG did:web method, section 3.2): ``did:web:<host>[%3A<port>][:<path>...]``
  resolves to ``https://<host>[:<port>]/<path>/did.json``, or ``/.well-known/did.json`` when
  there is no path.
- did:key (W3C CCG did:key method v0.7, section 3.1): ``did:key:<Multikey>``; the document is
  derived from the key, and the verification method is ``did:key:<mb>#<mb>``.
- did:jwk (did:jwk method specification, sections 2.1 and 2.2): ``did:jwk:<base64url of the
  JWK's JSON>``; the document is derived from the JWK, with the one verification method
  ``did:jwk:...#0``. Wallets bind credentials to it (OpenID4VCI); holders present with it.

DID documents use Multikey verification methods (W3C Controlled Identifiers 1.0, 2.2.2).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from keys.errors import InvalidKeyEncoding
from keys.jwk import public_key_from_jwk
from keys.multikey import PublicKey, public_key_from_multibase

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def did_web(base_url: str, *path: str) -> str:
    """The did:web identifier for ``<base_url>/<path...>/did.json``."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise InvalidKeyEncoding(f"base URL {base_url!r} has no host")
    host = parts.hostname
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    segments = [quote(host, safe="")]
    segments += [quote(s, safe="") for s in parts.path.split("/") if s]
    segments += [quote(s, safe="") for s in path]
    return "did:web:" + ":".join(segments)


def did_web_url(
    did: str,
    *,
    allow_http_hosts: Sequence[str] = ("localhost", "127.0.0.1"),
    host_schemes: Mapping[str, str] | None = None,
) -> str:
    """The URL of the DID document of a did:web identifier.

    HTTPS always; plain HTTP only for the hosts in ``allow_http_hosts`` (development).
    ``host_schemes`` maps a host (with its port, if the DID has one; lower case) to the scheme
    it is known to be served with, which wins: a deployment's own host, whose scheme its base
    URL says (``https://localhost:8443`` is not resolved over http).
    """
    if not did.startswith("did:web:"):
        raise InvalidKeyEncoding(f"not a did:web identifier: {did!r}")
    segments = did[len("did:web:") :].split("#", 1)[0].split(":")
    host = unquote(segments[0])
    if not host or "/" in host:
        raise InvalidKeyEncoding(f"did:web host is invalid: {did!r}")
    path = "/".join(unquote(s) for s in segments[1:])
    scheme = "http" if host.split(":")[0] in allow_http_hosts else "https"
    if host_schemes:
        scheme = host_schemes.get(host.lower(), scheme)
    tail = f"/{path}/did.json" if path else "/.well-known/did.json"
    return f"{scheme}://{host}{tail}"


def did_key(key: PublicKey) -> str:
    """The did:key identifier of ``key``."""
    return f"did:key:{key.multibase}"


def did_key_public_key(did: str) -> PublicKey:
    """The public key a did:key identifier encodes."""
    if not did.startswith("did:key:"):
        raise InvalidKeyEncoding(f"not a did:key identifier: {did!r}")
    return public_key_from_multibase(did[len("did:key:") :].split("#", 1)[0])


def multikey_method(did: str, fragment: str, key: PublicKey) -> dict[str, Any]:
    """A Multikey verification method ``<did>#<fragment>`` controlled by ``did``."""
    return {
        "id": f"{did}#{fragment}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.multibase,
    }


def did_document(did: str, methods: Sequence[tuple[str, PublicKey]]) -> dict[str, Any]:
    """A DID document listing ``methods`` (fragment, key), each usable for assertions.

    Keys are also listed for ``authentication``; the order of ``methods`` is kept, so callers
    put the current key first.
    """
    vms = [multikey_method(did, fragment, key) for fragment, key in methods]
    ids = [vm["id"] for vm in vms]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": vms,
        "assertionMethod": ids,
        "authentication": list(ids),
    }


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key identifier, derived from the key alone."""
    key = did_key_public_key(did)
    return did_document(did, [(key.multibase, key)])


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """The did:jwk of a public JWK (did:jwk section 2.1): its JSON, compact and in the order
    of its members as given, base64url-encoded without padding; the JSON a wallet makes of its
    own JWK gives the same DID."""
    if "d" in jwk:
        raise InvalidKeyEncoding("a did:jwk must not hold the private member 'd'")
    public_key_from_jwk(dict(jwk))  # a key we read, or InvalidKeyEncoding/UnsupportedKeyType
    text = json.dumps(dict(jwk), separators=(",", ":"), ensure_ascii=False)
    return "did:jwk:" + base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode()


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk (did:jwk section 2.2 "Read"), derived from the JWK."""
    if not did.startswith("did:jwk:"):
        raise InvalidKeyEncoding(f"not a did:jwk identifier: {did!r}")
    encoded = did[len("did:jwk:") :]
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidKeyEncoding(f"did:jwk does not hold a JWK: {exc}") from exc
    if not isinstance(jwk, dict) or "d" in jwk:
        raise InvalidKeyEncoding("did:jwk must hold a public JWK object")
    public_key_from_jwk(jwk)
    method_id = f"{did}#0"
    document: dict[str, Any] = {
        "@context": [DID_CONTEXT, "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    relationships = ("keyAgreement",) if jwk.get("use") == "enc" else (
        "assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"
    )  # fmt: skip
    for relationship in relationships:
        document[relationship] = [method_id]
    return document
