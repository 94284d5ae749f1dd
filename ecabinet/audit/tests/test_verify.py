"""verify_chain finds the first tampered row and says how it was tampered with."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.services import GENESIS_HASH
from ecabinet.audit.tests import helpers as h
from ecabinet.audit.verify import Reason, verify_chain

pytestmark = pytest.mark.django_db

LENGTH = 6


@pytest.fixture
def chain() -> list[AuditEvent]:
    return h.make_chain(LENGTH)


def test_empty_log_verifies() -> None:
    report = verify_chain()
    assert report.ok
    assert (report.count, report.head_seq, report.head_hash) == (0, 0, GENESIS_HASH)


def test_intact_chain_verifies(chain: list[AuditEvent]) -> None:
    report = verify_chain()
    assert report.ok, report.problem
    assert report.count == LENGTH
    assert (report.head_seq, report.head_hash) == (LENGTH, chain[-1].hash)


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 1000])
def test_chunk_boundaries_do_not_matter(chain: list[AuditEvent], chunk_size: int) -> None:
    assert verify_chain(chunk_size=chunk_size).ok
    h.edit_field(5)
    problem = verify_chain(chunk_size=chunk_size).problem
    assert problem is not None
    assert (problem.seq, problem.reason) == (5, Reason.EDITED)


def test_verification_streams_in_constant_queries(
    chain: list[AuditEvent], django_assert_max_num_queries: Callable[..., object]
) -> None:
    for _ in range(40):
        h.append()
    # One streaming query and one head read (plus savepoint statements on PostgreSQL),
    # whatever the number of rows.
    with django_assert_max_num_queries(5):  # type: ignore[attr-defined]
        assert verify_chain(chunk_size=7).count == LENGTH + 40


TAMPERING: list[tuple[str, Callable[[], object], int, Reason]] = [
    ("edited field", lambda: h.edit_field(3), 3, Reason.EDITED),
    ("edited first row", lambda: h.edit_field(1), 1, Reason.EDITED),
    ("edited and re-hashed", lambda: h.edit_and_rehash(3), 3, Reason.EDITED),
    ("edited link", lambda: h.edit_prev_hash(3), 3, Reason.EDITED),
    (
        "last row edited and re-hashed",
        lambda: h.edit_and_rehash(LENGTH),
        LENGTH,
        Reason.HEAD_MISMATCH,
    ),
    ("deleted middle row", lambda: h.delete(3), 3, Reason.DELETED),
    ("deleted first row", lambda: h.delete(1), 1, Reason.DELETED),
    ("deleted last row", lambda: h.delete(LENGTH), LENGTH, Reason.DELETED),
    ("swapped order", lambda: h.swap_order(3, 4), 3, Reason.REORDERED),
    ("swapped distant rows", lambda: h.swap_order(2, 5), 2, Reason.REORDERED),
    ("swapped first two", lambda: h.swap_order(1, 2), 1, Reason.REORDERED),
    ("swapped contents", lambda: h.swap_contents(3, 4), 3, Reason.REORDERED),
    ("inserted in the middle", lambda: h.insert_forged(4), 4, Reason.INSERTED),
    ("inserted first", lambda: h.insert_forged(1), 1, Reason.INSERTED),
    ("appended behind the head", lambda: h.append_forged(), LENGTH + 1, Reason.INSERTED),
    (
        "appended with a broken link",
        lambda: h.append_forged(linked=False),
        LENGTH + 1,
        Reason.INSERTED,
    ),
    ("head rewritten", h.tamper_head, LENGTH, Reason.HEAD_MISMATCH),
    ("head removed", h.delete_head, LENGTH, Reason.HEAD_MISMATCH),
]


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [pytest.param(t, s, r, id=name) for name, t, s, r in TAMPERING],
)
def test_tampering_is_detected_at_the_first_bad_row(
    chain: list[AuditEvent], tamper: Callable[[], object], seq: int, reason: Reason
) -> None:
    tamper()
    report = verify_chain()
    assert not report.ok
    assert report.problem is not None
    assert (report.problem.seq, report.problem.reason) == (seq, reason), report.problem.detail
    assert f"#{seq}" in report.problem.message()
    assert f"#{seq}" in report.problem.english()


def test_rows_before_the_problem_are_counted(chain: list[AuditEvent]) -> None:
    h.delete(4)
    report = verify_chain()
    assert report.count == 3


def test_head_ahead_of_an_empty_log_means_everything_was_deleted(
    chain: list[AuditEvent],
) -> None:
    for event in chain:
        h.delete(event.seq)
    problem = verify_chain().problem
    assert problem is not None
    assert (problem.seq, problem.reason) == (1, Reason.DELETED)
