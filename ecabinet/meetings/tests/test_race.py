"""Two people acting at the same moment, each in their own thread and database connection:
the meeting row's lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, ItemDocument
from ecabinet.meetings.tests.conftest import Prep


def _race(actions: list[Callable[[], Any]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    results: list[str] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            action()
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_one_paper_at_once(prep: Prep) -> None:
    paper = prep.upload(prep.add_item(prep.create()))
    officers = [
        prep.user("office"),
        MembershipFactory.create(
            body=prep.world.body, role=Role.OFFICE_STAFF, user=UserFactory.create()
        ).user,
    ]

    def decide(user: Any, approve: bool) -> Callable[[], Any]:
        def action() -> Any:
            seen = ItemDocument.objects.select_related("item__meeting__body").get(pk=paper.pk)
            return services.item_document_decide(
                actor=user, paper=seen, approve=approve, reason="" if approve else "Thiếu phụ lục"
            )

        return action

    results = _race([decide(officers[0], True), decide(officers[1], False)])
    assert results == ["ok", "stale"]
    decided = AuditEvent.objects.filter(
        verb__in=["meetings.item_document_approve", "meetings.item_document_return"]
    )
    assert decided.count() == 1


@pytest.mark.django_db(transaction=True)
def test_items_added_at_once_get_distinct_numbers(prep: Prep) -> None:
    meeting = prep.create()
    office = prep.user("office")

    def add(title: str) -> Callable[[], Any]:
        return lambda: services.agenda_item_add(actor=office, meeting=meeting, title=title)

    assert _race([add("Nội dung A"), add("Nội dung B"), add("Nội dung C")]) == ["ok"] * 3
    assert sorted(AgendaItem.objects.values_list("number", flat=True)) == [1, 2, 3]
