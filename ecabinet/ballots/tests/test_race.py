"""Two holders of one review step act at the same moment: exactly one passes it.

Real concurrency, each person in their own thread and database connection: the ballot
row's lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises them, and the
second finds the step already decided.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ecabinet.audit.models import AuditEvent
from ecabinet.ballots import services
from ecabinet.ballots.models import Ballot, RouteEvent
from ecabinet.ballots.tests.conftest import Journey
from ecabinet.bodies.models import Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_heads_forwarding_the_same_step_at_once(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    services.ballot_submit(actor=journey.user("office"), ballot=ballot, version=ballot.version)
    heads = [
        journey.user("head"),
        MembershipFactory.create(
            body=journey.world.body, role=Role.OFFICE_HEAD, user=UserFactory.create()
        ).user,
    ]
    barrier = threading.Barrier(len(heads))
    results: list[str] = []

    def forward(user: object) -> None:
        seen = Ballot.objects.select_related("body").get(pk=ballot.pk)
        try:
            barrier.wait(timeout=10)
            services.ballot_forward(actor=user, ballot=seen, step=0, cycle=1)  # type: ignore[arg-type]
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=forward, args=(u,)) for u in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "stale"]
    ballot.refresh_from_db()
    assert ballot.review_step == 1
    assert RouteEvent.objects.filter(ballot=ballot, action="forward").count() == 1
    assert AuditEvent.objects.filter(verb="ballots.ballot_forward").count() == 1
