"""Permission matrix of the step-up pages (merged into accounts' matrix.py).

The matrix client's session is not the one that asked for the challenge, so even its
owner (member) gets 404 here: a challenge is only shown to the session that asked for it
(test_stepup_views covers the owner's own session). A window may be closed by its owner
from any session.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecabinet.accounts.models import SigningWindow, StepUpChallenge, User
from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World

_OTHER_SESSION_HASH = "a" * 64


def _member(world: World) -> User:
    user = world.user("member")
    assert user is not None
    return user


def _challenge(world: World) -> dict[str, int]:
    now = timezone.now()
    challenge = StepUpChallenge.objects.create(
        user=_member(world),
        purpose="statement",
        content_hash="b" * 64,
        summary="Bạn ký: Đồng ý — Mục 3",
        created_at=now,
        expires_at=now + timedelta(minutes=5),
        session_key_hash=_OTHER_SESSION_HASH,
    )
    return {"challenge_id": challenge.pk}


def _window(world: World) -> dict[str, int]:
    now = timezone.now()
    window = SigningWindow.objects.create(
        user=_member(world),
        scope_type=SigningWindow.Scope.MEETING,
        scope_id="42",
        opened_at=now,
        expires_at=now + timedelta(hours=1),
        session_key_hash=_OTHER_SESSION_HASH,
        device_id="otp_totp.totpdevice/0",
    )
    return {"window_id": window.pk}


CASES: list[Case] = [
    Case(
        "accounts:stepup",
        everyone(404, anonymous=302),
        kwargs=_challenge,
        note=" (member's challenge asked by another session)",
    ),
    Case(
        "accounts:stepup",
        everyone(404, anonymous=302),
        kwargs=_challenge,
        method="post",
        data=lambda w: {"content_hash": "b" * 64, "code": "123456"},
        note=" (member's challenge asked by another session)",
    ),
    Case("accounts:signing_window_close", everyone(405), kwargs=_window, note=" GET"),
    Case(
        "accounts:signing_window_close",
        everyone(404, member=302, anonymous=302),
        kwargs=_window,
        method="post",
        note=" (member's window)",
    ),
]
