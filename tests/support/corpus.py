"""A corpus for the verifier tests, issued in-process with microcred's issuer code.

Two did:web institutions (Ed25519 and P-256) and a third party, their DID documents and
signed status lists served by a dict-backed :class:`FakeFetcher` (a fake behind the
``Fetcher`` Protocol), valid credentials in every form we read, and broken ones, each with the
check and code it must fail with. Credentials signed independently by Digital Bazaar's
libraries and ``jose`` are in ``tests/fixtures/verify/digital-bazaar.json``
(``tests/fixtures/verify/generate.py``) and ``digital-bazaar-di.json`` (JCS suites, P-384,
proof sets and chains; ``generate_di.py``).

The verifier's loader is a deployment's at ``https://school.example``: the bundled contexts
and that deployment's own old URL of the microcred context (:data:`OLD_CONTEXT_URL`).
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import keys
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from issuer.data_integrity import add_proof
from issuer.status_list import bitstring_status_list_credential
from issuer.vc_jose import encode_vc_jwt, enveloped_credential
from verifier.did_resolution import DidResolver
from verifier.errors import FetchError
from verifier.fetch import Fetched
from verifier.jsonld import (
    MICROCRED_CONTEXT_URL,
    DocumentLoader,
    bundled_context_bytes,
    bundled_document_loader,
)
from verifier.result import VerificationResult
from verifier.status_list import MIN_LIST_SIZE, set_bit, status_entry
from verifier.verify import verify_credential

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
BASE = "https://school.example"
DID_ED = keys.did_web(BASE, "institutions", "ed")
DID_P256 = keys.did_web(BASE, "institutions", "p256")
DID_OTHER = keys.did_web("https://other.example", "institutions", "x")
CONTEXT_URL = MICROCRED_CONTEXT_URL
#: Where school.example served the microcred context before its permanent URL: credentials
#: it issued then name it, and its verifier knows it; the same path on another host is
#: an unknown context.
OLD_CONTEXT_URL = f"{BASE}/contexts/microcred/v1"
FOREIGN_CONTEXT_URL = "https://contexts.evil.example/contexts/microcred/v1"
UNKNOWN_CONTEXT = "https://example.org/contexts/unknown/v1"
LOADER = bundled_document_loader()
_MICROCRED_CONTEXT = json.loads(bundled_context_bytes(MICROCRED_CONTEXT_URL))
DEPLOYMENT_LOADER = bundled_document_loader({OLD_CONTEXT_URL: _MICROCRED_CONTEXT})
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "verify"

REVOCATION_LIST = f"{BASE}/status/ed/r1"
SUSPENSION_LIST = f"{BASE}/status/ed/s1"
JWT_LIST = f"{BASE}/status/ed/r-jwt"
TAMPERED_LIST = f"{BASE}/status/ed/tampered"
FOREIGN_LIST = f"{BASE}/status/ed/foreign"
MISSING_LIST = f"{BASE}/status/ed/gone"
GOOD_INDEX, REVOKED_INDEX, SUSPENDED_INDEX = 4711, 90001, 12345

SPEC = AchievementSpec(
    id=uuid.UUID("0b7c6f6e-0000-4000-8000-000000000001"),
    revision=1,
    title={"en": "Welding basics", "sl": "Osnove varjenja"},
    learning_outcomes=(LearningOutcome({"en": "Welds a butt joint safely"}),),
    eqf_level=4,
    assessment_type={"en": "practical demonstration"},
    participation_form="in_person",
    quality_assurance={"en": "Internal QA of the awarding body"},
    ects=Decimal("2"),
    workload_hours=50,
)
LEARNER = Learner("Ana", "Horvat", date(2004, 3, 1))


class FakeFetcher:
    """A :class:`verifier.fetch.Fetcher` over a dict: URL -> (content type, body)."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []

    def put(self, url: str, document: Any, content_type: str = "application/json") -> None:
        body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
        self.documents[url] = (content_type, body)

    def fetch(self, url: str, *, accept: str) -> Fetched:
        self.requests.append((url, accept))
        if url not in self.documents:
            raise FetchError("fetch_failed", f"{url}: HTTP 404")
        content_type, body = self.documents[url]
        return Fetched(url, 200, content_type, body)


class FailingFetcher:
    """A :class:`verifier.fetch.Fetcher` that raises the given error for some URLs and asks
    ``fetcher`` for the rest: a host that is down, slow or answers 5xx."""

    def __init__(self, fetcher: FakeFetcher, failures: Mapping[str, FetchError]) -> None:
        self.fetcher = fetcher
        self.failures = dict(failures)
        self.requests: list[str] = []

    def fetch(self, url: str, *, accept: str) -> Fetched:
        self.requests.append(url)
        if url in self.failures:
            raise self.failures[url]
        return self.fetcher.fetch(url, accept=accept)


