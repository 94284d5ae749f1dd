"""Meetings in the browser: the Office creates a meeting with an item and sends the
invitations on a desktop; a member accepts on a 375 px phone; the Office sees the answer."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, expect

from ecabinet.core.testing.personas import World
from ecabinet.meetings.models import Invitation, Meeting
from ecabinet.meetings.tests.conftest import Prep, build_prep, start_in
from tests.browser.support import assert_accessible, log_in_as, snap


@pytest.fixture
def prep(world: World) -> Prep:
    return build_prep(world)


@pytest.mark.parametrize("device", ["desktop"])
def test_office_prepares_and_invites_a_member_accepts_on_a_phone(
    new_context: Callable[..., BrowserContext], server_url: str, prep: Prep, device: str
) -> None:
    body = prep.world.body
    office_ctx = new_context("desktop")
    log_in_as(office_ctx, server_url, prep.user("office"))
    page = office_ctx.new_page()
    page.goto(f"{server_url}/cuoc-hop/co-quan/{body.code}/")
    page.get_by_role("link", name="Tạo cuộc họp").click()
    assert_accessible(page, "meeting-form")
    page.get_by_label("Loại cuộc họp").select_option(label="Phiên họp thường kỳ")
    page.get_by_label("Tên cuộc họp").fill("Phiên họp Chính phủ thường kỳ tháng 6")
    page.get_by_label("Ngày họp").fill(start_in(10).strftime("%Y-%m-%d"))
    page.get_by_label("Giờ bắt đầu").fill("08:00")
    page.get_by_label("Giờ kết thúc").fill("11:30")
    page.get_by_label("Phòng họp").select_option(index=1)
    page.get_by_label("Chủ trì").select_option(label="Người thử chair — Thủ tướng")
    snap(page, "meeting-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo cuộc họp").click()
    meeting = Meeting.objects.get()
    assert urlsplit(page.url).path == f"/cuoc-hop/{meeting.pk}/"
    expect(page.locator(".meeting-status")).to_have_text("Đang chuẩn bị")

    page.get_by_role("link", name="Thêm nội dung họp").click()
    assert_accessible(page, "item-form")
    page.get_by_label("Tên nội dung").fill("Dự án Luật Thử nghiệm (sửa đổi)")
    page.get_by_label("Cơ quan trình").select_option(label=prep.ministry.name)
    page.get_by_label("Thời lượng dự kiến (phút)").fill("45")
    page.get_by_label("Cần quyết định của cuộc họp").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm nội dung", exact=True).click()
    expect(page.get_by_role("heading", name="1. Dự án Luật Thử nghiệm (sửa đổi)")).to_be_visible()
    assert_accessible(page, "meeting-draft")
    snap(page, "meeting-draft")

    page.get_by_role("link", name="Gửi giấy mời").click()
    expect(page.get_by_role("heading", name="Nội dung chưa có tài liệu được duyệt")).to_be_visible()
    assert_accessible(page, "invite")
    snap(page, "invite")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi giấy mời").click()
    expect(page.locator(".meeting-status")).to_have_text("Đã gửi giấy mời")
    expect(page.get_by_text("Đã gửi giấy mời đến 3 thành viên.")).to_be_visible()
    expect(page.get_by_role("link", name="Tải giấy mời (PDF)")).to_be_visible()
    assert_accessible(page, "meeting-sent")
    snap(page, "meeting-sent")

    phone = new_context("phone")
    log_in_as(phone, server_url, prep.user("member"))
    mpage = phone.new_page()
    mpage.goto(f"{server_url}/")
    waiting = mpage.get_by_role("link", name="Phiên họp Chính phủ thường kỳ tháng 6")
    expect(waiting.first).to_be_visible()
    snap(mpage, "home-waiting")
    waiting.first.click()
    assert urlsplit(mpage.url).path == f"/cuoc-hop/{meeting.pk}/giay-moi/"
    assert_accessible(mpage, "respond-form")
    # Usable at 375 px: nothing wider than the screen.
    width = mpage.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    mpage.get_by_label("Tôi dự họp").check()
    snap(mpage, "respond-form")
    with mpage.expect_navigation():
        mpage.get_by_role("button", name="Gửi trả lời").click()
    expect(mpage.get_by_text("Đã ghi nhận trả lời của bạn.")).to_be_visible()
    expect(mpage.locator(".meeting-facts .badge")).to_have_text("Dự họp")
    assert_accessible(mpage, "respond-done")
    snap(mpage, "respond-done")
    invitation = Invitation.objects.get(meeting=meeting, user=prep.user("member"))
    assert invitation.response == Invitation.Response.ACCEPTED

    # The Office's page polls the answers every 10 s; a reload shows the count at once.
    page.reload()
    answers = page.locator("#answers")
    expect(answers).to_contain_text("Chưa trả lời")
    expect(answers.locator(".answer-counts li").first).to_contain_text("1")
    snap(page, "answers")
