"""An institution's language (BCP 47) and credential profile, and an achievement's profile
override, over HTTP through the ASGI app: the language tags the legal name and the plain-text
fields of its credentials; a bad tag or profile is a 422 naming the field."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.api import achievement, credential, institution
from tests.support.data import ACHIEVEMENT

pytestmark = pytest.mark.anyio

PLAIN = {**ACHIEVEMENT, "title": "Варење МИГ/МАГ: основе"}


@pytest.mark.parametrize(
    ("given", "stored"),
    [("sl", "sl"), ("hr", "hr"), ("SR-cyrl", "sr-Cyrl"), ("sr-Latn", "sr-Latn"), ("cnr", "cnr"),
     ("de-at", "de-AT"), ("mk", "mk")],
)  # fmt: skip
async def test_the_language_is_stored_in_canonical_form(
    client: httpx.AsyncClient, admin_headers: dict[str, str], given: str, stored: str
) -> None:
    inst, headers = await institution(client, admin_headers, language=given)
    assert inst["language"] == stored and inst["profile"] == "compact"
    shown = await client.get("/api/v1/institutions/ts-lj", headers=headers)
    assert shown.json()["language"] == stored


async def test_without_a_language_it_is_english_and_the_credential_is_todays(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    assert inst["language"] == "en" and inst["profile"] == "compact"
    made = await achievement(client, headers)
    issued = json.loads((await credential(client, headers, made["id"]))["stored"])
    assert issued["issuer"]["legalName"] == {"en": "Tehniški šolski center"}
    assert [e["statusPurpose"] for e in issued["credentialStatus"]] == ["revocation", "suspension"]
    assert "displayParameter" not in issued and "credentialSchema" not in issued


async def test_the_language_tags_the_legal_name_and_plain_text(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(
        client, admin_headers, name="Технички школски центар", language="sr-Cyrl"
    )
    made = await achievement(client, headers, PLAIN)
    assert made["title"] == {"sr-Cyrl": "Варење МИГ/МАГ: основе"}
    assert made["assessment_type"] == {"sr-Cyrl": "practical demonstration"}
    issued = json.loads((await credential(client, headers, made["id"]))["stored"])
    assert issued["issuer"]["legalName"] == {"sr-Cyrl": "Технички школски центар"}
    claim = issued["credentialSubject"]["hasClaim"]
    assert claim["title"] == {"sr-Cyrl": "Варење МИГ/МАГ: основе"}
    assert issued["credentialSubject"]["givenName"] == {"sr-Cyrl": "Ana"}


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"language": "xx"}, "language", "ISO 639"),
        ({"language": "english"}, "language", "language[-Script][-REGION]"),
        ({"language": "sr-Abcd"}, "language", "ISO 15924"),
        ({"language": "sr-QQ"}, "language", "ISO 3166-1"),
        ({"language": "slv"}, "language", "ISO 639-1 code 'sl'"),
        ({"profile": "europass"}, "profile", ""),
    ],
)
async def test_a_bad_language_or_profile_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: dict[str, str],
    field: str,
    says: str,
) -> None:
    new = {"slug": "ts-lj", "name": "TŠC", "country": "SI", "legal_id": "1", **body}
    r = await client.post("/api/v1/institutions", json=new, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    fields = [e.get("field") or ".".join(map(str, e.get("loc", []))) for e in problem["errors"]]
    assert any(f.endswith(field) for f in fields), problem
    assert says in json.dumps(problem, ensure_ascii=False)


async def test_an_achievement_overrides_the_profile_and_null_restores_the_institutions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    assert made["profile"] is None
    changed = await client.patch(
        f"/api/v1/achievements/{made['id']}", json={"profile": "edc"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["profile"] == "edc"
    back = await client.patch(
        f"/api/v1/achievements/{made['id']}", json={"profile": None}, headers=headers
    )
    assert back.json()["profile"] is None
    bad = await client.patch(
        f"/api/v1/achievements/{made['id']}", json={"profile": "full"}, headers=headers
    )
    assert bad.status_code == 422


async def test_the_edc_profile_takes_the_nqf_level_only_as_a_qdr_concept(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers, profile="edc")
    body: dict[str, Any] = {**ACHIEVEMENT, "nqf_level": "SOK 5"}
    r = await client.post("/api/v1/achievements", json=body, headers=headers)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "nqf_level"
    assert "http://data.europa.eu/snb/qdr/25831c2" in error["reason"]
    body["nqf_level"] = "http://data.europa.eu/snb/qdr/c_c392e7a2"
    made = await achievement(client, headers, body)
    # The same text is fine for a compact achievement of the same institution.
    compact = await achievement(
        client, headers, {**body, "nqf_level": "SOK 5", "profile": "compact"}
    )
    assert compact["nqf_level"] == "SOK 5" and made["profile"] is None
    # ...until it is switched to the EDC profile.
    r = await client.patch(
        f"/api/v1/achievements/{compact['id']}", json={"profile": "edc"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "nqf_level"


async def test_the_admin_changes_the_language_and_profile_for_credentials_from_then_on(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    before = json.loads((await credential(client, headers, made["id"]))["stored"])
    r = await client.patch(
        "/api/v1/institutions/ts-lj", json={"language": "SL", "profile": "edc"}, headers=headers
    )
    assert r.status_code in (401, 403), r.text  # the admin's, not the institution's
    r = await client.patch(
        "/api/v1/institutions/ts-lj", json={"language": "SL", "profile": "edc"},
        headers=admin_headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["language"], r.json()["profile"]) == ("sl", "edc")
    after = json.loads((await credential(client, headers, made["id"], grade="5"))["stored"])
    assert before["issuer"]["legalName"] == {"en": "Tehniški šolski center"}
    assert after["issuer"]["legalName"] == {"sl": "Tehniški šolski center"}
    assert "displayParameter" in after and isinstance(after["credentialStatus"], dict)
    events = (await client.get("/api/v1/institutions/ts-lj/events", headers=headers)).json()
    updated = next(e for e in events if e["kind"] == "institution.updated")
    assert updated["data"] == {"language": "sl", "profile": "edc"}
    bad = await client.patch(
        "/api/v1/institutions/ts-lj", json={"language": "xx"}, headers=admin_headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "language"
    missing = await client.patch(
        "/api/v1/institutions/nope", json={"profile": "edc"}, headers=admin_headers
    )
    assert missing.status_code == 404
