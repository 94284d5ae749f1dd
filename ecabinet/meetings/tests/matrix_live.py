"""Permission rows of the meetings app's live pages (joined into `tests/matrix.py`).

The meeting is the matrix's "papers published" meeting (the chair and the member invited;
the substitute is not named on an invitation, so holds no seat in it). The socket's actions
have their own persona table (test_live_ws_matrix.py).
"""

from __future__ import annotations

from typing import Any

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World


def _published(w: World) -> dict[str, Any]:
    from ecabinet.meetings.tests.matrix import _published as published

    return {"pk": published(w).pk}


def _item(w: World) -> dict[str, Any]:
    from ecabinet.meetings.models import AgendaItem
    from ecabinet.meetings.tests.matrix import _published as published

    meeting = published(w)
    item = AgendaItem.objects.filter(meeting=meeting).first()
    assert item is not None
    return {"pk": meeting.pk, "item": item.pk}


ANON = {"anonymous": 302}
# Readers of the published meeting who may not take the action: 403; the outsider 404.
FORBIDDEN = everyone(403, outsider=404, **ANON)

CASES: list[Case] = [
    # Opening a signing window: those who hold a vote in the meeting.
    Case("meetings:live_signing", FORBIDDEN | {"chair": 200, "member": 200}, kwargs=_published),
    Case(
        "meetings:live_signing",
        FORBIDDEN | {"chair": 400, "member": 400},
        kwargs=_published,
        method="post",
        data=lambda w: {"code": "12"},
        note="+post",
    ),
    # The attendance list: the chair, the Office, the administrator (support).
    Case(
        "meetings:live_attendance_csv",
        FORBIDDEN | {"chair": 200, "office": 200, "admin": 200},
        kwargs=_published,
    ),
    # A conclusion's attachment: the secretary and the Office (no file: back with a message).
    Case(
        "meetings:live_conclusion_attachment",
        FORBIDDEN | {"office": 302},
        kwargs=_item,
        method="post",
        data=lambda w: {},
    ),
]
