"""Benchmark: RDFC-1.0 canonicalization, native (pyoxigraph) against pyld, in one run.

Prints, on the sample credential (2 learning outcomes, every optional element set, a new id
each call): pyld canonicalization (``MICROCRED_CANONICALIZATION=pyld``), the native path
(``auto``) of the same document (again, and of a shape it has not seen),
``add_proof`` (eddsa-rdfc-2022, pyld and auto) as a ratio to pyld canonicalization of the
same document, and ``verify_credential`` of a first-seen JSON-LD credential (did:key issuer,
no credentialStatus: nothing fetched, every digest cache cleared) as a ratio to raw Ed25519
verification, with pyld forced (before) and auto (after). Each scenario runs in interleaved
rounds and keeps its best round; a profile of the native path follows.

    .venv/bin/python bench/canonicalize.py
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519
from harness import best_rates, print_notes, sample_credential, verdict

import keys
from issuer.data_integrity import add_proof
from verifier.completeness import _GRAPHS
from verifier.data_integrity import _DOCUMENT_HASHES, _proof_config_hash
from verifier.did_resolution import DidResolver
from verifier.jsonld import (
    _EXPANDS,
    _EXPANSIONS,
    _TEMPLATES,
    CanonicalizationMode,
    bundled_document_loader,
    canonicalize,
    configure_canonicalization,
)
from verifier.verify import verify_credential

ROUNDS, ROUND_SECONDS = 3, 0.5
AIM_PROOF, AIM_FIRST_SEEN = 4.0, 4.0


def with_mode(mode: CanonicalizationMode, fn: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        configure_canonicalization(mode)
        return fn()

    return run


def main() -> int:
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    did = keys.did_key(public)
    signer = keys.LocalSigner(f"{did}#{did.removeprefix('did:key:')}", private, public)
    loader = bundled_document_loader()
    now = datetime.now(UTC)
    document = sample_credential("http://127.0.0.1:8000", did, now)
    signed = add_proof(document, signer, created=now - timedelta(minutes=1), loader=loader)
    resolver = DidResolver()
    message = os.urandom(64)
    signature = private.sign(message)
    raw_public = private.public_key()

    def fresh() -> dict[str, object]:
        return {**document, "id": f"urn:uuid:{uuid.uuid4()}"}

    def first_seen() -> object:
        _proof_config_hash.cache_clear()
        _DOCUMENT_HASHES.clear()
        _EXPANDS.clear()
        _EXPANSIONS.clear()
        _GRAPHS.clear()
        result = verify_credential(signed, resolver=resolver, document_loader=loader, now=now)
        assert result.verified, result
        return result

    def new_shape(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            _TEMPLATES.clear()
            return fn()

        return run

    rates = best_rates(
        {
            "raw_ed25519": lambda: raw_public.verify(signature, message),
            # A new id each time: nothing remembered by digest helps (issuance never signs
            # the same document twice).
            "canon_pyld": with_mode("pyld", lambda: canonicalize(fresh(), loader)),
            "canon_native": with_mode("auto", lambda: canonicalize(fresh(), loader)),
            "canon_seen": with_mode("auto", lambda: canonicalize(document, loader)),
            "canon_new_shape": with_mode("auto", new_shape(lambda: canonicalize(fresh(), loader))),
            "add_proof_pyld": with_mode(
                "pyld", lambda: add_proof(fresh(), signer, created=now, loader=loader)
            ),
            "add_proof_native": with_mode(
                "auto", lambda: add_proof(fresh(), signer, created=now, loader=loader)
            ),
            "verify_pyld": with_mode("pyld", first_seen),
            "verify_native": with_mode("auto", first_seen),
            "verify_new_shape": with_mode("auto", new_shape(first_seen)),
        },
        ROUNDS,
        ROUND_SECONDS,
    )
    configure_canonicalization()
    r = rates
    proof_ratio = r["add_proof_native"] / r["canon_pyld"]
    before = r["verify_pyld"] / r["raw_ed25519"]
    after = r["verify_native"] / r["raw_ed25519"]
    print(f"{'scenario':<66} {'per s':>9} {'ratio':>8}  to")
    rows = [
        ("canonicalize, pyld (forced)", r["canon_pyld"], 1.0, "itself"),
        ("canonicalize, auto (native)", r["canon_native"], r["canon_native"] / r["canon_pyld"],
         "pyld canonicalize"),
        ("canonicalize, auto, the same document again", r["canon_seen"],
         r["canon_seen"] / r["canon_pyld"], "pyld canonicalize"),
        ("canonicalize, auto, a document of a shape never seen", r["canon_new_shape"],
         r["canon_new_shape"] / r["canon_pyld"], "pyld canonicalize"),
        ("add_proof eddsa-rdfc-2022, pyld (forced)", r["add_proof_pyld"],
         r["add_proof_pyld"] / r["canon_pyld"], "pyld canonicalize"),
        ("add_proof eddsa-rdfc-2022, auto (native)", r["add_proof_native"], proof_ratio,
         "pyld canonicalize"),
        ("raw Ed25519 verify", r["raw_ed25519"], 1.0, "itself"),
        ("verify_credential, JSON-LD first seen, pyld (before)", r["verify_pyld"], before,
         "raw Ed25519"),
        ("verify_credential, JSON-LD first seen, auto (after)", r["verify_native"], after,
         "raw Ed25519"),
        ("verify_credential, JSON-LD first seen, of a shape never seen", r["verify_new_shape"],
         r["verify_new_shape"] / r["raw_ed25519"], "raw Ed25519"),
    ]  # fmt: skip
    for label, per_second, ratio, to in rows:
        print(f"{label:<66} {per_second:>9.0f} {ratio:>8.3f}  {to}")
    print()
    print(
        f"aims: add_proof >= {AIM_PROOF:.1f} x pyld canonicalize: {proof_ratio:.2f} "
        f"({verdict(proof_ratio, AIM_PROOF)}); first-seen verification after/before >= "
        f"{AIM_FIRST_SEEN:.1f}: {after / before:.2f} ({verdict(after / before, AIM_FIRST_SEEN)})"
    )
    print()
    configure_canonicalization("auto")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(200):
        canonicalize(fresh(), loader)
    profile.disable()
    configure_canonicalization()
    stats = pstats.Stats(profile, stream=sys.stdout)
    print("where a native canonicalization of a new document spends its time (200 calls):")
    stats.sort_stats("cumulative").print_stats(8)
    print_notes(
        "auto: the safe-mode expansion of a document comes from the template of its shape "
        "(verifier.shapes: the document with its values cut out, expanded once by pyld); its "
        "RDF too, as N-Quads, which pyoxigraph canonicalizes. Only a document of a shape never "
        "seen (or with an embedded context) is expanded by pyld, then turned into RDF by "
        "pyoxigraph. 'first seen' verification: every digest cache cleared (a credential never "
        "verified in this process), templates kept (the issuer's credentials share a few shapes); "
        "'of a shape never seen' clears the templates too. 'before' is pyld forced, which also "
        "expands the credential a second time for the completeness check."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
