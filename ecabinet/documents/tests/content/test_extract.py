"""extract_text: the text layer of PDFs and the XML of DOCX, XLSX and ODT, in NFC."""

from __future__ import annotations

import io
import unicodedata

import pytest
from PIL import Image
from pypdf import PdfWriter

from ecabinet.documents.content import extract
from ecabinet.documents.content.extract import ExtractionFailed, extract_text, normalize_text
from ecabinet.documents.content.kinds import FileKind
from ecabinet.documents.tests.content import builders
from ecabinet.documents.tests.content.conftest import PAGE_ONE, PAGE_TWO

W = f'xmlns:w="{builders.W_NS}"'
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def test_pdf_text_layer_per_page(text_pdf: bytes) -> None:
    result = extract_text(text_pdf, FileKind.PDF)
    assert result.method == "pdf-text"
    assert result.ocr_needed is False
    assert len(result.pages) == 2
    assert "điều chỉnh quy hoạch tổng thể" in result.pages[0]
    assert "Ủy ban nhân dân tỉnh" in result.pages[0]
    assert "Phiếu lấy ý kiến thành viên Chính phủ" in result.pages[1]
    assert "đổi mới" not in result.pages[0]
    assert result.text == "\n\n".join(result.pages)
    assert unicodedata.is_normalized("NFC", result.text)


def test_scanned_pdf_needs_ocr() -> None:
    data = builders.image_bytes(Image.new("RGB", (800, 1100), "white"), "PDF", resolution=100.0)
    result = extract_text(data, FileKind.PDF)
    assert result.ocr_needed is True
    assert result.pages == ("",)


def test_mostly_blank_pdf_needs_ocr_but_one_blank_page_in_a_text_pdf_does_not() -> None:
    blank_then_text = builders.pdf_text([PAGE_ONE, "", PAGE_TWO])
    assert extract_text(blank_then_text, FileKind.PDF).ocr_needed is False
    stamp_only = builders.pdf_text(["MẬT", "Trang 2"])
    assert extract_text(stamp_only, FileKind.PDF).ocr_needed is True


def test_pdf_with_an_owner_password_only_is_read() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(builders.pdf_text([PAGE_ONE])))
    writer.encrypt(user_password="", owner_password="chu", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert "Quyết định" in extract_text(out.getvalue(), FileKind.PDF).text


def test_pdf_with_a_user_password_fails() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="mat-khau", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ExtractionFailed):
        extract_text(out.getvalue(), FileKind.PDF)


def test_garbage_pdf_fails() -> None:
    with pytest.raises(ExtractionFailed) as caught:
        extract_text(b"%PDF-1.7\n" + b"\x00" * 100, FileKind.PDF)
    assert "không tìm kiếm được" in caught.value.message


def test_image_has_no_text_layer() -> None:
    data = builders.image_bytes(Image.new("RGB", (10, 10)), "PNG")
    result = extract_text(data, FileKind.PNG)
    assert result.ocr_needed is True
    assert result.method == "image"


def test_docx_headers_body_and_layout() -> None:
    body = (
        '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        "<w:r><w:t>Điều 1.</w:t></w:r><w:r><w:tab/><w:t>Phê duyệt đề án</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Dòng một</w:t><w:br/><w:t>dòng hai</w:t></w:r></w:p>"
        "<w:p><w:r><w:delText>đã xoá</w:delText></w:r><w:r><w:t>giữ lại</w:t></w:r></w:p>"
        f'<w:p><w:r><mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="wps">'
        "<w:drawing><w:txbxContent><w:p><w:r><w:t>Hộp chữ</w:t></w:r></w:p></w:txbxContent>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r>"
        "<w:t>Hộp chữ</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Ô một</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Ô hai</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    footnotes = (
        f'<?xml version="1.0"?><w:footnotes {W}><w:footnote><w:p><w:r><w:t>Chú thích cuối'
        "</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    data = builders.docx(
        [], header="TỐI MẬT", body_xml=body, extra=[("word/footnotes.xml", footnotes)]
    )
    result = extract_text(data, FileKind.DOCX)
    assert result.method == "docx"
    assert result.ocr_needed is False
    assert result.pages == (result.text,)
    lines = result.text.split("\n")
    assert lines[0] == "TỐI MẬT"
    assert "Điều 1.\tPhê duyệt đề án" in lines
    assert "Dòng một" in lines
    assert "dòng hai" in lines
    assert "đã xoá" not in result.text
    assert "giữ lại" in lines
    assert result.text.count("Hộp chữ") == 1
    assert "Ô một" in lines
    assert "Ô hai" in lines
    assert lines[-1] == "Chú thích cuối"


def test_docx_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định điều chỉnh")
    result = extract_text(builders.docx([decomposed]), FileKind.DOCX)
    assert result.text == "Quyết định điều chỉnh"


