"""Step-up authorisation before a signature, and signing windows for live meetings.

A signature is made only right after its signer re-confirmed the second factor for that
exact content: the signing code asks for a challenge (``stepup_request``) with the bytes it
will sign and the words the signer reads, the signer confirms on ``accounts:stepup``
(``stepup_confirm``), and the signing code spends the challenge right before signing
(``stepup_consume``), which refuses other bytes, a second use, another user or session.

For a live meeting one confirmation with a code may open a signing window bound to the
meeting, the session and the authenticator; in it each vote is still confirmed explicitly,
without a code. See docs/decisions/0601-step-up.md.

Refusals are audited (``accounts.stepup_failed``) in their own transaction, committed
before the DomainError is raised: call these services outside an atomic block of your own,
or a rollback of yours takes the record of the refusal with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.errors import AccountLocked
from ecabinet.accounts.models import LoginEvent, SigningWindow, StepUpChallenge, User
from ecabinet.accounts.services import (
    _TOTP_CODE,
    ClientInfo,
    FactorStatus,
    _check_totp,
    _register_failure,
    invalid_totp_message,
    throttled_message,
)
from ecabinet.audit.services import audit_append, audit_batch
from ecabinet.core.errors import DomainError

DEFAULT_STEPUP_SECONDS = 300
# However the setting is configured, a signing window never outlives this (the cap).
WINDOW_MAX_SECONDS = 8 * 3600
# Summaries are shown in full on a phone before signing; longer ones would not be read.
SUMMARY_MAX_LENGTH = 2000

Scope = tuple[str, str]


# ---- Settings and small helpers ----------------------------------------------------------


def stepup_seconds() -> int:
    """How long a challenge may wait for its confirmation and its use (ECABINET_STEPUP_SECONDS)."""
    return int(getattr(settings, "ECABINET_STEPUP_SECONDS", DEFAULT_STEPUP_SECONDS))


def signing_window_seconds() -> int:
    """Length of a signing window: the setting, else the session's length, at most 8 hours."""
    configured = getattr(settings, "ECABINET_SIGNING_WINDOW_SECONDS", None)
    seconds = int(configured) if configured else int(settings.SESSION_COOKIE_AGE)
    return max(1, min(seconds, WINDOW_MAX_SECONDS))


def content_digest(content: bytes) -> str:
    """SHA-256 (hex) of the exact bytes to be signed."""
    return hashlib.sha256(content).hexdigest()


def session_digest(session_key: str | None) -> str:
    """What we keep of a session key: enough to recognise it, useless to reuse it."""
    if not session_key:
        raise DomainError(
            _("Phiên làm việc không hợp lệ. Vui lòng tải lại trang và thử lại."),
            code="no_session",
        )
    return hashlib.sha256(f"ecabinet.stepup:{session_key}".encode()).hexdigest()


def grouped_hash(content_hash: str, *, groups: int | None = None) -> str:
    """``3f2a 9c01 77b4 …``: a hash in groups of four, the first ``groups`` groups only."""
    parts = [content_hash[i : i + 4] for i in range(0, len(content_hash), 4)]
    return " ".join(parts if groups is None else parts[:groups])


def _window_deadline(window: SigningWindow) -> datetime:
    # The hard cap is checked at use time too, whatever a row says.
    return min(window.expires_at, window.opened_at + timedelta(seconds=WINDOW_MAX_SECONDS))


def _scope_of(challenge: StepUpChallenge) -> Scope | None:
    if challenge.window_scope_type and challenge.window_scope_id:
        return (challenge.window_scope_type, challenge.window_scope_id)
    return None


def _check_scope(scope: Scope) -> Scope:
    scope_type, scope_id = scope
    if scope_type not in SigningWindow.Scope.values or not scope_id or len(scope_id) > 100:
        raise ValueError(f"not a signing window scope: {scope!r}")
    return (scope_type, scope_id)


def _current_device_id(user: User) -> str | None:
    return current_device_ids([user])[user.pk]


