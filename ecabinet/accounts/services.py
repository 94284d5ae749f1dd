"""Every change to accounts: logins and their failures, second factors, passwords, users.

Each service is atomic and appends its audit event in the same transaction. On SQLite every
atomic block takes the write lock (transaction_mode IMMEDIATE), so the slow parts (password
hashing) and plain reads run before the block, and the block only holds the writes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from binascii import Error as BinasciiError
from binascii import unhexlify
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.errors import AccountLocked
from ecabinet.accounts.models import LoginEvent, UsedRecoveryCode, User
from ecabinet.accounts.permissions import can_manage_users, can_reset_second_factor
from ecabinet.accounts.selectors import (
    SecondFactorStep,
    lock_end,
    second_factor_step_for,
    unknown_name_failures,
    unknown_name_lock_until,
    user_by_login_name,
)
from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"
_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")
_TOTP_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as the login log records it."""

    ip: str | None = None
    user_agent: str = ""


class Method(StrEnum):
    """How a login was completed (recorded in the audit event)."""

    PASSWORD = "password"  # noqa: S105 (a method name, not a secret)
    TOTP = "totp"
    RECOVERY = "recovery"
    ENROLMENT = "totp_enrolment"


@dataclass(frozen=True)
class LoginStart:
    """A correct password: the user, and the second step still to pass (None: logged in)."""

    user: User
    next_step: SecondFactorStep | None


class FactorStatus(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    REUSED = "reused"  # a recovery code that was already spent
    THROTTLED = "throttled"  # too soon after a wrong code (django-otp's growing delay)


@dataclass(frozen=True)
class FactorResult:
    status: FactorStatus
    device: Any = None  # the django-otp device that accepted the code
    used_at: datetime | None = None  # when a reused recovery code was first used
    codes_left: int | None = None  # recovery codes left after using one


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str] = field(default_factory=list)


def invalid_credentials() -> DomainError:
    # One message for an unknown username and a wrong password: never say which.
    return DomainError(_("Tên đăng nhập hoặc mật khẩu không đúng."), code="invalid_login")


def normalise_recovery_code(code: str) -> str:
    """``ABCD-EFGH``, ``abcd efgh`` and ``abcdefgh`` are the same code."""
    return re.sub(r"[\s-]", "", code).lower()


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _recovery_digest(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.pk}:{code}".encode()).hexdigest()


def _log(user: User | None, username: str, kind: str, client: ClientInfo) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user,
        username=username[:150],
        kind=kind,
        ip=client.ip or None,
        user_agent=client.user_agent[:300],
    )


def _audit_unknown(verb: str, login_name: str, after: dict[str, Any]) -> None:
    audit_append(
        actor=None,
        verb=verb,
        object_type="accounts.user",
        object_repr=login_name,
        after=after,
    )


def _lock_info(user: User, now: datetime) -> datetime | None:
    if user.locked_until is not None and user.locked_until > now:
        return user.locked_until
    return None