def test_xlsx_sheets_in_workbook_order_with_shared_and_inline_values() -> None:
    data = builders.xlsx(
        {
            "Tổng hợp": [["Đơn vị", "Số phiếu"], ["Bộ Tài chính", 12], ["Bộ Tư pháp", 7]],
            "Ghi chú": [["Đề nghị bổ sung ý kiến"]],
        }
    )
    result = extract_text(data, FileKind.XLSX)
    assert result.method == "xlsx"
    assert result.text.split("\n") == [
        "Tổng hợp",
        "Đơn vị\tSố phiếu",
        "Bộ Tài chính\t12",
        "Bộ Tư pháp\t7",
        "",
        "Ghi chú",
        "Đề nghị bổ sung ý kiến",
    ]


def test_xlsx_inline_strings_booleans_and_phonetic_runs() -> None:
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{builders.S_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>Chuỗi trực tiếp</t></is></c>'
        '<c r="B1" t="b"><v>1</v></c><c r="C1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    strings = (
        f'<?xml version="1.0"?><sst xmlns="{builders.S_NS}"><si><r><t>Phần </t></r>'
        "<r><t>in đậm</t></r><rPh><t>phiên âm</t></rPh></si></sst>"
    )
    data = _replace(
        builders.xlsx({"Trang tính": [["x"]]}),
        {"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": strings},
    )
    text = extract_text(data, FileKind.XLSX).text
    assert "Chuỗi trực tiếp\tTRUE\tPhần in đậm" in text
    assert "phiên âm" not in text


def test_xlsx_shared_string_out_of_range_fails() -> None:
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{builders.S_NS}"><sheetData><row r="1">'
        '<c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>'
    )
    data = _replace(builders.xlsx({"A": [["x"]]}), {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(ExtractionFailed):
        extract_text(data, FileKind.XLSX)


def test_odt_header_heading_paragraphs_spaces_and_annotations() -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        f'xmlns:office="{builders.ODF_OFFICE}" xmlns:text="{builders.ODF_TEXT}" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:body><office:text>'
        '<text:h text:outline-level="1">ĐỀ ÁN</text:h>'
        '<text:p>Hai<text:s text:c="3"/>khoảng<text:tab/>cách<text:line-break/>xuống dòng</text:p>'
        "<text:p>Có <office:annotation><dc:creator>A</dc:creator><text:p>ghi chú riêng</text:p>"
        "</office:annotation>nhận xét</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    data = _replace(builders.odt(["x"], header="TUYỆT MẬT"), {"content.xml": content})
    result = extract_text(data, FileKind.ODT)
    assert result.method == "odt"
    assert result.text.split("\n") == [
        "TUYỆT MẬT",
        "",
        "ĐỀ ÁN",
        "Hai   khoảng\tcách",
        "xuống dòng",
        "Có nhận xét",
    ]


@pytest.mark.parametrize("kind", [FileKind.DOCX, FileKind.XLSX, FileKind.ODT])
def test_office_zip_bomb_fails(kind: FileKind) -> None:
    bomb = ("bom.bin", b"\x00" * (8 * 1024 * 1024))
    data = builders.zip_bytes([("[Content_Types].xml", "<Types/>"), bomb])
    with pytest.raises(ExtractionFailed):
        extract_text(data, kind)


def test_xml_with_entity_declarations_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "ha">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    for xml in (laughs, external):
        data = _replace(builders.docx(["x"]), {"word/document.xml": xml})
        with pytest.raises(ExtractionFailed) as caught:
            extract_text(data, FileKind.DOCX)
        assert "document type" in caught.value.detail


def test_malformed_xml_fails() -> None:
    data = builders.docx([], body_xml="<w:p><w:r><w:t>mở</w:r>")
    with pytest.raises(ExtractionFailed):
        extract_text(data, FileKind.DOCX)


def test_text_beyond_the_limit_is_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 50)
    result = extract_text(builders.docx(["Quyết định " * 20, "đoạn sau"]), FileKind.DOCX)
    assert result.truncated is True
    assert len(result.text) <= 50
    assert "đoạn sau" not in result.text
    pdf = extract_text(builders.pdf_text([PAGE_ONE, PAGE_TWO]), FileKind.PDF)
    assert pdf.truncated is True
    assert sum(len(page) for page in pdf.pages) <= 50


def test_normalize_text() -> None:
    raw = "a\r\nb\rc\x00d\u200be\u00ad\ff  \n\n\n\n" + unicodedata.normalize("NFD", "Việt")
    assert normalize_text(raw) == "a\nb\ncde\nf\n\nViệt"


def _replace(data: bytes, parts: dict[str, str]) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries: list[tuple[str, bytes | str]] = [
            (info.filename, parts.get(info.filename, archive.read(info)))
            for info in archive.infolist()
        ]
    return builders.zip_bytes(entries, stored_first=entries[0][0] == "mimetype")