def current_device_ids(users: Sequence[User]) -> dict[int, str | None]:
    """Each user's authenticator (the first confirmed one), in one query: what a signing
    window is bound to."""
    found: dict[int, str | None] = {u.pk: None for u in users}
    for device in TOTPDevice.objects.filter(user__in=list(found), confirmed=True).order_by("pk"):
        if found[device.user_id] is None:
            found[device.user_id] = device.persistent_id
    return found


# ---- Selectors ---------------------------------------------------------------------------


class ChallengeState:
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CONSUMED = "consumed"
    EXPIRED = "expired"


def stepup_state(challenge: StepUpChallenge, *, now: datetime | None = None) -> str:
    """Where a challenge stands: pending, confirmed (not yet used), consumed or expired."""
    now = now or timezone.now()
    if challenge.consumed_at is not None:
        return ChallengeState.CONSUMED
    if challenge.expires_at <= now:
        return ChallengeState.EXPIRED
    if challenge.confirmed_at is not None:
        return ChallengeState.CONFIRMED
    return ChallengeState.PENDING


def stepup_challenge_for(
    user: User, challenge_id: int, *, session_key: str | None
) -> StepUpChallenge | None:
    """The user's challenge asked by this session, or None (another user's, another session's)."""
    if not session_key:
        return None
    return (
        StepUpChallenge.objects.filter(
            pk=challenge_id, user=user, session_key_hash=session_digest(session_key)
        )
        .select_related("window")
        .first()
    )


def signing_window_for(user: User, window_id: int) -> SigningWindow | None:
    """One of the user's windows (from any of their sessions: closing is always allowed)."""
    return SigningWindow.objects.filter(pk=window_id, user=user).first()


def signing_window_list_for(user: User, *, session_key: str | None = None) -> list[SigningWindow]:
    """The user's open, unexpired windows (of one session if ``session_key`` is given)."""
    now = timezone.now()
    windows: QuerySet[SigningWindow] = SigningWindow.objects.filter(
        user=user, closed_at__isnull=True, expires_at__gt=now
    )
    if session_key is not None:
        windows = windows.filter(session_key_hash=session_digest(session_key))
    return [w for w in windows.order_by("expires_at", "pk") if _window_deadline(w) > now]


