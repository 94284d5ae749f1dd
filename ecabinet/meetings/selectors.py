"""Reads of meetings, scoped to what the user may see (permissions.py says who sees what).

A meeting of a body the user does not belong to is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.bodies.models import Body, Membership, Role
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.core.calendar import add_working_days
from ecabinet.core.dates import format_decree_datetime
from ecabinet.core.waiting import WaitingItem
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import (
    AgendaItem,
    Invitation,
    ItemDocument,
    Meeting,
    MeetingSettings,
)

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser


# --- Settings ------------------------------------------------------------------------------


def settings_for(body: Body) -> MeetingSettings:
    """The body's meeting rules (an unsaved row with the defaults when it has set none)."""
    row = MeetingSettings.objects.filter(body=body).first()
    return row if row is not None else MeetingSettings(body=body, version=0)


def latest_invitation_time(meeting: Meeting, days: int | None = None) -> datetime:
    """The last moment the invitations may go out: the start minus the body's number of
    working days, at the same time of day (Vietnam time)."""
    if days is None:
        days = settings_for(meeting.body).invitation_days
    return add_working_days(meeting.starts_at, -days)


# --- Lists and one meeting -----------------------------------------------------------------


def _seen_by(user: AnyUser, body: Body, membership: Membership) -> Q:
    """The meetings of ``body`` this member sees without following every meeting."""
    seen = Q(chair_id=user.pk) | Q(secretary_id=user.pk)
    if membership.role in VOTING_ROLES:
        seen |= Q(invitations__user_id=user.pk)
    # A substitute: named on an invitation, or holding a delegation from an invited member
    # whose period overlaps the meeting (a period delegation covers the meetings in it).
    seen |= Q(invitations__substitute_id=user.pk)
    seen |= Q(
        invitations__membership__delegations_given__substitute__user_id=user.pk,
        invitations__membership__delegations_given__substitute__is_active=True,
        invitations__membership__delegations_given__revoked_at__isnull=True,
        invitations__membership__delegations_given__starts_at__lt=F("ends_at"),
        invitations__membership__delegations_given__ends_at__gt=F("starts_at"),
    )
    unit = perms.agency_unit(user, body, membership)
    if unit is not None:
        seen |= Q(items__presenting_unit_id=unit)
    if membership.role == Role.OBSERVER:
        seen |= Q(status__in=t.PUBLISHED)
    return seen


def meeting_list_for(user: AnyUser, body: Body) -> QuerySet[Meeting]:
    """The body's meetings the user may see, latest start first."""
    qs = Meeting.objects.filter(body=body).select_related("body", "meeting_type", "room")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if perms.is_system_admin(user):
        return qs
    membership = perms.membership_of(user, body)
    if membership is None or not perms.can_use_meetings(user, body, membership):
        return qs.none()
    if perms.is_office(user, body, membership) or membership.role == Role.CHAIR:
        return qs
    ids = Meeting.objects.filter(body=body).filter(_seen_by(user, body, membership))
    return qs.filter(pk__in=ids.values("pk"))


