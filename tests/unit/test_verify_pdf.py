"""A credential carried in a PDF (verifier.pdf) and ``python -m verifier certificate.pdf``: the
embedded credential is found and verified; a PDF without one, or one that cannot be read, says
so; oversized attachments are not read."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF

from tests.support.corpus import FIXTURES
from verifier.cli import main
from verifier.pdf import PDF_WITHOUT_CREDENTIAL, credential_in_pdf, is_pdf, unwrap_pdf

INDEPENDENT = json.loads((FIXTURES / "digital-bazaar.json").read_text(encoding="utf-8"))
NOW = ["--now", "2026-06-01T00:00:00Z"]


def pdf_with(*files: tuple[str, bytes, str]) -> bytes:
    """A one-page PDF (fpdf2) with ``files`` embedded as (name, bytes, media type)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Certificate")
    for name, data, media_type in files:
        pdf.embed_file(bytes=data, basename=name, mime_type=media_type, compress=True)
    return bytes(pdf.output())


def credential_bytes(credential: dict[str, object] | None = None) -> bytes:
    return json.dumps(credential or INDEPENDENT["ed25519-di"]).encode("utf-8")


def test_the_credential_embedded_in_a_pdf_is_found() -> None:
    data = pdf_with(
        ("notes.txt", b"hello", "text/plain"),
        ("credential.json", credential_bytes(), "application/vc"),
    )
    assert is_pdf(data)
    found = credential_in_pdf(data, max_bytes=1_000_000)
    assert found is not None and found.name == "credential.json"
    assert json.loads(found.data) == INDEPENDENT["ed25519-di"]


def test_json_ld_comes_before_a_jwt_and_a_jwt_alone_is_found() -> None:
    jwt = b"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln"
    both = pdf_with(
        ("credential.jwt", jwt, "application/vc+jwt"),
        ("credential.json", credential_bytes(), "application/vc"),
    )
    found = credential_in_pdf(both, max_bytes=1_000_000)
    assert found is not None and found.name == "credential.json"
    alone = credential_in_pdf(
        pdf_with(("credential.jwt", jwt, "application/vc+jwt")), max_bytes=1_000_000
    )
    assert alone is not None and alone.data == jwt


@pytest.mark.parametrize(
    "files",
    [
        (),
        (("notes.json", b'{"not": "a credential"}', "application/json"),),
        (("credential.json", b"{broken", "application/vc"),),
        (("picture.png", b"\x89PNG\r\n", "image/png"),),
    ],
)
def test_a_pdf_without_a_credential_says_so(files: tuple[tuple[str, bytes, str], ...]) -> None:
    data = pdf_with(*files)
    assert credential_in_pdf(data, max_bytes=1_000_000) is None
    unwrapped = unwrap_pdf(data, max_bytes=1_000_000)
    assert unwrapped.failed is not None and unwrapped.failed.code == PDF_WITHOUT_CREDENTIAL


def test_an_attachment_over_the_limit_is_not_read() -> None:
    # 4 MB of JSON that compresses to a few kilobytes: the size is what counts, not the bytes
    padded = {**INDEPENDENT["ed25519-di"], "description": " " * 4_000_000}
    data = pdf_with(("credential.json", credential_bytes(padded), "application/vc"))
    assert len(data) < 100_000 and len(zlib.compress(b" " * 4_000_000)) < 10_000
    assert credential_in_pdf(data, max_bytes=1_000_000) is None
    assert credential_in_pdf(data, max_bytes=5_000_000) is not None


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage", b"%PDF-", b"%PDF-1.4\n" + b"\x00" * 50])
def test_a_pdf_that_cannot_be_read_is_unreadable(data: bytes) -> None:
    unwrapped = unwrap_pdf(data, max_bytes=1_000_000)
    assert unwrapped.failed is not None
    assert unwrapped.failed.code in ("pdf_unreadable", PDF_WITHOUT_CREDENTIAL)


def test_other_input_is_left_as_it_is() -> None:
    text = credential_bytes()
    unwrapped = unwrap_pdf(text, max_bytes=10)
    assert unwrapped.data is text and unwrapped.failed is None and unwrapped.attachment is None


def test_the_command_line_verifies_the_credential_a_pdf_carries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf_with(("credential.json", credential_bytes(), "application/vc")))
    assert main([str(path), *NOW]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "VERIFIED: valid"
    assert lines[1] == "  read from the PDF's embedded file credential.json"
    assert main([str(path), *NOW, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["verified"] is True and body["pdfAttachment"] == "credential.json"


def test_the_command_line_says_a_pdf_carries_a_tampered_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = {**INDEPENDENT["ed25519-di"], "validFrom": "2025-01-01T00:00:00Z"}
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf_with(("credential.json", credential_bytes(tampered), "application/vc")))
    assert main([str(path), *NOW]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VERIFIED: not_genuine\n  read from the PDF's embedded file")
    assert "✗ proof: signature_invalid" in out


def test_the_command_line_says_a_pdf_carries_no_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf_with())
    assert main([str(path), *NOW]) == 1
    out = capsys.readouterr().out
    assert "pdf_without_credential: the PDF carries no credential" in out
    assert "read from" not in out
