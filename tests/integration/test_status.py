"""Status lists on a real database with committed data: allocation and bit changes under
concurrency, lists that fill up, and re-signing after a key withdrawal."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from app.container import Container
from app.persistence.models import Credential, StatusList
from app.services.issue_requests import IssueRequest
from app.services.status import StatusService
from issuer.credential import Learner
from tests.support.services import setup_institution
from verifier.jsonld import bundled_document_loader
from verifier.status_list import get_bit


def test_parallel_issuing_and_revoking_lose_no_bit_and_reuse_no_index(
    committed: Container,
) -> None:
    principal, achievement_id = setup_institution(committed)
    errors: list[BaseException] = []
    revoked: list[str] = []
    suspended: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            for i in range(6):
                issued, _ = committed.issuance.issue(
                    principal, IssueRequest(achievement_id, Learner("Ana", f"L{n}-{i}"))
                )
                if i % 2 == 0:
                    committed.status.change(principal, issued.id, "revoke", "test")
                    with lock:
                        revoked.append(issued.id)
                elif i % 3 == 0:
                    committed.status.change(principal, issued.id, "suspend", None)
                    with lock:
                        suspended.append(issued.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with committed.uow() as uow:
        rows = uow.session.scalars(select(Credential)).all()
        lists = {sl.id: sl for sl in uow.session.scalars(select(StatusList)).all()}
        assert len(rows) == 36
        for purpose in ("revocation", "suspension"):
            slots = Counter(
                (getattr(r, f"{purpose}_list_id"), getattr(r, f"{purpose}_index")) for r in rows
            )
            assert max(slots.values()) == 1, f"an index was handed out twice ({purpose})"
        for r in rows:
            revocation = lists[r.revocation_list_id]
            suspension = lists[r.suspension_list_id]
            assert get_bit(revocation.bits, r.revocation_index) == (r.id in revoked)
            assert get_bit(suspension.bits, r.suspension_index) == (r.id in suspended)
            assert r.status == (
                "revoked" if r.id in revoked else "suspended" if r.id in suspended else "active"
            )
        # The counters count reserved blocks, at least what was handed out.
        for purpose in ("revocation", "suspension"):
            used = Counter(getattr(r, f"{purpose}_list_id") for r in rows)
            assert all(lists[list_id].allocated >= n for list_id, n in used.items())


def test_a_full_list_opens_a_new_one(committed: Container) -> None:
    principal, _ = setup_institution(committed)
    small = StatusService(
        committed.uow,
        committed.signing_keys,
        urls=committed.urls,
        metrics=committed.metrics,
        document_loader=bundled_document_loader(),
        list_size=16,
    )
    assert principal.institution_id is not None
    slots = [small.allocate(principal.institution_id)[0] for _ in range(40)]
    per_list: dict[int, list[int]] = {}
    for slot in slots:
        per_list.setdefault(slot.list_id, []).append(slot.index)
    assert [len(v) for v in per_list.values()] == [16, 16, 8]
    for indexes in per_list.values():
        assert len(set(indexes)) == len(indexes) and all(0 <= i < 16 for i in indexes)
    assert next(iter(per_list.values())) != sorted(next(iter(per_list.values())))


def test_withdrawing_a_key_makes_lists_be_signed_again(committed: Container) -> None:
    principal, achievement_id = setup_institution(committed)
    issued, _ = committed.issuance.issue(principal, IssueRequest(achievement_id, Learner("A", "B")))
    url = issued.credential_json.decode()
    entry_url = url.split('"statusListCredential":"')[1].split('"')[0]
    public_id = entry_url.rsplit("/", 1)[1]
    first = committed.status.published("ts-lj", public_id, "ld")
    assert first.body is not None and b"#key-1" in first.body
    committed.signing_keys.rotate("ts-lj", actor="test")
    unchanged = committed.status.published("ts-lj", public_id, "ld")
    assert unchanged.body == first.body  # rotation alone keeps the signed list
    committed.signing_keys.withdraw("ts-lj", "key-1", actor="test")
    resigned = committed.status.published("ts-lj", public_id, "ld")
    assert resigned.body is not None and b"#key-2" in resigned.body


def test_first_allocations_at_once_open_one_list_per_purpose(committed: Container) -> None:
    """Racing first issuances must share one list: a list with one member protects no one."""
    principal, _ = setup_institution(committed)
    assert principal.institution_id is not None
    institution_id = principal.institution_id
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def allocate() -> None:
        barrier.wait()
        try:
            committed.status.allocate(institution_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with committed.uow() as uow:
        lists = uow.session.scalars(select(StatusList)).all()
        assert sorted(sl.purpose for sl in lists) == ["revocation", "suspension"]
        assert all(8 <= sl.allocated <= sl.size for sl in lists)


def _allocator(container: Container, *, list_size: int, block_size: int) -> StatusService:
    """Another process's status service on the same database: its own reserved blocks."""
    return StatusService(
        container.uow,
        container.signing_keys,
        urls=container.urls,
        metrics=container.metrics,
        document_loader=bundled_document_loader(),
        list_size=list_size,
        block_size=block_size,
    )