def signing_window_covering(
    user: User, *, session_key: str | None, scope: Scope | None
) -> SigningWindow | None:
    """The open window through which this session may confirm for ``scope`` without a code.

    Same user, same session, same scope, not expired, and opened with the authenticator
    the user has now (a reset and a new enrolment makes old windows useless).
    """
    if scope is None or not session_key:
        return None
    now = timezone.now()
    window = (
        SigningWindow.objects.filter(
            user=user,
            session_key_hash=session_digest(session_key),
            scope_type=scope[0],
            scope_id=scope[1],
            closed_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-opened_at", "-pk")
        .first()
    )
    if window is None or _window_deadline(window) <= now:
        return None
    if window.device_id != _current_device_id(user):
        return None
    return window


# ---- Refusals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refusal:
    reason: str
    error: DomainError


def _refusal(reason: str) -> _Refusal:
    """The user-facing error for a refusal; other users' and sessions' look like "not found"."""
    messages = {
        "not_found": _("Không tìm thấy yêu cầu ký trong phiên làm việc này."),
        "expired": _("Yêu cầu ký đã hết hạn. Vui lòng thực hiện lại thao tác ký."),
        "already_confirmed": _(
            "Yêu cầu ký này đã được xác nhận trước đó. Mỗi lần xác nhận chỉ dùng được một lần."
        ),
        "replayed": _("Yêu cầu ký này đã được sử dụng. Mỗi lần xác nhận chỉ dùng cho một chữ ký."),
        "not_confirmed": _("Bạn chưa xác nhận ký nội dung này."),
        "content_mismatch": _(
            "Nội dung cần ký khác với nội dung bạn đã xác nhận. Chữ ký không được tạo; "
            "vui lòng xác nhận lại."
        ),
        "invalid_code": invalid_totp_message(),
        "throttled": throttled_message(),
        "no_device": _("Bạn cần thiết lập ứng dụng xác thực trước khi ký số."),
        "no_window": _("Phiên ký đã đóng hoặc hết hạn. Vui lòng nhập mã xác thực để xác nhận."),
        "window_closed": _(
            "Phiên ký đã đóng trước khi chữ ký được tạo. Vui lòng thực hiện lại thao tác ký."
        ),
        "window_needs_code": _("Cần nhập mã xác thực để mở phiên ký."),
        "scope_mismatch": _("Chỉ mở được phiên ký cho đúng cuộc họp của nội dung cần ký."),
    }
    status = {"not_found": 404, "expired": 410, "replayed": 409, "invalid_code": 400}
    error = DomainError(messages[reason], code=reason)
    error.status_code = status.get(reason, 409)
    return _Refusal(reason=reason, error=error)


def _audit_refusal(
    actor: User, challenge_id: Any, reason: str, extra: dict[str, Any] | None = None
) -> None:
    """Record a refused step-up. Runs in the caller's atomic block."""
    audit_append(
        actor=actor,
        verb="accounts.stepup_failed",
        object_type="accounts.stepupchallenge",
        object_id=str(challenge_id),
        object_repr=str(challenge_id),
        after={"reason": reason, **(extra or {})},
    )


# ---- Services ----------------------------------------------------------------------------


def stepup_request(
    *,
    actor: User,
    session_key: str | None,
    purpose: str,
    content: bytes,
    summary: str,
    window_scope: Scope | None = None,
) -> StepUpChallenge:
    """Ask ``actor`` to confirm the signature of ``content``, described by ``summary``.

    ``content`` is the exact canonical bytes the signing code will sign (only their SHA-256
    is kept); ``summary`` the words shown ("Bạn ký: Đồng ý — Mục 3: …"). ``window_scope``
    (e.g. ``("meeting", "42")``) lets an open signing window of that scope confirm it, or
    lets the signer open one. The challenge expires after ECABINET_STEPUP_SECONDS.
    Raises DomainError when the user has no authenticator to confirm with.
    """
    key_hash = session_digest(session_key)
    purpose = purpose.strip()
    summary = summary.strip()
    if not purpose or len(purpose) > 50:
        raise ValueError("purpose must be 1 to 50 characters")
    if not summary or len(summary) > SUMMARY_MAX_LENGTH:
        raise ValueError(f"summary must be 1 to {SUMMARY_MAX_LENGTH} characters")
    if not isinstance(content, bytes) or not content:
        raise ValueError("content must be the non-empty bytes to be signed")
    scope = _check_scope(window_scope) if window_scope is not None else None
    if not actor.is_active:
        raise PermissionDenied
    if _current_device_id(actor) is None:
        raise _refusal("no_device").error
    now = timezone.now()
    challenge = StepUpChallenge(
        user=actor,
        purpose=purpose,
        content_hash=content_digest(content),
        summary=summary,
        window_scope_type=scope[0] if scope else "",
        window_scope_id=scope[1] if scope else "",
        created_at=now,
        expires_at=now + timedelta(seconds=stepup_seconds()),
        session_key_hash=key_hash,
    )
    with transaction.atomic():
        challenge.save(force_insert=True)
        audit_append(
            actor=actor,
            verb="accounts.stepup_requested",
            obj=challenge,
            after={
                "purpose": purpose,
                "content_hash": challenge.content_hash,
                "summary": summary,
                "expires_at": challenge.expires_at,
                "window_scope": list(scope) if scope else None,
            },
        )
    return challenge


def stepup_confirm(
    *,
    actor: User,
    session_key: str | None,
    challenge: StepUpChallenge,
    code: str | None,
    open_window_for: Scope | None = None,
    client: ClientInfo | None = None,
) -> StepUpChallenge:
    """The signer's explicit confirmation of one challenge: with a TOTP code, or in a window.

    With ``code``: the user's authenticator must accept it (a wrong, expired or replayed
    code counts towards the account lockout like a wrong login code; AccountLocked when the
    account is or becomes locked). ``open_window_for`` then opens a signing window for the
    challenge's own scope. Without a code: an open, unexpired window of the same user,
    session, scope and authenticator must cover the challenge. Each challenge is confirmed
    once; it must be of this user and this session and not expired.
    """
    client = client or ClientInfo()
    key_hash = session_digest(session_key)
    # Read the lock from the database: a lock set by another request since ``actor`` was
    # loaded must stop this confirmation too.
    locked_until = User.objects.filter(pk=actor.pk).values_list("locked_until", flat=True).first()
    until = locked_until if locked_until is not None and locked_until > timezone.now() else None
    if until is not None:
        with transaction.atomic():
            _audit_refusal(actor, challenge.pk, "locked")
        raise AccountLocked(until)
    token = code.strip() if code is not None else None

    refusal: _Refusal | None = None
    with transaction.atomic():
        row = StepUpChallenge.objects.select_for_update().filter(pk=challenge.pk).first()
        now = timezone.now()
        refusal = _confirm_refusal(row, actor, key_hash, now, token, open_window_for)
        if refusal is None:
            assert row is not None
            if token is not None:
                refusal = _confirm_with_code(row, actor, key_hash, token, open_window_for, now)
            else:
                refusal = _confirm_in_window(row, actor, key_hash, now)
        if refusal is not None:
            _audit_refusal(actor, challenge.pk, refusal.reason)
            if refusal.reason == "invalid_code":
                # Same counter, log entry and lock as a wrong code at login.
                until = _register_failure(
                    actor, client, kind=LoginEvent.Kind.OTP_FAILURE, stage="stepup"
                )
    if until is not None:
        raise AccountLocked(until)
    if refusal is not None:
        raise refusal.error
    assert row is not None
    return row


def _confirm_refusal(
    row: StepUpChallenge | None,
    actor: User,
    key_hash: str,
    now: datetime,
    token: str | None,
    open_window_for: Scope | None,
) -> _Refusal | None:
    if row is None or row.user_id != actor.pk or row.session_key_hash != key_hash:
        return _refusal("not_found")
    if row.consumed_at is not None:
        return _refusal("replayed")
    if row.confirmed_at is not None:
        return _refusal("already_confirmed")
    if row.expires_at <= now:
        return _refusal("expired")
    if open_window_for is not None:
        if token is None:
            return _refusal("window_needs_code")
        if _scope_of(row) != tuple(open_window_for):
            return _refusal("scope_mismatch")
    return None


def _confirm_with_code(
    row: StepUpChallenge,
    actor: User,
    key_hash: str,
    token: str,
    open_window_for: Scope | None,
    now: datetime,
) -> _Refusal | None:
    # Lock the device row: two requests with the same code cannot both pass.
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=actor, confirmed=True)
        .order_by("pk")
        .first()
    )
    if device is None:
        return _refusal("no_device")
    status = _check_totp(device, token) if _TOTP_CODE.fullmatch(token) else FactorStatus.INVALID
    if status is FactorStatus.THROTTLED:
        # Not evaluated at all, so not a failure towards the lockout either.
        return _refusal("throttled")
    if status is not FactorStatus.OK:
        return _refusal("invalid_code")
    device_id = device.persistent_id
    # Another authenticator was used: windows opened with the old one end here.
    _close_windows(
        SigningWindow.objects.filter(user=actor, closed_at__isnull=True).exclude(
            device_id=device_id
        ),
        reason=SigningWindow.CloseReason.DEVICE_CHANGED,
        actor=actor,
        now=now,
    )
    window = None
    if open_window_for is not None:
        window = _open_window(actor, key_hash, _check_scope(open_window_for), device_id, now)
    _mark_confirmed(row, actor, StepUpChallenge.Method.TOTP, device_id, window, now)
    return None