def _register_failure(user: User, client: ClientInfo, *, kind: str, stage: str) -> datetime | None:
    """Count one failed attempt on ``user``; lock the account at the threshold.

    Returns the end of the lock if the account is (now) locked. Concurrent failures are
    serialised by the row lock, so N parallel wrong passwords count N, never fewer.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        now = timezone.now()
        _log(locked, locked.username, kind, client)
        already = _lock_info(locked, now)
        if already is not None:
            # Another request locked the account meanwhile: record the attempt, keep the lock.
            audit_append(
                actor=locked, verb="accounts.login_failed", obj=locked, after={"stage": stage}
            )
            return already
        User.objects.filter(pk=locked.pk).update(failed_logins=F("failed_logins") + 1)
        failures = locked.failed_logins + 1
        audit_append(
            actor=locked,
            verb="accounts.login_failed",
            obj=locked,
            after={"stage": stage, "failures": failures},
        )
        if failures < settings.ECABINET_LOCKOUT_THRESHOLD:
            return None
        until = lock_end(now)
        # The counter starts again after the lock, so the user gets a full set of attempts.
        User.objects.filter(pk=locked.pk).update(failed_logins=0, locked_until=until)
        _log(locked, locked.username, LoginEvent.Kind.LOCKED, client)
        audit_append(
            actor=locked,
            verb="accounts.locked",
            obj=locked,
            after={"until": until, "failures": failures},
        )
        return until


def _register_unknown_failure(login_name: str, client: ClientInfo) -> datetime | None:
    with transaction.atomic():
        _log(None, login_name, LoginEvent.Kind.FAILURE, client)
        _audit_unknown("accounts.login_failed", login_name, {"stage": "password"})
        failures = unknown_name_failures(login_name)
        if failures < settings.ECABINET_LOCKOUT_THRESHOLD:
            return None
        event = _log(None, login_name, LoginEvent.Kind.LOCKED, client)
        until = lock_end(event.at)
        _audit_unknown("accounts.locked", login_name, {"until": until, "failures": failures})
        return until


def _refuse_locked(
    user: User | None, username: str, until: datetime, client: ClientInfo
) -> AccountLocked:
    with transaction.atomic():
        _log(user, username, LoginEvent.Kind.BLOCKED, client)
        if user is None:
            _audit_unknown("accounts.login_blocked", username, {"until": until})
        else:
            audit_append(
                actor=user, verb="accounts.login_blocked", obj=user, after={"until": until}
            )
    return AccountLocked(until)


def _succeed(user: User, client: ClientInfo, method: Method) -> None:
    """Record a completed login and end the run of failures. Runs in the caller's atomic."""
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    kind = {
        Method.PASSWORD: LoginEvent.Kind.SUCCESS,
        Method.RECOVERY: LoginEvent.Kind.RECOVERY_USED,
    }.get(method, LoginEvent.Kind.OTP_SUCCESS)
    _log(user, user.username, kind, client)
    audit_append(actor=user, verb="accounts.login", obj=user, after={"method": method.value})


def login_authenticate(*, username: str, password: str, client: ClientInfo) -> LoginStart:
    """Check a username and password (the first login step).

    There is no actor yet: whoever types is anonymous until the password is right. Raises
    DomainError for wrong credentials (one message whether or not the username exists),
    AccountLocked while the account (or the unknown username) is locked, even with the
    right password. A user who needs no second factor is recorded as logged in here.
    """
    now = timezone.now()
    typed = username.strip()
    user = user_by_login_name(typed)
    if user is None:
        login_name = typed.lower()[:150]
        until = unknown_name_lock_until(login_name, now)
        if until is not None:
            raise _refuse_locked(None, login_name, until, client)
        # Spend the same hashing time as for a real account (Django's backend does so for
        # an unknown name), so the response time does not tell which usernames exist.
        authenticate(None, username=typed, password=password)
        until = _register_unknown_failure(login_name, client)
        if until is not None:
            raise AccountLocked(until)
        raise invalid_credentials()

    until = _lock_info(user, now)
    if until is not None:
        raise _refuse_locked(user, user.username, until, client)

    if not user.is_active:
        if user.check_password(password):
            # Only someone who knows the password learns that the account was deactivated.
            with transaction.atomic():
                _log(user, user.username, LoginEvent.Kind.INACTIVE, client)
                audit_append(
                    actor=user,
                    verb="accounts.login_failed",
                    obj=user,
                    after={"stage": "password", "reason": "inactive"},
                )
            raise DomainError(
                _("Tài khoản này đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống."),
                code="inactive",
            )
        authenticated = None
    else:
        authenticated = authenticate(None, username=user.username, password=password)

    if not isinstance(authenticated, User):
        until = _register_failure(user, client, kind=LoginEvent.Kind.FAILURE, stage="password")
        if until is not None:
            raise AccountLocked(until)
        raise invalid_credentials()

    step = second_factor_step_for(authenticated)
    if step is None:
        with transaction.atomic():
            _succeed(authenticated, client, Method.PASSWORD)
    return LoginStart(user=authenticated, next_step=step)


