"""The handling-time ledger in the browser: the Office reads the dashboard on a desktop,
exports it and follows an old item's route; a member sees their items on a phone."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.accounts.models import User
from ecabinet.core.testing.personas import World
from ecabinet.tracking import services
from ecabinet.tracking.models import Assignment
from tests.browser.support import assert_accessible, log_in_as, snap


def _user(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


def _assign(
    world: World,
    persona: str,
    *,
    at: datetime,
    due: datetime,
    subject_id: str,
    title: str,
    kind: str = "ballot.answer",
) -> Assignment:
    with time_machine.travel(at, tick=False):
        return services.assignment_create(
            actor=_user(world, "office"),
            body=world.body,
            assignee=_user(world, persona),
            kind=kind,
            subject_type="ballots.ballot",
            subject_id=subject_id,
            title=title,
            url="/theo-doi/cua-toi/",
            due_at=due,
        )


@pytest.fixture
def ledger(world: World) -> None:
    """A fortnight of work: one item overdue and held for two weeks, one due soon, two done."""
    now = timezone.now()
    _assign(
        world,
        "member",
        at=now - timedelta(days=15),
        due=now - timedelta(days=2),
        subject_id="41",
        title="Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)",
    )
    _assign(
        world,
        "member",
        at=now - timedelta(hours=5),
        due=now + timedelta(days=3),
        subject_id="42",
        title="Phiếu lấy ý kiến về Nghị định quy định chế độ tiền lương",
    )
    done = _assign(
        world,
        "member",
        at=now - timedelta(days=6),
        due=now - timedelta(days=5),
        subject_id="43",
        title="Phiếu lấy ý kiến về đề án chuyển đổi số quốc gia",
    )
    with time_machine.travel(now - timedelta(days=4), tick=False):
        services.assignment_done(actor=_user(world, "member"), assignment=done)
    approved = _assign(
        world,
        "chair",
        at=now - timedelta(days=3),
        due=now - timedelta(days=2),
        subject_id="43",
        title="Phiếu lấy ý kiến về đề án chuyển đổi số quốc gia",
        kind="ballot.approve",
    )
    with time_machine.travel(now - timedelta(days=3) + timedelta(hours=5), tick=False):
        services.assignment_done(actor=_user(world, "chair"), assignment=approved)


@pytest.mark.usefixtures("ledger")
def test_office_reads_the_dashboard_exports_it_and_opens_a_route(
    context: BrowserContext, page: Page, server_url: str, world: World
) -> None:
    log_in_as(context, server_url, _user(world, "office"))
    page.goto(f"{server_url}/theo-doi/cua-toi/")
    page.get_by_role("link", name="Theo dõi xử lý · CP").click()
    expect(page.get_by_role("heading", name="Theo dõi thời gian xử lý · CP")).to_be_visible()
    chart = page.get_by_role("img", name="Thời gian xử lý theo thành viên")
    expect(chart).to_be_visible()
    assert page.locator(".chart-bar").count() == 2  # the member and the chair
    member_row = page.locator(
        "section[aria-labelledby=people-heading] tr.overdue", has_text="Người thử member"
    )
    expect(member_row).to_contain_text("Cần đôn đốc")
    assert_accessible(page, "dashboard")
    snap(page, "dashboard")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel (XLSX)").click()
    path = download.value.path()
    book = load_workbook(io.BytesIO(path.read_bytes()))
    names = [row[0] for row in book["Theo người"].iter_rows(values_only=True)]
    assert "Người thử member" in names
    assert "Người thử chair" in names

    page.get_by_role("link", name="Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)").click()
    expect(page.get_by_role("heading", name="Lộ trình xử lý")).to_be_visible()
    expect(page.locator("tr.overdue")).to_contain_text("Quá hạn, chưa xử lý")
    assert_accessible(page, "route")
    snap(page, "route")

    # A date that does not exist: the page says so, with the filter kept.
    page.goto(f"{server_url}/theo-doi/{world.body.code}/?tu=2026-02-30")
    expect(page.locator(".error-summary")).to_contain_text("Ngày không hợp lệ")
    assert_accessible(page, "bad-date")
    snap(page, "bad-date")


@pytest.mark.usefixtures("ledger")
@pytest.mark.parametrize("device", ["phone"])
def test_member_sees_their_items_on_a_phone(
    context: BrowserContext, page: Page, server_url: str, world: World, device: str
) -> None:
    log_in_as(context, server_url, _user(world, "member"))
    page.goto(f"{server_url}/")
    ballots = page.locator("section.waiting-section", has_text="Phiếu lấy ý kiến")
    expect(ballots.locator("li.overdue")).to_contain_text("Luật Đất đai")
    expect(ballots).to_contain_text("Nghị định quy định chế độ tiền lương")
    page.goto(f"{server_url}/theo-doi/cua-toi/")
    overdue = page.locator("li.overdue")
    expect(overdue).to_contain_text("Quá hạn")
    expect(overdue).to_contain_text("Chưa mở")
    expect(page.get_by_role("heading", name="Đã xử lý trong 30 ngày qua")).to_be_visible()
    expect(page.get_by_text("Xử lý trễ hạn")).to_be_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "my-items")
    snap(page, "my-items")
