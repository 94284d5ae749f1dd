"""The step-up page: what the signer sees, what the confirmation does, who may open it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts import stepup
from ecabinet.accounts.models import SigningWindow, StepUpChallenge, User
from ecabinet.accounts.tests.conftest import device_code, enrol, logged_in_user_id, messages_of
from ecabinet.accounts.tests.test_stepup_services import CONTENT, SUMMARY, wrong_code
from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World

MEETING = ("meeting", "42")
NEXT = "/bieu-quyet/7/ky/"


@pytest.fixture
def member(world: World) -> tuple[User, TOTPDevice]:
    user = world.user("member")
    assert user is not None
    device, _codes = enrol(user)
    return user, device


def _signed_in(client: Client, user: User) -> str:
    login_as(client, user)
    key = client.session.session_key
    assert key
    return key


def _ask(user: User, session_key: str, scope: tuple[str, str] | None = None) -> StepUpChallenge:
    return stepup.stepup_request(
        actor=user,
        session_key=session_key,
        purpose="statement",
        content=CONTENT,
        summary=SUMMARY,
        window_scope=scope,
    )


def _url(challenge: StepUpChallenge, next_url: str = NEXT) -> str:
    url = reverse("accounts:stepup", kwargs={"challenge_id": challenge.pk})
    return f"{url}?next={next_url}" if next_url else url


def _post(client: Client, challenge: StepUpChallenge, **data: Any) -> Any:
    payload = {"content_hash": challenge.content_hash, "next": NEXT, **data}
    return client.post(_url(challenge, ""), payload)


def test_anonymous_is_sent_to_login(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, _device = member
    challenge = _ask(user, "phien-khac")
    response = client.get(_url(challenge))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_other_users_challenge_is_404(
    client: Client, world: World, member: tuple[User, TOTPDevice]
) -> None:
    user, _device = member
    challenge = _ask(user, _signed_in(client, user))
    other = Client()
    chair = world.user("chair")
    assert chair is not None
    login_as(other, chair)
    assert other.get(_url(challenge)).status_code == 404
    assert _post(other, challenge, code="123456").status_code == 404
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_own_challenge_from_another_session_is_404(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, _device = member
    _signed_in(client, user)
    challenge = _ask(user, "phien-tren-may-khac")
    assert client.get(_url(challenge)).status_code == 404


def test_unknown_challenge_is_404(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, _device = member
    _signed_in(client, user)
    url = reverse("accounts:stepup", kwargs={"challenge_id": 987654})
    assert client.get(url).status_code == 404


def test_page_shows_the_words_the_hash_and_a_code_field(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, _device = member
    challenge = _ask(user, _signed_in(client, user))
    response = client.get(_url(challenge))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bạn sắp ký:" in html
    assert SUMMARY in html
    assert stepup.grouped_hash(challenge.content_hash, groups=4) in html
    assert stepup.grouped_hash(challenge.content_hash) in html
    code_input = re.search(r"<input[^>]*name=\"code\"[^>]*>", html)
    assert code_input is not None
    assert 'inputmode="numeric"' in code_input.group(0)
    assert 'autocomplete="one-time-code"' in code_input.group(0)
    assert re.search(r'<label for="id_code">', html)
    assert "Xác nhận ký" in html
    assert 'name="open_window"' not in html


def test_right_code_confirms_and_goes_on_to_next(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    response = _post(client, challenge, code=device_code(device))
    assert response.status_code == 302
    assert response["Location"] == NEXT
    challenge.refresh_from_db()
    assert challenge.confirmation_method == StepUpChallenge.Method.TOTP


def test_next_on_another_host_is_ignored(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    response = client.post(
        _url(challenge, ""),
        {
            "content_hash": challenge.content_hash,
            "code": device_code(device),
            "next": "https://evil.example/ky",
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_wrong_code_shows_the_error_and_confirms_nothing(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    response = _post(client, challenge, code=wrong_code(device))
    assert response.status_code == 400
    assert "Mã xác thực không đúng" in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_confirmation_from_a_page_showing_other_content_is_refused(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    response = client.post(
        _url(challenge, ""), {"content_hash": "0" * 64, "code": device_code(device)}
    )
    assert response.status_code == 400
    assert "Nội dung trên trang đã thay đổi" in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_replayed_post_is_refused(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    code = device_code(device)
    assert _post(client, challenge, code=code).status_code == 302
    response = _post(client, challenge, code=code)
    assert response.status_code == 409
    assert "Bạn đã xác nhận nội dung này." in response.content.decode()
    refused = AuditEvent.objects.get(verb="accounts.stepup_failed")
    assert refused.after == {"reason": "already_confirmed"}
    assert AuditEvent.objects.filter(verb="accounts.stepup_confirmed").count() == 1


def test_post_after_expiry_is_refused(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    StepUpChallenge.objects.filter(pk=challenge.pk).update(expires_at=challenge.created_at)
    response = _post(client, challenge, code=device_code(device))
    assert response.status_code == 410
    assert "Yêu cầu ký đã hết hạn." in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.confirmed_at is None


def test_wrong_codes_that_lock_the_account_end_the_session(
    client: Client, member: tuple[User, TOTPDevice], settings: LazySettings
) -> None:
    settings.ECABINET_LOCKOUT_THRESHOLD = 2
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user, device = member
    challenge = _ask(user, _signed_in(client, user))
    assert _post(client, challenge, code=wrong_code(device)).status_code == 400
    response = _post(client, challenge, code=wrong_code(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    page = client.get(response["Location"])
    assert any("tạm thời bị khóa" in m for m in messages_of(page))


def test_checkbox_opens_a_window_and_then_the_page_needs_no_code(
    client: Client, member: tuple[User, TOTPDevice]
) -> None:
    user, device = member
    key = _signed_in(client, user)
    first = _ask(user, key, MEETING)
    page = client.get(_url(first)).content.decode()
    assert 'name="open_window"' in page
    response = _post(client, first, code=device_code(device), open_window="on")
    assert response.status_code == 302
    window = SigningWindow.objects.get(user=user, closed_at__isnull=True)

    vote = _ask(user, key, MEETING)
    html = client.get(_url(vote)).content.decode()
    assert 'name="code"' not in html
    assert "Phiên ký của cuộc họp đang mở" in html
    assert reverse("accounts:signing_window_close", kwargs={"window_id": window.pk}) in html
    response = _post(client, vote)
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.confirmation_method == StepUpChallenge.Method.WINDOW
    assert vote.window == window


def test_closing_the_window_from_the_page(client: Client, member: tuple[User, TOTPDevice]) -> None:
    user, device = member
    key = _signed_in(client, user)
    first = _ask(user, key, MEETING)
    _post(client, first, code=device_code(device), open_window="on")
    window = SigningWindow.objects.get(user=user)
    url = reverse("accounts:signing_window_close", kwargs={"window_id": window.pk})
    assert client.get(url).status_code == 405
    response = client.post(url, {"next": "/cuoc-hop/42/"})
    assert response.status_code == 302
    assert response["Location"] == "/cuoc-hop/42/"
    window.refresh_from_db()
    assert window.close_reason == SigningWindow.CloseReason.USER
    vote = _ask(user, key, MEETING)
    assert 'name="code"' in client.get(_url(vote)).content.decode()


def test_other_users_window_cannot_be_closed(
    client: Client, world: World, member: tuple[User, TOTPDevice]
) -> None:
    user, device = member
    key = _signed_in(client, user)
    _post(client, _ask(user, key, MEETING), code=device_code(device), open_window="on")
    window = SigningWindow.objects.get(user=user)
    other = Client()
    chair = world.user("chair")
    assert chair is not None
    login_as(other, chair)
    url = reverse("accounts:signing_window_close", kwargs={"window_id": window.pk})
    assert other.post(url).status_code == 404
    window.refresh_from_db()
    assert window.closed_at is None
