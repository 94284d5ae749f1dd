"""Step-up services: request, confirm with a code, consume once for the exact content."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import LazySettings
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts import stepup
from ecabinet.accounts.errors import AccountLocked
from ecabinet.accounts.models import LoginEvent, StepUpChallenge, User
from ecabinet.accounts.tests.conftest import device_code, enrol
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import UserFactory
from ecabinet.core.testing.personas import World

SESSION = "phien-lam-viec-a"
OTHER_SESSION = "phien-lam-viec-b"
CONTENT = b'{"answer":"agree","item":3}'
SUMMARY = "Bạn ký: Đồng ý — Mục 3: Dự thảo Nghị định quy định chi tiết Luật Thủ đô"
START = datetime(2026, 3, 2, 3, 0, 5, tzinfo=UTC)


def signer(world: World, persona: str = "member") -> tuple[User, TOTPDevice]:
    """A persona with a real authenticator (its current code is usable)."""
    user = world.user(persona)
    assert user is not None
    device, _codes = enrol(user)
    return user, device


def ask(
    user: User,
    *,
    session: str = SESSION,
    content: bytes = CONTENT,
    scope: tuple[str, str] | None = None,
) -> StepUpChallenge:
    return stepup.stepup_request(
        actor=user,
        session_key=session,
        purpose="statement",
        content=content,
        summary=SUMMARY,
        window_scope=scope,
    )


def confirm(
    user: User,
    challenge: StepUpChallenge,
    code: str | None,
    *,
    session: str = SESSION,
    open_window_for: tuple[str, str] | None = None,
) -> StepUpChallenge:
    return stepup.stepup_confirm(
        actor=user,
        session_key=session,
        challenge=challenge,
        code=code,
        open_window_for=open_window_for,
    )


def consume(
    user: User, challenge: StepUpChallenge, *, session: str = SESSION, content: bytes = CONTENT
) -> StepUpChallenge:
    return stepup.stepup_consume(
        actor=user, session_key=session, challenge_id=challenge.pk, content=content
    )


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code the authenticator does not show now."""
    return "000000" if device_code(device) != "000000" else "111111"


def failures(reason: str) -> int:
    return AuditEvent.objects.filter(verb="accounts.stepup_failed", after__reason=reason).count()


# ---- Request ------------------------------------------------------------------------------


def test_request_keeps_the_hash_of_the_exact_bytes_and_the_words_shown(
    world: World, settings: LazySettings
) -> None:
    settings.ECABINET_STEPUP_SECONDS = 120
    user, _device = signer(world)
    with time_machine.travel(START, tick=False):
        challenge = ask(user)
    assert challenge.content_hash == hashlib.sha256(CONTENT).hexdigest()
    assert challenge.summary == SUMMARY
    assert challenge.expires_at == START + timedelta(seconds=120)
    assert challenge.confirmed_at is None
    assert challenge.consumed_at is None
    assert challenge.session_key_hash != SESSION
    assert SESSION not in challenge.session_key_hash
    event = AuditEvent.objects.get(verb="accounts.stepup_requested")
    assert event.actor_id == user.pk
    assert event.after["content_hash"] == challenge.content_hash
    assert event.after["summary"] == SUMMARY


def test_default_lifetime_is_five_minutes(world: World) -> None:
    user, _device = signer(world)
    with time_machine.travel(START, tick=False):
        challenge = ask(user)
    assert challenge.expires_at - challenge.created_at == timedelta(minutes=5)


def test_request_is_refused_without_an_authenticator(world: World) -> None:
    user = world.user("member")
    assert user is not None
    with pytest.raises(DomainError) as caught:
        ask(user)
    assert caught.value.code == "no_device"
    assert not StepUpChallenge.objects.exists()


def test_request_needs_a_session(world: World) -> None:
    user, _device = signer(world)
    with pytest.raises(DomainError) as caught:
        ask(user, session="")
    assert caught.value.code == "no_session"


def test_request_refuses_an_unknown_scope(world: World) -> None:
    user, _device = signer(world)
    with pytest.raises(ValueError, match="scope"):
        ask(user, scope=("ballot", "7"))


# ---- Confirm with a code ------------------------------------------------------------------


