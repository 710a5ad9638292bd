"""Logs and metrics of the service over HTTP: one access line per request with its request id
and route template, JSON lines, no secret in any line, and the Prometheus counters."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.container import Container
from app.main import create_app
from app.observability.logs import bind, configure_logging, scrub
from app.settings import Settings
from tests.support.api import achievement, credential, institution, wallet_path
from tests.support.data import HTML
from verifier.jsonld import configure_canonicalization

pytestmark = pytest.mark.anyio


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The service's log as JSON lines in a buffer; the root logger as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("INFO", "json", stream=buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_each_request_has_one_access_line_with_its_id_and_route(
    client: httpx.AsyncClient, admin_headers: dict[str, str], log_lines: io.StringIO
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    issued = await credential(client, headers, made["id"])
    path = wallet_path(issued)
    token = path.rsplit("/", 1)[1]
    page = await client.get(path, headers={**HTML, "X-Request-ID": "req-wallet-1"})
    assert page.headers["x-request-id"] == "req-wallet-1"
    missing = await client.get("/no/such/path/here")
    assert missing.status_code == 404

    lines = records(log_lines)
    access = [r for r in lines if r["logger"] == "microcred.access"]
    wallet = [r for r in access if r.get("request_id") == "req-wallet-1"]
    assert len(wallet) == 1
    assert wallet[0]["route"] == "/wallet/{token}" and wallet[0]["status"] == 200
    assert wallet[0]["method"] == "GET" and wallet[0]["duration_ms"] >= 0
    assert any(r["route"] == "<unmatched>" and r["status"] == 404 for r in access)
    assert token not in log_lines.getvalue()
    assert "/no/such/path/here" not in log_lines.getvalue()
    # Every line is JSON with a time, a level and a logger; the issuance left its event.
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in lines)
    issued_lines = [r for r in lines if r["message"] == "credential issued"]
    assert issued_lines[0]["credential_id"] == issued["id"]
    assert issued_lines[0]["institution"] == "ts-lj" and issued_lines[0]["request_id"]


async def test_failed_authentication_is_logged_with_the_prefix_only(
    client: httpx.AsyncClient, admin_headers: dict[str, str], log_lines: io.StringIO
) -> None:
    data, _ = await institution(client, admin_headers)
    key = data["api_key"]
    prefix = key.split("_")[1]
    wrong = f"mc_{prefix}_{'x' * 43}"
    r = await client.get("/api/v1/institutions/ts-lj", headers={"Authorization": f"Bearer {wrong}"})
    assert r.status_code == 401
    failures = [r for r in records(log_lines) if r["message"] == "authentication failed"]
    assert failures[-1]["key_prefix"] == prefix
    assert failures[-1]["reason"] == "wrong secret for this API key prefix"
    assert "x" * 43 not in log_lines.getvalue() and key not in log_lines.getvalue()


def test_text_lines_carry_the_ids_and_token_shaped_text_is_masked() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    try:
        configure_logging("INFO", "text", stream=buffer)
        with bind(batch_id="b-1"):
            logging.getLogger("microcred.test").info(
                "worked %s", "mc_0123456789ab_SECRETSECRETSECRETSECRET", extra={"rows": 3}
            )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    line = buffer.getvalue().strip()
    assert " INFO microcred.test worked mc_0123456789ab_*** " in line
    assert "rows=3" in line and "batch_id=b-1" in line and "SECRET" not in line
    assert scrub("see /wallet/abcdefghijklmnop1234 now") == "see /wallet/*** now"
    assert scrub("Authorization: Bearer mcadm_abcdefghijkl") == "Authorization: Bearer ***"
    offer = "GET /institutions/ts-lj/openid4vci/offers/abcdefghijklmnop1234 200"
    assert scrub(offer) == "GET /institutions/ts-lj/openid4vci/offers/*** 200"
    form = "grant_type=x&pre-authorized_code=abcdefgh&tx_code=123456"
    assert scrub(form) == "grant_type=x&pre-authorized_code=***&tx_code=***"


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text`` (0 when absent)."""
    wanted = name + (
        "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""
    )
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_issuance_status_and_verification(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    issued = [await credential(client, headers, made["id"]) for _ in range(3)]
    await client.post(f"/api/v1/credentials/{issued[0]['id']}/revoke", headers=headers)
    await client.get(issued[1]["verification_url"], headers=HTML)
    r = await client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    issued_total = "microcred_credentials_issued_total"
    assert metric(text, issued_total, format="ldp_vc", key_type="Ed25519") == 3
    assert metric(text, issued_total, format="vc+jwt", key_type="Ed25519") == 3
    assert metric(text, "microcred_status_changes_total", action="revoke") == 1
    assert metric(text, "microcred_verifications_total", verdict="valid") == 1
    assert metric(text, "microcred_issuance_seconds_count", mode="single") == 3
    assert metric(text, "microcred_verification_seconds_count") == 1
    assert metric(
        text, "microcred_http_requests_total", method="POST", route="/api/v1/credentials",
        status="201",
    ) == 3  # fmt: skip
    # Nothing personal in any label.
    assert "Horvat" not in text and issued[0]["id"] not in text


async def test_metrics_can_be_turned_off(container: Container, settings: Settings) -> None:
    off = Container(
        settings.model_copy(update={"metrics": False}),
        container.secrets,
        container.session_factory,
    )
    app: FastAPI = create_app(container=off)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        r = await c.get("/metrics")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_outbound_fetch_failures_are_logged_and_counted(
    client: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    """A credential whose issuer's DID document sits on a private address: the fetch is
    refused, logged with the host (not the address it resolves to) and counted."""
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:intranet.example.internal",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": "did:web:intranet.example.internal#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "1" * 80,
        },
    }
    r = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 422
    failed = [x for x in records(log_lines) if x["message"] == "outbound fetch failed"]
    assert failed and failed[0]["host"] == "intranet.example.internal"
    assert failed[0]["code"] in ("fetch_refused", "fetch_failed")
    text = (await client.get("/metrics")).text
    outcome = failed[0]["code"].removeprefix("fetch_")
    assert metric(text, "microcred_outbound_fetches_total", outcome=outcome) == 1


async def test_canonicalizations_are_counted_by_path_and_the_setting_forces_pyld(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    settings: Settings,
) -> None:
    _, headers = await institution(client, admin_headers)
    made = await achievement(client, headers)
    await credential(client, headers, made["id"])
    text = (await client.get("/metrics")).text
    name = "microcred_canonicalizations_total"
    # the credential and its status lists, natively; nothing forced
    assert metric(text, name, path="native", reason="proven") >= 1
    assert metric(text, name, path="pyld", reason="forced") == 0

    forced = Container(
        settings.model_copy(update={"canonicalization": "pyld"}),
        container.secrets,
        container.session_factory,
    )
    try:
        transport = httpx.ASGITransport(app=create_app(container=forced))
        async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as c:
            await credential(c, headers, made["id"])
            text = (await c.get("/metrics")).text
    finally:
        configure_canonicalization()
    assert metric(text, name, path="pyld", reason="forced") >= 1
    assert metric(text, name, path="native", reason="proven") == 0
    with pytest.raises(ValueError, match="canonicalization"):
        Settings(canonicalization="rust")  # type: ignore[arg-type]