def _confirm_in_window(
    row: StepUpChallenge, actor: User, key_hash: str, now: datetime
) -> _Refusal | None:
    scope = _scope_of(row)
    if scope is None:
        return _refusal("no_window")
    window = (
        SigningWindow.objects.select_for_update()
        .filter(
            user=actor,
            session_key_hash=key_hash,
            scope_type=scope[0],
            scope_id=scope[1],
            closed_at__isnull=True,
        )
        .first()
    )
    if window is None:
        return _refusal("no_window")
    if _window_deadline(window) <= now:
        _close_windows([window], reason=SigningWindow.CloseReason.EXPIRED, actor=actor, now=now)
        return _refusal("no_window")
    if window.device_id != _current_device_id(actor):
        _close_windows(
            [window], reason=SigningWindow.CloseReason.DEVICE_CHANGED, actor=actor, now=now
        )
        return _refusal("no_window")
    _mark_confirmed(row, actor, StepUpChallenge.Method.WINDOW, window.device_id, window, now)
    return None


def _mark_confirmed(
    row: StepUpChallenge,
    actor: User,
    method: str,
    device_id: str,
    window: SigningWindow | None,
    now: datetime,
) -> None:
    row.confirmed_at = now
    row.confirmation_method = method
    row.device_id = device_id
    row.window = window
    row.save(update_fields=["confirmed_at", "confirmation_method", "device_id", "window"])
    audit_append(
        actor=actor,
        verb="accounts.stepup_confirmed",
        obj=row,
        after={
            "method": method,
            "content_hash": row.content_hash,
            "summary": row.summary,
            "device": device_id,
            "window": window.pk if window is not None else None,
        },
    )


