"""Decree 30 PDFs: render, sign (signer), number + seal (office), validate offline."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from datetime import date

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from weasyprint import HTML

from ecabinet.signatures.pdf.images import seal_png, signature_png
from ecabinet.signatures.pdf.layout import (
    DATE_FIELD,
    NUMBER_FIELD,
    ORG_FIELD,
    SIGNER_FIELD,
    Decree30Document,
    Section,
    decree_date_line,
    render_decree30_pdf,
)
from ecabinet.signatures.pdf.pades import (
    SigningRefused,
    TimestampUnavailable,
    seal_and_number,
    sign_as_signer,
    validate_pdf,
)
from ecabinet.signatures.tests.pki import TestPki, build_pki, make_root

SUMMARY = "Nghị quyết về việc điều chỉnh quy hoạch"
PARAGRAPH = (
    "Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội tiếp tục chuyển biến tích cực; "
    "các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương "
    "khẩn trương triển khai thực hiện, bảo đảm tiến độ và chất lượng."
)


def make_doc(articles: int = 3) -> Decree30Document:
    return Decree30Document(
        body_name="CHÍNH PHỦ",
        notation="NQ-CP",
        type_name="NGHỊ QUYẾT",
        summary=SUMMARY,
        place="Hà Nội",
        sections=[
            Section(heading=f"Điều {i}. Nội dung thứ {i}", paragraphs=[PARAGRAPH] * 3)
            for i in range(1, articles + 1)
        ],
        signer_authority="TM. CHÍNH PHỦ",
        signer_title="THỦ TƯỚNG",
        signer_name="Phạm Minh Chính",
        recipients=["Ban Bí thư Trung ương Đảng", "Các bộ, cơ quan ngang bộ", "Lưu: VT, TH"],
    )


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return build_pki()


@pytest.fixture(scope="module")
def draft() -> bytes:
    return render_decree30_pdf(make_doc())


@pytest.fixture(scope="module")
def sig_png() -> bytes:
    return signature_png("Phạm Minh Chính")


@pytest.fixture(scope="module")
def stamp_png() -> bytes:
    return seal_png("Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam")


@pytest.fixture(scope="module")
def signed(pki: TestPki, draft: bytes, sig_png: bytes) -> bytes:
    return sign_as_signer(
        draft, signer=pki.signer_signer(), timestamper=pki.timestamper(), signature_png=sig_png
    )


def _seal(pki: TestPki, pdf: bytes, stamp_png: bytes, number: str = "15") -> bytes:
    return seal_and_number(
        pdf,
        org_signer=pki.org_signer(),
        timestamper=pki.timestamper(),
        seal_png=stamp_png,
        number=number,
        date_text=decree_date_line("Hà Nội", date(2026, 1, 5)),
    )


@pytest.fixture(scope="module")
def sealed(pki: TestPki, signed: bytes, stamp_png: bytes) -> bytes:
    return _seal(pki, signed, stamp_png)


def _field_values(pdf: bytes) -> dict[str, object]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {
        str(ref.get_object()["/T"]): ref.get_object().get("/V")
        for ref in reader.root["/AcroForm"]["/Fields"]
    }


def _extract_text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return done.stdout.decode()
    pytest.skip("pdftotext (poppler-utils) is not installed")


# --- layout -----------------------------------------------------------------------------


def test_draft_has_every_field_before_any_signature(draft: bytes) -> None:
    values = _field_values(draft)
    assert set(values) == {NUMBER_FIELD, DATE_FIELD, SIGNER_FIELD, ORG_FIELD}
    assert not any(values.values())
    reader = PdfFileReader(io.BytesIO(draft))
    rects = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        rects[str(field["/T"])] = [float(v) for v in field["/Rect"]]
    sx1, sy1, sx2, sy2 = rects[SIGNER_FIELD]
    ox1, oy1, ox2, oy2 = rects[ORG_FIELD]
    # The seal covers the left third of the signer's box and overlaps it vertically.
    assert ox1 < sx1 < ox2
    assert ox2 == pytest.approx(sx1 + (sx2 - sx1) / 3, abs=1.5)
    assert oy1 < (sy1 + sy2) / 2 < oy2
    # The seal field comes after the signer's in the page's annotations: drawn on top.
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    annots = [str(a.get_object().get("/T")) for a in page["/Annots"]]
    if SIGNER_FIELD in annots:
        assert annots.index(ORG_FIELD) > annots.index(SIGNER_FIELD)


def test_page_is_a4(draft: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(draft))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    width, height = (float(v) for v in list(page["/MediaBox"])[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_vietnamese_text_is_extractable(sealed: bytes) -> None:
    text = _extract_text(sealed)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        SUMMARY,
        "Điều 1. Nội dung thứ 1",
        "TM. CHÍNH PHỦ",
        "Phạm Minh Chính",
        "Nơi nhận:",
        "/NQ-CP",
        "Hà Nội, ngày 05 tháng 01 năm 2026",
    ):
        assert expected in text, expected


# --- the two-step flow ------------------------------------------------------------------


def test_signer_then_office_both_valid(pki: TestPki, sealed: bytes) -> None:
    report = validate_pdf(sealed, trust_roots=[pki.root.asn1])
    assert report.ok, [s.summary for s in report.signatures]
    signer = report.by_field(SIGNER_FIELD)
    org = report.by_field(ORG_FIELD)
    assert (signer.intact, signer.valid, signer.trusted, signer.docmdp_ok) == (True,) * 4
    assert signer.modification_level == "FORM_FILLING"
    assert signer.certification
    assert signer.signer_name == "Phạm Minh Chính"
    assert (org.intact, org.valid, org.trusted, org.docmdp_ok) == (True,) * 4
    assert org.modification_level == "NONE"
    assert org.coverage == "ENTIRE_FILE"
    assert not org.certification
    assert org.timestamp_time is not None
    assert signer.timestamp_time is not None
    assert signer.timestamp_ok
    assert org.timestamp_ok
    values = _field_values(sealed)
    assert str(values[NUMBER_FIELD]) == "15"
    assert str(values[DATE_FIELD]) == "Hà Nội, ngày 05 tháng 01 năm 2026"


def test_number_and_date_are_read_only_after_sealing(sealed: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(sealed))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] in (NUMBER_FIELD, DATE_FIELD):
            assert int(field["/Ff"]) & 1
            assert "/N" in field["/AP"]


def test_signed_only_is_valid_before_sealing(pki: TestPki, signed: bytes) -> None:
    report = validate_pdf(signed, trust_roots=[pki.root.asn1])
    assert report.ok
    assert report.by_field(SIGNER_FIELD).modification_level == "NONE"


def _append_annotation(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject(map(generic.NumberObject, (100, 700, 300, 720))),
            pdf_name("/Contents"): generic.TextStringObject("Số: 99"),
            pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    page["/Annots"].append(writer.add_object(annot))
    writer.update_container(page["/Annots"])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_page_content(pdf: bytes) -> bytes:
    """Draw a new number on page 1 in an incremental update (what a forger would do)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 700 50 20 re f"))
    contents = page.raw_get("/Contents")
    if isinstance(contents, generic.ArrayObject):
        contents.append(extra)
    else:
        page["/Contents"] = generic.ArrayObject([contents, extra])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_annotation_after_signing_breaks_signer(pki: TestPki, signed: bytes) -> None:
    report = validate_pdf(_append_annotation(signed), trust_roots=[pki.root.asn1])
    signer = report.by_field(SIGNER_FIELD)
    assert signer.intact  # the signed bytes are untouched ...
    assert not signer.ok  # ... but the document was changed beyond form filling
    assert not report.ok


