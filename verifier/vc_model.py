"""Structural rules of the W3C Verifiable Credentials Data Model (2.0, and 1.1 for input).

Checks what a conforming document must look like before any proof: contexts (VC 2.0 section
4.3), identifiers (4.4), types (4.5), names and descriptions (4.6), issuer (4.7), credential
subject (4.8), validity period (4.9), status, schema, evidence, terms of use and refresh
objects (each with a ``type``; 4.10-4.14), and related resources (5.3,
:func:`verifier.related_resource.related_resource_problems`). VC 1.1 documents
(``issuanceDate``) are accepted where the caller allows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from verifier.related_resource import related_resource_problems

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"

# XML Schema dateTime; VC 2.0 wants a dateTimeStamp (the time zone is mandatory).
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_TYPED_OBJECTS = (
    "credentialStatus",
    "credentialSchema",
    "evidence",
    "termsOfUse",
    "refreshService",
)

Problem = tuple[str, str]


def parse_datetime(value: object, *, require_timezone: bool = True) -> datetime | None:
    """An XML Schema dateTime string as an aware datetime, or None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value)
    if not match or (require_timezone and match.group(2) is None):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed


def is_url(value: object) -> bool:
    """An absolute IRI (a scheme, a colon, no white space): what VC calls a URL."""
    return isinstance(value, str) and bool(_IRI.match(value))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _language_values(value: Any) -> bool:
    if isinstance(value, str):
        return True
    items = _as_list(value)
    return all(
        isinstance(v, Mapping)
        and isinstance(v.get("@value"), str)
        and set(v) <= {"@value", "@language", "@direction"}
        for v in items
    )


def version_of(credential: Mapping[str, Any]) -> str | None:
    """``"2.0"`` or ``"1.1"`` by the first ``@context`` entry, else None."""
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return {VC_V2: "2.0", VC_V1: "1.1"}.get(first) if isinstance(first, str) else None


def data_model_problems(credential: Mapping[str, Any], *, allow_v1: bool = True) -> list[Problem]:
    """Every structural problem of ``credential`` as (field path, reason); empty when none."""
    problems: list[Problem] = []
    contexts = credential.get("@context")
    version = version_of(credential)
    if contexts is None:
        problems.append(("@context", "is required"))
    elif version is None or (version == "1.1" and not allow_v1):
        problems.append(("@context", f"the first context must be {VC_V2}"))
    elif not all(isinstance(c, str | Mapping) for c in _as_list(contexts)):
        problems.append(("@context", "entries must be URLs or objects"))

    if "id" in credential and not is_url(credential["id"]):
        problems.append(("id", "must be a URL"))

    types = credential.get("type")
    if types is None:
        problems.append(("type", "is required"))
    elif not all(isinstance(t, str) and t for t in _as_list(types)):
        problems.append(("type", "must be a string or a list of strings"))
    elif "VerifiableCredential" not in _as_list(types):
        problems.append(("type", "must include VerifiableCredential"))

    for term in ("name", "description"):
        if term in credential and not _language_values(credential[term]):
            problems.append((term, "must be a string or language value objects"))

    issuer = credential.get("issuer")
    if issuer is None:
        problems.append(("issuer", "is required"))
    elif isinstance(issuer, Mapping):
        if not is_url(issuer.get("id")):
            problems.append(("issuer.id", "must be a URL"))
        for term in ("name", "description"):
            if term in issuer and not _language_values(issuer[term]):
                problems.append((f"issuer.{term}", "must be a string or language value objects"))
    elif not is_url(issuer):
        problems.append(("issuer", "must be a URL or an object with an id"))

    subjects = credential.get("credentialSubject")
    if subjects is None:
        problems.append(("credentialSubject", "is required"))
    else:
        items = _as_list(subjects)
        if not items or not all(isinstance(s, Mapping) and s for s in items):
            problems.append(("credentialSubject", "must be one or more non-empty objects"))
        else:
            for s in items:
                if "id" in s and not is_url(s["id"]):
                    problems.append(("credentialSubject.id", "must be a URL"))

    if version == "1.1":
        if parse_datetime(credential.get("issuanceDate"), require_timezone=False) is None:
            problems.append(("issuanceDate", "is required and must be an XML Schema dateTime"))
        if "expirationDate" in credential and (
            parse_datetime(credential["expirationDate"], require_timezone=False) is None
        ):
            problems.append(("expirationDate", "must be an XML Schema dateTime"))
    start = end = None
    for term in ("validFrom", "validUntil"):
        if term in credential:
            parsed = parse_datetime(credential[term])
            if parsed is None:
                problems.append((term, "must be an XML Schema dateTimeStamp with a time zone"))
            elif term == "validFrom":
                start = parsed
            else:
                end = parsed
    if start and end and start > end:
        problems.append(("validUntil", "must not be before validFrom"))

    for term in _TYPED_OBJECTS:
        if term not in credential:
            continue
        for index, item in enumerate(_as_list(credential[term])):
            where = term if not isinstance(credential[term], list) else f"{term}[{index}]"
            if not isinstance(item, Mapping):
                problems.append((where, "must be an object"))
                continue
            if "type" not in item:
                problems.append((f"{where}.type", "is required"))
            if term == "credentialSchema" and not is_url(item.get("id")):
                problems.append((f"{where}.id", "is required and must be a URL"))
            elif "id" in item and not is_url(item["id"]):
                problems.append((f"{where}.id", "must be a URL"))
    problems += related_resource_problems(credential)
    return problems
