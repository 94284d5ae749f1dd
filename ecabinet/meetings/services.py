"""Every write of the meetings app's preparation, one service per action.

Each service checks permission, validates what it can outside the transaction (on SQLite
every atomic block takes the write lock), then inside one transaction locks the meeting row
(always first: meeting → item → paper or invitation → delegation, so two services never wait
on each other in opposite orders), checks the state (``transitions.MACHINE``) and the
version the form was loaded with, mutates, appends its audit event and notifies. A refused
action raises ``DomainError`` with a message for the user and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, Delegation, Mandate, MeetingType, Membership, Room, Unit
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.core.body_settings import body_settings_update
from ecabinet.core.dates import format_decree_datetime
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.meetings import ledger
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import (
    MAX_INVITATION_DAYS,
    MAX_PLANNED_MINUTES,
    MAX_POSITIONS_CUTOFF_HOURS,
    AgendaItem,
    Invitation,
    ItemDocument,
    Meeting,
    MeetingSettings,
    Position,
)
from ecabinet.meetings.selectors import (
    invite_readiness,
    items_of,
    settings_for,
    voting_members,
)
from ecabinet.notifications.services import notification_send_each

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.documents.models import Document, Dossier

TITLE_MAX = 300
PLACE_MAX = 300
SUMMARY_MAX = 4000
REASON_MAX = 1000
MAX_ITEMS = 60
# One meeting is one sitting: at most a day long, at most two years ahead.
MAX_DURATION = timedelta(hours=24)
MAX_AHEAD = timedelta(days=730)
# A substitute's delegation starts this long before the meeting, so that they can check in.
CHECK_IN_LEAD = timedelta(hours=1)
# What a member may hand to a substitute for a meeting; attending is always part of it.
MEETING_MANDATES = frozenset({Mandate.ATTEND, Mandate.SPEAK, Mandate.VOTE})


# --- Small helpers -------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _stale() -> DomainError:
    return DomainError(
        _(
            "Cuộc họp vừa được người khác thay đổi sau khi bạn mở trang. Tải lại trang để xem "
            "thông tin mới rồi thử lại."
        ),
        code="stale",
    )


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("body", "meeting_type", "room", "chair", "dossier")
        .get(pk=meeting.pk)
    )


def _bump(obj: Meeting | AgendaItem | Invitation, fields: list[str]) -> None:
    obj.version += 1
    obj.save(update_fields=[*fields, "version"])


def _reason(reason: str, missing: Promise) -> str:
    reason = _clean(reason)
    if not reason:
        raise DomainError(missing, code="no_reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("Lý do dài tối đa %(n)s ký tự.") % {"n": REASON_MAX}, code="too_long")
    return reason


def _notify(
    users: Iterable[User | None],
    meeting: Meeting,
    title: Promise,
    text: Promise | str = "",
    *,
    url: str = "",
) -> None:
    """Notify each user once, in their own language. ``title`` (and ``text`` when lazy) may
    use ``%(title)s``, ``%(body)s`` and ``%(at)s`` (the start, as the reader's language
    writes a date); a plain ``text`` is sent as is."""
    notification_send_each(
        users,
        title=title,
        values=lambda: {
            "title": meeting.title,
            "body": meeting.body.name,
            "at": format_decree_datetime(meeting.starts_at),
        },
        text=text,
        url=url or reverse("meetings:detail", kwargs={"pk": meeting.pk}),
        body=meeting.body,
    )


def _invited_people(meeting: Meeting) -> list[User]:
    """Everyone asked to the meeting: the invited members and the substitutes they named."""
    people: list[User] = []
    for row in Invitation.objects.filter(meeting=meeting).select_related("user", "substitute"):
        people.append(row.user)
        if row.substitute is not None:
            people.append(row.substitute)
    return people


def _office_users(body: Body, exclude: User | None = None) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=perms.OFFICE_ROLES
        ).select_related("user")
        if exclude is None or m.user_id != exclude.pk
    ]


def _check_version(obj: Meeting | AgendaItem | Invitation, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise _stale()


# --- Settings ------------------------------------------------------------------------------


def meeting_settings_update(
    *,
    actor: User,
    body: Body,
    invitation_days: int,
    positions_cutoff_hours: int,
    quorum_numerator: int,
    quorum_denominator: int,
    version: int,
) -> MeetingSettings:
    """Set the body's meeting rules: how many working days ahead invitations go out, the
    positions cut-off before a meeting, the quorum (a fraction of ALL members)."""
    if not perms.can_configure_meetings(actor, body):
        raise PermissionDenied
    if not 0 <= invitation_days <= MAX_INVITATION_DAYS:
        raise DomainError(
            _("Số ngày làm việc gửi giấy mời trước phải từ 0 đến %(n)s.")
            % {"n": MAX_INVITATION_DAYS},
            code="bad_days",
        )
    if not 0 <= positions_cutoff_hours <= MAX_POSITIONS_CUTOFF_HOURS:
        raise DomainError(
            _("Hạn cho ý kiến trước cuộc họp phải từ 0 đến %(n)s giờ.")
            % {"n": MAX_POSITIONS_CUTOFF_HOURS},
            code="bad_hours",
        )
    if not 1 <= quorum_numerator <= quorum_denominator <= 100:
        raise DomainError(
            _("Tỷ lệ tối thiểu phải là một phân số từ 1/100 đến 1 (tử số không lớn hơn mẫu số)."),
            code="bad_quorum",
        )
    return body_settings_update(
        MeetingSettings,
        actor=actor,
        body=body,
        values={
            "invitation_days": invitation_days,
            "positions_cutoff_hours": positions_cutoff_hours,
            "quorum_numerator": quorum_numerator,
            "quorum_denominator": quorum_denominator,
        },
        version=version,
        verb="meetings.settings_update",
    )


# --- The meeting ---------------------------------------------------------------------------


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting_type": meeting.meeting_type_id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "room": meeting.room_id,
        "place": meeting.place,
        "chair": meeting.chair_id,
        "secretary": meeting.secretary_id,
        "positions_cutoff_at": meeting.positions_cutoff_at,
        "status": meeting.status,
    }


def _active_membership(user: User | None, body: Body) -> Membership | None:
    if user is None or not user.is_active:
        return None
    return Membership.objects.filter(body=body, user=user, is_active=True).first()


def _clean_meeting(
    body: Body,
    *,
    meeting_type: MeetingType | None,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    room: Room | None,
    place: str,
    chair: User | None,
    secretary: User | None,
    now: datetime,
) -> dict[str, Any]:
    """The meeting's fields checked against the rules; a clear refusal for the first wrong."""
    if meeting_type is None or meeting_type.body_id != body.pk or not meeting_type.is_active:
        raise DomainError(_("Hãy chọn một loại cuộc họp của cơ quan."), code="bad_type")
    title = _clean(title)
    if not title:
        raise DomainError(_("Cuộc họp cần có tên."), code="no_title")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("Tên cuộc họp dài tối đa %(n)s ký tự.") % {"n": TITLE_MAX}, code="too_long"
        )
    if starts_at is None or ends_at is None:
        raise DomainError(_("Cần có thời gian bắt đầu và kết thúc."), code="no_time")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if starts_at <= now:
        raise DomainError(
            _("Thời gian bắt đầu %(at)s đã qua. Hãy chọn một thời điểm sau bây giờ.")
            % {"at": format_decree_datetime(starts_at)},
            code="past",
        )
    if starts_at > now + MAX_AHEAD:
        raise DomainError(_("Cuộc họp không được xếp lịch quá hai năm."), code="too_far")
    if ends_at <= starts_at:
        raise DomainError(_("Giờ kết thúc phải sau giờ bắt đầu."), code="ends_before_start")
    if ends_at - starts_at > MAX_DURATION:
        raise DomainError(_("Một cuộc họp kéo dài tối đa 24 giờ."), code="too_long")
    if room is not None and (room.body_id != body.pk or not room.is_active):
        raise DomainError(_("Phòng họp không thuộc cơ quan này."), code="bad_room")
    place = _clean(place)
    if len(place) > PLACE_MAX:
        raise DomainError(_("Địa điểm dài tối đa %(n)s ký tự.") % {"n": PLACE_MAX}, code="too_long")
    if room is None and not place:
        raise DomainError(_("Hãy chọn phòng họp hoặc ghi địa điểm."), code="no_place")
    chair_membership = _active_membership(chair, body)
    if chair_membership is None or chair_membership.role not in VOTING_ROLES:
        raise DomainError(
            _("Người chủ trì phải là thành viên có quyền biểu quyết của cơ quan."),
            code="bad_chair",
        )
    if secretary is not None:
        membership = _active_membership(secretary, body)
        if membership is None or membership.role not in perms.OFFICE_ROLES:
            raise DomainError(
                _("Thư ký cuộc họp phải là cán bộ Văn phòng của cơ quan."), code="bad_secretary"
            )
    return {
        "meeting_type": meeting_type,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "room": room,
        "place": place,
        "chair": chair,
        "secretary": secretary,
    }


