"""Documents in the browser: the Office uploads, a member reads on a phone or a desktop,
keeps a private note, searches inside the document and across documents without accents."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from ecabinet.core.testing.personas import World
from ecabinet.documents import services
from ecabinet.documents.models import Document, Dossier, PrivateNote, ReadReceipt
from ecabinet.documents.tasks import process_version
from ecabinet.documents.tests.files import pdf_bytes
from tests.browser.support import assert_accessible, log_in_as, snap

PAGES = (
    "Tờ trình về việc điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội.",
    "Bộ Kế hoạch và Đầu tư kính đề nghị Chính phủ xem xét, quyết định điều chỉnh kế hoạch.",
)


@pytest.fixture
def dossier(world: World) -> Dossier:
    office = world.user("office")
    assert office is not None
    return services.dossier_create(
        actor=office, body=world.body, title="Đề án điều chỉnh quy hoạch tổng thể"
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_office_uploads_a_paper_into_a_dossier(
    context: BrowserContext,
    page: Page,
    server_url: str,
    world: World,
    dossier: Dossier,
    tmp_path: Path,
    device: str,
) -> None:
    office = world.user("office")
    assert office is not None
    log_in_as(context, server_url, office)
    page.goto(f"{server_url}/tai-lieu/co-quan/{world.body.code}/ho-so/{dossier.pk}/")
    assert_accessible(page, "dossier-empty")
    page.get_by_role("link", name="Tải tài liệu lên").click()
    assert_accessible(page, "upload-form")
    # A wrong file first: a clear message, nothing kept.
    fake = tmp_path / "to-trinh.pdf"
    fake.write_bytes(b"MZ" + b"\x00" * 100)
    page.locator("input[type=file]").set_input_files(str(fake))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "upload-error")
    snap(page, "upload-error")
    assert not Document.objects.exists()

    real = tmp_path / "to-trinh-dieu-chinh.pdf"
    real.write_bytes(pdf_bytes(*PAGES))
    page.locator("input[type=file]").set_input_files(str(real))
    page.get_by_label("Tên tài liệu").fill("Tờ trình điều chỉnh quy hoạch")
    page.get_by_label("Số, ký hiệu").fill("125/TTr-BKHĐT")
    page.get_by_label("Trích yếu").fill("Về việc điều chỉnh quy hoạch tổng thể")
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên").click()
    assert urlsplit(page.url).path.endswith(f"/ho-so/{dossier.pk}/")
    expect(page.get_by_role("link", name="Tờ trình điều chỉnh quy hoạch")).to_be_visible()
    # The worker's job, run here: the page stops polling and shows the result.
    document = Document.objects.get()
    process_version.call(str(document.versions.get().pk))
    expect(page.get_by_text("Tìm được nội dung")).to_be_visible(timeout=8000)
    page.get_by_text("Tờ trình điều chỉnh quy hoạch — 5 người nhận, 0 đã mở").click()
    assert_accessible(page, "dossier-receipts")
    snap(page, "dossier-receipts")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_member_reads_notes_and_searches(
    context: BrowserContext,
    page: Page,
    server_url: str,
    world: World,
    dossier: Dossier,
    device: str,
) -> None:
    office, member = world.user("office"), world.user("member")
    assert office is not None
    assert member is not None
    document = services.document_upload(
        actor=office,
        data=pdf_bytes(*PAGES),
        filename="to-trinh.pdf",
        dossier=dossier,
        meta=services.DocumentMeta(title="Tờ trình điều chỉnh quy hoạch"),
    )
    process_version.call(str(document.versions.get().pk))
    log_in_as(context, server_url, member)

    # Search across documents, typed without accents.
    page.goto(f"{server_url}/tai-lieu/tim-kiem/?q=dieu+chinh+quy+hoach")
    result = page.get_by_role("link", name="Tờ trình điều chỉnh quy hoạch")
    expect(result).to_be_visible()
    expect(page.locator(".snippet mark").first).to_be_visible()
    assert_accessible(page, "search-results")
    snap(page, "search-results")
    result.click()

    # The reader: pages drawn, search inside the document, a private note.
    expect(page.locator(".pdfv-page canvas").first).to_be_visible(timeout=15000)
    receipt = ReadReceipt.objects.get(document=document, user=member)
    assert receipt.open_count == 1
    search = page.locator("[data-pdfv-search-input]")
    search.fill("de nghi chinh phu")
    search.press("Enter")
    expect(page.locator("[data-pdfv-search-count]")).to_contain_text("1/1", timeout=10000)
    expect(page.locator(".pdfv-hit").first).to_be_visible()
    notes_toggle = page.locator('[data-pdfv-toggle="notes"]')
    if notes_toggle.get_attribute("aria-expanded") != "true":
        notes_toggle.click()
    expect(notes_toggle).to_have_attribute("aria-expanded", "true")
    page.locator("#pdfv-note-text").fill("Hỏi lại Bộ về nguồn vốn")
    page.locator(".pdfv-note-form [type=submit]").click()
    expect(page.locator(".pdfv-note")).to_contain_text("Hỏi lại Bộ về nguồn vốn")
    assert PrivateNote.objects.get().author == member
    assert_accessible(page, "reader-notes")
    snap(page, "reader-notes")
