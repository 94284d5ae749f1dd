"""Permission rows of the meetings app's positions pages (joined into `tests/matrix.py`).

Meetings are made on demand in the persona world, four days ahead (inside the period of the
member's delegation to the substitute, who therefore reads them): one whose invitations went
to the chair and the member, positions open; the same where the member named the substitute
with a mandate to speak; one past its cut-off with its item placed in the consent block; a
draft. States are set directly: the services are tested in test_positions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting
from ecabinet.meetings.tests.matrix_support import make_meeting


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _meeting(w: World, title: str, *, status: str, answered: bool = False) -> Meeting:
    found = Meeting.objects.filter(body=w.body, title=title).first()
    if found is not None:
        return found
    meeting = make_meeting(
        w, title, timezone.now() + timedelta(days=4), "Dự án Luật (ý kiến, ma trận)"
    )
    if status == t.DRAFT:
        return meeting
    Meeting.objects.filter(pk=meeting.pk).update(status=status, invitations_sent_at=timezone.now())
    for persona in ("chair", "member"):
        m = w.memberships[persona]
        invitation = Invitation(meeting=meeting, membership=m, user=m.user, role=m.role)
        if answered and persona == "member":
            invitation.response = Invitation.Response.SUBSTITUTED
            invitation.substitute = _user(w, "substitute")
            invitation.delegation = w.delegation
            invitation.responded_at = timezone.now()
        invitation.save()
    meeting.refresh_from_db()
    return meeting


def _open(w: World) -> Meeting:
    return _meeting(w, "Cuộc họp lấy ý kiến (ma trận)", status=t.SCHEDULED)


def _substituted(w: World) -> Meeting:
    return _meeting(w, "Cuộc họp có người dự thay (ma trận)", status=t.SCHEDULED, answered=True)


def _draft(w: World) -> Meeting:
    return _meeting(w, "Cuộc họp dự thảo (ý kiến, ma trận)", status=t.DRAFT)


def _placed(w: World) -> Meeting:
    meeting = _meeting(w, "Cuộc họp đã chia nhóm (ma trận)", status=t.DOCUMENTS_PUBLISHED)
    if meeting.positions_cutoff_at > timezone.now():
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            positions_cutoff_at=now - timedelta(minutes=5), documents_published_at=now
        )
        AgendaItem.objects.filter(meeting=meeting).update(
            status=t.ITEM_CONSENT, block=AgendaItem.Block.CONSENT
        )
        meeting.refresh_from_db()
    return meeting


def _item(make: Any) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        meeting = make(w)
        item = AgendaItem.objects.get(meeting=meeting)
        return {"pk": meeting.pk, "item": item.pk}

    return kwargs


def _pk(make: Any) -> Any:
    return lambda w: {"pk": make(w).pk}


def _answer(w: World) -> dict[str, Any]:
    item = AgendaItem.objects.get(meeting=_open(w))
    return {f"stance-{item.pk}": "no_objection", f"version-{item.pk}": ""}


def _move(w: World) -> dict[str, Any]:
    item = AgendaItem.objects.get(meeting=_placed(w))
    return {"block": "discussion", "version": item.version, "reason": "Ma trận"}


ANON = {"anonymous": 302}
# Readers of a sent meeting four days ahead: all but the observer (papers not published yet)
# and the outsider; the substitute reads it through the member's period delegation.
NOT_READERS = {"observer": 404, "outsider": 404, **ANON}
INVITED = everyone(403, chair=200, member=200, **NOT_READERS)
# Published: the observer reads it too.
PLACED_OFFICE = everyone(403, office=302, outsider=404, **ANON)

CASES = [
    Case("meetings:positions", INVITED, kwargs=_pk(_open)),
    Case(
        "meetings:positions",
        INVITED | {"substitute": 200},
        kwargs=_pk(_substituted),
        note="+substituted",
    ),
    Case(
        "meetings:positions",
        INVITED | {"chair": 302, "member": 302},
        kwargs=_pk(_open),
        method="post",
        data=_answer,
        note="+post",
    ),
    Case(
        "meetings:positions",
        everyone(403, member=404, substitute=404, observer=404, outsider=404, **ANON),
        kwargs=_pk(_draft),
        note="+draft",
    ),
    Case("meetings:blocks", everyone(200, **NOT_READERS), kwargs=_pk(_open)),
    Case(
        "meetings:blocks",
        everyone(200, outsider=404, **ANON),
        kwargs=_pk(_placed),
        note="+placed",
    ),
    Case(
        "meetings:block_move",
        PLACED_OFFICE,
        kwargs=_item(_placed),
        method="post",
        data=_move,
    ),
    Case("meetings:blocks_recompute", PLACED_OFFICE, kwargs=_pk(_placed), method="post"),
    Case("meetings:calendar", everyone(200, **ANON)),
    Case("meetings:calendar_ics", everyone(200, **ANON)),
    Case(
        "meetings:search",
        everyone(200, outsider=404, **ANON),
        kwargs=lambda w: {"code": w.body.code},
    ),
    Case(
        "meetings:search",
        everyone(200, outsider=404, **ANON),
        kwargs=lambda w: {"code": w.body.code},
        data=lambda w: {"q": "ma tran", "status": "scheduled"},
        note="+query",
    ),
]
