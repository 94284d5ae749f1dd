"""The live meeting session in the browser, everyone at once.

The chair runs the console on a tablet, the secretary works on a desktop, three members
follow on phones (one remotely, one standing in for a member), and the room's projector shows
the current item, the speaker and the results. They check in, the quorum is reached, the
chair takes up an item, calls a speaker and opens a poll; the members open their signing
window with their authenticator code and vote; the results show on the projector and the
console; the secretary records the minutes and the conclusion.

A second test takes a member's phone offline: the screen says so, a vote confirmed meanwhile
waits in the tab, and once back online the screen resynchronises and the vote is counted
exactly once (also after a reload).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Role
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.meetings.models import Conclusion, Invitation, MinuteNote, Poll, Vote
from ecabinet.meetings.tests.live_support import Live, build_live
from tests.browser.support import assert_accessible, log_in_as, record_problems, snap, totp_code

T = TypeVar("T")
TABLET: dict[str, Any] = {
    "viewport": {"width": 768, "height": 1024},
    "is_mobile": True,
    "has_touch": True,
}
PROJECTOR: dict[str, Any] = {"viewport": {"width": 1280, "height": 720}}
# The member's vote waiting in the tab to be sent (live.js).
QUEUED = "(pk) => sessionStorage.getItem('ecabinet.live.vote.' + pk)"
# Live updates cross the socket and the channel layer: allow a loaded machine some time.
LIVE_MS = 15_000


def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service in its own thread: the services send their events with async_to_sync,
    which refuses to run in the test's thread, where Playwright's event loop runs."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


@pytest.fixture
def lv(world: World) -> Live:
    """The live-session meeting of the server's tests, with a third member who joins
    remotely; every voter holds a signing certificate."""
    from ecabinet.signatures import tsa

    tsa._cached.clear()
    # The services push notifications with async_to_sync: not from Playwright's thread.
    return off_loop(_build, world)


def _build(world: World) -> Live:
    from ecabinet.signatures.ca import ca_init, certificate_issue

    live = build_live(world)
    member3 = MembershipFactory.create(
        body=world.body,
        user=UserFactory.create(username="member3", full_name="Người thử member3"),
        role=Role.MEMBER,
        precedence=5,
    )
    world.memberships["member3"] = member3
    world.users["member3"] = member3.user
    Invitation.objects.create(
        meeting=live.meeting,
        membership=member3,
        user=member3.user,
        role=member3.role,
        precedence=4,
        response=Invitation.Response.ACCEPTED,
        responded_at=timezone.now(),
    )
    ca_init()
    admin = world.user("admin")
    assert admin is not None
    for name in ("chair", "member2", "member3", "substitute"):
        certificate_issue(actor=admin, membership=world.memberships[name])
    return live


def _screen(
    new_context: Callable[..., BrowserContext],
    server_url: str,
    user: User,
    path: str,
    device: str = "phone",
    **options: Any,
) -> Page:
    ctx = new_context(device, **options)
    log_in_as(ctx, server_url, user)
    page = ctx.new_page()
    problems = record_problems(page)
    page.goto(f"{server_url}{path}")
    _connected(page)
    page.problems = problems  # type: ignore[attr-defined]
    return page


def _connected(page: Page) -> None:
    expect(page.locator('[data-conn][data-state="connected"]')).to_be_visible(timeout=LIVE_MS)


def _no_problems(*pages: Page) -> None:
    for page in pages:
        assert not page.problems, page.problems  # type: ignore[attr-defined]


def _open_signing_window(page: Page, user: User) -> None:
    """From the member's screen to the signing-window page and back, with the TOTP code."""
    page.get_by_role("link", name="Mở phiên ký").click()
    page.wait_for_url("**/ky-bieu-quyet/**")
    expect(page.get_by_role("heading", name="Mở phiên ký biểu quyết")).to_be_visible()
    page.locator('input[name="code"]').fill(totp_code(TOTPDevice.objects.get(user=user)))
    with page.expect_navigation():
        page.get_by_role("button", name="Mở phiên ký").click()
    assert urlsplit(page.url).path.endswith("/phien-hop/"), page.url
    _connected(page)


