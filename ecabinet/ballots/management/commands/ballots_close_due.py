"""``ecabinet ballots_close_due``: close the ballots whose deadline has passed, once or every
N seconds. Safe to run from several workers or after a long pause: each closes once."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from ecabinet.ballots.services import ballot_close_due


class Command(BaseCommand):
    help = "Kết thúc các phiếu lấy ý kiến đã đến hạn / close ballots past their deadline."

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
            self.stdout.write(str(ballot_close_due()))
            return
        if interval < 1:
            raise CommandError("--loop needs at least 1 second")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"ballots_close_due: every {interval} s")
        while not stop.is_set():
            close_old_connections()
            try:
                closed = ballot_close_due()
            except Exception as exc:
                # The database may be briefly away (a restart): say so and try again later.
                self.stderr.write(f"ballots_close_due failed: {exc}")
            else:
                if closed:
                    self.stdout.write(f"ballots_close_due: {closed} ballot(s) closed")
            stop.wait(interval)
