"""Statistics of opinion ballots over a period: per ballot, per question and per member.

What is counted:

- A ballot belongs to the period when it was sent during it (whole days, Vietnam time).
  Withdrawn ballots are left out: nobody owes an answer to a withdrawn ballot, and a
  corrected ballot is counted once, as the correction that replaced it.
- Each seat asked (``Recipient``) is in exactly one state, judged on its final answer (a
  superseded answer does not count):

  * on time: the final answer was signed at or before the deadline;
  * late: it was signed after the deadline. The services refuse an answer at or after the
    deadline and the deadline is frozen when the ballot is sent, so through this application
    a seat is never late; the state is still computed from the recorded times, so that an
    answer recorded otherwise (an import, a future extension of the deadline) is shown for
    what it is instead of silently counting as on time;
  * not answered: no answer, and the deadline has passed (or the ballot was closed);
  * pending: no answer yet, and the ballot still takes answers.

- Agree / disagree / other shares are shares of the answers given (final answers only), not
  of all members: the legal count against more than half of ALL members is the ballot's
  results page and summary report.
- An answer's time runs from sending to the final answer. An answer a substitute signed
  counts for the seat (the member), and is counted apart as "answered on their behalf".

Who sees what: those who follow every ballot (the Office, the chair, the system
administrator: ``permissions.can_follow_ballot``) see every ballot and every member; a
member with a seat (chair, vice chair, member) sees only their own figures and seats;
nobody else sees statistics. The reads start from ``selectors.ballot_list_for`` so the
statistics never count a ballot the user could not open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecabinet.ballots import permissions as perms
from ecabinet.ballots.models import AnswerItem, Ballot, Choice, Question, Recipient
from ecabinet.ballots.selectors import ballot_list_for
from ecabinet.ballots.transitions import OPEN
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.tracking.selectors import Period

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser


class Scope(StrEnum):
    ALL = "all"  # every ballot and every member
    OWN = "own"  # the user's own seats only


def statistics_scope(
    user: AnyUser, body: Body, membership: Membership | None = None
) -> Scope | None:
    """How much of the body's statistics the user sees; None: none at all (403)."""
    membership = membership if membership is not None else perms.membership_of(user, body)
    if perms.can_follow_ballot(user, Ballot(body=body), membership):
        return Scope.ALL
    if (
        membership is not None
        and membership.is_active
        and user.is_active
        and membership.role in VOTING_ROLES
    ):
        return Scope.OWN
    return None


