"""Meetings the permission rows of the meetings app are asked about, made on demand in the
persona world (shared by matrix.py, matrix_positions.py and matrix_screens.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ecabinet.bodies.models import MeetingType, Room
from ecabinet.core.testing.personas import World
from ecabinet.meetings import services
from ecabinet.meetings.models import Invitation, Meeting


def user_of(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def catalogue(w: World) -> tuple[MeetingType, Room]:
    meeting_type, _created = MeetingType.objects.get_or_create(
        body=w.body, name="Phiên họp thường kỳ"
    )
    room, _created = Room.objects.get_or_create(
        body=w.body, name="Phòng họp số 1", defaults={"seating_rows": 3, "seats_per_row": 6}
    )
    return meeting_type, room


def make_meeting(w: World, title: str, starts_at: datetime, item_title: str) -> Meeting:
    """A draft of the body (once per title) with one item presented by the agency's unit."""
    found = Meeting.objects.filter(body=w.body, title=title).first()
    if found is not None:
        return found
    meeting_type, room = catalogue(w)
    meeting = services.meeting_create(
        actor=user_of(w, "office"),
        body=w.body,
        meeting_type=meeting_type,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        room=room,
        chair=user_of(w, "chair"),
    )
    services.agenda_item_add(
        actor=user_of(w, "office"),
        meeting=meeting,
        title=item_title,
        presenting_unit=w.memberships["agency"].unit,
    )
    return meeting


def other_body_meeting(w: World, title: str, starts_in: timedelta) -> Meeting:
    """A scheduled meeting of the other body, to which the outsider is invited."""
    from ecabinet.documents.models import Dossier

    found = Meeting.objects.filter(body=w.other_body, title=title).first()
    if found is not None:
        return found
    admin = user_of(w, "admin")
    outsider = w.memberships["outsider"]
    starts = timezone.now() + starts_in
    meeting = Meeting.objects.create(
        body=w.other_body,
        meeting_type=MeetingType.objects.get_or_create(body=w.other_body, name="Họp tỉnh")[0],
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Trụ sở tỉnh",
        chair=outsider.user,
        status=Meeting.Status.SCHEDULED,
        invitations_sent_at=timezone.now(),
        positions_cutoff_at=starts - timedelta(hours=24),
        dossier=Dossier.objects.create(
            body=w.other_body, title=f"Hồ sơ: {title}", created_by=admin
        ),
        created_by=admin,
    )
    Invitation.objects.create(
        meeting=meeting, membership=outsider, user=outsider.user, role=outsider.role
    )
    return meeting
