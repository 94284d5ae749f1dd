"""Signing windows: opened with a code for one meeting, used without one, closed on cue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import LazySettings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from ecabinet.accounts import services, stepup
from ecabinet.accounts.models import SigningWindow, StepUpChallenge
from ecabinet.accounts.tests.conftest import device_code, enrol
from ecabinet.accounts.tests.test_stepup_services import (
    CONTENT,
    OTHER_SESSION,
    SESSION,
    ask,
    confirm,
    consume,
    signer,
)
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World

MEETING = ("meeting", "42")
OTHER_MEETING = ("meeting", "43")
VOTE_NO = b'{"poll":7,"vote":"no"}'
START = datetime(2026, 3, 2, 1, 0, 5, tzinfo=UTC)


def open_window(world: World, *, session: str = SESSION) -> tuple[SigningWindow, StepUpChallenge]:
    user, device = signer(world)
    challenge = ask(user, session=session, scope=MEETING)
    confirmed = confirm(
        user, challenge, device_code(device), session=session, open_window_for=MEETING
    )
    assert confirmed.window is not None
    return confirmed.window, confirmed


def test_a_code_opens_a_window_for_the_meeting(world: World, settings: LazySettings) -> None:
    settings.ECABINET_SIGNING_WINDOW_SECONDS = 3600
    with time_machine.travel(START, tick=False):
        window, first = open_window(world)
    assert (window.scope_type, window.scope_id) == MEETING
    assert window.opened_at == START
    assert window.expires_at == START + timedelta(hours=1)
    assert window.closed_at is None
    assert window.device_id == first.device_id
    assert first.confirmation_method == StepUpChallenge.Method.TOTP
    event = AuditEvent.objects.get(verb="accounts.signing_window_opened")
    assert event.after["scope_id"] == "42"


def test_window_lasts_a_session_by_default(world: World, settings: LazySettings) -> None:
    settings.SESSION_COOKIE_AGE = 2 * 3600
    if hasattr(settings, "ECABINET_SIGNING_WINDOW_SECONDS"):
        del settings.ECABINET_SIGNING_WINDOW_SECONDS
    window, _first = open_window(world)
    assert window.expires_at - window.opened_at == timedelta(hours=2)


def test_window_never_lasts_more_than_eight_hours(world: World, settings: LazySettings) -> None:
    settings.ECABINET_SIGNING_WINDOW_SECONDS = 24 * 3600
    with time_machine.travel(START, tick=False):
        window, _first = open_window(world)
    assert window.expires_at == START + timedelta(hours=8)
    user = window.user
    # Even a row that says otherwise is not honoured after 8 hours.
    SigningWindow.objects.filter(pk=window.pk).update(expires_at=START + timedelta(days=2))
    with time_machine.travel(START + timedelta(hours=7, minutes=59), tick=False):
        inside = ask(user, scope=MEETING, content=VOTE_NO)
        assert confirm(user, inside, None).confirmation_method == "window"
    with time_machine.travel(START + timedelta(hours=8), tick=False):
        late = ask(user, scope=MEETING, content=VOTE_NO)
        with pytest.raises(DomainError) as caught:
            confirm(user, late, None)
    assert caught.value.code == "no_window"
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.EXPIRED


def test_in_the_window_a_vote_is_confirmed_without_a_code(world: World) -> None:
    window, first = open_window(world)
    user = window.user
    consume(user, first)
    vote = ask(user, scope=MEETING, content=VOTE_NO)
    confirmed = confirm(user, vote, None)
    assert confirmed.confirmation_method == StepUpChallenge.Method.WINDOW
    assert confirmed.window == window
    assert consume(user, vote, content=VOTE_NO).consumed_at is not None
    # Still one explicit confirmation per content: a second vote needs its own.
    second = ask(user, scope=MEETING, content=b'{"poll":8,"vote":"yes"}')
    with pytest.raises(DomainError) as caught:
        consume(user, second, content=b'{"poll":8,"vote":"yes"}')
    assert caught.value.code == "not_confirmed"


def test_window_does_not_cover_another_meeting(world: World) -> None:
    window, _first = open_window(world)
    user = window.user
    elsewhere = ask(user, scope=OTHER_MEETING, content=VOTE_NO)
    with pytest.raises(DomainError) as caught:
        confirm(user, elsewhere, None)
    assert caught.value.code == "no_window"
    unscoped = ask(user, content=VOTE_NO)
    with pytest.raises(DomainError) as again:
        confirm(user, unscoped, None)
    assert again.value.code == "no_window"
    assert StepUpChallenge.objects.filter(confirmed_at__isnull=False).count() == 1


def test_window_does_not_cover_another_session(world: World) -> None:
    window, _first = open_window(world)
    user = window.user
    vote = ask(user, session=OTHER_SESSION, scope=MEETING, content=VOTE_NO)
    with pytest.raises(DomainError) as caught:
        confirm(user, vote, None, session=OTHER_SESSION)
    assert caught.value.code == "no_window"


def test_opening_a_window_needs_a_code_and_the_challenge_scope(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user, scope=MEETING)
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, None, open_window_for=MEETING)
    assert caught.value.code == "window_needs_code"
    with pytest.raises(DomainError) as other:
        confirm(user, challenge, device_code(device), open_window_for=OTHER_MEETING)
    assert other.value.code == "scope_mismatch"
    assert not SigningWindow.objects.exists()
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_expired_window_is_closed_at_use(world: World, settings: LazySettings) -> None:
    settings.ECABINET_SIGNING_WINDOW_SECONDS = 600
    with time_machine.travel(START, tick=False):
        window, _first = open_window(world)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        vote = ask(window.user, scope=MEETING, content=VOTE_NO)
        with pytest.raises(DomainError) as caught:
            confirm(window.user, vote, None)
    assert caught.value.code == "no_window"
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.EXPIRED
    assert AuditEvent.objects.filter(
        verb="accounts.signing_window_closed", after__reason="expired"
    ).exists()


def test_closing_the_meeting_closes_its_windows(world: World) -> None:
    window, _first = open_window(world)
    user = window.user
    vote = confirm(user, ask(user, scope=MEETING, content=VOTE_NO), None)
    elsewhere = SigningWindow.objects.create(
        user=user,
        scope_type="meeting",
        scope_id="43",
        opened_at=window.opened_at,
        expires_at=window.expires_at,
        session_key_hash=window.session_key_hash,
        device_id=window.device_id,
    )
    assert stepup.signing_windows_close_for_scope("meeting", "42") == 1
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.SCOPE_CLOSED
    elsewhere.refresh_from_db()
    assert elsewhere.closed_at is None
    # A vote confirmed in the window but not yet signed is not signed after the close.
    with pytest.raises(DomainError) as caught:
        consume(user, vote, content=VOTE_NO)
    assert caught.value.code == "window_closed"
    later = ask(user, scope=MEETING, content=b'{"poll":9}')
    with pytest.raises(DomainError):
        confirm(user, later, None)
    assert stepup.signing_windows_close_for_scope("meeting", "42") == 0


def test_logout_closes_the_sessions_window(client: Client, world: World) -> None:
    user, device = signer(world)
    login_as(client, user)
    session_key = client.session.session_key
    challenge = ask(user, session=session_key, scope=MEETING)
    window = confirm(
        user, challenge, device_code(device), session=session_key, open_window_for=MEETING
    ).window
    assert window is not None
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.LOGOUT
    event = AuditEvent.objects.get(verb="accounts.signing_window_closed")
    assert event.actor_id == user.pk
    assert event.after["reason"] == "logout"


def test_another_authenticator_closes_the_window(world: World) -> None:
    """A lost phone is reset and a new one enrolled: the old phone's window ends."""
    window, _first = open_window(world)
    user = window.user
    services.user_reset_second_factor(actor=None, user=user)
    new_device, _codes = enrol(user)
    assert new_device.persistent_id != window.device_id
    # Confirming anything with the new authenticator closes windows of the old one.
    other = ask(user, session=OTHER_SESSION, content=VOTE_NO)
    confirm(user, other, device_code(new_device), session=OTHER_SESSION)
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.DEVICE_CHANGED


