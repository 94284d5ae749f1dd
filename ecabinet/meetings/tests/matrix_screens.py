"""Permission rows of the meetings app's screens pages (joined into `tests/matrix.py`).

The live screens open from the invitations on. The meeting here has its papers published, an
item presented by the agency's unit, and invitations to the chair and the member, whose
invitation names the substitute (the persona world's delegation): everyone of the body who
takes part sees the members' screen and the projector; the chair console is the meeting's
chair's; the secretary's screen is the Office's (and the meeting's secretary's). A draft has
no live session yet: those who read it get 403. Another body's meeting is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.meetings.models import Invitation, Meeting
from ecabinet.meetings.tests.conftest import start_in
from ecabinet.meetings.tests.matrix_support import make_meeting, other_body_meeting


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _meeting(w: World, title: str, starts_at: Any) -> Meeting:
    return make_meeting(w, title, starts_at, "Dự án Luật (màn hình phiên họp)")


def _published(w: World) -> dict[str, Any]:
    meeting = _meeting(w, "Cuộc họp trực tiếp (ma trận)", timezone.now() + timedelta(days=2))
    if meeting.status == Meeting.Status.DRAFT:
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            status=Meeting.Status.DOCUMENTS_PUBLISHED,
            invitations_sent_at=now,
            documents_published_at=now,
        )
        for persona in ("chair", "member"):
            m = w.memberships[persona]
            Invitation.objects.create(
                meeting=meeting,
                membership=m,
                user=m.user,
                role=m.role,
                response=Invitation.Response.SUBSTITUTED
                if persona == "member"
                else Invitation.Response.ACCEPTED,
                substitute=_user(w, "substitute") if persona == "member" else None,
                delegation=w.delegation if persona == "member" else None,
                responded_at=now,
            )
    return {"pk": meeting.pk}


def _draft(w: World) -> dict[str, Any]:
    return {"pk": _meeting(w, "Cuộc họp trực tiếp dự thảo (ma trận)", start_in(10)).pk}


def _other_body(w: World) -> dict[str, Any]:
    """A meeting of the other body (its member, the outsider, chairs it)."""
    return {"pk": other_body_meeting(w, "Cuộc họp trực tiếp tỉnh khác", timedelta(days=1)).pk}


ANON = {"anonymous": 302}
# Everyone of the body who takes part, the system administrator read-only.
VIEWERS = everyone(200, outsider=404, **ANON)
# A draft: those who read it (the Office, the chair, the presenting agency, the admin) get
# 403, the others do not know it exists.
DRAFT = everyone(403, member=404, substitute=404, observer=404, outsider=404, **ANON)

CASES: list[Case] = [
    Case("meetings:live_member", VIEWERS, kwargs=_published),
    Case("meetings:live_member", DRAFT, kwargs=_draft, note="+draft"),
    Case(
        "meetings:live_member",
        everyone(404, outsider=200, admin=200, **ANON),
        kwargs=_other_body,
        note="+other",
    ),
    Case("meetings:live_projector", VIEWERS, kwargs=_published),
    Case("meetings:live_projector", DRAFT, kwargs=_draft, note="+draft"),
    Case("meetings:live_chair", everyone(403, chair=200, outsider=404, **ANON), kwargs=_published),
    Case("meetings:live_chair", DRAFT, kwargs=_draft, note="+draft"),
    Case(
        "meetings:live_chair",
        everyone(404, outsider=200, admin=403, **ANON),
        kwargs=_other_body,
        note="+other",
    ),
    Case(
        "meetings:live_secretary",
        everyone(403, office=200, outsider=404, **ANON),
        kwargs=_published,
    ),
    Case("meetings:live_secretary", DRAFT, kwargs=_draft, note="+draft"),
]
