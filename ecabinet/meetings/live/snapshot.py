"""The live session's STATE (the contract shared with the screens), part by part.

``snapshot_for(user, meeting)`` is the whole state as one user sees it; each ``*_part``
builds one key of it, the same for everyone, and is what a group event carries. Every part
is a few queries whatever the number of members.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ecabinet.core.dates import VN_TZ
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.models import (
    AgendaItem,
    Attendance,
    Conclusion,
    FloorRequest,
    Invitation,
    Meeting,
    MinuteNote,
    Poll,
    Vote,
)
from ecabinet.meetings.selectors import settings_for

if TYPE_CHECKING:
    from ecabinet.bodies.permissions import AnyUser

PARTS = ("meeting", "quorum", "attendance", "items", "floor", "poll")


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(VN_TZ).isoformat() if moment is not None else None


def name_of(user: Any) -> str:
    if user is None:
        return ""
    return str(user.full_name or user.username)


# --- Quorum ---------------------------------------------------------------------------------


def members_total(meeting: Meeting) -> int:
    """ALL voting members of the body, as invited (frozen at sending), still members."""
    return Invitation.objects.filter(
        meeting=meeting, membership__is_active=True, user__is_active=True
    ).count()


def open_attendance(meeting: Meeting) -> Any:
    return Attendance.objects.filter(meeting=meeting, left_at__isnull=True)


def quorum_part(meeting: Meeting) -> dict[str, Any]:
    """Members present against the body's share of ALL members (2/3 by default).

    Only members in their own seat count towards the quorum; substitutes and guests are
    shown but do not make a meeting quorate (decision 1001).
    """
    rules = settings_for(meeting.body)
    total = members_total(meeting)
    counts = Counter(
        open_attendance(meeting)
        .exclude(capacity=Attendance.Capacity.MEMBER, membership__is_active=False)
        .values_list("capacity", flat=True)
    )
    num, den = rules.quorum_numerator, rules.quorum_denominator
    required = -(-total * num // den)
    present = counts[Attendance.Capacity.MEMBER]
    return {
        "members_total": total,
        "present_members": present,
        "present_substitutes": counts[Attendance.Capacity.SUBSTITUTE],
        "guests": counts[Attendance.Capacity.GUEST],
        "required": required,
        "reached": total > 0 and present >= required,
        "rule": f"{num}/{den}",
    }


# --- Parts ----------------------------------------------------------------------------------


def meeting_part(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "status": meeting.status,
        "status_label": str(Meeting.Status(meeting.status).label),
        "chair": name_of(meeting.chair),
        "secretary": name_of(meeting.secretary) or None,
        "starts_at": iso(meeting.starts_at),
        "ends_at": iso(meeting.ends_at),
        "started_at": iso(meeting.started_at),
        "closed_at": iso(meeting.closed_at),
        "current_item": meeting.current_item_id,
        "server_time": iso(timezone.now()),
    }


def attendance_part(meeting: Meeting) -> dict[str, Any]:
    rows = list(
        open_attendance(meeting)
        .select_related("user", "on_behalf_of")
        .order_by("checked_in_at", "pk")
    )
    present = [
        {
            "user_id": row.user_id,
            "name": name_of(row.user),
            "capacity": row.capacity,
            "on_behalf_of": name_of(row.on_behalf_of) or None,
            "mode": row.mode,
            "checked_in_at": iso(row.checked_in_at),
        }
        for row in rows
    ]
    here = {row.user_id for row in rows}
    represented = {row.invitation_id for row in rows if row.invitation_id is not None}
    absent: list[dict[str, Any]] = []
    not_arrived: list[dict[str, Any]] = []
    for invitation in (
        Invitation.objects.filter(meeting=meeting, membership__is_active=True)
        .select_related("user")
        .order_by("precedence", "pk")
    ):
        if invitation.user_id in here:
            continue
        if invitation.response == Invitation.Response.DECLINED:
            absent.append({"name": name_of(invitation.user), "reason": invitation.reason})
        elif invitation.pk not in represented:
            not_arrived.append({"user_id": invitation.user_id, "name": name_of(invitation.user)})
    return {"present": present, "absent": absent, "not_arrived": not_arrived}


def _attachment(conclusion: Conclusion) -> dict[str, Any] | None:
    document = conclusion.attachment
    if document is None:
        return None
    try:
        url = reverse("documents:document", args=[document.pk])
    except NoReverseMatch:
        url = ""
    return {"id": document.pk, "title": document.title, "url": url}


def _conclusion(conclusion: Conclusion | None) -> dict[str, Any] | None:
    if conclusion is None:
        return None
    return {
        "outcome": conclusion.outcome,
        "outcome_label": str(Conclusion.Outcome(conclusion.outcome).label),
        "text": conclusion.text,
        "attachment": _attachment(conclusion),
        "recorded_by": name_of(conclusion.recorded_by),
        "recorded_at": iso(conclusion.recorded_at),
        "version": conclusion.version,
    }


def items_part(meeting: Meeting) -> list[dict[str, Any]]:
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenting_unit")
        .order_by("number")
    )
    conclusions = {
        c.item_id: c
        for c in Conclusion.objects.filter(item__meeting=meeting).select_related(
            "attachment", "recorded_by"
        )
    }
    return [
        {
            "id": item.pk,
            "number": item.number,
            "title": item.title,
            "presenting_unit": (
                str(item.presenting_unit.short_name or item.presenting_unit.name)
                if item.presenting_unit is not None
                else ""
            ),
            "presenting_unit_id": item.presenting_unit_id,
            "status": item.status,
            "status_label": str(AgendaItem.Status(item.status).label),
            "block": item.block,
            "outcome": item.outcome,
            "planned_minutes": item.planned_minutes,
            "started_at": iso(item.started_at),
            "ended_at": iso(item.ended_at),
            "needs_decision": item.needs_decision,
            "conclusion": _conclusion(conclusions.get(item.pk)),
        }
        for item in items
    ]


def floor_part(meeting: Meeting) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {"speak": [], "question": []}
    for row in (
        FloorRequest.objects.filter(meeting=meeting)
        .select_related("user", "on_behalf_of")
        .order_by("requested_at", "pk")
    ):
        lists[row.kind].append(
            {
                "id": row.pk,
                "user_id": row.user_id,
                "name": name_of(row.user),
                "on_behalf_of": name_of(row.on_behalf_of) or None,
                "status": row.status,
                "item": row.item_id,
                "requested_at": iso(row.requested_at),
                "called_at": iso(row.called_at),
                "started_at": iso(row.started_at),
                "ended_at": iso(row.ended_at),
            }
        )
    return lists


def current_poll(meeting: Meeting) -> Poll | None:
    """The open poll, else the last one closed (its results stay on the screens)."""
    return (
        Poll.objects.filter(meeting=meeting)
        .order_by("-status", "-opened_at", "-pk")  # "open" sorts after "closed"
        .first()
    )


def poll_part(meeting: Meeting, poll: Poll | None = None) -> dict[str, Any] | None:
    poll = poll if poll is not None else current_poll(meeting)
    if poll is None:
        return None
    voters = list(Vote.objects.filter(poll=poll).values_list("voter_id", flat=True))
    return {
        "id": poll.pk,
        "item_ids": sorted(poll.items.values_list("pk", flat=True)),
        "title": poll.title,
        "status": poll.status,
        "opened_at": iso(poll.opened_at),
        "closed_at": iso(poll.closed_at),
        "eligible": poll.electorate,
        "voted": len(voters),
        "voted_user_ids": sorted(voters),
        "results": poll.results if poll.status == Poll.Status.CLOSED else None,
    }


def notes_part(meeting: Meeting) -> list[dict[str, Any]]:
    """The minutes notes (for the secretary and the Office only)."""
    return [
        {
            "id": note.pk,
            "item": note.item_id,
            "author": name_of(note.author),
            "text": note.text,
            "created_at": iso(note.created_at),
        }
        for note in MinuteNote.objects.filter(item__meeting=meeting)
        .select_related("author")
        .order_by("created_at", "pk")
    ]


PART_BUILDERS: dict[str, Callable[[Meeting], Any]] = {
    "meeting": meeting_part,
    "quorum": quorum_part,
    "attendance": attendance_part,
    "items": items_part,
    "floor": floor_part,
    "poll": poll_part,
    "notes": notes_part,
}


# --- The user's own part --------------------------------------------------------------------


def signing_url(meeting: Meeting) -> str:
    return reverse("meetings:live_signing", args=[meeting.pk])


def my_vote(user: AnyUser, poll_id: int | None) -> dict[str, Any] | None:
    if poll_id is None or not user.is_authenticated:
        return None
    vote = (
        Vote.objects.filter(poll_id=poll_id, voter_id=user.pk)
        .select_related("statement", "on_behalf_of")
        .order_by("pk")
        .first()
    )
    return receipt(vote) if vote is not None else None


def receipt(vote: Vote) -> dict[str, Any]:
    """What the voter sees of their vote: what they signed, when, and its fingerprint."""
    statement = vote.statement
    return {
        "poll": vote.poll_id,
        "choice": vote.choice,
        "choice_label": str(Vote.Choice(vote.choice).label),
        "signed_at": iso(statement.created_at),
        "statement_id": str(statement.pk),
        "payload_sha256": statement.payload_sha256,
        "seat": vote.membership_id,
        "on_behalf_of": name_of(vote.on_behalf_of) or None,
    }


def me_part(
    user: AnyUser, meeting: Meeting, *, session_key: str | None = None, poll_id: int | None = None
) -> dict[str, Any]:
    from ecabinet.accounts.stepup import signing_window_covering

    if not user.is_authenticated:
        return {"user_id": None, "name": "", "roles": []}
    attendance = open_attendance(meeting).filter(user_id=user.pk).select_related("on_behalf_of")
    row = attendance.first()
    seats = live_perms.seats_of(user, meeting)
    substitute_for = next((s.invitation.user for s in seats if s.substitute), None)
    window = None
    if session_key and seats:
        window = signing_window_covering(
            user,
            session_key=session_key,
            scope=("meeting", str(meeting.pk)),
        )
    if poll_id is None:
        poll = current_poll(meeting)
        poll_id = poll.pk if poll is not None else None
    return {
        "user_id": user.pk,
        "name": name_of(user),
        "roles": live_perms.roles_of(user, meeting),
        "checked_in": row is not None,
        "mode": row.mode if row is not None else None,
        "can_attend": live_perms.can_attend(user, meeting),
        "can_vote": any("vote" in s.mandates for s in seats),
        "can_speak": any("speak" in s.mandates for s in seats)
        or live_perms.is_presenting_agency(user, meeting),
        "can_chair": live_perms.can_chair(user, meeting),
        "can_record_minutes": live_perms.can_record_minutes(user, meeting),
        "on_behalf_of": name_of(
            row.on_behalf_of if row is not None and row.on_behalf_of else substitute_for
        )
        or None,
        "my_vote": my_vote(user, poll_id),
        "signing_window": window is not None,
        "signing_window_until": iso(window.expires_at) if window is not None else None,
        "signing_url": signing_url(meeting),
    }


def follows_room(user: AnyUser, meeting: Meeting) -> bool:
    """The chair's console, the secretary and the Office: the screens that show who is
    present and who has voted. The others (members' phones, the projector, an agency) get
    the public form of those parts (``events.public_data``)."""
    return live_perms.can_chair(user, meeting) or live_perms.can_record_minutes(user, meeting)


def snapshot_for(
    user: AnyUser, meeting: Meeting, *, session_key: str | None = None
) -> dict[str, Any]:
    """The whole STATE as ``user`` sees it (JSON-serialisable). The caller has checked
    ``can_view_live``. A presenting agency sees only its own items' titles (as in the
    preparation pages); the secretary and the Office also get the minutes notes; only the
    screens that follow the room get the attendance lists and the voters' ids."""
    from ecabinet.meetings.live.events import public_data

    meeting = Meeting.objects.select_related("body", "chair", "secretary").get(pk=meeting.pk)
    poll = current_poll(meeting)
    full = follows_room(user, meeting)
    attendance = attendance_part(meeting) if full else public_data("attendance", None)
    poll_data = poll_part(meeting, poll)
    state: dict[str, Any] = {
        "seq": meeting.seq,
        "meeting": meeting_part(meeting),
        "quorum": quorum_part(meeting),
        "attendance": attendance,
        "items": filter_items(user, meeting, items_part(meeting)),
        "floor": floor_part(meeting),
        "poll": poll_data if full else public_data("poll", poll_data),
        "me": me_part(
            user, meeting, session_key=session_key, poll_id=poll.pk if poll is not None else None
        ),
    }
    if live_perms.can_record_minutes(user, meeting):
        state["notes"] = notes_part(meeting)
    return state


def agency_filter_unit(user: AnyUser, meeting: Meeting) -> int | None:
    """The unit whose items only are shown to this user (an agency that follows nothing
    else), or None for everyone who sees the whole agenda."""
    from ecabinet.meetings import permissions as perms

    membership = perms.membership_of(user, meeting.body)
    if perms.can_follow_meeting(user, meeting, membership) or live_perms.seats_of(user, meeting):
        return None
    return perms.agency_unit(user, meeting.body, membership)


def filter_items(
    user: AnyUser | None,
    meeting: Meeting | None,
    items: list[dict[str, Any]],
    unit: int | None = None,
) -> list[dict[str, Any]]:
    if user is not None and meeting is not None:
        unit = agency_filter_unit(user, meeting)
    if unit is None:
        return items
    return [item for item in items if item["presenting_unit_id"] == unit]