def test_window_of_a_replaced_authenticator_is_refused_at_use(world: World) -> None:
    window, _first = open_window(world)
    user = window.user
    services.user_reset_second_factor(actor=None, user=user)
    enrol(user)
    vote = ask(user, scope=MEETING, content=VOTE_NO)
    with pytest.raises(DomainError) as caught:
        confirm(user, vote, None)
    assert caught.value.code == "no_window"
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.DEVICE_CHANGED


def test_user_closes_own_window_only(world: World) -> None:
    window, _first = open_window(world)
    chair = world.user("chair")
    assert chair is not None
    with pytest.raises(PermissionDenied):
        stepup.signing_window_close(actor=chair, window=window)
    closed = stepup.signing_window_close(actor=window.user, window=window)
    assert closed.close_reason == SigningWindow.CloseReason.USER
    # Closing again changes nothing and records nothing more.
    stepup.signing_window_close(actor=window.user, window=window)
    assert AuditEvent.objects.filter(verb="accounts.signing_window_closed").count() == 1
    vote = ask(window.user, scope=MEETING, content=VOTE_NO)
    with pytest.raises(DomainError):
        confirm(window.user, vote, None)


def test_opening_again_replaces_the_window(world: World) -> None:
    with time_machine.travel(START, tick=False):
        window, _first = open_window(world)
    user = window.user
    device = user.totpdevice_set.get()
    with time_machine.travel(START + timedelta(seconds=60), tick=False):
        again = ask(user, scope=MEETING, content=VOTE_NO)
        confirm(user, again, device_code(device), open_window_for=MEETING)
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.REPLACED
    assert SigningWindow.objects.filter(user=user, closed_at__isnull=True).count() == 1


def test_database_allows_one_open_window_per_session_and_scope(world: World) -> None:
    window, _first = open_window(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningWindow.objects.create(
            user=window.user,
            scope_type=window.scope_type,
            scope_id=window.scope_id,
            opened_at=window.opened_at,
            expires_at=window.expires_at,
            session_key_hash=window.session_key_hash,
            device_id=window.device_id,
        )


def test_open_window_list_is_per_session(world: World) -> None:
    window, first = open_window(world)
    assert stepup.signing_window_list_for(window.user, session_key=SESSION) == [window]
    assert stepup.signing_window_list_for(window.user, session_key=OTHER_SESSION) == []
    assert stepup.signing_window_list_for(window.user) == [window]
    assert consume(window.user, first, content=CONTENT).consumed_at is not None
