"""The learner's wallet in a real browser: headless Chromium loads the wallet page of a
credential issued on a live server, in Slovenian and Croatian, photographs it at phone size
(/tmp/wallet-sl.png), and the files behind its links download from the same server."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.support.browser import PNG_SIGNATURE, chromium
from tests.support.data import ACHIEVEMENT
from tests.support.live import Live

pytestmark = pytest.mark.e2e

LEARNER = {"given_name": "Љубица", "family_name": "Јовановић Šćepanović"}
FULL_NAME = "Љубица Јовановић Šćepanović"
SCREENSHOT = Path("/tmp/wallet-sl.png")


def issue(live: Live) -> dict[str, str]:
    key = live.institution("ts-ce", "Šolski center Celje")
    issued = live.credential(key, live.achievement(key, ACHIEVEMENT), LEARNER, "odlično (5)")
    body: dict[str, str] = issued
    assert body["wallet_url"].startswith(f"{live.url}/wallet/")
    # The first read of a status list signs it (see test_pages_browser.issue): do it first.
    httpx.get(body["verification_url"], headers={"Accept": "application/json"}, timeout=30)
    return body


def test_the_wallet_in_a_browser(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.start()
    issued = issue(live)
    wallet = issued["wallet_url"]

    expected = {
        "sl": ("Vaše mikrodokazilo", "Veljavno", "Potrdilo za tiskanje (PDF)", "3D tisk"),
        "hr": ("Vaša mikrokvalifikacija", "Valjano", "Potvrda za ispis (PDF)", "Ishodi učenja"),
    }
    for lang, words in expected.items():
        dom = chromium(tmp_path, "--dump-dom", f"{wallet}?lang={lang}").stdout.decode("utf-8")
        assert f'<html lang="{lang}">' in dom
        for word in words:
            assert word in dom, (lang, word, dom[:3000])
        assert FULL_NAME in dom and "Šolski center Celje" in dom
        assert 'data-verdict="valid"' in dom
        assert issued["verification_url"] in dom
        for name in ("certificate.pdf", "credential.json", "credential.jwt"):
            assert f"/{name}?lang={lang}" in dom

    # What the links give, from the live server.
    path = wallet.removeprefix(live.url)
    pdf = httpx.get(f"{live.url}{path}/certificate.pdf?lang=sl", timeout=30)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert (
        'filename="Ljubica-Jovanovic-Scepanovic_3D-tisk-osnove-FDM.pdf"'
        in (pdf.headers["content-disposition"])
    )
    ld = httpx.get(f"{live.url}{path}/credential.json", timeout=30)
    assert ld.headers["content-type"] == "application/vc" and ld.json() == issued["credential"]

    shot = tmp_path / "phone-sl.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=390,844", f"{wallet}?lang=sl")
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    shutil.copyfile(shot, SCREENSHOT)
