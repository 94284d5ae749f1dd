"""Choosing the interface language."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World


def _office(world: World) -> User:
    user = world.user("office")
    assert user is not None
    return user


def test_logged_in_user_saves_the_language(client: Client, world: World) -> None:
    office = _office(world)
    login_as(client, office)
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": "/tai-khoan/bao-mat/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/bao-mat/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    office.refresh_from_db()
    assert office.language == "en"
    event = AuditEvent.objects.get(verb="accounts.language_changed")
    assert (event.before, event.after) == ({"language": "vi"}, {"language": "en"})


def test_same_language_again_changes_nothing(client: Client, world: World) -> None:
    login_as(client, _office(world))
    client.post(reverse("accounts:set_language"), {"language": "vi"})
    assert not AuditEvent.objects.filter(verb="accounts.language_changed").exists()


def test_anonymous_user_gets_the_cookie_only(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not User.objects.filter(language="en").exists()
    assert not AuditEvent.objects.exists()


def test_unsafe_next_falls_back_to_home(client: Client, world: World) -> None:
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:home")


def test_safe_referer_is_used_without_next(client: Client, world: World) -> None:
    response = client.post(
        reverse("accounts:set_language"),
        {"language": "en"},
        HTTP_REFERER="http://testserver/tai-khoan/dang-nhap/",
    )
    assert response["Location"] == "http://testserver/tai-khoan/dang-nhap/"


def test_unsupported_language_is_refused_with_a_message(client: Client, world: World) -> None:
    office = _office(world)
    login_as(client, office)
    response = client.post(
        reverse("accounts:set_language"), {"language": "fr", "next": "/"}, follow=True
    )
    assert "Ngôn ngữ không được hỗ trợ." in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    office.refresh_from_db()
    assert office.language == "vi"


def test_language_switch_needs_post(client: Client, db: None) -> None:
    assert client.get(reverse("accounts:set_language") + "?language=en").status_code == 405
