"""Reads of the ledger: a person's items, a subject's route, a body's handling-time figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ecabinet.bodies.models import Body, Membership
from ecabinet.core.calendar import working_days_between
from ecabinet.core.dates import VN_TZ
from ecabinet.tracking import permissions as perms
from ecabinet.tracking.models import Assignment, Reminder
from ecabinet.tracking.stages import Policy

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser

OPEN = Q(done_at__isnull=True, cancelled_at__isnull=True)
RECENT_DAYS = 30


def _in_active_body(user: User) -> Exists:
    return Exists(
        Membership.objects.filter(
            body_id=OuterRef("body_id"), user=user, is_active=True, body__is_active=True
        )
    )


def open_assignments_for(user: User) -> QuerySet[Assignment]:
    """The user's open items in the bodies they still belong to, soonest deadline first."""
    return (
        Assignment.objects.filter(OPEN, assignee=user)
        .filter(_in_active_body(user))
        .select_related("body")
        .order_by(F("due_at").asc(nulls_last=True), "assigned_at", "pk")
    )


def recent_closed_for(user: User, now: datetime | None = None) -> QuerySet[Assignment]:
    """The user's items finished or withdrawn in the last 30 days, latest first."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    return (
        Assignment.objects.filter(assignee=user)
        .filter(Q(done_at__gte=since) | Q(cancelled_at__gte=since))
        .filter(_in_active_body(user))
        .select_related("body")
        .order_by("-done_at", "-cancelled_at", "-pk")
    )


def assignment_open_of(
    user: User, *, subject_type: str, subject_id: str, kind: str | None = None
) -> Assignment | None:
    """The user's open item on this subject (of this kind), if any."""
    qs = Assignment.objects.filter(
        OPEN, assignee=user, subject_type=subject_type, subject_id=str(subject_id)
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("body").order_by("pk").first()


def assignments_of_subject(subject_type: str, subject_id: str) -> QuerySet[Assignment]:
    """Every item on this subject, for the calling app's own pages (not scoped)."""
    return Assignment.objects.filter(subject_type=subject_type, subject_id=str(subject_id))


def dashboard_bodies_for(user: AnyUser) -> list[Body]:
    """Bodies whose dashboard the user may open."""
    from ecabinet.bodies.selectors import body_list_for

    return [b for b in body_list_for(user, status="active") if perms.can_view_dashboard(user, b)]


# --- The route of one subject --------------------------------------------------------------


@dataclass
class RouteStep:
    assignment: Assignment
    held: timedelta  # from reception (or assignment) to done, withdrawal, or now
    held_working_days: int
    reminders_sent: int
    overdue: bool


def route_for(
    user: AnyUser, body: Body, subject_type: str, subject_id: str, now: datetime | None = None
) -> list[RouteStep]:
    """Every item on the subject in the body, in order, with how long each person held it.

    404 for those who may not see the dashboard, and for a subject with no item in this
    body (another body's subject included).
    """
    if not perms.can_view_dashboard(user, body):
        raise Http404
    now = now or timezone.now()
    rows = list(
        Assignment.objects.filter(body=body, subject_type=subject_type, subject_id=subject_id)
        .select_related("assignee", "unit", "assigned_by")
        .order_by("assigned_at", "pk")
    )
    if not rows:
        raise Http404
    sent: dict[int, int] = {}
    for assignment_id in Reminder.objects.filter(
        assignment__in=rows, status=Reminder.Status.SENT
    ).values_list("assignment_id", flat=True):
        sent[assignment_id] = sent.get(assignment_id, 0) + 1
    steps = []
    for a in rows:
        end = a.closed_at or now
        steps.append(
            RouteStep(
                assignment=a,
                held=max(end - a.started_at, timedelta(0)),
                held_working_days=max(working_days_between(a.started_at, end), 0),
                reminders_sent=sent.get(a.pk, 0),
                overdue=a.is_overdue(now),
            )
        )
    return steps


# --- The dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days in Vietnam, both included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=VN_TZ)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=VN_TZ)


@dataclass
class Figures:
    """Counts and handling times of one person, one unit, or the whole body."""

    key: int | None
    name: str
    unit_name: str = ""
    assigned: int = 0
    done: int = 0
    done_late: int = 0
    open: int = 0
    overdue: int = 0
    old: int = 0
    cancelled: int = 0
    durations: list[timedelta] = field(default_factory=list)

    @property
    def average(self) -> timedelta | None:
        if not self.durations:
            return None
        return sum(self.durations, timedelta(0)) / len(self.durations)

    @property
    def worst(self) -> timedelta | None:
        return max(self.durations) if self.durations else None

    @property
    def flagged(self) -> bool:
        return self.overdue > 0 or self.old > 0

    def add(self, a: Assignment, now: datetime, old_days: int) -> None:
        self.assigned += 1
        if a.cancelled_at is not None:
            # Withdrawn work measures nobody's handling time.
            self.cancelled += 1
            return
        if a.done_at is not None:
            self.done += 1
            self.done_late += int(a.was_late())
            self.durations.append(max(a.done_at - a.started_at, timedelta(0)))
            return
        self.open += 1
        self.overdue += int(a.is_overdue(now))
        self.old += int(is_old(a, now, old_days))
        self.durations.append(max(now - a.started_at, timedelta(0)))


def is_old(a: Assignment, now: datetime, old_days: int) -> bool:
    """Open and held for more than ``old_days`` working days."""
    return a.is_open and working_days_between(a.started_at, now) > old_days


@dataclass
class Dashboard:
    period: Period
    now: datetime
    policy: Policy
    people: list[Figures]
    units: list[Figures]
    total: Figures
    old_items: list[Assignment]


def period_assignments(body: Body, period: Period) -> QuerySet[Assignment]:
    """Items of the body that were in someone's hands during the period: assigned before
    its end, and not finished or withdrawn before its start."""
    return Assignment.objects.filter(body=body, assigned_at__lt=period.end_at).filter(
        OPEN | Q(done_at__gte=period.start_at) | Q(cancelled_at__gte=period.start_at)
    )


def dashboard_for(
    user: AnyUser, body: Body, period: Period, policy: Policy, now: datetime | None = None
) -> Dashboard:
    """Per person and per unit: items, open, overdue, old, average and worst handling time.

    Handling time is from reception (or assignment) to done, or to now for open items;
    withdrawn items count in "cancelled" only. Open and overdue are as of now.
    """
    if not perms.can_view_dashboard(user, body):
        raise Http404
    now = now or timezone.now()
    rows = list(
        period_assignments(body, period)
        .select_related("assignee", "unit")
        .order_by("assigned_at", "pk")
    )
    precedence = dict(Membership.objects.filter(body=body).values_list("user_id", "precedence"))
    people: dict[int, Figures] = {}
    units: dict[int | None, Figures] = {}
    total = Figures(None, "")
    old_items = []
    for a in rows:
        person = people.get(a.assignee_id)
        if person is None:
            person = people[a.assignee_id] = Figures(a.assignee_id, str(a.assignee))
        # The unit of the person's latest item: where they are now, as far as we know.
        person.unit_name = a.unit.name if a.unit is not None else ""
        unit = units.get(a.unit_id)
        if unit is None:
            unit = units[a.unit_id] = Figures(a.unit_id, a.unit.name if a.unit else "")
        for figures in (person, unit, total):
            figures.add(a, now, policy.old_item_days)
        if is_old(a, now, policy.old_item_days):
            old_items.append(a)
    ordered_people = sorted(
        people.values(), key=lambda f: (precedence.get(f.key or 0, 10_000), f.name)
    )
    ordered_units = sorted(units.values(), key=lambda f: (f.key is None, f.name))
    old_items.sort(key=lambda a: a.started_at)
    return Dashboard(period, now, policy, ordered_people, ordered_units, total, old_items)
