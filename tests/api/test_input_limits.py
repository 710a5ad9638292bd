"""What callers may send, over HTTP: no control characters in free text (one line, or
paragraphs with tab and line breaks), bounded text, language maps, learning outcomes and
credentials, bounded paging; and control characters in a path or query refused before any
route reads the database."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.errors import Unprocessable
from app.http.urls import VERIFICATION_PATH, WALLET_PATH
from app.main import create_app
from app.persistence.db import make_engine, make_session_factory
from app.services.achievements import AchievementService
from app.services.institutions import NewInstitution
from app.settings import Secrets, Settings
from tests.support.api import achievement, credential, institution, issue_some
from tests.support.clock import FixedClock
from tests.support.data import ACHIEVEMENT, BASE_URL, LEARNER

pytestmark = pytest.mark.anyio

SMALL = {"max_credential_bytes": 16_384, "max_languages": 4, "max_learning_outcomes": 3}


@pytest.fixture
async def small(
    tmp_path: Path,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """The service with small limits (MICROCRED_MAX_*), on the test's transaction."""
    settings = Settings(data_dir=tmp_path, base_url=BASE_URL, **SMALL)
    container = Container(settings, secrets, session_factory, clock=clock)
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield container, client


def fields(r: httpx.Response) -> list[str]:
    assert r.headers["content-type"] == "application/problem+json", r.text
    return [e["field"] for e in r.json().get("errors", [])]


# -- control characters in free text -------------------------------------------------------


@pytest.mark.parametrize(
    ("learner", "award", "field"),
    [
        ({"given_name": "Ana\x00"}, {}, "learner.given_name"),
        ({"family_name": "Hor\x1fvat"}, {}, "learner.family_name"),
        ({"did": "did:example:a\x1fb"}, {}, "learner.did"),
        ({"identifier": "ID\x7f1"}, {}, "learner.identifier"),
        ({"given_name": "A\x85na"}, {}, "learner.given_name"),  # C1: NEXT LINE
        ({"family_name": "Hor\nvat"}, {}, "learner.family_name"),
        ({}, {"grade": "excellent\x00"}, "grade"),
        ({}, {"valid_until": "9999-12-31T23:00:00-05:00"}, "valid_until"),  # no UTC form
    ],
)
async def test_issuance_refuses_control_characters_naming_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    learner: dict[str, str],
    award: dict[str, str],
    field: str,
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    body = {"achievement_id": made["id"], "learner": {**LEARNER, **learner}, **award}
    r = await client.post("/api/v1/credentials", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]
    assert "\x00" not in r.text and "\\u0000" not in r.text  # the value is not echoed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": {"en": "3D printing\nFDM"}}, "title.languages.en"),
        ({"title": "3D\tprinting"}, "title.text"),
        ({"description": {"en": "Slicing\x00"}}, "description.languages.en"),
        ({"quality_assurance": "QA\x0b"}, "quality_assurance.text"),
        ({"learning_outcomes": [{"title": "Prints\x1b[31m"}]}, "learning_outcomes.0.title.text"),
        ({"nqf_level": "4\x00"}, "nqf_level"),
    ],
)
async def test_achievements_refuse_control_characters_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await client.post("/api/v1/achievements", json={**ACHIEVEMENT, **change}, headers=headers)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]
    made = await achievement(client, headers)
    r = await client.patch(f"/api/v1/achievements/{made['id']}", json=change, headers=headers)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]


async def test_paragraphs_keep_tabs_and_line_breaks(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    text = "Preparing models.\r\nSlicing:\tCura, PrusaSlicer.\nPrinting."
    made = await achievement(client, headers, {**ACHIEVEMENT, "description": {"en": text}})
    assert made["description"] == {"en": text}
    issued = await credential(client, headers, made["id"])
    specification = issued["credential"]["credentialSubject"]["hasClaim"]["specifiedBy"]
    assert specification["description"] == {"en": text}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/institutions", {"name": "School\x00"}, "name"),
        ("/api/v1/institutions", {"legal_id": "12\x1f3"}, "legal_id"),
        ("/api/v1/institutions/ts-lj/api-keys", {"label": "registrar\x00"}, "label"),
    ],
)
async def test_institution_texts_refuse_control_characters(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    path: str,
    body: dict[str, str],
    field: str,
) -> None:
    await institution(client, admin_headers)
    base = {"slug": "other", "name": "School", "country": "SI", "legal_id": "1"}
    full = {**base, **body} if path == "/api/v1/institutions" else body
    r = await client.post(path, json=full, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]


def test_the_command_line_s_institutions_are_checked_by_the_service(
    container: Container,
) -> None:
    """``microcred institution create`` reaches the service without the API's schema."""
    with pytest.raises(Unprocessable) as refused:
        container.institutions.create(
            NewInstitution("other", "School\x1bB", "SI", "1"), actor="cli"
        )
    [error] = refused.value.errors
    assert error["field"] == "name" and "U+001B" in error["reason"]


