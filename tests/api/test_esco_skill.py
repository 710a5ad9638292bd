"""A learning outcome's ``esco_skill`` that is not an ESCO skill URI is a 422 that says what is
expected, with an example, and not the regular expression behind it."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import institution
from tests.support.data import ACHIEVEMENT

pytestmark = pytest.mark.anyio

#: "3D printing process" in ESCO v1.1.
REAL = "http://data.europa.eu/esco/skill/2afb2b59-c9a3-4cf3-b1dd-1a2fad51e583"


@pytest.mark.parametrize(
    "value",
    [
        "http://data.europa.eu/esco/skill/…",
        "https://data.europa.eu/esco/skill/2afb2b59-c9a3-4cf3-b1dd-1a2fad51e583",
        REAL + "\n",
        "3D printing process",
    ],
)
async def test_a_bad_esco_skill_is_explained_in_words(
    client: httpx.AsyncClient, admin_headers: dict[str, str], value: str
) -> None:
    _, headers = await institution(client, admin_headers)
    outcomes = [{"title": "Prints a part", "esco_skill": value}]
    r = await client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "learning_outcomes": outcomes},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "learning_outcomes.0.esco_skill"
    assert error["reason"] == (
        "must be an ESCO skill URI: http://data.europa.eu/esco/skill/ followed by the skill's "
        f"id, such as {REAL} (the URI the ESCO portal shows)"
    )
    assert "^" not in r.text and "[A-Za-z0-9-]" not in r.text


async def test_a_real_esco_skill_is_taken_and_the_schema_shows_an_example(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    outcomes = [{"title": "Prints a part", "esco_skill": REAL}]
    r = await client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "learning_outcomes": outcomes},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["learning_outcomes"][0]["esco_skill"] == REAL
    spec = (await client.get("/openapi.json")).json()
    schema = spec["components"]["schemas"]["LearningOutcomeIn"]["properties"]["esco_skill"]
    [uri, _none] = schema["anyOf"]
    assert uri["examples"] == [REAL] and uri["pattern"].startswith("^http://data")
