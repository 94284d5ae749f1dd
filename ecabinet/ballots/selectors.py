"""Reads of ballots, scoped to what the user may see, and the live tally.

A ballot of a body the user does not belong to is simply not found (404). Inside the body:
the Office, the chair and the system administrator see every ballot; a submitting agency
the ballots of its unit; members the ballots sent to them; substitutes and assistants the
ballots sent to the members they act for. A member removed from the body still finds the
ballots they were asked, read-only, with the reason they can no longer answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ecabinet.ballots import permissions as perms
from ecabinet.ballots.models import (
    Answer,
    AnswerDraft,
    AnswerItem,
    Assistant,
    Ballot,
    BallotSettings,
    Choice,
    NonAnswerRule,
    Question,
    Recipient,
    RouteEvent,
)
from ecabinet.ballots.transitions import BEFORE_SENDING, CLOSED, OPEN
from ecabinet.bodies.models import Body, Delegation, Membership
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.bodies.selectors import delegation_active_for
from ecabinet.core.calendar import working_days_between
from ecabinet.core.waiting import WaitingItem

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser


# --- Settings ------------------------------------------------------------------------------


def settings_for(body: Body) -> BallotSettings:
    """The body's ballot rules (an unsaved row with the defaults when it has set none)."""
    row = BallotSettings.objects.filter(body=body).first()
    return row if row is not None else BallotSettings(body=body, version=0)


# --- Lists and one ballot ------------------------------------------------------------------


def _principal_memberships(user: AnyUser, body: Body, at: datetime) -> list[int]:
    """Memberships whose ballots the user acts on: delegations received, assistant of."""
    if not user.is_authenticated:
        return []
    delegated = Delegation.objects.filter(
        body=body,
        substitute__user_id=user.pk,
        substitute__is_active=True,
        revoked_at__isnull=True,
        starts_at__lte=at,
        ends_at__gt=at,
    ).values_list("principal_id", flat=True)
    assisted = Assistant.objects.filter(
        body=body, assistant__user_id=user.pk, assistant__is_active=True, revoked_at__isnull=True
    ).values_list("principal_id", flat=True)
    return sorted({*delegated, *assisted})


def ballot_list_for(user: AnyUser, body: Body) -> QuerySet[Ballot]:
    """The body's ballots the user may see, newest first."""
    qs = Ballot.objects.filter(body=body).select_related("unit", "body")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    membership = perms.membership_of(user, body)
    if perms.is_system_admin(user) or perms.can_follow_ballot(user, Ballot(body=body), membership):
        return qs
    seen = Q(pk__in=[])
    unit = perms.agency_unit(user, body, membership)
    if unit is not None:
        seen |= Q(unit_id=unit)
    principals = _principal_memberships(user, body, timezone.now())
    seen |= Q(sent_at__isnull=False) & (
        Q(recipients__user_id=user.pk) | Q(recipients__membership_id__in=principals)
    )
    return qs.filter(seen).distinct()


def ballot_for(user: AnyUser, pk: int) -> Ballot:
    """A ballot the user may see (a body's member's, or one they were asked); 404 otherwise."""
    ballot = (
        Ballot.objects.select_related("body", "unit", "dossier", "follower", "corrects", "chair")
        .filter(pk=pk)
        .first()
    )
    if ballot is None or not user.is_authenticated or not user.is_active:
        raise Http404
    if perms.is_system_admin(user):
        return ballot
    if perms.membership_of(user, ballot.body) is not None:
        if ballot_list_for(user, ballot.body).filter(pk=pk).exists():
            return ballot
        raise Http404
    # No longer a member: the ballots they were asked stay readable to them.
    if ballot.sent_at is not None and Recipient.objects.filter(ballot=ballot, user=user).exists():
        return ballot
    raise Http404


def questions_of(ballot: Ballot) -> list[Question]:
    return list(Question.objects.filter(ballot=ballot).order_by("number"))


