"""Fixtures of the content pipeline tests: generated files, and loud skips for missing tools."""

from __future__ import annotations

import pytest

from ecabinet.documents.content.convert import conversion_available
from ecabinet.documents.content.ocr import ocr_available, pdf_rendering_available
from ecabinet.documents.tests.content import builders

PAGE_ONE = (
    "Quyết định về việc điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội\n"
    "Ủy ban nhân dân tỉnh đề nghị Chính phủ xem xét, cho ý kiến."
)
PAGE_TWO = (
    "Phiếu lấy ý kiến thành viên Chính phủ về đề án đổi mới\n"
    "Đề nghị các thành viên gửi ý kiến trước ngày 05 tháng 01 năm 2027."
)


@pytest.fixture(scope="session")
def text_pdf() -> bytes:
    """A two-page PDF with a Vietnamese text layer."""
    return builders.pdf_text([PAGE_ONE, PAGE_TWO])


@pytest.fixture
def require_ocr() -> None:
    if not ocr_available():
        pytest.skip(
            "SKIPPED LOUDLY: Tesseract with the Vietnamese model is not installed "
            "(apt-get install tesseract-ocr tesseract-ocr-vie); CI installs it"
        )


@pytest.fixture
def require_pdf_rendering(require_ocr: None) -> None:
    if not pdf_rendering_available():
        pytest.skip("SKIPPED LOUDLY: pdftoppm is not installed (apt-get install poppler-utils)")


@pytest.fixture
def require_libreoffice() -> None:
    if not conversion_available():
        pytest.skip(
            "SKIPPED LOUDLY: LibreOffice is not installed (apt-get install "
            "libreoffice-writer-nogui libreoffice-calc-nogui); CI installs it"
        )
