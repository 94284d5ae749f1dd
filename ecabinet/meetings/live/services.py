"""Every write of the live session, one service per action of the contract.

Each service checks permission (PermissionDenied) and validates what it can outside the
transaction; then inside one transaction it locks the meeting row (always first: meeting →
poll → the rest, as in the preparation services), checks the state (DomainError with a
message for the user), mutates, increments ``Meeting.seq`` once per event it sends, appends
its audit event and schedules the group events on commit. Chair actions carry the seq the
console saw: a console that missed the other console's last action is refused as stale.

A vote is different (decision 1001): it is signed first, outside any transaction (step-up
through the meeting's signing window, then the CMS signature), then recorded in a short
transaction that locks only the poll row. It does not increment the seq: the tally reaches
the screens as coalesced ``poll`` refreshes.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append, audit_batch
from ecabinet.core.dates import VN_TZ
from ecabinet.core.errors import DomainError
from ecabinet.core.majority import Majority, majority_outcome, required_votes
from ecabinet.meetings import transitions as t
from ecabinet.meetings.live import events
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.live.snapshot import (
    PART_BUILDERS,
    members_total,
    name_of,
    quorum_part,
    receipt,
)
from ecabinet.meetings.models import (
    AgendaItem,
    Attendance,
    Conclusion,
    FloorRequest,
    ItemDocument,
    LiveMode,
    Meeting,
    MinuteNote,
    Poll,
    Vote,
)

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.documents.models import Document
    from ecabinet.signatures.models import MemberCertificate, SignedStatement

logger = logging.getLogger(__name__)

# Check-in opens when the substitutes' delegations begin (decision 1000).
CHECK_IN_LEAD = timedelta(hours=1)
NOTE_MAX = 4000
CONCLUSION_MAX = 8000
SCOPE_TYPE = "meeting"
VOTE_OBJECT_TYPE = "meetings.poll"
# What the statement says for each choice (always Vietnamese: it is the signed content).
CHOICE_CONTENT = {
    Vote.Choice.AGREE: "Đồng ý",
    Vote.Choice.DISAGREE: "Không đồng ý",
    Vote.Choice.OTHER: "Ý kiến khác",
}
OUTCOME_FROM_MAJORITY = {
    Majority.ADOPTED: Poll.Outcome.ADOPTED,
    Majority.ADOPTED_TIE: Poll.Outcome.ADOPTED_TIE,
    Majority.NOT_ADOPTED: Poll.Outcome.REJECTED,
}


# --- Errors and small helpers ----------------------------------------------------------------


def conflict(message: str, code: str = "conflict") -> DomainError:
    return DomainError(message, code=code)


def not_found(message: str | None = None) -> DomainError:
    return DomainError(message or _("Không tìm thấy nội dung được yêu cầu."), code="not_found")


def bad_request(message: str) -> DomainError:
    return DomainError(message, code="bad_request")


def _scope(meeting: Meeting) -> tuple[str, str]:
    return (SCOPE_TYPE, str(meeting.pk))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _clean_text(text: str | None, limit: int, missing: str) -> str:
    # Keep line breaks (minutes are paragraphs); trim the ends and every line.
    value = "\n".join(line.strip() for line in (text or "").strip().splitlines()).strip()
    if not value:
        raise bad_request(missing)
    if len(value) > limit:
        raise bad_request(_("Nội dung dài tối đa %(n)s ký tự.") % {"n": limit})
    return value


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("body", "chair", "secretary")
        .get(pk=meeting.pk)
    )


def _emit(row: Meeting, keys: Sequence[str], *, control: bool = False) -> None:
    """Increment the seq once per event, store it, and send the events on commit."""
    messages = []
    for key in keys:
        row.seq += 1
        messages.append(events.event_message(row.seq, key, PART_BUILDERS[key](row)))
    if control:
        # A chair action: consoles that saw less than this are stale from now on.
        row.control_seq = row.seq
    Meeting.objects.filter(pk=row.pk).update(seq=row.seq, control_seq=row.control_seq)
    events.broadcast_on_commit(row.pk, messages)


def _stale() -> DomainError:
    return conflict(
        _(
            "Màn hình điều hành chưa cập nhật thao tác vừa thực hiện ở màn hình khác. Màn "
            "hình đã được làm mới; hãy kiểm tra rồi thử lại."
        ),
        code="stale",
    )


def _check_console(row: Meeting, seq: int | None) -> None:
    """The chair's console saw every chair action so far (and no seq from the future)."""
    if seq is None or seq < row.control_seq or seq > row.seq:
        raise _stale()


def _check_chair(actor: User, meeting: Meeting) -> None:
    if not live_perms.can_chair(actor, meeting):
        raise PermissionDenied


def _check_in_session(row: Meeting) -> None:
    if row.status != t.IN_SESSION:
        raise conflict(_("Phiên họp chưa bắt đầu, đang tạm dừng hoặc đã kết thúc."))


def _audit(actor: User, verb: str, row: Meeting, obj: Any = None, **after: Any) -> None:
    audit_append(
        actor=actor,
        verb=verb,
        obj=obj if obj is not None else row,
        body=row.body_id,
        after={"meeting": row.pk, "seq": row.seq, **after},
    )


def _item(row: Meeting, item_id: int, *, lock: bool = True) -> AgendaItem:
    qs = AgendaItem.objects.filter(meeting=row, pk=item_id)
    item = (qs.select_for_update() if lock else qs).first()
    if item is None:
        raise not_found(_("Không tìm thấy nội dung họp này trong cuộc họp."))
    return item


def _open_poll(row: Meeting) -> Poll | None:
    return Poll.objects.filter(meeting=row, status=Poll.Status.OPEN).first()


# --- The session ----------------------------------------------------------------------------