async def test_status_reasons_and_idempotency_keys_refuse_control_characters(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/suspend",
        json={"reason": "under\x00review"},
        headers=headers,
    )
    assert r.status_code == 422 and fields(r) == ["reason"]
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": issued["achievement_id"], "learner": LEARNER},
        headers={**headers, "Idempotency-Key": "class-3a\x01ana"},
    )
    assert r.status_code == 422 and fields(r) == ["header.idempotency-key"], r.text
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": "a\x00b", "learner": LEARNER},
        headers=headers,
    )
    assert r.status_code == 422 and fields(r) == ["achievement_id"]
    r = await client.post(
        "/credentials/status",
        json={"credentialId": f"urn:uuid:{issued['id']}\x00", "status": True,
              "credentialStatus": {"type": "BitstringStatusListEntry",
                                   "statusPurpose": "suspension"}},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 422 and fields(r) == ["credentialId"]


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ({"name": "Ana\x1fHorvat"}, "credential.credentialSubject.name"),
        ({"name": "Ana\x00"}, "credential.credentialSubject.name"),
        ({"description": ["ok", "no\x07"]}, "credential.credentialSubject.description.1"),
        ({"name\x00": "Ana"}, "credential.credentialSubject.name\\u0000"),
    ],
)
async def test_the_vc_api_refuses_control_characters_with_the_json_path(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    subject: dict[str, Any],
    field: str,
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": inst["did"],
        "credentialSubject": {"id": "did:example:learner", **subject},
    }
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]


