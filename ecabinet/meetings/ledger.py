"""Every call from meetings to the handling-time ledger (``ecabinet.tracking``), in one place.

Meetings works with or without the ledger installed: when ``ecabinet.tracking`` is not an
installed app every function here does nothing (and ``apps.py`` registers our own "waiting
for me" provider instead). When it is, each function runs inside the meeting service's
transaction, so the meeting's change and its ledger rows commit together.

Kind of work (registered in ``MeetingsConfig.ready``): ``meeting.confirm``, one per invited
member, due at the positions cut-off (or the start, when the cut-off has passed): the Office
needs the list of those attending and of the substitutes before the meeting. Answering
finishes it; cancelling the meeting withdraws the open ones. The live session withdraws
those still open when it opens the meeting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from datetime import datetime

    from ecabinet.accounts.models import User
    from ecabinet.meetings.models import Invitation, Meeting

SUBJECT_TYPE = "meetings.meeting"
KIND_CONFIRM = "meeting.confirm"


def ledger_installed() -> bool:
    return apps.is_installed("ecabinet.tracking")


def answer_due(meeting: Meeting, now: datetime | None = None) -> datetime:
    """When the answers are due: the positions cut-off, or the start once that has passed."""
    now = now or timezone.now()
    if meeting.positions_cutoff_at > now:
        return meeting.positions_cutoff_at
    return meeting.starts_at


def ledger_assign_invitees(
    *, actor: User, meeting: Meeting, invitations: list[Invitation]
) -> set[int]:
    """One confirmation item per invited member; the ledger tells each of them.

    Returns the ids of the users it told; meetings tells the others itself (all of them
    when the ledger is not installed).
    """
    if not ledger_installed():
        return set()
    from ecabinet.tracking.services import assignment_create

    told: set[int] = set()
    url = reverse("meetings:respond", kwargs={"pk": meeting.pk})
    due = answer_due(meeting)
    for invitation in invitations:
        assignment_create(
            actor=actor,
            body=meeting.body,
            assignee=invitation.user,
            kind=KIND_CONFIRM,
            subject_type=SUBJECT_TYPE,
            subject_id=str(meeting.pk),
            title=meeting.title,
            url=url,
            due_at=due,
            notify=True,
        )
        told.add(invitation.user_id)
    return told


def ledger_answered(*, actor: User, meeting: Meeting, invitation: Invitation) -> None:
    """The member answered: their confirmation item is done (a later change keeps it done)."""
    if not ledger_installed():
        return
    from ecabinet.tracking.selectors import assignment_open_of
    from ecabinet.tracking.services import assignment_done

    item = assignment_open_of(
        invitation.user, subject_type=SUBJECT_TYPE, subject_id=str(meeting.pk), kind=KIND_CONFIRM
    )
    if item is not None:
        assignment_done(actor=actor, assignment=item)


def ledger_cancelled(*, actor: User | None, meeting: Meeting, reason: str) -> None:
    """The meeting is cancelled: every open item on it is withdrawn with the reason."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignments_cancel_for_subject

    assignments_cancel_for_subject(
        actor=actor,
        body=meeting.body,
        subject_type=SUBJECT_TYPE,
        subject_id=str(meeting.pk),
        reason=reason,
    )
