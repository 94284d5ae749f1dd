"""The classification gate: secret marks as stamps and headings, never the word in prose."""

from __future__ import annotations

import unicodedata

import pytest

from ecabinet.documents.content.classify import (
    SECRET_MARKS,
    secret_mark,
    secret_mark_in_metadata,
)

LETTER = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "{stamp}\n"
    "QUYẾT ĐỊNH\n"
    "Về việc phê duyệt đề án điều chỉnh quy hoạch\n"
    "Điều 1. Phê duyệt đề án kèm theo Quyết định này.\n"
)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        (LETTER.format(stamp="MẬT"), "MẬT"),
        (LETTER.format(stamp="TỐI MẬT"), "TỐI MẬT"),
        (LETTER.format(stamp="TUYỆT MẬT"), "TUYỆT MẬT"),
        (LETTER.format(stamp="- TUYỆT MẬT -"), "TUYỆT MẬT"),
        (LETTER.format(stamp="[MẬT]"), "MẬT"),
        (LETTER.format(stamp="┌─────┐\n│ MẬT │\n└─────┘"), "MẬT"),
        (LETTER.format(stamp="*** TỐI MẬT ***"), "TỐI MẬT"),
        (LETTER.format(stamp="ĐỘ MẬT: TỐI MẬT"), "TỐI MẬT"),
        (LETTER.format(stamp="Độ mật: Mật"), "MẬT"),
        (LETTER.format(stamp="“MẬT”"), "MẬT"),
        (LETTER.format(stamp="M Ậ T"), "MẬT"),
        (LETTER.format(stamp="T U Y Ệ T   M Ậ T"), "TUYỆT MẬT"),
        ("BỘ TÀI CHÍNH          TỐI MẬT\nSố: 12/BC-BTC\nBáo cáo tình hình", "TỐI MẬT"),
        ("UBND TỈNH\tMẬT\nTờ trình", "MẬT"),
        ("Trang đầu không có dấu.\n\fMẬT\nTrang hai", "MẬT"),
        (unicodedata.normalize("NFD", LETTER.format(stamp="TỐI MẬT")), "TỐI MẬT"),
        ("MẬT\nnội dung\nTUYỆT MẬT\nTỐI MẬT", "TUYỆT MẬT"),
        ("   MẬT   ", "MẬT"),
    ],
)
def test_stamped_marks_are_found(text: str, mark: str) -> None:
    assert secret_mark(text) == mark


@pytest.mark.parametrize(
    "text",
    [
        "Các cơ quan phải giữ bí mật thông tin trong quá trình xử lý hồ sơ.",
        "Đề nghị đổi mật khẩu định kỳ ba tháng một lần.",
        "Mật độ dân số của tỉnh tăng 2% so với năm trước.",
        "Sản lượng mật ong xuất khẩu đạt 50 nghìn tấn.",
        "bí mật",
        "mật",
        "Mật",
        "LUẬT BẢO VỆ BÍ MẬT NHÀ NƯỚC",
        "QUY CHẾ BẢO VỆ BÍ\nMẬT NHÀ NƯỚC",
        "QUY CHẾ BẢO VỆ BÍ\nMẬT",
        "MẬT KHẨU",
        "MẬT ĐỘ DÂN SỐ",
        "Độ mật: Thường",
        "ĐỘ MẬT",
        "MẬT 2024",
        "Báo cáo tình hình kinh tế - xã hội tháng 10, không có dấu chỉ độ mật.",
        "Cán bộ có trách nhiệm bảo vệ bí mật nhà nước theo quy định.",
        "MAT\nTOI MAT",
        "",
    ],
)
def test_the_word_in_prose_is_not_a_mark(text: str) -> None:
    assert secret_mark(text) is None


def test_header_cells_count_only_in_the_first_lines_of_a_page() -> None:
    filler = "\n".join(f"Dòng nội dung thứ {i} của báo cáo." for i in range(12))
    assert secret_mark(f"{filler}\nĐơn vị\t\tMẬT\n") is None
    assert secret_mark(f"Đơn vị\t\tMẬT\n{filler}") == "MẬT"
    # A page break starts a new page, with its own first lines.
    assert secret_mark(f"{filler}\fĐơn vị\t\tMẬT\n") == "MẬT"


def test_pages_can_be_given_as_a_list() -> None:
    pages = ["Trang một.\n" * 20, "BỘ NỘI VỤ      TỐI MẬT\nNội dung"]
    assert secret_mark(pages) == "TỐI MẬT"
    assert secret_mark("\n\n".join(pages)) is None


def test_marks_are_listed_strongest_first() -> None:
    assert SECRET_MARKS == ("TUYỆT MẬT", "TỐI MẬT", "MẬT")


@pytest.mark.parametrize(
    ("fields", "mark"),
    [
        (("MẬT",), "MẬT"),
        (("tối mật",), "TỐI MẬT"),
        (("Tuyệt mật",), "TUYỆT MẬT"),
        (("Độ mật: Tối mật",), "TỐI MẬT"),
        (("MẬT - Báo cáo tình hình an ninh",), "MẬT"),
        (("TỐI MẬT: Kế hoạch phòng thủ",), "TỐI MẬT"),
        (("(MẬT) Tờ trình về nhân sự",), "MẬT"),
        (("Báo cáo kết quả thanh tra (TUYỆT MẬT)",), "TUYỆT MẬT"),
        (("Tờ trình", "Tóm tắt", "[TỐI MẬT]"), "TỐI MẬT"),
        (("MẬT", "TUYỆT MẬT - phụ lục"), "TUYỆT MẬT"),
    ],
)
def test_metadata_marks(fields: tuple[str, ...], mark: str) -> None:
    assert secret_mark_in_metadata(*fields) == mark


@pytest.mark.parametrize(
    "fields",
    [
        ("Mật độ dân số vùng Tây Nguyên",),
        ("MẬT ĐỘ DÂN SỐ VÙNG TÂY NGUYÊN",),
        ("Quy định về quản lý mật khẩu",),
        ("Giữ bí mật thông tin khách hàng",),
        ("Độ mật: Thường", "Độ khẩn: Hỏa tốc"),
        ("Báo cáo mật ong xuất khẩu",),
        ("Quy chế bảo vệ bí mật nhà nước (sửa đổi)",),
        ("",),
        (),
        ("BÍ MẬT",),
    ],
)
def test_metadata_without_marks(fields: tuple[str, ...]) -> None:
    assert secret_mark_in_metadata(*fields) is None
