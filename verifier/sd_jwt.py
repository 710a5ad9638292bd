"""Reading SD-JWTs and checking their disclosures and key binding (RFC 9901, Selective
Disclosure for JWTs).

- Section 4: the compact form ``<issuer-signed JWT>~<disclosure>~...~<disclosure>~[KB-JWT]``;
  without a key binding JWT it ends with ``~``.
- Section 4.2.1-4.2.2: a disclosure is the base64url of the JSON array
  ``[salt, name, value]`` (an object property) or ``[salt, value]`` (an array element); its
  digest is the base64url of the hash of the disclosure's ASCII (section 4.2.3), listed in an
  object's ``_sd`` or as ``{"...": digest}`` in an array. ``_sd_alg`` names the hash; we read
  ``sha-256`` only (the default when absent).
- Section 7.1 "Verification of the SD-JWT", step 3: every disclosure's digest must occur
  exactly once in the payload (or in another disclosure), no digest may occur twice, a
  disclosed name must not be ``_sd`` or ``...`` nor exist already in its object; digests
  without a disclosure (withheld claims, decoys) are removed, as are ``_sd`` and
  ``_sd_alg``.
- Section 4.3 and 7.3: the key binding JWT (``typ`` ``kb+jwt``) has ``iat``, ``aud``,
  ``nonce`` and ``sd_hash`` = the base64url digest of the presented SD-JWT up to and
  including its last ``~``; it is signed by the holder key the issuer put in ``cnf``.

Errors are :class:`verifier.errors.SdJwtError` with a code; the signature checks use
:func:`keys.verify_signature` after an allow-list check of ``alg``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import PublicKey, verify_signature
from verifier.base64url import B64URL, b64url_decode, b64url_encode
from verifier.errors import JoseError, SdJwtError

__all__ = [
    "KB_JWT_TYP",
    "SD_ALG",
    "Disclosure",
    "Jws",
    "ProcessedClaims",
    "SdJwt",
    "disclosure_digest",
    "is_sd_jwt",
    "parse_disclosure",
    "parse_jws",
    "process_disclosures",
    "sd_hash",
    "split_sd_jwt",
    "verify_jws_signature",
    "verify_key_binding",
]

SD_ALG = "sha-256"
KB_JWT_TYP = "kb+jwt"
_RESERVED_NAMES = ("_sd", "...")
#: At most this many disclosures are read (a presentation of ours has a handful).
MAX_DISCLOSURES = 256


@dataclass(frozen=True)
class Jws:
    """A compact JWS read without checking its signature."""

    token: str
    header: Mapping[str, Any]
    payload: Mapping[str, Any]

    @property
    def alg(self) -> str | None:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    @property
    def typ(self) -> str | None:
        typ = self.header.get("typ")
        return typ.lower().removeprefix("application/") if isinstance(typ, str) else None


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: its encoded form, digest, salt, claim name (None for an array
    element) and value."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any


@dataclass(frozen=True)
class SdJwt:
    """The parts of an SD-JWT (section 4); ``presented`` is everything up to and including
    the last ``~`` (what ``sd_hash`` covers)."""

    jws: Jws
    disclosures: tuple[Disclosure, ...]
    kb_jwt: str | None
    presented: str


@dataclass(frozen=True)
class ProcessedClaims:
    """The payload with the disclosures put back (section 7.1 step 3): ``claims``; the
    paths of the disclosed claims (``given_name``, ``a.b``, ``a[1]``), and how many digests
    had no disclosure (withheld claims and decoys: a verifier cannot tell them apart)."""

    claims: dict[str, Any]
    disclosed: tuple[str, ...]
    withheld: int


def _error(code: str, detail: str) -> SdJwtError:
    return SdJwtError(code, detail)


def parse_jws(token: str, what: str = "the issuer-signed JWT") -> Jws:
    """Read a compact JWS whose header and payload are JSON objects (RFC 7515 section 7.1);
    ``crit`` and ``b64`` are refused. Raises ``sd_jwt_malformed``."""
    parts = token.split(".")
    if len(parts) != 3 or not all(B64URL.match(p) for p in parts):
        raise _error("sd_jwt_malformed", f"{what} is not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _error("sd_jwt_malformed", f"{what}: the header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _error("sd_jwt_malformed", f"{what}: header and payload must be JSON objects")
    if "crit" in header or "b64" in header:
        raise _error("sd_jwt_malformed", f"{what}: crit and b64 are not supported")
    return Jws(token, header, payload)


def verify_jws_signature(
    jws: Jws, key: PublicKey, algorithms: Collection[str], what: str = "the JWS"
) -> None:
    """Check ``jws``'s signature with ``key`` (RFC 7515 section 5.2): ``alg`` must be in
    ``algorithms`` (never ``none``) and be the key type's (EdDSA, ES256, ES384). Raises
    :class:`verifier.JoseError` ``alg_not_allowed``, ``alg_key_mismatch``,
    ``signature_invalid``."""
    alg = jws.alg
    if not alg or alg.lower() == "none" or alg not in algorithms:
        raise JoseError("alg_not_allowed", f"{what}: alg {alg!r} is not allowed")
    if alg != key.jws_algorithm:
        raise JoseError("alg_key_mismatch", f"{what}: alg {alg} does not go with the key")
    head, body, signature = jws.token.split(".")
    try:
        raw = b64url_decode(signature)
    except ValueError as exc:
        raise JoseError("signature_invalid", f"{what}: the signature is not base64url") from exc
    if not verify_signature(key, raw, f"{head}.{body}".encode("ascii")):
        raise JoseError("signature_invalid", f"{what}: the signature does not verify")


def disclosure_digest(encoded: str) -> str:
    """The digest of a disclosure (section 4.2.3): base64url(SHA-256(ASCII(disclosure)))."""
    return b64url_encode(hashlib.sha256(encoded.encode("ascii")).digest())


def sd_hash(presented: str) -> str:
    """``sd_hash`` of a presentation (section 4.3.1): the digest of the SD-JWT up to and
    including the last ``~``, with the SD-JWT's hash (sha-256)."""
    return disclosure_digest(presented)


