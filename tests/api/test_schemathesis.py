"""The API against its own OpenAPI description, with Schemathesis: generated requests (valid
and not), bounded and derandomized, find no server error, and every status and media type an
operation answers with is one its description documents (problem details included)."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    status_code_conformance,
)

from tests.support.api import achievement, credential, institution
from tests.support.data import BASE_URL

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Operations of the operator (admin token); the rest are an institution's (its API key) or
# anonymous, where a bearer token changes nothing.
ADMIN_OPERATIONS = {
    ("POST", "/api/v1/institutions"),
    ("GET", "/api/v1/institutions"),
    ("POST", "/api/v1/institutions/{slug}/keys/rotate"),
    ("POST", "/api/v1/institutions/{slug}/keys/{key_id}/withdraw"),
}


@pytest.fixture
def tokens(app: FastAPI, admin_headers: dict[str, str]) -> dict[str, Any]:
    """An institution with a course and a credential, through the API: the two tokens."""

    async def setup() -> dict[str, str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            _, key = await institution(client, admin_headers)
            course = await achievement(client, key)
            await credential(client, key, course["id"])
        return key

    return {"admin": admin_headers, "institution": anyio.run(setup)}


def _exercise(operation: Any, headers: dict[str, str]) -> None:
    @EXAMPLES
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance],
        )

    exercise()


def test_the_api_keeps_its_description(app: FastAPI, tokens: dict[str, Any]) -> None:
    """Each operation in turn (Schemathesis's own pytest plugin does not run on pytest 9): its
    failures are collected, so one run shows them all."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        method, path = operation.method.upper(), operation.path
        headers = tokens["admin" if (method, path) in ADMIN_OPERATIONS else "institution"]

        try:
            _exercise(operation, headers)
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
            failures.append(f"{method} {path}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
