"""The resolution PDF: Decree 30 parts, open number and date, the Chair's signature, the seal."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from ecabinet.resolutions.pdf import (
    ResolutionContent,
    ResolutionSection,
    render_resolution_pdf,
    resolution_document,
)
from ecabinet.signatures.pdf.images import seal_png, signature_png
from ecabinet.signatures.pdf.layout import (
    DATE_FIELD,
    NUMBER_FIELD,
    ORG_FIELD,
    SIGNER_FIELD,
    decree_date_line,
)
from ecabinet.signatures.pdf.pades import (
    SigningRefused,
    seal_and_number,
    sign_as_signer,
    validate_pdf,
)
from ecabinet.signatures.tests.pki import TestPki, build_pki

SUMMARY = "Phiên họp Chính phủ thường kỳ tháng 5 năm 2026"
PREAMBLE = (
    "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;",
    "Căn cứ Nghị định số 39/2022/NĐ-CP ngày 18 tháng 6 năm 2022 của Chính phủ ban hành "
    "Quy chế làm việc của Chính phủ;",
    "Trên cơ sở thảo luận của các Thành viên Chính phủ và kết luận của Thủ tướng Chính phủ "
    "tại phiên họp Chính phủ thường kỳ tháng 5 năm 2026.",
)
SECTIONS = (
    ResolutionSection(
        heading="1. Về tình hình kinh tế - xã hội tháng 5 năm 2026",
        paragraphs=(
            "Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội tiếp tục chuyển biến "
            "tích cực, kinh tế vĩ mô ổn định, lạm phát được kiểm soát.",
            "Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung "
            "ương khẩn trương triển khai thực hiện, bảo đảm tiến độ và chất lượng.",
        ),
    ),
    ResolutionSection(
        heading="2. Về Đề án điều chỉnh quy hoạch tổng thể",
        paragraphs=("Chính phủ thông qua Đề án; giao Bộ Tài chính & Bộ Xây dựng hoàn thiện.",),
    ),
)
RECIPIENTS = (
    "Ban Bí thư Trung ương Đảng",
    "Thủ tướng, các Phó Thủ tướng Chính phủ",
    "Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ",
    "Lưu: VT, TH",
)


def make_content(**changes: object) -> ResolutionContent:
    content = ResolutionContent(
        body_name="CHÍNH PHỦ",
        notation="NQ-CP",
        place="Hà Nội",
        summary=SUMMARY,
        preamble=PREAMBLE,
        sections=SECTIONS,
        signer_competence="TM. CHÍNH PHỦ",
        signer_position="THỦ TƯỚNG",
        signer_name="Phạm Minh Chính",
        recipients=RECIPIENTS,
    )
    return replace(content, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def draft() -> bytes:
    return render_resolution_pdf(make_content())


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return build_pki()


@pytest.fixture(scope="module")
def signed(pki: TestPki, draft: bytes) -> bytes:
    """The Chair's signature, before any number exists."""
    return sign_as_signer(
        draft,
        signer=pki.signer_signer(),
        timestamper=pki.timestamper(),
        signature_png=signature_png("Phạm Minh Chính"),
    )


@pytest.fixture(scope="module")
def sealed(pki: TestPki, signed: bytes) -> bytes:
    """Issuance: number 85 of the "NQ-CP" sequence, the date, the Government's seal."""
    return seal_and_number(
        signed,
        org_signer=pki.org_signer(),
        timestamper=pki.timestamper(),
        seal_png=seal_png("Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam"),
        number="85",
        date_text=decree_date_line("Hà Nội", date(2026, 6, 5)),
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _one_line(text: str) -> str:
    """Lines broken by the page width joined again, to find a paragraph's whole text."""
    return " ".join(text.split())


def _fonts_of(pdf: bytes, start: str) -> set[str]:
    """Fonts of the text runs starting with ``start`` on the first page."""
    fonts: set[str] = set()

    def visit(
        text: str, _cm: object, _tm: object, font: dict[str, object] | None, _s: float
    ) -> None:
        if text.strip().startswith(start) and font is not None:
            fonts.add(str(font.get("/BaseFont")))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return fonts


def _fields(pdf: bytes) -> dict[str, object]:
    fields = PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return {name: f.get("/V") for name, f in fields.items()}


# --- the page -------------------------------------------------------------------------------


def test_draft_prints_every_part_of_a_decree_30_resolution(draft: bytes) -> None:
    text = _text(draft)
    joined = _one_line(text)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",  # Quốc hiệu
        "Độc lập - Tự do - Hạnh phúc",  # Tiêu ngữ
        "CHÍNH PHỦ",
        "Số:",
        "/NQ-CP",
        "NGHỊ QUYẾT",
        SUMMARY,
        "QUYẾT NGHỊ:",
        "1. Về tình hình kinh tế - xã hội tháng 5 năm 2026",
        "2. Về Đề án điều chỉnh quy hoạch tổng thể",
        "TM. CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "Phạm Minh Chính",
        "Nơi nhận:",
    ):
        assert expected in text, expected
    for line in (*PREAMBLE, *SECTIONS[0].paragraphs, *SECTIONS[1].paragraphs):
        assert line in joined, line
    # Recipients: "- x;" each, the last one ending with a full stop.
    for recipient in RECIPIENTS[:-1]:
        assert f"- {recipient};" in joined
    assert f"- {RECIPIENTS[-1]}." in joined


