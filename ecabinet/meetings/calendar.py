"""The user's calendar of meetings, its iCalendar export, and the search over a body's meetings.

"My meetings" are those the user has a part in, across their bodies: invited, chairing, the
meeting's secretary, the Office of the body (every meeting of it), or a substitute (named on
an invitation, or holding a delegation from an invited member over the meeting's time).
Every list is also cut to what ``selectors.meeting_list_for`` lets the user open, so nobody
finds a meeting they could not read.

The search folds Vietnamese text in Python (``ecabinet.search.folding``), like the search
app, because the databases' own folding fails on Vietnamese: it filters status and dates in
the database, then matches the words against the folded title, item titles and summaries of
at most ``SEARCH_SCAN_MAX`` meetings, newest first.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.bodies.models import Body, Membership
from ecabinet.core.dates import VN_TZ, vn_date
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t
from ecabinet.meetings.models import AgendaItem, Meeting
from ecabinet.meetings.selectors import meeting_list_for
from ecabinet.search.folding import folded_terms

if TYPE_CHECKING:
    from ecabinet.bodies.permissions import AnyUser

SEARCH_SCAN_MAX = 5000
SEARCH_TEXT_MAX = 200
SEARCH_TERMS_MAX = 16
ICS_HORIZON = timedelta(days=730)
# Drafts are the Office's work in progress: not exported to calendar programs.
ICS_STATUSES = (*t.INVITED, t.IN_SESSION, t.ADJOURNED, t.CANCELLED)


# --- Whose meetings ------------------------------------------------------------------------


def _memberships(user: AnyUser) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk, is_active=True, body__is_active=True)
        .select_related("body")
        .order_by("body_id")
    )


def my_meetings(user: AnyUser) -> QuerySet[Meeting]:
    """The meetings the user has a part in and may open, across their bodies."""
    memberships = _memberships(user)
    if not memberships:
        return Meeting.objects.none()
    readable = Q()
    for membership in memberships:
        readable |= Q(pk__in=meeting_list_for(user, membership.body).values("pk"))
    office = [m.body_id for m in memberships if m.role in perms.OFFICE_ROLES]
    mine = (
        Q(body_id__in=office)
        | Q(chair_id=user.pk)
        | Q(secretary_id=user.pk)
        | Q(invitations__user_id=user.pk)
        | Q(invitations__substitute_id=user.pk)
        | Q(
            invitations__membership__delegations_given__substitute__user_id=user.pk,
            invitations__membership__delegations_given__substitute__is_active=True,
            invitations__membership__delegations_given__revoked_at__isnull=True,
            invitations__membership__delegations_given__starts_at__lt=F("ends_at"),
            invitations__membership__delegations_given__ends_at__gt=F("starts_at"),
        )
    )
    return (
        Meeting.objects.filter(readable)
        .filter(pk__in=Meeting.objects.filter(mine).values("pk"))
        .select_related("body", "meeting_type", "room")
        .order_by("starts_at", "pk")
    )


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month in Vietnam time, as [start, end) aware datetimes."""
    start = datetime(year, month, 1, tzinfo=VN_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=VN_TZ)
    return start, end


@dataclass
class Day:
    """One day of the month view with the meetings starting on it."""

    date: date
    meetings: list[Meeting]
    in_month: bool = True

    @property
    def is_today(self) -> bool:
        return self.date == vn_date(timezone.now())


@dataclass
class Month:
    year: int
    month: int
    days: list[Day]  # days with at least one meeting (the list view)
    weeks: list[list[Day]]  # Monday-first weeks (the grid view)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)

    @property
    def count(self) -> int:
        return sum(len(d.meetings) for d in self.days)


def calendar_month(user: AnyUser, year: int, month: int) -> Month:
    """The user's meetings starting in the month, by day (one query)."""
    start, end = month_bounds(year, month)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in my_meetings(user).filter(starts_at__gte=start, starts_at__lt=end):
        by_day.setdefault(vn_date(meeting.starts_at), []).append(meeting)
    days = [Day(date=d, meetings=ms) for d, ms in sorted(by_day.items())]
    weeks = [
        [Day(date=d, meetings=by_day.get(d, []), in_month=d.month == month) for d in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return Month(year=year, month=month, days=days, weeks=weeks)


def upcoming_for(user: AnyUser, *, limit: int = 10, now: datetime | None = None) -> list[Meeting]:
    """The user's next meetings not over yet and not cancelled, soonest first."""
    now = now or timezone.now()
    return list(
        my_meetings(user).filter(ends_at__gt=now).exclude(status=t.CANCELLED)[: max(0, limit)]
    )


def ics_meetings_for(user: AnyUser, *, now: datetime | None = None) -> list[Meeting]:
    """What the export holds: the user's meetings not over yet (up to two years ahead), the
    cancelled ones too so that a calendar program that imported them drops them."""
    now = now or timezone.now()
    return list(
        my_meetings(user)
        .filter(ends_at__gt=now, starts_at__lt=now + ICS_HORIZON, status__in=ICS_STATUSES)
        .select_related("chair")
    )


# --- iCalendar (RFC 5545) ------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and line breaks escaped;
    other control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32)
    text = text.replace("\x7f", "")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545, 3.1), never inside a UTF-8 character:
    each continuation starts with one space."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