def parse_disclosure(encoded: str) -> Disclosure:
    """Read one disclosure (sections 4.2.1-4.2.2). Raises ``disclosure_invalid`` for
    anything but a base64url JSON array ``[salt, name, value]`` or ``[salt, value]`` with a
    string salt and a string name other than ``_sd`` and ``...`` (``claim_conflict``)."""
    try:
        decoded = json.loads(b64url_decode(encoded))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _error("disclosure_invalid", "a disclosure is not base64url JSON") from exc
    if not isinstance(decoded, list) or len(decoded) not in (2, 3):
        raise _error("disclosure_invalid", "a disclosure is a JSON array of 2 or 3 items")
    salt = decoded[0]
    if not isinstance(salt, str):
        raise _error("disclosure_invalid", "a disclosure's salt must be a string")
    name: str | None = None
    if len(decoded) == 3:
        name = decoded[1]
        if not isinstance(name, str):
            raise _error("disclosure_invalid", "a disclosure's claim name must be a string")
        if name in _RESERVED_NAMES:
            raise _error("claim_conflict", f"a disclosure may not disclose {name!r}")
    return Disclosure(encoded, disclosure_digest(encoded), salt, name, decoded[-1])


def is_sd_jwt(text: str) -> bool:
    """Whether ``text`` has the shape of an SD-JWT: a compact JWS followed by ``~``."""
    head, sep, _ = text.strip().partition("~")
    return bool(sep) and head.count(".") == 2 and all(B64URL.match(p) for p in head.split("."))


def split_sd_jwt(text: str) -> SdJwt:
    """The parts of an SD-JWT or SD-JWT+KB (section 4). Raises ``sd_jwt_malformed``,
    ``disclosure_invalid``, ``disclosure_duplicate`` (one disclosure given twice)."""
    text = text.strip()
    if "~" not in text:
        raise _error("sd_jwt_malformed", "an SD-JWT has at least one '~'")
    pieces = text.split("~")
    jwt_part, middle, last = pieces[0], pieces[1:-1], pieces[-1]
    if len(middle) > MAX_DISCLOSURES:
        raise _error("sd_jwt_malformed", f"more than {MAX_DISCLOSURES} disclosures")
    if any(not d for d in middle):
        raise _error("sd_jwt_malformed", "an empty disclosure (two '~' in a row)")
    jws = parse_jws(jwt_part)
    disclosures = tuple(parse_disclosure(d) for d in middle)
    digests = [d.digest for d in disclosures]
    if len(set(digests)) != len(digests):
        raise _error("disclosure_duplicate", "the same disclosure is given twice")
    presented = text[: len(text) - len(last)]
    return SdJwt(jws, disclosures, last or None, presented)


