"""The pages in a real browser, for every kind of answer a person can get, at phone and
desktop sizes, in English, Slovenian and Serbian Cyrillic: Chromium (puppeteer-core) renders
them and axe-core finds no accessibility violation, with "Technical details" closed and open;
each shows the verdict that fits and speaks its language."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest

from tests.interop.harness import INTEROP_DIR, ensure_installed
from tests.support.browser import CHROMIUM
from tests.support.data import ACHIEVEMENT
from tests.support.live import Live

pytestmark = pytest.mark.e2e

LEARNER = {"given_name": "Đurđica", "family_name": "Šćepanović Žunič"}
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
LANGS = ("en", "sl", "sr-Cyrl")


def run_axe(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ensure_installed()
    job = json.dumps({"chromium": CHROMIUM, "pages": pages})
    done = subprocess.run(
        ["node", str(INTEROP_DIR / "axe_pages.mjs")],
        input=job, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def test_every_answer_is_accessible_in_three_languages_at_two_sizes(live: Live) -> None:
    live.prepare_database()
    live.start()
    key = live.institution("ts-mb", "Srednja šola Maribor", contact="info@ssmb.example.si")
    achievement = live.achievement(key, ACHIEVEMENT)
    issued = {
        state: live.credential(key, achievement, LEARNER, "odlično (5)")
        for state in ("valid", "revoked", "suspended")
    }
    headers = {"Authorization": f"Bearer {key}"}
    for state, action, reason in (("revoked", "revoke", "issued_in_error"),
                                  ("suspended", "suspend", "under_review")):  # fmt: skip
        r = httpx.post(
            f"{live.url}/api/v1/credentials/{issued[state]['id']}/{action}",
            json={"public_reason": reason}, headers=headers, timeout=30,
        )  # fmt: skip
        assert r.status_code == 200, r.text
    tampered = dict(issued["valid"]["credential"])
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    pages: list[dict[str, Any]] = []
    for lang in LANGS:
        for size, (width, height) in SIZES.items():
            common = {"width": width, "height": height}
            for state in ("valid", "revoked", "suspended"):
                url = f"{issued[state]['verification_url']}?lang={lang}"
                pages.append({"name": f"{state} {lang} {size}", "url": url, **common})
            pages.append({"name": f"not_found {lang} {size}",
                          "url": f"{live.url}/v/{'A' * 22}?lang={lang}", **common})  # fmt: skip
            verify = f"{live.url}/verify?lang={lang}"
            pages.append({"name": f"not_genuine {lang} {size}", "url": verify,
                          "submit": {"credential": json.dumps(tampered)}, **common})  # fmt: skip
            pages.append({"name": f"unreadable {lang} {size}", "url": verify,
                          "submit": {"credential": "hello"}, **common})  # fmt: skip
            # The learner's wallet, and the same page with an offer for a wallet app.
            wallet = f"{issued['valid']['wallet_url']}?lang={lang}"
            pages.append({"name": f"wallet {lang} {size}", "url": wallet, **common})
            pages.append({"name": f"wallet_offer {lang} {size}", "url": wallet,
                          "click": "#add-to-wallet button[type=submit]", **common})  # fmt: skip
    results = run_axe(pages)
    assert len(results) == 2 * len(pages)
    problems = [(r["name"], r["open"], r["violations"]) for r in results if r["violations"]]
    assert problems == [], problems
    expected = {
        "valid": "valid", "revoked": "revoked", "suspended": "suspended", "not_found": None,
        "not_genuine": "not_genuine", "unreadable": "unreadable",
        "wallet": "valid", "wallet_offer": "valid",
    }  # fmt: skip
    for result in results:
        state, lang, _ = result["name"].split()
        assert result["lang"] == lang, result
        assert result["verdict"] == expected[state], result