def test_page_content_after_signing_breaks_signer(pki: TestPki, signed: bytes) -> None:
    report = validate_pdf(_append_page_content(signed), trust_roots=[pki.root.asn1])
    signer = report.by_field(SIGNER_FIELD)
    assert signer.modification_level == "OTHER"
    assert not signer.ok
    assert not report.ok


def test_change_after_seal_breaks_both(pki: TestPki, sealed: bytes) -> None:
    report = validate_pdf(_append_annotation(sealed), trust_roots=[pki.root.asn1])
    assert not report.by_field(ORG_FIELD).ok
    assert not report.by_field(SIGNER_FIELD).ok
    assert not report.ok


def test_byte_flip_inside_signed_range_is_not_intact(pki: TestPki, sealed: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(sealed))
    sig = next(s for s in reader.embedded_signatures if s.field_name == SIGNER_FIELD)
    start, length = sig.byte_range[0], sig.byte_range[1]
    # A byte of the first page's content, well inside the signed range.
    position = sealed.index(b"stream", start + 200, start + length)
    data = bytearray(sealed)
    position += 20
    data[position] ^= 0x01
    report = validate_pdf(bytes(data), trust_roots=[pki.root.asn1])
    assert not report.ok
    if report.signatures:
        assert not report.by_field(SIGNER_FIELD).intact


