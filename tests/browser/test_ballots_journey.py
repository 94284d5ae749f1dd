"""Opinion ballots in the browser: the Office drafts and routes on a desktop, the chair approves
with a signature, a member answers and signs on a phone, the Office follows the tally, a
leader of the Office signs the summary report and the chair records the decision."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.accounts.models import User
from ecabinet.ballots import services
from ecabinet.ballots.models import Answer, Ballot, Decision, Report
from ecabinet.ballots.tests.conftest import Journey, build_journey, next_deadline
from ecabinet.core.testing.personas import World
from tests.browser.support import assert_accessible, log_in_as, snap, totp_code

T = TypeVar("T")


@pytest.fixture
def journey(world: World) -> Journey:
    from ecabinet.signatures import tsa

    tsa._cached.clear()
    return build_journey(world)


def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service in its own thread: signing uses async_to_sync, which refuses to run in
    the test's thread, where Playwright's event loop is running."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _confirm_on_stepup(page: Page, user: User, summary: str) -> None:
    """The step-up page shows what is signed; the person types their code and confirms."""
    assert urlsplit(page.url).path.startswith("/tai-khoan/ky-so/")
    expect(page.locator(".stepup-summary")).to_contain_text(summary)
    assert_accessible(page, f"stepup-{user.username}")
    snap(page, f"stepup-{user.username}")
    page.locator('input[name="code"]').fill(totp_code(TOTPDevice.objects.get(user=user)))
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận ký").click()


@pytest.mark.parametrize("device", ["desktop"])
def test_office_drafts_routes_and_the_chair_approves(
    new_context: Callable[..., BrowserContext], server_url: str, journey: Journey, device: str
) -> None:
    make = new_context
    agency_ctx = make("desktop")
    log_in_as(agency_ctx, server_url, journey.user("agency"))
    page = agency_ctx.new_page()
    body = journey.world.body
    page.goto(f"{server_url}/phieu-lay-y-kien/co-quan/{body.code}/")
    page.get_by_role("link", name="Gửi tờ trình").click()
    assert_accessible(page, "proposal-form")
    page.get_by_label("Trích yếu").fill("Về việc điều chỉnh quy hoạch tổng thể")
    page.get_by_label("Số, ký hiệu tờ trình").fill("125/TTr-BTN")
    page.get_by_label("Nội dung xin ý kiến").fill(
        "Thông qua chủ trương điều chỉnh quy hoạch.\nGiao Bộ hoàn thiện hồ sơ."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi tờ trình").click()
    ballot = Ballot.objects.get()
    assert urlsplit(page.url).path == f"/phieu-lay-y-kien/{ballot.pk}/"
    expect(page.get_by_role("link", name="Tải tài liệu lên hồ sơ")).to_be_visible()
    assert_accessible(page, "proposal-filed")
    snap(page, "proposal-filed")

    office_ctx = make("desktop")
    log_in_as(office_ctx, server_url, journey.user("office"))
    page = office_ctx.new_page()
    page.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/")
    page.get_by_role("link", name="Soạn thảo phiếu").click()
    assert_accessible(page, "draft-form")
    deadline = next_deadline(5).astimezone()
    page.get_by_label("Hạn trả lời (ngày)").fill(deadline.strftime("%Y-%m-%d"))
    page.get_by_label("Hạn trả lời (giờ)").fill("17:00")
    snap(page, "draft-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu dự thảo").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Trình duyệt").click()
    expect(page.locator(".ballot-status")).to_have_text("Đang trình duyệt")

    head_ctx = make("desktop")
    log_in_as(head_ctx, server_url, journey.user("head"))
    page = head_ctx.new_page()
    page.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/")
    assert_accessible(page, "review-step")
    snap(page, "review-step")
    with page.expect_navigation():
        page.get_by_role("button", name="Đồng ý, trình tiếp").click()
    ballot.refresh_from_db()
    off_loop(services.ballot_forward, actor=journey.user("leader"), ballot=ballot, step=1, cycle=1)

    chair = journey.user("chair")
    chair_ctx = make("desktop")
    log_in_as(chair_ctx, server_url, chair)
    page = chair_ctx.new_page()
    page.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/")
    assert_accessible(page, "chair-approval")
    snap(page, "chair-approval")
    with page.expect_navigation():
        page.get_by_role("button", name="Ký phê duyệt gửi phiếu").click()
    _confirm_on_stepup(page, chair, "Phê duyệt gửi phiếu lấy ý kiến")
    expect(page.locator(".ballot-status")).to_have_text("Đang lấy ý kiến")
    expect(page.get_by_text("Đã ký phê duyệt")).to_be_visible()
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.OPEN
    assert ballot.approval_statement is not None
    snap(page, "sent")


@pytest.mark.parametrize("device", ["phone"])
def test_member_answers_and_signs_on_a_phone(
    context: BrowserContext, page: Page, server_url: str, journey: Journey, device: str
) -> None:
    ballot = off_loop(journey.send)
    member = journey.user("member")
    log_in_as(context, server_url, member)
    page.goto(f"{server_url}/")
    waiting = page.get_by_role("link", name=ballot.title)
    expect(waiting.first).to_be_visible()
    snap(page, "home-waiting")
    waiting.first.click()
    assert urlsplit(page.url).path == f"/phieu-lay-y-kien/{ballot.pk}/"
    assert_accessible(page, "ballot-member")
    page.get_by_role("link", name="Trả lời phiếu").click()
    assert_accessible(page, "answer-form")
    questions = page.locator("fieldset.answer-question")
    expect(questions).to_have_count(2)
    questions.nth(0).get_by_label("Đồng ý", exact=True).check()
    questions.nth(1).get_by_label("Ý kiến khác", exact=True).check()
    questions.nth(1).locator("textarea").fill("Đề nghị làm rõ nguồn vốn trước khi ban hành.")
    snap(page, "answer-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Ký và gửi ý kiến").click()
    _confirm_on_stepup(page, member, "Đồng ý — câu hỏi 1")
    expect(page.get_by_role("heading", name="Ý kiến đã ký")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Đề nghị làm rõ nguồn vốn")
    assert_accessible(page, "answer-signed")
    snap(page, "answer-signed")
    answer = Answer.objects.get()
    assert answer.signer == member
    assert [i.choice for i in answer.items.order_by("question__number")] == ["agree", "other"]


@pytest.mark.parametrize("device", ["desktop"])
def test_office_follows_results_leader_signs_report_chair_decides(
    new_context: Callable[..., BrowserContext],
    context: BrowserContext,
    page: Page,
    server_url: str,
    journey: Journey,
    device: str,
) -> None:
    ballot = off_loop(journey.send)
    off_loop(
        journey.answer, ballot, "member", [("agree", ""), ("disagree", "Cần đánh giá tác động")]
    )
    off_loop(journey.answer, ballot, "chair", [("agree", ""), ("agree", "")])
    log_in_as(context, server_url, journey.user("office"))
    page.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/tong-hop/")
    expect(page.get_by_role("heading", name="Tổng hợp ý kiến thành viên")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cần đánh giá tác động")
    assert_accessible(page, "results-live")
    snap(page, "results-live")

    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        assert off_loop(services.ballot_close_due) == 1
    leader = journey.user("leader")
    leader_ctx = new_context("desktop")
    log_in_as(leader_ctx, server_url, leader)
    lpage = leader_ctx.new_page()
    lpage.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/")
    lpage.get_by_role("link", name="Lập và ký báo cáo tổng hợp").click()
    assert_accessible(lpage, "report")
    snap(lpage, "report")
    with lpage.expect_navigation():
        lpage.get_by_role("button", name="Lập và ký báo cáo").click()
    _confirm_on_stepup(lpage, leader, "Báo cáo tổng hợp ý kiến thành viên")
    expect(
        lpage.get_by_role("link", name="Báo cáo tổng hợp ý kiến thành viên (PDF đã ký số)")
    ).to_be_visible()
    assert Report.objects.get(ballot=ballot).signed_by == leader

    chair = journey.user("chair")
    chair_ctx = new_context("desktop")
    log_in_as(chair_ctx, server_url, chair)
    cpage = chair_ctx.new_page()
    cpage.goto(f"{server_url}/phieu-lay-y-kien/{ballot.pk}/")
    cpage.get_by_role("link", name="Ghi nhận quyết định").click()
    assert_accessible(cpage, "decide")
    cpage.get_by_label("Nội dung quyết định").fill(
        "Thông qua nội dung 1; giao Bộ bổ sung đánh giá tác động cho nội dung 2."
    )
    with cpage.expect_navigation():
        cpage.get_by_role("button", name="Ký quyết định").click()
    _confirm_on_stepup(cpage, chair, "Thông qua nội dung 1")
    expect(cpage.locator(".ballot-status")).to_have_text("Đã có quyết định")
    assert_accessible(cpage, "decided")
    snap(cpage, "decided")
    assert Decision.objects.get(ballot=ballot).decided_by == chair