def recipients_of(ballot: Ballot) -> list[Recipient]:
    return list(
        Recipient.objects.filter(ballot=ballot)
        .select_related("user", "membership", "membership__title", "current_answer")
        .order_by("precedence", "pk")
    )


def route_of(ballot: Ballot) -> list[RouteEvent]:
    return list(
        RouteEvent.objects.filter(ballot=ballot).select_related("actor").order_by("at", "pk")
    )


def voting_members(body: Body) -> QuerySet[Membership]:
    """Every active voting member of the body (chair, vice chairs, members), by precedence."""
    return (
        Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=VOTING_ROLES
        )
        .select_related("user", "title")
        .order_by("precedence", "user__full_name", "pk")
    )


def route_holders(body: Body, role: str) -> list[User]:
    """Active members of the body holding ``role`` (who may act on a route step)."""
    return [
        m.user
        for m in Membership.objects.filter(
            body=body, role=role, is_active=True, user__is_active=True
        ).select_related("user")
    ]


def office_choices(body: Body) -> QuerySet[Membership]:
    """Who may follow a ballot up: the body's active Office staff."""
    return (
        Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=perms.OFFICE_ROLES
        )
        .select_related("user")
        .order_by("precedence", "user__full_name")
    )


# --- Who answers for a seat ----------------------------------------------------------------


class Capacity(StrEnum):
    SELF = "self"
    SUBSTITUTE = "substitute"
    ASSISTANT = "assistant"


