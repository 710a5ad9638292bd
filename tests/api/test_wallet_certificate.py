"""The printable certificate, checked from outside our code: poppler (Debian's poppler-utils)
renders it and extracts its text, zxing reads the QR code off the rendered page, pypdf reads
its fonts and takes the attached credential out, and that credential still verifies.

The certificate of a learner with a Cyrillic name is kept at /tmp/certificate-sr.png for a
person to look at."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.support.api import institution, issue_to, wallet_path
from tests.support.data import CYRILLIC, LATIN

pytestmark = pytest.mark.anyio

# č ć đ š ž and their capitals all appear in this (made-up) institution's name.
INSTITUTION = "Strukovna škola Šabac, Đurđevac, Čačak, Ćićevac i Žužemberk"
KEEP = Path("/tmp/certificate-sr.png")
A4_POINTS = (595.28, 841.89)


def poppler(tool: str, *args: str) -> bytes:
    """Run a poppler-utils tool; fails, not skips, when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} is missing: the certificate tests need Debian's poppler-utils "
            "(apt-get install -y poppler-utils; .ci/run installs it)"
        )
    result = subprocess.run([path, *args], capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


async def certificate(
    client: httpx.AsyncClient, admin: dict[str, str], learner: dict[str, Any], lang: str
) -> tuple[dict[str, Any], bytes]:
    _, headers = await institution(client, admin, "ss-sabac", INSTITUTION)
    issued = await issue_to(client, headers, learner)
    r = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": lang})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    return issued, r.content


def fonts(reader: PdfReader) -> list[DictionaryObject]:
    found = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for font in resources["/Font"].get_object().values():
            found.append(font.get_object())
    return found


async def test_the_certificate_renders_with_a_readable_qr_code(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    issued, pdf = await certificate(client, admin_headers, CYRILLIC, "sr")
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    # the first page, then the rest of Annex I (quality assurance and the other notes)
    assert len(reader.pages) in (1, 2)
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS

    poppler("pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page"))
    image = Image.open(io.BytesIO((tmp_path / "page.png").read_bytes()))
    assert abs(image.width - 1240) <= 1 and abs(image.height - 1754) <= 1  # A4 at 150 dpi
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [issued["verification_url"]]
    # The QR code sits in the bottom-right quarter of the page.
    position = codes[0].position
    assert position.top_left.x > image.width / 2 and position.top_left.y > image.height * 0.6
    shutil.copyfile(tmp_path / "page.png", KEEP)


async def test_the_certificate_says_it_in_the_learners_language(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    issued, pdf = await certificate(client, admin_headers, CYRILLIC, "sr")
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    text = " ".join(poppler("pdftotext", "-layout", str(source), "-").decode().split())
    for expected in (
        INSTITUTION,
        "Љубица Јовановић",  # Cyrillic, extracted as it was written: no missing glyph
        "3D printing: FDM basics",
        "MIKROKREDENCIJAL",
        "DODELJENO",
        "ESPB bodovi",
        "50 sati",
        "Nivo EOK",
        "Datum izdavanja 5. mart 2026.",
        "Vrsta ocenjivanja practical demonstration",
        "Ocena odlično (5)",
        "Ishodi učenja",
        "Prepares a model for printing",
        "Operates an FDM printer safely",
        "Proverite ovaj mikrokredencijal",
        issued["verification_url"],
        "priložena ovom PDF-u kao datoteka credential.json",
    ):
        assert expected in text, (expected, text)

    sl = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "sl"})
    (tmp_path / "sl.pdf").write_bytes(sl.content)
    text = " ".join(poppler("pdftotext", str(tmp_path / "sl.pdf"), "-").decode().split())
    assert "3D tisk: osnove FDM" in text and "Pripravi model za tisk" in text
    assert "MIKRODOKAZILO" in text and "Preverite to mikrodokazilo" in text
    assert "Datum izdaje 5. marca 2026" in text and "50 ur" in text


async def test_the_fonts_are_embedded(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        _, pdf = await certificate(client, admin_headers, LATIN, "hr")
    assert [r for r in caplog.records if "glyph" in r.getMessage()] == []
    found = fonts(PdfReader(io.BytesIO(pdf)))
    assert {str(font["/BaseFont"]).split("+", 1)[1] for font in found} == {
        "Roboto",
        "RobotoBold",
    }
    for font in found:
        assert font["/Subtype"] == "/Type0" and "/ToUnicode" in font
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object()
        assert len(embedded.get_data()) > 1000  # the subset itself, not a reference to a font
    source = tmp_path / "hr.pdf"
    source.write_bytes(pdf)
    listed = poppler("pdffonts", str(source)).decode()
    rows = listed.splitlines()[2:]
    assert rows and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), listed
    text = " ".join(poppler("pdftotext", str(source), "-").decode().split())
    assert INSTITUTION in text and "Đurđica Šćepanović" in text


async def test_the_signed_credential_is_attached_and_still_verifies(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued, pdf = await certificate(client, admin_headers, LATIN, "en")
    reader = PdfReader(io.BytesIO(pdf))
    attachments = {name: contents for name, contents in reader.attachments.items()}
    assert set(attachments) == {"credential.json", "credential.jwt"}
    assert attachments["credential.json"] == [issued["stored"]]  # byte for byte
    assert attachments["credential.jwt"] == [issued["jwt"].encode()]
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}
    stream = specs["credential.json"]["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/vc"  # the MIME type, as a PDF name
    assert specs["credential.jwt"]["/EF"]["/F"].get_object()["/Subtype"] == ("/application/vc+jwt")

    credential = json.loads(attachments["credential.json"][0])
    checked = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert checked.status_code == 200, checked.text
    assert checked.json()["verified"] is True and checked.json()["verdict"] == "valid"
    meta = reader.metadata
    assert meta is not None and meta.title == "3D printing: FDM basics \u2013 Đurđica Šćepanović"
    assert meta.author == INSTITUTION