def _check_totp(device: TOTPDevice, code: str) -> FactorStatus:
    """Verify a TOTP code against a locked device row (replayed codes are refused)."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return FactorStatus.THROTTLED
    return FactorStatus.OK if device.verify_token(code) else FactorStatus.INVALID


def login_verify_second_factor(
    *, actor: User, method: Method, code: str, client: ClientInfo
) -> FactorResult:
    """The second login step: a TOTP code or a single-use recovery code.

    A wrong, expired or replayed code counts as a failed login towards the lockout; a
    recovery code that was already used is refused as such. A correct code completes the
    login. Raises AccountLocked when the account is or becomes locked.
    """
    until = _lock_info(actor, timezone.now())
    if until is not None:
        raise _refuse_locked(actor, actor.username, until, client)
    if method not in (Method.TOTP, Method.RECOVERY):
        raise ValueError(f"not a second factor: {method}")

    result: FactorResult
    with transaction.atomic():
        # Lock the device row: two requests with the same code cannot both pass.
        if method is Method.TOTP:
            token = code.strip()
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=actor, confirmed=True)
                .order_by("pk")
                .first()
            )
            status = FactorStatus.INVALID
            if device is not None and _TOTP_CODE.fullmatch(token):
                status = _check_totp(device, token)
            result = FactorResult(status=status, device=device)
        else:
            token = normalise_recovery_code(code)
            device = (
                StaticDevice.objects.select_for_update()
                .filter(user=actor, confirmed=True)
                .order_by("pk")
                .first()
            )
            result = _check_recovery_code(actor, device, token)

        if result.status is FactorStatus.OK:
            _succeed(actor, client, method)
            if method is Method.RECOVERY:
                audit_append(
                    actor=actor,
                    verb="accounts.recovery_code_used",
                    obj=actor,
                    after={"codes_left": result.codes_left},
                )
            return result
        if result.status is FactorStatus.THROTTLED:
            # Not evaluated at all, so not a failure either.
            return result
        until = _register_failure(
            actor, client, kind=LoginEvent.Kind.OTP_FAILURE, stage=method.value
        )
    if until is not None:
        raise AccountLocked(until)
    return result


def _check_recovery_code(actor: User, device: StaticDevice | None, token: str) -> FactorResult:
    if device is None or not _RECOVERY_CODE.fullmatch(token):
        return FactorResult(status=FactorStatus.INVALID)
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return FactorResult(status=FactorStatus.THROTTLED)
    digest = _recovery_digest(actor, token)
    if device.verify_token(token):
        # django-otp deleted the token; remember it so a second use is named as such.
        UsedRecoveryCode.objects.create(user=actor, digest=digest, used_at=timezone.now())
        left = StaticToken.objects.filter(device=device).count()
        return FactorResult(status=FactorStatus.OK, device=device, codes_left=left)
    used_at = (
        UsedRecoveryCode.objects.filter(user=actor, digest=digest)
        .values_list("used_at", flat=True)
        .first()
    )
    if used_at is not None:
        return FactorResult(status=FactorStatus.REUSED, used_at=used_at)
    return FactorResult(status=FactorStatus.INVALID)


def login_complete(*, actor: User, client: ClientInfo, method: Method) -> None:
    """Record a login completed outside the code step (by enrolling an authenticator)."""
    with transaction.atomic():
        _succeed(actor, client, method)


def login_end(*, actor: User, client: ClientInfo) -> None:
    """Record a logout (the view then ends the session)."""
    with transaction.atomic():
        _log(actor, actor.username, LoginEvent.Kind.LOGOUT, client)
        audit_append(actor=actor, verb="accounts.logout", obj=actor)


def new_totp_key() -> str:
    """A fresh TOTP secret (20 random bytes, hex) for an enrolment in progress."""
    return secrets.token_hex(20)


def _replace_recovery_codes(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    elif not device.confirmed:
        StaticDevice.objects.filter(pk=device.pk).update(confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in sorted(codes))
    return sorted(codes)


def totp_device_enrol(*, actor: User, key: str, code: str) -> Enrolment:
    """Confirm an authenticator app from the code it shows, and issue recovery codes.

    ``key`` is the secret shown to the user (hex) during this enrolment. The code must
    match it now (one step of clock difference allowed). Refused if the user already has
    an authenticator: replacing one goes through an administrator's reset.
    """
    try:
        key_bytes = unhexlify(key.encode())
    except (BinasciiError, ValueError) as exc:
        raise DomainError(_("Phiên thiết lập đã hết hạn. Vui lòng tải lại trang.")) from exc
    token = code.strip()
    totp = TOTP(key_bytes)
    totp.time = time.time()
    if not (len(key_bytes) >= 16 and _TOTP_CODE.fullmatch(token) and totp.verify(int(token), 1)):
        raise DomainError(
            _(
                "Mã xác nhận không đúng. Hãy nhập mã 6 chữ số đang hiển thị trong ứng dụng "
                "xác thực và kiểm tra đồng hồ của điện thoại."
            ),
            code="invalid_code",
        )
    with transaction.atomic():
        # Serialise double submissions of the form on the user row.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
            raise DomainError(_("Tài khoản đã có ứng dụng xác thực."), code="already_enrolled")
        TOTPDevice.objects.filter(user=actor).delete()
        device = TOTPDevice.objects.create(
            user=actor,
            name=_("Ứng dụng xác thực"),
            key=key,
            confirmed=True,
            drift=totp.drift,
            # The code just shown cannot be used again to log in.
            last_t=totp.t(),
        )
        codes = _replace_recovery_codes(actor)
        audit_append(
            actor=actor,
            verb="accounts.otp_enrolled",
            obj=actor,
            after={"device": device.persistent_id, "recovery_codes": len(codes)},
        )
    return Enrolment(device=device, recovery_codes=codes)


def recovery_codes_regenerate(*, actor: User, code: str, client: ClientInfo) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working at once.

    Needs a current TOTP code: a stolen session alone must not be able to mint codes that
    bypass the authenticator. A wrong code counts towards the lockout like any other.
    """
    until = _lock_info(actor, timezone.now())
    if until is not None:
        raise AccountLocked(until)
    token = code.strip()
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=actor, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise DomainError(
                _("Bạn cần thiết lập ứng dụng xác thực trước khi tạo mã khôi phục."),
                code="no_device",
            )
        status = _check_totp(device, token) if _TOTP_CODE.fullmatch(token) else None
        if status is FactorStatus.OK:
            codes = _replace_recovery_codes(actor)
            audit_append(
                actor=actor,
                verb="accounts.recovery_codes_regenerated",
                obj=actor,
                after={"recovery_codes": len(codes)},
            )
            return codes
        if status is not FactorStatus.THROTTLED:
            until = _register_failure(
                actor, client, kind=LoginEvent.Kind.OTP_FAILURE, stage="recovery_codes"
            )
    if until is not None:
        raise AccountLocked(until)
    if status is FactorStatus.THROTTLED:
        raise DomainError(throttled_message(), code="throttled")
    raise DomainError(invalid_totp_message(), code="invalid_code")


