"""LibreOffice conversion of DOCX, ODT and XLSX to PDF: private, bounded, leaves nothing."""

from __future__ import annotations

import http.server
import io
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from ecabinet.documents.content.convert import (
    ConversionFailed,
    conversion_available,
    convert_to_pdf,
)
from ecabinet.documents.content.extract import extract_text
from ecabinet.documents.content.kinds import FileKind
from ecabinet.documents.tests.content import builders

pytestmark = pytest.mark.usefixtures("require_libreoffice")


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize(
    ("data", "kind", "words"),
    [
        (
            builders.docx(["Quyết định về việc điều chỉnh đề án", "Phiếu lấy ý kiến"]),
            FileKind.DOCX,
            ["Quyết định", "điều chỉnh đề án", "Phiếu lấy ý kiến"],
        ),
        (
            builders.odt(["Tờ trình số 12 về việc phê duyệt"], heading="ĐỀ ÁN ĐỔI MỚI"),
            FileKind.ODT,
            ["ĐỀ ÁN ĐỔI MỚI", "Tờ trình số 12"],
        ),
        (
            builders.xlsx({"Tổng hợp": [["Đơn vị", "Ý kiến"], ["Bộ Tư pháp", "Đồng ý"]]}),
            FileKind.XLSX,
            ["Đơn vị", "Ý kiến", "Đồng ý"],
        ),
    ],
    ids=["docx", "odt", "xlsx"],
)
def test_converts_to_a_valid_pdf_with_the_text(
    data: bytes, kind: FileKind, words: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pdf = convert_to_pdf(data, kind)
    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    text = extract_text(pdf, FileKind.PDF).text
    for word in words:
        assert word in text
    assert list(tmp_path.iterdir()) == []


def test_timeout_kills_libreoffice_and_removes_the_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ConversionFailed) as caught:
        convert_to_pdf(builders.docx(["Đề án"]), FileKind.DOCX, timeout=0.3)
    assert "giây" in caught.value.message
    assert list(tmp_path.iterdir()) == []
    assert processes_mentioning(str(tmp_path)) == []


class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[str]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _Recorder.paths
    finally:
        server.shutdown()
        server.server_close()


def test_linked_images_are_not_fetched(loopback_server: tuple[int, list[str]]) -> None:
    port, requests = loopback_server
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'xmlns:office="{builders.ODF_OFFICE}" xmlns:text="{builders.ODF_TEXT}" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
        'office:version="1.2"><office:body><office:text><text:p>Ảnh liên kết'
        '<draw:frame draw:name="anh" svg:width="2cm" svg:height="2cm">'
        f'<draw:image xlink:href="http://127.0.0.1:{port}/theo-doi.png" xlink:type="simple" '
        'xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>'
        "</office:text></office:body></office:document-content>"
    )
    template = builders.odt(["x"])
    import zipfile

    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        entries: list[tuple[str, bytes | str]] = [
            (i.filename, content if i.filename == "content.xml" else archive.read(i))
            for i in archive.infolist()
        ]
    pdf = convert_to_pdf(builders.zip_bytes(entries, stored_first=True), FileKind.ODT)
    assert "Ảnh liên kết" in extract_text(pdf, FileKind.PDF).text
    assert requests == []


def test_only_office_kinds_are_converted() -> None:
    with pytest.raises(ValueError, match="not converted"):
        convert_to_pdf(b"%PDF-1.7", FileKind.PDF)


def test_without_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert conversion_available() is False
    with pytest.raises(ConversionFailed) as caught:
        convert_to_pdf(builders.docx(["x"]), FileKind.DOCX)
    assert "LibreOffice" in caught.value.message
