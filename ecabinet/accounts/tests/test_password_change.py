"""Changing one's password: validators, audit, the current session kept, others ended."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.tests.conftest import is_verified, logged_in_user_id, post_password
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import DEFAULT_PASSWORD
from ecabinet.core.testing.personas import World

NEW = "Mot-mat-khau-moi-2027"


def _change(client: Client, old: str, new1: str, new2: str | None = None) -> object:
    return client.post(
        reverse("accounts:password_change"),
        {
            "old_password": old,
            "new_password1": new1,
            "new_password2": new1 if new2 is None else new2,
        },
    )


def _chair(world: World) -> User:
    user = world.user("chair")
    assert user is not None
    return user


def test_form_has_password_autocomplete(client: Client, world: World) -> None:
    login_as(client, _chair(world))
    html = client.get(reverse("accounts:password_change")).content.decode()
    assert html.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in html


def test_password_change_keeps_this_session_and_is_recorded(client: Client, world: World) -> None:
    chair = _chair(world)
    login_as(client, chair)
    other = Client()
    login_as(other, chair)
    response = _change(client, DEFAULT_PASSWORD, NEW)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("accounts:security")  # type: ignore[index]
    chair.refresh_from_db()
    assert chair.check_password(NEW)
    # This session stays logged in and verified; the other one ends.
    assert client.get(reverse("accounts:security")).status_code == 200
    assert is_verified(client)
    assert other.get(reverse("accounts:security")).status_code == 302
    assert logged_in_user_id(other) is None
    assert LoginEvent.objects.get(user=chair).kind == LoginEvent.Kind.PASSWORD_CHANGED
    assert AuditEvent.objects.get(verb="accounts.password_changed").actor_id == chair.pk
    assert NEW not in str(AuditEvent.objects.get(verb="accounts.password_changed").after)


def test_wrong_current_password_is_refused_and_counted(client: Client, world: World) -> None:
    chair = _chair(world)
    login_as(client, chair)
    response = _change(client, "khong-dung", NEW)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Mật khẩu hiện tại không đúng." in response.content.decode()  # type: ignore[attr-defined]
    chair.refresh_from_db()
    assert chair.check_password(DEFAULT_PASSWORD)
    assert chair.failed_logins == 1


def test_guessing_the_current_password_locks_and_logs_out(client: Client, world: World) -> None:
    chair = _chair(world)
    login_as(client, chair)
    for _ in range(4):
        _change(client, "khong-dung", NEW)
    response = _change(client, "khong-dung", NEW)
    assert response["Location"] == reverse("accounts:login")  # type: ignore[index]
    assert logged_in_user_id(client) is None


def test_weak_password_is_refused_by_the_validators(client: Client, world: World) -> None:
    chair = _chair(world)
    login_as(client, chair)
    for weak in ("ngan", "12345678901", "password123"):
        response = _change(client, DEFAULT_PASSWORD, weak)
        assert response.status_code == 400, weak  # type: ignore[attr-defined]
    chair.refresh_from_db()
    assert chair.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(verb="accounts.password_changed").exists()


def test_mismatched_new_passwords_are_refused(client: Client, world: World) -> None:
    login_as(client, _chair(world))
    response = _change(client, DEFAULT_PASSWORD, NEW, NEW + "x")
    assert "Hai lần nhập mật khẩu mới không khớp." in response.content.decode()  # type: ignore[attr-defined]


def test_new_password_must_differ(client: Client, world: World) -> None:
    login_as(client, _chair(world))
    response = _change(client, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in response.content.decode()  # type: ignore[attr-defined]


def test_new_password_works_for_the_next_login(client: Client, world: World) -> None:
    # login_as gives the user an authenticator, so a right password leads to the code step.
    login_as(client, world.user("office"))
    _change(client, DEFAULT_PASSWORD, NEW)
    client.post(reverse("accounts:logout"))
    assert post_password(client, "office", NEW)["Location"] == reverse("accounts:otp")
    client.post(reverse("accounts:logout"))
    assert post_password(client, "office", DEFAULT_PASSWORD).status_code == 400
