"""A member practises signing on a phone, then checks the exported signature on the web."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page

from ecabinet.bodies.models import Title
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import ca_init, certificate_issue
from ecabinet.signatures.models import SignedStatement
from ecabinet.signatures.practice import OBJECT_TYPE, PRACTICE_TEXT
from tests.browser.support import assert_accessible, log_in_as, snap, totp_code


@pytest.fixture
def signing_ready(world: World, tmp_path: Path, settings: Any) -> World:
    """The internal CA (with a throwaway KEK) and a certificate for the member."""
    settings.ECABINET_KEY_DIR = tmp_path / "keys"
    settings.ECABINET_KEK_AUTOCREATE = True
    settings.ECABINET_KEY_STORE = "software"
    ca_init()
    membership = world.memberships["member"]
    membership.title = Title.objects.create(body=world.body, name="Bộ trưởng Bộ Thử nghiệm")
    membership.save(update_fields=["title"])
    admin = world.user("admin")
    assert admin is not None
    certificate_issue(actor=admin, membership=membership)
    return world


@pytest.mark.parametrize("device", ["phone"])
def test_member_practises_signing_and_verifies_it(
    context: BrowserContext, page: Page, server_url: str, signing_ready: World, device: str
) -> None:
    member = signing_ready.user("member")
    assert member is not None
    log_in_as(context, server_url, member)

    page.goto(f"{server_url}/chu-ky/thuc-hanh/")
    assert page.get_by_role("heading", name="Ký số trên eCabinet gồm 3 bước").is_visible()
    assert_accessible(page, "practice")
    snap(page, "practice")
    with page.expect_navigation():
        page.get_by_role("button", name="Ký thử").click()
    assert urlsplit(page.url).path.startswith("/tai-khoan/ky-so/")
    assert PRACTICE_TEXT in page.locator(".stepup-summary").inner_text()
    assert_accessible(page, "stepup")
    snap(page, "stepup")

    page.locator('input[name="code"]').fill(totp_code(TOTPDevice.objects.get(user=member)))
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận ký").click()
    assert urlsplit(page.url).path == "/chu-ky/thuc-hanh/bien-nhan/"
    assert PRACTICE_TEXT in page.locator("main").inner_text()
    assert SignedStatement.objects.filter(signer=member, object_type=OBJECT_TYPE).count() == 1
    assert_accessible(page, "receipt")
    snap(page, "receipt")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp chữ ký").click()
    exported = download_info.value.path()

    with page.expect_navigation():
        page.get_by_role("link", name="Kiểm tra chữ ký số").click()
    assert urlsplit(page.url).path == "/chu-ky/kiem-tra/"
    assert_accessible(page, "verify")
    page.locator('input[name="file"]').set_input_files(exported)
    with page.expect_navigation():
        page.get_by_role("button", name="Kiểm tra", exact=True).click()
    result = page.locator(".verify-report")
    assert result.get_attribute("data-ok") == "true"
    assert "hợp lệ" in result.inner_text()
    assert "Người thử member" in result.inner_text()
    assert_accessible(page, "verify-result")
    snap(page, "verify-result")
