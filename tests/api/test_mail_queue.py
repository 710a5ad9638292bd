"""The learner's e-mail is queued in the transaction that issues the credential: singly, in
bulk and through the VC API; never twice for an Idempotency-Key retry; not with
``notify: false``, an institution's ``notify_learners`` off, no address, or no SMTP server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, select

from app.container import Container
from app.persistence.models import MailOutbox
from app.settings import Settings
from tests.support.api import achievement, credential, institution
from tests.support.data import BASE_URL, LEARNER

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Queueing needs no server that answers: nothing is sent in these tests.
    return Settings(
        data_dir=tmp_path,
        base_url=BASE_URL,
        smtp_url="smtp://127.0.0.1:9",
        mail_from="Credentials <noreply@school.example>",
    )


def outbox(connection: Connection) -> list[MailOutbox]:
    return list(connection.execute(select(MailOutbox).order_by(MailOutbox.id)).scalars())


def queued(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            MailOutbox.credential_id,
            MailOutbox.recipient,
            MailOutbox.language,
            MailOutbox.state,
            MailOutbox.attempts,
            MailOutbox.message_id,
        ).order_by(MailOutbox.id)
    ).all()
    return [dict(row._mapping) for row in rows]


async def setup(
    client: httpx.AsyncClient, admin: dict[str, str], **extra: str
) -> tuple[dict[str, Any], dict[str, str], str]:
    inst, headers = await institution(client, admin, language="sl", **extra)
    return inst, headers, (await achievement(client, headers))["id"]


async def test_one_message_per_credential_with_an_address(
    client: httpx.AsyncClient, admin_headers: dict[str, str], connection: Connection
) -> None:
    inst, headers, achievement_id = await setup(client, admin_headers)
    assert inst["notify_learners"] is True
    issued = await credential(client, headers, achievement_id)
    [row] = queued(connection)
    assert row["credential_id"] == issued["id"]
    assert row["recipient"] == LEARNER["email"]
    assert row["language"] == "sl"  # the institution's
    assert (row["state"], row["attempts"]) == ("pending", 0)
    assert row["message_id"].startswith("<") and row["message_id"].endswith("@school.example>")

    assert "notification" not in issued  # issuing does not read it back
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["notification"]["state"] == "queued"

    no_address = {k: v for k, v in LEARNER.items() if k != "email"}
    quiet = await credential(client, headers, achievement_id, learner=no_address)
    await credential(client, headers, achievement_id, notify=False)
    assert len(queued(connection)) == 1
    r = await client.get(f"/api/v1/credentials/{quiet['id']}", headers=headers)
    assert r.json()["notification"] is None


async def test_an_idempotent_retry_queues_nothing_more(
    client: httpx.AsyncClient, admin_headers: dict[str, str], connection: Connection
) -> None:
    _, headers, achievement_id = await setup(client, admin_headers)
    body = {"achievement_id": achievement_id, "learner": LEARNER}
    key = {**headers, "Idempotency-Key": "class-3a-ana"}
    first = await client.post("/api/v1/credentials", json=body, headers=key)
    again = await client.post("/api/v1/credentials", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [r["credential_id"] for r in queued(connection)] == [first.json()["id"]]
    # notify is part of the request: the same key saying otherwise is another request.
    other = await client.post("/api/v1/credentials", json={**body, "notify": False}, headers=key)
    assert other.status_code == 409
    assert len(queued(connection)) == 1


async def test_the_institution_turns_it_off(
    client: httpx.AsyncClient, admin_headers: dict[str, str], connection: Connection
) -> None:
    _, headers, achievement_id = await setup(client, admin_headers)
    r = await client.patch(
        "/api/v1/institutions/ts-lj", json={"notify_learners": False}, headers=admin_headers
    )
    assert r.status_code == 200 and r.json()["notify_learners"] is False
    r = await client.get("/api/v1/institutions/ts-lj", headers=headers)
    assert r.json()["notify_learners"] is False
    await credential(client, headers, achievement_id)
    assert queued(connection) == []
    await client.patch(
        "/api/v1/institutions/ts-lj", json={"notify_learners": True}, headers=admin_headers
    )
    await credential(client, headers, achievement_id)
    assert len(queued(connection)) == 1


def work_all(container: Container) -> None:
    while container.batches.work_once("test-worker", 10):
        pass


async def test_bulk_rows_queue_in_their_chunk_and_say_no_per_row_or_per_batch(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    connection: Connection,
    container: Container,
) -> None:
    _, headers, achievement_id = await setup(client, admin_headers)
    roster = (
        "given_name,family_name,email,notify\n"
        "Ana,Horvat,ana@example.org,\n"
        "Marko,Kovač,marko@example.org,false\n"
        "Đurđica,Šćepanović,,\n"
        "Ivana,Jovanović,ivana@example.org,true\n"
    )
    csv_headers = {**headers, "Content-Type": "text/csv"}
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}", content=roster, headers=csv_headers
    )
    assert r.status_code == 202 and r.json()["errors"] == [], r.text
    work_all(container)
    assert sorted(r["recipient"] for r in queued(connection)) == [
        "ana@example.org",
        "ivana@example.org",
    ]
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}&notify=false",
        content=roster,
        headers=csv_headers,
    )
    assert r.status_code == 202, r.text
    work_all(container)
    assert len(queued(connection)) == 2


async def test_vc_api_learner_email_option(
    client: httpx.AsyncClient, admin_headers: dict[str, str], connection: Connection
) -> None:
    inst, headers, _ = await setup(client, admin_headers)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": inst["did"],
        "credentialSubject": {"id": "did:example:learner", "name": "Ana Horvat"},
    }

    async def issue(options: dict[str, Any]) -> httpx.Response:
        return await client.post(
            "/credentials/issue",
            json={"credential": document, "options": options},
            headers=headers,
        )

    assert (await issue({})).status_code == 201
    assert (await issue({"learnerEmail": "ana@example.org", "notify": False})).status_code == 201
    assert queued(connection) == []
    assert (await issue({"learnerEmail": "ana@example.org"})).status_code == 201
    assert [r["recipient"] for r in queued(connection)] == ["ana@example.org"]
    bad = await issue({"learnerEmail": "not an address"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "options.learnerEmail"
    bad = await issue({"learnerEmail": "ana@example.org", "notify": "no"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "options.notify"


async def test_without_smtp_nothing_is_queued(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    connection: Connection,
    container: Container,
) -> None:
    container.mail_queue.enabled = False  # as a service without MICROCRED_SMTP_URL is built
    _, headers, achievement_id = await setup(client, admin_headers)
    await credential(client, headers, achievement_id)
    assert outbox(connection) == []