def test_parts_come_in_the_decree_order(draft: bytes) -> None:
    text = _one_line(_text(draft))
    order = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "NGHỊ QUYẾT",
        SUMMARY,
        PREAMBLE[0],
        "QUYẾT NGHỊ:",
        SECTIONS[0].heading,
        SECTIONS[1].heading,
        "Nơi nhận:",
        "TM. CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "Phạm Minh Chính",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_parent_body_is_printed_above_the_body() -> None:
    pdf = render_resolution_pdf(
        make_content(
            parent="Ủy ban nhân dân tỉnh Thử nghiệm",
            body_name="Sở Kế hoạch và Đầu tư",
            notation="NQ-SKHĐT",
        )
    )
    text = _one_line(_text(pdf))
    assert text.index("ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM") < text.index("SỞ KẾ HOẠCH VÀ ĐẦU TƯ")
    assert "/NQ-SKHĐT" in text


def test_legal_bases_are_italic_and_the_sections_are_not(draft: bytes) -> None:
    """Decree 30, Appendix I: the legal bases are set in italic."""
    assert all("Italic" in font for font in _fonts_of(draft, "Căn cứ Luật"))
    assert _fonts_of(draft, "Căn cứ Luật")
    body_fonts = _fonts_of(draft, "Chính phủ thống nhất")
    assert body_fonts
    assert not any("Italic" in font for font in body_fonts)


def test_without_preamble_the_enacting_lines_can_be_left_out() -> None:
    document = resolution_document(make_content(preamble=(), enacting_formula=""))
    assert (document.enacting_body, document.enacting_formula, tuple(document.preamble)) == (
        "",
        "",
        (),
    )
    text = _text(render_resolution_pdf(make_content(preamble=(), enacting_formula="")))
    assert "QUYẾT NGHỊ" not in text
    assert text.count("CHÍNH PHỦ") == 2  # the issuing body and "TM. CHÍNH PHỦ"


def test_enacting_body_defaults_to_the_body() -> None:
    assert resolution_document(make_content()).enacting_body == "CHÍNH PHỦ"
    other = resolution_document(make_content(enacting_body="Ủy ban nhân dân tỉnh X"))
    assert other.enacting_body == "Ủy ban nhân dân tỉnh X"


def test_markup_in_the_content_is_printed_as_text() -> None:
    pdf = render_resolution_pdf(
        make_content(
            sections=(ResolutionSection(heading="Điều 1. <b>Thử</b>", paragraphs=("a < b & c",)),)
        )
    )
    text = _text(pdf)
    assert "Điều 1. <b>Thử</b>" in text
    assert "a < b & c" in text


def test_long_resolution_runs_over_pages_with_one_signature_block() -> None:
    sections = tuple(
        ResolutionSection(heading=f"{n}. Nội dung thứ {n}", paragraphs=SECTIONS[0].paragraphs * 3)
        for n in range(1, 16)
    )
    pdf = render_resolution_pdf(make_content(sections=sections))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    assert set(_fields(pdf)) == {NUMBER_FIELD, DATE_FIELD, SIGNER_FIELD, ORG_FIELD}
    last = reader.pages[-1].extract_text()
    assert "Phạm Minh Chính" in last
    assert "15. Nội dung thứ 15" in _text(pdf)


# --- the content's rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"summary": " "},
        {"body_name": ""},
        {"notation": ""},
        {"signer_name": ""},
        {"place": ""},
        {"sections": ()},
    ],
)
def test_incomplete_content_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="a resolution needs"):
        make_content(**changes)


