"""The Vietnamese search test set: query → expected document, on the running database shape.

Covers tone marks, letters with two marks, đ, tone-placement variants (uỷ/ủy, hoả/hỏa,
thuỷ/thủy, hoà/hòa), upper case, phrases, numbers and notations, and personal names. Where
``first`` is set, the expected document must also rank first (exact diacritics first).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ecabinet.search.services import IndexEntry, SearchScope, search_index_many, search_query

SCOPE = SearchScope(body_ids=frozenset({1}))

CORPUS: dict[str, tuple[str, str]] = {
    # ref: (title, text)
    "quy-hoach": (
        "Quyết định điều chỉnh quy hoạch",
        "Quyết định về việc điều chỉnh quy hoạch sử dụng đất của tỉnh Thanh Hóa.",
    ),
    "de-an": (
        "Đề án phát triển nguồn nhân lực",
        "Đề án phát triển nguồn nhân lực chất lượng cao giai đoạn 2021-2025.",
    ),
    "uy-ban-cu": ("Báo cáo của tỉnh", "Ủy ban nhân dân tỉnh Quảng Ninh báo cáo tình hình."),
    "uy-ban-moi": ("Văn bản phối hợp", "Uỷ ban Dân tộc đề nghị các bộ phối hợp thực hiện."),
    "ban-do": ("Bản đồ hành chính", "Bản đồ hành chính mới được cập nhật; bản sao gửi các sở."),
    "ban-giao": ("Tài sản công", "Họp bàn kế hoạch bàn giao tài sản công cho địa phương."),
    "phieu": (
        "Phiếu lấy ý kiến",
        "Phiếu lấy ý kiến thành viên Chính phủ về dự thảo nghị định.",
    ),
    "cong-viec": ("Chương trình công tác", "Danh mục công việc trọng tâm của Chính phủ tháng 5."),
    "huong": (
        "Kết luận cuộc họp",
        "Đồng chí Nguyễn Thị Thanh Hương, Phó Chủ tịch, chủ trì cuộc họp.",
    ),
    "huong-nhieu": (
        "Danh sách đại biểu",
        "Ông Nguyễn Văn Hưởng và bà Trần Thị Thanh trình bày ý kiến.",
    ),
    "pccc": ("Phòng cháy", "Công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ."),
    "hoa-hoan-cu": ("Mùa khô", "Nguy cơ hỏa hoạn trong mùa khô; bảo vệ công trình thủy lợi."),
    "hoa-hoan-moi": (
        "Nội đồng",
        "Phòng chống hoả hoạn; hệ thống thuỷ lợi nội đồng; hoà giải ở cơ sở.",
    ),
    "hoa-giai": ("Luật", "Triển khai Luật Hòa giải ở cơ sở."),
    "quyet-toan": ("Ngân sách", "Báo cáo quyết toán ngân sách nhà nước năm 2023."),
    "duong": ("Giao thông", "Nâng cấp đường giao thông nông thôn."),
    "binh-duong": ("Đề xuất", "Tỉnh Bình Dương đề xuất bổ sung vốn."),
    "duong-nhiem": ("Phát biểu", "Bộ trưởng đương nhiệm phát biểu tại hội nghị."),
    "khuyu": ("Đê điều", "Đoạn đê bị sạt lở tại khúc khuỷu sông."),
    "nguoi-dan": ("Hỗ trợ", "Người dân được hỗ trợ kịp thời."),
    "chinh-sach": ("Lịch sử", "Chính sách của phủ Chủ tịch thời kỳ đầu."),
    "thong-tu": ("Hướng dẫn", "Thông tư số 05/2020/TT-BTC hướng dẫn thu phí."),
    "hoa": ("Tiêu đề in hoa", "QUYẾT ĐỊNH THÀNH LẬP BAN CHỈ ĐẠO PHÒNG, CHỐNG DỊCH."),
    "dien-bien": ("Hạ tầng", "Mở rộng sân bay Điện Biên."),
    "dak-lak": ("Cà phê", "Tỉnh Đắk Lắk tái canh cà phê."),
    "thuy-cu": ("Khen thưởng", "Tặng bằng khen bà Lê Thị Thủy."),
    "thuy-moi": ("Khen thưởng", "Tặng bằng khen bà Lê Thị Thuỷ."),
    "quang-ngai": ("Biển đảo", "Huyện đảo Lý Sơn, tỉnh Quảng Ngãi."),
    "cai-cach": ("Cải cách", "Đẩy mạnh cải cách thủ tục hành chính."),
    "nghieng": ("Cây xanh", "Cây nghiêng sau bão được xử lý."),
}


@dataclass(frozen=True)
class Case:
    query: str
    expected: str
    first: bool = False  # must rank first
    exact: bool | None = None  # the hit's ``exact`` flag, when it matters


CASES = [
    # Typing without diacritics finds text with them.
    Case("dieu chinh", "quy-hoach", first=True),
    Case("de an", "de-an", first=True),
    Case("quyet dinh", "quy-hoach"),
    Case("quyet dinh", "hoa"),
    Case("Quyết định", "hoa"),  # upper-case text
    Case("QUYẾT ĐỊNH THÀNH LẬP", "hoa", first=True),
    # Letters with two marks.
    Case("viec", "cong-viec"),
    Case("việc", "cong-viec"),
    Case("phieu", "phieu", first=True),
    Case("phiếu lấy ý kiến", "phieu", first=True, exact=True),
    Case("nguoi dan", "nguoi-dan", first=True),
    Case("nghiêng", "nghieng", first=True, exact=True),
    Case("quyết toán", "quyet-toan", first=True),
    # đ
    Case("duong", "duong"),
    Case("duong", "binh-duong"),
    Case("duong", "duong-nhiem"),
    Case("đường giao thông", "duong", first=True),
    Case("đương nhiệm", "duong-nhiem", first=True, exact=True),
    Case("đê", "khuyu", first=True, exact=True),
    Case("dak lak", "dak-lak", first=True),
    Case("Điện Biên", "dien-bien", first=True),
    # Tone-placement variants: every spelling finds both, both count as exact.
    Case("uy ban", "uy-ban-cu"),
    Case("uy ban", "uy-ban-moi"),
    Case("ủy ban", "uy-ban-moi", exact=True),
    Case("uỷ ban", "uy-ban-cu", exact=True),
    Case("hỏa hoạn", "hoa-hoan-moi", exact=True),
    Case("hoả hoạn", "hoa-hoan-cu", exact=True),
    Case("thủy lợi", "hoa-hoan-moi", exact=True),
    Case("thuy loi", "hoa-hoan-cu"),
    Case("hoà giải", "hoa-giai", exact=True),
    Case("hòa giải", "hoa-hoan-moi", exact=True),
    Case("Thuỷ", "thuy-cu", exact=True),
    Case("Thủy", "thuy-moi", exact=True),
    # Exact diacritics rank first: "bản" above "bàn", and the other way round.
    Case("bản", "ban-do", first=True, exact=True),
    Case("bản", "ban-giao", exact=False),
    Case("bàn", "ban-giao", first=True, exact=True),
    Case("khuỷu", "khuyu", first=True, exact=True),
    Case("khuyu", "khuyu", first=True),
    # Phrases.
    Case('"chính phủ"', "phieu"),
    Case('"chính phủ"', "cong-viec"),
    Case("chính phủ", "chinh-sach"),
    Case('"phòng cháy, chữa cháy"', "pccc", first=True),
    Case('"cai cach thu tuc hanh chinh"', "cai-cach", first=True),
    # Names.
    Case("Nguyễn Thị Thanh Hương", "huong", first=True, exact=True),
    Case("Nguyễn Thị Thanh Hương", "huong-nhieu", exact=False),
    Case('"Nguyễn Thị Thanh Hương"', "huong", first=True),
    Case("nguyen thi thanh huong", "huong"),
    Case("Lê Thị Thủy", "thuy-cu", exact=True),
    # Numbers and notations.
    Case("05/2020", "thong-tu", first=True),
    Case("TT-BTC", "thong-tu", first=True),
    Case("quang ngai", "quang-ngai", first=True),
]

NOT_FOUND = [
    ('"chính phủ"', "chinh-sach"),
    ('"Nguyễn Thị Thanh Hương"', "huong-nhieu"),
    ("đường giao thông", "binh-duong"),
    ("bàn", "quy-hoach"),
]


@pytest.fixture
def corpus(db: None) -> None:
    search_index_many(
        IndexEntry(ref=ref, kind="document", title=title, text=text, body_id=1)
        for ref, (title, text) in CORPUS.items()
    )
    # The same texts in another body must never show up.
    search_index_many(
        IndexEntry(ref=f"other:{ref}", kind="document", title=title, text=text, body_id=2)
        for ref, (title, text) in CORPUS.items()
    )


def test_the_set_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.query for c in CASES}) >= 30


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.query}->{c.expected}")
def test_query_finds_expected_document(case: Case) -> None:
    page = search_query(case.query, scope=SCOPE, limit=50)
    found = [hit.ref for hit in page.hits]
    assert case.expected in found, found
    assert not any(ref.startswith("other:") for ref in found)
    assert page.total == len(found)
    hit = page.hits[found.index(case.expected)]
    if case.first:
        assert found[0] == case.expected, found
    if case.exact is not None:
        assert hit.exact is case.exact
    if page.exact_ranking:  # every exact hit comes before every other hit
        flags = [h.exact for h in page.hits]
        assert flags == sorted(flags, reverse=True), flags


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(("query", "absent"), NOT_FOUND)
def test_query_does_not_find(query: str, absent: str) -> None:
    found = [hit.ref for hit in search_query(query, scope=SCOPE, limit=50).hits]
    assert absent not in found
