"""The certificate's fonts, parsed once per process (app.documents.fonts): a document set with
them is byte for byte the document fpdf2 makes when it parses the font files itself, whatever
was set before in the same process and in whichever script, in one thread or many; and the
certificate and its page image are the same bytes every time for the same inputs."""

from __future__ import annotations

import io
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pypdfium2
import pytest
from fontTools import ttLib
from fpdf import FPDF
from PIL import Image, ImageChops, ImageStat

from app.documents.certificate import render_certificate
from app.documents.fonts import FONT, FONT_FILES, add_fonts, use_smallest_sources
from app.documents.i18n import Language, language
from app.documents.page_image import PAGE_DPI, render_page_image
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)

LATIN = (
    "Tehnički školski centar Ljubljana: 3D tisk, osnove FDM (čćđšž ČĆĐŠŽ) 0123456789 \N{EN DASH} €"
)
CYRILLIC = "Љубица Јовановић, Техничка школа Београд: 3Д штампа — ЂЖЋЧЏШ"
# Beyond the project languages: composed glyphs, Greek, Vietnamese, and one Roboto lacks.
OTHER = "ǅemal Ωmega Nguyễn Thị Ánh ﬁ ½ ™ 漢"
URL = "https://example.org/v/Xq3d0Wc9vRk2LmT7pYbN4A"


def document(texts: list[tuple[str, str]], *, cached: bool) -> bytes:
    """A page with each (style, text) on its own line, the fonts added by ``add_fonts`` (and
    subset from the smallest source that has the glyphs) or by fpdf2 itself from the files."""
    pdf = write(texts, cached=cached)
    if cached:
        use_smallest_sources(pdf)
    return bytes(pdf.output())


def write(texts: list[tuple[str, str]], *, cached: bool) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 3, 5, tzinfo=UTC))
    if cached:
        add_fonts(pdf)
    else:
        for style, path in FONT_FILES.items():
            pdf.add_font(FONT, style, str(path))
    pdf.add_page()
    for style, text in texts:
        pdf.set_font(FONT, style, 12)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return pdf


CASES = {
    "latin": [("", LATIN), ("B", LATIN.upper())],
    "cyrillic": [("B", CYRILLIC), ("", CYRILLIC.lower())],
    "mixed": [("", LATIN + CYRILLIC), ("B", OTHER)],
    "bold only": [("B", "Awarded to")],
}


@pytest.mark.parametrize("case", CASES)
def test_a_document_with_the_cached_fonts_is_the_one_fpdf2_makes_from_the_files(
    case: str,
) -> None:
    assert document(CASES[case], cached=True) == document(CASES[case], cached=False)


def test_random_texts_in_the_common_alphabets_subset_as_from_the_files() -> None:
    """Texts drawn at random from every character of Latin (to Extended-B), basic Cyrillic
    and the common punctuation that Roboto has: subset from the smaller source, the same
    bytes as fpdf2 makes from the file."""
    with ttLib.TTFont(str(FONT_FILES[""]), lazy=True) as font:
        mapped = font.getBestCmap()
    alphabet = [chr(u) for u in mapped
                if 0x21 <= u <= 0x24F or 0x400 <= u <= 0x45F or 0x2010 <= u <= 0x203A]  # fmt: skip
    rng = random.Random(14)
    for _ in range(8):
        texts = [(style, "".join(rng.choices(alphabet, k=rng.randint(3, 60))))
                 for style in rng.sample(["", "B"], rng.randint(1, 2))]  # fmt: skip
        assert document(texts, cached=True) == document(texts, cached=False), texts


def test_the_smaller_source_serves_the_common_alphabets_and_the_whole_font_the_rest() -> None:
    def source_sizes(case: str) -> dict[str, int]:
        """The number of glyphs in the font each style is subset from."""
        pdf = write(CASES[case], cached=True)
        use_smallest_sources(pdf)
        return {key: len(font.ttfont.getGlyphOrder()) for key, font in pdf.fonts.items()}

    whole = 3359  # Roboto's glyphs
    assert max(source_sizes("latin").values()) < whole
    assert max(source_sizes("cyrillic").values()) < whole
    mixed = source_sizes("mixed")  # Bold sets Greek and Vietnamese
    assert mixed["roboto"] < whole and mixed["robotoB"] == whole


def test_the_cached_fonts_carry_nothing_from_one_document_to_the_next() -> None:
    """Cyrillic, then Latin, then Cyrillic again in one process: each the same bytes as fpdf2
    makes from a freshly parsed file (no glyph of one script in the other's subset)."""
    references = {case: document(texts, cached=False) for case, texts in CASES.items()}
    for case in ["cyrillic", "latin", "mixed", "cyrillic", "bold only", "latin"]:
        assert document(CASES[case], cached=True) == references[case], case
    # Two documents open at once, written in turns.
    first, second = FPDF(format="A4"), FPDF(format="A4")
    for pdf in (first, second):
        pdf.set_creation_date(datetime(2026, 3, 5, tzinfo=UTC))
        add_fonts(pdf)
        pdf.add_page()
    for (style_a, a), (style_b, b) in zip(CASES["cyrillic"], CASES["latin"], strict=True):
        first.set_font(FONT, style_a, 12)
        first.multi_cell(0, 6, a, new_x="LMARGIN", new_y="NEXT")
        second.set_font(FONT, style_b, 12)
        second.multi_cell(0, 6, b, new_x="LMARGIN", new_y="NEXT")
    assert bytes(second.output()) == references["latin"]
    assert bytes(first.output()) == references["cyrillic"]


