"""Mandatory and voluntary enrolment of an authenticator, and recovery codes."""

from __future__ import annotations

import re
from base64 import b32encode
from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.session import ENROL_KEY
from ecabinet.accounts.tests.conftest import (
    code_for,
    device_code,
    enrol,
    is_verified,
    messages_of,
    post_code,
    post_password,
    post_recovery,
)
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World


def _persona(world: World, name: str) -> User:
    user = world.user(name)
    assert user is not None
    return user


def _setup_key(client: Client) -> str:
    return str(client.session[ENROL_KEY][1])


def _codes_on(html: str) -> list[str]:
    return re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", html)


def test_signer_enrols_and_sees_recovery_codes_once(client: Client, world: World) -> None:
    member = _persona(world, "member")
    post_password(client, "member", next="/tai-khoan/bao-mat/")
    page = client.get(reverse("accounts:otp_setup") + "?next=/tai-khoan/bao-mat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg role="img"' in html
    assert "<title>Mã QR" in html
    assert 'autocomplete="one-time-code"' in html
    key = _setup_key(client)
    secret = bytes.fromhex(key)
    assert " ".join(re.findall(".{1,4}", b32encode(secret).decode())) in html

    response = client.post(
        reverse("accounts:otp_setup"), {"code": code_for(key), "next": "/tai-khoan/bao-mat/"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:recovery_codes") + "?next=%2Ftai-khoan%2Fbao-mat%2F"
    )
    assert is_verified(client)
    device = TOTPDevice.objects.get(user=member)
    assert device.confirmed
    assert device.key == key
    assert LoginEvent.objects.get(user=member).kind == LoginEvent.Kind.OTP_SUCCESS
    assert AuditEvent.objects.get(verb="accounts.otp_enrolled").actor_id == member.pk
    assert AuditEvent.objects.get(verb="accounts.login").after == {"method": "totp_enrolment"}

    first = client.get(response["Location"])
    codes = _codes_on(first.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert {c.replace("-", "") for c in codes} == stored
    assert 'href="/tai-khoan/bao-mat/"' in first.content.decode()

    again = client.get(reverse("accounts:recovery_codes"))
    assert _codes_on(again.content.decode()) == []
    assert "Bạn còn 10 mã khôi phục chưa dùng." in again.content.decode()


def test_enrolment_secret_stays_the_same_across_reloads(client: Client, world: World) -> None:
    post_password(client, "member")
    client.get(reverse("accounts:otp_setup"))
    key = _setup_key(client)
    client.get(reverse("accounts:otp_setup"))
    assert _setup_key(client) == key


def test_wrong_enrolment_code_is_refused(client: Client, world: World) -> None:
    member = _persona(world, "member")
    post_password(client, "member")
    client.get(reverse("accounts:otp_setup"))
    key = _setup_key(client)
    response = client.post(reverse("accounts:otp_setup"), {"code": code_for(key, steps=-4)})
    assert response.status_code == 400
    assert "Mã xác nhận không đúng." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not is_verified(client)
    # Still half-logged-in: every other page leads back to enrolment.
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:otp_setup"))


def test_user_with_an_authenticator_cannot_enrol_another(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    enrol(chair)
    login_as(client, chair)
    response = client.get(reverse("accounts:otp_setup"))
    assert response["Location"] == reverse("accounts:security")
    assert TOTPDevice.objects.filter(user=chair).count() == 1


def test_half_logged_in_user_with_authenticator_is_sent_to_the_code_step(
    client: Client, world: World
) -> None:
    enrol(_persona(world, "chair"))
    post_password(client, "chair")
    response = client.get(reverse("accounts:otp_setup"))
    assert response["Location"] == reverse("accounts:otp")


def test_voluntary_enrolment_is_not_a_second_login(client: Client, world: World) -> None:
    office = _persona(world, "office")
    post_password(client, "office")
    client.get(reverse("accounts:otp_setup"))
    key = _setup_key(client)
    response = client.post(reverse("accounts:otp_setup"), {"code": code_for(key)})
    assert response.status_code == 302
    assert is_verified(client)
    assert list(LoginEvent.objects.filter(user=office).values_list("kind", flat=True)) == [
        LoginEvent.Kind.SUCCESS
    ]
    # From now on this user passes the code step at every login.
    client.post(reverse("accounts:logout"))
    assert post_password(client, "office")["Location"] == reverse("accounts:otp")


def test_recovery_codes_are_regenerated_with_a_current_code(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    device, old_codes = enrol(chair)
    post_password(client, "chair")
    post_code(client, device_code(device))
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        response = client.post(reverse("accounts:recovery_codes"), {"code": device_code(device)})
    assert response.status_code == 302
    page = client.get(response["Location"])
    new_codes = _codes_on(page.content.decode())
    assert len(new_codes) == 10
    assert not {c.replace("-", "") for c in new_codes} & set(old_codes)
    assert any("Các mã cũ không còn dùng được" in m for m in messages_of(page))
    event = AuditEvent.objects.get(verb="accounts.recovery_codes_regenerated")
    assert event.actor_id == chair.pk
    # The old codes no longer open the account.
    client.post(reverse("accounts:logout"))
    post_password(client, "chair")
    assert "Mã khôi phục không đúng." in post_recovery(client, old_codes[0]).content.decode()


def test_regeneration_with_a_wrong_code_is_refused_and_counted(
    client: Client, world: World
) -> None:
    chair = _persona(world, "chair")
    device, old_codes = enrol(chair)
    login_as(client, chair)
    wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:recovery_codes"), {"code": wrong})
    assert response.status_code == 400
    assert "Mã xác thực không đúng hoặc đã hết hạn." in response.content.decode()
    assert set(StaticToken.objects.filter(device__user=chair).values_list("token", flat=True)) == (
        set(old_codes)
    )
    chair.refresh_from_db()
    assert chair.failed_logins == 1
    assert not AuditEvent.objects.filter(verb="accounts.recovery_codes_regenerated").exists()


def test_recovery_codes_page_without_authenticator_offers_enrolment(
    client: Client, world: World
) -> None:
    login_as(client, _persona(world, "office"))
    TOTPDevice.objects.filter(user=_persona(world, "office")).delete()
    html = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert "chưa bật xác thực hai lớp" in html
    assert reverse("accounts:otp_setup") in html


def test_security_page_lists_devices_codes_and_recent_logins(client: Client, world: World) -> None:
    chair = _persona(world, "chair")
    device, _codes = enrol(chair)
    post_password(client, "chair")
    post_code(client, device_code(device))
    html = client.get(reverse("accounts:security")).content.decode()
    assert "Ứng dụng xác thực" in html
    assert "Còn 10 mã khôi phục chưa dùng." in html
    assert "Xác thực hai lớp thành công" in html
    assert 'name="code"' in html
