"""The password step: who is let in, who goes on to a second step, what is recorded."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.tests.conftest import (
    UA,
    enrol,
    is_verified,
    logged_in_user_id,
    post_password,
)
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.factories import UserFactory
from ecabinet.core.testing.personas import World

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def _user(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


def test_login_page_has_labelled_fields_with_autocomplete(client: Client, db: None) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert "Sau 5 lần nhập sai liên tiếp" in html


def test_user_without_second_factor_is_logged_in_after_password(
    client: Client, world: World
) -> None:
    office = _user(world, "office")
    response = post_password(client, "office")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == office.pk
    event = LoginEvent.objects.get(user=office)
    assert event.kind == LoginEvent.Kind.SUCCESS
    assert event.ip == "127.0.0.1"
    assert event.user_agent == UA
    audit = AuditEvent.objects.get(verb="accounts.login")
    assert audit.actor_id == office.pk
    assert audit.after == {"method": "password"}


def test_wrong_password_is_refused_and_counted(client: Client, world: World) -> None:
    office = _user(world, "office")
    response = post_password(client, "office", "sai-mat-khau")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert logged_in_user_id(client) is None
    office.refresh_from_db()
    assert office.failed_logins == 1
    event = LoginEvent.objects.get(user=office)
    assert event.kind == LoginEvent.Kind.FAILURE
    assert AuditEvent.objects.get(verb="accounts.login_failed").actor_id == office.pk


def test_unknown_username_gets_the_same_message_and_is_logged_without_actor(
    client: Client, world: World
) -> None:
    response = post_password(client, "Khong-Ton-Tai", "bat-ky")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    event = LoginEvent.objects.get()
    assert event.user is None
    assert event.username == "khong-ton-tai"
    assert event.kind == LoginEvent.Kind.FAILURE
    audit = AuditEvent.objects.get(verb="accounts.login_failed")
    assert audit.actor_id is None
    assert audit.object_repr == "khong-ton-tai"


def test_username_is_matched_ignoring_case(client: Client, world: World) -> None:
    response = post_password(client, "  OFFICE ")
    assert response.status_code == 302
    assert logged_in_user_id(client) == _user(world, "office").pk


def test_empty_form_asks_for_both_fields(client: Client, db: None) -> None:
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng nhập tên đăng nhập." in html
    assert "Vui lòng nhập mật khẩu." in html
    assert not LoginEvent.objects.exists()


def test_deactivated_account_is_told_only_with_the_right_password(client: Client, db: None) -> None:
    user = UserFactory(username="danghi", is_active=False)
    wrong = post_password(client, "danghi", "sai-mat-khau")
    assert WRONG in wrong.content.decode()
    right = post_password(client, "danghi")
    assert right.status_code == 403
    assert "Tài khoản này đã bị vô hiệu hóa" in right.content.decode()
    assert logged_in_user_id(client) is None
    kinds = list(LoginEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))
    assert kinds == [LoginEvent.Kind.FAILURE, LoginEvent.Kind.INACTIVE]


def test_user_with_authenticator_must_pass_the_code_step(client: Client, world: World) -> None:
    office = _user(world, "office")
    enrol(office)
    response = post_password(client, "office")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp")
    # Authenticated but not verified: not logged in yet, and nothing recorded as a login.
    assert logged_in_user_id(client) == office.pk
    assert not is_verified(client)
    assert not LoginEvent.objects.filter(user=office).exists()
    home = client.get(reverse("core:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("accounts:otp"))


@pytest.mark.parametrize("persona", ["chair", "member", "substitute", "admin"])
def test_signers_and_admins_without_authenticator_must_enrol(
    client: Client, world: World, persona: str
) -> None:
    response = post_password(client, persona)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp_setup")
    assert not LoginEvent.objects.filter(kind=LoginEvent.Kind.SUCCESS).exists()


@pytest.mark.parametrize("persona", ["office", "agency", "observer"])
def test_roles_that_do_not_sign_need_no_second_factor(
    client: Client, world: World, persona: str
) -> None:
    response = post_password(client, persona)
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("accounts:security")).status_code == 200


def test_safe_next_is_followed(client: Client, world: World) -> None:
    response = post_password(client, "office", next="/tai-khoan/bao-mat/?tab=1")
    assert response["Location"] == "/tai-khoan/bao-mat/?tab=1"


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "https:///evil.example",
    ],
)
def test_unsafe_next_is_ignored(client: Client, world: World, unsafe: str) -> None:
    response = post_password(client, "office", next=unsafe)
    assert response["Location"] == reverse("core:home")


def test_next_is_carried_to_the_code_step(client: Client, world: World) -> None:
    enrol(_user(world, "office"))
    response = post_password(client, "office", next="/tai-khoan/bao-mat/")
    assert response["Location"] == reverse("accounts:otp") + "?next=%2Ftai-khoan%2Fbao-mat%2F"


def test_login_activates_the_saved_language(client: Client, world: World) -> None:
    office = _user(world, "office")
    office.language = "en"
    office.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = post_password(client, "office")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_logged_in_user_is_sent_on_from_the_login_page(client: Client, world: World) -> None:
    post_password(client, "office")
    response = client.get(reverse("accounts:login") + "?next=/tai-khoan/bao-mat/")
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/bao-mat/"


def test_login_without_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": "office", "password": "Mat-khau-thu-2026"}
    )
    assert response.status_code == 403
    assert logged_in_user_id(client) is None
    assert not LoginEvent.objects.exists()


def test_login_with_csrf_token_works_under_enforcement(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("accounts:login"),
        {"username": "office", "password": "Mat-khau-thu-2026", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert logged_in_user_id(client) == _user(world, "office").pk


def test_session_key_changes_at_login(client: Client, world: World) -> None:
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    post_password(client, "office")
    assert client.session.session_key != before


def test_login_page_only_accepts_get_and_post(client: Client, db: None) -> None:
    assert client.put(reverse("accounts:login")).status_code == 405


def test_unusable_client_address_is_logged_as_unknown(client: Client, world: World) -> None:
    client.post(
        reverse("accounts:login"),
        {"username": "office", "password": "sai"},
        REMOTE_ADDR="unix:/run/ecabinet.sock",
    )
    assert LoginEvent.objects.get().ip is None