def invalid_totp_message() -> str:
    return _(
        "Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiển thị trong ứng dụng "
        "xác thực; mỗi mã chỉ dùng được một lần."
    )


def throttled_message() -> str:
    return _("Bạn vừa nhập sai mã. Vui lòng đợi vài giây rồi thử lại.")


def user_change_password(
    *, actor: User, old_password: str, new_password: str, client: ClientInfo
) -> None:
    """Change one's own password after checking the current one.

    A wrong current password counts towards the lockout (a borrowed session must not be a
    way to guess it). The new password goes through Django's validators (ValidationError).
    Other sessions of the user end, because the session hash changes; the view keeps the
    current one with ``update_session_auth_hash``.
    """
    until = _lock_info(actor, timezone.now())
    if until is not None:
        raise AccountLocked(until)
    if not actor.check_password(old_password):
        until = _register_failure(
            actor, client, kind=LoginEvent.Kind.FAILURE, stage="password_change"
        )
        if until is not None:
            raise AccountLocked(until)
        raise DomainError(_("Mật khẩu hiện tại không đúng."), code="wrong_password")
    if new_password == old_password:
        raise DomainError(_("Mật khẩu mới phải khác mật khẩu hiện tại."), code="same_password")
    validate_password(new_password, actor)
    actor.set_password(new_password)  # hashing, before the write lock
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(password=actor.password)
        _log(actor, actor.username, LoginEvent.Kind.PASSWORD_CHANGED, client)
        audit_append(actor=actor, verb="accounts.password_changed", obj=actor)