def _session_move(
    *, actor: User, meeting: Meeting, seq: int | None, action: str, verb: str
) -> Meeting:
    _check_chair(actor, meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        before = row.status
        row.status = t.MACHINE.target(action, row.status)
        now = timezone.now()
        keys = ["meeting"]
        if action == "open" and row.started_at is None:
            row.started_at = now
        if action in ("adjourn", "close") and _open_poll(row) is not None:
            raise conflict(_("Hãy kết thúc biểu quyết đang mở trước."))
        if action == "close":
            from ecabinet.accounts.stepup import signing_windows_close_for_scope

            row.closed_at = now
            if row.current_item_id is not None:
                AgendaItem.objects.filter(pk=row.current_item_id, ended_at__isnull=True).update(
                    ended_at=now
                )
                row.current_item = None
                keys.append("items")
            Attendance.objects.filter(meeting=row, left_at__isnull=True).update(left_at=now)
            FloorRequest.objects.filter(meeting=row, status__in=FloorRequest.ACTIVE).update(
                status=FloorRequest.Status.CANCELLED, ended_at=now
            )
            keys += ["attendance", "quorum", "floor"]
            # The windows close exactly when the meeting does: a vote confirmed in one but
            # not yet signed is refused (accounts.stepup_consume).
            signing_windows_close_for_scope(SCOPE_TYPE, str(row.pk), actor=actor)
        row.version += 1
        row.save(update_fields=["status", "started_at", "closed_at", "current_item", "version"])
        _emit(row, keys, control=True)
        _audit(actor, verb, row, before=before, status=row.status)
    return row


def meeting_open_session(*, actor: User, meeting: Meeting, seq: int | None) -> Meeting:
    """The chair opens the session (invitations out → in session)."""
    return _session_move(
        actor=actor, meeting=meeting, seq=seq, action="open", verb="meetings.session_open"
    )


def meeting_adjourn_session(*, actor: User, meeting: Meeting, seq: int | None) -> Meeting:
    """The chair adjourns (tạm dừng); no poll may be open."""
    return _session_move(
        actor=actor, meeting=meeting, seq=seq, action="adjourn", verb="meetings.session_adjourn"
    )


def meeting_resume_session(*, actor: User, meeting: Meeting, seq: int | None) -> Meeting:
    return _session_move(
        actor=actor, meeting=meeting, seq=seq, action="resume", verb="meetings.session_resume"
    )


def meeting_close_session(*, actor: User, meeting: Meeting, seq: int | None) -> Meeting:
    """The chair closes the meeting: attendance and floor lists end, signing windows close."""
    return _session_move(
        actor=actor, meeting=meeting, seq=seq, action="close", verb="meetings.session_close"
    )


# --- Attendance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Presence:
    capacity: str
    membership_id: int | None
    invitation_id: int | None
    on_behalf_of_id: int | None


def _presence(actor: User, meeting: Meeting) -> _Presence:
    from ecabinet.meetings import permissions as perms

    seats = live_perms.seats_of(actor, meeting)
    own = next((s for s in seats if not s.substitute), None)
    if own is not None:
        return _Presence(Attendance.Capacity.MEMBER, own.membership.pk, own.invitation.pk, None)
    membership = perms.membership_of(actor, meeting.body)
    if seats:
        seat = seats[0]
        return _Presence(
            Attendance.Capacity.SUBSTITUTE,
            membership.pk if membership is not None else None,
            seat.invitation.pk,
            seat.invitation.user_id,
        )
    if live_perms.is_guest(actor, meeting):
        return _Presence(
            Attendance.Capacity.GUEST, membership.pk if membership else None, None, None
        )
    raise PermissionDenied


def attendance_check_in(*, actor: User, meeting: Meeting, mode: str) -> Attendance:
    """Check in (in the room or remotely); again: change of mode, never a second row."""
    if mode not in LiveMode.values:
        raise bad_request(_("Hình thức tham dự không hợp lệ."))
    if not live_perms.can_attend(actor, meeting):
        raise PermissionDenied
    presence = _presence(actor, meeting)
    now = timezone.now()
    if now < meeting.starts_at - CHECK_IN_LEAD:
        opens = (meeting.starts_at - CHECK_IN_LEAD).astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
        raise conflict(_("Điểm danh mở từ %(time)s.") % {"time": opens})
    with transaction.atomic():
        row = _locked(meeting)
        if row.status not in live_perms.ATTEND_STATES:
            raise conflict(_("Cuộc họp đã kết thúc."))
        current = (
            Attendance.objects.select_for_update()
            .filter(meeting=row, user=actor, left_at__isnull=True)
            .first()
        )
        if current is not None:
            if current.mode == mode:
                return current
            before = current.mode
            current.mode = mode
            current.save(update_fields=["mode"])
            _emit(row, ["attendance"])
            _audit(actor, "meetings.attendance_mode", row, current, before=before, mode=mode)
            return current
        attendance = Attendance.objects.create(
            meeting=row,
            user=actor,
            membership_id=presence.membership_id,
            capacity=presence.capacity,
            on_behalf_of_id=presence.on_behalf_of_id,
            invitation_id=presence.invitation_id,
            mode=mode,
            checked_in_at=now,
        )
        _emit(row, ["attendance", "quorum"])
        _audit(
            actor,
            "meetings.attendance_check_in",
            row,
            attendance,
            capacity=presence.capacity,
            on_behalf_of=presence.on_behalf_of_id,
            mode=mode,
        )
    return attendance


def _present(actor: User, row: Meeting) -> Attendance:
    attendance = (
        Attendance.objects.filter(meeting=row, user=actor, left_at__isnull=True).order_by().first()
    )
    if attendance is None:
        raise conflict(_("Bạn cần điểm danh trước."), code="not_checked_in")
    return attendance


# --- Floor lists ----------------------------------------------------------------------------


def floor_request(*, actor: User, meeting: Meeting, kind: str) -> FloorRequest:
    """Ask for the floor, to speak or to question; one waiting request per list."""
    if kind not in FloorRequest.Kind.values:
        raise bad_request(_("Loại đăng ký không hợp lệ."))
    if not live_perms.can_view_live(actor, meeting) or not live_perms.can_speak(
        actor, meeting, kind
    ):
        raise PermissionDenied
    with transaction.atomic():
        row = _locked(meeting)
        _check_in_session(row)
        attendance = _present(actor, row)
        if FloorRequest.objects.filter(
            meeting=row, user=actor, kind=kind, status__in=FloorRequest.ACTIVE
        ).exists():
            raise conflict(_("Bạn đã đăng ký và đang chờ đến lượt."))
        request = FloorRequest.objects.create(
            meeting=row,
            item_id=row.current_item_id,
            user=actor,
            on_behalf_of_id=attendance.on_behalf_of_id,
            kind=kind,
            requested_at=timezone.now(),
        )
        _emit(row, ["floor"])
        _audit(actor, "meetings.floor_request", row, request, kind=kind, item=row.current_item_id)
    return request


def _floor_row(row: Meeting, request_id: int) -> FloorRequest:
    request = FloorRequest.objects.select_for_update().filter(meeting=row, pk=request_id).first()
    if request is None:
        raise not_found(_("Không tìm thấy lượt đăng ký này."))
    return request


def floor_cancel(*, actor: User, meeting: Meeting, request_id: int) -> FloorRequest:
    """Withdraw one's own request while it waits or has been called."""
    if not live_perms.can_view_live(actor, meeting):
        raise PermissionDenied
    with transaction.atomic():
        row = _locked(meeting)
        request = _floor_row(row, request_id)
        if request.user_id != actor.pk:
            raise PermissionDenied
        if request.status not in (FloorRequest.Status.WAITING, FloorRequest.Status.CALLED):
            raise conflict(_("Lượt đăng ký này không còn hủy được."))
        request.status = FloorRequest.Status.CANCELLED
        request.ended_at = timezone.now()
        request.save(update_fields=["status", "ended_at"])
        _emit(row, ["floor"])
        _audit(actor, "meetings.floor_cancel", row, request, kind=request.kind)
    return request


_FLOOR_MOVES = {
    # action: (from statuses, to status, timestamp field)
    "call": (("waiting",), "called", "called_at"),
    "start": (("waiting", "called"), "speaking", "started_at"),
    "finish": (("called", "speaking"), "done", "ended_at"),
}


def _floor_move(
    *, actor: User, meeting: Meeting, request_id: int, seq: int | None, action: str
) -> FloorRequest:
    _check_chair(actor, meeting)
    sources, target, stamp = _FLOOR_MOVES[action]
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        _check_in_session(row)
        request = _floor_row(row, request_id)
        if request.status not in sources:
            raise conflict(
                _("Lượt này đang ở trạng thái “%(status)s”.")
                % {"status": FloorRequest.Status(request.status).label}
            )
        if (
            target == FloorRequest.Status.SPEAKING
            and FloorRequest.objects.filter(
                meeting=row, kind=request.kind, status=FloorRequest.Status.SPEAKING
            ).exists()
        ):
            raise conflict(_("Hãy kết thúc lượt phát biểu đang diễn ra trước."))
        before = request.status
        request.status = target
        setattr(request, stamp, timezone.now())
        request.save(update_fields=["status", stamp])
        _emit(row, ["floor"], control=True)
        _audit(actor, f"meetings.floor_{action}", row, request, before=before, status=target)
    return request


def floor_call(*, actor: User, meeting: Meeting, request_id: int, seq: int | None) -> FloorRequest:
    """The chair calls the next speaker (mời phát biểu)."""
    return _floor_move(actor=actor, meeting=meeting, request_id=request_id, seq=seq, action="call")


def floor_start(*, actor: User, meeting: Meeting, request_id: int, seq: int | None) -> FloorRequest:
    """The speech starts (the speaker's timer runs); one speaker per list at a time."""
    return _floor_move(actor=actor, meeting=meeting, request_id=request_id, seq=seq, action="start")


def floor_finish(
    *, actor: User, meeting: Meeting, request_id: int, seq: int | None
) -> FloorRequest:
    return _floor_move(
        actor=actor, meeting=meeting, request_id=request_id, seq=seq, action="finish"
    )


# --- The agenda -----------------------------------------------------------------------------


def item_start(*, actor: User, meeting: Meeting, item_id: int, seq: int | None) -> AgendaItem:
    """The chair takes up an item (its timer starts); the previous one ends."""
    _check_chair(actor, meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        _check_in_session(row)
        item = _item(row, item_id)
        if _open_poll(row) is not None:
            raise conflict(_("Hãy kết thúc biểu quyết đang mở trước khi chuyển nội dung."))
        if item.status == t.ITEM_CONCLUDED:
            raise conflict(_("Nội dung này đã có kết luận."), code="decided")
        now = timezone.now()
        if row.current_item_id is not None and row.current_item_id != item.pk:
            AgendaItem.objects.filter(pk=row.current_item_id, ended_at__isnull=True).update(
                ended_at=now
            )
        before = item.status
        if t.ITEM_MACHINE.allowed("start_discussion", item.status):
            item.status = t.ITEM_MACHINE.target("start_discussion", item.status)
        item.started_at = item.started_at or now
        item.ended_at = None
        item.version += 1
        item.save(update_fields=["status", "started_at", "ended_at", "version"])
        row.current_item = item
        row.save(update_fields=["current_item"])
        _emit(row, ["meeting", "items"], control=True)
        _audit(actor, "meetings.item_start", row, item, before=before, status=item.status)
    return item


def item_end(*, actor: User, meeting: Meeting, item_id: int, seq: int | None) -> AgendaItem:
    """The chair closes the discussion of the current item."""
    _check_chair(actor, meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        _check_in_session(row)
        item = _item(row, item_id)
        if row.current_item_id != item.pk:
            raise conflict(_("Nội dung này không phải nội dung đang thảo luận."))
        if item.status == t.ITEM_VOTING:
            raise conflict(_("Hãy kết thúc biểu quyết đang mở trước."))
        item.ended_at = timezone.now()
        item.version += 1
        item.save(update_fields=["ended_at", "version"])
        row.current_item = None
        row.save(update_fields=["current_item"])
        _emit(row, ["meeting", "items"], control=True)
        _audit(actor, "meetings.item_end", row, item)
    return item


# --- Polls ----------------------------------------------------------------------------------


def _poll_items(row: Meeting, item_ids: Sequence[int]) -> list[AgendaItem]:
    """One item (under discussion, or a consent item), or the whole consent block."""
    if not item_ids or len(set(item_ids)) != len(item_ids):
        raise bad_request(
            _("Chọn một nội dung, hoặc toàn bộ các nội dung thông qua không thảo luận.")
        )
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting=row, pk__in=item_ids)
        .order_by("number")
    )
    if len(items) != len(item_ids):
        raise not_found(_("Không tìm thấy nội dung họp này trong cuộc họp."))
    for item in items:
        if item.status in (t.ITEM_VOTED, t.ITEM_CONCLUDED):
            raise conflict(
                _("Nội dung “%(item)s” đã được biểu quyết hoặc đã có kết luận.") % {"item": item},
                code="decided",
            )
        if not t.ITEM_MACHINE.allowed("start_vote", item.status):
            raise conflict(
                _(
                    "Chỉ biểu quyết nội dung đang thảo luận, hoặc các nội dung thông qua "
                    "không thảo luận."
                )
            )
    if len(items) > 1:
        block = set(
            AgendaItem.objects.filter(
                meeting=row, block=AgendaItem.Block.CONSENT, status=t.ITEM_CONSENT
            ).values_list("pk", flat=True)
        )
        if {i.pk for i in items} != block:
            raise conflict(
                _(
                    "Biểu quyết nhiều nội dung cùng lúc chỉ dành cho toàn bộ các nội dung "
                    "thông qua không thảo luận."
                )
            )
    return items


def _papers(items: Sequence[AgendaItem]) -> dict[str, str]:
    """{paper name: SHA-256} of the approved papers: the versions the Office approved."""
    papers: dict[str, str] = {}
    for paper in (
        ItemDocument.objects.filter(item__in=items, status=ItemDocument.Status.APPROVED)
        .select_related("item", "document", "document_version")
        .order_by("item__number", "pk")
    ):
        name = f"{paper.item.number}. {paper.document.title} ({paper.document_id})"[:200]
        papers[name] = paper.document_version.sha256
    return papers


def poll_open(*, actor: User, meeting: Meeting, item_ids: Sequence[int], seq: int | None) -> Poll:
    """The chair opens a poll on the current item or the whole consent block; the quorum
    must be reached. The electorate (ALL members as invited) and the papers are frozen."""
    _check_chair(actor, meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        _check_in_session(row)
        if _open_poll(row) is not None:
            raise conflict(_("Đang có một biểu quyết mở."))
        items = _poll_items(row, item_ids)
        quorum = quorum_part(row)
        if not quorum["reached"]:
            raise conflict(
                _(
                    "Chưa đủ số thành viên có mặt để biểu quyết: có mặt %(present)s, cần "
                    "%(required)s trên tổng số %(total)s thành viên."
                )
                % {
                    "present": quorum["present_members"],
                    "required": quorum["required"],
                    "total": quorum["members_total"],
                },
                code="no_quorum",
            )
        if len(items) == 1:
            title = _("Biểu quyết: %(item)s") % {"item": items[0]}
        else:
            title = _("Biểu quyết các nội dung thông qua không thảo luận (%(n)s nội dung)") % {
                "n": len(items)
            }
        poll = Poll.objects.create(
            meeting=row,
            title=title[:300],
            opened_by=actor,
            opened_at=timezone.now(),
            electorate=members_total(row),
            quorum=quorum,
            documents=_papers(items),
        )
        poll.items.set(items)
        for item in items:
            item.status = t.ITEM_MACHINE.target("start_vote", item.status)
            item.version += 1
            item.save(update_fields=["status", "version"])
        _emit(row, ["items", "poll"], control=True)
        _audit(
            actor,
            "meetings.poll_open",
            row,
            poll,
            items=[i.pk for i in items],
            electorate=poll.electorate,
            quorum=quorum,
        )
    return poll


def _results(row: Meeting, poll: Poll) -> dict[str, Any]:
    votes = list(
        Vote.objects.filter(poll=poll).select_related("voter", "on_behalf_of", "membership")
    )
    counts = Counter(v.choice for v in votes)
    chair_vote = next((v for v in votes if v.membership.user_id == row.chair_id), None)
    majority = majority_outcome(
        agree=counts[Vote.Choice.AGREE],
        electorate=poll.electorate,
        chair_agrees=chair_vote is not None and chair_vote.choice == Vote.Choice.AGREE,
        final=True,
    )
    outcome = OUTCOME_FROM_MAJORITY[majority]
    precedence = dict(row.invitations.values_list("membership_id", "precedence"))
    votes.sort(key=lambda v: (precedence.get(v.membership_id, 10_000), v.pk))
    return {
        "agree": counts[Vote.Choice.AGREE],
        "disagree": counts[Vote.Choice.DISAGREE],
        "other": counts[Vote.Choice.OTHER],
        "not_voted": max(poll.electorate - len(votes), 0),
        "electorate": poll.electorate,
        "required": required_votes(poll.electorate),
        "outcome": str(outcome),
        "outcome_label": str(Poll.Outcome(outcome).label),
        "named": [
            {
                "name": name_of(v.voter),
                "choice": v.choice,
                "choice_label": str(Vote.Choice(v.choice).label),
                "on_behalf_of": name_of(v.on_behalf_of) or None,
            }
            for v in votes
        ],
    }


def poll_close(*, actor: User, meeting: Meeting, poll_id: int, seq: int | None) -> Poll:
    """The chair closes the poll: the named results and the legal outcome (more than half
    of ALL members; a tie goes the chair's way) are frozen; the items are marked voted."""
    _check_chair(actor, meeting)
    with transaction.atomic():
        row = _locked(meeting)
        _check_console(row, seq)
        poll = Poll.objects.select_for_update().filter(meeting=row, pk=poll_id).first()
        if poll is None:
            raise not_found(_("Không tìm thấy biểu quyết này."))
        if poll.status != Poll.Status.OPEN:
            raise conflict(_("Biểu quyết này đã kết thúc."))
        results = _results(row, poll)
        poll.status = Poll.Status.CLOSED
        poll.closed_by = actor
        poll.closed_at = timezone.now()
        poll.results = results
        poll.outcome = results["outcome"]
        poll.save(update_fields=["status", "closed_by", "closed_at", "results", "outcome"])
        for item in AgendaItem.objects.select_for_update().filter(polls=poll):
            if t.ITEM_MACHINE.allowed("end_vote", item.status):
                item.status = t.ITEM_MACHINE.target("end_vote", item.status)
                item.version += 1
                item.save(update_fields=["status", "version"])
        _emit(row, ["items", "poll"], control=True)
        _audit(
            actor,
            "meetings.poll_close",
            row,
            poll,
            outcome=poll.outcome,
            agree=results["agree"],
            disagree=results["disagree"],
            other=results["other"],
            not_voted=results["not_voted"],
            electorate=poll.electorate,
        )
    return poll


# --- Votes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    vote: Vote
    receipt: dict[str, Any]
    duplicate: bool = False


def _vote_payload(
    actor: User,
    row: Meeting,
    poll: Poll,
    items: Sequence[AgendaItem],
    seat: live_perms.Seat,
    choice: str,
    key: uuid.UUID,
) -> dict[str, Any]:
    from ecabinet.signatures.statements import statement_payload

    membership = live_perms.body_membership(actor, row)
    if membership is None:
        raise PermissionDenied
    payload = statement_payload(
        signer=actor,
        role=str(membership.role),
        body=row.body,
        object_type=VOTE_OBJECT_TYPE,
        object_id=poll.pk,
        choice=CHOICE_CONTENT[Vote.Choice(choice)],
        comment=poll.title,
        documents=poll.documents,
        on_behalf_of=seat.invitation.user if seat.substitute else None,
    )
    payload["meeting"] = {"id": row.pk, "title": row.title}
    payload["poll"] = {
        "id": poll.pk,
        "title": poll.title,
        "items": [{"id": i.pk, "number": i.number, "title": i.title} for i in items],
    }
    payload["seat"] = {"id": seat.membership.pk, "member": name_of(seat.invitation.user)}
    payload["vote"] = choice
    payload["key"] = str(key)
    return payload


def _vote_summary(payload: dict[str, Any], seat: live_perms.Seat) -> str:
    head = _("Bạn ký: ")
    if seat.substitute:
        head = _("Bạn ký thay %(name)s: ") % {"name": name_of(seat.invitation.user)}
    summary = f"{head}{payload['choice']} — {payload['poll']['title']}"
    return summary if len(summary) <= 2000 else summary[:1999] + "…"


def _existing_vote(key: uuid.UUID, actor: User, poll_id: int) -> VoteResult | None:
    vote = (
        Vote.objects.filter(idempotency_key=key)
        .select_related("statement", "on_behalf_of")
        .order_by()
        .first()
    )
    return None if vote is None else _earlier(vote, actor, poll_id)


def _earlier(vote: Vote, actor: User, poll_id: int) -> VoteResult:
    """The answer to a key that already cast ``vote``: its receipt, if it is this voter's
    vote in this poll."""
    if vote.voter_id != actor.pk or vote.poll_id != poll_id:
        raise conflict(_("Mã gửi phiếu đã được dùng cho một phiếu khác."), code="key_reused")
    return VoteResult(vote, receipt(vote), duplicate=True)


def _choose_seat(actor: User, meeting: Meeting, seat_id: int | None) -> live_perms.Seat:
    seats = live_perms.seats_of(actor, meeting)
    if seat_id is not None:
        seats = [s for s in seats if s.membership.pk == seat_id]
        if not seats:
            # Someone else's seat: a vote for another member.
            raise PermissionDenied
    voting = [s for s in seats if "vote" in s.mandates]
    if not voting:
        # No seat, or a substitute whose mandate excludes voting.
        raise PermissionDenied
    if len(voting) > 1:
        raise bad_request(_("Hãy chọn ghế biểu quyết (bạn dự thay nhiều thành viên)."))
    return voting[0]


class _Refused(Exception):
    """A vote refused under the poll lock, before anything of it is written.

    ``refusal`` is the error to answer with; None: the seat or the key voted meanwhile."""

    def __init__(self, refusal: DomainError | None = None) -> None:
        super().__init__()
        self.refusal = refusal


STEPUP_REQUIRED = ("no_window", "no_session", "no_device")
ALREADY_VOTED = "already_voted"


def _already_voted() -> DomainError:
    return conflict(_("Ghế này đã biểu quyết; mỗi ghế chỉ một phiếu."), code=ALREADY_VOTED)


class _Locked:
    """What a group's votes check under the lock, read once when the group's transaction
    takes the polls' row locks (every vote of a poll takes it first: nothing checked here
    can change before the group commits), and kept up to date with the group's own votes."""

    def __init__(self, plans: Sequence[VotePlan]) -> None:
        from ecabinet.accounts.stepup import current_device_ids
        from ecabinet.signatures.models import MemberCertificate

        self.polls = {
            p.pk: p
            for p in Poll.objects.select_for_update()
            .filter(pk__in={plan.poll_id for plan in plans})
            .order_by("pk")
        }
        # A member removed mid-meeting, or a mandate withdrawn, since the checks before.
        self.held = live_perms.still_voting([(plan.actor, plan.seat) for plan in plans])
        self.keys: set[uuid.UUID] = set()
        self.seats: set[tuple[int, int]] = set()
        cast = Vote.objects.filter(
            Q(idempotency_key__in=[plan.key for plan in plans])
            | Q(
                poll_id__in=self.polls,
                membership_id__in={plan.seat.membership.pk for plan in plans},
            )
        ).order_by()
        for key, poll_id, seat_id in cast.values_list(
            "idempotency_key", "poll_id", "membership_id"
        ):
            self.keys.add(key)
            self.seats.add((poll_id, seat_id))
        self.certificates = {
            c.pk: c
            for c in MemberCertificate.objects.filter(
                pk__in={plan.certificate.pk for plan in plans}
            ).order_by()
        }
        self.devices = current_device_ids(
            list({plan.actor.pk: plan.actor for plan in plans}.values())
        )

    def voted(self, plan: VotePlan) -> bool:
        return plan.key in self.keys or (plan.poll_id, plan.seat.membership.pk) in self.seats

    def wrote(self, vote: Vote) -> None:
        self.keys.add(vote.idempotency_key)
        self.seats.add((vote.poll_id, vote.membership_id))


def _vote_record(plan: VotePlan, statement: SignedStatement, locked: _Locked) -> Vote:
    """The statement, the vote and the vote's audit event, under the poll row lock (every
    vote of a poll holds it, so the checks cannot race). Every refusal (``_Refused``,
    PermissionDenied) comes before the first write."""
    from ecabinet.signatures.statements import statement_record

    poll = locked.polls.get(plan.poll_id)
    if poll is None or poll.status != Poll.Status.OPEN:
        raise _Refused(
            conflict(_("Biểu quyết đã kết thúc; phiếu không được ghi nhận."), code="closed")
        )
    if plan.seat.invitation.pk not in locked.held:
        raise PermissionDenied
    if locked.voted(plan):
        raise _Refused
    actor, seat = plan.actor, plan.seat
    statement_record(
        actor=actor, statement=statement, current=locked.certificates.get(plan.certificate.pk)
    )
    # The unique constraints stand behind the checks above: an IntegrityError here rolls
    # the vote back to its savepoint (``votes_cast`` then answers from what is stored).
    vote = Vote.objects.create(
        poll=poll,
        membership=seat.membership,
        voter=actor,
        on_behalf_of=seat.invitation.user if seat.substitute else None,
        choice=plan.choice,
        statement=statement,
        idempotency_key=plan.key,
        mode=plan.mode,
        created_at=timezone.now(),
    )
    meeting = plan.meeting
    audit_append(
        actor=actor,
        verb="meetings.vote_cast",
        obj=vote,
        body=meeting.body_id,
        after={
            "meeting": meeting.pk,
            "poll": poll.pk,
            "seat": seat.membership.pk,
            "on_behalf_of": vote.on_behalf_of_id,
            "choice": plan.choice,
            "statement": str(statement.pk),
            "mode": vote.mode,
        },
    )
    meeting_id, poll_pk = meeting.pk, poll.pk
    transaction.on_commit(lambda: events.tally.touch(meeting_id, poll_pk), robust=True)
    return vote


@dataclass
class VotePlan:
    """A vote checked and ready to sign (``vote_prepare``): what ``vote_write`` needs."""

    actor: User
    meeting: Meeting
    poll_id: int
    choice: str
    key: uuid.UUID
    session_key: str | None
    seat: live_perms.Seat
    mode: str
    certificate: MemberCertificate
    payload: dict[str, Any]
    content: bytes


@dataclass(frozen=True)
class VoteRequest:
    """A ``vote`` action as the socket received it."""

    actor: User
    poll_id: int
    choice: str
    key: uuid.UUID
    session_key: str | None
    seat_id: int | None = None


class _GroupReads:
    """What the checks of a group of votes read, once for the group (a query each)."""

    def __init__(self, meeting: Meeting, requests: Sequence[VoteRequest]) -> None:
        from ecabinet.ballots.services import signing_certificates

        self.meeting = meeting
        actors = list({r.actor.pk: r.actor for r in requests}.values())
        self.votes_by_key = {
            v.idempotency_key: v
            for v in Vote.objects.filter(idempotency_key__in=[r.key for r in requests])
            .select_related("statement", "on_behalf_of")
            .order_by()
        }
        self.polls = {
            p.pk: p
            for p in Poll.objects.filter(
                pk__in={r.poll_id for r in requests}, meeting=meeting
            ).order_by()
        }
        self.present: dict[int, Attendance] = {}
        for attendance in Attendance.objects.filter(
            meeting=meeting, user__in=[a.pk for a in actors], left_at__isnull=True
        ).order_by("pk"):
            self.present.setdefault(attendance.user_id, attendance)
        self.certificates = signing_certificates(actors, meeting.body)
        self._items: dict[int, list[AgendaItem]] = {}
        self._voted: set[tuple[int, int]] = set()

    def read_voted(self, seats: Sequence[tuple[int, int]]) -> None:
        """Which of these (poll, seat) pairs have a vote."""
        if seats:
            self._voted = set(
                Vote.objects.filter(
                    poll_id__in={p for p, _m in seats}, membership_id__in={m for _p, m in seats}
                )
                .order_by()
                .values_list("poll_id", "membership_id")
            )

    def voted(self, poll_id: int, seat_id: int) -> bool:
        return (poll_id, seat_id) in self._voted

    def existing(self, request: VoteRequest) -> VoteResult | None:
        vote = self.votes_by_key.get(request.key)
        return None if vote is None else _earlier(vote, request.actor, request.poll_id)

    def items(self, poll: Poll) -> list[AgendaItem]:
        if poll.pk not in self._items:
            self._items[poll.pk] = list(poll.items.order_by("number"))
        return self._items[poll.pk]


def votes_prepare(
    meeting: Meeting, requests: Sequence[VoteRequest]
) -> list[VotePlan | VoteResult | Exception]:
    """Every check of each vote that reads only, outside any transaction: the plan to
    write, the receipt of the vote its key already cast (a retry after a reconnect), or the
    refusal (DomainError, PermissionDenied) to answer with. The group's reads are shared."""
    reads = _GroupReads(meeting, requests)
    seats: list[live_perms.Seat | Exception] = []
    for request in requests:
        try:
            seats.append(_choose_seat(request.actor, meeting, request.seat_id))
        except (DomainError, PermissionDenied) as exc:
            seats.append(exc)
    reads.read_voted(
        [
            (r.poll_id, s.membership.pk)
            for r, s in zip(requests, seats, strict=True)
            if isinstance(s, live_perms.Seat)
        ]
    )
    out: list[VotePlan | VoteResult | Exception] = []
    for request, seat in zip(requests, seats, strict=True):
        try:
            out.append(_vote_check(reads, request, seat))
        except (DomainError, PermissionDenied) as exc:
            out.append(exc)
    return out


def _vote_check(
    reads: _GroupReads, request: VoteRequest, seat: live_perms.Seat | Exception
) -> VotePlan | VoteResult:
    from ecabinet.ballots.services import no_certificate
    from ecabinet.signatures.statements import canonical

    meeting, actor = reads.meeting, request.actor
    if request.choice not in Vote.Choice.values:
        raise bad_request(_("Lựa chọn biểu quyết không hợp lệ."))
    # A voting seat also makes the live session visible (live_perms.can_view_live).
    if meeting.status not in live_perms.LIVE_STATES:
        raise PermissionDenied
    existing = reads.existing(request)
    if existing is not None:
        return existing
    if isinstance(seat, Exception):
        raise seat
    poll = reads.polls.get(request.poll_id)
    if poll is None:
        raise not_found(_("Không tìm thấy biểu quyết này."))
    attendance = reads.present.get(actor.pk)
    if attendance is None:
        raise conflict(_("Bạn cần điểm danh trước."), code="not_checked_in")
    if poll.status != Poll.Status.OPEN:
        raise conflict(_("Biểu quyết đã kết thúc; phiếu không được ghi nhận."), code="closed")
    if meeting.status != t.IN_SESSION:
        raise conflict(_("Phiên họp không ở trạng thái đang họp."))
    if reads.voted(poll.pk, seat.membership.pk):
        raise _already_voted()
    certificate = reads.certificates.get(actor.pk)
    if certificate is None:
        raise no_certificate(meeting.body)
    payload = _vote_payload(
        actor, meeting, poll, reads.items(poll), seat, request.choice, request.key
    )
    return VotePlan(
        actor=actor,
        meeting=meeting,
        poll_id=poll.pk,
        choice=request.choice,
        key=request.key,
        session_key=request.session_key,
        seat=seat,
        mode=attendance.mode,
        certificate=certificate,
        payload=payload,
        content=canonical(payload),
    )


def vote_prepare(
    *,
    actor: User,
    meeting: Meeting,
    poll_id: int,
    choice: str,
    key: uuid.UUID,
    session_key: str | None,
    seat_id: int | None = None,
) -> VotePlan | VoteResult:
    """``votes_prepare`` for one vote; a refusal raises."""
    (prepared,) = votes_prepare(
        meeting, [VoteRequest(actor, poll_id, choice, key, session_key, seat_id)]
    )
    if isinstance(prepared, Exception):
        raise prepared
    return prepared


def vote_write(plan: VotePlan, locked: _Locked) -> Vote | DomainError:
    """Spend the step-up, sign and store the vote, in the group's transaction (``locked``:
    its reads under the lock) and its own savepoint and audit batch. Returns the vote, or
    the refusal to answer with once the transaction commits (the spent step-up and its
    events are kept). PermissionDenied and any error of the signature raise before
    anything of the vote is written; the caller rolls its savepoint back."""
    from ecabinet.accounts.stepup import stepup_window_spend
    from ecabinet.signatures.statements import payload_hash, statement_build

    # The vote action is the member's explicit confirmation of this content (the screen
    # shows the choice and the item first); the window stands for the code.
    spent = stepup_window_spend(
        actor=plan.actor,
        session_key=plan.session_key,
        purpose="meetings.vote",
        content=plan.content,
        summary=_vote_summary(plan.payload, plan.seat),
        window_scope=_scope(plan.meeting),
        devices=locked.devices,
    )
    if isinstance(spent, DomainError):
        return spent
    statement = statement_build(
        actor=plan.actor,
        certificate=plan.certificate,
        payload=plan.payload,
        confirmation_hash=payload_hash(plan.payload),
    )
    try:
        return _vote_record(plan, statement, locked)
    except _Refused as exc:
        return exc.refusal or _already_voted()


def _outcome_of_integrity_error(plan: VotePlan, error: IntegrityError) -> Exception:
    """Only the vote's own uniqueness is an answer for the voter (it voted meanwhile);
    anything else is a real error."""
    same = Q(idempotency_key=plan.key) | Q(poll_id=plan.poll_id, membership=plan.seat.membership)
    return _already_voted() if Vote.objects.filter(same).exists() else error


def vote_answer(plan: VotePlan, outcome: Vote | DomainError) -> VoteResult:
    """The voter's answer once the vote's transaction has committed: the receipt, or the
    refusal raised (DomainError)."""
    if isinstance(outcome, Vote):
        return VoteResult(outcome, receipt(outcome))
    if outcome.code in STEPUP_REQUIRED:
        raise DomainError(
            _("Cần mở phiên ký cho cuộc họp (nhập mã xác thực một lần) trước khi biểu quyết."),
            code="stepup_required",
        ) from outcome
    if outcome.code == ALREADY_VOTED:
        # The same key voted meanwhile (a retry that raced its first send): its receipt.
        again = _existing_vote(plan.key, plan.actor, plan.poll_id)
        if again is not None:
            return again
    raise outcome


def vote_cast(
    *,
    actor: User,
    meeting: Meeting,
    poll_id: int,
    choice: str,
    key: uuid.UUID,
    session_key: str | None,
    seat_id: int | None = None,
) -> VoteResult:
    """Cast and sign a seat's vote through the meeting's signing window.

    The same ``key`` again (a retry after a reconnect) answers with the same receipt and
    counts nothing; another key for a seat that voted is a conflict. One transaction and
    one commit per vote: the step-up (requested, confirmed in the window, spent:
    ``stepup_window_spend``), the CMS signature, then, under the poll row lock (held only
    for this last part), the statement and the vote; the five audit events are written
    together at the end. A poll closed meanwhile, or a seat that voted meanwhile, is
    refused before the statement is written: a signature is stored only with the vote it
    expresses; the spent step-up stays audited.
    """
    plan = vote_prepare(
        actor=actor,
        meeting=meeting,
        poll_id=poll_id,
        choice=choice,
        key=key,
        session_key=session_key,
        seat_id=seat_id,
    )
    if isinstance(plan, VoteResult):
        return plan
    return votes_cast([plan])[0].unwrap()


@dataclass(frozen=True)
class Answer:
    """One vote's answer in a group: the result, or the error to raise for that voter."""

    result: VoteResult | None = None
    error: Exception | None = None

    def unwrap(self) -> VoteResult:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def votes_cast(plans: Sequence[VotePlan]) -> list[Answer]:
    """Write prepared votes together: one transaction, one commit, one audit batch (group
    commit), each vote in its own savepoint so that one refused or failing vote leaves the
    others as they are. Under load the socket hands over the votes that queued while the
    previous group was written (``live/votes.py``); alone, a vote is a group of one."""
    outcomes: list[Vote | Exception] = []
    with transaction.atomic(), audit_batch():
        locked = _Locked(plans)
        for plan in plans:
            try:
                with transaction.atomic(), audit_batch():
                    outcome = vote_write(plan, locked)
            except (DomainError, PermissionDenied) as exc:
                outcomes.append(exc)
            except IntegrityError as exc:
                outcomes.append(_outcome_of_integrity_error(plan, exc))
            except DatabaseError:
                raise  # the database refused (busy, gone): the whole group is answered so
            except Exception as exc:  # a fault in one vote leaves the others written
                logger.exception("vote %s failed", plan.key)
                outcomes.append(exc)
            else:
                if isinstance(outcome, Vote):
                    locked.wrote(outcome)
                outcomes.append(outcome)
    answers: list[Answer] = []
    for plan, done in zip(plans, outcomes, strict=True):
        if isinstance(done, (Vote, DomainError)):
            try:
                answers.append(Answer(result=vote_answer(plan, done)))
            except DomainError as exc:
                answers.append(Answer(error=exc))
        else:
            answers.append(Answer(error=done))
    return answers


# --- Minutes and conclusions ----------------------------------------------------------------

MINUTES_STATES = (t.IN_SESSION, t.ADJOURNED, t.CLOSED)


def _check_recorder(actor: User, meeting: Meeting) -> None:
    if not live_perms.can_record_minutes(actor, meeting):
        raise PermissionDenied


def minute_note_add(*, actor: User, meeting: Meeting, item_id: int, text: str) -> MinuteNote:
    """The secretary notes what was said on an item (for the minutes)."""
    _check_recorder(actor, meeting)
    text = _clean_text(text, NOTE_MAX, _("Ghi chép không được để trống."))
    with transaction.atomic():
        row = _locked(meeting)
        if row.status not in MINUTES_STATES:
            raise conflict(_("Chỉ ghi biên bản khi phiên họp đã bắt đầu."))
        item = _item(row, item_id, lock=False)
        note = MinuteNote.objects.create(
            item=item, author=actor, text=text, created_at=timezone.now()
        )
        _audit(actor, "meetings.minute_note_add", row, note, item=item.pk, text=text)
        # Notes are not part of the shared state: they do not move the seq.
        events.broadcast_on_commit(
            row.pk,
            [events.event_message(row.seq, "notes", PART_BUILDERS["notes"](row), refresh=True)],
            audience="recorders",
        )
    return note


def _check_matches_poll(item: AgendaItem, outcome: str) -> None:
    """An adopted or rejected conclusion agrees with the item's vote, if it had one."""
    if outcome == Conclusion.Outcome.DEFERRED:
        return
    poll = Poll.objects.filter(items=item, status=Poll.Status.CLOSED).order_by("-closed_at").first()
    if poll is None:
        return
    adopted = poll.outcome in (Poll.Outcome.ADOPTED, Poll.Outcome.ADOPTED_TIE)
    if adopted != (outcome == Conclusion.Outcome.ADOPTED):
        raise conflict(
            _("Kết luận phải phù hợp với kết quả biểu quyết (%(result)s).")
            % {"result": Poll.Outcome(poll.outcome).label}
        )


def item_conclude(
    *,
    actor: User,
    meeting: Meeting,
    item_id: int,
    outcome: str,
    text: str,
    version: int | None = None,
) -> Conclusion:
    """The secretary records the conclusion of an item (adopted, rejected, deferred).

    Amending an existing conclusion needs the ``version`` the secretary saw (two secretaries
    cannot overwrite each other unseen); the audit trail keeps every text.
    """
    _check_recorder(actor, meeting)
    if outcome not in Conclusion.Outcome.values:
        raise bad_request(_("Kết luận không hợp lệ."))
    text = (text or "").strip()
    if len(text) > CONCLUSION_MAX:
        raise bad_request(_("Nội dung dài tối đa %(n)s ký tự.") % {"n": CONCLUSION_MAX})
    if outcome != Conclusion.Outcome.DEFERRED and not text:
        raise bad_request(_("Hãy ghi nội dung kết luận."))
    with transaction.atomic():
        row = _locked(meeting)
        if row.status not in MINUTES_STATES:
            raise conflict(_("Chỉ ghi kết luận khi phiên họp đã bắt đầu."))
        item = _item(row, item_id)
        if item.status == t.ITEM_VOTING:
            raise conflict(_("Nội dung đang được biểu quyết."))
        _check_matches_poll(item, outcome)
        now = timezone.now()
        conclusion = Conclusion.objects.select_for_update().filter(item=item).first()
        before = None
        if conclusion is not None:
            if version is None or version != conclusion.version:
                raise conflict(
                    _(
                        "Nội dung này đã có kết luận (phiên bản %(v)s). Tải lại để xem rồi "
                        "sửa nếu cần."
                    )
                    % {"v": conclusion.version},
                    code="stale",
                )
            before = {"outcome": conclusion.outcome, "text": conclusion.text}
            conclusion.outcome, conclusion.text = outcome, text
            conclusion.recorded_by, conclusion.recorded_at = actor, now
            conclusion.version += 1
            conclusion.save()
        else:
            conclusion = Conclusion.objects.create(
                item=item, outcome=outcome, text=text, recorded_by=actor, recorded_at=now
            )
            item.status = t.ITEM_MACHINE.target("conclude", item.status)
        item.outcome = outcome
        item.version += 1
        item.save(update_fields=["status", "outcome", "version"])
        _emit(row, ["items"])
        _audit(
            actor,
            "meetings.item_conclude",
            row,
            conclusion,
            item=item.pk,
            outcome=outcome,
            text=text,
            version=conclusion.version,
            previous=before,
        )
    return conclusion


def conclusion_attach(
    *, actor: User, meeting: Meeting, item_id: int, data: bytes, filename: str
) -> Conclusion:
    """Attach a file to an item's conclusion (filed in the meeting's dossier)."""
    from ecabinet.documents.services import DocumentMeta, document_upload

    _check_recorder(actor, meeting)
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise not_found(_("Không tìm thấy nội dung họp này trong cuộc họp."))
    if not Conclusion.objects.filter(item=item).exists():
        raise conflict(_("Hãy ghi kết luận trước khi đính kèm tệp."))
    document: Document = document_upload(
        actor=actor,
        data=data,
        filename=filename,
        dossier=meeting.dossier,
        meta=DocumentMeta(
            title=_("Kết luận nội dung %(n)s — %(name)s")
            % {
                "n": item.number,
                "name": filename,
            }
        ),
    )
    with transaction.atomic():
        row = _locked(meeting)
        if row.status not in MINUTES_STATES:
            raise conflict(_("Chỉ ghi kết luận khi phiên họp đã bắt đầu."))
        conclusion = Conclusion.objects.select_for_update().get(item_id=item.pk)
        previous = conclusion.attachment_id
        conclusion.attachment = document
        conclusion.version += 1
        conclusion.save(update_fields=["attachment", "version"])
        _emit(row, ["items"])
        _audit(
            actor,
            "meetings.conclusion_attach",
            row,
            conclusion,
            item=item.pk,
            document=document.pk,
            previous=previous,
        )
    return conclusion
