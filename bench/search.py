"""Benchmark search: index a generated corpus of Vietnamese administrative documents, then time
200 mixed queries (p50/p95/p99) on SQLite and on PostgreSQL.

Target (issue): p95 < 50 ms on SQLite for 100,000 documents; PostgreSQL at least as good.

Run:      .venv/bin/python bench/search.py [--documents 100000] [--queries 200] [--shape both]
Quick:    .venv/bin/python bench/search.py --documents 2000
The corpus is generated from a word list of administrative vocabulary with a fixed seed, so
every run indexes the same documents and asks the same queries. SQLite runs in a temporary
directory; PostgreSQL gets a database of its own (default ``ecabinet_bench_search``, created
and dropped; --keep leaves it). Client and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_URL = "postgres://postgres@127.0.0.1:5432/ecabinet_bench_search"

# --- Vocabulary -------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split("|") if w.strip()]


DOC_TYPES = _words(
    "Quyết định | Nghị quyết | Nghị định | Thông tư | Công văn | Tờ trình | Báo cáo | "
    "Kế hoạch | Chỉ thị | Thông báo | Đề án | Biên bản"
)
NOTATIONS = _words(
    "QĐ-TTg | NQ-CP | NĐ-CP | TT-BTC | BC-VPCP | TTr-BKHĐT | KH-UBND | CT-TTg | TB-VPCP | "
    "QĐ-UBND | CV-BNV | BB-HĐND"
)
AGENCIES = _words(
    "Bộ Tài chính | Bộ Kế hoạch và Đầu tư | Bộ Tư pháp | Bộ Nội vụ | Bộ Công Thương | "
    "Bộ Nông nghiệp và Phát triển nông thôn | Bộ Giáo dục và Đào tạo | Bộ Y tế | "
    "Bộ Giao thông vận tải | Bộ Xây dựng | Bộ Tài nguyên và Môi trường | "
    "Bộ Thông tin và Truyền thông | Bộ Lao động - Thương binh và Xã hội | "
    "Bộ Văn hóa, Thể thao và Du lịch | Bộ Khoa học và Công nghệ | Bộ Ngoại giao | "
    "Ngân hàng Nhà nước Việt Nam | Thanh tra Chính phủ | Văn phòng Chính phủ | "
    "Ủy ban Dân tộc | Kiểm toán nhà nước | Sở Kế hoạch và Đầu tư | Sở Tài chính | Sở Nội vụ | "
    "Sở Giao thông vận tải | Sở Tài nguyên và Môi trường | Ủy ban nhân dân huyện | "
    "Hội đồng nhân dân tỉnh | Ban Quản lý dự án | Cục Thống kê"
)
PROVINCES = _words(
    "Hà Nội | Thành phố Hồ Chí Minh | Hải Phòng | Đà Nẵng | Cần Thơ | An Giang | "
    "Bà Rịa - Vũng Tàu | Bắc Giang | Bắc Kạn | Bạc Liêu | Bắc Ninh | Bến Tre | Bình Định | "
    "Bình Dương | Bình Phước | Bình Thuận | Cà Mau | Cao Bằng | Đắk Lắk | Đắk Nông | "
    "Điện Biên | Đồng Nai | Đồng Tháp | Gia Lai | Hà Giang | Hà Nam | Hà Tĩnh | Hải Dương | "
    "Hậu Giang | Hòa Bình | Hưng Yên | Khánh Hòa | Kiên Giang | Kon Tum | Lai Châu | "
    "Lâm Đồng | Lạng Sơn | Lào Cai | Long An | Nam Định | Nghệ An | Ninh Bình | Ninh Thuận | "
    "Phú Thọ | Phú Yên | Quảng Bình | Quảng Nam | Quảng Ngãi | Quảng Ninh | Quảng Trị | "
    "Sóc Trăng | Sơn La | Tây Ninh | Thái Bình | Thái Nguyên | Thanh Hóa | Thừa Thiên Huế | "
    "Tiền Giang | Trà Vinh | Tuyên Quang | Vĩnh Long | Vĩnh Phúc | Yên Bái"
)
SUBJECTS = _words(
    "đầu tư công | giải ngân vốn đầu tư công | cải cách thủ tục hành chính | chuyển đổi số | "
    "phòng, chống thiên tai | quản lý đất đai | xây dựng nông thôn mới | bảo hiểm xã hội | "
    "thu ngân sách nhà nước | điều chỉnh quy hoạch | đề án phát triển nguồn nhân lực | "
    "an toàn giao thông | phòng cháy, chữa cháy | hạ tầng giao thông | công trình thủy lợi | "
    "hòa giải ở cơ sở | khắc phục hậu quả bão lũ | tinh giản biên chế | "
    "kiểm soát thủ tục hành chính | phát triển kinh tế - xã hội | bảo vệ môi trường | "
    "y tế cơ sở | giáo dục phổ thông | phòng, chống tham nhũng | thực hành tiết kiệm | "
    "chống lãng phí | sắp xếp đơn vị hành chính | dịch vụ công trực tuyến | "
    "cơ sở dữ liệu quốc gia về dân cư | vốn vay ưu đãi | giảm nghèo bền vững | nhà ở xã hội | "
    "quy hoạch tỉnh | phát triển du lịch | xuất khẩu nông sản | an ninh lương thực | "
    "biến đổi khí hậu | hợp tác quốc tế | thi đua, khen thưởng | tổ chức bộ máy | "
    "đánh giá cán bộ, công chức | quản lý thị trường | an toàn thực phẩm | "
    "tiêm chủng mở rộng | hỗ trợ doanh nghiệp nhỏ và vừa | đấu thầu mua sắm công | "
    "quản lý tài sản công | điều hành giá | phân cấp, phân quyền | kiểm tra, giám sát"
)
VERBS = _words(
    "chủ trì, phối hợp với | khẩn trương hoàn thiện | tổ chức triển khai | rà soát | "
    "hướng dẫn | kiểm tra, đôn đốc | tổng hợp | đề xuất | thẩm định | phê duyệt | ban hành | "
    "sửa đổi, bổ sung | điều chỉnh | báo cáo Thủ tướng Chính phủ về | "
    "trình Chính phủ xem xét | tiếp thu, giải trình | đánh giá kết quả thực hiện | "
    "bố trí đủ nguồn lực cho | tăng cường công tác | chỉ đạo quyết liệt việc | "
    "quán triệt và thực hiện nghiêm | theo dõi, tổng hợp tình hình"
)
COMPLEMENTS = _words(
    "theo đúng quy định của pháp luật | bảo đảm tiến độ, chất lượng và hiệu quả | "
    "không để xảy ra tình trạng chậm trễ | báo cáo kết quả trước ngày {d} tháng {m} năm {y} | "
    "trong quý {q} năm {y} | gửi Bộ Kế hoạch và Đầu tư tổng hợp | "
    "trình cấp có thẩm quyền phê duyệt | công khai, minh bạch | bảo đảm công bằng, hợp lý | "
    "phù hợp với điều kiện thực tế của địa phương | theo chức năng, nhiệm vụ được giao | "
    "kịp thời tháo gỡ khó khăn, vướng mắc | tránh chồng chéo, trùng lặp | "
    "góp phần thúc đẩy tăng trưởng | tạo chuyển biến rõ nét | đúng thẩm quyền"
)
CONNECTORS = _words(
    "Đồng thời, | Bên cạnh đó, | Trên cơ sở đó, | Theo đó, | Ngoài ra, | Tuy nhiên, | "
    "Để bảo đảm thực hiện, | Căn cứ kết quả rà soát, | Về nguyên tắc, | Trong thời gian tới,"
)
OPENINGS = _words(
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015; | "
    "Căn cứ Luật Ban hành văn bản quy phạm pháp luật; | "
    "Xét đề nghị của Bộ trưởng Bộ Tài chính tại Tờ trình số {n}/TTr-BTC; | "
    "Thực hiện ý kiến chỉ đạo của Thủ tướng Chính phủ tại văn bản số {n}/VPCP-KTTH; | "
    "Theo đề nghị của Chủ tịch Ủy ban nhân dân tỉnh {p};"
)
FAMILY = _words(
    "Nguyễn | Trần | Lê | Phạm | Hoàng | Huỳnh | Phan | Vũ | Võ | Đặng | Bùi | Đỗ | Hồ | Ngô | "
    "Dương | Lý | Trịnh | Đinh"
)
MIDDLE = _words(
    "Văn | Thị | Hữu | Đức | Minh | Thanh | Quốc | Thu | Ngọc | Xuân | Thị Thanh | Văn Quang | "
    "Hoàng | Kim"
)
GIVEN = _words(
    "An | Bình | Cường | Dũng | Hương | Lan | Hùng | Hải | Thủy | Hòa | Tuấn | Trang | Hạnh | "
    "Phương | Quang | Sơn | Tâm | Thắng | Việt | Yến | Khuê | Nguyệt | Quyết | Tuyết | Oanh | "
    "Khoa | Duy | Huy | Thúy | Loan"
)
TITLES = _words(
    "Phó Thủ tướng | Bộ trưởng | Thứ trưởng | Chủ tịch Ủy ban nhân dân tỉnh | Phó Chủ tịch | "
    "Chánh Văn phòng | Vụ trưởng | Giám đốc Sở"
)
# Uncommon words and names: the long tail that "rare" queries look for.
RARE = _words(
    "khuỷu | nguệch ngoạc | xoong nồi | thuở ban đầu | khoáng sản quý hiếm | đê điều | "
    "giống cây trồng | ngư trường | rừng phòng hộ | sạt lở bờ sông | xâm nhập mặn | hạn hán | "
    "cao tốc Bắc - Nam | cảng hàng không Long Thành | đường vành đai 4 | vắc-xin | "
    "trái phiếu chính phủ | sân bay Điện Biên | cầu Rạch Miễu | hồ Dầu Tiếng | "
    "thủy điện Hòa Bình | khu kinh tế Vân Đồn | làng nghề gốm Bát Tràng | "
    "di sản Vịnh Hạ Long | nhãn lồng Hưng Yên | vải thiều Lục Ngạn | cà phê Buôn Ma Thuột | "
    "chè Thái Nguyên | tôm hùm Cam Ranh | nước mắm Phú Quốc | xã Tân Phước Hưng | "
    "phường Quỳnh Lôi | huyện Mường Nhé | thị trấn Quỳ Hợp | đèo Khau Phạ | suối Nậm Mu | "
    "bản Sà Phìn | đảo Lý Sơn"
)
# Old (ủy, hòa) and new (uỷ, hoà) tone placement: both appear in real decrees.
NEW_PLACEMENT = {
    "Ủy": "Uỷ",
    "ủy": "uỷ",
    "Hòa": "Hoà",
    "hòa": "hoà",
    "hóa": "hoá",
    "Hóa": "Hoá",
    "thủy": "thuỷ",
    "Thủy": "Thuỷ",
    "tùy": "tuỳ",
    "hỏa": "hoả",
    "khỏe": "khoẻ",
    "lũy": "luỹ",
    "thỏa": "thoả",
    "tọa": "toạ",
    "Thúy": "Thuý",
}


@dataclass(frozen=True)
class Doc:
    number: int
    title: str
    summary: str
    text: str
    body_id: int
    dossier_id: int | None
    owner_id: int | None
    doc_type_id: int
    agency_id: int
    issued_on: date


class Corpus:
    """Deterministic generator of administrative documents (sentences from the lists above)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        # Zipf-like weights: the first items of each list are the most frequent.
        self.subject_w = [1 / (i + 1) ** 0.8 for i in range(len(SUBJECTS))]

    def name(self, rng: random.Random) -> str:
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"

    def _fill(self, rng: random.Random, template: str) -> str:
        return template.format(
            d=rng.randint(1, 28),
            m=rng.randint(1, 12),
            y=rng.randint(2015, 2026),
            q=rng.choice(["I", "II", "III", "IV"]),
            n=rng.randint(100, 9999),
            p=rng.choice(PROVINCES),
        )

    def sentence(self, rng: random.Random) -> str:
        subject = rng.choices(SUBJECTS, self.subject_w)[0]
        roll = rng.random()
        if roll < 0.45:
            s = (
                f"{rng.choice(AGENCIES)} {rng.choice(VERBS)} {subject}, phối hợp với "
                f"{rng.choice(AGENCIES)} {self._fill(rng, rng.choice(COMPLEMENTS))}."
            )
        elif roll < 0.65:
            s = (
                f"{rng.choice(CONNECTORS)} Ủy ban nhân dân tỉnh {rng.choice(PROVINCES)} "
                f"{rng.choice(VERBS)} {subject} {self._fill(rng, rng.choice(COMPLEMENTS))}."
            )
        elif roll < 0.8:
            s = (
                f"{rng.choice(TITLES)} {self.name(rng)} đề nghị {rng.choice(VERBS)} "
                f"{subject} và {rng.choice(SUBJECTS)}, {rng.choice(COMPLEMENTS)}."
            )
        elif roll < 0.97:
            s = (
                f"Chính phủ thống nhất đánh giá công tác {subject} có chuyển biến tích cực; "
                f"các bộ, ngành, địa phương {rng.choice(VERBS)} "
                f"{rng.choice(SUBJECTS)} {rng.choice(COMPLEMENTS)}."
            )
        else:
            s = (
                f"Về {rng.choice(RARE)} tại tỉnh {rng.choice(PROVINCES)}, "
                f"giao {rng.choice(AGENCIES)} {rng.choice(VERBS)} {subject}, "
                f"{self._fill(rng, rng.choice(COMPLEMENTS))}."
            )
        return self._fill(rng, s) if "{" in s else s

    def words_target(self, rng: random.Random) -> int:
        roll = rng.random()
        if roll < 0.4:
            return rng.randint(40, 200)  # notices, short letters
        if roll < 0.8:
            return rng.randint(200, 800)  # decisions, reports
        if roll < 0.96:
            return rng.randint(800, 2500)  # plans, long reports
        return rng.randint(2500, 8000)  # projects (đề án), minutes

    def document(self, number: int) -> Doc:
        rng = random.Random(self.seed * 1_000_003 + number)
        type_index = rng.randrange(len(DOC_TYPES))
        subject = rng.choices(SUBJECTS, self.subject_w)[0]
        year = rng.randint(2015, 2026)
        notation = f"{rng.randint(1, 2999)}/{year}/{NOTATIONS[type_index]}"
        title = f"{DOC_TYPES[type_index]} số {notation} về {subject}"
        summary = (
            f"Về việc {rng.choice(VERBS).split(',')[0]} {subject} tại tỉnh {rng.choice(PROVINCES)}"
        )
        target = self.words_target(rng)
        paragraphs: list[str] = [self._fill(rng, rng.choice(OPENINGS))]
        words = 0
        while words < target:
            paragraph = " ".join(self.sentence(rng) for _ in range(rng.randint(2, 6)))
            words += paragraph.count(" ") + 1
            paragraphs.append(f"Điều {len(paragraphs)}. {paragraph}")
        paragraphs.append(f"Nơi nhận: {', '.join(rng.sample(AGENCIES, 3))}; Lưu: VT.")
        paragraphs.append(f"KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n{self.name(rng)}")
        text = "\n".join(paragraphs)
        if rng.random() < 0.4:  # this office writes uỷ, hoà
            for old, new in NEW_PLACEMENT.items():
                text = text.replace(old, new)
                title = title.replace(old, new)
        # A few bodies dominate (a cabinet, its office, big ministries), then a long tail.
        body_id = min(int(rng.paretovariate(1.2)), 40)
        personal = rng.random() < 0.05
        return Doc(
            number=number,
            title=title,
            summary=summary,
            text=text,
            body_id=body_id,
            dossier_id=None if personal else rng.randint(1, 5000),
            owner_id=rng.randint(1, 300) if personal else None,
            doc_type_id=type_index + 1,
            agency_id=rng.randint(1, len(AGENCIES)),
            issued_on=date(year, 1, 1) + timedelta(days=rng.randrange(365)),
        )

    def documents(self, count: int) -> Iterator[Doc]:
        for number in range(1, count + 1):
            yield self.document(number)