def capacity_for(
    user: AnyUser, recipient: Recipient, at: datetime | None = None
) -> Capacity | None:
    """How ``user`` may act on the seat's answer now: sign it as the member or as their
    substitute (with the "give opinions" mandate), prepare it as an assistant, or not at all.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    at = at or timezone.now()
    membership = recipient.membership
    if not membership.is_active or not recipient.ballot.body.is_active:
        return None
    delegation = delegation_active_for(membership, at)
    if recipient.user_id == user.pk:
        # The seat holder's own "give opinions" mandate (bodies.selectors.mandate_of), read
        # from the seat already at hand: theirs unless an active delegation carries it.
        holds = membership.role in VOTING_ROLES
        handed_over = delegation is not None and delegation.can_give_opinions
        return Capacity.SELF if holds and not handed_over else None
    if (
        delegation is not None
        and delegation.substitute.user_id == user.pk
        and delegation.can_give_opinions
    ):
        return Capacity.SUBSTITUTE
    if Assistant.objects.filter(
        principal=membership,
        assistant__user_id=user.pk,
        assistant__is_active=True,
        revoked_at__isnull=True,
    ).exists():
        return Capacity.ASSISTANT
    return None


@dataclass(frozen=True)
class Seat:
    """A seat the user may act on, with how."""

    recipient: Recipient
    capacity: Capacity


def seats_for(user: AnyUser, ballot: Ballot) -> list[Seat]:
    """The seats of the ballot the user may answer or prepare, in order of precedence."""
    if not user.is_authenticated or ballot.sent_at is None:
        return []
    now = timezone.now()
    principals = set(_principal_memberships(user, ballot.body, now))
    rows = [
        r for r in recipients_of(ballot) if r.user_id == user.pk or r.membership_id in principals
    ]
    seats = []
    for recipient in rows:
        recipient.ballot = ballot
        capacity = capacity_for(user, recipient, now)
        if capacity is not None:
            seats.append(Seat(recipient, capacity))
    return seats


def recipient_of(ballot: Ballot, pk: int) -> Recipient:
    recipient = (
        Recipient.objects.filter(ballot=ballot, pk=pk)
        .select_related("user", "membership", "membership__title", "current_answer")
        .first()
    )
    if recipient is None:
        raise Http404
    recipient.ballot = ballot
    return recipient


def draft_of(recipient: Recipient) -> AnswerDraft | None:
    return (
        AnswerDraft.objects.filter(recipient=recipient)
        .select_related("attachment", "prepared_by")
        .first()
    )


def answers_of(recipient: Recipient) -> list[Answer]:
    """Every signed answer of the seat, newest first (the first is the current one)."""
    return list(
        Answer.objects.filter(recipient=recipient)
        .select_related("signer", "on_behalf_of", "statement", "attachment")
        .prefetch_related("items__question")
        .order_by("-created_at", "-pk")
    )


def not_answering_reason(user: AnyUser, recipient: Recipient) -> str:
    """Why this member cannot answer their seat now (for the page), or ""."""
    ballot = recipient.ballot
    if ballot.status != OPEN or (
        ballot.deadline_at is not None and ballot.deadline_at <= timezone.now()
    ):
        if ballot.status in (OPEN, CLOSED):
            return _("Phiếu đã kết thúc lấy ý kiến, không nhận thêm ý kiến.")
        return ""
    if not recipient.membership.is_active:
        return _("Bạn không còn là thành viên của %(body)s nên không thể trả lời phiếu này.") % {
            "body": ballot.body.name
        }
    delegation = delegation_active_for(recipient.membership, timezone.now())
    if delegation is not None and delegation.can_give_opinions:
        return _(
            "Bạn đã ủy quyền cho ý kiến cho %(name)s đến %(until)s: người được ủy quyền "
            "trả lời thay bạn."
        ) % {"name": delegation.substitute.user, "until": timezone.localtime(delegation.ends_at)}
    return ""


# --- Time left -----------------------------------------------------------------------------


def time_left_text(deadline: datetime | None, now: datetime | None = None) -> str:
    """ "Còn 3 ngày làm việc", "Còn 5 giờ", "Quá hạn 2 ngày làm việc": what a reader needs."""
    if deadline is None:
        return ""
    now = now or timezone.now()
    if deadline <= now:
        days = working_days_between(deadline, now)
        if days <= 0:
            return _("Đã quá hạn")
        return ngettext("Quá hạn %(n)s ngày làm việc", "Quá hạn %(n)s ngày làm việc", days) % {
            "n": days
        }
    days = working_days_between(now, deadline)
    if days >= 1:
        return ngettext("Còn %(n)s ngày làm việc", "Còn %(n)s ngày làm việc", days) % {"n": days}
    hours = max(1, int((deadline - now).total_seconds() // 3600))
    return ngettext("Còn %(n)s giờ", "Còn %(n)s giờ", hours) % {"n": hours}


# --- The tally -----------------------------------------------------------------------------


class Outcome(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_TIE = "adopted_tie"
    NOT_ADOPTED = "not_adopted"
    PENDING = "pending"


# Content of the report (always Vietnamese) and labels of the pages (translated).
OUTCOME_CONTENT = {
    Outcome.ADOPTED: "Được thông qua: quá nửa tổng số thành viên đồng ý",
    Outcome.ADOPTED_TIE: (
        "Được thông qua: số thành viên đồng ý bằng một nửa tổng số thành viên, trong đó có Chủ tọa"
    ),
    Outcome.NOT_ADOPTED: "Không được thông qua: chưa có quá nửa tổng số thành viên đồng ý",
    Outcome.PENDING: "Chưa có quá nửa tổng số thành viên đồng ý",
}
OUTCOME_LABELS = {
    Outcome.ADOPTED: gettext_lazy("Được thông qua: quá nửa tổng số thành viên đồng ý"),
    Outcome.ADOPTED_TIE: gettext_lazy(
        "Được thông qua: số thành viên đồng ý bằng một nửa tổng số thành viên, trong đó có Chủ tọa"
    ),
    Outcome.NOT_ADOPTED: gettext_lazy(
        "Không được thông qua: chưa có quá nửa tổng số thành viên đồng ý"
    ),
    Outcome.PENDING: gettext_lazy("Chưa có quá nửa tổng số thành viên đồng ý"),
}


@dataclass(frozen=True)
class Opinion:
    """One member's current choice on one question, for the list of opinions."""

    recipient: Recipient
    choice: str
    comment: str
    on_behalf: bool