def can_view_statistics(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return statistics_scope(user, body, membership) is not None


# --- Figures -------------------------------------------------------------------------------


class SeatState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    NOT_ANSWERED = "not_answered"
    PENDING = "pending"


SEAT_STATE_LABELS = {
    SeatState.ON_TIME: _("Trả lời đúng hạn"),
    SeatState.LATE: _("Trả lời trễ hạn"),
    SeatState.NOT_ANSWERED: _("Không trả lời"),
    SeatState.PENDING: _("Chưa trả lời, còn hạn"),
}


def _percent(count: int, total: int) -> float | None:
    """One decimal; None when there is nothing to share (shown as a dash)."""
    return round(100 * count / total, 1) if total else None


@dataclass
class Timeliness:
    """How the seats asked answered: each seat in exactly one of four states."""

    received: int = 0
    on_time: int = 0
    late: int = 0
    not_answered: int = 0
    pending: int = 0

    def add(self, state: SeatState) -> None:
        self.received += 1
        if state == SeatState.ON_TIME:
            self.on_time += 1
        elif state == SeatState.LATE:
            self.late += 1
        elif state == SeatState.NOT_ANSWERED:
            self.not_answered += 1
        else:
            self.pending += 1

    def merge(self, other: Timeliness) -> None:
        self.received += other.received
        self.on_time += other.on_time
        self.late += other.late
        self.not_answered += other.not_answered
        self.pending += other.pending

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_share(self) -> float | None:
        """Share of the seats whose deadline passed or which answered (pending left out)."""
        return _percent(self.on_time, self.received - self.pending)


@dataclass
class ChoiceCounts:
    """Agree / disagree / other among answered questions."""

    agree: int = 0
    disagree: int = 0
    other: int = 0

    def add(self, choice: str) -> None:
        if choice == Choice.AGREE:
            self.agree += 1
        elif choice == Choice.DISAGREE:
            self.disagree += 1
        else:
            self.other += 1

    def merge(self, other: ChoiceCounts) -> None:
        self.agree += other.agree
        self.disagree += other.disagree
        self.other += other.other

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.other

    @property
    def agree_share(self) -> float | None:
        return _percent(self.agree, self.total)

    @property
    def disagree_share(self) -> float | None:
        return _percent(self.disagree, self.total)

    @property
    def other_share(self) -> float | None:
        return _percent(self.other, self.total)


@dataclass
class QuestionStats:
    number: int
    text: str
    choices: ChoiceCounts = field(default_factory=ChoiceCounts)
    # Seats whose final answer does not cover the question (no answer at all).
    not_answered: int = 0


@dataclass
class BallotStats:
    ballot: Ballot
    timeliness: Timeliness = field(default_factory=Timeliness)
    questions: list[QuestionStats] = field(default_factory=list)
    # Every answered question of the ballot together.
    choices: ChoiceCounts = field(default_factory=ChoiceCounts)
    on_behalf: int = 0


@dataclass
class MemberStats:
    """One seat holder (a membership) over the period."""

    key: int
    name: str
    title: str
    precedence: int
    timeliness: Timeliness = field(default_factory=Timeliness)
    choices: ChoiceCounts = field(default_factory=ChoiceCounts)
    on_behalf: int = 0
    answer_times: list[timedelta] = field(default_factory=list)

    @property
    def average_answer_time(self) -> timedelta | None:
        if not self.answer_times:
            return None
        return sum(self.answer_times, timedelta(0)) / len(self.answer_times)


@dataclass
class SeatStats:
    """One of the user's own seats (the member's view): how and when it was answered."""

    ballot: Ballot
    state: SeatState
    answered_at: datetime | None
    on_behalf: bool
    choices: ChoiceCounts = field(default_factory=ChoiceCounts)

    @property
    def state_label(self) -> str:
        return str(SEAT_STATE_LABELS[self.state])

    @property
    def answer_time(self) -> timedelta | None:
        if self.answered_at is None or self.ballot.sent_at is None:
            return None
        return self.answered_at - self.ballot.sent_at


@dataclass
class Statistics:
    body: Body
    period: Period
    now: datetime
    scope: Scope
    # Every ballot (scope ALL); empty for a member, who sees ``seats`` instead.
    ballots: list[BallotStats]
    members: list[MemberStats]
    seats: list[SeatStats]
    total: Timeliness
    choices: ChoiceCounts

    @property
    def ballot_count(self) -> int:
        return len(self.ballots) if self.scope == Scope.ALL else len(self.seats)

    @property
    def average_answer_time(self) -> timedelta | None:
        times = [t for m in self.members for t in m.answer_times]
        return sum(times, timedelta(0)) / len(times) if times else None


def seat_state(recipient: Recipient, ballot: Ballot, now: datetime) -> SeatState:
    """The seat's state from its final answer's time, the deadline and the ballot's status."""
    answered_at = recipient.answered_at
    if recipient.current_answer_id is not None and answered_at is None:
        answered_at = recipient.current_answer.created_at if recipient.current_answer else None
    if recipient.current_answer_id is not None and answered_at is not None:
        if ballot.deadline_at is not None and answered_at > ballot.deadline_at:
            return SeatState.LATE
        return SeatState.ON_TIME
    still_open = ballot.status == OPEN and (ballot.deadline_at is None or ballot.deadline_at > now)
    return SeatState.PENDING if still_open else SeatState.NOT_ANSWERED


def _member_name(recipient: Recipient) -> str:
    return recipient.user.full_name or recipient.user.username


def statistics_for(
    user: AnyUser, body: Body, period: Period, now: datetime | None = None
) -> Statistics:
    """The body's ballots sent during ``period`` that the user may see, in figures.

    A handful of queries whatever the number of ballots, seats and answers: the user's
    membership, the visibility rules of ``ballot_list_for``, then the ballots, their seats
    with their final answers, their questions and the final answers' choices.
    """
    now = now or timezone.now()
    membership = perms.membership_of(user, body)
    scope = statistics_scope(user, body, membership)
    if scope is None:
        raise PermissionDenied
    visible = (
        ballot_list_for(user, body)
        .filter(sent_at__gte=period.start_at, sent_at__lt=period.end_at)
        .exclude(status=Ballot.Status.WITHDRAWN)
    )
    ballots = {b.pk: b for b in visible.order_by("sent_at", "pk")}
    seats = Recipient.objects.filter(ballot_id__in=visible.values("pk"))
    if scope == Scope.OWN:
        assert user.pk is not None  # a member with a seat is signed in
        seats = seats.filter(user_id=user.pk)
    recipients = list(
        seats.select_related("user", "membership", "membership__title", "current_answer").order_by(
            "precedence", "membership_id", "pk"
        )
    )
    questions: dict[int, list[Question]] = defaultdict(list)
    if scope == Scope.ALL:
        for question in Question.objects.filter(ballot_id__in=visible.values("pk")).order_by(
            "ballot_id", "number"
        ):
            questions[question.ballot_id].append(question)
    items: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for answer_id, question_id, choice in AnswerItem.objects.filter(
        answer_id__in=seats.filter(current_answer__isnull=False).values("current_answer_id")
    ).values_list("answer_id", "question_id", "choice"):
        items[answer_id].append((question_id, choice))

    by_ballot = {
        pk: BallotStats(
            ballot=b,
            questions=[QuestionStats(number=q.number, text=q.text) for q in questions[pk]],
        )
        for pk, b in ballots.items()
    }
    members: dict[int, MemberStats] = {}
    own: list[SeatStats] = []
    total = Timeliness()
    choices = ChoiceCounts()
    for recipient in recipients:
        ballot = ballots.get(recipient.ballot_id)
        if ballot is None:  # sent after the ballots were read: next time
            continue
        state = seat_state(recipient, ballot, now)
        answer = recipient.current_answer
        on_behalf = answer is not None and answer.on_behalf_of_id is not None
        picked = items.get(recipient.current_answer_id or 0, [])
        seat_choices = ChoiceCounts()
        for _question, choice in picked:
            seat_choices.add(choice)
        total.add(state)
        choices.merge(seat_choices)

        member = members.get(recipient.membership_id)
        if member is None:
            title = recipient.membership.title
            member = members[recipient.membership_id] = MemberStats(
                key=recipient.membership_id,
                name=_member_name(recipient),
                title=title.name if title is not None else "",
                precedence=recipient.membership.precedence,
            )
        member.timeliness.add(state)
        member.choices.merge(seat_choices)
        member.on_behalf += int(on_behalf)
        if state in (SeatState.ON_TIME, SeatState.LATE) and ballot.sent_at is not None:
            answered_at = recipient.answered_at or (answer.created_at if answer else None)
            if answered_at is not None:
                member.answer_times.append(max(answered_at - ballot.sent_at, timedelta(0)))

        if scope == Scope.OWN:
            own.append(
                SeatStats(
                    ballot=ballot,
                    state=state,
                    answered_at=recipient.answered_at if answer is not None else None,
                    on_behalf=on_behalf,
                    choices=seat_choices,
                )
            )
            continue
        stats = by_ballot[ballot.pk]
        stats.timeliness.add(state)
        stats.choices.merge(seat_choices)
        stats.on_behalf += int(on_behalf)
        chosen = dict(picked)
        for question, row in zip(questions[ballot.pk], stats.questions, strict=True):
            answered = chosen.get(question.pk)
            if answered is None:
                row.not_answered += 1
            else:
                row.choices.add(answered)

    own.sort(key=lambda s: (s.ballot.sent_at or now, s.ballot.pk))
    return Statistics(
        body=body,
        period=period,
        now=now,
        scope=scope,
        ballots=list(by_ballot.values()) if scope == Scope.ALL else [],
        members=sorted(members.values(), key=lambda m: (m.precedence, m.name, m.key)),
        seats=own,
        total=total,
        choices=choices,
    )