class _Walk:
    def __init__(self, disclosures: tuple[Disclosure, ...]) -> None:
        self.by_digest = {d.digest: d for d in disclosures}
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.disclosed: list[str] = []
        self.withheld = 0

    def _see(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise _error("sd_jwt_malformed", "a digest must be a string")
        if digest in self.seen:
            raise _error("disclosure_duplicate", "a digest occurs twice in the SD-JWT")
        self.seen.add(digest)
        found = self.by_digest.get(digest)
        if found is None:
            self.withheld += 1
        else:
            self.used.add(digest)
        return found

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, Mapping):
            return self.obj(value, path)
        if isinstance(value, list):
            return self.array(value, path)
        return value

    def obj(self, node: Mapping[str, Any], path: str) -> dict[str, Any]:
        out = {k: self.value(v, f"{path}.{k}" if path else k)
               for k, v in node.items() if k != "_sd"}  # fmt: skip
        digests = node.get("_sd", [])
        if not isinstance(digests, list):
            raise _error("sd_jwt_malformed", "_sd must be an array of digests")
        for digest in digests:
            disclosure = self._see(digest)
            if disclosure is None:
                continue
            if disclosure.name is None:
                raise _error("disclosure_invalid", "an array element disclosure in an _sd")
            if disclosure.name in out:
                raise _error("claim_conflict", f"{disclosure.name!r} is in the payload already")
            where = f"{path}.{disclosure.name}" if path else disclosure.name
            out[disclosure.name] = self.value(disclosure.value, where)
            self.disclosed.append(where)
        return out

    def array(self, items: list[Any], path: str) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, Mapping) and "..." in item:
                if len(item) != 1:
                    raise _error("sd_jwt_malformed", "an array digest object has one key '...'")
                disclosure = self._see(item["..."])
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    raise _error("disclosure_invalid", "an object property disclosure in an array")
                where = f"{path}[{len(out)}]"
                out.append(self.value(disclosure.value, where))
                self.disclosed.append(where)
            else:
                out.append(self.value(item, f"{path}[{len(out)}]"))
        return out


def process_disclosures(
    payload: Mapping[str, Any], disclosures: tuple[Disclosure, ...]
) -> ProcessedClaims:
    """The claims of an SD-JWT with its disclosures put back (section 7.1 step 3).

    ``_sd_alg`` must be ``sha-256`` (``sd_alg_unsupported``); every disclosure must be
    referenced exactly once (``disclosure_unreferenced``); no digest may occur twice
    (``disclosure_duplicate``); a disclosed name must be new in its object
    (``claim_conflict``). ``_sd`` and ``_sd_alg`` are removed from the result.
    """
    alg = payload.get("_sd_alg", SD_ALG)
    if alg != SD_ALG:
        raise _error("sd_alg_unsupported", f"_sd_alg {alg!r} is not {SD_ALG}")
    walk = _Walk(disclosures)
    claims = walk.obj({k: v for k, v in payload.items() if k != "_sd_alg"}, "")
    unreferenced = len(disclosures) - len(walk.used)
    if unreferenced:
        raise _error(
            "disclosure_unreferenced",
            f"{unreferenced} disclosure(s) whose digest the SD-JWT does not contain",
        )
    return ProcessedClaims(claims, tuple(walk.disclosed), walk.withheld)


def verify_key_binding(
    sd_jwt: SdJwt,
    holder_key: PublicKey,
    *,
    now: datetime,
    algorithms: Collection[str],
    audience: str | None = None,
    nonce: str | None = None,
    clock_skew: timedelta = timedelta(minutes=5),
    max_age: timedelta = timedelta(minutes=10),
) -> Mapping[str, Any]:
    """Check the key binding JWT of ``sd_jwt`` (sections 4.3 and 7.3): ``typ`` ``kb+jwt``, a
    signature by ``holder_key``, ``iat`` no later than ``now`` (plus skew) and not older than
    ``max_age``, ``aud`` and ``nonce`` strings equal to the expected ones when given, and
    ``sd_hash`` over the presented SD-JWT. Returns the KB-JWT's claims. Raises
    ``key_binding_missing``, ``key_binding_invalid`` (its detail says what) or the
    :class:`verifier.JoseError` of the signature check."""
    if sd_jwt.kb_jwt is None:
        raise _error("key_binding_missing", "the presentation has no key binding JWT")
    try:
        kb = parse_jws(sd_jwt.kb_jwt, "the key binding JWT")
    except SdJwtError as exc:
        raise _error("key_binding_invalid", exc.detail) from exc
    if kb.typ != KB_JWT_TYP:
        raise _error("key_binding_invalid", f"the key binding JWT's typ is not {KB_JWT_TYP}")
    verify_jws_signature(kb, holder_key, algorithms, "the key binding JWT")
    claims = kb.payload
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise _error("key_binding_invalid", "the key binding JWT has no iat")
    issued = datetime.fromtimestamp(iat, UTC)
    if issued > now + clock_skew or issued < now - max_age - clock_skew:
        raise _error("key_binding_invalid", f"the key binding JWT's iat {issued} is not recent")
    for name, expected in (("aud", audience), ("nonce", nonce)):
        value = claims.get(name)
        if not isinstance(value, str):
            raise _error("key_binding_invalid", f"the key binding JWT has no {name}")
        if expected is not None and value != expected:
            raise _error("key_binding_invalid", f"the key binding JWT's {name} is not {expected!r}")
    if claims.get("sd_hash") != sd_hash(sd_jwt.presented):
        raise _error("key_binding_invalid", "sd_hash does not match the presented SD-JWT")
    return claims