def queries(count: int, corpus: Corpus, documents: int) -> list[tuple[str, str, dict[str, object]]]:
    """(category, text, filters) for ``count`` mixed queries."""
    from ecabinet.search.folding import fold

    rng = random.Random(corpus.seed + 17)
    out: list[tuple[str, str, dict[str, object]]] = []
    common_accented = [
        "ủy ban nhân dân",
        "quyết định",
        "chính phủ",
        "đầu tư công",
        "điều chỉnh quy hoạch",
        "thủ tục hành chính",
        "báo cáo kết quả",
        "kinh tế",
        "bảo vệ môi trường",
        "uỷ ban",
        "thuỷ lợi",
        "hòa giải",
        "phát triển",
        "bản",
        "đề án",
        "việc",
        "phiếu",
    ]
    phrases = [
        '"chính phủ"',
        '"phát triển kinh tế"',
        '"giải ngân vốn"',
        '"cải cách thủ tục"',
        '"bảo hiểm xã hội"',
        '"an toàn giao thông"',
        '"chuyen doi so"',
        '"nha o xa hoi"',
        '"thực hành tiết kiệm"',
        '"đúng thẩm quyền"',
    ]
    for i in range(count):
        roll = i % 10
        filters: dict[str, object] = {}
        if roll in (0, 1):
            category, text = "unaccented", fold(rng.choice(common_accented + SUBJECTS))
        elif roll in (2, 3):
            category, text = "accented", rng.choice(common_accented + SUBJECTS + PROVINCES)
        elif roll in (4, 5):
            category, text = "phrase", rng.choice(phrases)
        elif roll == 6:
            category = "name"
            text = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            text = fold(text) if rng.random() < 0.5 else text
        elif roll == 7:
            category, text = "rare", rng.choice(RARE)
            text = fold(text) if rng.random() < 0.3 else text
        elif roll == 8:  # a document number seen in one title ("số 1234/2019/QĐ-TTg")
            title = corpus.document(rng.randint(1, documents)).title
            category, text = "number", title.split(" số ")[1].split(" ")[0].rsplit("/", 1)[0]
        else:
            category, text = "filtered", rng.choice(SUBJECTS)
            if rng.random() < 0.5:
                filters["doc_type_id"] = rng.randint(1, len(DOC_TYPES))
            else:
                start = date(rng.randint(2015, 2025), rng.randint(1, 12), 1)
                filters["date_from"], filters["date_to"] = start, start + timedelta(days=365)
        out.append((category, text, filters))
    return out


