"""``ecabinet ballots_close_due``: close the ballots whose deadline has passed, once or every
N seconds. Safe to run from several workers or after a long pause: each closes once."""

from __future__ import annotations

from ecabinet.ballots.services import ballot_close_due
from ecabinet.core.management.periodic import PeriodicScanCommand


class Command(PeriodicScanCommand):
    help = "Kết thúc các phiếu lấy ý kiến đã đến hạn / close ballots past their deadline."
    name = "ballots_close_due"
    done = "ballot(s) closed"

    def scan(self) -> int:
        return ballot_close_due()
