"""A confirmation spent inside an open signing window, in the caller's transaction (a live vote)."""

from __future__ import annotations

import pytest
from django.db import transaction

from ecabinet.accounts import stepup
from ecabinet.accounts.models import SigningWindow, StepUpChallenge
from ecabinet.accounts.tests.test_stepup_services import OTHER_SESSION, SESSION
from ecabinet.accounts.tests.test_stepup_window import MEETING, OTHER_MEETING, open_window
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World

VOTE = b'{"poll":7,"vote":"agree"}'


def _in_window(world: World, window: SigningWindow, **kwargs: object) -> StepUpChallenge:
    args: dict[str, object] = {
        "actor": window.user,
        "session_key": SESSION,
        "purpose": "meetings.vote",
        "content": VOTE,
        "summary": "Bạn ký: Đồng ý",
        "window_scope": MEETING,
    }
    args.update(kwargs)
    with transaction.atomic():
        spent = stepup.stepup_window_spend(**args)  # type: ignore[arg-type]
    if isinstance(spent, DomainError):
        raise spent
    return spent


def test_confirmed_and_spent_with_the_three_events(world: World) -> None:
    window, _first = open_window(world)
    before = AuditEvent.objects.count()
    challenge = _in_window(world, window)
    challenge.refresh_from_db()
    assert challenge.confirmation_method == StepUpChallenge.Method.WINDOW
    assert challenge.window_id == window.pk
    assert challenge.consumed_at is not None
    assert challenge.content_hash == stepup.content_digest(VOTE)
    verbs = list(
        AuditEvent.objects.order_by("seq").values_list("verb", flat=True)[before : before + 3]
    )
    assert verbs == [
        "accounts.stepup_requested",
        "accounts.stepup_confirmed",
        "accounts.stepup_consumed",
    ]
    assert stepup.stepup_state(challenge) == stepup.ChallengeState.CONSUMED


@pytest.mark.parametrize("case", ["other_session", "other_scope", "closed"])
def test_without_an_open_window_nothing_is_confirmed(world: World, case: str) -> None:
    window, _first = open_window(world)
    kwargs: dict[str, object] = {}
    if case == "other_session":
        kwargs["session_key"] = OTHER_SESSION
    elif case == "other_scope":
        kwargs["window_scope"] = OTHER_MEETING
    else:
        stepup.signing_window_close(actor=window.user, window=window)
    challenges = StepUpChallenge.objects.count()
    with pytest.raises(DomainError) as refused:
        _in_window(world, window, **kwargs)
    assert refused.value.code == "no_window"
    assert StepUpChallenge.objects.count() == challenges
    failed = AuditEvent.objects.filter(verb="accounts.stepup_failed").latest("seq")
    assert failed.after is not None
    assert failed.after["reason"] == "no_window"
