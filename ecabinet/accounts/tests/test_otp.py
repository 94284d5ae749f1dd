"""The code step: TOTP codes, recovery codes, and everything wrong with them."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.tests.conftest import (
    device_code,
    enrol,
    is_verified,
    logged_in_user_id,
    messages_of,
    post_code,
    post_password,
    post_recovery,
)
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.personas import World

WRONG_CODE = "Mã xác thực không đúng hoặc đã hết hạn."


def _chair(world: World) -> User:
    user = world.user("chair")
    assert user is not None
    return user


def test_code_page_offers_a_numeric_one_time_code_field(client: Client, world: World) -> None:
    enrol(_chair(world))
    post_password(client, "chair")
    html = client.get(reverse("accounts:otp")).content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert '<label for="id_recovery_code">' in html


def test_current_code_completes_the_login(client: Client, world: World) -> None:
    chair = _chair(world)
    device, _codes = enrol(chair)
    post_password(client, "chair")
    before = client.session.session_key
    response = post_code(client, device_code(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert is_verified(client)
    assert client.session.session_key != before
    assert client.get(reverse("accounts:security")).status_code == 200
    event = LoginEvent.objects.get(user=chair)
    assert event.kind == LoginEvent.Kind.OTP_SUCCESS
    assert AuditEvent.objects.get(verb="accounts.login").after == {"method": "totp"}


def test_code_step_follows_a_safe_next_only(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    post_password(client, "chair")
    response = post_code(client, device_code(device), next="https://evil.example/")
    assert response["Location"] == reverse("core:home")

    client.post(reverse("accounts:logout"))
    post_password(client, "chair")
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        response = post_code(client, device_code(device), next="/tai-khoan/bao-mat/")
    assert response["Location"] == "/tai-khoan/bao-mat/"


def test_wrong_code_is_refused_and_counted(client: Client, world: World) -> None:
    chair = _chair(world)
    device, _codes = enrol(chair)
    post_password(client, "chair")
    wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
    response = post_code(client, wrong)
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert not is_verified(client)
    chair.refresh_from_db()
    assert chair.failed_logins == 1
    assert LoginEvent.objects.get(user=chair).kind == LoginEvent.Kind.OTP_FAILURE
    assert AuditEvent.objects.get(verb="accounts.login_failed").after == {
        "stage": "totp",
        "failures": 1,
    }


def test_expired_code_is_refused(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    post_password(client, "chair")
    # Three steps (90 s) old: outside the one-step tolerance.
    response = post_code(client, device_code(device, steps=-3))
    assert WRONG_CODE in response.content.decode()
    assert not is_verified(client)


def test_code_from_the_future_is_refused(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    post_password(client, "chair")
    response = post_code(client, device_code(device, steps=3))
    assert WRONG_CODE in response.content.decode()


def test_code_that_expired_while_typing_is_refused(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    post_password(client, "chair")
    code = device_code(device)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        response = post_code(client, code)
    assert WRONG_CODE in response.content.decode()


def test_a_code_cannot_be_used_twice(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    code = device_code(device)
    post_password(client, "chair")
    assert post_code(client, code).status_code == 302
    client.post(reverse("accounts:logout"))
    post_password(client, "chair")
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = post_code(client, code)
    assert WRONG_CODE in response.content.decode()
    assert not is_verified(client)


def test_malformed_code_is_a_format_error_not_a_failure(client: Client, world: World) -> None:
    chair = _chair(world)
    enrol(chair)
    post_password(client, "chair")
    response = post_code(client, "12ab")
    assert response.status_code == 400
    assert "Mã xác thực gồm đúng 6 chữ số." in response.content.decode()
    chair.refresh_from_db()
    assert chair.failed_logins == 0


def test_code_with_a_space_is_accepted(client: Client, world: World) -> None:
    device, _codes = enrol(_chair(world))
    post_password(client, "chair")
    code = device_code(device)
    assert post_code(client, f"{code[:3]} {code[3:]}").status_code == 302


def test_retry_right_after_a_wrong_code_is_asked_to_wait(client: Client, world: World) -> None:
    chair = _chair(world)
    device, _codes = enrol(chair)
    post_password(client, "chair")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
        post_code(client, wrong)
        response = post_code(client, device_code(device))
    assert "Vui lòng đợi vài giây rồi thử lại." in response.content.decode()
    chair.refresh_from_db()
    assert chair.failed_logins == 1  # the refused retry is not a failure
    with time_machine.travel(now + timedelta(seconds=5)):
        assert post_code(client, device_code(device)).status_code == 302


def test_recovery_code_logs_in_once(client: Client, world: World) -> None:
    chair = _chair(world)
    _device, codes = enrol(chair)
    post_password(client, "chair")
    response = post_recovery(client, codes[0], next="/tai-khoan/bao-mat/")
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/bao-mat/"
    assert is_verified(client)
    page = client.get(response["Location"])
    assert any("còn 9 mã chưa dùng" in m for m in messages_of(page))
    assert StaticToken.objects.filter(device__user=chair).count() == 9
    assert LoginEvent.objects.get(user=chair).kind == LoginEvent.Kind.RECOVERY_USED
    assert AuditEvent.objects.filter(verb="accounts.recovery_code_used").count() == 1
    assert AuditEvent.objects.get(verb="accounts.login").after == {"method": "recovery"}


def test_reused_recovery_code_is_refused_with_a_clear_message(client: Client, world: World) -> None:
    chair = _chair(world)
    _device, codes = enrol(chair)
    post_password(client, "chair")
    post_recovery(client, codes[0])
    client.post(reverse("accounts:logout"))
    post_password(client, "chair")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = post_recovery(client, codes[0])
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mã khôi phục này đã được sử dụng lúc" in html
    assert "Mỗi mã chỉ dùng được một lần" in html
    assert not is_verified(client)
    chair.refresh_from_db()
    assert chair.failed_logins == 1


def test_recovery_code_is_accepted_in_capitals_with_a_dash(client: Client, world: World) -> None:
    _device, codes = enrol(_chair(world))
    post_password(client, "chair")
    typed = f"{codes[1][:4]}-{codes[1][4:]}".upper()
    assert post_recovery(client, typed).status_code == 302


def test_unknown_recovery_code_is_refused(client: Client, world: World) -> None:
    _device, codes = enrol(_chair(world))
    post_password(client, "chair")
    unused = "aaaaaaaa" if "aaaaaaaa" not in codes else "bbbbbbbb"
    response = post_recovery(client, unused)
    assert "Mã khôi phục không đúng." in response.content.decode()
    assert not is_verified(client)


def test_malformed_recovery_code_is_a_format_error(client: Client, world: World) -> None:
    enrol(_chair(world))
    post_password(client, "chair")
    response = post_recovery(client, "abc")
    assert "Mã khôi phục gồm 8 ký tự" in response.content.decode()


def test_code_page_sends_anonymous_users_to_login(client: Client, db: None) -> None:
    response = client.get(reverse("accounts:otp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_code_page_sends_users_without_authenticator_to_enrolment(
    client: Client, world: World
) -> None:
    post_password(client, "chair")
    response = client.get(reverse("accounts:otp") + "?next=/tai-khoan/bao-mat/")
    assert response["Location"] == (
        reverse("accounts:otp_setup") + "?next=%2Ftai-khoan%2Fbao-mat%2F"
    )


def test_cancel_from_the_code_step_logs_out(client: Client, world: World) -> None:
    enrol(_chair(world))
    post_password(client, "chair")
    client.post(reverse("accounts:logout"))
    assert logged_in_user_id(client) is None