def _vote(page: Page, choice: str) -> None:
    choices = page.locator("[data-vote-choices]")
    expect(choices).to_be_visible(timeout=LIVE_MS)
    choices.get_by_role("button", name=choice, exact=True).click()
    confirm = page.locator("[data-vote-confirm-text]")
    expect(confirm).to_contain_text(choice)
    page.get_by_role("button", name="Xác nhận và ký").click()


def test_a_meeting_session_with_every_screen_at_once(
    new_context: Callable[..., BrowserContext], server_url: str, lv: Live
) -> None:
    pk = lv.meeting.pk
    item = lv.items[0]
    chair = _screen(
        new_context, server_url, lv.user("chair"), f"/cuoc-hop/{pk}/dieu-hanh/", "desktop", **TABLET
    )
    secretary = _screen(
        new_context, server_url, lv.user("office"), f"/cuoc-hop/{pk}/thu-ky/", "desktop"
    )
    projector = _screen(
        new_context,
        server_url,
        lv.user("office"),
        f"/cuoc-hop/{pk}/man-chieu/",
        "desktop",
        **PROJECTOR,
    )
    members = {
        name: _screen(new_context, server_url, lv.user(name), f"/cuoc-hop/{pk}/phien-hop/")
        for name in ("member2", "substitute", "member3")
    }
    for name, page in members.items():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (name, width)
    assert_accessible(chair, "chair-before")
    snap(chair, "chair-before")

    # The chair opens the session; every screen follows.
    chair.get_by_role("button", name="Khai mạc phiên họp").click()
    for page in (chair, secretary, projector, *members.values()):
        expect(page.locator("[data-meeting-status]")).to_have_text("Đang họp", timeout=LIVE_MS)

    # Check-in: the chair from the console, two members in the room, one remotely.
    chair.get_by_role("button", name="Điểm danh tại phòng họp").click()
    members["member2"].get_by_role("button", name="Điểm danh tại phòng họp").click()
    members["substitute"].get_by_role("button", name="Điểm danh tại phòng họp").click()
    members["member3"].get_by_role("button", name="Điểm danh trực tuyến").click()
    expect(members["member3"].locator("[data-checkin-status]")).to_have_text(
        "Bạn đã điểm danh: Trực tuyến", timeout=LIVE_MS
    )
    expect(members["substitute"].locator("[data-checkin-status]")).to_contain_text(
        "Bạn đã điểm danh", timeout=LIVE_MS
    )
    # Only members in their own seat count: 3 of 4, and 3 are needed.
    expect(chair.locator("[data-quorum-badge]")).to_have_text(
        "Đủ số thành viên để biểu quyết", timeout=LIVE_MS
    )
    expect(chair.locator("[data-quorum]")).to_have_text("Có mặt 3/4 thành viên (cần 3)")
    present = secretary.locator('[data-attendance="present"]')
    expect(present).to_contain_text("Người thử substitute", timeout=LIVE_MS)
    expect(present).to_contain_text("dự thay Người thử member")
    expect(present).to_contain_text("Trực tuyến")

    # The chair takes up the first item: the projector and the phones show it.
    chair.get_by_role("button", name=f"Bắt đầu thảo luận: {item.number}. {item.title}").click()
    for page in (projector, *members.values()):
        expect(page.locator("[data-current-title]")).to_have_text(item.title, timeout=LIVE_MS)
    expect(projector.locator("[data-current-timer]")).to_contain_text("Còn")
    papers = members["member2"].locator("[data-papers]")
    expect(papers.get_by_role("link", name="Đọc tại đây: Tờ trình dự án luật")).to_be_visible()

    # A member asks for the floor; the chair calls them and starts the speech.
    members["member2"].get_by_role("button", name="Đăng ký phát biểu").click()
    speak = chair.locator('[data-floor-list="speak"]')
    expect(speak).to_contain_text("Người thử member2", timeout=LIVE_MS)
    expect(members["member2"].locator("[data-floor-me]")).to_contain_text("Đang chờ")
    chair.get_by_role("button", name="Mời: Người thử member2").click()
    expect(members["member2"].locator("[data-floor-me]")).to_contain_text(
        "Đã được mời", timeout=LIVE_MS
    )
    chair.get_by_role("button", name="Bắt đầu: Người thử member2").click()
    expect(projector.locator("[data-speaker]")).to_have_text("Người thử member2", timeout=LIVE_MS)
    expect(projector.locator("[data-speaker-timer]")).to_contain_text("Thời gian phát biểu")
    assert_accessible(projector, "projector-speaker")
    snap(projector, "projector-speaker")
    chair.get_by_role("button", name="Kết thúc: Người thử member2").click()
    expect(projector.locator("[data-speaker]")).to_have_text(
        "Chưa có người phát biểu", timeout=LIVE_MS
    )

    # The poll on the item.
    chair.get_by_role("button", name="Mở biểu quyết nội dung này").click()
    expect(projector.locator("[data-poll-status]")).to_have_text("Đang biểu quyết", timeout=LIVE_MS)
    assert_accessible(chair, "chair-poll-open")
    snap(chair, "chair-poll-open")
    for page in members.values():
        expect(page.locator("[data-vote-message]")).to_have_text(
            "Để biểu quyết, hãy mở phiên ký (nhập mã xác thực một lần).", timeout=LIVE_MS
        )
    page = members["member2"]
    assert_accessible(page, "member-stepup")
    snap(page, "member-stepup")
    for name, page in members.items():
        _open_signing_window(page, lv.user(name))
    _vote(members["member2"], "Đồng ý")
    assert_accessible(members["member2"], "member-confirmed")
    _vote(members["substitute"], "Đồng ý")
    _vote(members["member3"], "Đồng ý")
    for page in members.values():
        receipt = page.locator("[data-vote-receipt]")
        expect(receipt).to_be_visible(timeout=LIVE_MS)
        expect(receipt).to_contain_text("Lựa chọn: Đồng ý")
        expect(receipt).to_contain_text("Mã văn bản ký:")
    expect(members["substitute"].locator("[data-vote-receipt-behalf]")).to_have_text(
        "Biểu quyết thay Người thử member"
    )
    assert_accessible(members["substitute"], "member-receipt")
    snap(members["substitute"], "member-receipt")
    expect(chair.locator('[data-voters-count="voted"]')).to_have_text("3", timeout=LIVE_MS)
    expect(chair.locator('[data-voters-list="waiting"]')).to_contain_text("Người thử chair")
    expect(secretary.locator("[data-poll] [data-poll-count]")).to_have_text(
        "Đã biểu quyết 3/4", timeout=LIVE_MS
    )

    chair.get_by_role("button", name="Kết thúc biểu quyết").click()
    for page in (chair, projector, secretary, *members.values()):
        expect(page.locator("[data-poll-outcome]")).to_have_text(
            "Kết quả: Thông qua", timeout=LIVE_MS
        )
    expect(projector.locator("[data-poll-counts]")).to_contain_text("3")
    chair.locator(".live-named summary").click()
    named = chair.locator("[data-poll-named]")
    expect(named).to_contain_text("Người thử member3")
    expect(named).to_contain_text("dự thay Người thử member")
    assert_accessible(chair, "chair-results")
    snap(chair, "chair-results")
    assert_accessible(projector, "projector-results")
    snap(projector, "projector-results")
    poll = Poll.objects.get(meeting=lv.meeting)
    assert poll.outcome == Poll.Outcome.ADOPTED
    assert Vote.objects.filter(poll=poll).count() == 3

    # The secretary notes the discussion and records the conclusion.
    expect(secretary.get_by_label("Nội dung họp", exact=True)).to_have_value(str(item.pk))
    secretary.get_by_label("Ghi chép mới").fill("Các thành viên thống nhất với tờ trình.")
    secretary.get_by_role("button", name="Thêm ghi chép").click()
    expect(secretary.locator("[data-notes]")).to_contain_text(
        "Các thành viên thống nhất với tờ trình.", timeout=LIVE_MS
    )
    secretary.get_by_label("Thông qua", exact=True).check()
    secretary.get_by_label("Nội dung kết luận").fill("Thông qua dự án luật; giao Bộ hoàn thiện.")
    secretary.get_by_role("button", name="Ghi kết luận").click()
    expect(secretary.locator("[data-conclusion-outcome]")).to_have_text(
        "Thông qua", timeout=LIVE_MS
    )
    expect(secretary.get_by_label("Tệp đính kèm kết luận")).to_be_visible()
    assert_accessible(secretary, "secretary-concluded")
    snap(secretary, "secretary-concluded")
    for page in members.values():
        expect(page.locator("[data-progress]")).to_have_text(
            "Đã kết luận 1/4 nội dung", timeout=LIVE_MS
        )
    assert_accessible(members["member3"], "member-after")
    snap(members["member3"], "member-after")
    conclusion = Conclusion.objects.get(item=item)
    assert conclusion.outcome == Conclusion.Outcome.ADOPTED
    assert MinuteNote.objects.filter(item=item).count() == 1
    _no_problems(chair, secretary, projector, *members.values())


