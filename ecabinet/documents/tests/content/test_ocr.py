"""OCR with Tesseract's Vietnamese model: photos and scans give searchable Vietnamese text."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ecabinet.documents.content import ocr
from ecabinet.documents.content.extract import ExtractionFailed
from ecabinet.documents.content.kinds import FileKind
from ecabinet.documents.content.ocr import OcrFailed, ocr_available, ocr_text
from ecabinet.documents.tests.content import builders

LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Quyết định về việc điều chỉnh đề án",
    "phiếu lấy ý kiến thành viên Chính phủ",
]
# Words with diacritics, several with two marks; OCR may garble a few, not most.
EXPECTED = ["CỘNG", "HÒA", "NGHĨA", "VIỆT", "Quyết", "định", "điều", "chỉnh", "đề", "phiếu"]


def found(text: str, words: list[str]) -> list[str]:
    return [word for word in words if word in text]


@pytest.mark.usefixtures("require_ocr")
@pytest.mark.parametrize(("pil_format", "kind"), [("PNG", FileKind.PNG), ("JPEG", FileKind.JPEG)])
def test_image_gives_vietnamese_text(pil_format: str, kind: FileKind) -> None:
    image = builders.text_image(LINES).convert("RGB")
    data = builders.image_bytes(
        image, pil_format, **({"quality": 85} if kind is FileKind.JPEG else {})
    )
    result = ocr_text(data, kind)
    assert result.method == "ocr"
    assert result.ocr_needed is False
    assert len(result.pages) == 1
    assert len(found(result.text, EXPECTED)) >= 8, result.text


@pytest.mark.usefixtures("require_pdf_rendering")
def test_scanned_pdf_gives_text_per_page() -> None:
    data = builders.scanned_pdf(
        [
            ["Tờ trình về việc phê duyệt", "Nghị quyết phiên họp thường kỳ"],
            ["Báo cáo tình hình kinh tế", "Ủy ban nhân dân thành phố"],
        ]
    )
    result = ocr_text(data, FileKind.PDF)
    assert len(result.pages) == 2
    assert (
        len(found(result.pages[0], ["Tờ", "trình", "việc", "phê", "duyệt", "Nghị", "quyết"])) >= 5
    )
    assert len(found(result.pages[1], ["Báo", "cáo", "tình", "hình", "kinh", "tế", "Ủy"])) >= 5
    assert "Báo cáo" not in result.pages[0]


@pytest.mark.usefixtures("require_ocr")
def test_work_directory_is_removed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ocr_text(builders.image_bytes(builders.text_image(["Đề án"]), "PNG"), FileKind.PNG)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("require_pdf_rendering")
def test_timeout_stops_and_cleans_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = builders.scanned_pdf([["Trang một"], ["Trang hai"], ["Trang ba"]])
    with pytest.raises(OcrFailed) as caught:
        ocr_text(data, FileKind.PDF, timeout=0.05)
    assert isinstance(caught.value, ExtractionFailed)
    assert "giây" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_not_available_without_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr_available() is False
    with pytest.raises(OcrFailed) as caught:
        ocr_text(b"\x89PNG", FileKind.PNG)
    assert "Tesseract" in caught.value.message


def test_not_available_without_the_vietnamese_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'List of available languages (2):'\necho eng\necho osd\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr._tesseract_languages() == frozenset({"eng", "osd"})
    assert ocr_available() is False