def test_untrusted_root_is_not_trusted(sealed: bytes) -> None:
    other = make_root("Some Other Root")
    report = validate_pdf(sealed, trust_roots=[other.asn1])
    assert not report.ok
    assert all(s.intact and not s.trusted for s in report.signatures)


def test_unparseable_file_gives_a_failed_report(pki: TestPki) -> None:
    report = validate_pdf(b"not a pdf", trust_roots=[pki.root.asn1])
    assert not report.ok
    assert report.error


# --- refusals ---------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_tsa_refuses_signing(pki: TestPki, draft: bytes, sig_png: bytes) -> None:
    dead = HTTPTimeStamper(f"http://127.0.0.1:{_closed_port()}/tsa", timeout=2)
    with pytest.raises(TimestampUnavailable):
        sign_as_signer(draft, signer=pki.signer_signer(), timestamper=dead, signature_png=sig_png)


def test_unreachable_tsa_refuses_sealing(pki: TestPki, signed: bytes, stamp_png: bytes) -> None:
    dead = HTTPTimeStamper(f"http://127.0.0.1:{_closed_port()}/tsa", timeout=2)
    with pytest.raises(TimestampUnavailable):
        seal_and_number(
            signed,
            org_signer=pki.org_signer(),
            timestamper=dead,
            seal_png=stamp_png,
            number="15",
            date_text="Hà Nội, ngày 05 tháng 01 năm 2026",
        )


def test_seal_before_signer_is_refused(pki: TestPki, draft: bytes, stamp_png: bytes) -> None:
    with pytest.raises(SigningRefused):
        _seal(pki, draft, stamp_png)


def test_second_seal_is_refused(pki: TestPki, sealed: bytes, stamp_png: bytes) -> None:
    with pytest.raises(SigningRefused):
        _seal(pki, sealed, stamp_png)


def test_signing_twice_is_refused(pki: TestPki, signed: bytes, sig_png: bytes) -> None:
    with pytest.raises(SigningRefused):
        sign_as_signer(
            signed, signer=pki.signer_signer(), timestamper=pki.timestamper(), signature_png=sig_png
        )


@pytest.mark.parametrize("number", ["5", "", "15/NQ-CP", "1a"])
def test_bad_numbers_are_refused(
    pki: TestPki, signed: bytes, stamp_png: bytes, number: str
) -> None:
    with pytest.raises(SigningRefused):
        _seal(pki, signed, stamp_png, number=number)


def test_pdf_without_decree_fields_is_refused(pki: TestPki, sig_png: bytes) -> None:
    plain = HTML(string="<p>Công văn không có trường ký</p>").write_pdf()
    assert isinstance(plain, bytes)
    with pytest.raises(SigningRefused):
        sign_as_signer(
            plain,
            signer=pki.signer_signer(),
            timestamper=pki.timestamper(),
            signature_png=sig_png,
        )


def test_non_png_image_is_refused(pki: TestPki, draft: bytes) -> None:
    with pytest.raises(SigningRefused):
        sign_as_signer(
            draft,
            signer=pki.signer_signer(),
            timestamper=pki.timestamper(),
            signature_png=b"GIF89a-not-really",
        )


# --- a long document, with timings -------------------------------------------------------


def test_ten_pages_render_sign_and_seal(
    pki: TestPki, sig_png: bytes, stamp_png: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    t0 = time.perf_counter()
    pdf = render_decree30_pdf(make_doc(articles=36))
    t1 = time.perf_counter()
    pages = int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])
    assert pages >= 10
    signed = sign_as_signer(
        pdf, signer=pki.signer_signer(), timestamper=pki.timestamper(), signature_png=sig_png
    )
    t2 = time.perf_counter()
    sealed = _seal(pki, signed, stamp_png, number="01")
    t3 = time.perf_counter()
    report = validate_pdf(sealed, trust_roots=[pki.root.asn1])
    t4 = time.perf_counter()
    assert report.ok
    assert report.by_field(SIGNER_FIELD).modification_level == "FORM_FILLING"
    with capsys.disabled():
        print(
            f"\n{pages} pages, {len(sealed) // 1024} KiB: render {t1 - t0:.3f}s, "
            f"sign {t2 - t1:.3f}s, number+seal {t3 - t2:.3f}s, validate {t4 - t3:.3f}s"
        )
