"""Lockout after repeated failures: password and code, known and unknown usernames."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import LazySettings
from django.db import connection
from django.test import Client
from django.urls import reverse

from ecabinet.accounts import services
from ecabinet.accounts.errors import AccountLocked
from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.tests.conftest import (
    device_code,
    enrol,
    is_verified,
    logged_in_user_id,
    messages_of,
    post_code,
    post_password,
)
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.factories import UserFactory
from ecabinet.core.testing.personas import World

# 03:00 UTC is 10:00 in Hà Nội; a 15-minute lock from 10:00:20 ends at 10:16 (rounded up).
START = datetime(2026, 3, 2, 3, 0, 20, tzinfo=UTC)
LOCK_MESSAGE = "Tài khoản tạm thời bị khóa do nhập sai nhiều lần liên tiếp."
UNLOCK_TEXT = "10:16 ngày 02/03/2026"


def _persona(world: World, name: str) -> User:
    user = world.user(name)
    assert user is not None
    return user


def _fail(client: Client, username: str, times: int) -> list[int]:
    return [post_password(client, username, "sai-mat-khau").status_code for _ in range(times)]


def test_account_locks_at_the_threshold_with_the_unlock_time(client: Client, world: World) -> None:
    office = _persona(world, "office")
    with time_machine.travel(START, tick=False):
        statuses = _fail(client, "office", 5)
        assert statuses == [400, 400, 400, 400, 403]
        response = post_password(client, "office", "sai-mat-khau")
    html = response.content.decode()
    assert LOCK_MESSAGE in html
    assert UNLOCK_TEXT in html
    office.refresh_from_db()
    assert office.locked_until == datetime(2026, 3, 2, 3, 16, tzinfo=UTC)
    assert LoginEvent.objects.filter(user=office, kind=LoginEvent.Kind.LOCKED).count() == 1
    locked = AuditEvent.objects.get(verb="accounts.locked")
    assert locked.actor_id == office.pk
    assert locked.after == {"until": "2026-03-02T03:16:00Z", "failures": 5}


def test_right_password_is_refused_while_locked(client: Client, world: World) -> None:
    office = _persona(world, "office")
    with time_machine.travel(START, tick=False):
        _fail(client, "office", 5)
    with time_machine.travel(START + timedelta(minutes=14), tick=False):
        response = post_password(client, "office")
    assert response.status_code == 403
    assert UNLOCK_TEXT in response.content.decode()
    assert logged_in_user_id(client) is None
    assert LoginEvent.objects.filter(user=office).latest("id").kind == LoginEvent.Kind.BLOCKED
    assert AuditEvent.objects.filter(verb="accounts.login_blocked").count() == 1


def test_account_unlocks_after_the_period(client: Client, world: World) -> None:
    office = _persona(world, "office")
    with time_machine.travel(START, tick=False):
        _fail(client, "office", 5)
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        response = post_password(client, "office")
        assert response.status_code == 302
        assert logged_in_user_id(client) == office.pk
    office.refresh_from_db()
    assert office.locked_until is None
    assert office.failed_logins == 0


def test_after_a_lock_the_user_gets_a_full_set_of_attempts(client: Client, world: World) -> None:
    office = _persona(world, "office")
    with time_machine.travel(START, tick=False):
        _fail(client, "office", 5)
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        assert _fail(client, "office", 4) == [400, 400, 400, 400]
    office.refresh_from_db()
    assert office.failed_logins == 4
    assert office.locked_until is not None  # the old, expired lock


def test_successful_login_resets_the_counter(client: Client, world: World) -> None:
    office = _persona(world, "office")
    _fail(client, "office", 4)
    post_password(client, "office")
    office.refresh_from_db()
    assert office.failed_logins == 0
    client.post(reverse("accounts:logout"))
    assert _fail(client, "office", 4) == [400, 400, 400, 400]


def test_correct_password_alone_does_not_reset_the_counter_of_a_second_factor_user(
    client: Client, world: World
) -> None:
    # Otherwise a thief with the password could guess codes forever, 4 at a time.
    chair = _persona(world, "chair")
    device, _codes = enrol(chair)
    _fail(client, "chair", 4)
    post_password(client, "chair")
    chair.refresh_from_db()
    assert chair.failed_logins == 4
    wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
    response = post_code(client, wrong)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    page = client.get(response["Location"])
    assert any(LOCK_MESSAGE in m for m in messages_of(page))
    assert logged_in_user_id(client) is None


def test_code_failures_lock_and_end_the_half_login(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    device, _codes = enrol(chair)
    post_password(client, "chair")
    base = datetime.now(tz=UTC)
    for i in range(5):
        # Past django-otp's growing delay between attempts, so each one is evaluated.
        with time_machine.travel(base + timedelta(seconds=20 * i), tick=False):
            response = post_code(client, f"{(int(device_code(device)) + 1) % 1_000_000:06d}")
    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    chair.refresh_from_db()
    assert chair.locked_until is not None
    kinds = list(LoginEvent.objects.filter(user=chair).values_list("kind", flat=True))
    assert kinds.count(LoginEvent.Kind.OTP_FAILURE) == 5
    assert kinds.count(LoginEvent.Kind.LOCKED) == 1
    # Not even the right password and a right code get in now.
    with time_machine.travel(base + timedelta(minutes=2), tick=False):
        assert post_password(client, "chair").status_code == 403


def test_a_lock_set_elsewhere_stops_the_code_step(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    device, _codes = enrol(chair)
    post_password(client, "chair")
    _fail(Client(), "chair", 5)
    response = post_code(client, device_code(device))
    assert response["Location"] == reverse("accounts:login")
    assert not is_verified(client)
    assert logged_in_user_id(client) is None


def test_unknown_usernames_lock_like_real_ones(client: Client, world: World) -> None:
    with time_machine.travel(START, tick=False):
        assert _fail(client, "khong-ai", 5) == [400, 400, 400, 400, 403]
        response = post_password(client, "KHONG-AI", "bat-ky")
    assert response.status_code == 403
    html = response.content.decode()
    assert LOCK_MESSAGE in html
    assert UNLOCK_TEXT in html
    locked = AuditEvent.objects.get(verb="accounts.locked")
    assert locked.actor_id is None
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        assert _fail(client, "khong-ai", 1) == [400]


def test_inactive_account_with_the_right_password_does_not_count(client: Client, db: None) -> None:
    user = UserFactory(username="danghi", is_active=False)
    for _ in range(6):
        post_password(client, "danghi")
    user.refresh_from_db()
    assert user.failed_logins == 0
    assert user.locked_until is None


def test_service_raises_locked_with_the_end_time(world: World) -> None:
    client_info = services.ClientInfo(ip="10.0.0.1", user_agent="thử")
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            with pytest.raises(services.DomainError):
                services.login_authenticate(username="office", password="sai", client=client_info)
        with pytest.raises(AccountLocked) as caught:
            services.login_authenticate(username="office", password="sai", client=client_info)
    assert caught.value.until == datetime(2026, 3, 2, 3, 16, tzinfo=UTC)
    assert LoginEvent.objects.filter(ip="10.0.0.1").count() == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_are_all_counted(settings: LazySettings) -> None:
    """Parallel wrong passwords: none lost, exactly one lock, never more than one."""
    settings.ECABINET_LOCKOUT_THRESHOLD = 6
    user = UserFactory(username="songsong")
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            services.login_authenticate(
                username="songsong", password="sai", client=services.ClientInfo()
            )
        except AccountLocked:
            outcomes.append("locked")
        except services.DomainError:
            outcomes.append("wrong")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    user.refresh_from_db()
    assert sorted(outcomes) == ["locked"] + ["wrong"] * 5
    assert user.locked_until is not None
    assert user.failed_logins == 0
    assert LoginEvent.objects.filter(user=user, kind=LoginEvent.Kind.FAILURE).count() == 6
    assert LoginEvent.objects.filter(user=user, kind=LoginEvent.Kind.LOCKED).count() == 1
