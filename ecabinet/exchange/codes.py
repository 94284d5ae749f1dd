"""The code tables of edXML (QCVN 102:2016, amendment 1:2022), in one place.

Values the standard fixes (priority, business document type, receiver type, status codes)
are checked strictly when a message is built. Two tables could not be checked against the
official text and are kept here as data so that a correction is one edit:
``STEERING_TYPES`` (some senders use 0) and ``DOCUMENT_TYPES`` (the Type/TypeDetail coding
of the amendment's tables). See docs/decisions/1101-edxml.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# OtherInfo/Priority: độ khẩn.
PRIORITIES: dict[int, str | Promise] = {
    0: _("Thường"),
    1: _("Khẩn"),
    2: _("Thượng khẩn"),
    3: _("Hỏa tốc"),
    4: _("Hỏa tốc hẹn giờ"),
}

# SteeringType (UNCONFIRMED). 0 is seen from some senders: accepted when parsing, never emitted.
STEERING_TYPES: dict[int, str | Promise] = {
    1: _("Không phải văn bản chỉ đạo"),
    2: _("Văn bản chỉ đạo"),
    3: _("Báo cáo việc thực hiện chỉ đạo"),
}
STEERING_TYPES_SEEN = frozenset({0, *STEERING_TYPES})
STEERING_NONE = 1

# Bussiness/BussinessDocType (the standard's spelling).
BUSSINESS_NEW = 0
BUSSINESS_REVOKE = 1
BUSSINESS_UPDATE = 2
BUSSINESS_REPLACE = 3
BUSSINESS_DOC_TYPES: dict[int, str | Promise] = {
    BUSSINESS_NEW: _("Văn bản mới"),
    BUSSINESS_REVOKE: _("Thu hồi văn bản"),
    BUSSINESS_UPDATE: _("Cập nhật văn bản"),
    BUSSINESS_REPLACE: _("Thay thế văn bản"),
}

# Bussiness/BussinessDocumentInfo/ReceiverList/Receiver/ReceiverType.
RECEIVER_TYPES: dict[int, str | Promise] = {
    0: _("Bỏ khỏi danh sách nhận"),
    1: _("Thêm vào danh sách nhận"),
}

# StatusCode of a status message: the recipient's progress, sent back to the sender.
STATUS_CODES: dict[str, str | Promise] = {
    "01": _("Đã đến (phần mềm đã nhận, văn thư chưa xử lý)"),
    "02": _("Từ chối tiếp nhận"),
    "03": _("Đã vào sổ văn bản đến"),
    "04": _("Đã phân công"),
    "05": _("Đang xử lý"),
    "06": _("Đã xử lý xong"),
    "13": _("Bên gửi đề nghị lấy lại văn bản"),
    "15": _("Bên nhận đồng ý thu hồi, cập nhật"),
    "16": _("Bên nhận từ chối thu hồi, cập nhật"),
}


@dataclass(frozen=True)
class DocumentTypeCode:
    """One row of the DocumentType table: what goes into Type, TypeDetail and TypeName."""

    type: str
    type_detail: str
    type_name: str
    abbreviation: str


# DocumentType (UNCONFIRMED coding). The 2022 amendment has two tables: A, legal normative
# documents (1-13), and B, administrative documents, numbered in the order of Decree
# 30/2020/NĐ-CP, Article 7 (1 Nghị quyết cá biệt ... 18 Công văn, 19 Công điện, ...). How the
# table and the row travel in Type and TypeDetail is not confirmed; this project emits the
# table letter in Type and the row number in TypeDetail (Nghị quyết cá biệt: B / 1). Public
# SDK samples disagree (one writes Type 18 for Công văn, another Type 1 / TypeDetail 0), so
# change it here, and only here, once the official coding is known. Table A is not mapped:
# the bodies served here issue administrative documents. Keys are the abbreviations of
# Decree 30, Appendix III; Công văn and Thư công have none and are found by name.
_ADMINISTRATIVE = "B"
_B_ROWS: tuple[tuple[str, str], ...] = (
    ("NQ", "Nghị quyết"),
    ("QĐ", "Quyết định"),
    ("CT", "Chỉ thị"),
    ("QC", "Quy chế"),
    ("QyĐ", "Quy định"),
    ("TC", "Thông cáo"),
    ("TB", "Thông báo"),
    ("HD", "Hướng dẫn"),
    ("CTr", "Chương trình"),
    ("KH", "Kế hoạch"),
    ("PA", "Phương án"),
    ("ĐA", "Đề án"),
    ("DA", "Dự án"),
    ("BC", "Báo cáo"),
    ("BB", "Biên bản"),
    ("TTr", "Tờ trình"),
    ("HĐ", "Hợp đồng"),
    ("", "Công văn"),
    ("CĐ", "Công điện"),
    ("BGN", "Bản ghi nhớ"),
    ("BTT", "Bản thỏa thuận"),
    ("GUQ", "Giấy ủy quyền"),
    ("GM", "Giấy mời"),
    ("GGT", "Giấy giới thiệu"),
    ("GNP", "Giấy nghỉ phép"),
    ("PG", "Phiếu gửi"),
    ("PC", "Phiếu chuyển"),
    ("PB", "Phiếu báo"),
    ("", "Thư công"),
)
DOCUMENT_TYPES: tuple[DocumentTypeCode, ...] = tuple(
    DocumentTypeCode(_ADMINISTRATIVE, str(number), name, abbreviation)
    for number, (abbreviation, name) in enumerate(_B_ROWS, start=1)
)


def document_type_code(abbreviation: str = "", name: str = "") -> DocumentTypeCode | None:
    """The table row of a document type, by its Decree 30 abbreviation or else by its name
    (letter case and surrounding spaces ignored); None when the table has no such type."""
    if abbreviation:
        for row in DOCUMENT_TYPES:
            if row.abbreviation and row.abbreviation == abbreviation.strip():
                return row
    wanted = " ".join(name.split()).casefold()
    if wanted:
        for row in DOCUMENT_TYPES:
            if row.type_name.casefold() == wanted:
                return row
    return None