def signer(key_type: str, verification_method: str) -> keys.LocalSigner:
    master = bytes(range(32))
    sealed = keys.generate_sealed_key(key_type, master, verification_method.encode())
    aad = verification_method.encode()
    return keys.open_signer(sealed.sealed, master, aad, verification_method)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], by: keys.Signer) -> str:
    """A compact JWS with any header, signed by ``by`` (for headers encode_vc_jwt won't make)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if header.get("alg") == "none":
        return signing_input + "."
    return f"{signing_input}.{b64url(by.sign(signing_input.encode()))}"


@dataclass
class World:
    fetcher: FakeFetcher
    ed: keys.LocalSigner
    p256: keys.LocalSigner
    other: keys.LocalSigner
    withdrawn: keys.LocalSigner
    impostor: keys.LocalSigner
    valid: dict[str, Any] = field(default_factory=dict)
    #: name -> (credential, failing check, code)
    broken: dict[str, tuple[Any, str, str]] = field(default_factory=dict)

    def verify(self, credential: Any, **options: Any) -> VerificationResult:
        options.setdefault("resolver", DidResolver(self.fetcher))
        options.setdefault("fetcher", self.fetcher)
        options.setdefault("document_loader", DEPLOYMENT_LOADER)
        options.setdefault("now", NOW)
        return verify_credential(credential, **options)


def unsigned(
    did: str = DID_ED,
    *,
    status: Sequence[Mapping[str, Any]] | None = None,
    valid_from: datetime = NOW - timedelta(days=5),
    valid_until: datetime | None = NOW + timedelta(days=365),
    context_url: str = CONTEXT_URL,
) -> dict[str, Any]:
    if status is None:
        status = [
            status_entry(REVOCATION_LIST, GOOD_INDEX, "revocation"),
            status_entry(SUSPENSION_LIST, GOOD_INDEX, "suspension"),
        ]
    issuer = IssuerProfile(did, "Tehniški šolski center", "SVN", "Slovenia", "5051631")
    award = Award(
        uuid.uuid4(), NOW - timedelta(days=5), date(2026, 11, 20), valid_from, valid_until
    )
    return build_credential(
        SPEC, issuer, LEARNER, award, context_url=context_url, credential_status=status
    )


def signed(
    document: Mapping[str, Any], by: keys.Signer, loader: DocumentLoader = LOADER
) -> dict[str, Any]:
    return add_proof(document, by, created=NOW - timedelta(days=5), loader=loader)


def status_list(url: str, purpose: str, issuer: str, *set_bits: int) -> dict[str, Any]:
    """An unsigned status list credential with ``set_bits`` set."""
    bits = bytearray(MIN_LIST_SIZE // 8)
    for index in set_bits:
        set_bit(bits, index, True)
    return bitstring_status_list_credential(
        list_url=url, issuer=issuer, purpose=purpose, bits=bytes(bits),
        valid_from=NOW - timedelta(days=30),
    )  # fmt: skip


@cache
def world() -> World:
    fetcher = FakeFetcher()
    w = World(
        fetcher,
        ed=signer(keys.ED25519, f"{DID_ED}#key-1"),
        p256=signer(keys.P256, f"{DID_P256}#key-1"),
        other=signer(keys.ED25519, f"{DID_OTHER}#key-1"),
        withdrawn=signer(keys.ED25519, f"{DID_ED}#key-0"),
        impostor=signer(keys.ED25519, f"{DID_ED}#key-1"),
    )
    for did, key in ((DID_ED, w.ed), (DID_P256, w.p256), (DID_OTHER, w.other)):
        fetcher.put(keys.did_web_url(did), keys.did_document(did, [("key-1", key.public_key)]))

    # Status lists of the Ed25519 institution, signed by it; and two bad ones.
    revocation = status_list(REVOCATION_LIST, "revocation", DID_ED, REVOKED_INDEX)
    fetcher.put(REVOCATION_LIST, signed(revocation, w.ed), "application/vc+ld+json")
    suspension = status_list(SUSPENSION_LIST, "suspension", DID_ED, SUSPENDED_INDEX)
    fetcher.put(SUSPENSION_LIST, signed(suspension, w.ed), "application/vc+ld+json")
    as_jwt = status_list(JWT_LIST, "revocation", DID_ED, REVOKED_INDEX)
    fetcher.put(JWT_LIST, encode_vc_jwt(as_jwt, w.ed), "application/vc+jwt")
    tampered = signed(status_list(TAMPERED_LIST, "revocation", DID_ED), w.ed)
    flipped = status_list(TAMPERED_LIST, "revocation", DID_ED, GOOD_INDEX)
    tampered["credentialSubject"]["encodedList"] = flipped["credentialSubject"]["encodedList"]
    fetcher.put(TAMPERED_LIST, tampered, "application/vc+ld+json")
    foreign = status_list(FOREIGN_LIST, "revocation", DID_OTHER)
    fetcher.put(FOREIGN_LIST, signed(foreign, w.other), "application/vc+ld+json")

    # Valid: ours in every form, and Digital Bazaar's / jose's.
    credential = unsigned()
    w.valid["ed25519-di"] = signed(credential, w.ed)
    w.valid["p256-di"] = signed(unsigned(DID_P256, status=()), w.p256)
    w.valid["ed25519-jwt"] = encode_vc_jwt(credential, w.ed)
    w.valid["p256-jwt"] = encode_vc_jwt(unsigned(DID_P256, status=()), w.p256)
    w.valid["enveloped"] = enveloped_credential(w.valid["ed25519-jwt"])
    w.valid["jwt-status-list"] = signed(
        unsigned(status=[status_entry(JWT_LIST, GOOD_INDEX, "revocation")]), w.ed
    )
    legacy_vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"degree": {"type": "BachelorDegree", "name": "Welding"}},
    }
    w.valid["vc-jwt-1.1"] = sign_jws(
        {"alg": "EdDSA", "typ": "JWT", "kid": w.ed.id},
        {"iss": DID_ED, "sub": "did:example:ana", "jti": "urn:uuid:0b7c6f6e-1",
         "nbf": int((NOW - timedelta(days=1)).timestamp()),
         "exp": int((NOW + timedelta(days=1)).timestamp()), "vc": legacy_vc},
        w.ed,
    )  # fmt: skip
    # A did:key issuer's vc+jwt needs no kid: the DID has exactly one key.
    holder_of_did_key = signer(keys.ED25519, "did:key:placeholder#key")
    did_key = keys.did_key(holder_of_did_key.public_key)
    w.valid["did-key-jwt-without-kid"] = sign_jws(
        {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc"},
        unsigned(did_key, status=()),
        holder_of_did_key,
    )
    independent = json.loads((FIXTURES / "digital-bazaar.json").read_text(encoding="utf-8"))
    for name, item in independent.items():
        w.valid[f"digital-bazaar-{name}"] = item
    data_integrity = json.loads((FIXTURES / "digital-bazaar-di.json").read_text(encoding="utf-8"))
    for did, document in data_integrity["didDocuments"].items():
        fetcher.put(keys.did_web_url(did), document)
    for name, item in data_integrity["valid"].items():
        w.valid[f"digital-bazaar-{name}"] = item
    # Issued by school.example before the permanent context URL: it keeps verifying there.
    w.valid["old-context-url"] = signed(
        unsigned(context_url=OLD_CONTEXT_URL), w.ed, DEPLOYMENT_LOADER
    )

    # Broken: each fails one check with one code.
    def broken(name: str, item: Any, check: str, code: str) -> None:
        w.broken[name] = (item, check, code)

    def with_status(*entries: tuple[str, int, str]) -> dict[str, Any]:
        return unsigned(status=[status_entry(*entry) for entry in entries])

    def jws(item: Mapping[str, Any], by: keys.Signer = w.ed, **change: Any) -> str:
        header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": w.ed.id, **change}
        return sign_jws({k: v for k, v in header.items() if v is not None}, item, by)

    claim = copy.deepcopy(w.valid["ed25519-di"])
    claim["credentialSubject"]["familyName"] = {"en": "Someone Else"}
    broken("tampered claim", claim, "proof", "signature_invalid")
    proof_value = copy.deepcopy(w.valid["ed25519-di"])
    value = proof_value["proof"]["proofValue"]
    flip = "A" if value[20] != "A" else "B"
    proof_value["proof"]["proofValue"] = value[:20] + flip + value[21:]
    broken("tampered proof value", proof_value, "proof", "signature_invalid")
    broken("wrong key", signed(unsigned(), w.impostor), "proof", "signature_invalid")
    other_key = signed(unsigned(), w.other)
    broken("key not of the issuer", other_key, "issuer_key", "controller_mismatch")
    withdrawn = signed(unsigned(), w.withdrawn)
    broken("key withdrawn", withdrawn, "issuer_key", "verification_method_not_found")
    odd = unsigned()
    odd["@context"] = [*odd["@context"], UNKNOWN_CONTEXT]
    their_loader = bundled_document_loader(
        {UNKNOWN_CONTEXT: {"@context": {"nickname": "https://example.org/vocab#nickname"}}}
    )
    broken("unknown context", signed(odd, w.ed, their_loader), "proof", "unknown_context")
    # Our context's path on any other host is not our context (Digital Bazaar agrees).
    foreign_loader = bundled_document_loader({FOREIGN_CONTEXT_URL: _MICROCRED_CONTEXT})
    foreign = signed(unsigned(context_url=FOREIGN_CONTEXT_URL), w.ed, foreign_loader)
    broken("microcred context on another host", foreign, "proof", "unknown_context")
    for name, item in data_integrity["broken"].items():
        broken(name, item["credential"], item["check"], item["code"])
    expired = unsigned(valid_from=NOW - timedelta(days=400), valid_until=NOW - timedelta(days=1))
    broken("expired", signed(expired, w.ed), "validity", "expired")
    early = signed(unsigned(valid_from=NOW + timedelta(days=1)), w.ed)
    broken("not yet valid", early, "validity", "not_yet_valid")
    revoked = with_status(
        (REVOCATION_LIST, REVOKED_INDEX, "revocation"), (SUSPENSION_LIST, GOOD_INDEX, "suspension")
    )
    broken("revoked", signed(revoked, w.ed), "revocation", "revoked")
    suspended = with_status(
        (REVOCATION_LIST, GOOD_INDEX, "revocation"),
        (SUSPENSION_LIST, SUSPENDED_INDEX, "suspension"),
    )
    broken("suspended", signed(suspended, w.ed), "suspension", "suspended")
    for name, url, code in (
        ("status list tampered", TAMPERED_LIST, "status_list_proof_invalid"),
        ("status list of another issuer", FOREIGN_LIST, "status_list_issuer_mismatch"),
        ("status list unavailable", MISSING_LIST, "status_list_unavailable"),
    ):
        on_list = with_status((url, GOOD_INDEX, "revocation"))
        broken(name, signed(on_list, w.ed), "revocation", code)
    broken("wrong alg", jws(credential, alg="ES256"), "proof", "alg_key_mismatch")
    broken("alg none", jws(credential, alg="none"), "proof", "alg_not_allowed")
    broken("alg HS256", jws(credential, alg="HS256"), "proof", "alg_not_allowed")
    iss = jws({**credential, "iss": DID_OTHER})
    broken("jwt iss mismatch", iss, "format", "iss_mismatch")
    forged = w.valid["ed25519-jwt"].split(".")
    forged[1] = jws({**credential, "name": "Forged"}).split(".")[1]
    broken("jwt tampered payload", ".".join(forged), "proof", "signature_invalid")
    broken("jwt without kid", jws(credential, kid=None), "issuer_key", "kid_missing")
    foreign_kid = jws(credential, w.other, kid=w.other.id)
    broken("jwt kid of another DID", foreign_kid, "issuer_key", "controller_mismatch")
    broken("jwt typ", jws(credential, typ="JWT"), "format", "typ_unsupported")
    # A vc+jwt's payload is JSON-LD too (VC-JOSE-COSE 3.1.1), checked as a DI credential is.
    nickname = {**credential, "credentialSubject": {**credential["credentialSubject"],
                                                    "nickname": "Ani"}}  # fmt: skip
    broken("jwt undefined term", jws(nickname), "format", "undefined_term")
    unknown = {**credential, "@context": [*credential["@context"], UNKNOWN_CONTEXT]}
    broken("jwt unknown context", jws(unknown), "format", "unknown_context")
    legacy_claim = {**credential, "vc": {**credential, "name": "Another credential"}}
    broken("jwt with a vc claim", jws(legacy_claim), "format", "claims_invalid")
    v1 = {**credential, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    broken("jwt of a VC 1.1 credential", jws(v1), "format", "data_model_invalid")
    other_did_key = keys.did_key(w.other.public_key)
    broken(
        "did:key jwt without kid, signed by another key",
        sign_jws({"alg": "EdDSA", "typ": "vc+jwt"}, unsigned(other_did_key, status=()), w.ed),
        "proof", "signature_invalid",
    )  # fmt: skip
    sd_jwt = {**w.valid["enveloped"], "id": "data:application/vc+sd-jwt,x.y.z"}
    broken("envelope of SD-JWT", sd_jwt, "format", "envelope_unsupported")
    no_proof = {k: v for k, v in w.valid["ed25519-di"].items() if k != "proof"}
    broken("no proof", no_proof, "proof", "proof_missing")
    no_issuer = {k: v for k, v in no_proof.items() if k != "issuer"}
    broken("no issuer", no_issuer, "format", "data_model_invalid")
    broken("not a credential", "hello, world", "format", "format_unrecognized")
    return w
