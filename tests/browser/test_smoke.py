"""The live ASGI server answers a browser: pages, static files and WebSockets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, WebSocket

from ecabinet.core.testing.factories import UserFactory
from ecabinet.notifications.models import Notification
from tests.browser.support import (
    LOGIN_PATH,
    assert_accessible,
    log_in_as,
    probe_websocket,
    record_problems,
    snap,
)


def _handshake_errors(page: Page) -> list[str]:
    """Collect Chromium's handshake errors, which carry the HTTP status the server answered."""
    errors: list[str] = []

    def watch(ws: WebSocket) -> None:
        ws.on("socketerror", lambda error: errors.append(error))

    page.on("websocket", watch)
    return errors


def _wait_for_error(page: Page, errors: list[str]) -> None:
    # The error event can reach Python just after the page saw the socket close.
    for _ in range(100):
        if errors:
            return
        page.wait_for_timeout(20)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_anonymous_home_redirects_to_an_accessible_login_page(
    page: Page, server_url: str, device: str
) -> None:
    problems = record_problems(page)

    response = page.goto("/")

    assert response is not None
    redirect = response.request.redirected_from
    assert redirect is not None, f"/ answered {response.status} instead of redirecting"
    assert redirect.url == f"{server_url}/"
    redirect_response = redirect.response()
    assert redirect_response is not None
    assert redirect_response.status == 302
    url = urlsplit(page.url)
    assert url.path == LOGIN_PATH
    assert parse_qs(url.query) == {"next": ["/"]}
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert not problems, "broken on the login page:\n" + "\n".join(problems)
    shot = snap(page, "login")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert_accessible(page, "login")


def test_static_files_are_served(page: Page) -> None:
    # From the finders (WHITENOISE_USE_FINDERS): tests run without collectstatic.
    response = page.request.get("/static/admin/css/base.css")

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")


def test_anonymous_notification_socket_is_refused(page: Page) -> None:
    errors = _handshake_errors(page)
    page.goto("/")  # any page of the server: the socket must come from its origin

    result = probe_websocket(page, "/ws/thong-bao/")

    assert result == {"opened": False, "code": 1006, "messages": []}
    _wait_for_error(page, errors)
    # 403: the consumer closed before accepting (a missing route would answer 500).
    assert len(errors) == 1
    assert errors[0].endswith("Unexpected response code: 403"), errors


def test_signed_in_user_gets_unread_count_over_the_socket(page: Page, server_url: str) -> None:
    user = UserFactory()
    for title in ("Giấy mời họp", "Phiếu lấy ý kiến"):
        Notification.objects.create(user=user, kind="test", title=title)
    Notification.objects.create(user=user, kind="test", title="Đã đọc", read_at=timezone.now())
    log_in_as(page.context, server_url, user)
    page.goto("/")

    result = probe_websocket(page, "/ws/thong-bao/", messages=1)

    assert result == {
        "opened": True,
        "code": 1000,
        "messages": [{"type": "notification.count", "unread": 2}],
    }
