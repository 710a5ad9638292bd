"""A body the API cannot read is answered with what to send: 415 for another Content-Type (or
none), 422 naming ``body`` for text that is not JSON or JSON that is not an object; never
pydantic's words or a character offset as a field name."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.api import institution

pytestmark = pytest.mark.anyio

JSON = "application/json"
TRAILING_COMMA = '{\n  "title": "x",\n}'


def _reason(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    raise AssertionError("valid JSON")


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        (None, "no Content-Type"),
        ("text/plain", "Content-Type text/plain"),
        # What curl -d sends unless told otherwise.
        ("application/x-www-form-urlencoded", "Content-Type application/x-www-form-urlencoded"),
    ],
)
async def test_a_body_that_is_not_sent_as_json_is_415(
    client: httpx.AsyncClient, admin_headers: dict[str, str], content_type: str | None, said: str
) -> None:
    _, headers = await institution(client, admin_headers)
    if content_type:
        headers = {**headers, "Content-Type": content_type}
    r = await client.post("/api/v1/achievements", content=b'{"title": "x"}', headers=headers)
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "unsupported_media_type"
    assert problem["detail"] == (
        f"the body was sent with {said}: send the body as application/json "
        "(header Content-Type: application/json)"
    )
    assert [e["field"] for e in problem["errors"]] == ["body"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"title": ', "is not valid JSON: Expecting value at line 1, column 11"),
        # Python's reason (its words vary by version), and where, as an editor counts.
        (TRAILING_COMMA.encode(), f"is not valid JSON: {_reason(TRAILING_COMMA)}"),
        (b"111", "must be a JSON object ({...}), not a number"),
        (b"[]", "must be a JSON object ({...}), not an array"),
        (b'"text"', "must be a JSON object ({...}), not a string"),
        (b"true", "must be a JSON object ({...}), not true or false"),
        (b"", "is empty: send a JSON object, as application/json"),
    ],
)  # fmt: skip
async def test_a_json_body_that_is_not_an_object_says_what_to_send(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: bytes, reason: str
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await client.post(
        "/api/v1/achievements", content=body, headers={**headers, "Content-Type": JSON}
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"] == [{"field": "body", "reason": reason}]
    assert problem["detail"] == f"the body {reason}"
    assert "dictionary" not in r.text and "JSON decode error" not in r.text


async def test_the_vc_api_says_the_same(client: httpx.AsyncClient) -> None:
    r = await client.post("/credentials/verify", content=b"[]", headers={"Content-Type": JSON})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "body", "reason": "must be a JSON object ({...}), not an array"}
    ]
    r = await client.post("/credentials/verify", content=b"{nope", headers={"Content-Type": JSON})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    assert r.json()["detail"].startswith("the body is not valid JSON: Expecting property name")


async def test_field_errors_still_name_their_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers)
    r = await client.post("/api/v1/achievements", json={"title": "x"}, headers=headers)
    assert r.status_code == 422
    assert "body" not in {e["field"] for e in r.json()["errors"]}
