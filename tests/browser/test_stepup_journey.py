"""Step-up before signing on a phone and a desktop: keyboard only, axe clean."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page

from ecabinet.accounts import stepup
from ecabinet.accounts.models import SigningWindow, StepUpChallenge
from ecabinet.core.testing.personas import World
from tests.browser.support import assert_accessible, log_in_as, snap, totp_code

SUMMARY = "Bạn ký: Đồng ý — Mục 3: Dự thảo Nghị định quy định chi tiết một số điều của Luật Thủ đô"


def _session_key(context: BrowserContext) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_signer_confirms_by_keyboard_then_votes_in_a_window(
    context: BrowserContext, page: Page, server_url: str, world: World, device: str
) -> None:
    member = world.user("member")
    assert member is not None
    log_in_as(context, server_url, member)
    key = _session_key(context)
    totp = member.totpdevice_set.get()

    first = stepup.stepup_request(
        actor=member,
        session_key=key,
        purpose="statement",
        content=b'{"vote":"yes"}',
        summary=SUMMARY,
        window_scope=("meeting", "42"),
    )
    page.goto(f"{server_url}/tai-khoan/ky-so/{first.pk}/?next=/")
    assert page.locator(".stepup-summary").inner_text() == SUMMARY
    assert_accessible(page, "code")
    snap(page, "code")
    # Autofocus is on the code field: type, Tab to the checkbox, Space, Enter submits.
    assert page.evaluate("document.activeElement.name") == "code"
    page.keyboard.type(totp_code(totp))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "open_window"
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/"
    first.refresh_from_db()
    assert first.confirmation_method == "totp"
    assert SigningWindow.objects.filter(user=member, closed_at__isnull=True).count() == 1

    vote = stepup.stepup_request(
        actor=member,
        session_key=key,
        purpose="statement",
        content=b'{"vote":"no"}',
        summary="Bạn biểu quyết: Không đồng ý — Mục 4",
        window_scope=("meeting", "42"),
    )
    page.goto(f"{server_url}/tai-khoan/ky-so/{vote.pk}/?next=/")
    assert page.locator('input[name="code"]').count() == 0
    assert_accessible(page, "window")
    snap(page, "window")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Xác nhận ký"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    vote.refresh_from_db()
    assert vote.confirmation_method == StepUpChallenge.Method.WINDOW

    # A wrong code shows an accessible error summary.
    third = stepup.stepup_request(
        actor=member,
        session_key=key,
        purpose="statement",
        content=b'{"x":1}',
        summary=SUMMARY,
    )
    page.goto(f"{server_url}/tai-khoan/ky-so/{third.pk}/?next=/")
    page.keyboard.type("000000" if totp_code(totp) != "000000" else "111111")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('[role="alert"]').count() >= 1
    assert_accessible(page, "error")
    snap(page, "error")