def _open_window(
    actor: User, key_hash: str, scope: Scope, device_id: str, now: datetime
) -> SigningWindow:
    # Opening again in the same session and scope replaces the old window.
    _close_windows(
        SigningWindow.objects.filter(
            user=actor,
            session_key_hash=key_hash,
            scope_type=scope[0],
            scope_id=scope[1],
            closed_at__isnull=True,
        ),
        reason=SigningWindow.CloseReason.REPLACED,
        actor=actor,
        now=now,
    )
    window = SigningWindow.objects.create(
        user=actor,
        scope_type=scope[0],
        scope_id=scope[1],
        opened_at=now,
        expires_at=now + timedelta(seconds=signing_window_seconds()),
        session_key_hash=key_hash,
        device_id=device_id,
    )
    audit_append(
        actor=actor,
        verb="accounts.signing_window_opened",
        obj=window,
        after={
            "scope_type": window.scope_type,
            "scope_id": window.scope_id,
            "expires_at": window.expires_at,
            "device": device_id,
        },
    )
    return window


def _close_windows(
    windows: QuerySet[SigningWindow] | list[SigningWindow],
    *,
    reason: str,
    actor: User | None,
    now: datetime,
) -> int:
    """Close open windows and audit each. Runs in the caller's atomic block."""
    if isinstance(windows, QuerySet):
        windows = list(windows.select_for_update().filter(closed_at__isnull=True))
    closed = 0
    for window in windows:
        # Conditional: a window closed meanwhile by another request is not closed twice.
        if not SigningWindow.objects.filter(pk=window.pk, closed_at__isnull=True).update(
            closed_at=now, close_reason=reason
        ):
            continue
        window.closed_at, window.close_reason = now, reason
        closed += 1
        audit_append(
            actor=actor,
            verb="accounts.signing_window_closed",
            obj=window,
            after={
                "reason": reason,
                "scope_type": window.scope_type,
                "scope_id": window.scope_id,
            },
        )
    return closed


def stepup_consume(
    *, actor: User, session_key: str | None, challenge_id: int, content: bytes
) -> StepUpChallenge:
    """Spend a confirmed challenge right before signing ``content``; once only.

    Refused (DomainError, audited) when the challenge is not this user's or this session's,
    not confirmed, expired, already spent, confirmed in a window that has closed since, or
    when ``content`` is not byte for byte what was confirmed. Two concurrent calls cannot
    both succeed: the row is locked and the update is conditional on not being spent.
    """
    key_hash = session_digest(session_key)
    digest = content_digest(content)
    refusal: _Refusal | None = None
    with transaction.atomic():
        row = StepUpChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        now = timezone.now()
        refusal = _consume_refusal(row, actor, key_hash, digest, now)
        if refusal is None:
            assert row is not None
            spent = StepUpChallenge.objects.filter(
                pk=row.pk, consumed_at__isnull=True, confirmed_at__isnull=False
            ).update(consumed_at=now)
            if spent != 1:
                refusal = _refusal("replayed")
            else:
                row.consumed_at = now
                audit_append(
                    actor=actor,
                    verb="accounts.stepup_consumed",
                    obj=row,
                    after={"purpose": row.purpose, "content_hash": row.content_hash},
                )
        if refusal is not None:
            extra = {"content_hash": digest} if refusal.reason == "content_mismatch" else None
            _audit_refusal(actor, challenge_id, refusal.reason, extra)
    if refusal is not None:
        raise refusal.error
    assert row is not None
    return row


