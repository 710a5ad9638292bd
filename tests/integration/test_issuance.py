"""Issuance on a real database with committed data: retries with one Idempotency-Key, even at
the same moment from several workers, make exactly one credential."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.container import Container
from app.errors import Conflict
from app.persistence.models import Credential, Event
from app.services.institutions import NewInstitution
from app.services.issue_requests import IssueRequest
from app.services.principal import Principal
from issuer.credential import Learner
from tests.support.data import FIELDS
from tests.support.services import setup_institution


def count(container: Container, model: type) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_concurrent_retries_with_one_key_make_one_credential(committed: Container) -> None:
    principal, achievement_id = setup_institution(committed)
    request = IssueRequest(achievement_id, Learner("Ana", "Horvat"))
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def retry() -> None:
        barrier.wait()
        try:
            issued, replayed = committed.issuance.issue(principal, request, idempotency_key="k")
            results.append((issued.credential_json.decode(), replayed))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({body for body, _ in results}) == 1  # every caller got the same credential
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 5
    assert count(committed, Credential) == 1
    issued_events = count(committed, Event) - 2  # institution.created, key.created
    assert issued_events == 1


def test_a_different_body_under_the_same_key_is_refused(committed: Container) -> None:
    principal, achievement_id = setup_institution(committed)
    committed.issuance.issue(
        principal, IssueRequest(achievement_id, Learner("Ana", "Horvat")), idempotency_key="k"
    )
    with pytest.raises(Conflict):
        committed.issuance.issue(
            principal, IssueRequest(achievement_id, Learner("Ana", "Novak")), idempotency_key="k"
        )
    assert count(committed, Credential) == 1


def test_keys_are_per_institution(committed: Container) -> None:
    principal, achievement_id = setup_institution(committed)
    committed.institutions.create(NewInstitution("other", "Other", "HR", "2"), actor="test")
    with committed.uow() as uow:
        other = uow.institutions.by_slug("other")
        assert other is not None
        other_principal = Principal("institution", other.id, "other", "k2")
    other_achievement = committed.achievements.create(
        other_principal.institution_id or 0, FIELDS, actor="t"
    )
    committed.issuance.issue(
        principal, IssueRequest(achievement_id, Learner("Ana", "Horvat")), idempotency_key="same"
    )
    _, replayed = committed.issuance.issue(
        other_principal,
        IssueRequest(other_achievement.id, Learner("Ana", "Horvat")),
        idempotency_key="same",
    )
    assert not replayed and count(committed, Credential) == 2
