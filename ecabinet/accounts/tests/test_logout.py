"""Logout: POST only, recorded."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import LoginEvent
from ecabinet.accounts.tests.conftest import UA, logged_in_user_id, messages_of, post_password
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.personas import World


def test_logout_ends_the_session_and_is_recorded(client: Client, world: World) -> None:
    office = world.user("office")
    assert office is not None
    post_password(client, "office")
    response = client.post(reverse("accounts:logout"), HTTP_USER_AGENT=UA)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    event = LoginEvent.objects.filter(user=office).latest("id")
    assert event.kind == LoginEvent.Kind.LOGOUT
    assert event.user_agent == UA
    assert AuditEvent.objects.get(verb="accounts.logout").actor_id == office.pk
    page = client.get(response["Location"])
    assert "Bạn đã đăng xuất." in messages_of(page)


def test_logout_by_get_is_not_allowed(client: Client, world: World) -> None:
    post_password(client, "office")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) is not None


def test_logout_without_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("office"))  # type: ignore[arg-type]
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    assert logged_in_user_id(client) is not None
    assert not LoginEvent.objects.filter(kind=LoginEvent.Kind.LOGOUT).exists()


def test_anonymous_logout_just_goes_to_login(client: Client, db: None) -> None:
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert not LoginEvent.objects.exists()
