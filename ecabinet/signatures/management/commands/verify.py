"""``ecabinet verify FILE``: check a signed PDF or an exported statement, offline.

Prints the report in Vietnamese and English. Exit code 0 when every signature is valid,
1 when not (or the file is not a signed file we know), 2 when the file cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ecabinet.signatures.verify import CHECK_NAMES_EN, SignatureInfo, VerifyReport, verify_bytes

KIND_EN = {"pdf": "signed PDF", "statement": "signed statement", "unknown": "unknown"}
KIND_VI = {"pdf": "văn bản PDF ký số", "statement": "tệp chữ ký", "unknown": "không xác định"}


def _when(info: SignatureInfo) -> str:
    moment = info.timestamp_at or info.signed_at
    return moment.isoformat(timespec="seconds") if moment else "—"


def format_report(report: VerifyReport) -> list[str]:
    """The lines printed for a report: each label in Vietnamese / English."""
    verdict = "HỢP LỆ / VALID" if report.ok else "KHÔNG HỢP LỆ / NOT VALID"
    lines = [
        f"Loại tệp / Kind: {KIND_VI[report.kind]} / {KIND_EN[report.kind]}",
        f"Kết quả / Result: {verdict}",
    ]
    if report.error:
        lines.append(f"Lý do / Reason: {report.error}")
    for number, info in enumerate(report.signatures, start=1):
        status = "hợp lệ / valid" if info.ok else "không hợp lệ / not valid"
        lines += [
            "",
            f"Chữ ký / Signature {number}: {status}",
            f"  Người ký / Signer: {info.who}",
            f"  Chức vụ / Title: {info.title or '—'}",
            f"  Cơ quan / Body: {info.body or '—'}",
            f"  Nội dung / What: {info.what}",
            f"  Thời điểm ký / Signed at: {_when(info)}",
            f"  Số hiệu chứng thư / Certificate serial: {info.serial or '—'}",
            f"  Tổ chức cấp / Issuer: {info.issuer or '—'}",
        ]
        for check in info.checks:
            mark = "ĐẠT / PASS" if check.ok else "KHÔNG ĐẠT / FAIL"
            lines.append(f"  [{mark}] {check.label} / {CHECK_NAMES_EN[check.code]}: {check.reason}")
    return lines


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số của tệp / verify the signatures of a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"Không đọc được tệp / cannot read the file: {path}: {exc}")
            sys.exit(2)
        report = verify_bytes(data)
        for line in format_report(report):
            self.stdout.write(line)
        sys.exit(0 if report.ok else 1)