def test_offline_vote_is_sent_once_after_reconnecting(
    new_context: Callable[..., BrowserContext], server_url: str, lv: Live
) -> None:
    pk = lv.meeting.pk
    off_loop(lv.open)
    for name in ("chair", "member2", "member3"):
        off_loop(lv.checkin, name)
    off_loop(lv.start, lv.items[0])
    poll = off_loop(lv.poll, lv.items[0])
    user = lv.user("member2")
    page = _screen(new_context, server_url, user, f"/cuoc-hop/{pk}/phien-hop/")
    _open_signing_window(page, user)
    expect(page.locator("[data-vote-choices]")).to_be_visible(timeout=LIVE_MS)

    page.context.set_offline(True)
    expect(page.locator('[data-conn][data-state="offline"]')).to_be_visible(timeout=LIVE_MS)
    # Meanwhile the meeting moves on: the screen must catch up on reconnection.
    off_loop(lv.checkin, "substitute")
    _vote(page, "Không đồng ý")
    expect(page.locator("[data-vote-message]")).to_contain_text("Chưa có kết nối", timeout=LIVE_MS)
    queued = page.evaluate(QUEUED, pk)
    assert queued is not None
    assert '"disagree"' in queued
    snap(page, "vote-queued")
    assert Vote.objects.filter(poll=poll).count() == 0

    page.context.set_offline(False)
    _connected(page)
    receipt = page.locator("[data-vote-receipt]")
    expect(receipt).to_contain_text("Lựa chọn: Không đồng ý", timeout=LIVE_MS)
    expect(page.locator("[data-poll-count]")).to_have_text("Đã biểu quyết 1/4", timeout=LIVE_MS)
    assert page.evaluate(QUEUED, pk) is None
    assert Vote.objects.filter(poll=poll).count() == 1

    # A reload resynchronises from the snapshot: same receipt, nothing sent again.
    page.reload()
    _connected(page)
    expect(page.locator("[data-vote-receipt]")).to_contain_text("Lựa chọn: Không đồng ý")
    expect(page.locator('[data-conn][data-state="connected"]')).to_be_visible()
    vote = Vote.objects.get(poll=poll)
    # A vote still queued in the tab when the snapshot already holds its receipt (the
    # acknowledgement was lost) is not sent again: counted once.
    page.evaluate(
        "([pk, key, poll]) => sessionStorage.setItem('ecabinet.live.vote.' + pk, "
        "JSON.stringify({poll, choice: 'agree', key, at: Date.now()}))",
        [pk, str(vote.idempotency_key), poll.pk],
    )
    page.reload()
    _connected(page)
    expect(page.locator("[data-vote-receipt]")).to_contain_text("Lựa chọn: Không đồng ý")
    assert Vote.objects.filter(poll=poll).count() == 1
    assert page.evaluate(QUEUED, pk) is None
    assert_accessible(page, "member-resynced")
    snap(page, "member-resynced")
    _no_problems(page)