def _consume_refusal(
    row: StepUpChallenge | None, actor: User, key_hash: str, digest: str, now: datetime
) -> _Refusal | None:
    if row is None or row.user_id != actor.pk or row.session_key_hash != key_hash:
        return _refusal("not_found")
    if row.consumed_at is not None:
        return _refusal("replayed")
    if row.confirmed_at is None:
        return _refusal("not_confirmed")
    if row.expires_at <= now:
        return _refusal("expired")
    if row.content_hash != digest:
        return _refusal("content_mismatch")
    if row.confirmation_method == StepUpChallenge.Method.WINDOW:
        # Locked after the challenge (the same order everywhere): a meeting that closes
        # now either commits first, and this signature is refused, or waits for it.
        window = None
        if row.window_id is not None:
            window = SigningWindow.objects.select_for_update().filter(pk=row.window_id).first()
        if window is None or window.closed_at is not None or _window_deadline(window) <= now:
            return _refusal("window_closed")
    return None


def stepup_window_spend(
    *,
    actor: User,
    session_key: str | None,
    purpose: str,
    content: bytes,
    summary: str,
    window_scope: Scope,
    devices: Mapping[int, str | None] | None = None,
) -> StepUpChallenge | DomainError:
    """Request, confirm in the open signing window and spend a challenge, inside the caller's
    transaction (a live vote: the step-up, the signature and the vote commit together).

    For a signature the signer confirms explicitly on a screen inside a window: the same
    checks and the same three audit events (requested, confirmed with the method "window",
    consumed) as ``stepup_request`` + ``stepup_confirm(code=None)`` + ``stepup_consume``,
    written together. Without an open window of this user, session, scope and authenticator
    nothing is kept but the audited refusal (``no_window``).

    Returns the spent challenge, or the refusal to raise once the caller has committed: its
    audit event is written in the caller's transaction and must be kept. Arguments the
    caller got wrong (ValueError), an inactive user (PermissionDenied) and a session without
    an authenticator (DomainError ``no_device``) raise before anything is written. The
    window row is locked, in the same order as ``stepup_consume``: a meeting that closes now
    either commits first, and this is refused, or waits for it. ``devices``: the users'
    authenticators as ``current_device_ids`` read them for a group of signatures.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("stepup_window_spend must run inside the caller's transaction")
    key_hash = session_digest(session_key)
    purpose = purpose.strip()
    summary = summary.strip()
    if not purpose or len(purpose) > 50:
        raise ValueError("purpose must be 1 to 50 characters")
    if not summary or len(summary) > SUMMARY_MAX_LENGTH:
        raise ValueError(f"summary must be 1 to {SUMMARY_MAX_LENGTH} characters")
    if not isinstance(content, bytes) or not content:
        raise ValueError("content must be the non-empty bytes to be signed")
    scope = _check_scope(window_scope)
    if not actor.is_active:
        raise PermissionDenied
    device_id = devices[actor.pk] if devices is not None else _current_device_id(actor)
    if device_id is None:
        raise _refusal("no_device").error
    digest = content_digest(content)
    refusal: _Refusal | None = None
    with audit_batch():
        now = timezone.now()
        window = (
            SigningWindow.objects.select_for_update()
            .filter(
                user=actor,
                session_key_hash=key_hash,
                scope_type=scope[0],
                scope_id=scope[1],
                closed_at__isnull=True,
            )
            .order_by("-opened_at", "-pk")
            .first()
        )
        if window is None:
            refusal = _refusal("no_window")
        elif _window_deadline(window) <= now:
            _close_windows([window], reason=SigningWindow.CloseReason.EXPIRED, actor=actor, now=now)
            refusal = _refusal("no_window")
        elif window.device_id != device_id:
            _close_windows(
                [window], reason=SigningWindow.CloseReason.DEVICE_CHANGED, actor=actor, now=now
            )
            refusal = _refusal("no_window")
        if refusal is not None:
            _audit_refusal(actor, "-", refusal.reason, {"content_hash": digest})
        else:
            assert window is not None
            challenge = StepUpChallenge(
                user=actor,
                purpose=purpose,
                content_hash=digest,
                summary=summary,
                window_scope_type=scope[0],
                window_scope_id=scope[1],
                created_at=now,
                expires_at=now + timedelta(seconds=stepup_seconds()),
                session_key_hash=key_hash,
                confirmed_at=now,
                confirmation_method=StepUpChallenge.Method.WINDOW,
                device_id=window.device_id,
                window=window,
                consumed_at=now,
            )
            challenge.save(force_insert=True)
            audit_append(
                actor=actor,
                verb="accounts.stepup_requested",
                obj=challenge,
                after={
                    "purpose": purpose,
                    "content_hash": digest,
                    "summary": summary,
                    "expires_at": challenge.expires_at,
                    "window_scope": list(scope),
                },
            )
            audit_append(
                actor=actor,
                verb="accounts.stepup_confirmed",
                obj=challenge,
                after={
                    "method": StepUpChallenge.Method.WINDOW,
                    "content_hash": digest,
                    "summary": summary,
                    "device": window.device_id,
                    "window": window.pk,
                },
            )
            audit_append(
                actor=actor,
                verb="accounts.stepup_consumed",
                obj=challenge,
                after={"purpose": purpose, "content_hash": digest},
            )
    if refusal is not None:
        return refusal.error
    return challenge


def signing_window_close(
    *, actor: User, window: SigningWindow, reason: str = SigningWindow.CloseReason.USER
) -> SigningWindow:
    """Close one of the actor's signing windows (from any of their sessions). Idempotent."""
    if window.user_id != actor.pk:
        raise PermissionDenied
    if reason not in SigningWindow.CloseReason.values:
        raise ValueError(f"not a close reason: {reason}")
    with transaction.atomic():
        _close_windows(
            SigningWindow.objects.filter(pk=window.pk),
            reason=reason,
            actor=actor,
            now=timezone.now(),
        )
    window.refresh_from_db()
    return window


