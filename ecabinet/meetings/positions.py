"""Pre-meeting positions and the agenda's two blocks (docs/decisions/1002-meetings-positions.md).

Before the cut-off (``Meeting.positions_cutoff_at``) every invited member states, per agenda
item, "no objection", "comment" (with text) or "want to discuss / object" (with text); a
substitute may do so in the member's place when the mandate on the invitation allows it.
At the cut-off a scan (``meetings_positions_due``) splits the agenda: items nobody commented
on or objected to form the consent block (adopted together by one vote), the others the
discussion block, ordered by how contested they are. The Office may then move items between
the blocks, or recompute the split, until the session opens.

Writes follow services.py: permission, validation outside the transaction, then one
transaction that locks the meeting first, then the items, then the positions; every change
appends an audit event. Reads (``tallies_of``, ``split_of``) take a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append
from ecabinet.core.dates import format_decree_datetime
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting, Position

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser

TEXT_MAX = 4000
REASON_MAX = 1000
# Contest score of an item: an objection asks for a discussion, a comment only adds to it.
OBJECTION_WEIGHT = 3
COMMENT_WEIGHT = 1
# Items that still take positions, and items already placed in a block.
OPEN_ITEMS = (t.ITEM_PLANNED, t.ITEM_POSITIONS_OPEN)
BLOCK_ITEMS = (t.ITEM_CONSENT, t.ITEM_DISCUSSION)
# Meetings whose pending items the scan still places (a session opened before the scan ran).
COMPUTE_MEETINGS = (*t.INVITED, t.IN_SESSION, t.ADJOURNED)
# A substitute writes positions with either of these mandates on the invitation's delegation:
# a position is what they would say on the item (speak), or a written opinion.
POSITION_MANDATES = frozenset({"speak", "give_opinions"})

STANCES = frozenset(Position.Stance.values)
NEEDS_TEXT = frozenset({Position.Stance.COMMENT, Position.Stance.OBJECT})
CONSENT = AgendaItem.Block.CONSENT
DISCUSSION = AgendaItem.Block.DISCUSSION


# --- Who writes for which seat -------------------------------------------------------------


def is_open(meeting: Meeting, now: datetime | None = None) -> bool:
    """Positions are taken once the invitations are out, until the cut-off."""
    now = now or timezone.now()
    return meeting.status in t.INVITED and now < meeting.positions_cutoff_at


def can_give_position(user: AnyUser, invitation: Invitation) -> bool:
    """The invited member, or the substitute named on the invitation whose delegation (not
    revoked) carries the speak or give-opinions mandate. Both must still be active members.

    The delegation's time window is not checked: a meeting's delegation starts an hour before
    the session (check-in), after the cut-off; the link on the invitation is the mandate.
    """
    if not user.is_authenticated or not user.is_active or not invitation.membership.is_active:
        return False
    if invitation.user_id == user.pk:
        return True
    delegation = invitation.delegation
    return (
        invitation.response == Invitation.Response.SUBSTITUTED
        and invitation.substitute_id == user.pk
        and delegation is not None
        and delegation.revoked_at is None
        and delegation.substitute.is_active
        and delegation.substitute.user_id == user.pk
        and bool(delegation.mandates() & POSITION_MANDATES)
    )


def seats_for(user: AnyUser, meeting: Meeting) -> list[Invitation]:
    """The invitations ``user`` may give positions for: their own, then those they stand in
    for (one query)."""
    if not user.is_authenticated or not user.is_active:
        return []
    rows = list(
        Invitation.objects.filter(meeting=meeting)
        .filter(Q(user_id=user.pk) | Q(substitute_id=user.pk))
        .select_related("user", "membership", "delegation__substitute")
        .order_by("precedence", "pk")
    )
    seats = []
    for row in rows:
        row.meeting = meeting
        if can_give_position(user, row):
            seats.append(row)
    seats.sort(key=lambda r: r.user_id != user.pk)
    return seats


def position_token(position: Position | None) -> str:
    """What a form carries to detect a stale edit: empty when there was no position yet."""
    if position is None:
        return ""
    return f"{position.pk}:{position.updated_at.isoformat()}"


# --- Giving positions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One item's position as submitted, with the token the form was loaded with."""

    item_id: int
    stance: str
    text: str = ""
    version: str = ""