@dataclass
class QuestionTally:
    question: Question
    electorate: int
    agree: int = 0
    disagree: int = 0
    other: int = 0
    not_answered: int = 0
    # Non-answers counted as agreeing under the body's rule (only once the ballot closed).
    counted_as_agree: int = 0
    chair_choice: str = ""
    opinions: list[Opinion] = field(default_factory=list)
    # Closed: what is not adopted now will not be.
    final: bool = False

    @property
    def agree_total(self) -> int:
        return self.agree + self.counted_as_agree

    @property
    def required(self) -> int:
        return self.electorate // 2 + 1

    @property
    def outcome(self) -> Outcome:
        """More than half of ALL members; on a tie the chair's side wins (decree30.md)."""
        from ecabinet.core.majority import majority_outcome

        return Outcome(
            majority_outcome(
                agree=self.agree_total,
                electorate=self.electorate,
                chair_agrees=self.chair_choice == Choice.AGREE,
                final=self.final,
            ).value
        )

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])

    def percent(self, count: int) -> int:
        return round(100 * count / self.electorate) if self.electorate else 0


@dataclass
class Tally:
    ballot: Ballot
    questions: list[QuestionTally]
    recipients: list[Recipient]
    answered: int
    final: bool
    rule: str

    @property
    def not_answered_recipients(self) -> list[Recipient]:
        return [r for r in self.recipients if r.current_answer_id is None]

    @property
    def rule_label(self) -> str:
        return str(NonAnswerRule(self.rule).label)


def tally_of(ballot: Ballot) -> Tally:
    """Per question: agree / disagree / other / not yet answered against more than half of
    ALL members (the electorate frozen at sending). Four queries whatever the size."""
    questions = questions_of(ballot)
    recipients = recipients_of(ballot)
    electorate = ballot.electorate or len(recipients)
    final = ballot.status not in (*BEFORE_SENDING, OPEN)
    current = [r.current_answer_id for r in recipients if r.current_answer_id is not None]
    answers = {a.pk: a for a in Answer.objects.filter(pk__in=current).only("pk", "on_behalf_of_id")}
    items: dict[tuple[int, int], AnswerItem] = {
        (item.answer_id, item.question_id): item
        for item in AnswerItem.objects.filter(answer_id__in=current)
    }
    tallies = {
        q.pk: QuestionTally(question=q, electorate=electorate, final=final) for q in questions
    }
    counts: dict[int, Counter[str]] = {q.pk: Counter() for q in questions}
    for recipient in recipients:
        for question in questions:
            tally = tallies[question.pk]
            item = (
                items.get((recipient.current_answer_id, question.pk))
                if recipient.current_answer_id
                else None
            )
            if item is None:
                tally.not_answered += 1
                continue
            counts[question.pk][item.choice] += 1
            if recipient.user_id == ballot.chair_id:
                tally.chair_choice = item.choice
            answer = answers.get(item.answer_id)
            tally.opinions.append(
                Opinion(
                    recipient=recipient,
                    choice=item.choice,
                    comment=item.comment,
                    on_behalf=answer is not None and answer.on_behalf_of_id is not None,
                )
            )
    rule = ballot.non_answer_rule
    for question in questions:
        tally = tallies[question.pk]
        tally.agree = counts[question.pk][Choice.AGREE]
        tally.disagree = counts[question.pk][Choice.DISAGREE]
        tally.other = counts[question.pk][Choice.OTHER]
        if final and rule == NonAnswerRule.AGREE:
            tally.counted_as_agree = tally.not_answered
    answered = sum(1 for r in recipients if r.current_answer_id is not None)
    return Tally(
        ballot=ballot,
        questions=[tallies[q.pk] for q in questions],
        recipients=recipients,
        answered=answered,
        final=final,
        rule=rule,
    )


@dataclass(frozen=True)
class DossierReading:
    """How much of the dossier a recipient has opened."""

    recipient: Recipient
    opened: int
    total: int
    first_opened_at: datetime | None

    @property
    def all_opened(self) -> bool:
        return self.total > 0 and self.opened >= self.total