def signing_windows_close_for_scope(
    scope_type: str,
    scope_id: str,
    reason: str = SigningWindow.CloseReason.SCOPE_CLOSED,
    *,
    actor: User | None = None,
) -> int:
    """Close every open window of a scope (a meeting that closes). Returns how many closed.

    For the meetings app: call it in the transaction that closes the meeting, so the
    windows close exactly when the meeting does. ``actor`` is who closed the meeting.
    """
    if reason not in SigningWindow.CloseReason.values:
        raise ValueError(f"not a close reason: {reason}")
    with transaction.atomic():
        return _close_windows(
            SigningWindow.objects.filter(
                scope_type=scope_type, scope_id=str(scope_id), closed_at__isnull=True
            ),
            reason=reason,
            actor=actor,
            now=timezone.now(),
        )


def signing_windows_close_for_session(*, actor: User, session_key: str, reason: str) -> int:
    """Close the windows a session opened (logout). Returns how many closed."""
    if reason not in SigningWindow.CloseReason.values:
        raise ValueError(f"not a close reason: {reason}")
    with transaction.atomic():
        return _close_windows(
            SigningWindow.objects.filter(
                user=actor, session_key_hash=session_digest(session_key), closed_at__isnull=True
            ),
            reason=reason,
            actor=actor,
            now=timezone.now(),
        )


@receiver(user_logged_out, dispatch_uid="ecabinet.accounts.stepup.close_windows_on_logout")
def close_windows_on_logout(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Logging out closes the session's signing windows.

    Django sends user_logged_out before it flushes the session, so the key is still there.
    A signal rather than a call in the logout view: every path that ends a session through
    ``django.contrib.auth.logout`` (our view, the admin's) is covered.
    """
    if request is None or not isinstance(user, User):
        return
    session_key = request.session.session_key
    if session_key:
        signing_windows_close_for_session(
            actor=user, session_key=session_key, reason=SigningWindow.CloseReason.LOGOUT
        )