# --- Running one shape ------------------------------------------------------------------------


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_shape(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    os.environ["ECABINET_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    if args.shape == "sqlite":
        data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-search-")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        os.environ["ECABINET_DATA_DIR"] = data_dir
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
    else:
        import psycopg

        name = args.pg_url.rsplit("/", 1)[1]
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = args.pg_url
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ecabinet.search.services import (
        IndexEntry,
        SearchFilters,
        SearchScope,
        search_index_many,
        search_optimize,
        search_query,
    )

    call_command("migrate", verbosity=0)
    corpus = Corpus(args.seed)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()")
            server = f"SQLite {cursor.fetchone()[0]} (WAL, synchronous=FULL)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"

    def entries() -> Iterator[IndexEntry]:
        for doc in corpus.documents(args.documents):
            yield IndexEntry(
                ref=f"document:{doc.number}",
                kind="document",
                title=doc.title,
                summary=doc.summary,
                text=doc.text,
                body_id=doc.body_id,
                dossier_id=doc.dossier_id,
                owner_id=doc.owner_id,
                doc_type_id=doc.doc_type_id,
                agency_id=doc.agency_id,
                issued_on=doc.issued_on,
            )

    chars = 0
    generating = 0.0

    def counted() -> Iterator[IndexEntry]:
        nonlocal chars, generating
        produced = entries()
        while True:
            started = time.perf_counter()
            entry = next(produced, None)
            generating += time.perf_counter() - started
            if entry is None:
                return
            chars += len(entry.text)
            yield entry

    started = time.perf_counter()
    search_index_many(counted(), batch_size=500)
    index_seconds = time.perf_counter() - started - generating
    started = time.perf_counter()
    search_optimize()
    optimize_seconds = time.perf_counter() - started
    if connection.vendor == "sqlite":
        size = Path(connection.settings_dict["NAME"]).stat().st_size
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = int(cursor.fetchone()[0])

    # A member of three bodies (the two largest and a small one) with some dossiers and
    # their own papers.
    scope = SearchScope(
        body_ids=frozenset({1, 2, 7}),
        dossier_ids=frozenset(range(1, 5000, 97)),
        owner_id=5,
    )
    asked = queries(args.queries, corpus, args.documents)
    for _, text, filters in asked[:20]:  # warm the caches the way a running server has them
        search_query(text, scope=scope, filters=SearchFilters(**filters))  # type: ignore[arg-type]
    timings: list[float] = []
    by_category: dict[str, list[float]] = {}
    found = 0
    slowest: list[tuple[float, str, int]] = []
    for category, text, filters in asked:
        started = time.perf_counter()
        page = search_query(text, scope=scope, filters=SearchFilters(**filters))  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        by_category.setdefault(category, []).append(elapsed)
        found += bool(page.hits)
        slowest.append((elapsed, text, page.total))

    print(f"  shape:      {server}")
    print(
        f"  corpus:     {args.documents:,} documents, {chars / 1e6:,.1f} M characters of text "
        f"(mean {chars / max(args.documents, 1):,.0f}), seed {args.seed}"
    )
    print(
        f"  indexing:   {index_seconds:,.1f} s ({args.documents / index_seconds:,.0f} documents/s, "
        f"search_index_many, batches of 500; corpus generation excluded), "
        f"optimize {optimize_seconds:,.1f} s, database {size / 2**20:,.0f} MiB"
    )
    print(
        f"  queries:    {len(timings)} mixed, {found} with hits; "
        f"p50 {_percentile(timings, 50):.1f} ms, p95 {_percentile(timings, 95):.1f} ms, "
        f"p99 {_percentile(timings, 99):.1f} ms, max {max(timings):.1f} ms, "
        f"mean {statistics.mean(timings):.1f} ms"
    )
    for category, values in sorted(by_category.items()):
        print(
            f"    {category:<11} n={len(values):<3} p50 {_percentile(values, 50):6.1f} ms"
            f"   p95 {_percentile(values, 95):6.1f} ms"
        )
    if args.verbose:
        for elapsed, text, total in sorted(slowest, reverse=True)[:10]:
            print(f"    slow: {elapsed:7.1f} ms  total={total:<6} {text}")

    connection.close()
    if args.shape == "postgresql" and not args.keep:
        import psycopg

        name = args.pg_url.rsplit("/", 1)[1]
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--shape", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("ECABINET_BENCH_SEARCH_PG_URL", PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--verbose", action="store_true", help="also list the slowest queries")
    args = parser.parse_args()

    if args.shape != "both":
        run_shape(args)
        return
    print("ecabinet search benchmark")
    print(
        f"  machine:    {_cpu_model()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )
    print(f"  date:       {datetime.now(UTC).isoformat(timespec='seconds')}")
    print("  target:     p95 < 50 ms on SQLite for 100,000 documents; PostgreSQL at least as good")
    print("  client and server share the machine; latency = one search_query() call, snippets")
    print("  included, one warm-up pass over 20 queries first")
    for shape in ("sqlite", "postgresql"):
        command = [sys.executable, __file__, "--shape", shape]
        command += ["--documents", str(args.documents), "--queries", str(args.queries)]
        command += ["--seed", str(args.seed), "--pg-url", args.pg_url]
        command += ["--keep"] if args.keep else []
        command += ["--verbose"] if args.verbose else []
        print(f"{shape}:", flush=True)
        result = subprocess.run(command, check=False)
        if result.returncode != 0:
            print(f"  FAILED (exit {result.returncode})")
            sys.exit(result.returncode)


if __name__ == "__main__":
    main()
