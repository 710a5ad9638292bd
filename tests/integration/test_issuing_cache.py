"""The per-process issuing cache on a real database with committed data: a key rotation or
withdrawal, a PATCH of the institution and a change of an achievement take effect for the next
issuance at once, whether they happen in the issuing service or in another service (another
process) on the same database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.container import Container
from app.persistence.db import make_engine, make_session_factory
from app.services.issue_requests import IssueRequest
from app.services.principal import Principal
from issuer.credential import Learner
from tests.support.services import setup_institution


@pytest.fixture
def other(committed: Container) -> Iterator[Container]:
    """A second service on the same database, as another process would be: its own engine,
    its own cache, signers and status blocks."""
    assert committed.engine is not None
    engine = make_engine(committed.engine.url.render_as_string(hide_password=False))
    container = Container(
        committed.settings, committed.secrets, make_session_factory(engine), engine
    )
    yield container
    container.close()


def _issue(container: Container, principal: Principal, achievement_id: str) -> dict[str, Any]:
    issued, _ = container.issuance.issue(
        principal, IssueRequest(achievement_id, Learner("Ana", "Horvat"))
    )
    credential: dict[str, Any] = json.loads(issued.credential_json)
    assert credential["proof"]["verificationMethod"] == issued.verification_method
    return credential


def _fragment(credential: dict[str, Any]) -> str:
    method: str = credential["proof"]["verificationMethod"]
    return method.rsplit("#", 1)[1]


@pytest.mark.parametrize("where", ["same", "other"])
def test_a_rotation_or_withdrawal_signs_the_next_credential_with_the_new_key(
    committed: Container, other: Container, where: str
) -> None:
    principal, achievement_id = setup_institution(committed)
    changer = committed if where == "same" else other
    assert _fragment(_issue(committed, principal, achievement_id)) == "key-1"
    assert _fragment(_issue(committed, principal, achievement_id)) == "key-1"  # cached
    changer.signing_keys.rotate("ts-lj", actor="test")
    assert _fragment(_issue(committed, principal, achievement_id)) == "key-2"
    changer.signing_keys.withdraw("ts-lj", "key-2", actor="test")
    assert _fragment(_issue(committed, principal, achievement_id)) == "key-3"
    # The other service had cached nothing of it: it signs with the active key too.
    assert _fragment(_issue(other, principal, achievement_id)) == "key-3"


@pytest.mark.parametrize("where", ["same", "other"])
def test_a_patch_of_the_institution_applies_to_the_next_credential(
    committed: Container, other: Container, where: str
) -> None:
    principal, achievement_id = setup_institution(committed)
    first = _issue(committed, principal, achievement_id)
    assert list(first["issuer"]["legalName"]) == ["en"]
    changer = committed if where == "same" else other
    changer.institutions.update("ts-lj", language="sl", actor="test")
    second = _issue(committed, principal, achievement_id)
    assert list(second["issuer"]["legalName"]) == ["sl"]


@pytest.mark.parametrize("where", ["same", "other"])
def test_a_changed_achievement_applies_to_the_next_credential(
    committed: Container, other: Container, where: str
) -> None:
    principal, achievement_id = setup_institution(committed)
    before = json.dumps(_issue(committed, principal, achievement_id), ensure_ascii=False)
    assert "3D printing: FDM basics" in before
    changer = committed if where == "same" else other
    changer.achievements.update(
        principal.institution(),
        achievement_id,
        {"title": {"en": "3D printing: FDM in depth", "sl": "3D tisk: FDM podrobno"}},
        actor="test",
    )
    after = json.dumps(_issue(committed, principal, achievement_id), ensure_ascii=False)
    assert "3D printing: FDM in depth" in after and "FDM basics" not in after


def test_issuing_while_another_service_rotates_never_stores_the_old_key_afterwards(
    committed: Container, other: Container
) -> None:
    """Threads issue without pause while the other service rotates twice: an issuance that
    starts after a rotation returned is signed with the new key, in every thread."""
    principal, achievement_id = setup_institution(committed)
    _issue(committed, principal, achievement_id)  # the cache holds key-1
    rotated: list[str] = []  # the fragments made active, in order, once committed
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[tuple[int, str]] = []  # (rotations committed before it started, fragment)
    lock = threading.Lock()

    def issue() -> None:
        try:
            while not stop.is_set():
                committed_before = len(rotated)
                fragment = _fragment(_issue(committed, principal, achievement_id))
                with lock:
                    seen.append((committed_before, fragment))
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=issue) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for fragment in ("key-2", "key-3"):
            while sum(1 for n, _ in seen if n == len(rotated)) < 3 and not stop.is_set():
                threading.Event().wait(0.01)
            other.signing_keys.rotate("ts-lj", actor="test")
            rotated.append(fragment)
        while sum(1 for n, _ in seen if n == 2) < 3 and not stop.is_set():
            threading.Event().wait(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    for committed_before, fragment in seen:
        if committed_before:
            assert int(fragment.removeprefix("key-")) >= committed_before + 1
    assert {fragment for n, fragment in seen if n == 2} == {"key-3"}
