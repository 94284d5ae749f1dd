"""The outgoing documents register: "85/NQ-CP" per body, type and year, no gap, no duplicate.

The concurrency tests run on whichever database the suite runs on: SQLite (IMMEDIATE
transactions serialise the issuers) and PostgreSQL when DATABASE_URL points to it (the
counter row's FOR UPDATE lock does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.bodies.models import Body, DocumentType, Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import PERSONAS, World
from ecabinet.documents.models import NumberCounter, RegisterEntry
from ecabinet.documents.numbering import (
    format_number,
    number_assign,
    register_entry_for_subject,
    register_list_for,
)

SUBJECT = "resolutions.resolution"
# 31 December 2025, 23:59 in Hà Nội, and one minute later (1 January 2026, 00:00 there).
LAST_MINUTE_2025 = datetime(2025, 12, 31, 16, 59, tzinfo=UTC)
NEW_YEAR_2026 = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)


@pytest.fixture
def nq(world: World) -> DocumentType:
    return DocumentType.objects.create(body=world.body, name="Nghị quyết", abbreviation="NQ")


@pytest.fixture
def qd(world: World) -> DocumentType:
    return DocumentType.objects.create(body=world.body, name="Quyết định", abbreviation="QĐ")


@pytest.fixture
def assign(world: World, nq: DocumentType) -> Callable[..., RegisterEntry]:
    """``assign(subject_id, **overrides)``: one number in its own issuing transaction."""

    def do(subject_id: str | int, **kwargs: Any) -> RegisterEntry:
        params: dict[str, Any] = {
            "actor": world.user("office"),
            "body": world.body,
            "document_type": nq,
            "subject_type": SUBJECT,
            "subject_id": str(subject_id),
        }
        params.update(kwargs)
        with transaction.atomic():
            return number_assign(**params)

    return do


# --- numbers and their form ---------------------------------------------------------------


def test_format_pads_numbers_below_ten() -> None:
    assert format_number(1, "NQ", "CP") == "01/NQ-CP"
    assert format_number(9, "QĐ", "TTg") == "09/QĐ-TTg"
    assert format_number(10, "NQ", "CP") == "10/NQ-CP"
    assert format_number(85, "NQ", "CP") == "85/NQ-CP"
    assert format_number(1234, "QĐ", "TTg") == "1234/QĐ-TTg"


def test_format_refuses_number_zero() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_number(0, "NQ", "CP")


def test_numbers_run_from_01_without_gaps(assign: Callable[..., RegisterEntry]) -> None:
    entries = [assign(n) for n in range(1, 12)]
    assert [e.sequence for e in entries] == list(range(1, 12))
    assert [e.number for e in entries[:2]] == ["01/NQ-CP", "02/NQ-CP"]
    assert entries[9].number == "10/NQ-CP"
    assert entries[0].code_number == "01"
    assert entries[10].code_number == "11"
    assert entries[0].code_notation == "NQ-CP"
    counter = NumberCounter.objects.get()
    assert counter.last == 11


def test_entry_records_who_when_and_what(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    at = datetime(2026, 3, 2, 3, 15, tzinfo=UTC)
    entry = assign(7, at=at)
    entry.refresh_from_db()
    assert (entry.body, entry.year, entry.issued_at) == (world.body, 2026, at)
    assert (entry.subject_type, entry.subject_id) == (SUBJECT, "7")
    assert entry.actor == world.user("office")
    assert register_entry_for_subject(SUBJECT, "7") == entry
    assert register_entry_for_subject(SUBJECT, "8") is None


def test_abbreviation_and_notation_are_stripped(world: World) -> None:
    body = Body.objects.create(name="Thủ tướng (thử)", code="ttg-thu", notation=" TTg ")
    qd = DocumentType.objects.create(body=body, name="Quyết định", abbreviation="QĐ ")
    with transaction.atomic():
        entry = number_assign(
            actor=None, body=body, document_type=qd, subject_type=SUBJECT, subject_id="1"
        )
    assert entry.number == "01/QĐ-TTg"


def test_assignment_is_audited(world: World, assign: Callable[..., RegisterEntry]) -> None:
    entry = assign(1)
    event = AuditEvent.objects.get(verb="documents.number_assign")
    assert event.actor_id == world.user("office").pk  # type: ignore[union-attr]
    assert event.body_id == world.body.pk
    assert event.object_id == str(entry.pk)
    assert event.after is not None
    assert event.after["number"] == "01/NQ-CP"
    assert (event.after["subject_type"], event.after["subject_id"]) == (SUBJECT, "1")


def test_automatic_issuer_assigns_without_a_person(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    entry = assign(1, actor=None)
    assert entry.actor is None
    assert AuditEvent.objects.get(verb="documents.number_assign").actor_id is None


# --- independent sequences ------------------------------------------------------------------


def test_each_type_has_its_own_sequence(
    assign: Callable[..., RegisterEntry], qd: DocumentType
) -> None:
    assert assign(1).number == "01/NQ-CP"
    assert assign(2, document_type=qd).number == "01/QĐ-CP"
    assert assign(3).number == "02/NQ-CP"
    assert assign(4, document_type=qd).number == "02/QĐ-CP"


def test_each_body_has_its_own_sequence(world: World, assign: Callable[..., RegisterEntry]) -> None:
    other = world.other_body
    other.notation = "UBND"
    other.save(update_fields=["notation"])
    other_nq = DocumentType.objects.create(body=other, name="Nghị quyết", abbreviation="NQ")
    assert assign(1).number == "01/NQ-CP"
    assert assign(2).number == "02/NQ-CP"
    assert assign(3, body=other, document_type=other_nq, actor=None).number == "01/NQ-UBND"
    assert assign(4).number == "03/NQ-CP"


def test_numbering_restarts_at_01_on_1_january_vietnam_time(
    assign: Callable[..., RegisterEntry],
) -> None:
    first = assign(1, at=datetime(2025, 6, 1, 2, 0, tzinfo=UTC))
    last = assign(2, at=LAST_MINUTE_2025)
    new = assign(3, at=NEW_YEAR_2026)
    after = assign(4, at=datetime(2026, 1, 2, 2, 0, tzinfo=UTC))
    assert (first.year, first.number) == (2025, "01/NQ-CP")
    # 23:59 on 31 December in Hà Nội is still 2025 ...
    assert (last.year, last.number) == (2025, "02/NQ-CP")
    # ... and 17:00 UTC that day is already 1 January 2026 there: back to 01.
    assert (new.year, new.number) == (2026, "01/NQ-CP")
    assert (after.year, after.number) == (2026, "02/NQ-CP")
    assert dict(NumberCounter.objects.values_list("year", "last")) == {2025: 2, 2026: 2}


def test_year_defaults_to_now_in_vietnam(
    assign: Callable[..., RegisterEntry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NEW_YEAR_2026)
    entry = assign(1)
    assert (entry.year, entry.issued_at) == (2026, NEW_YEAR_2026)


# --- idempotency and rollback ---------------------------------------------------------------


def test_assigning_again_for_the_same_document_returns_its_number(
    assign: Callable[..., RegisterEntry],
) -> None:
    first = assign(1)
    assign(2)
    again = assign(1, at=NEW_YEAR_2026)
    assert again.pk == first.pk
    assert again.number == "01/NQ-CP"
    assert NumberCounter.objects.get().last == 2
    assert RegisterEntry.objects.count() == 2
    assert AuditEvent.objects.filter(verb="documents.number_assign").count() == 2


def test_same_document_in_another_sequence_is_refused(
    assign: Callable[..., RegisterEntry], qd: DocumentType
) -> None:
    assign(1)
    with pytest.raises(DomainError) as exc:
        assign(1, document_type=qd)
    assert exc.value.code == "already_numbered"
    assert not NumberCounter.objects.filter(document_type=qd).exists()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_issuance_leaves_no_gap(
    world: World, nq: DocumentType, assign: Callable[..., RegisterEntry]
) -> None:
    class IssuanceFailed(Exception):
        pass

    taken: list[str] = []

    def issue_then_fail() -> None:
        with transaction.atomic():
            entry = number_assign(
                actor=world.user("office"),
                body=world.body,
                document_type=nq,
                subject_type=SUBJECT,
                subject_id="1",
            )
            taken.append(entry.number)
            raise IssuanceFailed  # e.g. the seal could not be applied

    with pytest.raises(IssuanceFailed):
        issue_then_fail()
    assert taken == ["01/NQ-CP"]
    assert not RegisterEntry.objects.exists()
    assert not AuditEvent.objects.filter(verb="documents.number_assign").exists()
    # The failed document, retried, and the next one: 01 and 02, nothing lost.
    assert assign(1).number == "01/NQ-CP"
    assert assign(2).number == "02/NQ-CP"


@pytest.mark.django_db(transaction=True)
def test_calling_outside_a_transaction_is_refused(world: World, nq: DocumentType) -> None:
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the issuing transaction"):
        number_assign(
            actor=world.user("office"),
            body=world.body,
            document_type=nq,
            subject_type=SUBJECT,
            subject_id="1",
        )
    assert not NumberCounter.objects.exists()
    assert not RegisterEntry.objects.exists()


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["chair", "member", "substitute", "agency", "observer"])
def test_only_the_office_or_the_automatic_issuer_assigns(
    world: World, assign: Callable[..., RegisterEntry], persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        assign(1, actor=world.user(persona))
    assert not RegisterEntry.objects.exists()


def test_outsider_cannot_assign_in_another_body(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    with pytest.raises(PermissionDenied):
        assign(1, actor=world.user("outsider"))


def test_records_clerk_assigns(world: World, assign: Callable[..., RegisterEntry]) -> None:
    clerk = MembershipFactory.create(
        body=world.body, role=Role.RECORDS_CLERK, user=UserFactory.create()
    ).user
    assert assign(1, actor=clerk).actor == clerk


def test_type_of_another_body_is_refused(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    foreign = DocumentType.objects.create(
        body=world.other_body, name="Nghị quyết", abbreviation="NQ"
    )
    with pytest.raises(DomainError) as exc:
        assign(1, document_type=foreign)
    assert exc.value.code == "wrong_body"


def test_type_without_abbreviation_is_refused(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    letter = DocumentType.objects.create(body=world.body, name="Công văn", abbreviation="")
    with pytest.raises(DomainError) as exc:
        assign(1, document_type=letter)
    assert exc.value.code == "no_abbreviation"
    assert not NumberCounter.objects.exists()


def test_inactive_type_is_refused(assign: Callable[..., RegisterEntry], nq: DocumentType) -> None:
    nq.is_active = False
    nq.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        assign(1)
    assert exc.value.code == "inactive_type"


def test_body_without_notation_is_refused(
    world: World, assign: Callable[..., RegisterEntry]
) -> None:
    world.body.notation = ""
    world.body.save(update_fields=["notation"])
    with pytest.raises(DomainError) as exc:
        assign(1)
    assert exc.value.code == "no_notation"


@pytest.mark.parametrize(
    ("subject_type", "subject_id"),
    [
        ("Resolution", "1"),
        ("resolutions", "1"),
        (SUBJECT, ""),
        (SUBJECT, "a b"),
        (SUBJECT, "x" * 65),
    ],
)
def test_malformed_references_are_programming_errors(
    assign: Callable[..., RegisterEntry], subject_type: str, subject_id: str
) -> None:
    with pytest.raises(ValueError, match="subject_"):
        assign(subject_id, subject_type=subject_type)


def test_naive_time_is_refused(assign: Callable[..., RegisterEntry]) -> None:
    with pytest.raises(ValueError, match="aware"):
        assign(1, at=datetime(2026, 1, 1, 0, 0))  # noqa: DTZ001 - the mistake under test


def test_database_refuses_a_duplicate_number(
    world: World, nq: DocumentType, assign: Callable[..., RegisterEntry]
) -> None:
    from django.db import IntegrityError

    entry = assign(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            body=world.body,
            document_type=nq,
            year=entry.year,
            sequence=entry.sequence,
            number=entry.number,
            issued_at=entry.issued_at,
            subject_type=SUBJECT,
            subject_id="2",
        )


def test_database_refuses_a_second_number_for_one_document(
    world: World, nq: DocumentType, assign: Callable[..., RegisterEntry]
) -> None:
    from django.db import IntegrityError

    entry = assign(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            body=world.body,
            document_type=nq,
            year=entry.year,
            sequence=2,
            number="02/NQ-CP",
            issued_at=entry.issued_at,
            subject_type=SUBJECT,
            subject_id="1",
        )


# --- the register ---------------------------------------------------------------------------


@pytest.fixture
def register(assign: Callable[..., RegisterEntry], qd: DocumentType) -> dict[str, RegisterEntry]:
    return {
        "nq-2025": assign(1, at=LAST_MINUTE_2025),
        "nq-2026-1": assign(2, at=NEW_YEAR_2026),
        "nq-2026-2": assign(3, at=NEW_YEAR_2026),
        "qd-2026": assign(4, at=NEW_YEAR_2026, document_type=qd),
    }


def test_register_lists_a_year_by_type_newest_number_first(
    world: World, register: dict[str, RegisterEntry], qd: DocumentType, nq: DocumentType
) -> None:
    office = world.user("office")
    assert office is not None
    qd.order, nq.order = 2, 1
    qd.save(update_fields=["order"])
    nq.save(update_fields=["order"])
    assert [e.number for e in register_list_for(office, world.body, year=2026)] == [
        "02/NQ-CP",
        "01/NQ-CP",
        "01/QĐ-CP",
    ]
    assert list(register_list_for(office, world.body, year=2026, document_type=nq)) == [
        register["nq-2026-2"],
        register["nq-2026-1"],
    ]
    assert list(register_list_for(office, world.body, year=2025)) == [register["nq-2025"]]
    assert list(register_list_for(office, world.body, year=2024)) == []
    every = list(register_list_for(office, world.body))
    assert every[-1] == register["nq-2025"]
    assert len(every) == 4


def test_register_list_takes_constant_queries(
    world: World,
    register: dict[str, RegisterEntry],
    assign: Callable[..., RegisterEntry],
    django_assert_num_queries: Any,
) -> None:
    office = world.user("office")
    with django_assert_num_queries(2):  # the reader's membership, then the entries
        entries = list(register_list_for(office, world.body))  # type: ignore[arg-type]
        labels = [(e.number, e.document_type.abbreviation, str(e.actor)) for e in entries]
    for n in range(10, 20):
        assign(n)
    with django_assert_num_queries(2):
        entries = list(register_list_for(office, world.body))  # type: ignore[arg-type]
        labels = [(e.number, e.document_type.abbreviation, str(e.actor)) for e in entries]
    assert len(labels) == 14


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_the_register(
    world: World, register: dict[str, RegisterEntry], persona: str
) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = world.user(persona) or AnonymousUser()
    readers = {"chair", "office", "member", "substitute", "observer", "admin"}
    count = register_list_for(user, world.body).count()
    assert count == (4 if persona in readers else 0)


def test_outsider_body_register_is_separate(
    world: World, register: dict[str, RegisterEntry]
) -> None:
    outsider = world.user("outsider")
    assert outsider is not None
    assert register_list_for(outsider, world.other_body).count() == 0


# --- concurrency ----------------------------------------------------------------------------

THREADS = 8


def _run_at_once(actions: list[Callable[[], RegisterEntry]]) -> list[RegisterEntry]:
    """Each action in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(actions))
    results: list[RegisterEntry] = []
    errors: list[BaseException] = []

    def run(action: Callable[[], RegisterEntry]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == len(actions)
    return results


def _issue(
    world: World, document_type: DocumentType, subject_id: str, hold: float = 0.0
) -> Callable[[], RegisterEntry]:
    """An issuance: the number, then ``hold`` seconds of other work before the commit."""

    def action() -> RegisterEntry:
        with transaction.atomic():
            entry = number_assign(
                actor=None,
                body=world.body,
                document_type=document_type,
                subject_type=SUBJECT,
                subject_id=subject_id,
            )
            time.sleep(hold)
            return entry

    return action


@pytest.mark.django_db(transaction=True)
def test_simultaneous_issuances_get_distinct_consecutive_numbers(
    world: World, nq: DocumentType
) -> None:
    # The first number of the year: the counter row does not exist yet either.
    results = _run_at_once([_issue(world, nq, str(n), hold=0.02) for n in range(THREADS)])
    assert sorted(e.sequence for e in results) == list(range(1, THREADS + 1))
    assert len({e.number for e in results}) == THREADS
    stored = RegisterEntry.objects.order_by("sequence")
    assert [e.number for e in stored] == [f"{n:02d}/NQ-CP" for n in range(1, THREADS + 1)]
    assert NumberCounter.objects.get().last == THREADS
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_simultaneous_issuances_after_the_first_number(world: World, nq: DocumentType) -> None:
    with transaction.atomic():
        number_assign(
            actor=None, body=world.body, document_type=nq, subject_type=SUBJECT, subject_id="0"
        )
    results = _run_at_once([_issue(world, nq, str(n)) for n in range(1, THREADS + 1)])
    assert sorted(e.sequence for e in results) == list(range(2, THREADS + 2))
    assert NumberCounter.objects.get().last == THREADS + 1


@pytest.mark.django_db(transaction=True)
def test_the_same_document_issued_twice_at_once_takes_one_number(
    world: World, nq: DocumentType
) -> None:
    results = _run_at_once([_issue(world, nq, "42", hold=0.02) for _ in range(4)])
    assert {e.pk for e in results} == {results[0].pk}
    assert {e.number for e in results} == {"01/NQ-CP"}
    assert RegisterEntry.objects.count() == 1
    assert NumberCounter.objects.get().last == 1
    assert AuditEvent.objects.filter(verb="documents.number_assign").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_issuances_of_two_types(
    world: World, nq: DocumentType, qd: DocumentType
) -> None:
    actions = [_issue(world, nq, f"nq-{n}") for n in range(4)]
    actions += [_issue(world, qd, f"qd-{n}") for n in range(4)]
    results = _run_at_once(actions)
    by_type: dict[int, list[int]] = {}
    for entry in results:
        by_type.setdefault(entry.document_type_id, []).append(entry.sequence)
    assert {k: sorted(v) for k, v in by_type.items()} == {nq.pk: [1, 2, 3, 4], qd.pk: [1, 2, 3, 4]}


def test_counter_row_is_locked(world: World, assign: Callable[..., RegisterEntry]) -> None:
    """PostgreSQL: FOR UPDATE on the counter. SQLite: the transaction is IMMEDIATE."""
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as queries:
            assign(1)
        locking = [
            q["sql"]
            for q in queries.captured_queries
            if "documents_numbercounter" in q["sql"] and "FOR UPDATE" in q["sql"]
        ]
        assert locking
    else:
        assert connection.vendor == "sqlite"
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
