"""An institution's branding on its certificates, through the API: a logo, a signature and a
stamp (PNG or SVG, checked before they are kept), the signatory's name and title, and the
place-and-date line."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from tests.api.test_pages import LEARNER
from tests.support.api import achievement, institution, wallet_path

pytestmark = pytest.mark.anyio

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
    b'<path d="M5 50 C 30 5, 60 5, 115 40" stroke="#0b4f8a" stroke-width="4" fill="none"/>'
    b"</svg>"
)


def png(size: tuple[int, int] = (200, 200), colour: str = "#a11d17") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def put_image(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, data: bytes, media_type: str
) -> httpx.Response:
    return await client.put(
        f"/api/v1/institutions/ts-lj/branding/{kind}",
        content=data,
        headers={**headers, "Content-Type": media_type},
    )


def image_count(pdf: bytes) -> int:
    """The raster images on all pages (an SVG is drawn as paths)."""
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"].get_object()
        xobjects = resources.get("/XObject")
        count += len(xobjects.get_object()) if xobjects is not None else 0
    return count


async def test_the_certificate_carries_the_branding(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER, "grade": "odlično"},
        headers=headers,
    )
    issued = r.json()
    plain = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "sl"})

    assert (await put_image(client, headers, "logo", png(), "image/png")).status_code == 200
    assert (await put_image(client, headers, "signature", SVG, "image/svg+xml")).status_code == 200
    stamped = await put_image(client, headers, "stamp", png((300, 300), "#0b4f8a"), "image/png")
    assert stamped.status_code == 200 and stamped.json()["images"] == ["logo", "signature", "stamp"]
    r = await client.patch(
        "/api/v1/institutions/ts-lj",
        json={"signatory_name": "mag. Ana Novak", "signatory_title": "Ravnateljica",
              "place": "Ljubljana"},
        headers=admin_headers,
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["place"] == "Ljubljana"

    branded = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "sl"})
    assert branded.status_code == 200
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(branded.content)).pages
    )
    assert "mag. Ana Novak" in text and "Ravnateljica" in text
    assert "Ljubljana, " in text  # the place-and-date line
    assert image_count(branded.content) >= image_count(plain.content) + 2  # logo and stamp
    assert (
        await client.delete("/api/v1/institutions/ts-lj/branding/logo", headers=headers)
    ).json()["images"] == ["signature", "stamp"]


@pytest.mark.parametrize(
    ("data", "media_type", "why"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "image/svg+xml", "script"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml",
         "event handler"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
         b'<image xlink:href="https://evil.example/x.png"/></svg>', "image/svg+xml", "outside"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', "image/svg+xml",
         "entities"),
        (b"<html/>", "image/svg+xml", "svg root"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>', "image/svg+xml",
         "viewBox"),
        (b"GIF89a....", "image/gif", "image/png or image/svg+xml"),
        (b"\x89PNG\r\n\x1a\nbroken", "image/png", "cannot be read"),
        (b"", "image/png", "empty"),
    ],
)  # fmt: skip
async def test_an_image_that_is_not_safe_or_not_an_image_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], data: bytes, media_type: str, why: str
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await put_image(client, headers, "logo", data, media_type)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "image_refused" and body["errors"][0]["field"] == "image"
    assert why in body["errors"][0]["reason"]


async def test_images_are_size_limited_and_kinds_are_fixed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    big = await put_image(client, headers, "logo", png((3000, 3000)) + b"\0" * 600_000, "image/png")
    assert big.status_code == 422 and "larger than" in big.text
    unknown = await put_image(client, headers, "banner", png(), "image/png")
    assert unknown.status_code == 404
    other = await institution(client, admin_headers, "ss-sabac")
    foreign = await put_image(client, other[1], "logo", png(), "image/png")
    assert foreign.status_code == 403


async def test_the_certificate_holds_every_annex_i_element_the_branding_and_a_readable_qr(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Any
) -> None:
    import zxingcpp

    from tests.api.test_wallet_certificate import poppler
    from tests.support.data import ACHIEVEMENT

    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER, "grade": "odlično (5)"},
        headers=headers,
    )
    issued = r.json()
    assert (await put_image(client, headers, "logo", png(), "image/png")).status_code == 200
    await client.patch(
        "/api/v1/institutions/ts-lj",
        json={"signatory_name": "mag. Ana Novak", "signatory_title": "Ravnateljica",
              "place": "Ljubljana"},
        headers=admin_headers,
    )  # fmt: skip
    pdf = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "en"})
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf.content)
    text = " ".join(poppler("pdftotext", str(source), "-").decode().split())
    annex_i = {
        "learner": "Đurđica Šćepanović Žunič",
        "title": "3D printing: FDM basics",
        "awarding body and country": "Tehniški šolski center",
        "country": "Slovenia",
        "date of issue": "Date of issue",
        "learning outcomes": "Prepares a model for printing",
        "workload (ECTS)": "ECTS",
        "workload (hours)": "50",
        "EQF level": "EQF level",
        "type of assessment": str(ACHIEVEMENT["assessment_type"]),
        "form of participation": "In person",
        "quality assurance": str(ACHIEVEMENT["quality_assurance"]),
        "supervision": str(ACHIEVEMENT["supervision"]),
        "grade": "odlično (5)",
    }
    missing = {element: words for element, words in annex_i.items() if words not in text}
    assert missing == {}, (missing, text)
    for words in ("mag. Ana Novak", "Ravnateljica", "Ljubljana, "):
        assert words in text, (words, text)
    poppler("pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page"))
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [code.text for code in codes] == [issued["verification_url"]]