_ICS_STATUS = {t.CANCELLED: "CANCELLED"}


def _description(meeting: Meeting, items: Sequence[str], url: str) -> str:
    lines = [meeting.body.name]
    if meeting.chair_id is not None and getattr(meeting, "chair", None) is not None:
        name = meeting.chair.full_name or meeting.chair.username
        lines.append(_("Chủ trì: %(name)s") % {"name": name})
    if items:
        lines.append(_("Nội dung họp:"))
        lines.extend(items)
    if meeting.status == t.CANCELLED and meeting.cancel_reason:
        lines.append(_("Đã hủy: %(reason)s") % {"reason": meeting.cancel_reason})
    lines.append(url)
    return "\n".join(lines)


def ics_calendar(
    meetings: Iterable[Meeting], *, url_for: dict[int, str], name: str, now: datetime | None = None
) -> str:
    """The meetings as one VCALENDAR (CRLF line ends, folded lines, escaped text).

    ``url_for`` maps a meeting id to its absolute address. Times are written in UTC.
    ``SEQUENCE`` is the meeting's version, so a change replaces the earlier copy.
    """
    now = now or timezone.now()
    meetings = list(meetings)
    items: dict[int, list[str]] = {}
    for meeting_id, number, title in (
        AgendaItem.objects.filter(meeting_id__in=[m.pk for m in meetings])
        .order_by("meeting_id", "number")
        .values_list("meeting_id", "number", "title")
    ):
        items.setdefault(meeting_id, []).append(f"{number}. {title}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//eCabinet//Lich hop//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    stamp = _ics_time(now)
    for meeting in meetings:
        url = url_for.get(meeting.pk, "")
        event = [
            "BEGIN:VEVENT",
            f"UID:meeting-{meeting.pk}-{meeting.body.code}@ecabinet",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(meeting.starts_at)}",
            f"DTEND:{_ics_time(meeting.ends_at)}",
            f"SEQUENCE:{max(0, meeting.version - 1)}",
            f"SUMMARY:{ics_escape(meeting.title)}",
            f"STATUS:{_ICS_STATUS.get(meeting.status, 'CONFIRMED')}",
        ]
        if meeting.place_text:
            event.append(f"LOCATION:{ics_escape(meeting.place_text)}")
        event.append(
            f"DESCRIPTION:{ics_escape(_description(meeting, items.get(meeting.pk, []), url))}"
        )
        if url:
            event.append(f"URL:{url}")
        event.append("END:VEVENT")
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


# --- Search --------------------------------------------------------------------------------


@dataclass
class SearchResult:
    """The matching meeting ids, newest first; ``truncated`` when the scan hit its limit."""

    ids: list[int]
    truncated: bool = False


def _matches(terms: Sequence[str], tokens: set[str]) -> bool:
    # Every word must start one of the meeting's words ("hop" finds "họp", "hợp", "hợp đồng").
    return all(any(token.startswith(term) for token in tokens) for term in terms)


def meeting_search(
    user: AnyUser,
    body: Body,
    *,
    text: str = "",
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> SearchResult:
    """The body's meetings the user may open, filtered by status, by start date (Vietnam
    days, both ends included) and by words in the title, the items' titles or summaries,
    accent-insensitively. Two queries with words, one without."""
    qs = meeting_list_for(user, body)
    if status:
        qs = qs.filter(status=status)
    if date_from is not None:
        qs = qs.filter(starts_at__gte=datetime.combine(date_from, datetime.min.time(), VN_TZ))
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), VN_TZ)
        qs = qs.filter(starts_at__lt=end)
    qs = qs.order_by("-starts_at", "-pk")
    terms = list(dict.fromkeys(folded_terms(text or "")))[:SEARCH_TERMS_MAX]
    if not terms:
        return SearchResult(ids=list(qs.values_list("pk", flat=True)[:SEARCH_SCAN_MAX]))
    rows = list(qs.values_list("pk", "title")[: SEARCH_SCAN_MAX + 1])
    truncated = len(rows) > SEARCH_SCAN_MAX
    rows = rows[:SEARCH_SCAN_MAX]
    tokens: dict[int, set[str]] = {pk: set(folded_terms(title)) for pk, title in rows}
    scanned = qs.values("pk")[:SEARCH_SCAN_MAX]
    for meeting_id, title, summary in AgendaItem.objects.filter(meeting_id__in=scanned).values_list(
        "meeting_id", "title", "summary"
    ):
        if meeting_id in tokens:  # a meeting created between the two queries is skipped
            tokens[meeting_id].update(folded_terms(f"{title} {summary}"))
    ids = [pk for pk, _title in rows if _matches(terms, tokens[pk])]
    return SearchResult(ids=ids, truncated=truncated)