def _cutoff(body: Body, starts_at: datetime) -> datetime:
    return starts_at - timedelta(hours=settings_for(body).positions_cutoff_hours)


def meeting_create(
    *,
    actor: User,
    body: Body,
    meeting_type: MeetingType | None,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    chair: User | None,
    room: Room | None = None,
    place: str = "",
    secretary: User | None = None,
) -> Meeting:
    """The Office creates a meeting (draft) and its dossier for the meeting's own papers.

    Refused: another body's type, room or people; a start in the past or more than two years
    ahead; an end before the start or more than 24 hours after it; no room and no place; a
    chair without a voting seat; a secretary outside the Office.
    """
    from ecabinet.documents.models import Dossier
    from ecabinet.documents.services import dossier_create

    if not perms.can_create_meeting(actor, body):
        raise PermissionDenied
    fields = _clean_meeting(
        body,
        meeting_type=meeting_type,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        place=place,
        chair=chair,
        secretary=secretary,
        now=timezone.now(),
    )
    with transaction.atomic():
        dossier = dossier_create(
            actor=actor, body=body, title=_("Tài liệu họp: %(title)s") % {"title": fields["title"]}
        )
        meeting = Meeting.objects.create(
            body=body,
            dossier=dossier,
            positions_cutoff_at=_cutoff(body, fields["starts_at"]),
            created_by=actor,
            **fields,
        )
        Dossier.objects.filter(pk=dossier.pk).update(meeting_ref=meeting.ref)
        audit_append(
            actor=actor,
            verb="meetings.meeting_create",
            obj=meeting,
            body=body,
            after={**_snapshot(meeting), "dossier": dossier.pk},
        )
    return meeting


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    version: int,
    meeting_type: MeetingType | None,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    chair: User | None,
    room: Room | None = None,
    place: str = "",
    secretary: User | None = None,
) -> Meeting:
    """Change the meeting while it is a draft (same rules as ``meeting_create``).

    Once the invitations are out, what they print (time, place, chair) is fixed: to move a
    meeting, cancel it (everyone is told) and create a new one with new invitations.
    """
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    fields = _clean_meeting(
        meeting.body,
        meeting_type=meeting_type,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        place=place,
        chair=chair,
        secretary=secretary,
        now=timezone.now(),
    )
    with transaction.atomic():
        row = _locked(meeting)
        if row.status != t.DRAFT:
            raise DomainError(
                _(
                    "Giấy mời đã được gửi nên không sửa được thông tin cuộc họp. Nếu cần đổi "
                    "thời gian hoặc địa điểm, hãy hủy cuộc họp (các thành viên được thông báo) "
                    "rồi tạo cuộc họp mới."
                ),
                code="sent",
            )
        _check_version(row, version)
        before = _snapshot(row)
        for name, value in fields.items():
            setattr(row, name, value)
        row.positions_cutoff_at = _cutoff(row.body, row.starts_at)
        _bump(row, [*fields, "positions_cutoff_at"])
        audit_append(
            actor=actor,
            verb="meetings.meeting_update",
            obj=row,
            body=row.body,
            before=before,
            after=_snapshot(row),
        )
    return row