def test_notation_without_the_number() -> None:
    with pytest.raises(ValueError, match="notation"):
        make_content(notation="85/NQ-CP")


def test_a_lone_string_is_not_a_list_of_lines() -> None:
    with pytest.raises(TypeError):
        make_content(recipients="Lưu: VT")


def test_empty_section_is_refused() -> None:
    with pytest.raises(ValueError, match="heading or a paragraph"):
        ResolutionSection(heading=" ", paragraphs=("", " "))


def test_content_is_frozen_and_normalised() -> None:
    content = make_content(recipients=["Lưu: VT ", " "], summary=f"  {SUMMARY} ")
    assert content.recipients == ("Lưu: VT",)
    assert content.summary == SUMMARY
    assert hash(content.sections[0]) is not None
    with pytest.raises(AttributeError):
        content.summary = "khác"  # type: ignore[misc]


# --- number and date stay open; the Chair signs, the office numbers and seals ---------------


def test_number_date_and_both_signature_fields_exist_empty(draft: bytes) -> None:
    values = _fields(draft)
    assert set(values) == {NUMBER_FIELD, DATE_FIELD, SIGNER_FIELD, ORG_FIELD}
    assert not any(values.values())


def test_chair_signs_before_the_number_exists(pki: TestPki, signed: bytes) -> None:
    values = _fields(signed)
    assert not values[NUMBER_FIELD]
    assert not values[DATE_FIELD]
    assert not values[ORG_FIELD]
    assert values[SIGNER_FIELD]
    report = validate_pdf(signed, trust_roots=[pki.root.asn1])
    assert report.ok, [s.summary for s in report.signatures]
    chair = report.by_field(SIGNER_FIELD)
    assert chair.signer_name == "Phạm Minh Chính"
    assert chair.certification


def test_numbered_and_sealed_resolution_keeps_both_signatures_valid(
    pki: TestPki, sealed: bytes
) -> None:
    report = validate_pdf(sealed, trust_roots=[pki.root.asn1])
    assert report.ok, [s.summary for s in report.signatures]
    chair = report.by_field(SIGNER_FIELD)
    seal = report.by_field(ORG_FIELD)
    assert (chair.intact, chair.valid, chair.trusted, chair.docmdp_ok) == (True,) * 4
    assert chair.modification_level == "FORM_FILLING"
    assert chair.timestamp_ok
    assert (seal.intact, seal.valid, seal.trusted, seal.docmdp_ok) == (True,) * 4
    assert seal.modification_level == "NONE"
    assert seal.coverage == "ENTIRE_FILE"
    assert seal.timestamp_ok
    values = _fields(sealed)
    assert str(values[NUMBER_FIELD]) == "85"
    assert str(values[DATE_FIELD]) == "Hà Nội, ngày 05 tháng 6 năm 2026"
    # The page prints "Số: " + the field + "/NQ-CP": together "Số: 85/NQ-CP".
    assert "/NQ-CP" in _text(sealed)


def test_number_below_ten_is_sealed_with_its_leading_zero(pki: TestPki, signed: bytes) -> None:
    sealed = seal_and_number(
        signed,
        org_signer=pki.org_signer(),
        timestamper=pki.timestamper(),
        seal_png=seal_png("Chính phủ"),
        number="01",
        date_text=decree_date_line("Hà Nội", date(2026, 1, 1)),
    )
    assert str(_fields(sealed)[NUMBER_FIELD]) == "01"
    assert validate_pdf(sealed, trust_roots=[pki.root.asn1]).ok


def test_sealing_twice_is_refused(pki: TestPki, sealed: bytes) -> None:
    with pytest.raises(SigningRefused):
        seal_and_number(
            sealed,
            org_signer=pki.org_signer(),
            timestamper=pki.timestamper(),
            seal_png=seal_png("Chính phủ"),
            number="86",
            date_text=decree_date_line("Hà Nội", date(2026, 6, 5)),
        )


def test_sealing_an_unsigned_draft_is_refused(pki: TestPki, draft: bytes) -> None:
    with pytest.raises(SigningRefused):
        seal_and_number(
            draft,
            org_signer=pki.org_signer(),
            timestamper=pki.timestamper(),
            seal_png=seal_png("Chính phủ"),
            number="85",
            date_text=decree_date_line("Hà Nội", date(2026, 6, 5)),
        )