def test_right_code_confirms_the_challenge(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user)
    confirmed = confirm(user, challenge, device_code(device))
    assert confirmed.confirmed_at is not None
    assert confirmed.confirmation_method == StepUpChallenge.Method.TOTP
    assert confirmed.device_id == device.persistent_id
    assert confirmed.window is None
    event = AuditEvent.objects.get(verb="accounts.stepup_confirmed")
    assert event.after["method"] == "totp"
    assert event.after["content_hash"] == challenge.content_hash


def test_wrong_code_is_refused_audited_and_counts_towards_the_lockout(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user)
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, wrong_code(device))
    assert caught.value.code == "invalid_code"
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None
    user.refresh_from_db()
    assert user.failed_logins == 1
    assert LoginEvent.objects.filter(user=user, kind=LoginEvent.Kind.OTP_FAILURE).count() == 1
    assert failures("invalid_code") == 1
    login_failed = AuditEvent.objects.get(verb="accounts.login_failed")
    assert login_failed.after == {"stage": "stepup", "failures": 1}


def test_repeated_wrong_codes_lock_the_account(world: World, settings: LazySettings) -> None:
    settings.ECABINET_LOCKOUT_THRESHOLD = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user, device = signer(world)
    challenge = ask(user)
    for _attempt in range(2):
        with pytest.raises(DomainError) as caught:
            confirm(user, challenge, wrong_code(device))
        assert not isinstance(caught.value, AccountLocked)
    with pytest.raises(AccountLocked):
        confirm(user, challenge, wrong_code(device))
    # Locked: even the right code is refused now, and the attempt is recorded.
    with pytest.raises(AccountLocked):
        confirm(user, challenge, device_code(device))
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None
    assert failures("locked") == 1
    assert AuditEvent.objects.filter(verb="accounts.locked").count() == 1


def test_code_within_the_growing_delay_is_refused_but_not_counted(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user)
    with pytest.raises(DomainError):
        confirm(user, challenge, wrong_code(device))
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, device_code(device))
    assert caught.value.code == "throttled"
    user.refresh_from_db()
    assert user.failed_logins == 1


def test_replayed_confirmation_is_refused(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user)
    code = device_code(device)
    confirm(user, challenge, code)
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, code)
    assert caught.value.code == "already_confirmed"
    # A fresh code does not confirm it a second time either.
    later = datetime.now(UTC) + timedelta(seconds=30)
    with time_machine.travel(later), pytest.raises(DomainError) as again:
        confirm(user, challenge, device_code(device))
    assert again.value.code == "already_confirmed"
    assert AuditEvent.objects.filter(verb="accounts.stepup_confirmed").count() == 1
    assert failures("already_confirmed") == 2


def test_a_code_confirms_one_challenge_only(world: World) -> None:
    """A code seen over the signer's shoulder cannot confirm a second, other content."""
    user, device = signer(world)
    first = ask(user)
    second = ask(user, content=b'{"answer":"disagree","item":3}')
    code = device_code(device)
    confirm(user, first, code)
    with pytest.raises(DomainError) as caught:
        confirm(user, second, code)
    assert caught.value.code == "invalid_code"
    second.refresh_from_db()
    assert second.confirmed_at is None


def test_expired_challenge_cannot_be_confirmed(world: World) -> None:
    with time_machine.travel(START, tick=False):
        user, device = signer(world)
        challenge = ask(user)
    with (
        time_machine.travel(START + timedelta(minutes=5), tick=False),
        pytest.raises(DomainError) as caught,
    ):
        confirm(user, challenge, device_code(device))
    assert caught.value.code == "expired"
    assert caught.value.status_code == 410
    assert failures("expired") == 1


def test_other_user_cannot_confirm(world: World) -> None:
    user, _device = signer(world)
    other, other_device = signer(world, "chair")
    challenge = ask(user)
    with pytest.raises(DomainError) as caught:
        confirm(other, challenge, device_code(other_device))
    assert caught.value.code == "not_found"
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None
    assert AuditEvent.objects.get(verb="accounts.stepup_failed").actor_id == other.pk


