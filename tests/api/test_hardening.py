"""Issue 11 over HTTP: a health check that knows when the keys do not open, errors as pages
for browsers (problem+json for programs), the headers of authenticated and error responses,
the API docs' Content-Security-Policy, and the throttling of failed authentications."""

from __future__ import annotations

import re
import secrets as pysecrets
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.main import create_app
from app.persistence.db import make_engine, make_session_factory
from app.settings import Secrets, Settings
from tests.support.api import bearer, institution, issue_some
from tests.support.clock import FixedClock
from tests.support.data import BASE_URL

pytestmark = pytest.mark.anyio

BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "sl-SI,sl;q=0.9,en;q=0.5",
}


def client_at(app: object, ip: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


# -- item 4: the master key --------------------------------------------------------------


async def test_healthz_is_503_when_the_master_key_does_not_open_the_keys(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    await institution(client, admin_headers)
    assert (await client.get("/healthz")).status_code == 200
    other = Secrets(pysecrets.token_bytes(32), secrets.admin_token)
    wrong = Container(settings, other, session_factory, clock=clock)
    async with client_at(create_app(container=wrong)) as c:
        health = await c.get("/healthz")
        page = await c.get("/healthz", headers=BROWSER)
    assert health.status_code == 503
    assert health.headers["content-type"] == "application/problem+json"
    problem = health.json()
    assert problem["code"] == "sealed_keys_do_not_open"
    assert "1 of the 1 active signing keys" in problem["detail"]
    for secret in (secrets.master_key.hex(), other.master_key.hex(), secrets.admin_token):
        assert secret not in health.text
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")


# -- item 4: errors as pages for browsers, problem+json for programs ---------------------


def assert_page(response: httpx.Response, status: int, title: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "sl"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f'<h1 id="verdict">{title}</h1>' in response.text
    assert '"type": "urn:microcred' not in response.text
    return response.text


async def test_browsers_get_errors_as_pages_in_their_language(
    client: httpx.AsyncClient, app: object
) -> None:
    assert_page(await client.get("/no/such/page", headers=BROWSER), 404, "Ni najdeno")
    not_allowed = await client.delete("/verify", headers=BROWSER)
    assert_page(not_allowed, 405, "Tu to ni mogoče")
    assert "GET" in not_allowed.headers["allow"]
    unreadable = await client.post("/credentials/verify", json={}, headers=BROWSER)
    assert_page(unreadable, 422, "Ni berljivo")
    declared = await client.post("/verify", content=b"x" * (10 * 1024 * 1024 + 1), headers=BROWSER)
    assert_page(declared, 413, "Preveliko")

    async def stream():  # type: ignore[no-untyped-def]
        for _ in range(11):
            yield b"y" * (1024 * 1024)

    streamed = await client.post("/credentials/verify", content=stream(), headers=BROWSER)
    assert_page(streamed, 413, "Preveliko")
    english = await client.get("/no/such/page", headers={**BROWSER, "Accept-Language": "en"})
    assert "There is nothing at this address." in english.text


async def test_programs_keep_problem_json(client: httpx.AsyncClient) -> None:
    for accept in (None, "*/*", "application/json", "application/problem+json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        r = await client.get("/no/such/page", headers=headers)
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json", accept
        assert r.json()["code"] == "not_found"


async def test_a_server_error_is_a_page_that_quotes_the_request_id(
    tmp_path: Path, secrets: Secrets
) -> None:
    # A database that was never migrated: the query behind the page fails unexpectedly.
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    container = Container(
        Settings(data_dir=tmp_path), secrets, make_session_factory(engine), engine
    )
    transport = httpx.ASGITransport(app=create_app(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        page = await c.get("/v/" + "A" * 22, headers={**BROWSER, "X-Request-ID": "req-html-500"})
        health = await c.get("/healthz", headers=BROWSER)
    assert_page(page, 500, "Nekaj je šlo narobe")
    assert "req-html-500" in page.text and "sqlite" not in page.text.lower()
    assert_page(health, 503, "Začasno nedosegljivo")
    engine.dispose()


# -- item 14: headers --------------------------------------------------------------------


async def test_authenticated_answers_are_no_store_and_public_ones_keep_their_caching(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers, issued = await issue_some(client, admin_headers)
    credential_id = issued[0]["id"]
    answers = [
        await client.get("/api/v1/institutions", headers=admin_headers),
        await client.get("/api/v1/credentials", headers=headers),
        await client.get(f"/api/v1/credentials/{credential_id}", headers=headers),
        await client.post(f"/api/v1/credentials/{credential_id}/wallet-link", headers=headers),
        await client.post(
            "/credentials/issue",
            json={
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                    "issuer": inst["did"],
                    "credentialSubject": {"id": "did:example:ana"},
                }
            },
            headers=headers,
        ),
        await client.post(
            "/credentials/status",
            json={
                "credentialId": f"urn:uuid:{credential_id}",
                "status": True,
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                },
            },
            headers=headers,
        ),
        await client.get("/api/v1/credentials", headers=bearer("mc_000000000000_" + "x" * 30)),
    ]
    for answer in answers:
        assert answer.status_code < 500, answer.text
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 201, 200, 401]
    did = await client.get(f"/institutions/{inst['slug']}/did.json")
    assert did.headers["cache-control"] == "public, max-age=60"


async def test_every_json_error_is_nosniff(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def stream():  # type: ignore[no-untyped-def]
        for _ in range(11):
            yield b"y" * (1024 * 1024)

    errors = [
        await client.get("/api/v1/institutions"),  # 401
        await client.get("/nowhere"),  # 404
        await client.put("/healthz"),  # 405
        await client.get("/v/" + "A" * 22, headers={"Accept": "image/png"}),  # 406
        await client.post("/api/v1/institutions", json={}, headers=admin_headers),  # 422
        await client.post("/credentials/verify", content=b"x" * (10 * 1024 * 1024 + 1)),
        await client.post("/credentials/verify", content=stream()),  # 413, streamed
    ]
    assert [e.status_code for e in errors] == [401, 404, 405, 406, 422, 413, 413]
    for error in errors:
        assert error.headers["content-type"] == "application/problem+json"
        assert error.headers["x-content-type-options"] == "nosniff"


async def test_the_api_docs_have_a_content_security_policy(client: httpx.AsyncClient) -> None:
    for path, cdn in (("/docs", "swagger-ui-dist@5/"), ("/redoc", "redoc@2/")):
        page = await client.get(path)
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", directives["script-src"])
        assert nonce is not None
        assert f"https://cdn.jsdelivr.net/npm/{cdn}" in directives["script-src"]
        assert "unsafe-inline" not in directives["script-src"]
        assert directives["connect-src"] == "'self'"
        # Every script either comes from the allowed CDN path or carries this response's nonce.
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert f'src="https://cdn.jsdelivr.net/npm/{cdn}' in tag or (
                f'nonce="{nonce.group(1)}"' in tag
            ), tag
        assert (await client.get(path)).headers["content-security-policy"] != csp
    redirect = await client.get("/docs/oauth2-redirect")
    assert "script-src 'nonce-" in redirect.headers["content-security-policy"]
    assert (await client.get("/openapi.json")).status_code == 200


# -- item 15: throttling failed authentications ------------------------------------------


@pytest.fixture
def strict(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_failures_per_minute": 3})


async def test_failed_authentications_are_throttled_per_client(
    strict: Settings,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    app = create_app(container=Container(strict, secrets, session_factory, clock=clock))
    good = bearer(secrets.admin_token)
    async with client_at(app, "203.0.113.7") as guesser, client_at(app, "198.51.100.2") as other:
        for n in range(3):
            wrong = await guesser.get("/api/v1/institutions", headers=bearer(f"mcadm_{n}" * 5))
            assert wrong.status_code == 401
        clock.advance(timedelta(seconds=20))
        for headers in (bearer("mcadm_guess" * 3), good, {}):
            refused = await guesser.get("/api/v1/institutions", headers=headers)
            assert refused.status_code == 429
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.headers["retry-after"] == "40"
            assert refused.json()["code"] == "authentication_throttled"
        page = await guesser.get("/api/v1/institutions", headers={**good, **BROWSER})
        assert_page(page, 429, "Preveč poskusov")
        assert page.headers["retry-after"] == "40"
        # Another client is not affected, and public pages are not throttled.
        assert (await other.get("/api/v1/institutions", headers=good)).status_code == 200
        assert (await guesser.get("/healthz")).status_code == 200
        clock.advance(timedelta(seconds=40))
        assert (await guesser.get("/api/v1/institutions", headers=good)).status_code == 200