def _clean_text(text: str | None) -> str:
    # Keep the writer's line breaks; trim each line and drop blank runs at the ends.
    lines = [" ".join(line.split()) for line in (text or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _check_answer(answer: Answer, number: int | None) -> Answer:
    label = (_("Nội dung %(n)s: ") % {"n": number}) if number is not None else ""
    if answer.stance not in STANCES:
        raise DomainError(
            label + _("Hãy chọn: không có ý kiến khác, có ý kiến, hoặc đề nghị thảo luận."),
            code="bad_stance",
        )
    text = _clean_text(answer.text)
    if answer.stance in NEEDS_TEXT and not text:
        message = (
            _("Hãy ghi nội dung ý kiến.")
            if answer.stance == Position.Stance.COMMENT
            else _("Hãy nêu vấn đề đề nghị thảo luận.")
        )
        raise DomainError(label + message, code="no_text")
    if len(text) > TEXT_MAX:
        raise DomainError(
            label + _("Ý kiến dài tối đa %(n)s ký tự.") % {"n": TEXT_MAX}, code="too_long"
        )
    return Answer(item_id=answer.item_id, stance=answer.stance, text=text, version=answer.version)


def _closed_error(meeting: Meeting) -> DomainError:
    if meeting.status not in t.INVITED:
        return InvalidTransition(
            _("Cuộc họp chưa gửi giấy mời, đã bắt đầu hoặc đã bị hủy: không nhận ý kiến.")
        )
    return DomainError(
        _("Đã hết hạn cho ý kiến trước cuộc họp (%(at)s). Ý kiến không được ghi nhận.")
        % {"at": format_decree_datetime(meeting.positions_cutoff_at)},
        code="after_cutoff",
    )


def _stale_position() -> DomainError:
    return DomainError(
        _(
            "Ý kiến của bạn về nội dung này vừa được thay đổi ở nơi khác (có thể bởi người dự "
            "thay). Tải lại trang để xem ý kiến mới rồi thử lại."
        ),
        code="stale",
    )


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)


def _snapshot(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {"stance": position.stance, "text": position.text, "author": position.author_id}


def _open_locked(meeting: Meeting, items: Sequence[AgendaItem], actor: User | None) -> list[int]:
    """Move the planned items among ``items`` to positions_open (meeting row locked)."""
    opened = []
    for item in items:
        if item.status == t.ITEM_PLANNED:
            item.status = t.ITEM_MACHINE.target("open_positions", item.status)
            item.version += 1
            item.save(update_fields=["status", "version"])
            opened.append(item.pk)
    if opened:
        audit_append(
            actor=actor,
            verb="meetings.positions_open",
            obj=meeting,
            body=meeting.body,
            after={"items": opened, "cutoff": meeting.positions_cutoff_at},
        )
    return opened


def positions_give(
    *, actor: User, invitation: Invitation, answers: Sequence[Answer]
) -> list[Position]:
    """Record the positions of one seat (the invitation) on some items of its meeting.

    All or nothing: a wrong answer refuses the whole submission. Refused: someone who is
    neither the invited member nor a substitute with the mandate (403); a stance outside the
    three, a comment or an objection without text, text over 4,000 characters; an item of
    another meeting, or one already placed in a block; the meeting not invited yet, opened,
    cancelled, or past its cut-off; a position changed since the form was loaded (stale).
    An answer equal to the stored one changes nothing. A planned item is opened on the way.
    """
    meeting = invitation.meeting
    if not can_give_position(actor, invitation):
        raise PermissionDenied
    if not answers:
        raise DomainError(_("Chưa có ý kiến nào để ghi nhận."), code="empty")
    ids = [a.item_id for a in answers]
    if len(set(ids)) != len(ids):
        raise DomainError(_("Mỗi nội dung chỉ có một ý kiến."), code="duplicate")
    numbers = dict(
        AgendaItem.objects.filter(meeting=meeting, pk__in=ids).values_list("pk", "number")
    )
    if len(numbers) != len(ids):
        raise DomainError(
            _("Có nội dung không thuộc cuộc họp này. Tải lại trang rồi thử lại."),
            code="foreign_item",
        )
    cleaned = [_check_answer(a, numbers[a.item_id]) for a in answers]
    if not is_open(meeting):
        raise _closed_error(meeting)
    saved: list[Position] = []
    with transaction.atomic():
        row = _locked_meeting(meeting)
        now = timezone.now()
        if not is_open(row, now):
            raise _closed_error(row)
        seat = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("membership", "delegation__substitute", "user")
            .get(pk=invitation.pk)
        )
        # The answer or the delegation may have changed since the page was loaded.
        if not can_give_position(actor, seat):
            raise PermissionDenied
        items = {
            i.pk: i
            for i in AgendaItem.objects.select_for_update(of=("self",))
            .filter(meeting=row, pk__in=ids)
            .order_by("number")
        }
        closed = [i.number for i in items.values() if i.status not in OPEN_ITEMS]
        if closed:
            raise DomainError(
                _("Nội dung %(n)s đã được xếp nhóm nên không nhận ý kiến nữa.")
                % {"n": ", ".join(map(str, sorted(closed)))},
                code="item_closed",
            )
        _open_locked(row, list(items.values()), actor)
        existing = {
            p.item_id: p
            for p in Position.objects.select_for_update(of=("self",)).filter(
                item_id__in=ids, membership_id=seat.membership_id
            )
        }
        for answer in cleaned:
            item = items[answer.item_id]
            position = existing.get(item.pk)
            if position_token(position) != answer.version:
                raise _stale_position()
            if position is not None and (position.stance, position.text) == (
                answer.stance,
                answer.text,
            ):
                saved.append(position)
                continue
            before = _snapshot(position)
            if position is None:
                position = Position(item=item, membership=seat.membership)
            position.author = actor
            position.stance = answer.stance
            position.text = answer.text
            position.save()
            audit_append(
                actor=actor,
                verb="meetings.position_give",
                obj=position,
                body=row.body,
                before=before,
                after={
                    **(_snapshot(position) or {}),
                    "meeting": row.pk,
                    "item": item.pk,
                    "seat": seat.membership_id,
                    "on_behalf_of": seat.user_id if seat.user_id != actor.pk else None,
                },
            )
            saved.append(position)
    return saved


def position_give(
    *,
    actor: User,
    invitation: Invitation,
    item: AgendaItem,
    stance: str,
    text: str = "",
    version: str = "",
) -> Position:
    """One item's position (``positions_give`` with one answer)."""
    answer = Answer(item_id=item.pk, stance=stance, text=text, version=version)
    return positions_give(actor=actor, invitation=invitation, answers=[answer])[0]


def positions_open(*, meeting: Meeting, actor: User | None = None) -> int:
    """Open the planned items of an invited meeting for positions; returns how many.

    Called when the invitations go out (and by the scan for items added later); idempotent.
    Nothing happens before the invitations or after the cut-off: an item added after the
    cut-off goes straight to discussion (``blocks_compute``).
    """
    if actor is not None and not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    with transaction.atomic():
        return positions_open_locked(_locked_meeting(meeting), actor)


def positions_open_locked(row: Meeting, actor: User | None) -> int:
    """``positions_open`` inside the caller's transaction, the meeting row already locked
    (the invitations' sending opens the items in the same commit)."""
    if not is_open(row):
        return 0
    items = list(
        AgendaItem.objects.select_for_update(of=("self",)).filter(
            meeting=row, status=t.ITEM_PLANNED
        )
    )
    return len(_open_locked(row, items, actor))


# --- Counting and the split ----------------------------------------------------------------


@dataclass
class ItemTally:
    """The positions on one item, counted."""

    item: AgendaItem
    seats: int
    positions: list[Position] = field(default_factory=list)
    no_objection: int = 0
    comments: int = 0
    objections: int = 0

    @property
    def answered(self) -> int:
        return self.no_objection + self.comments + self.objections

    @property
    def silent(self) -> int:
        """Invited seats that gave no position (silence does not object)."""
        return max(0, self.seats - self.answered)

    @property
    def score(self) -> int:
        """How contested the item is: 3 per objection, 1 per comment."""
        return OBJECTION_WEIGHT * self.objections + COMMENT_WEIGHT * self.comments

    @property
    def suggested(self) -> str:
        """The block the rule gives: consent when nobody commented or objected on an item that
        took positions; an item that never took positions (added after the cut-off) is
        discussed."""
        if self.score or self.item.status == t.ITEM_PLANNED:
            return DISCUSSION
        return CONSENT

    @property
    def block(self) -> str:
        """The block it is in once placed, else the one the rule suggests (preview)."""
        return self.item.block or self.suggested

    @property
    def moved(self) -> bool:
        """Placed by the Office against the rule."""
        return bool(self.item.block) and self.item.block != self.suggested


def _contest_key(tally: ItemTally) -> tuple[int, int, int]:
    return (-tally.score, -tally.objections, tally.item.number)


def tallies_of(meeting: Meeting, *, items: Sequence[AgendaItem] | None = None) -> list[ItemTally]:
    """Every item of the meeting (or ``items``) with its positions counted, agenda order.

    Only the seats invited to the meeting count (three queries)."""
    if items is None:
        items = list(
            AgendaItem.objects.filter(meeting=meeting)
            .select_related("presenting_unit")
            .order_by("number")
        )
    invited = set(
        Invitation.objects.filter(meeting=meeting).values_list("membership_id", flat=True)
    )
    tallies = {i.pk: ItemTally(item=i, seats=len(invited)) for i in items}
    for item in items:
        item.meeting = meeting
    for position in (
        Position.objects.filter(item_id__in=tallies.keys(), membership_id__in=invited)
        .select_related("author", "membership__user", "membership__title")
        .order_by("item_id", "membership__precedence", "pk")
    ):
        tally = tallies[position.item_id]
        tally.positions.append(position)
        if position.stance == Position.Stance.OBJECT:
            tally.objections += 1
        elif position.stance == Position.Stance.COMMENT:
            tally.comments += 1
        else:
            tally.no_objection += 1
    return list(tallies.values())


@dataclass
class Split:
    """The agenda split in two: consent (agenda order) and discussion (most contested
    first). ``placed`` is False while it is only the preview before the cut-off."""

    consent: list[ItemTally]
    discussion: list[ItemTally]
    placed: bool
    seats: int

    @property
    def tallies(self) -> list[ItemTally]:
        return sorted([*self.consent, *self.discussion], key=lambda x: x.item.number)


def split_of(meeting: Meeting, *, items: Sequence[AgendaItem] | None = None) -> Split:
    """The split as it stands: each item's block once placed, the rule's preview otherwise."""
    tallies = tallies_of(meeting, items=items)
    consent = [x for x in tallies if x.block == CONSENT]
    discussion = sorted((x for x in tallies if x.block == DISCUSSION), key=_contest_key)
    placed = bool(tallies) and all(x.item.block for x in tallies)
    seats = tallies[0].seats if tallies else 0
    return Split(consent=consent, discussion=discussion, placed=placed, seats=seats)


def positions_of(invitation: Invitation) -> dict[int, Position]:
    """The seat's positions by item id."""
    return {
        p.item_id: p
        for p in Position.objects.filter(
            item__meeting_id=invitation.meeting_id, membership_id=invitation.membership_id
        ).select_related("author")
    }


# --- Placing items in the blocks -----------------------------------------------------------


def _target(block: str, status: str) -> str:
    """The item's status for ``block`` (``ITEM_MACHINE``: either way between the blocks)."""
    if block == DISCUSSION:
        return t.ITEM_MACHINE.target("to_discussion", status)
    if t.ITEM_MACHINE.allowed("to_consent", status):
        return t.ITEM_CONSENT
    raise InvalidTransition(_("Nội dung này không chuyển sang nhóm thông qua được."))


def _place(item: AgendaItem, block: str) -> bool:
    if item.block == block and item.status == (
        t.ITEM_CONSENT if block == CONSENT else t.ITEM_DISCUSSION
    ):
        return False
    item.status = _target(block, item.status)
    item.block = block
    item.version += 1
    item.save(update_fields=["status", "block", "version"])
    return True


def _compute_locked(row: Meeting, actor: User | None, *, reclassify: bool) -> int:
    states = (*OPEN_ITEMS, *BLOCK_ITEMS) if reclassify else OPEN_ITEMS
    items = list(
        AgendaItem.objects.select_for_update(of=("self",))
        .filter(meeting=row, status__in=states)
        .order_by("number")
    )
    if not items:
        return 0
    tallies = tallies_of(row, items=items)
    changed = [x for x in tallies if _place(x.item, x.suggested)]
    if changed or reclassify:
        audit_append(
            actor=actor,
            verb="meetings.blocks_compute",
            obj=row,
            body=row.body,
            after={
                "recompute": reclassify,
                "consent": [x.item.pk for x in tallies if x.suggested == CONSENT],
                "discussion": [
                    {"item": x.item.pk, "score": x.score, "objections": x.objections}
                    for x in sorted(tallies, key=_contest_key)
                    if x.suggested == DISCUSSION
                ],
                "changed": [x.item.pk for x in changed],
            },
        )
    return len(changed)


def blocks_compute(meeting: Meeting, *, now: datetime | None = None) -> int:
    """At the cut-off, place every item that still takes positions (the system's action).

    Idempotent: items already placed (by an earlier run or the Office) are left alone, so a
    second run, or a run after the worker was down, changes nothing more. Returns how many
    items were placed. Before the cut-off, or for a meeting not invited or over, nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked_meeting(meeting)
        if row.status not in COMPUTE_MEETINGS or now < row.positions_cutoff_at:
            return 0
        return _compute_locked(row, None, reclassify=False)


def blocks_recompute(*, actor: User, meeting: Meeting) -> int:
    """The Office places every item by the rule again after the cut-off, undoing its moves
    (the positions no longer change, so this only resets the split and places items added
    since). Refused before the cut-off (the split is a preview) and once the session opens."""
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    _check_can_place(meeting)
    with transaction.atomic():
        row = _locked_meeting(meeting)
        _check_can_place(row)
        return _compute_locked(row, actor, reclassify=True)


def _check_can_place(meeting: Meeting) -> None:
    if meeting.status not in t.INVITED:
        raise InvalidTransition(
            _("Chỉ xếp nhóm nội dung sau khi gửi giấy mời và trước khi cuộc họp bắt đầu.")
        )
    if timezone.now() < meeting.positions_cutoff_at:
        raise DomainError(
            _(
                "Chưa đến hạn cho ý kiến (%(at)s): các thành viên còn có thể thay đổi ý kiến, "
                "nên cách chia nhóm hiện tại mới là dự kiến."
            )
            % {"at": format_decree_datetime(meeting.positions_cutoff_at)},
            code="before_cutoff",
        )


def block_move(
    *, actor: User, item: AgendaItem, block: str, version: int, reason: str = ""
) -> AgendaItem:
    """The Office moves an item to the other block, with an optional reason.

    Refused: a block other than consent or discussion; before the cut-off or once the session
    opens; an item not yet placed; an item a member asked to discuss (an objection) into
    consent — that member's right to a discussion stands; a stale form.
    """
    meeting = item.meeting
    if not perms.can_manage_meeting(actor, meeting):
        raise PermissionDenied
    if block not in (CONSENT, DISCUSSION):
        raise DomainError(_("Hãy chọn nhóm thông qua hoặc nhóm thảo luận."), code="bad_block")
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise DomainError(_("Lý do dài tối đa %(n)s ký tự.") % {"n": REASON_MAX}, code="too_long")
    _check_can_place(meeting)
    with transaction.atomic():
        row = _locked_meeting(meeting)
        _check_can_place(row)
        locked = (
            AgendaItem.objects.select_for_update(of=("self",))
            .filter(meeting=row, pk=item.pk)
            .first()
        )
        if locked is None:
            raise DomainError(_("Nội dung không thuộc cuộc họp này."), code="foreign_item")
        if locked.version != version:
            raise DomainError(
                _("Nội dung vừa được người khác thay đổi. Tải lại trang rồi thử lại."),
                code="stale",
            )
        if locked.status not in BLOCK_ITEMS:
            raise DomainError(
                _("Nội dung chưa được xếp nhóm: chờ hệ thống chia nhóm tại hạn cho ý kiến."),
                code="not_placed",
            )
        if locked.block == block:
            return locked
        if (
            block == CONSENT
            and Position.objects.filter(
                item=locked,
                stance=Position.Stance.OBJECT,
                membership__in=Invitation.objects.filter(meeting=row).values("membership"),
            ).exists()
        ):
            raise DomainError(
                _(
                    "Có thành viên đề nghị thảo luận nội dung này nên không chuyển sang nhóm "
                    "thông qua không thảo luận được."
                ),
                code="objected",
            )
        before = {"block": locked.block, "status": locked.status}
        _place(locked, block)
        audit_append(
            actor=actor,
            verb="meetings.block_move",
            obj=locked,
            body=row.body,
            before=before,
            after={"block": locked.block, "status": locked.status, "reason": reason},
        )
    locked.meeting = row
    return locked


# --- The scan ------------------------------------------------------------------------------


def positions_due(now: datetime | None = None) -> int:
    """The periodic scan: open the planned items of invited meetings before their cut-off, and
    place the pending items of meetings past it. Returns how many items changed.

    Idempotent and safe from several workers: each meeting is re-checked under its row lock.
    """
    now = now or timezone.now()
    changed = 0
    to_open = (
        AgendaItem.objects.filter(
            status=t.ITEM_PLANNED,
            meeting__status__in=t.INVITED,
            meeting__positions_cutoff_at__gt=now,
        )
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    for meeting in Meeting.objects.filter(pk__in=list(to_open)).order_by("pk"):
        changed += positions_open(meeting=meeting)
    due = (
        AgendaItem.objects.filter(
            status__in=OPEN_ITEMS,
            meeting__status__in=COMPUTE_MEETINGS,
            meeting__positions_cutoff_at__lte=now,
        )
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    for meeting in Meeting.objects.filter(pk__in=list(due)).order_by("positions_cutoff_at", "pk"):
        changed += blocks_compute(meeting, now=now)
    return changed