def test_other_session_cannot_confirm(world: World) -> None:
    user, device = signer(world)
    challenge = ask(user)
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, device_code(device), session=OTHER_SESSION)
    assert caught.value.code == "not_found"
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_no_code_and_no_window_is_refused(world: World) -> None:
    user, _device = signer(world)
    challenge = ask(user)
    with pytest.raises(DomainError) as caught:
        confirm(user, challenge, None)
    assert caught.value.code == "no_window"


# ---- Consume ------------------------------------------------------------------------------


def test_consume_spends_a_confirmed_challenge_for_the_same_bytes(world: World) -> None:
    user, device = signer(world)
    challenge = confirm(user, ask(user), device_code(device))
    spent = consume(user, challenge)
    assert spent.consumed_at is not None
    challenge.refresh_from_db()
    assert challenge.consumed_at == spent.consumed_at
    event = AuditEvent.objects.get(verb="accounts.stepup_consumed")
    assert event.after["content_hash"] == challenge.content_hash


def test_consume_twice_is_refused_as_a_replay(world: World) -> None:
    user, device = signer(world)
    challenge = confirm(user, ask(user), device_code(device))
    consume(user, challenge)
    with pytest.raises(DomainError) as caught:
        consume(user, challenge)
    assert caught.value.code == "replayed"
    assert failures("replayed") == 1
    assert AuditEvent.objects.filter(verb="accounts.stepup_consumed").count() == 1


def test_signing_other_content_than_confirmed_is_refused(world: World) -> None:
    user, device = signer(world)
    challenge = confirm(user, ask(user), device_code(device))
    other = b'{"answer":"disagree","item":3}'
    with pytest.raises(DomainError) as caught:
        consume(user, challenge, content=other)
    assert caught.value.code == "content_mismatch"
    challenge.refresh_from_db()
    assert challenge.consumed_at is None
    event = AuditEvent.objects.get(verb="accounts.stepup_failed")
    assert event.after == {
        "reason": "content_mismatch",
        "content_hash": hashlib.sha256(other).hexdigest(),
    }
    # One byte more is other content too.
    with pytest.raises(DomainError):
        consume(user, challenge, content=CONTENT + b" ")


def test_unconfirmed_challenge_cannot_be_consumed(world: World) -> None:
    user, _device = signer(world)
    challenge = ask(user)
    with pytest.raises(DomainError) as caught:
        consume(user, challenge)
    assert caught.value.code == "not_confirmed"
    challenge.refresh_from_db()
    assert challenge.consumed_at is None


def test_confirmed_challenge_expires_unused(world: World) -> None:
    with time_machine.travel(START, tick=False):
        user, device = signer(world)
        challenge = ask(user)
        confirm(user, challenge, device_code(device))
    with (
        time_machine.travel(START + timedelta(minutes=5), tick=False),
        pytest.raises(DomainError) as caught,
    ):
        consume(user, challenge)
    assert caught.value.code == "expired"
    with time_machine.travel(START + timedelta(minutes=4, seconds=59), tick=False):
        assert consume(user, challenge).consumed_at is not None


def test_other_user_or_session_cannot_consume(world: World) -> None:
    user, device = signer(world)
    challenge = confirm(user, ask(user), device_code(device))
    stranger = UserFactory.create()
    for actor, session in ((stranger, SESSION), (user, OTHER_SESSION)):
        with pytest.raises(DomainError) as caught:
            consume(actor, challenge, session=session)
        assert caught.value.code == "not_found"
    challenge.refresh_from_db()
    assert challenge.consumed_at is None
    assert failures("not_found") == 2
    assert consume(user, challenge).consumed_at is not None


def test_unknown_challenge_is_not_found(world: World) -> None:
    user, _device = signer(world)
    with pytest.raises(DomainError) as caught:
        stepup.stepup_consume(actor=user, session_key=SESSION, challenge_id=999_999, content=b"x")
    assert caught.value.code == "not_found"


def test_grouped_hash_shows_groups_of_four() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert stepup.grouped_hash(digest, groups=4) == " ".join(
        [digest[0:4], digest[4:8], digest[8:12], digest[12:16]]
    )
    assert stepup.grouped_hash(digest).replace(" ", "") == digest
