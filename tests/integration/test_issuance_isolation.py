"""A chunk of issuance requests on the real database: whatever goes wrong with one request
while it is checked, built, signed or stored is that request's result, and the others are
issued. The requests here are built directly (as the service takes them), past the API's
validation, the way a request from before a rule was tightened reaches the service."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.container import Container
from app.errors import AppError
from app.services.issue_requests import IssueRequest
from issuer.credential import Learner
from tests.support.services import setup_institution

#: In UTC this is in the year 10000.
NO_UTC = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))


def test_a_request_that_fails_anywhere_fails_alone(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    principal, course = setup_institution(container)
    good = IssueRequest(course, Learner("Ana", "Horvat"), learner_email="ana@example.org")
    requests = [
        (good, "k-1"),
        # Refused by JSON-LD's safe mode while it is signed.
        (IssueRequest(course, Learner("Iva", "Kos", did="did:example:a\x1fb")), "k-2"),
        # Signed (the e-mail address is not in the credential), refused by the database
        # driver when stored: the chunk's write fails and its rows are stored one by one.
        (IssueRequest(course, Learner("Eva", "Novak"), learner_email="eva\udc80@x.org"), "k-3"),
        # Has no UTC form: fails while the credential is built.
        (IssueRequest(course, Learner("Ema", "Zupan"), valid_until=NO_UTC), "k-4"),
        (IssueRequest(course, Learner("Maja", "Kovač")), "k-5"),
    ]
    results = container.issuance.issue_many(principal, requests)

    assert [isinstance(r, AppError) for r in results] == [False, True, True, True, False]
    for result in results[1:4]:
        assert isinstance(result, AppError) and result.status == 500
        assert "internal error" in result.detail
        assert "Kos" not in result.detail and "eva" not in result.detail
    assert "storing a chunk failed; storing its rows one by one" in caplog.messages
    issued = [r[0] for r in results if not isinstance(r, AppError)]
    with container.uow(read_only=True) as uow:
        for credential in issued:
            assert uow.credentials.get(principal.institution(), credential.id) is not None
    # A retry of the whole chunk replays the issued ones and fails the same ones again.
    again = container.issuance.issue_many(principal, requests)
    assert [r[1] for r in again if not isinstance(r, AppError)] == [True, True]
    assert [r[0].id for r in again if not isinstance(r, AppError)] == [c.id for c in issued]
