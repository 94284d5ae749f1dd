"""A management command that does one scan, or repeats it every N seconds (``--loop``).

Used by the background scans that ``ecabinet run`` starts beside the task worker (reminders,
ballots past their deadline). A scan in progress runs to its end; SIGTERM or Ctrl-C stops the
loop after it. A failed scan (the database briefly away) is reported and tried again later.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections


class PeriodicScanCommand(BaseCommand):
    """Subclasses set ``name`` and ``done`` (e.g. "reminder(s) sent") and implement ``scan``."""

    name = "scan"
    done = "item(s) done"

    def scan(self) -> int:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            metavar="SECONDS",
            help="scan every SECONDS seconds until interrupted (Ctrl-C or SIGTERM)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        if interval is None:
            self.stdout.write(str(self.scan()))
            return
        if interval < 1:
            raise CommandError("--loop needs at least 1 second")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"{self.name}: every {interval} s")
        while not stop.is_set():
            close_old_connections()
            try:
                count = self.scan()
            except Exception as exc:
                self.stderr.write(f"{self.name} failed: {exc}")
            else:
                if count:
                    self.stdout.write(f"{self.name}: {count} {self.done}")
            stop.wait(interval)