async def test_the_vc_api_refuses_what_json_has_not_and_deep_nesting(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    credential = json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": inst["did"],
            "credentialSubject": {"id": "did:example:x", "name": float("nan")},
        }
    )
    body = '{"credential": ' + credential + "}"
    assert "NaN" in body
    deep = credential.replace("NaN", "[" * 200 + "1" + "]" * 200)
    deeper = credential.replace("NaN", "[" * 900 + "1" + "]" * 900)
    r = await client.post(
        "/credentials/issue",
        content=body.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert fields(r) == ["credential.credentialSubject.name"]
    r = await client.post(
        "/credentials/issue",
        content=('{"credential": ' + deep + "}").encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    [field] = fields(r)
    assert field.startswith("credential.credentialSubject.name.0.0.")
    assert "64 levels" in r.json()["errors"][0]["reason"]
    # Deeper still, the JSON parser may give up first (400), depending on the stack: a 4xx.
    r = await client.post(
        "/credentials/issue",
        content=('{"credential": ' + deeper + "}").encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code in (400, 422), r.text


# -- sizes: text, languages, learning outcomes, credentials ---------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": {}}, "title.languages"),
        ({"description": {}}, "description.languages"),
        ({"learning_outcomes": [{"title": {}}]}, "learning_outcomes.0.title.languages"),
        ({"title": "x" * 1001}, "title.text"),
        ({"description": {"en": "x" * 4001}}, "description.languages.en"),
        ({"title": {"e" * 36: "x"}}, "title.languages.eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.[key]"),
    ],
)
async def test_empty_or_overlong_text_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await client.post("/api/v1/achievements", json={**ACHIEVEMENT, **change}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_error"
    assert fields(r) == [field]


async def test_languages_and_learning_outcomes_are_limited_by_settings(
    small: tuple[Container, httpx.AsyncClient], admin_headers: dict[str, str]
) -> None:
    _, client = small
    _, headers = await institution(client, admin_headers)
    five = {tag: "text" for tag in ("en", "sl", "hr", "sr", "bs")}
    r = await client.post(
        "/api/v1/achievements",
        json={**ACHIEVEMENT, "description": five, "title": five},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert fields(r) == ["description", "title"]
    assert "MICROCRED_MAX_LANGUAGES" in r.json()["errors"][0]["reason"]
    outcomes = [{"title": f"Outcome {i}"} for i in range(4)]
    r = await client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "learning_outcomes": outcomes}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert fields(r) == ["learning_outcomes"]
    made = await achievement(client, headers, {**ACHIEVEMENT, "learning_outcomes": outcomes[:3]})
    r = await client.patch(
        f"/api/v1/achievements/{made['id']}",
        json={"learning_outcomes": [*outcomes, {"title": "one more"}]},
        headers=headers,
    )
    assert r.status_code == 422 and fields(r) == ["learning_outcomes"]


async def test_an_achievement_whose_credentials_would_be_too_large_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The default limit (256 KB): 32 languages of 4000 characters (3 bytes each in UTF-8)
    are within the text limits, but make every credential of the course larger."""
    _, headers = await institution(client, admin_headers)
    tags = ["en", *(f"{a}{b}" for a in "xyz" for b in "abcdefghijk")][:32]
    r = await client.post(
        "/api/v1/achievements",
        json={**ACHIEVEMENT, "description": {tag: "€" * 4000 for tag in tags}},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "credential_too_large"
    assert fields(r) == ["description"]
    assert "MICROCRED_MAX_CREDENTIAL_BYTES" in r.json()["errors"][0]["reason"]


async def test_a_credential_over_the_size_limit_is_refused_on_every_path(
    small: tuple[Container, httpx.AsyncClient], admin_headers: dict[str, str]
) -> None:
    """A course made before the limit was lowered: its credentials are refused by the API,
    by each batch row and, for a caller's own credential, by the VC API."""
    container, client = small
    inst, headers = await institution(client, admin_headers)
    with container.uow(read_only=True) as uow:
        institution_id = uow.institutions.by_slug("ts-lj").id  # type: ignore[union-attr]
    # Imported here, so that the other tests of this file run on the code before the limits.
    from app.services.limits import InputLimits

    roomy = AchievementService(container.uow, limits=InputLimits(), clock=container.clock)
    big = {**ACHIEVEMENT, "description": {"en": "ž" * 4000, "sl": "š" * 4000}}
    course = roomy.create(institution_id, big, actor="test").id

    r = await client.post(
        "/api/v1/credentials", json={"achievement_id": course, "learner": LEARNER}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "credential_too_large" and fields(r) == ["credential"]
    reason = r.json()["errors"][0]["reason"]
    assert "16384" in reason and "credentialSubject.hasClaim" in reason

    r = await client.post(
        f"/api/v1/batches?achievement_id={course}",
        content=b"given_name,family_name\nAna,Horvat\n",
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 202
    while container.batches.work_once("w", 25):
        pass
    status = (await client.get(f"/api/v1/batches/{r.json()['id']}", headers=headers)).json()
    assert (status["issued"], status["failed"]) == (0, 1)
    assert "MICROCRED_MAX_CREDENTIAL_BYTES" in status["errors"][0]["reason"]

    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": inst["did"],
        "credentialSubject": {"id": "did:example:learner", "description": "ž" * 10_000},
    }
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 422, r.text
    assert fields(r) == ["credential.credentialSubject.description"]
    assert (await client.get("/api/v1/credentials", headers=headers)).json()["total"] == 0


# -- paging, paths and queries -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/credentials", "/api/v1/achievements"])
@pytest.mark.parametrize("offset", [2**31, 2**63, 10**30])
async def test_offsets_beyond_what_the_database_takes_are_refused(
    app: FastAPI, admin_headers: dict[str, str], path: str, offset: int
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        _, headers = await institution(client, admin_headers)
        r = await client.get(path, params={"offset": offset}, headers=headers)
        assert r.status_code == 422, r.text
        assert fields(r) == ["query.offset"]
        assert (await client.get(path, params={"offset": 2**31 - 1}, headers=headers)).json()[
            "items"
        ] == []


#: The pages' routes (not in the OpenAPI description).
PAGES = [(VERIFICATION_PATH + tail, "GET") for tail in ("", "/qr.svg", "/qr.png")] + [
    (WALLET_PATH + tail, "GET")
    for tail in ("", "/credential.json", "/credential.jwt", "/certificate.pdf")
]


def _paths_with_a_control_character(app: FastAPI) -> list[tuple[str, str]]:
    """Every route with a path parameter (the API's from its OpenAPI description, and the
    pages'), each parameter holding a NUL or a U+001F."""
    routes = [
        (path, method.upper())
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ] + PAGES
    return [
        (method, re.sub(r"\{[a-z_]+\}", f"abcdefghijklmnopqrst{bad}", path))
        for path, method in routes
        if "{" in path
        for bad in ("%00", "%1F")
    ]


async def test_control_characters_in_paths_are_404_before_the_database(
    tmp_path: Path, secrets: Secrets, admin_headers: dict[str, str]
) -> None:
    """On a database that was never migrated, every query fails: a route that read it would
    answer 500. Each route with a path parameter answers 404 problem+json instead."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    container = Container(
        Settings(data_dir=tmp_path), secrets, make_session_factory(engine), engine
    )
    app = create_app(container=container)
    paths = _paths_with_a_control_character(app)
    for anonymous in ("/institutions/{slug}/did.json", "/status/{slug}/{list_id}",
                      "/institutions/{slug}/jwks.json"):  # fmt: skip
        assert anonymous in app.openapi()["paths"]
    assert len(paths) > 40
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        for method, path in paths:
            r = await client.request(method, path, headers=admin_headers)
            assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
            assert r.headers["content-type"] == "application/problem+json", (method, path)
    engine.dispose()


async def test_control_characters_in_paths_and_queries_on_the_real_database(
    app: FastAPI, admin_headers: dict[str, str]
) -> None:
    """The same on SQLite and on PostgreSQL (where a NUL would reach psycopg), and a query
    parameter with a control character is a 422 naming it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        _, headers = await institution(client, admin_headers)
        for method, path in _paths_with_a_control_character(app):
            r = await client.request(method, path, headers=headers)
            assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
        for query in ({"learner": "Hor\x00vat"}, {"achievement_id": "a\x1fb"}):
            r = await client.get("/api/v1/credentials", params=query, headers=headers)
            assert r.status_code == 422, r.text
            assert fields(r) == list(query)
        r = await client.get("/v/abcdefghijklmnopqrst", params={"lang": "sl\x00"})
        assert r.status_code == 422 and fields(r) == ["lang"]
        assert json.loads(r.text)["status"] == 422