def test_block_allocators_in_threads_never_hand_out_an_index_twice(committed: Container) -> None:
    """Three services (as three processes would) with four threads each, small blocks and
    small lists: every slot is unique, lists fill up and the next one opens, and each list's
    counter covers what was handed out of it without passing its size."""
    principal, _ = setup_institution(committed)
    assert principal.institution_id is not None
    institution_id = principal.institution_id
    services = [_allocator(committed, list_size=64, block_size=5) for _ in range(3)]
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []
    handed: list[tuple[int, str, int]] = []
    lock = threading.Lock()

    def allocate(service: StatusService, n: int) -> None:
        barrier.wait()
        try:
            for i in range(20):
                chunk = 1 + (n + i) % 3
                for slots in service.allocate_many(institution_id, chunk):
                    with lock:
                        handed.extend((s.list_id, s.purpose, s.index) for s in slots)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(services[n % 3], n)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (
        len(handed)
        == len(set(handed))
        == 2 * sum(1 + (n + i) % 3 for n in range(12) for i in range(20))
    )
    with committed.uow() as uow:
        lists = {
            list_id: (allocated, size)
            for list_id, allocated, size in uow.session.execute(
                select(StatusList.id, StatusList.allocated, StatusList.size)
            )
        }
    per_list = Counter(list_id for list_id, _, _ in handed)
    assert len(lists) > 2  # 480 slots per purpose in lists of 64
    for list_id, n in per_list.items():
        assert n <= lists[list_id][0] <= lists[list_id][1] == 64
    assert all(0 <= index < 64 for _, _, index in handed)


def test_a_service_reserves_a_block_once_and_hands_it_out_from_memory(
    committed: Container,
) -> None:
    principal, _ = setup_institution(committed)
    assert principal.institution_id is not None
    service = _allocator(committed, list_size=1024, block_size=10)
    first = [service.allocate(principal.institution_id) for _ in range(10)]
    with committed.uow() as uow:
        counters = sorted(sl.allocated for sl in uow.session.scalars(select(StatusList)).all())
    assert counters == [10, 10]  # one block per purpose so far
    other = _allocator(committed, list_size=1024, block_size=10)
    second = [other.allocate(principal.institution_id) for _ in range(3)]
    eleventh = service.allocate(principal.institution_id)
    with committed.uow() as uow:
        counters = sorted(sl.allocated for sl in uow.session.scalars(select(StatusList)).all())
    assert counters == [30, 30]  # the other service's block, then this one's second
    slots = [slot for group in (*first, *second, eleventh) for slot in group]
    assert len({(s.list_id, s.index) for s in slots}) == len(slots) == 28
    assert len({s.list_id for s in slots}) == 2  # both services share the open lists