# --- The agenda ----------------------------------------------------------------------------


def _check_preparing(meeting: Meeting) -> None:
    if meeting.status not in t.PREPARING:
        raise InvalidTransition(
            _(
                "Cuộc họp đã bắt đầu, đã kết thúc hoặc đã bị hủy: chương trình và tài liệu "
                "không thay đổi được nữa."
            )
        )


def _item_snapshot(item: AgendaItem) -> dict[str, Any]:
    return {
        "meeting": item.meeting_id,
        "number": item.number,
        "title": item.title,
        "summary": item.summary,
        "presenting_unit": item.presenting_unit_id,
        "planned_minutes": item.planned_minutes,
        "needs_decision": item.needs_decision,
    }


def _clean_item(
    meeting: Meeting,
    *,
    title: str,
    summary: str,
    presenting_unit: Unit | None,
    planned_minutes: int | None,
) -> dict[str, Any]:
    title = _clean(title)
    if not title:
        raise DomainError(_("Nội dung họp cần có tên."), code="no_title")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("Tên nội dung dài tối đa %(n)s ký tự.") % {"n": TITLE_MAX}, code="too_long"
        )
    summary = (summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise DomainError(
            _("Tóm tắt dài tối đa %(n)s ký tự.") % {"n": SUMMARY_MAX}, code="too_long"
        )
    if presenting_unit is not None and (
        presenting_unit.body_id != meeting.body_id or not presenting_unit.is_active
    ):
        raise DomainError(_("Cơ quan trình không thuộc cơ quan này."), code="bad_unit")
    if planned_minutes is None or not 1 <= planned_minutes <= MAX_PLANNED_MINUTES:
        raise DomainError(
            _("Thời lượng dự kiến phải từ 1 đến %(n)s phút.") % {"n": MAX_PLANNED_MINUTES},
            code="bad_minutes",
        )
    return {
        "title": title,
        "summary": summary,
        "presenting_unit": presenting_unit,
        "planned_minutes": planned_minutes,
    }


def _agenda_changed(meeting: Meeting, actor: User) -> None:
    """Once the invitations are out, everyone asked hears that the agenda changed."""
    if meeting.status in t.INVITED:
        _notify(
            [u for u in _invited_people(meeting) if u.pk != actor.pk],
            meeting,
            gettext_lazy("Chương trình cuộc họp đã thay đổi: %(title)s"),
            gettext_lazy("Văn phòng đã cập nhật chương trình cuộc họp lúc %(at)s."),
        )


def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    summary: str = "",
    presenting_unit: Unit | None = None,
    planned_minutes: int | None = 30,
    needs_decision: bool = False,
) -> AgendaItem:
    """Add an item at the end of the agenda (only before the session opens)."""
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    _check_preparing(meeting)
    fields = _clean_item(
        meeting,
        title=title,
        summary=summary,
        presenting_unit=presenting_unit,
        planned_minutes=planned_minutes,
    )
    with transaction.atomic():
        # The meeting's lock serialises numbering: two items added at once get 1 and 2.
        row = _locked(meeting)
        _check_preparing(row)
        count = AgendaItem.objects.filter(meeting=row).count()
        if count >= MAX_ITEMS:
            raise DomainError(
                _("Một cuộc họp có tối đa %(n)s nội dung.") % {"n": MAX_ITEMS}, code="too_many"
            )
        last = AgendaItem.objects.filter(meeting=row).aggregate(n=Max("number"))["n"] or 0
        item = AgendaItem.objects.create(
            meeting=row, number=last + 1, needs_decision=bool(needs_decision), **fields
        )
        audit_append(
            actor=actor,
            verb="meetings.agenda_item_add",
            obj=item,
            body=row.body,
            after=_item_snapshot(item),
        )
        _agenda_changed(row, actor)
    return item


