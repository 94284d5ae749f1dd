"""``ecabinet tracking_scan``: send the reminders that are due, once or every N seconds."""

from __future__ import annotations

from ecabinet.core.management.periodic import PeriodicScanCommand
from ecabinet.tracking.services import tracking_scan


class Command(PeriodicScanCommand):
    help = "Gửi lời nhắc việc đến hạn / send the reminders that are due (--loop: keep going)."
    name = "tracking_scan"
    done = "reminder(s) sent"

    def scan(self) -> int:
        return tracking_scan()
