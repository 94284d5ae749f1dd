"""A resolution in the browser: the Office drafts it from a concluded meeting and submits it
on a desktop, the chair reads and signs it on a phone, it is numbered, sealed and issued at
once, anyone can verify it on its public page, and ``ecabinet verify`` accepts the issued PDF
with both signatures."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.core.testing.personas import World
from ecabinet.resolutions.models import Resolution
from ecabinet.resolutions.tests.conftest import build_desk
from ecabinet.resolutions.tests.test_signing_fixtures import build_signing
from tests.browser.support import assert_accessible, log_in_as, snap, totp_code
from tests.browser.test_ballots_journey import off_loop


@pytest.fixture(autouse=True)
def _fresh_internal_tsa() -> None:
    from ecabinet.signatures import tsa

    tsa._cached.clear()


@pytest.mark.parametrize("device", ["desktop"])
def test_from_concluded_meeting_to_an_issued_verified_resolution(
    new_context: Callable[..., BrowserContext],
    context: BrowserContext,
    page: Page,
    server_url: str,
    world: World,
    device: str,
    tmp_path: Path,
) -> None:
    desk = build_desk(world)
    off_loop(build_signing, desk)
    meeting = off_loop(desk.closed_meeting)

    # The Office, on a desktop: draft from the meeting's conclusions, then submit.
    log_in_as(context, server_url, desk.user("office"))
    page.goto(f"{server_url}/nghi-quyet/co-quan/{world.body.code}/tu-phien-hop/")
    assert_accessible(page, "from-meeting")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Soạn nghị quyết: {meeting.title}").click()
    resolution = Resolution.objects.get(meeting=meeting)
    # The draft opens in the editor: one more paragraph, and an external agency to send to.
    assert urlsplit(page.url).path == f"/nghi-quyet/{resolution.pk}/soan-thao/"
    assert_accessible(page, "editor")
    paragraphs = page.get_by_label("Nội dung (mỗi dòng một đoạn)").first
    paragraphs.fill(paragraphs.input_value() + "\nGiao Văn phòng Chính phủ theo dõi, đôn đốc.")
    page.get_by_text("Chọn cơ quan ngoài").click()
    page.get_by_label("Bộ Tài chính (thử)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu phiên bản").click()
    assert resolution.versions.count() == 2
    page.goto(f"{server_url}/nghi-quyet/{resolution.pk}/")
    expect(page.locator("main")).to_contain_text("Giao Văn phòng Chính phủ theo dõi, đôn đốc.")
    assert_accessible(page, "draft")
    snap(page, "draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Trình ký").click()
    assert Resolution.objects.get(pk=resolution.pk).status == Resolution.Status.AWAITING_SIGNATURE

    # The chair, on a phone: read and sign.
    chair = desk.user("chair")
    chair_ctx = new_context("phone")
    log_in_as(chair_ctx, server_url, chair)
    cpage = chair_ctx.new_page()
    cpage.goto(f"{server_url}/nghi-quyet/{resolution.pk}/")
    cpage.get_by_role("link", name="Xem và ký").click()
    expect(cpage.get_by_role("heading", name="Ký nghị quyết")).to_be_visible()
    assert_accessible(cpage, "sign")
    snap(cpage, "sign")
    with cpage.expect_navigation():
        cpage.get_by_role("button", name="Ký số").click()
    assert urlsplit(cpage.url).path.startswith("/tai-khoan/ky-so/")
    expect(cpage.locator(".stepup-summary")).to_contain_text("Nghị quyết")
    assert_accessible(cpage, "stepup")
    cpage.locator('input[name="code"]').fill(totp_code(TOTPDevice.objects.get(user=chair)))
    with cpage.expect_navigation():
        cpage.get_by_role("button", name="Xác nhận ký").click()

    # Issued at once: numbered, sealed, timestamped.
    expect(cpage.get_by_role("heading", name="Đã ban hành")).to_be_visible()
    issued = Resolution.objects.get(pk=resolution.pk)
    assert issued.status == Resolution.Status.ISSUED
    assert re.fullmatch(r"01/NQ-\w+", issued.number or ""), issued.number
    expect(cpage.locator("main")).to_contain_text(issued.number or "")
    assert_accessible(cpage, "issued")
    snap(cpage, "issued")

    # Anyone can verify it, without logging in.
    public = new_context("phone").new_page()
    public.goto(f"{server_url}/nghi-quyet/xac-thuc/{issued.verify_token}/")
    expect(public.get_by_role("heading", level=1)).to_contain_text(issued.number or "")
    expect(public.locator("main")).to_contain_text(chair.full_name)
    assert_accessible(public, "verify")
    snap(public, "verify")
    pdf = public.request.get(f"{server_url}/nghi-quyet/xac-thuc/{issued.verify_token}/van-ban.pdf")
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    # The external agency's edXML message waits in the outbox.
    from ecabinet.exchange.models import OutgoingMessage

    sent = OutgoingMessage.objects.get(subject_id=str(issued.pk))
    assert sent.recipient_organ_id == "000.00.00.G10"

    # The command-line verification accepts it and names both signers.
    path = tmp_path / "nghi-quyet.pdf"
    path.write_bytes(pdf.body())
    out = io.StringIO()

    def verify() -> object:
        # Off Playwright's event loop, like every signature check (see off_loop).
        try:
            call_command("verify", str(path), stdout=out, stderr=out)
        except SystemExit as exited:
            return exited.code
        return None

    assert off_loop(verify) == 0, out.getvalue()
    assert chair.full_name in out.getvalue()
    assert world.body.name in out.getvalue()
