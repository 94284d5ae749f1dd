"""``ecabinet tracking_scan``: send the reminders that are due, once or every N seconds."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from ecabinet.tracking.services import tracking_scan


class Command(BaseCommand):
    help = "Gửi lời nhắc việc đến hạn / send the reminders that are due (--loop: keep going)."

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
            self.stdout.write(str(tracking_scan()))
            return
        if interval < 1:
            raise CommandError("--loop needs at least 1 second")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        # A scan in progress runs to its end (each item is its own transaction); then the
        # loop stops.
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"tracking_scan: every {interval} s")
        while not stop.is_set():
            close_old_connections()
            try:
                sent = tracking_scan()
            except Exception as exc:
                # The database may be briefly away (a restart): say so and try again later.
                self.stderr.write(f"tracking_scan failed: {exc}")
            else:
                if sent:
                    self.stdout.write(f"tracking_scan: {sent} reminder(s) sent")
            stop.wait(interval)