def _locked_item(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    """Lock the meeting, then the item; a removed item is a clear refusal."""
    meeting = _locked(item.meeting)
    row = AgendaItem.objects.select_for_update().filter(pk=item.pk, meeting=meeting).first()
    if row is None:
        raise DomainError(_("Nội dung họp này đã bị xóa."), code="gone")
    row.meeting = meeting
    return meeting, row


def agenda_item_update(
    *,
    actor: User,
    item: AgendaItem,
    version: int,
    title: str,
    summary: str = "",
    presenting_unit: Unit | None = None,
    planned_minutes: int | None = 30,
    needs_decision: bool = False,
) -> AgendaItem:
    """Change an item (only before the session opens).

    The presenting unit is fixed once the item has papers: its dossier belongs to that unit
    (remove the item and add it again for another unit).
    """
    if not perms.can_manage_meeting(actor, item.meeting):
        raise PermissionDenied
    _check_preparing(item.meeting)
    fields = _clean_item(
        item.meeting,
        title=title,
        summary=summary,
        presenting_unit=presenting_unit,
        planned_minutes=planned_minutes,
    )
    with transaction.atomic():
        meeting, row = _locked_item(item)
        _check_preparing(meeting)
        _check_version(row, version)
        new_unit = presenting_unit.pk if presenting_unit is not None else None
        if row.dossier_id is not None and new_unit != row.presenting_unit_id:
            raise DomainError(
                _(
                    "Nội dung này đã có tài liệu của cơ quan trình nên không đổi được cơ quan "
                    "trình. Hãy xóa nội dung và thêm lại cho cơ quan khác."
                ),
                code="has_papers",
            )
        before = _item_snapshot(row)
        for name, value in fields.items():
            setattr(row, name, value)
        row.needs_decision = bool(needs_decision)
        _bump(row, [*fields, "needs_decision"])
        audit_append(
            actor=actor,
            verb="meetings.agenda_item_update",
            obj=row,
            body=meeting.body,
            before=before,
            after=_item_snapshot(row),
        )
        _agenda_changed(meeting, actor)
    return row


def _renumber(meeting: Meeting, ordered: Sequence[AgendaItem]) -> None:
    """Give the items the numbers 1..n in this order. Two passes: the unique (meeting,
    number) constraint is checked row by row, so numbers first move out of the way."""
    offset = len(ordered) + 1000
    for item in ordered:
        AgendaItem.objects.filter(pk=item.pk).update(number=item.number + offset)
    for number, item in enumerate(ordered, start=1):
        if item.number != number:
            item.number = number
            item.version += 1
        AgendaItem.objects.filter(pk=item.pk).update(number=number, version=item.version)


def agenda_item_reorder(*, actor: User, meeting: Meeting, order: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in this order (the item ids, first to last).

    ``order`` must list exactly the current items: when someone added or removed one since
    the page was loaded, the request is refused as stale rather than guessed.
    """
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    _check_preparing(meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_preparing(row)
        items = list(AgendaItem.objects.select_for_update().filter(meeting=row).order_by("number"))
        current = [item.pk for item in items]
        wanted = [int(pk) for pk in order]
        if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
            raise _stale()
        if wanted == current:
            return items
        by_pk = {item.pk: item for item in items}
        ordered = [by_pk[pk] for pk in wanted]
        _renumber(row, ordered)
        audit_append(
            actor=actor,
            verb="meetings.agenda_reorder",
            obj=row,
            body=row.body,
            before={"order": current},
            after={"order": wanted},
        )
        _agenda_changed(row, actor)
    return ordered


def agenda_item_move(*, actor: User, item: AgendaItem, up: bool) -> list[AgendaItem]:
    """Move one item a place up or down (the buttons of the agenda)."""
    items = items_of(item.meeting)
    order = [i.pk for i in items]
    if item.pk not in order:
        raise DomainError(_("Nội dung họp này đã bị xóa."), code="gone")
    index = order.index(item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return agenda_item_reorder(actor=actor, meeting=item.meeting, order=order)


def agenda_item_remove(*, actor: User, item: AgendaItem, version: int) -> None:
    """Remove an item (only before the session opens); the next items move up.

    Its papers stay in the item's dossier (documents are never deleted); the decisions on
    them are in the audit trail. Refused once members have stated positions on it.
    """
    if not perms.can_manage_meeting(actor, item.meeting):
        raise PermissionDenied
    _check_preparing(item.meeting)
    with transaction.atomic():
        meeting, row = _locked_item(item)
        _check_preparing(meeting)
        _check_version(row, version)
        if Position.objects.filter(item=row).exists():
            raise DomainError(
                _("Các thành viên đã cho ý kiến về nội dung này nên không xóa được."),
                code="has_positions",
            )
        before = {
            **_item_snapshot(row),
            "documents": list(
                ItemDocument.objects.filter(item=row).values_list("document_id", flat=True)
            ),
        }
        ItemDocument.objects.filter(item=row).delete()
        row.delete()
        rest = list(AgendaItem.objects.filter(meeting=meeting).order_by("number"))
        _renumber(meeting, rest)
        audit_append(
            actor=actor,
            verb="meetings.agenda_item_remove",
            object_type="meetings.agendaitem",
            object_id=str(item.pk),
            object_repr=str(item)[:300],
            body=meeting.body,
            before=before,
        )
        _agenda_changed(meeting, actor)


# --- The papers ----------------------------------------------------------------------------


def _item_dossier(actor: User, item: AgendaItem) -> Dossier:
    """The item's dossier, created at the first upload for the presenting unit."""
    from ecabinet.documents.models import Dossier
    from ecabinet.documents.services import dossier_create

    if item.dossier_id is not None:
        return Dossier.objects.select_related("body").get(pk=item.dossier_id)
    with transaction.atomic():
        meeting, row = _locked_item(item)
        if row.dossier_id is not None:
            return Dossier.objects.select_related("body").get(pk=row.dossier_id)
        dossier = dossier_create(
            actor=actor,
            body=meeting.body,
            title=(_("Tài liệu họp: %(item)s") % {"item": row.title})[:300],
            unit=row.presenting_unit,
        )
        Dossier.objects.filter(pk=dossier.pk).update(meeting_ref=meeting.ref)
        AgendaItem.objects.filter(pk=row.pk).update(dossier=dossier)
        audit_append(
            actor=actor,
            verb="meetings.agenda_item_dossier",
            obj=row,
            body=meeting.body,
            after={"dossier": dossier.pk, "unit": row.presenting_unit_id},
        )
        item.dossier = dossier
        return dossier


def item_document_submit(
    *, actor: User, item: AgendaItem, data: bytes, filename: str, title: str = ""
) -> ItemDocument:
    """Upload a paper for an item: the presenting unit's agency staff, or the Office.

    The file goes through the documents app's checks (type, size, classification) into the
    item's dossier; the paper then waits for the Office's decision.
    """
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.services import DocumentMeta, DuplicateDocument, document_upload

    meeting = item.meeting
    if not perms.can_submit_document(actor, item):
        _check_preparing(meeting)
        raise PermissionDenied
    dossier = _item_dossier(actor, item)
    title = _clean(title)[:300]
    try:
        document: Document = document_upload(
            actor=actor,
            data=data,
            filename=filename,
            dossier=dossier,
            meta=DocumentMeta(title=title, summary=item.title),
        )
    except DuplicateDocument as exc:
        # The same file is already in this item's dossier but not on the agenda: submit it.
        if (
            exc.existing.dossier_id != dossier.pk
            or ItemDocument.objects.filter(item=item, document=exc.existing).exists()
        ):
            raise
        document = exc.existing
    version = (
        DocumentVersion.objects.filter(document=document)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise DomainError(_("Tệp này không dùng được."), code="refused")
    try:
        with transaction.atomic():
            locked_meeting, row = _locked_item(item)
            _check_preparing(locked_meeting)
            with transaction.atomic():
                paper = ItemDocument.objects.create(
                    item=row,
                    document=document,
                    document_version=version,
                    submitted_by=actor,
                    submitted_at=timezone.now(),
                )
            audit_append(
                actor=actor,
                verb="meetings.item_document_submit",
                obj=paper,
                body=locked_meeting.body,
                after={
                    "meeting": locked_meeting.pk,
                    "item": row.pk,
                    "document": document.pk,
                    "version": str(version.pk),
                    "sha256": version.sha256,
                },
            )
            if not perms.is_office(actor, locked_meeting.body):
                _notify(
                    _office_users(locked_meeting.body, exclude=actor),
                    locked_meeting,
                    gettext_lazy("Tài liệu họp mới chờ duyệt: %(title)s"),
                    _("%(unit)s đã gửi «%(doc)s» cho nội dung «%(item)s».")
                    % {
                        "unit": row.presenting_unit or actor,
                        "doc": document.title,
                        "item": row.title,
                    },
                )
    except IntegrityError:
        raise DomainError(_("Tài liệu này đã có trong nội dung họp."), code="duplicate") from None
    paper.item = row
    return paper


def item_document_decide(
    *, actor: User, paper: ItemDocument, approve: bool, reason: str = ""
) -> ItemDocument:
    """The Office approves a paper, or returns it with a reason (the uploader is told).

    A paper is decided once; a second decision (two officers at once, a reloaded form) is
    refused. A paper approved after the papers were published goes to everyone invited.
    """
    meeting = paper.item.meeting
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    _check_preparing(meeting)
    reason = _reason(reason, gettext_lazy("Cần nêu lý do trả lại tài liệu.")) if not approve else ""
    with transaction.atomic():
        locked_meeting = _locked(meeting)
        _check_preparing(locked_meeting)
        row = (
            ItemDocument.objects.select_for_update(of=("self",))
            .select_related("item", "document", "submitted_by")
            .filter(pk=paper.pk)
            .first()
        )
        if row is None:
            raise DomainError(_("Nội dung họp của tài liệu này đã bị xóa."), code="gone")
        if row.status != ItemDocument.Status.SUBMITTED:
            raise DomainError(
                _("Tài liệu này đã được duyệt trước đó. Tải lại trang để xem.")
                if row.status == ItemDocument.Status.APPROVED
                else _("Tài liệu này đã bị trả lại trước đó. Tải lại trang để xem."),
                code="stale",
            )
        now = timezone.now()
        row.status = ItemDocument.Status.APPROVED if approve else ItemDocument.Status.RETURNED
        row.reason = reason
        row.decided_by = actor
        row.decided_at = now
        row.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit_append(
            actor=actor,
            verb="meetings.item_document_approve" if approve else "meetings.item_document_return",
            obj=row,
            body=locked_meeting.body,
            before={"status": ItemDocument.Status.SUBMITTED},
            after={"status": row.status, "reason": reason, "document": row.document_id},
        )
        if not approve:
            _notify(
                [row.submitted_by] if row.submitted_by_id != actor.pk else [],
                locked_meeting,
                gettext_lazy("Tài liệu họp bị trả lại: %(title)s"),
                _("«%(doc)s» (nội dung «%(item)s»): %(reason)s")
                % {"doc": row.document.title, "item": row.item.title, "reason": reason},
            )
        elif locked_meeting.documents_published_at is not None:
            _notify(
                _invited_people(locked_meeting),
                locked_meeting,
                gettext_lazy("Tài liệu họp bổ sung: %(title)s"),
                _("«%(doc)s» (nội dung «%(item)s»).")
                % {"doc": row.document.title, "item": row.item.title},
            )
    row.item.meeting = locked_meeting
    return row


# --- Invitations ---------------------------------------------------------------------------


def _publish_locked(row: Meeting, actor: User, now: datetime) -> None:
    row.status = t.MACHINE.target("publish_documents", row.status)
    row.documents_published_at = now
    _bump(row, ["status", "documents_published_at"])
    audit_append(
        actor=actor,
        verb="meetings.meeting_publish_documents",
        obj=row,
        body=row.body,
        after={
            "status": row.status,
            "approved": list(
                ItemDocument.objects.filter(
                    item__meeting=row, status=ItemDocument.Status.APPROVED
                ).values_list("document_id", flat=True)
            ),
        },
    )


def _check_papers_ready(meeting: Meeting) -> None:
    papers = ItemDocument.objects.filter(item__meeting=meeting)
    pending = papers.filter(status=ItemDocument.Status.SUBMITTED).count()
    if pending:
        raise DomainError(
            _("Còn %(n)s tài liệu chờ Văn phòng duyệt: hãy duyệt hoặc trả lại trước khi gửi.")
            % {"n": pending},
            code="pending_papers",
        )
    if not papers.filter(status=ItemDocument.Status.APPROVED).exists():
        raise DomainError(_("Chưa có tài liệu nào được duyệt để gửi."), code="no_papers")


def meeting_invite(
    *, actor: User, meeting: Meeting, version: int, with_documents: bool = False
) -> Meeting:
    """Send the invitations (giấy mời) to every active voting member of the body.

    Refused unless: the meeting is a draft with at least one item; no paper waits for the
    Office's decision; the start is at least the body's number of working days away (the
    invitation PDF and the papers go out together, Government working rules); the chair
    still holds a voting seat. Items without an approved paper do not stop the sending (some
    items have none); the confirmation page lists them. With ``with_documents`` the approved
    papers are published at the same time.

    The invitation is rendered as a Decree 30 PDF (outside the transaction: it is slow),
    filed into the meeting's dossier; one ``Invitation`` per member (frozen: later members
    are not added), a confirmation item on each one's ledger, and a notification.
    """
    from ecabinet.documents.services import DocumentMeta, DuplicateDocument, document_upload
    from ecabinet.meetings.invitation import invitation_pdf

    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    if not t.MACHINE.allowed("invite", meeting.status):
        raise InvalidTransition(_("Giấy mời của cuộc họp này đã được gửi."))
    readiness = invite_readiness(meeting)
    if readiness.problems:
        raise DomainError(" ".join(readiness.problems), code="not_ready")
    if with_documents:
        _check_papers_ready(meeting)
    if _active_membership(meeting.chair, meeting.body) is None:
        raise DomainError(
            _("Người chủ trì không còn là thành viên của cơ quan: hãy chọn người chủ trì khác."),
            code="bad_chair",
        )
    members = list(voting_members(meeting.body))
    items = items_of(meeting)
    pdf = invitation_pdf(meeting, items=items, actor=actor, answer_due=ledger.answer_due(meeting))
    with transaction.atomic():
        row = _locked(meeting)
        _check_version(row, version)
        now = timezone.now()
        problems = invite_readiness(row, now).problems
        if problems:
            raise DomainError(" ".join(problems), code="not_ready")
        row.status = t.MACHINE.target("invite", row.status)
        try:
            document = document_upload(
                actor=actor,
                data=pdf,
                filename=f"giay-moi-{row.pk}.pdf",
                dossier=row.dossier,
                meta=DocumentMeta(title=_("Giấy mời: %(title)s") % {"title": row.title}),
            )
        except DuplicateDocument as exc:
            document = exc.existing
        invitations = Invitation.objects.bulk_create(
            Invitation(
                meeting=row,
                membership=m,
                user=m.user,
                role=m.role,
                precedence=m.precedence,
            )
            for m in members
        )
        row.invitations_sent_at = now
        row.invitation_document = document
        _bump(row, ["status", "invitations_sent_at", "invitation_document"])
        audit_append(
            actor=actor,
            verb="meetings.meeting_invite",
            obj=row,
            body=row.body,
            after={
                "status": row.status,
                "invitations_sent_at": now,
                "invited": [m.pk for m in members],
                "document": document.pk,
                "items_without_papers": [i.pk for i in readiness.items_without_papers],
            },
        )
        for invitation in invitations:
            invitation.user = next(m.user for m in members if m.pk == invitation.membership_id)
        told = ledger.ledger_assign_invitees(actor=actor, meeting=row, invitations=invitations)
        _notify(
            [i.user for i in invitations if i.user_id not in told],
            row,
            gettext_lazy("Giấy mời họp: %(title)s"),
            gettext_lazy("Kính mời đồng chí dự họp lúc %(at)s. Đề nghị xác nhận dự họp."),
            url=reverse("meetings:respond", kwargs={"pk": row.pk}),
        )
        # The items open for the members' positions with the invitations (decision 1002).
        from ecabinet.meetings.positions import positions_open_locked

        positions_open_locked(row, actor)
        if with_documents:
            _publish_locked(row, actor, now)
    return row


def meeting_publish_documents(*, actor: User, meeting: Meeting, version: int) -> Meeting:
    """Publish the approved papers to everyone invited (scheduled → documents_published).

    Refused while a paper waits for a decision, or when none is approved. Papers approved
    later are sent as additional papers (``item_document_decide``).
    """
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    if not t.MACHINE.allowed("publish_documents", meeting.status):
        raise InvalidTransition(
            _("Chỉ gửi tài liệu sau khi đã gửi giấy mời và trước khi cuộc họp bắt đầu.")
            if meeting.status == t.DRAFT
            else _("Tài liệu của cuộc họp này đã được gửi hoặc cuộc họp không còn chuẩn bị.")
        )
    _check_papers_ready(meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_version(row, version)
        _check_papers_ready(row)
        _publish_locked(row, actor, timezone.now())
        _notify(
            _invited_people(row),
            row,
            gettext_lazy("Tài liệu họp: %(title)s"),
            gettext_lazy("Văn phòng đã gửi tài liệu cuộc họp lúc %(at)s."),
        )
    return row


def _invitation_snapshot(invitation: Invitation) -> dict[str, Any]:
    return {
        "response": invitation.response,
        "reason": invitation.reason,
        "substitute": invitation.substitute_id,
        "delegation": invitation.delegation_id,
        "mandates": sorted(invitation.delegation.mandates()) if invitation.delegation else [],
    }


def _release_delegation(actor: User, invitation: Invitation) -> None:
    """Revoke the delegation this invitation created, if it is still running."""
    from ecabinet.bodies.services import delegation_revoke

    delegation = invitation.delegation
    if delegation is None or not invitation.owns_delegation:
        return
    if delegation.revoked_at is not None or delegation.ends_at <= timezone.now():
        return
    delegation_revoke(actor=actor, delegation=delegation)


def _delegation_for(
    *,
    actor: User,
    invitation: Invitation,
    meeting: Meeting,
    substitute: Membership,
    mandates: frozenset[str],
    now: datetime,
) -> tuple[Delegation, bool]:
    """The delegation that lets ``substitute`` stand in: (delegation, created by us).

    A period delegation the member already gave to the same person covering the whole
    meeting is linked as it is; otherwise a new one is made for the meeting's window (from
    an hour before the start, for the check-in, to the end) through the bodies rules
    (``delegation_create``: a deputy without a voting seat, no overlap, ...).
    """
    from ecabinet.bodies.services import delegation_create

    existing = (
        Delegation.objects.filter(
            principal=invitation.membership,
            substitute=substitute,
            revoked_at__isnull=True,
            can_attend=True,
            starts_at__lte=meeting.starts_at,
            ends_at__gte=meeting.ends_at,
        )
        .order_by("starts_at", "pk")
        .first()
    )
    if existing is not None:
        return existing, False
    starts_at = max(now, meeting.starts_at - CHECK_IN_LEAD)
    delegation = delegation_create(
        actor=actor,
        principal=invitation.membership,
        substitute=substitute,
        starts_at=starts_at,
        ends_at=meeting.ends_at,
        mandates=mandates,
        reason=(_("Dự họp thay: %(title)s") % {"title": meeting.title})[:500],
    )
    return delegation, True


def invitation_respond(
    *,
    actor: User,
    invitation: Invitation,
    response: str,
    version: int,
    reason: str = "",
    substitute: Membership | None = None,
    mandates: Iterable[str] = (),
) -> Invitation:
    """The member answers the invitation: attend, decline with a reason, or name a
    substitute with a mandate (attend, plus speak and vote as chosen).

    A substitute is a ``bodies.Delegation`` for the meeting's window, checked by the bodies
    rules, so the live session can check the mandate later. The answer may change until the
    meeting opens; a delegation made by an earlier answer is then revoked.
    """
    meeting = invitation.meeting
    if not perms.can_respond(actor, invitation):
        raise PermissionDenied
    if response not in (
        Invitation.Response.ACCEPTED,
        Invitation.Response.DECLINED,
        Invitation.Response.SUBSTITUTED,
    ):
        raise DomainError(
            _("Hãy chọn dự họp, vắng mặt hoặc cử người dự thay."), code="bad_response"
        )
    now = timezone.now()
    if meeting.status not in t.INVITED or meeting.ends_at <= now:
        raise InvalidTransition(
            _("Cuộc họp không còn nhận xác nhận dự họp (đã bắt đầu, kết thúc hoặc bị hủy).")
        )
    if response == Invitation.Response.DECLINED:
        reason = _reason(reason, gettext_lazy("Cần nêu lý do vắng mặt."))
    else:
        reason = _clean(reason)[:REASON_MAX]
    wanted: frozenset[str] = frozenset()
    if response == Invitation.Response.SUBSTITUTED:
        if substitute is None:
            raise DomainError(_("Hãy chọn người dự thay."), code="no_substitute")
        chosen = frozenset(str(m) for m in mandates)
        if not chosen <= MEETING_MANDATES:
            raise DomainError(_("Nội dung ủy quyền không hợp lệ."), code="bad_mandate")
        wanted = chosen | {Mandate.ATTEND}
    else:
        substitute = None
    with transaction.atomic():
        locked_meeting = _locked(meeting)
        if locked_meeting.status not in t.INVITED:
            raise InvalidTransition(
                _("Cuộc họp không còn nhận xác nhận dự họp (đã bắt đầu, kết thúc hoặc bị hủy).")
            )
        row = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("membership__user", "delegation", "substitute", "user")
            .get(pk=invitation.pk)
        )
        row.meeting = locked_meeting
        _check_version(row, version)
        before = _invitation_snapshot(row)
        unchanged = (
            row.response == response
            and row.reason == reason
            and row.substitute_id == (substitute.user_id if substitute else None)
            and (row.delegation is None or row.delegation.mandates() == wanted)
        )
        if unchanged:
            return row
        _release_delegation(actor, row)
        delegation: Delegation | None = None
        owns = False
        if substitute is not None:
            delegation, owns = _delegation_for(
                actor=actor,
                invitation=row,
                meeting=locked_meeting,
                substitute=substitute,
                mandates=wanted,
                now=now,
            )
        row.response = response
        row.reason = reason
        row.substitute = substitute.user if substitute is not None else None
        row.delegation = delegation
        row.owns_delegation = owns
        row.responded_at = now
        _bump(
            row,
            ["response", "reason", "substitute", "delegation", "owns_delegation", "responded_at"],
        )
        audit_append(
            actor=actor,
            verb="meetings.invitation_respond",
            obj=row,
            body=locked_meeting.body,
            before=before,
            after={**_invitation_snapshot(row), "meeting": locked_meeting.pk},
        )
        ledger.ledger_answered(actor=actor, meeting=locked_meeting, invitation=row)
        if substitute is not None and before["substitute"] != substitute.user_id:
            _notify(
                [substitute.user],
                locked_meeting,
                gettext_lazy("Bạn được cử dự họp thay: %(title)s"),
                _("%(name)s cử đồng chí dự họp thay lúc %(at)s.")
                % {
                    "name": row.user,
                    "at": format_decree_datetime(locked_meeting.starts_at),
                },
            )
    return row


# --- Cancelling ----------------------------------------------------------------------------


def meeting_cancel(
    *, actor: User, meeting: Meeting, reason: str, version: int | None = None
) -> Meeting:
    """Cancel the meeting before it opens, with a reason.

    Everyone asked is told; open confirmation items are withdrawn; the delegations made for
    this meeting are revoked (period delegations linked from elsewhere stay).
    """
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    if not t.MACHINE.allowed("cancel", meeting.status):
        raise InvalidTransition(
            _("Cuộc họp đã bắt đầu, đã kết thúc hoặc đã bị hủy nên không hủy được.")
        )
    reason = _reason(reason, gettext_lazy("Cần nêu lý do hủy cuộc họp."))
    with transaction.atomic():
        row = _locked(meeting)
        _check_version(row, version)
        was_sent = row.invitations_sent_at is not None
        row.status = t.MACHINE.target("cancel", row.status)
        now = timezone.now()
        row.cancelled_at = now
        row.cancel_reason = reason
        _bump(row, ["status", "cancelled_at", "cancel_reason"])
        released = []
        for invitation in Invitation.objects.filter(
            meeting=row, owns_delegation=True
        ).select_related("delegation"):
            if invitation.delegation is not None and invitation.delegation.revoked_at is None:
                _release_delegation(actor, invitation)
                released.append(invitation.delegation_id)
        audit_append(
            actor=actor,
            verb="meetings.meeting_cancel",
            obj=row,
            body=row.body,
            after={"status": row.status, "reason": reason, "revoked_delegations": released},
        )
        if was_sent:
            ledger.ledger_cancelled(
                actor=actor,
                meeting=row,
                reason=_("Cuộc họp đã bị hủy: %(reason)s") % {"reason": reason},
            )
            _notify(
                [u for u in _invited_people(row) if u.pk != actor.pk],
                row,
                gettext_lazy("Cuộc họp đã bị hủy: %(title)s"),
                reason,
            )
    return row