def meeting_for(user: AnyUser, pk: int) -> Meeting:
    """A meeting the user may see; 404 otherwise (another body's, or not theirs)."""
    meeting = (
        Meeting.objects.select_related(
            "body", "meeting_type", "room", "chair", "secretary", "dossier", "created_by"
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None or not user.is_authenticated or not user.is_active:
        raise Http404
    if perms.is_system_admin(user):
        return meeting
    if meeting_list_for(user, meeting.body).filter(pk=pk).exists():
        return meeting
    raise Http404


def items_of(meeting: Meeting) -> list[AgendaItem]:
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenting_unit")
        .order_by("number")
    )
    for item in items:
        item.meeting = meeting
    return items


def item_of(meeting: Meeting, pk: int) -> AgendaItem:
    item = (
        AgendaItem.objects.filter(meeting=meeting, pk=pk).select_related("presenting_unit").first()
    )
    if item is None:
        raise Http404
    item.meeting = meeting
    return item


def item_document_of(meeting: Meeting, pk: int) -> ItemDocument:
    row = (
        ItemDocument.objects.filter(item__meeting=meeting, pk=pk)
        .select_related("item", "document", "submitted_by")
        .first()
    )
    if row is None:
        raise Http404
    row.item.meeting = meeting
    return row


def documents_by_item(meeting: Meeting) -> dict[int, list[ItemDocument]]:
    """Every paper of the meeting's items, grouped by item (one query)."""
    grouped: dict[int, list[ItemDocument]] = {}
    for row in (
        ItemDocument.objects.filter(item__meeting=meeting)
        .select_related("document", "document_version", "submitted_by", "decided_by")
        .order_by("item_id", "submitted_at", "pk")
    ):
        grouped.setdefault(row.item_id, []).append(row)
    return grouped


@dataclass
class AgendaRow:
    """An item as one reader sees it, with the papers shown to them."""

    item: AgendaItem
    documents: list[ItemDocument]
    can_upload: bool = False


def agenda_for(user: AnyUser, meeting: Meeting) -> list[AgendaRow]:
    """The agenda as ``user`` sees it.

    Those who follow the meeting see every item and every paper; an agency only its own
    items and their papers; everyone else every item, and the approved papers once they are
    published.
    """
    membership = perms.membership_of(user, meeting.body)
    follow = perms.can_follow_meeting(user, meeting, membership)
    unit = None if follow else perms.agency_unit(user, meeting.body, membership)
    published = meeting.documents_published_at is not None
    papers = documents_by_item(meeting)
    rows = []
    for item in items_of(meeting):
        docs = papers.get(item.pk, [])
        if follow:
            shown = docs
        elif unit is not None:
            if item.presenting_unit_id != unit:
                continue
            shown = docs
        else:
            shown = (
                [d for d in docs if d.status == ItemDocument.Status.APPROVED] if published else []
            )
        rows.append(
            AgendaRow(
                item=item,
                documents=shown,
                can_upload=perms.can_submit_document(user, item, membership),
            )
        )
    return rows


def invitations_of(meeting: Meeting) -> list[Invitation]:
    return list(
        Invitation.objects.filter(meeting=meeting)
        .select_related("user", "membership__title", "substitute", "delegation")
        .order_by("precedence", "pk")
    )


def invitation_of(user: AnyUser, meeting: Meeting) -> Invitation | None:
    """The user's own invitation to the meeting, if any."""
    if not user.is_authenticated:
        return None
    row = (
        Invitation.objects.filter(meeting=meeting, user_id=user.pk)
        .select_related("membership", "substitute", "delegation")
        .first()
    )
    if row is not None:
        row.meeting = meeting
    return row


def standing_in_for(user: AnyUser, meeting: Meeting) -> list[Invitation]:
    """Invitations of members whose substitute the user is for this meeting."""
    if not user.is_authenticated:
        return []
    return list(
        Invitation.objects.filter(meeting=meeting)
        .filter(
            Q(substitute_id=user.pk)
            | Q(
                membership__delegations_given__substitute__user_id=user.pk,
                membership__delegations_given__revoked_at__isnull=True,
                membership__delegations_given__starts_at__lt=meeting.ends_at,
                membership__delegations_given__ends_at__gt=meeting.starts_at,
            )
        )
        .select_related("user")
        .distinct()
    )


@dataclass
class Answers:
    """The invitation answers, counted, for the Office's live panel."""

    invitations: list[Invitation]
    accepted: int = 0
    declined: int = 0
    substituted: int = 0
    pending: list[Invitation] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.invitations)

    @property
    def attending(self) -> int:
        """Seats that will be filled: the members coming and the substitutes."""
        return self.accepted + self.substituted


def answers_of(meeting: Meeting) -> Answers:
    """Counts of confirmed / declined / substituted / not answered, and who has not (one
    query)."""
    invitations = invitations_of(meeting)
    answers = Answers(invitations=invitations)
    for invitation in invitations:
        if invitation.response == Invitation.Response.ACCEPTED:
            answers.accepted += 1
        elif invitation.response == Invitation.Response.DECLINED:
            answers.declined += 1
        elif invitation.response == Invitation.Response.SUBSTITUTED:
            answers.substituted += 1
        else:
            answers.pending.append(invitation)
    return answers


