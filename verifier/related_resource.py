"""Integrity of related resources (VC Data Model 2.0, section 5.3 "Integrity of Related
Resources").

``relatedResource`` is an object or a list of objects; each has an ``id`` (a URL), the ids
are unique, and each carries ``digestSRI`` (a Subresource Integrity hash expression,
``sha256-``/``sha384-``/``sha512-`` + base64) or ``digestMultibase`` (a multibase, ``u``
base64url or ``z`` base58btc, of a multihash: ``sha2-256``, ``sha2-384`` or ``sha2-512``), or
both. :func:`related_resource_problems` checks that shape (the data model, at issue and at
verification). :func:`related_resource_mismatches` compares the digests of the resources the
verifier holds itself (the bundled JSON-LD contexts, :func:`verifier.jsonld.bundled_context_bytes`)
with their bytes: a digest that does not match is an error; a resource the verifier does
not hold is not fetched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from keys import InvalidKeyEncoding, decode_base58btc
from verifier.errors import JsonLdError
from verifier.jsonld import BUNDLED_CONTEXTS, bundled_context_bytes

__all__ = ["bundled_resource", "related_resource_mismatches", "related_resource_problems"]

Problem = tuple[str, str]

#: SRI algorithm names and multihash codes -> hashlib names.
_SRI_ALGORITHMS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
_MULTIHASH_CODES = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}


def _is_url(value: object) -> bool:
    return isinstance(value, str) and ":" in value and not any(c.isspace() for c in value)


def _sri_digests(value: object) -> list[tuple[str, bytes]] | None:
    """The (algorithm, digest) pairs of an SRI hash expression list (space separated), None
    when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = []
    for expression in value.split():
        algorithm, sep, encoded = expression.partition("-")
        encoded = encoded.split("?", 1)[0]  # options after "?" (SRI section 3.1)
        if not sep or algorithm not in _SRI_ALGORITHMS:
            return None
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(digest) != hashlib.new(_SRI_ALGORITHMS[algorithm]).digest_size:
            return None
        found.append((_SRI_ALGORITHMS[algorithm], digest))
    return found


def _multibase_digest(value: object) -> tuple[str, bytes] | None:
    """The (algorithm, digest) of a multibase multihash, None when it is not one."""
    if not isinstance(value, str) or len(value) < 2:
        return None
    try:
        if value[0] == "u":
            data = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value[0] == "z":
            data = decode_base58btc(value)
        else:
            return None
    except (binascii.Error, ValueError, InvalidKeyEncoding):
        return None
    if len(data) < 2 or data[0] not in _MULTIHASH_CODES:
        return None
    algorithm = _MULTIHASH_CODES[data[0]]
    digest = data[2:]
    if data[1] != len(digest) or len(digest) != hashlib.new(algorithm).digest_size:
        return None
    return algorithm, digest


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def related_resource_problems(credential: Mapping[str, Any]) -> list[Problem]:
    """Every problem of ``credential``'s ``relatedResource`` as (field path, reason)."""
    if "relatedResource" not in credential:
        return []
    raw = credential["relatedResource"]
    problems: list[Problem] = []
    items = _items(raw)
    if not items:
        return [("relatedResource", "must be one or more objects")]
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"relatedResource[{index}]" if isinstance(raw, list) else "relatedResource"
        if not isinstance(item, Mapping):
            problems.append((where, "must be an object"))
            continue
        resource_id = item.get("id")
        if not isinstance(resource_id, str) or not _is_url(resource_id):
            problems.append((f"{where}.id", "is required and must be a URL"))
        elif resource_id in seen:
            problems.append((f"{where}.id", f"{resource_id} is listed more than once"))
        else:
            seen.add(resource_id)
        if "digestSRI" not in item and "digestMultibase" not in item:
            problems.append((where, "must have digestSRI or digestMultibase"))
        if "digestSRI" in item and _sri_digests(item["digestSRI"]) is None:
            problems.append(
                (f"{where}.digestSRI", "must be an SRI hash expression (sha256/384/512-base64)")
            )
        if "digestMultibase" in item and _multibase_digest(item["digestMultibase"]) is None:
            problems.append(
                (f"{where}.digestMultibase", "must be a multibase sha2-256/384/512 multihash")
            )
    return problems


def bundled_resource(url: str) -> bytes | None:
    """The bytes of ``url`` if it is a bundled context, else None."""
    if url not in BUNDLED_CONTEXTS:
        return None
    try:
        return bundled_context_bytes(url)
    except JsonLdError:
        return None


def related_resource_mismatches(
    credential: Mapping[str, Any],
    resource: Callable[[str], bytes | None] = bundled_resource,
) -> list[Problem]:
    """The digests of ``relatedResource`` entries whose bytes ``resource`` holds (by default
    the bundled contexts) that do not match them, as (field path, reason). Entries it does
    not hold, and malformed ones (:func:`related_resource_problems`), are not reported."""
    raw = credential.get("relatedResource")
    if raw is None:
        return []
    problems: list[Problem] = []
    for index, item in enumerate(_items(raw)):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        data = resource(item["id"])
        if data is None:
            continue
        where = f"relatedResource[{index}]" if isinstance(raw, list) else "relatedResource"
        digests = [*(_sri_digests(item.get("digestSRI")) or [])]
        multibase = _multibase_digest(item.get("digestMultibase"))
        if multibase is not None:
            digests.append(multibase)
        for algorithm, digest in digests:
            if hashlib.new(algorithm, data).digest() != digest:
                problems.append(
                    (where, f"the {algorithm} digest does not match the resource {item['id']}")
                )
                break
    return problems
