"""Benchmark: rendering the printable certificate (the wallet's PDF) of one credential.

Prints, in one run on the same signed credential (2 learning outcomes, every optional element
set, a Cyrillic learner name, the JSON-LD and the JWT attached): ``render_certificate``
PDFs/s in Serbian and in English, as a ratio to two references measured in the same run:
fpdf2 writing a blank A4 page in a built-in font (the floor of any fpdf2 document), and segno
making the PNG QR code of the verification URL (what the verification page serves). Two more
lines write one line of text in the two embedded Roboto fonts: with fpdf2 parsing the font
files itself (``add_font``, what every certificate paid before the fonts were parsed once per
process) and with the fonts of :mod:`app.documents.fonts` (what a certificate pays now: the
subsetting). The last line is the EDC profile's page image (the certificate's first page,
rasterized and encoded as JPEG). The scenarios run interleaved in short rounds and keep each
one's best round, so a burst of noise on this shared machine hits a ratio less than an
absolute number. Runs in about 15 s.

    .venv/bin/python bench/pdf.py [--rounds 3] [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from fpdf import FPDF
from harness import best_rates, print_notes

import keys
from app.documents.certificate import FONT, FONT_FILES, render_certificate
from app.documents.fonts import add_fonts, use_smallest_sources
from app.documents.i18n import language
from app.documents.page_image import render_page_image
from app.documents.qr import qr_png
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import bundled_document_loader

BASE_URL = "http://127.0.0.1:8000"
VERIFICATION_URL = f"{BASE_URL}/v/Xq3d0Wc9vRk2LmT7pYbN4A"


def signed_credential() -> tuple[dict[str, Any], bytes, str]:
    """A credential as issuance stores it: the document, its signed bytes and its JWT."""
    did = keys.did_web(BASE_URL, "institutions", "ts-bg")
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    signer = keys.LocalSigner(f"{did}#key-1", private, public)
    now = datetime(2026, 3, 5, 14, 2, 7, tzinfo=UTC)
    spec = AchievementSpec(
        id=uuid.uuid4(),
        revision=1,
        title={"en": "3D printing: FDM basics", "sr": "3D štampa: osnove FDM"},
        learning_outcomes=(
            LearningOutcome(
                {"en": "Prepares a model for printing", "sr": "Priprema model za štampu"},
                "http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8-9b0a-4e1b8e6e8d5f",
            ),
            LearningOutcome(
                {"en": "Operates an FDM printer safely", "sr": "Bezbedno rukuje FDM štampačem"},
                "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            ),
        ),
        eqf_level=4,
        assessment_type={"en": "Practical demonstration", "sr": "Praktična provera"},
        participation_form="blended",
        quality_assurance={"en": "Internal QA of the awarding body, accredited by the ministry"},
        ects=Decimal(2),
        workload_hours=50,
        description={"en": "Preparing, slicing and printing models on FDM printers."},
        nqf_level="NOK 4",
        prerequisites={"en": "Basic computer literacy"},
        supervision={"en": "Supervised on site, identity checked against an ID document"},
        stackability={"en": "Stacks into the 3D printing technician programme"},
        further_information={"en": "https://example.org/courses/3d-fdm"},
    )
    profile = IssuerProfile(
        did=did,
        name="Tehnička škola Beograd",
        country_alpha3="SRB",
        country_name="Serbia",
        legal_id="07001398",
        homepage="https://example.org",
    )
    learner = Learner("Љубица", "Јовановић", date(2004, 3, 1), "RS-0103004", None)
    award = Award(
        credential_id=uuid.uuid4(),
        issued_at=now,
        awarded_on=now.date(),
        valid_from=now,
        valid_until=now + timedelta(days=5 * 365),
        grade="odličan (5)",
    )
    document = build_credential(spec, profile, learner, award)
    secured = add_proof(document, signer, created=now, loader=bundled_document_loader())
    stored = json.dumps(secured, ensure_ascii=False, separators=(",", ":")).encode()
    return secured, stored, encode_vc_jwt(document, signer)


def blank_page() -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Blank")
    return bytes(pdf.output())


def roboto_line(*, parsed_once: bool = False) -> bytes:
    pdf = FPDF(format="A4")
    if parsed_once:
        add_fonts(pdf)
    else:
        for style, path in FONT_FILES.items():
            pdf.add_font(FONT, style, str(path))
    pdf.add_page()
    pdf.set_font(FONT, "", 12)
    pdf.cell(text="Љубица Јовановић, čćđšž ")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(text="3D štampa")
    if parsed_once:
        use_smallest_sources(pdf)
    return bytes(pdf.output())


def row(scenario: str, per_second: float, ratio: float, reference: str) -> None:
    print(f"{scenario:52} {per_second:9.1f} {1000 / per_second:8.2f} {ratio:7.3f}  {reference}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be positive and --seconds above zero")

    credential, stored, jwt = signed_credential()

    def certificate(tag: str) -> Callable[[], bytes]:
        lang = language(tag)
        assert lang is not None
        return lambda: render_certificate(
            credential, credential_json=stored, jwt=jwt, verification_url=VERIFICATION_URL,
            lang=lang,
        )  # fmt: skip

    serbian = language("sr")
    assert serbian is not None
    scenarios: dict[str, Callable[[], object]] = {
        "blank": blank_page,
        "qr": lambda: qr_png(VERIFICATION_URL),
        "roboto": roboto_line,
        "roboto_once": lambda: roboto_line(parsed_once=True),
        "sr": certificate("sr"),
        "en": certificate("en"),
        "page": lambda: render_page_image(
            credential, verification_url=VERIFICATION_URL, lang=serbian
        ),
    }
    size = len(scenarios["sr"]())  # type: ignore[arg-type]
    r = best_rates(scenarios, args.rounds, args.seconds)
    blank, qr = r["blank"], r["qr"]
    print(f"{'scenario':52} {'per s':>9} {'ms':>8} {'ratio':>7}  to")
    row("fpdf2 blank A4 page, built-in font (reference)", blank, 1.0, "itself")
    row("segno QR code PNG of the URL (reference)", qr, 1.0, "itself")
    row("fpdf2 one line in embedded Roboto Regular + Bold", r["roboto"], r["roboto"] / blank,
        "blank page")  # fmt: skip
    row("  the same, fonts parsed once (app.documents.fonts)", r["roboto_once"],
        r["roboto_once"] / r["roboto"], "fpdf2 parsing the files")  # fmt: skip
    for tag, name in (("sr", "Serbian"), ("en", "English")):
        row(f"render_certificate ({name}, Cyrillic learner)", r[tag], r[tag] / blank, "blank page")
        row("  the same", r[tag], r[tag] / qr, "QR code PNG")
        row("  the same", r[tag], r[tag] / r["roboto"], "one line, fpdf2 parsing the fonts")
    row("EDC page image (Serbian): certificate page 1 as JPEG", r["page"], r["page"] / qr,
        "QR code PNG")  # fmt: skip

    print()
    fonts = 1 / r["roboto_once"] - 1 / blank
    parsing = 1 / r["roboto"] - 1 / r["roboto_once"]
    notes = (
        f"One certificate is {size / 1024:.0f} KiB (two embedded font subsets, the credential "
        f"and its JWT attached) and costs {1000 / r['sr']:.1f} ms of one core, of which "
        f"subsetting the two Roboto fonts is about {1000 * fonts:.1f} ms "
        f"({100 * fonts * r['sr']:.0f}%); parsing them, which fpdf2 would do for every "
        f"document, would add {1000 * parsing:.1f} ms. Best of {args.rounds} interleaved "
        f"rounds of {args.seconds} s each; os.cpu_count() = {os.cpu_count()}. These machines "
        "are noisy: compare ratios, not absolute numbers."
    )
    print_notes(notes)


if __name__ == "__main__":
    main()
