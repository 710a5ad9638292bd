"""The verification page in the reader's language and script: Serbian content in the script
of the page (transliterated when the credential has only the other), a Serbian Cyrillic
interface, Bosnian and Montenegrin pages reading Croatian and Serbian before English, every
text in another language marked with its ``lang``, dates as each language writes them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.test_pages import LEARNER, headline, path_of, verdict
from tests.support.api import achievement, institution
from tests.support.data import ACHIEVEMENT, HTML

pytestmark = pytest.mark.anyio

CYRILLIC_TITLE = "3D штампа: основе FDM"
LATIN_TITLE = "3D štampa: osnove FDM"


async def issue_with(
    client: httpx.AsyncClient, admin: dict[str, str], title: dict[str, str], slug: str = "ts-lj"
) -> dict[str, Any]:
    _, headers = await institution(client, admin, slug)
    made = await achievement(client, headers, {**ACHIEVEMENT, "title": title})
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER, "grade": "odlično"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    issued: dict[str, Any] = r.json()
    return issued


def title_of(html: str) -> tuple[str | None, str]:
    found = re.search(
        r'<h2 class="credential-title" id="credential-title"(?: lang="([^"]+)")?>([^<]*)</h2>', html
    )
    assert found, html[:3000]
    return found.group(1), found.group(2)


async def test_serbian_latin_pages_show_latin_and_cyrillic_pages_cyrillic(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued = await issue_with(
        client, admin_headers, {"sr": CYRILLIC_TITLE, "sr-Latn": LATIN_TITLE, "en": "3D printing"}
    )
    latin = await client.get(path_of(issued), params={"lang": "sr-Latn"}, headers=HTML)
    assert title_of(latin.text) == (None, LATIN_TITLE)
    assert headline(latin.text) == "Važeće"
    cyrillic = await client.get(path_of(issued), params={"lang": "sr-Cyrl"}, headers=HTML)
    assert cyrillic.headers["content-language"] == "sr-Cyrl"
    assert '<html lang="sr-Cyrl">' in cyrillic.text
    assert title_of(cyrillic.text) == (None, CYRILLIC_TITLE)
    assert headline(cyrillic.text) == "Важеће" and "Издавалац" in cyrillic.text
    assert re.search(r"\d+\. [а-ш]+ \d{4}\.", cyrillic.text)  # a date in Cyrillic  # noqa: RUF001


async def test_one_script_is_transliterated_into_the_other(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    only_cyrillic = await issue_with(
        client, admin_headers, {"sr": CYRILLIC_TITLE, "en": "3D printing"}
    )
    page = await client.get(path_of(only_cyrillic), params={"lang": "sr"}, headers=HTML)
    assert title_of(page.text) == (None, LATIN_TITLE)
    only_latin = await issue_with(
        client, admin_headers, {"sr-Latn": LATIN_TITLE, "en": "3D printing"}, "ss-sabac"
    )
    page = await client.get(path_of(only_latin), params={"lang": "sr-Cyrl"}, headers=HTML)
    assert title_of(page.text) == (None, CYRILLIC_TITLE)


async def test_bosnian_and_montenegrin_read_croatian_and_serbian_before_english(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued = await issue_with(
        client,
        admin_headers,
        {"hr": "3D ispis: osnove FDM", "sr": CYRILLIC_TITLE, "en": "3D printing"},
    )
    bosnian = await client.get(path_of(issued), params={"lang": "bs"}, headers=HTML)
    assert title_of(bosnian.text) == ("hr", "3D ispis: osnove FDM")
    montenegrin = await client.get(path_of(issued), params={"lang": "cnr"}, headers=HTML)
    assert title_of(montenegrin.text) == ("sr-Latn", LATIN_TITLE)
    slovenian = await client.get(path_of(issued), params={"lang": "sl"}, headers=HTML)
    # English is the fallback of a Slovenian page, and marked as English
    assert title_of(slovenian.text) == ("en", "3D printing")
    assert verdict(slovenian.text) == "valid"
    # the learning outcome without Slovenian text is marked too
    assert (
        '<li lang="en">Operates an FDM printer safely</li>' not in slovenian.text
    )  # plain: no tag
    assert "<li>Pripravi model za tisk</li>" in slovenian.text