def test_documents_set_in_many_threads_at_once_are_each_their_own() -> None:
    cases = list(CASES) * 6
    references = {case: document(CASES[case], cached=False) for case in CASES}
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda case: document(CASES[case], cached=True), cases))
    assert made == [references[case] for case in cases]


# --- The certificate and its page image ---------------------------------------------------

NOW = datetime(2026, 3, 5, 14, 2, 7, tzinfo=UTC)
SPEC = AchievementSpec(
    id=uuid.UUID("5f1d2c3b-0000-4000-8000-000000000003"),
    revision=1,
    title={"en": "3D printing: FDM basics", "sr": "3D štampa: osnove FDM"},
    learning_outcomes=(
        LearningOutcome({"en": "Prepares a model for printing", "sr": "Priprema model za štampu"}),
    ),
    eqf_level=4,
    assessment_type={"en": "Practical demonstration", "sr": "Praktična provera"},
    participation_form="blended",
    quality_assurance={"en": "Internal QA of the awarding body"},
    ects=Decimal(2),
    workload_hours=50,
)
ISSUER = IssuerProfile("did:web:example.org", "Tehnička škola Beograd", "SRB", "Serbia", "0700")


def credential(given: str, family: str) -> dict[str, Any]:
    learner = Learner(given, family, date(2004, 3, 1))
    award = Award(uuid.UUID(int=11), NOW, NOW.date(), NOW, grade="odličan (5)")
    return build_credential(SPEC, ISSUER, learner, award)


def lang(tag: str) -> Language:
    found = language(tag)
    assert found is not None
    return found


def test_the_same_certificate_is_the_same_pdf_and_the_same_page_image() -> None:
    cyrillic, latin = credential("Љубица", "Јовановић"), credential("Ljubica", "Jovanović")

    def pdf(doc: dict[str, Any], tag: str) -> bytes:
        return render_certificate(
            doc, credential_json=b"{}", jwt=None, verification_url=URL, lang=lang(tag)
        )

    def image(doc: dict[str, Any], tag: str) -> bytes:
        return render_page_image(doc, verification_url=URL, lang=lang(tag))

    first = {(name, tag): (pdf(doc, tag), image(doc, tag))
             for name, doc in (("cyrillic", cyrillic), ("latin", latin))
             for tag in ("sr", "en")}  # fmt: skip
    # Again, in another order: the same bytes.
    for name, doc in (("latin", latin), ("cyrillic", cyrillic)):
        for tag in ("en", "sr"):
            assert (pdf(doc, tag), image(doc, tag)) == first[name, tag], (name, tag)
    assert len({images for _, images in first.values()}) == 4


def test_the_page_image_is_the_certificates_first_page() -> None:
    """The JPEG decodes to the size of the PDF's first page at PAGE_DPI, and its pixels are
    those of that page rasterized (within JPEG's loss)."""
    doc = credential("Љубица", "Јовановић")
    pdf = render_certificate(
        doc, credential_json=b"{}", jwt=None, verification_url=URL, lang=lang("sr")
    )
    document_ = pypdfium2.PdfDocument(pdf)
    try:
        page = document_[0]
        expected = page.render(scale=PAGE_DPI / 72).to_pil().convert("L")
        page.close()
    finally:
        document_.close()
    picture = Image.open(io.BytesIO(render_page_image(doc, verification_url=URL, lang=lang("sr"))))
    assert picture.format == "JPEG" and picture.size == expected.size == (596, 842)
    difference = ImageStat.Stat(ImageChops.difference(picture.convert("L"), expected))
    assert difference.mean[0] < 3  # the mean grey level off by less than 3 of 255


def test_page_images_made_in_many_threads_at_once_are_each_the_same_as_alone() -> None:
    """The service issues in several threads: fonts, QR codes and PDFium (one call at a time)
    are shared, and each page image comes out as it does alone."""
    docs = {"cyrillic": credential("Љубица", "Јовановић"), "latin": credential("Ivo", "Ivić")}
    jobs = [(name, tag) for name in docs for tag in ("sr", "en", "sl")] * 3

    def image(job: tuple[str, str]) -> bytes:
        name, tag = job
        return render_page_image(docs[name], verification_url=f"{URL}{name}", lang=lang(tag))

    alone = {job: image(job) for job in set(jobs)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(image, jobs))
    assert together == [alone[job] for job in jobs]