def user_set_language(*, actor: User, language: str) -> User:
    """Save the user's interface language (activated at each login)."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise DomainError(_("Ngôn ngữ không được hỗ trợ."), code="invalid_language")
    if actor.language == language:
        return actor
    with transaction.atomic():
        before = actor.language
        User.objects.filter(pk=actor.pk).update(language=language)
        actor.language = language
        audit_append(
            actor=actor,
            verb="accounts.language_changed",
            obj=actor,
            before={"language": before},
            after={"language": language},
        )
    return actor


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_superuser": user.is_superuser,
        "is_active": user.is_active,
    }


def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    email: str,
    password: str | None = None,
    is_superuser: bool = False,
) -> User:
    """Create an account (system administrators; ``actor=None`` for setup commands).

    Raises PermissionDenied for other actors, DomainError when the username is taken (in
    any letter case) and ValidationError for an invalid username, e-mail or password.
    Without a password the account cannot log in until one is set.
    """
    if actor is not None and not can_manage_users(actor):
        raise PermissionDenied
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        email=BaseUserManager.normalize_email(email.strip()),
        is_superuser=is_superuser,
        # The system administrator also uses the Django admin for support work.
        is_staff=is_superuser,
    )
    taken = (
        User.objects.annotate(login_name=Lower("username"))
        .filter(login_name=user.username.lower())
        .exists()
    )
    if taken:
        raise _username_taken(user.username)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        try:
            # A savepoint, so a concurrent creation of the same name fails cleanly.
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError as exc:
            raise _username_taken(user.username) from exc
        audit_append(
            actor=actor, verb="accounts.user_created", obj=user, after=_user_snapshot(user)
        )
    return user


def _username_taken(username: str) -> DomainError:
    return DomainError(
        _("Tên đăng nhập “%(username)s” đã được sử dụng.") % {"username": username},
        code="username_taken",
    )


def user_set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Activate or deactivate an account. A deactivated user's sessions stop working at once
    (Django's backend refuses inactive users on every request)."""
    if actor is not None and not can_manage_users(actor):
        raise PermissionDenied
    if actor is not None and actor.pk == user.pk and not active:
        raise DomainError(_("Bạn không thể tự vô hiệu hóa tài khoản của mình."), code="self")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.is_active == active:
            return current
        before = _user_snapshot(current)
        current.is_active = active
        current.save(update_fields=["is_active"])
        audit_append(
            actor=actor,
            verb="accounts.user_activated" if active else "accounts.user_deactivated",
            obj=current,
            before=before,
            after=_user_snapshot(current),
        )
    user.is_active = active
    return current


def user_reset_second_factor(*, actor: User | None, user: User) -> None:
    """Remove a user's authenticator and recovery codes (a lost or replaced phone).

    The user's sessions lose their verification at the next request; a user whose role
    needs a second factor enrols a new authenticator at the next login.
    """
    if actor is not None and not can_reset_second_factor(actor):
        raise PermissionDenied
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        totp_count, _totp = TOTPDevice.objects.filter(user=user).delete()
        codes = StaticToken.objects.filter(device__user=user).count()
        StaticDevice.objects.filter(user=user).delete()
        if totp_count == 0 and codes == 0:
            raise DomainError(
                _("Tài khoản này chưa có thiết bị xác thực hai lớp."), code="no_device"
            )
        audit_append(
            actor=actor,
            verb="accounts.second_factor_reset",
            obj=user,
            before={"totp_devices": totp_count, "recovery_codes": codes},
        )
