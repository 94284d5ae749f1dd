"""ballots/ledger.py against the handling-time ledger, when ``ecabinet.tracking`` is installed.

Ballots works without the ledger (every ledger call does nothing then); these tests check the
calls themselves, so they need the ledger installed and say so loudly when it is not.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps

from ecabinet.ballots import services
from ecabinet.ballots.tests.conftest import Journey

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("ecabinet.tracking"),
        reason=(
            "!!! ecabinet.tracking is NOT INSTALLED: the ballots → ledger calls are NOT tested !!!"
        ),
    ),
]


def _items(ballot_pk: int, **filters: object) -> list:
    from ecabinet.tracking.models import Assignment

    return list(
        Assignment.objects.filter(
            subject_type="ballots.ballot", subject_id=str(ballot_pk), **filters
        ).select_related("assignee")
    )


def test_review_steps_go_to_every_holder_and_close_when_one_acts(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    (review,) = _items(ballot.pk, kind="ballot.review")
    assert review.assignee == journey.user("head")
    assert review.done_at is None
    ballot = services.ballot_forward(actor=journey.user("head"), ballot=ballot, step=0, cycle=1)
    review.refresh_from_db()
    assert review.done_at is not None
    services.ballot_forward(actor=journey.user("leader"), ballot=ballot, step=1, cycle=1)
    (approve,) = _items(ballot.pk, kind="ballot.approve")
    assert approve.assignee == journey.user("chair")
    journey.approve(ballot)
    approve.refresh_from_db()
    assert approve.done_at is not None


def test_sending_assigns_each_recipient_and_answers_finish_them(journey: Journey) -> None:
    ballot = journey.send()
    answers = {a.assignee.username: a for a in _items(ballot.pk, kind="ballot.answer")}
    assert set(answers) == {"chair", "member", "member2"}
    for item in answers.values():
        assert item.due_at == ballot.deadline_at
        assert item.received_at is not None
        assert item.url == f"/phieu-lay-y-kien/{ballot.pk}/"
    services.ballot_seen(actor=journey.user("member"), ballot=ballot)
    journey.answer(ballot, "member")
    item = answers["member"]
    item.refresh_from_db()
    assert item.first_opened_at is not None
    assert item.done_at is not None
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        services.ballot_close_due()
    for name in ("chair", "member2"):
        answers[name].refresh_from_db()
        assert answers[name].cancelled_at is not None


def test_a_substitute_finishes_the_members_item(opinions_delegated: Journey) -> None:
    journey = opinions_delegated
    ballot = journey.send()
    journey.answer(ballot, "member", actor="substitute")
    (item,) = _items(ballot.pk, kind="ballot.answer", assignee=journey.user("member"))
    assert item.done_at is not None


def test_withdrawing_withdraws_the_open_items(journey: Journey) -> None:
    ballot = journey.send()
    services.ballot_withdraw(actor=journey.user("office"), ballot=ballot, reason="Rút tờ trình")
    items = _items(ballot.pk, kind="ballot.answer")
    assert items
    assert all(i.cancel_reason == "Rút tờ trình" for i in items)
