"""``ecabinet meetings_positions_due``: open the agenda items of invited meetings for positions,
and split the agenda of meetings past their positions cut-off into the consent and discussion
blocks; once or every N seconds. Safe to run from several workers or after a long pause."""

from __future__ import annotations

from ecabinet.core.management.periodic import PeriodicScanCommand
from ecabinet.meetings.positions import positions_due


class Command(PeriodicScanCommand):
    help = "Chia nhóm nội dung họp khi hết hạn cho ý kiến / split agendas at the positions cut-off."
    name = "meetings_positions_due"
    done = "agenda item(s) updated"

    def scan(self) -> int:
        return positions_due()