def dossier_readings(ballot: Ballot, recipients: list[Recipient]) -> list[DossierReading]:
    """Per recipient: how many of the dossier's documents they opened (read receipts)."""
    from ecabinet.documents.models import Document, ReadReceipt

    total = Document.objects.filter(dossier_id=ballot.dossier_id).count()
    opened: dict[int, list[datetime]] = {}
    for user_id, first in ReadReceipt.objects.filter(
        document__dossier_id=ballot.dossier_id,
        user_id__in=[r.user_id for r in recipients],
        first_opened_at__isnull=False,
    ).values_list("user_id", "first_opened_at"):
        if first is not None:
            opened.setdefault(user_id, []).append(first)
    return [
        DossierReading(
            recipient=r,
            opened=len(opened.get(r.user_id, [])),
            total=total,
            first_opened_at=min(opened[r.user_id]) if r.user_id in opened else None,
        )
        for r in recipients
    ]


def dossier_hashes(ballot: Ballot) -> dict[str, str]:
    """The SHA-256 of the current version of each document of the dossier, by title."""
    from ecabinet.documents.models import DocumentVersion

    hashes: dict[str, str] = {}
    seen: set[int] = set()
    for version in (
        DocumentVersion.objects.filter(document__dossier_id=ballot.dossier_id)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .select_related("document")
        .order_by("document_id", "-number")
    ):
        if version.document_id in seen:
            continue
        seen.add(version.document_id)
        name = f"{version.document.pk}: {version.document.title}"[:200]
        hashes[name] = version.sha256
    return hashes


# --- Waiting for me ------------------------------------------------------------------------


def ballots_waiting_for(user: User) -> list[WaitingItem]:
    """Open ballots the user still has to answer (own seat or as substitute), review steps
    they hold and approvals awaiting the chair. Used when the ledger is not installed."""
    if not user.is_authenticated or user.pk is None:
        return []
    now = timezone.now()
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, body__is_active=True).select_related(
            "body"
        )
    )
    if not memberships:
        return []
    items: list[WaitingItem] = []
    recipients = (
        Recipient.objects.filter(
            ballot__status=OPEN,
            ballot__deadline_at__gt=now,
            current_answer__isnull=True,
            membership__is_active=True,
        )
        .filter(
            Q(user=user)
            | Q(
                membership__delegations_given__substitute__user=user,
                membership__delegations_given__revoked_at__isnull=True,
                membership__delegations_given__starts_at__lte=now,
                membership__delegations_given__ends_at__gt=now,
                membership__delegations_given__can_give_opinions=True,
            )
        )
        .select_related("ballot__body", "user")
        .distinct()
    )
    for recipient in recipients:
        ballot = recipient.ballot
        mine = recipient.user_id == user.pk
        items.append(
            WaitingItem(
                title=ballot.title
                if mine
                else _("%(title)s (trả lời thay %(name)s)")
                % {"title": ballot.title, "name": recipient.user},
                url=reverse("ballots:detail", kwargs={"pk": ballot.pk}),
                body_name=ballot.body.short_name or ballot.body.name,
                detail=time_left_text(ballot.deadline_at, now),
                due_at=ballot.deadline_at,
            )
        )
    roles = {m.body_id: str(m.role) for m in memberships}
    pending = Ballot.objects.filter(
        body_id__in=list(roles), status__in=["in_review", "awaiting_approval"]
    ).select_related("body")
    for ballot in pending:
        role = roles[ballot.body_id]
        if ballot.status == "awaiting_approval":
            holds = role == "chair"
            detail = _("Chờ phê duyệt gửi phiếu")
        else:
            holds = perms.current_step_role(ballot) == role
            detail = _("Chờ xem xét dự thảo phiếu")
        if holds:
            items.append(
                WaitingItem(
                    title=ballot.title,
                    url=reverse("ballots:detail", kwargs={"pk": ballot.pk}),
                    body_name=ballot.body.short_name or ballot.body.name,
                    detail=str(detail),
                )
            )
    return items
