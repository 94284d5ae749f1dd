"""The foundation's user journeys, as people do them: in the browser, checked with axe.

- the chair logs in with a TOTP code on a phone and sees their home page;
- a user switches the interface to English and back;
- an office officer manages a catalogue entry (create, duplicate refused, edit, deactivate);
- the chair reads the audit trail of what the officer did.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Room
from ecabinet.core.testing.factories import DEFAULT_PASSWORD
from ecabinet.core.testing.personas import World
from tests.browser.support import assert_accessible, log_in_as, login, snap


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_chair_logs_in_with_totp_and_sees_their_bodies(
    page: Page, server_url: str, world: World, device: str
) -> None:
    chair = world.user("chair")
    assert chair is not None
    TOTPDevice.objects.create(user=chair, name="điện thoại", confirmed=True)

    page.goto("/tai-khoan/dang-nhap/")
    assert_accessible(page, "login")
    login(page, server_url, chair, DEFAULT_PASSWORD)

    assert urlsplit(page.url).path == "/"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(world.body.name).first).to_be_visible()
    assert_accessible(page, "home")
    snap(page, "home")


def test_half_logged_in_user_cannot_reach_pages(page: Page, server_url: str, world: World) -> None:
    chair = world.user("chair")
    assert chair is not None
    TOTPDevice.objects.create(user=chair, name="điện thoại", confirmed=True)
    page.goto("/tai-khoan/dang-nhap/")
    page.locator('input[name="username"]').fill(chair.username)
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_url("**/tai-khoan/xac-thuc/**")
    assert_accessible(page, "otp-step")
    snap(page, "otp-step")

    page.goto(f"/co-quan/{world.body.code}/")

    assert urlsplit(page.url).path == "/tai-khoan/xac-thuc/"


def test_switch_language_to_english_and_back(
    context: BrowserContext, page: Page, server_url: str, world: World
) -> None:
    member = world.user("member")
    assert member is not None
    log_in_as(context, server_url, member)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("link", name="Trang chủ").first).to_be_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home").first).to_be_visible()
    assert_accessible(page, "home-en")
    snap(page, "home-en")
    member.refresh_from_db()
    assert member.language == "en"

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "vi")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_office_manages_a_meeting_room_and_the_chair_sees_it_in_the_audit_trail(
    context: BrowserContext,
    new_context: Callable[..., BrowserContext],
    page: Page,
    server_url: str,
    world: World,
    device: str,
) -> None:
    office = world.user("office")
    assert office is not None
    login(page, server_url, office, DEFAULT_PASSWORD)

    page.goto(f"/co-quan/{world.body.code}/")
    page.get_by_role("link", name="Danh mục").first.click()
    page.get_by_role("link", name="Phòng họp").first.click()
    assert_accessible(page, "rooms-empty")
    page.get_by_role("link", name="Thêm phòng họp").click()
    page.locator('input[name="name"]').fill("Phòng họp số 1")
    page.locator('input[name="location"]').fill("Tầng 3, Nhà A")
    page.locator('input[name="seating_rows"]').fill("4")
    page.locator('input[name="seats_per_row"]').fill("8")
    assert_accessible(page, "room-form")
    page.get_by_role("button", name="Lưu").click()

    expect(page.get_by_role("cell", name="Phòng họp số 1")).to_be_visible()
    assert_accessible(page, "rooms-list")
    snap(page, "rooms-list")

    # The same name again is refused with a clear message, and nothing is added.
    page.get_by_role("link", name="Thêm phòng họp").click()
    page.locator('input[name="name"]').fill("phòng họp  số 1")
    page.locator('input[name="seating_rows"]').fill("1")
    page.locator('input[name="seats_per_row"]').fill("1")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("đã có", exact=False).first).to_be_visible()
    assert_accessible(page, "room-duplicate")
    snap(page, "room-duplicate")
    assert Room.objects.filter(body=world.body).count() == 1

    # Edit, then take it out of use.
    page.goto(f"/co-quan/{world.body.code}/danh-muc/phong-hop/")
    page.get_by_role("link", name="Sửa").first.click()
    page.locator('input[name="seats_per_row"]').fill("10")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("button", name="Ngừng sử dụng").first.click()
    expect(page.get_by_text("Đã ngừng").first).to_be_visible()
    room = Room.objects.get(body=world.body)
    assert (room.seats_per_row, room.is_active) == (10, False)

    # The chair reads the trail: three events by the officer, newest first.
    verbs = list(AuditEvent.objects.filter(body_id=world.body.pk).values_list("verb", flat=True))
    assert verbs[:3] == ["bodies.room_deactivate", "bodies.room_update", "bodies.room_create"]
    chair = world.user("chair")
    assert chair is not None
    chair_context = new_context(device)
    log_in_as(chair_context, server_url, chair)
    chair_page = chair_context.new_page()
    chair_page.goto(f"/co-quan/{world.body.code}/")
    chair_page.get_by_role("link", name="Nhật ký hệ thống").click()
    expect(chair_page.get_by_text("bodies.room_create").first).to_be_visible()
    assert_accessible(chair_page, "audit-trail")
    snap(chair_page, "audit-trail")
    update = AuditEvent.objects.get(body_id=world.body.pk, verb="bodies.room_update")
    chair_page.get_by_role("link", name=f"#{update.seq}", exact=True).click()
    expect(chair_page.get_by_text("Phòng họp số 1").first).to_be_visible()
    assert_accessible(chair_page, "audit-event")
    snap(chair_page, "audit-event")


def test_skip_link_is_the_first_tab_stop(
    context: BrowserContext, page: Page, server_url: str, world: World
) -> None:
    member = world.user("member")
    assert member is not None
    log_in_as(context, server_url, member)
    page.goto("/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
