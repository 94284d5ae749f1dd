"""Ballots statistics in the browser: the chair reads everyone's figures and charts on a
desktop and downloads the workbook; a member reads their own figures on a phone."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.ballots.tests.conftest import Journey, build_journey
from ecabinet.core.testing.personas import World
from tests.browser.support import assert_accessible, log_in_as, snap
from tests.browser.test_ballots_journey import off_loop

LONG_TITLE = "Về việc điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội vùng đồng bằng"


@pytest.fixture
def journey(world: World) -> Journey:
    from ecabinet.signatures import tsa

    tsa._cached.clear()
    journey = build_journey(world)
    first = off_loop(journey.send, title=LONG_TITLE)
    off_loop(journey.answer, first, "chair", [("agree", ""), ("agree", "")])
    off_loop(journey.answer, first, "member", [("disagree", ""), ("other", "Đề nghị bổ sung")])
    second = off_loop(journey.send)
    off_loop(journey.answer, second, "member", [("agree", ""), ("agree", "")])
    return journey


@pytest.mark.parametrize("device", ["desktop"])
def test_chair_reads_the_statistics_and_downloads_the_workbook(
    context: BrowserContext, page: Page, server_url: str, journey: Journey, device: str
) -> None:
    body = journey.world.body
    log_in_as(context, server_url, journey.user("chair"))
    page.goto(f"{server_url}/phieu-lay-y-kien/co-quan/{body.code}/")
    page.get_by_role("link", name="Thống kê", exact=True).click()
    expect(page.get_by_role("heading", name="Thống kê phiếu lấy ý kiến · CP")).to_be_visible()
    expect(page.get_by_role("img", name="Tình hình trả lời theo thành viên")).to_be_visible()
    expect(page.get_by_role("img", name="Ý kiến theo phiếu")).to_be_visible()
    members = page.locator("section[aria-labelledby=members-heading] tbody tr")
    expect(members).to_have_count(3)
    expect(members.filter(has_text="Người thử member2")).to_be_visible()
    expect(page.locator("section[aria-labelledby=ballots-heading]")).to_contain_text(LONG_TITLE)
    assert_accessible(page, "statistics")
    snap(page, "statistics")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel (XLSX)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    names = [row[0] for row in book["Theo thành viên"].iter_rows(values_only=True)]
    assert "Người thử member2" in names

    # A date that does not exist: the page says so, with the filter kept.
    page.goto(f"{server_url}/phieu-lay-y-kien/co-quan/{body.code}/thong-ke/?tu=2026-02-30")
    expect(page.locator(".error-summary")).to_contain_text("Ngày không hợp lệ")
    assert_accessible(page, "statistics-bad-date")


@pytest.mark.parametrize("device", ["phone"])
def test_member_reads_their_own_statistics_on_a_phone(
    context: BrowserContext, page: Page, server_url: str, journey: Journey, device: str
) -> None:
    log_in_as(context, server_url, journey.user("member"))
    page.goto(f"{server_url}/phieu-lay-y-kien/co-quan/{journey.world.body.code}/thong-ke/")
    expect(page.get_by_text("chỉ hiển thị số liệu trả lời phiếu của chính bạn")).to_be_visible()
    members = page.locator("section[aria-labelledby=members-heading] tbody tr")
    expect(members).to_have_count(1)
    expect(members).to_contain_text("Người thử member")
    expect(page.locator("section[aria-labelledby=seats-heading] tbody tr")).to_have_count(2)
    expect(page.get_by_text("Người thử chair")).to_have_count(0)
    # Nothing is wider than the phone: the tables and the chart scroll inside their boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "my-statistics")
    snap(page, "my-statistics")
