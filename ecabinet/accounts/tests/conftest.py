"""Helpers for the accounts tests: TOTP codes, enrolment, the two login steps."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts import services
from ecabinet.accounts.models import User
from ecabinet.core.testing.factories import DEFAULT_PASSWORD

MIDDLEWARE = "ecabinet.accounts.middleware.SecondFactorMiddleware"
UA = "Mozilla/5.0 (thử nghiệm)"


@pytest.fixture(autouse=True)
def accounts_settings(settings: LazySettings) -> None:
    """Run with the middleware in place, right after django-otp's, until settings has it.

    Hashing with the production hasher costs about a second per password on a loaded
    2-core machine and the world holds nine users; these tests are about the flow, not the
    hash, so they use a fast one.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("django_otp.middleware.OTPMiddleware") + 1, MIDDLEWARE)
        settings.MIDDLEWARE = middleware


def code_for(key: str, *, at: float | None = None, steps: int = 0) -> str:
    """The 6-digit code an authenticator with ``key`` (hex) shows at ``at`` + ``steps``."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = (time.time() if at is None else at) + steps * 30
    return f"{totp.token():06d}"


def device_code(device: TOTPDevice, *, steps: int = 0) -> str:
    device.refresh_from_db()
    return code_for(device.key, steps=steps)


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """Give ``user`` a confirmed authenticator and recovery codes, through the service.

    The enrolment code is taken one step back so that the current code stays usable
    for a login right after (the device refuses codes at or before the enrolment step).
    """
    key = services.new_totp_key()
    enrolment = services.totp_device_enrol(actor=user, key=key, code=code_for(key, steps=-1))
    return enrolment.device, enrolment.recovery_codes


def post_password(
    client: Client, username: str, password: str = DEFAULT_PASSWORD, **extra: Any
) -> Any:
    data = {"username": username, "password": password, **extra}
    return client.post(reverse("accounts:login"), data, HTTP_USER_AGENT=UA)


def post_code(client: Client, code: str, **extra: Any) -> Any:
    return client.post(reverse("accounts:otp"), {"code": code, **extra}, HTTP_USER_AGENT=UA)


def post_recovery(client: Client, code: str, **extra: Any) -> Any:
    return client.post(
        reverse("accounts:otp"), {"recovery_code": code, **extra}, HTTP_USER_AGENT=UA
    )


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def is_verified(client: Client) -> bool:
    from django_otp import DEVICE_ID_SESSION_KEY

    return DEVICE_ID_SESSION_KEY in client.session


def logged_in_user_id(client: Client) -> int | None:
    from django.contrib.auth import SESSION_KEY

    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None
