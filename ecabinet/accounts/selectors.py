"""Reads about accounts: who is logging in, what second factor they need, the login log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.errors import VN_TZ
from ecabinet.accounts.models import LoginEvent, User
from ecabinet.accounts.permissions import can_view_login_log
from ecabinet.bodies.permissions import requires_second_factor

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class SecondFactorStep(StrEnum):
    """What stands between a correct password and a full login."""

    OTP = "otp"  # the user has an authenticator: enter its code (or a recovery code)
    SETUP = "setup"  # the user must have one and has none yet: enrol now


def user_by_login_name(username: str) -> User | None:
    """The account a login form names, ignoring case (phones capitalise the first letter).

    The case-insensitive unique constraint on ``username`` makes the match unique; the
    expression matches that index on both databases.
    """
    name = username.strip()
    if not name:
        return None
    return (
        User.objects.annotate(login_name=Lower("username")).filter(login_name=name.lower()).first()
    )


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def second_factor_step_for(user: User) -> SecondFactorStep | None:
    """The second step this user must pass after the password, or None when none is needed.

    Anyone who has an authenticator uses it; otherwise roles that sign and system
    administrators must enrol one before they can go on (docs/decisions/0200).
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return SecondFactorStep.OTP
    if requires_second_factor(user):
        return SecondFactorStep.SETUP
    return None


def lock_end(start: datetime) -> datetime:
    """End of a lock that starts at ``start``: the policy length, rounded up to the minute.

    Rounding up makes the time we show ("thử lại sau 14:35") the exact moment the lock ends.
    """
    end = start + timedelta(minutes=settings.ECABINET_LOCKOUT_MINUTES)
    whole = end.replace(second=0, microsecond=0)
    return whole if whole == end else whole + timedelta(minutes=1)


def unknown_name_lock_until(login_name: str, now: datetime) -> datetime | None:
    """When a username with no account stops being "locked", if it is locked now.

    Unknown usernames go through the same lockout as real ones, counted from the login log,
    so that the lock message cannot be used to find out which usernames exist.
    """
    last_lock = (
        LoginEvent.objects.filter(user=None, username=login_name, kind=LoginEvent.Kind.LOCKED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last_lock is None:
        return None
    until = lock_end(last_lock)
    return until if until > now else None


def unknown_name_failures(login_name: str) -> int:
    """Failed attempts on an unknown username since its last lock (it has no successes)."""
    events = LoginEvent.objects.filter(user=None, username=login_name)
    last_lock = (
        events.filter(kind=LoginEvent.Kind.LOCKED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = events.filter(kind=LoginEvent.Kind.FAILURE)
    if last_lock is not None:
        failures = failures.filter(at__gt=last_lock)
    return failures.count()


def recent_login_events_for(user: User, *, limit: int = 10) -> list[LoginEvent]:
    return list(LoginEvent.objects.filter(user=user).order_by("-at", "-id")[:limit])


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VN_TZ)


def login_event_list_for(
    user: User | AnonymousUser,
    *,
    username_contains: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str = "",
) -> QuerySet[LoginEvent]:
    """The login log as the system administrator filters it; nothing for anyone else.

    Dates are whole days in Vietnam time, both ends included.
    """
    if not can_view_login_log(user):
        return LoginEvent.objects.none()
    events = LoginEvent.objects.select_related("user").order_by("-at", "-id")
    if username_contains:
        events = events.filter(username__icontains=username_contains)
    if date_from is not None:
        events = events.filter(at__gte=_local_midnight(date_from))
    if date_to is not None:
        events = events.filter(at__lt=_local_midnight(date_to + timedelta(days=1)))
    if kind:
        events = events.filter(kind=kind)
    return events
