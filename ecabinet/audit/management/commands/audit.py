"""``ecabinet audit verify``: recompute the audit chain; exit 1 naming the first bad row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from ecabinet.audit.verify import DEFAULT_CHUNK_SIZE, verify_chain


class Command(BaseCommand):
    help = "Nhật ký hệ thống / audit log: verify"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify",
            help="kiểm tra toàn vẹn chuỗi nhật ký / recompute the hash chain",
        )
        verify.add_argument("--database", default=DEFAULT_DB_ALIAS)
        verify.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help="rows fetched per round trip",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self.verify(using=options["database"], chunk_size=options["chunk_size"])

    def verify(self, *, using: str, chunk_size: int) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        report = verify_chain(using=using, chunk_size=chunk_size)
        if report.problem is None:
            self.stdout.write(f"OK: {report.count} events, head {report.head_hash}")
            return
        problem = report.problem
        # Vietnamese first, then a fixed English line that logs and scripts can rely on.
        raise CommandError(
            "\n".join(
                [
                    _("Chuỗi nhật ký không toàn vẹn.") + " " + problem.message(),
                    f"Audit chain broken. {problem.english()}",
                    f"first bad seq: {problem.seq}; reason: {problem.reason}; {problem.detail}",
                ]
            ),
            returncode=1,
        )