def voting_members(body: Body) -> QuerySet[Membership]:
    """Every active voting member of the body (chair, vice chairs, members), by precedence."""
    return (
        Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=VOTING_ROLES
        )
        .select_related("user", "title")
        .order_by("precedence", "user__full_name", "pk")
    )


def office_members(body: Body) -> QuerySet[Membership]:
    """The body's active Office staff (secretary candidates; who hears of new papers)."""
    return (
        Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=perms.OFFICE_ROLES
        )
        .select_related("user", "title")
        .order_by("precedence", "user__full_name", "pk")
    )


def substitute_choices(body: Body) -> QuerySet[Membership]:
    """Who a member may name to stand in: the body's active deputies (người được cử dự thay).

    The delegation rules themselves (bodies.services.delegation_create) accept any active
    member without a voting seat; the form offers the role made for it.
    """
    return (
        Membership.objects.filter(body=body, is_active=True, user__is_active=True, role=Role.DEPUTY)
        .select_related("user", "title", "unit")
        .order_by("precedence", "user__full_name", "pk")
    )


# --- Readiness to send ---------------------------------------------------------------------


@dataclass
class Readiness:
    """What stops the invitations from going out now, and what is worth knowing first."""

    problems: list[str]
    items_without_papers: list[AgendaItem]
    approved: int
    latest: datetime

    @property
    def ready(self) -> bool:
        return not self.problems


def invite_readiness(meeting: Meeting, now: datetime | None = None) -> Readiness:
    """Checks of ``meeting_invite`` that the confirmation page shows before sending."""
    now = now or timezone.now()
    problems: list[str] = []
    items = items_of(meeting)
    papers = documents_by_item(meeting)
    latest = latest_invitation_time(meeting)
    if meeting.status != t.DRAFT:
        problems.append(_("Giấy mời của cuộc họp này đã được gửi."))
    if meeting.starts_at <= now:
        problems.append(_("Cuộc họp đã bắt đầu hoặc đã qua."))
    elif now > latest:
        problems.append(
            _(
                "Đã quá hạn gửi giấy mời: giấy mời và tài liệu phải gửi chậm nhất lúc "
                "%(latest)s (%(days)s ngày làm việc trước cuộc họp)."
            )
            % {
                "latest": format_decree_datetime(latest),
                "days": settings_for(meeting.body).invitation_days,
            }
        )
    if not items:
        problems.append(_("Cuộc họp chưa có nội dung nào."))
    pending = [d for docs in papers.values() for d in docs if d.status == "submitted"]
    if pending:
        problems.append(
            _("Còn %(n)s tài liệu chờ Văn phòng duyệt: hãy duyệt hoặc trả lại trước khi gửi.")
            % {"n": len(pending)}
        )
    if not voting_members(meeting.body).exists():
        problems.append(_("Cơ quan chưa có thành viên nào để mời."))
    without = [
        item for item in items if not any(d.status == "approved" for d in papers.get(item.pk, []))
    ]
    approved = sum(1 for docs in papers.values() for d in docs if d.status == "approved")
    return Readiness(
        problems=problems, items_without_papers=without, approved=approved, latest=latest
    )


# --- Waiting for me ------------------------------------------------------------------------


def meetings_waiting_for(user: User) -> list[WaitingItem]:
    """Invitations the user has not answered yet (used when the ledger is not installed)."""
    if not user.is_authenticated or user.pk is None:
        return []
    now = timezone.now()
    rows = (
        Invitation.objects.filter(
            user=user,
            response=Invitation.Response.PENDING,
            membership__is_active=True,
            meeting__status__in=t.INVITED,
            meeting__starts_at__gt=now,
            meeting__body__is_active=True,
        )
        .select_related("meeting__body")
        .order_by("meeting__starts_at")
    )
    return [
        WaitingItem(
            title=row.meeting.title,
            url=reverse("meetings:respond", kwargs={"pk": row.meeting_id}),
            body_name=row.meeting.body.short_name or row.meeting.body.name,
            detail=_("Xác nhận dự họp — họp lúc %(at)s")
            % {"at": format_decree_datetime(row.meeting.starts_at)},
            due_at=row.meeting.positions_cutoff_at
            if row.meeting.positions_cutoff_at > now
            else row.meeting.starts_at,
        )
        for row in rows
    ]
