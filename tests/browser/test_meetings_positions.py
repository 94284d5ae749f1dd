"""Pre-meeting positions in the browser: a member gives positions on a 375 px phone (a refused
objection without text first), then after the cut-off the Office sees the agenda split into the
consent and discussion blocks on a desktop and moves an item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from ecabinet.core.dates import VN_TZ
from ecabinet.core.testing.personas import World
from ecabinet.meetings import positions
from ecabinet.meetings.models import AgendaItem, Meeting, Position
from ecabinet.meetings.tests.conftest import Prep, build_prep, pdf
from tests.browser.support import assert_accessible, log_in_as, snap


@pytest.fixture
def prep(world: World, monkeypatch: pytest.MonkeyPatch) -> Prep:
    from ecabinet.meetings import invitation

    # The invitation PDF itself is not the point here: skip WeasyPrint.
    monkeypatch.setattr(invitation, "invitation_pdf", lambda *a, **k: pdf("Giấy mời"))
    return build_prep(world)


def test_member_gives_positions_on_a_phone_and_the_office_moves_an_item(
    new_context: Callable[..., BrowserContext], server_url: str, prep: Prep
) -> None:
    meeting = prep.ready(title="Phiên họp Chính phủ thường kỳ tháng 7")
    prep.add_item(meeting, "Báo cáo tình hình kinh tế - xã hội 6 tháng")
    prep.add_item(meeting, "Đề án sắp xếp đơn vị hành chính")
    meeting = prep.invite(meeting)
    first, second, third = AgendaItem.objects.filter(meeting=meeting).order_by("number")
    for item in (first, second, third):
        item.meeting = meeting
    chair = prep.invitation(meeting, "chair")
    positions.position_give(
        actor=prep.user("chair"),
        invitation=chair,
        item=third,
        stance=Position.Stance.OBJECT,
        text="Cần lấy thêm ý kiến địa phương.",
    )

    phone = new_context("phone")
    log_in_as(phone, server_url, prep.user("member"))
    mpage = phone.new_page()
    mpage.goto(f"{server_url}/cuoc-hop/{meeting.pk}/")
    mpage.get_by_role("link", name="Cho ý kiến về các nội dung").click()
    expect(mpage.get_by_role("heading", name="Ý kiến trước cuộc họp", level=1)).to_be_visible()
    width = mpage.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    assert_accessible(mpage, "positions-form")
    snap(mpage, "positions-form")

    one, two = mpage.locator(f"#item-{first.pk}"), mpage.locator(f"#item-{second.pk}")
    one.get_by_label("Không có ý kiến khác").check()
    two.get_by_label("Đề nghị thảo luận").check()
    with mpage.expect_navigation():
        mpage.get_by_role("button", name="Lưu ý kiến").click()
    expect(mpage.get_by_role("alert")).to_contain_text("Hãy nêu vấn đề đề nghị thảo luận.")
    assert not Position.objects.filter(membership__user=prep.user("member")).exists()
    assert_accessible(mpage, "positions-error")
    snap(mpage, "positions-error")

    two = mpage.locator(f"#item-{second.pk}")
    two.get_by_label("Có ý kiến", exact=True).check()
    two.get_by_label("Nội dung ý kiến").fill("Đề nghị bổ sung số liệu quý II.")
    with mpage.expect_navigation():
        mpage.get_by_role("button", name="Lưu ý kiến").click()
    expect(mpage.get_by_text("Đã ghi nhận ý kiến về 2 nội dung.")).to_be_visible()
    stances = dict(
        Position.objects.filter(membership__user=prep.user("member")).values_list(
            "item_id", "stance"
        )
    )
    assert stances == {first.pk: "no_objection", second.pk: "comment"}
    snap(mpage, "positions-saved")

    # The member's calendar lists the meeting, on the phone too.
    month = meeting.starts_at.astimezone(VN_TZ).strftime("%Y-%m")
    mpage.goto(f"{server_url}/cuoc-hop/lich/?thang={month}")
    expect(mpage.get_by_role("link", name=meeting.title).first).to_be_visible()
    assert mpage.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(mpage, "calendar")
    snap(mpage, "calendar")

    # The cut-off passes; the scan splits the agenda.
    Meeting.objects.filter(pk=meeting.pk).update(
        positions_cutoff_at=timezone.now() - timedelta(minutes=1)
    )
    assert positions.positions_due() == 3

    desktop = new_context("desktop")
    log_in_as(desktop, server_url, prep.user("office"))
    page = desktop.new_page()
    page.goto(f"{server_url}/cuoc-hop/{meeting.pk}/")
    page.get_by_role("link", name="Nội dung thông qua và thảo luận").click()
    # Consent first (agenda order), then discussion, the most contested first.
    lists = page.locator(".block-list")
    expect(lists.nth(0).locator(".block-item h3")).to_have_text([f"1. {first.title}"])
    expect(lists.nth(1).locator(".block-item h3")).to_have_text(
        [f"3. {third.title}", f"2. {second.title}"]
    )
    expect(page.get_by_text("Cần lấy thêm ý kiến địa phương.")).to_be_visible()
    expect(page.get_by_text("Đề nghị bổ sung số liệu quý II.")).to_be_visible()
    assert_accessible(page, "blocks")
    snap(page, "blocks")

    card = page.locator(f"#block-{first.pk}")
    card.get_by_label("Lý do (không bắt buộc)").fill("Thủ tướng muốn nghe báo cáo.")
    with page.expect_navigation():
        card.get_by_role("button", name="Chuyển sang nhóm thảo luận").click()
    expect(page.get_by_role("status").filter(has_text="sang nhóm thảo luận")).to_be_visible()
    # The consent block is now empty; the discussion block holds all three.
    expect(lists).to_have_count(1)
    expect(lists.locator(".block-item h3")).to_have_count(3)
    expect(page.locator(f"#block-{first.pk}")).to_contain_text("Văn phòng đã chuyển nhóm")
    first.refresh_from_db()
    assert first.block == AgendaItem.Block.DISCUSSION
    assert_accessible(page, "blocks-moved")
    snap(page, "blocks-moved")
