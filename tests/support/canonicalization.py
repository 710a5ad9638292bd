"""Inputs for the proof that the native and the pyld canonicalizations agree byte for byte.

:func:`fixture_documents`: every JSON-LD document in ``tests/fixtures`` (credentials, DID
documents, proof configurations: any JSON object with an ``@context``, at any depth) and in
the verifier corpus (:mod:`tests.support.corpus`, valid and broken, with their status lists).
:func:`generated_credentials`: micro-credentials built by ``issuer.credential`` from a seeded
random generator (multilingual text with Cyrillic, Latin with diacritics, RTL scripts, emoji,
control characters; dates; every optional Annex I field; both profiles, every third one an
EDC-profile credential; both key types, signed), each with an
extra embedded context carrying JSON numbers (integers, big, negative; doubles with
exponents) and, now and then, ``@direction``, ``@json`` and ``@list`` values.
:func:`canonicalize_with` runs :func:`verifier.jsonld.canonicalize` with one setting and says
which path it took.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from issuer.credential import (
    PARTICIPATION_MODES,
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from issuer.data_integrity import add_proof
from issuer.edc import PageImage, build_edc_credential
from tests.support import corpus
from verifier.errors import VerifierError
from verifier.jsonld import DocumentLoader, canonicalize, configure_canonicalization
from verifier.status_list import status_entry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LANGUAGES = ("en", "sl", "hr", "sr", "sr-Latn", "bs", "me", "de", "ar", "he", "uk")
_ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyz ABCXYZ",
    "čćđšž ČĆĐŠŽ",
    "абвгдђежзијклљмнњопрстћуфхцчџш АБВГДЂ",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "😀🎓✅👩‍🔧🇸🇮",
    '\t\n\r\x0b\x0c\x01\x1f\x7f"\\<>{}',
    "\u2028\u0085\u200f\u202e\U0010ffff",
    "0123456789.,;:!?-_/()[]",
)
#: U+E000-U+FFFF, which sorts apart by code point and by UTF-16 code units next to emoji: in
#: one credential in ten.
_HIGH_BMP = "\ufeff\ue000\uff21\ufb01"
#: The embedded context of the generated extras (terms that may carry any JSON-LD value).
EXTRA_CONTEXT = {
    "score": "https://example.org/vocab#score",
    "label": "https://example.org/vocab#label",
    "meta": {"@id": "https://example.org/vocab#meta", "@type": "@json"},
    "steps": {"@id": "https://example.org/vocab#steps", "@container": "@list"},
}


def _text(rng: random.Random, length: int = 24, alphabets: tuple[str, ...] = _ALPHABETS) -> str:
    alphabet = "".join(rng.sample(alphabets, rng.randint(1, 3)))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, length))).strip() or "x"


def _langmap(rng: random.Random, alphabets: tuple[str, ...] = _ALPHABETS) -> dict[str, str]:
    return {lang: _text(rng, 24, alphabets) for lang in rng.sample(LANGUAGES, rng.randint(1, 3))}


def _maybe(rng: random.Random, value: Any) -> Any:
    return value if rng.random() < 0.5 else None


def _number(rng: random.Random) -> Any:
    kind = rng.randrange(6) if rng.random() < 0.3 else rng.randrange(3)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        return rng.randint(-(2**63), 2**63)
    if kind == 2:
        return rng.choice([0, -1, 2**53 + 1, 10**20, 10**21, -(10**25)])
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return rng.choice([1e-7, 1.5e300, -2.5e-30, 1e21, 0.1, 6.02e23])
    return float(rng.randint(-50, 50))


def _extras(rng: random.Random) -> dict[str, Any]:
    extras: dict[str, Any] = {"score": [_number(rng) for _ in range(rng.randint(1, 3))]}
    roll = rng.random()
    if roll < 0.06:
        extras["label"] = {"@value": _text(rng), "@language": "ar", "@direction": "rtl"}
    elif roll < 0.12:
        extras["meta"] = {"b": [1, "č", None], "a": rng.randint(0, 9)}
    elif roll < 0.2:
        extras["steps"] = [_text(rng, 8) for _ in range(rng.randint(0, 3))]
    return extras


def generated_credentials(count: int, seed: int = 14) -> Iterator[dict[str, Any]]:
    """``count`` micro-credentials, alternately unsigned and signed (Ed25519, P-256)."""
    rng = random.Random(seed)
    signers = (
        corpus.signer("Ed25519", f"{corpus.DID_ED}#key-1"),
        corpus.signer("P-256", f"{corpus.DID_P256}#key-1"),
    )
    for number in range(count):
        alphabets = (*_ALPHABETS, _HIGH_BMP) if rng.random() < 0.1 else _ALPHABETS
        spec = AchievementSpec(
            id=uuid.UUID(int=rng.getrandbits(128)),
            revision=rng.randint(1, 9),
            title=_langmap(rng, alphabets),
            learning_outcomes=tuple(
                LearningOutcome(
                    _langmap(rng, alphabets), _maybe(rng, f"http://data.europa.eu/esco/skill/{n}")
                )
                for n in range(rng.randint(1, 4))
            ),
            eqf_level=rng.randint(1, 8),
            assessment_type=_langmap(rng, alphabets),
            participation_form=rng.choice(sorted(PARTICIPATION_MODES)),
            quality_assurance=_langmap(rng, alphabets),
            ects=_maybe(rng, Decimal(rng.randint(1, 600)) / 10),
            workload_hours=_maybe(rng, rng.randint(1, 900)),
            description=_maybe(rng, _langmap(rng, alphabets)),
            nqf_level=_maybe(rng, _text(rng, 6, alphabets)),
            prerequisites=_maybe(rng, _langmap(rng, alphabets)),
            supervision=_maybe(rng, _langmap(rng, alphabets)),
            stackability=_maybe(rng, _langmap(rng, alphabets)),
            further_information=_maybe(rng, _langmap(rng, alphabets)),
        )
        signer = signers[number % 2]
        did = corpus.DID_ED if signer is signers[0] else corpus.DID_P256
        issuer = IssuerProfile(
            did, _text(rng, 24, alphabets), "SVN", "Slovenia", str(rng.randint(1, 10**9)),
            _maybe(rng, "https://school.example/about"),
        )  # fmt: skip
        learner = Learner(
            _text(rng, 12, alphabets), _text(rng, 16, alphabets),
            _maybe(rng, date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000))),
            _maybe(rng, _text(rng, 10, alphabets)),
            _maybe(rng, f"did:key:z6Mk{rng.getrandbits(64):x}"),
        )  # fmt: skip
        issued = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8))
        award = Award(
            uuid.UUID(int=rng.getrandbits(128)), issued, issued.date(), issued,
            _maybe(rng, issued + timedelta(days=rng.randint(1, 4000))),
            _maybe(rng, _text(rng, 8, alphabets)),
        )  # fmt: skip
        status = [
            status_entry(corpus.REVOCATION_LIST, rng.randrange(131072), "revocation"),
            status_entry(corpus.SUSPENSION_LIST, rng.randrange(131072), "suspension"),
        ][: rng.randint(0, 2)]
        if number % 3 == 2:  # the EDC profile: one revocation entry, page images, QDR NQF
            credential = _edc(rng, spec, issuer, learner, award, alphabets)
        else:
            credential = build_credential(spec, issuer, learner, award, credential_status=status)
        if rng.random() < 0.35:
            credential["@context"] = [*credential["@context"], EXTRA_CONTEXT]
            credential["credentialSubject"].update(_extras(rng))
        if number % 4 >= 2:
            credential = add_proof(credential, signer, created=issued, loader=corpus.LOADER)
        yield credential


def _edc(
    rng: random.Random,
    spec: AchievementSpec,
    issuer: IssuerProfile,
    learner: Learner,
    award: Award,
    alphabets: tuple[str, ...],
) -> dict[str, Any]:
    """An EDC-profile credential of the same inputs (its NQF level a QDR concept, a grade)."""
    nqf = _maybe(rng, f"http://data.europa.eu/snb/qdr/c_{rng.getrandbits(32):08x}")
    spec = dataclasses.replace(
        spec,
        profile="edc",
        nqf_level=nqf,
        nqf_level_label=_langmap(rng, alphabets) if nqf else None,
    )
    award = dataclasses.replace(award, grade=award.grade or _text(rng, 8, alphabets))
    # Page languages are BCP 47 tags with an EU language concept ("me" is a country).
    languages = [language for language in spec.title if language != "me"][:2] or ["en"]
    pages = [
        PageImage(language, rng.choice(["image/jpeg", "image/png"]), rng.randbytes(96))
        for language in languages
    ]
    entry = status_entry(corpus.REVOCATION_LIST, rng.randrange(131072), "revocation")
    return build_edc_credential(
        spec, issuer, learner, award, pages=pages, revocation_entry=_maybe(rng, entry),
        ebsi=rng.random() < 0.5,
    )  # fmt: skip


def _documents_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "@context" in value:
            yield value
            proof = value.get("proof")
            for item in proof if isinstance(proof, list) else [proof]:
                if isinstance(item, dict) and "proofValue" in item:
                    config = {k: v for k, v in item.items() if k != "proofValue"}
                    config.setdefault("@context", value["@context"])
                    yield config
        for item in value.values():
            yield from _documents_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _documents_in(item)


def fixture_documents() -> dict[str, dict[str, Any]]:
    """Every JSON-LD document of the test fixtures and of the verifier corpus, by a name."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(FIXTURES.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for number, document in enumerate(_documents_in(data)):
            found[f"{path.relative_to(FIXTURES)}#{number}"] = document
    world = corpus.world()
    items: list[tuple[str, Any]] = [(f"valid {k}", v) for k, v in world.valid.items()]
    items += [(f"broken {k}", v[0]) for k, v in world.broken.items()]
    for url, (_, body) in world.fetcher.documents.items():
        try:
            items.append((f"served {url}", json.loads(body)))
        except ValueError:  # a JWT
            continue
    for name, item in items:
        for number, document in enumerate(_documents_in(item)):
            found[f"{name}#{number}"] = document
    return found


def canonicalize_with(
    mode: str, document: Mapping[str, Any], loader: DocumentLoader
) -> tuple[str, tuple[str, str]]:
    """The N-Quads (or ``"error <code>"``) and the ``(path, reason)`` the hook was told."""
    told: list[tuple[str, str]] = []
    configure_canonicalization(mode, lambda path, reason: told.append((path, reason)))  # type: ignore[arg-type]
    try:
        result = canonicalize(document, loader)
    except VerifierError as exc:
        result = f"error {exc.code}"
    finally:
        configure_canonicalization()
    return result, (told[-1] if told else ("none", "refused"))
