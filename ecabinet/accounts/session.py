"""Second-factor state of a session, shared by the middleware, the views and consumers."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from ecabinet.accounts.models import User
from ecabinet.accounts.selectors import SecondFactorStep, second_factor_step_for

# [user id, unix time] of the last check that this session's user needs no second factor.
NO_SECOND_FACTOR_KEY = "accounts.no_second_factor"
# [user id, hex key] of the authenticator being enrolled.
ENROL_KEY = "accounts.enrol_key"
# [user id, codes] shown once on the recovery codes page.
FRESH_CODES_KEY = "accounts.fresh_recovery_codes"
# A role can change during a session; the answer "no second factor needed" is re-checked
# this often so that a new signer is sent to enrolment within minutes, not at next login.
RECHECK_SECONDS = 300


def remember_no_second_factor(request: HttpRequest, user: User) -> None:
    request.session[NO_SECOND_FACTOR_KEY] = [user.pk, time.time()]


def pending_second_factor(request: HttpRequest) -> SecondFactorStep | None:
    """The step an authenticated user must still pass in this session, or None.

    Needs django-otp's OTPMiddleware (``request.user.is_verified``). Anonymous users have
    nothing pending: the login page is their step.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None:
        raise ImproperlyConfigured(
            "ecabinet.accounts needs django_otp.middleware.OTPMiddleware before it"
        )
    if is_verified():
        return None
    assert isinstance(user, User)
    checked = request.session.get(NO_SECOND_FACTOR_KEY)
    if (
        isinstance(checked, list)
        and len(checked) == 2
        and checked[0] == user.pk
        and time.time() - float(checked[1]) < RECHECK_SECONDS
    ):
        return None
    step = second_factor_step_for(user)
    if step is None:
        remember_no_second_factor(request, user)
    else:
        request.session.pop(NO_SECOND_FACTOR_KEY, None)
    return step


def second_factor_satisfied(user: Any, session: SessionBase) -> bool:
    """Whether a session's user has passed every login step (for WebSocket consumers).

    Channels' AuthMiddlewareStack does not run OTPMiddleware, so a consumer must not take
    ``scope["user"].is_authenticated`` alone as a full login. Call it through
    ``database_sync_to_async`` with ``scope["user"]`` and ``scope["session"]``.
    """
    if user is None or not user.is_authenticated:
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            return True
    return second_factor_step_for(user) is None


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """Django's language cookie, with the same attributes its set_language view uses."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
