"""The verification page in a real browser: headless Chromium (Debian's ``chromium``) loads the
page of a credential issued on a live server, in two languages, and photographs it at phone
size."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.support.browser import PNG_SIGNATURE, chromium
from tests.support.data import ACHIEVEMENT
from tests.support.live import Live

pytestmark = pytest.mark.e2e

LEARNER = {"given_name": "Đurđica", "family_name": "Šćepanović Žunič"}
FULL_NAME = "Đurđica Šćepanović Žunič"
# Where a person (or the lead) can look at what the browser drew.
SCREENSHOTS = {"sl": Path("/tmp/verify-page-sl.png"), "en": Path("/tmp/verify-page-en.png")}


def issue(live: Live) -> str:
    key = live.institution("ts-mb", "Srednja šola Maribor")
    issued = live.credential(key, live.achievement(key, ACHIEVEMENT), LEARNER, "odlično (5)")
    url = issued["verification_url"]
    assert url.startswith(f"{live.url}/v/")
    # The first read of a status list signs it; one read first, so the browser's timing
    # measures the page, not that signing (the verifier's clock skew covers the fresh list).
    httpx.get(url, headers={"Accept": "application/json"}, timeout=30)
    return str(url)


def test_the_verification_page_in_a_browser(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.start()
    url = issue(live)

    expected = {
        "en": ("Valid", "This micro-credential is genuine and valid.", "3D printing: FDM basics"),
        "sl": ("Veljavno", "To mikrodokazilo je pristno in veljavno.", "3D tisk: osnove FDM"),
        "hr": ("Valjano", "Ova je mikrokvalifikacija vjerodostojna i valjana.", "Ishodi učenja"),
    }
    for lang, (word, sentence, title) in expected.items():
        dom = chromium(tmp_path, "--dump-dom", f"{url}?lang={lang}").stdout.decode("utf-8")
        assert f'<html lang="{lang}">' in dom
        assert f'<h1 id="verdict">{word}</h1>' in dom, dom[:3000]
        assert sentence in dom and title in dom
        assert FULL_NAME in dom  # č, ć, đ, š, ž survive the whole way
        assert "Srednja šola Maribor" in dom

    for lang, keep in SCREENSHOTS.items():
        shot = tmp_path / f"phone-{lang}.png"
        chromium(tmp_path, f"--screenshot={shot}", "--window-size=390,844", f"{url}?lang={lang}")
        data = shot.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
        shutil.copyfile(shot, keep)


def test_the_paste_page_in_a_browser(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.start()
    dom = chromium(tmp_path, "--dump-dom", f"{live.url}/verify?lang=sr").stdout.decode("utf-8")
    assert '<html lang="sr-Latn">' in dom
    assert "Proverite mikrokredencijal" in dom and 'enctype="multipart/form-data"' in dom


def test_every_printed_page_carries_the_name_the_verdict_and_the_address(
    live: Live, tmp_path: Path
) -> None:
    live.prepare_database()
    live.start()
    url = issue(live)
    printed = tmp_path / "printed.pdf"
    chromium(tmp_path, f"--print-to-pdf={printed}", "--no-pdf-header-footer", f"{url}?lang=en")
    from pypdf import PdfReader

    pages = PdfReader(str(printed)).pages
    assert len(pages) >= 2, "the test needs a page that prints on more than one sheet"
    for number, page in enumerate(pages, start=1):
        text = " ".join(page.extract_text().split())
        assert FULL_NAME in text and "Valid" in text, (number, text[:300])
        assert url in text.replace(" ", ""), (number, text[:300])
