"""Who may do what in a meeting's live session: predicates of (user, meeting).

- Viewing the live session: those who follow the meeting (the Office, the body's chair, the
  meeting's chair and secretary, the system administrator read-only), the invited members,
  their substitutes named on the invitation (``Invitation.delegation``, not revoked), the
  staff of a presenting agency, and observers; from the invitations on (never a draft or a
  cancelled meeting). Another body's meeting is never visible (404 for pages, 4403 for the
  socket).
- Attending (check-in): invited members in their own seat, substitutes in the seat they
  stand in for, and guests (observers, presenting agencies). The Office runs the meeting
  and does not check in.
- Speaking: members and substitutes with the "speak" mandate; presenting agencies may ask
  for the floor to speak but not to question.
- Voting: the seat's member, or the substitute whose delegation carries the "vote" mandate.
- Chairing: the meeting's chair only. Minutes and conclusions: the meeting's secretary and
  the Office.

The mandate is read from the invitation's delegation, not ``mandate_of(now)``: a meeting may
run past its planned end (decision 1000).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.db.models import Q

from ecabinet.bodies.models import Mandate, Role
from ecabinet.bodies.permissions import VOTING_ROLES, holds_seat
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t

if TYPE_CHECKING:
    from ecabinet.bodies.models import Membership
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.meetings.models import Invitation, Meeting

# The live pages and socket exist from the invitations on.
LIVE_STATES = (t.SCHEDULED, t.DOCUMENTS_PUBLISHED, t.IN_SESSION, t.ADJOURNED, t.CLOSED)
# Check-in and the members' actions: until the meeting closes.
ATTEND_STATES = (t.SCHEDULED, t.DOCUMENTS_PUBLISHED, t.IN_SESSION, t.ADJOURNED)


@dataclass(frozen=True)
class Seat:
    """A seat the user may act for: their own (substitute None) or a member's."""

    invitation: Invitation
    substitute: bool
    mandates: frozenset[str]

    @property
    def membership(self) -> Membership:
        return self.invitation.membership


def _active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


# --- One action's reads ---------------------------------------------------------------------
# A socket action asks the same questions several times (may this user see the meeting,
# which seats do they hold, their membership): within ``memo()`` the answers are read once.
# Never inside a transaction: the checks a write relies on are read again under its lock.

_memo: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("live_perms_memo", default=None)
R = TypeVar("R")


@contextmanager
def memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _memoised(key: tuple[Any, ...], compute: Callable[[], R]) -> R:
    cache = _memo.get()
    if cache is None or transaction.get_connection().in_atomic_block:
        return compute()
    if key not in cache:
        cache[key] = compute()
    result: R = cache[key]
    return result


def _membership(user: AnyUser, meeting: Meeting) -> Membership | None:
    return _memoised(
        ("membership", user.pk, meeting.body_id),
        lambda: perms.membership_of(user, meeting.body),
    )


def body_membership(user: AnyUser, meeting: Meeting) -> Membership | None:
    """The user's own membership of the meeting's body (active or not)."""
    return _membership(user, meeting)


def seats_of(user: AnyUser, meeting: Meeting) -> list[Seat]:
    """The seats ``user`` holds in the meeting: their own invitation (every mandate), and
    each invitation whose delegation names them (its mandates), while the delegation is not
    revoked and both memberships are active."""
    return list(_memoised(("seats", user.pk, meeting.pk), lambda: _seats_of(user, meeting)))


def _seats_of(user: AnyUser, meeting: Meeting) -> list[Seat]:
    if not _active(user):
        return []
    return _seats_for([user], meeting).get(user.pk or 0, [])


def _seats_for(users: Sequence[AnyUser], meeting: Meeting) -> dict[int, list[Seat]]:
    """``seats_of`` for several active users, in one query."""
    from ecabinet.meetings.models import Invitation

    ids = {u.pk for u in users if u.pk is not None}
    seats: dict[int, list[Seat]] = {pk: [] for pk in ids}
    rows = (
        Invitation.objects.filter(meeting=meeting)
        .filter(Q(user_id__in=ids) | Q(delegation__substitute__user_id__in=ids))
        .select_related("membership", "user", "delegation", "delegation__substitute")
        .order_by("precedence", "pk")
    )
    for invitation in rows:
        principal = invitation.membership
        if not (principal.is_active and invitation.user.is_active):
            continue
        if invitation.user_id in ids and holds_seat(principal):
            seats[invitation.user_id].insert(
                0,
                Seat(
                    invitation,
                    substitute=False,
                    mandates=frozenset({Mandate.ATTEND, Mandate.SPEAK, Mandate.VOTE}),
                ),
            )
        delegation = invitation.delegation
        if (
            delegation is None
            or delegation.revoked_at is not None
            or delegation.substitute.user_id not in ids
            or delegation.substitute.user_id == invitation.user_id
            or not delegation.substitute.is_active
        ):
            continue
        seats[delegation.substitute.user_id].append(
            Seat(invitation, substitute=True, mandates=delegation.mandates())
        )
    return seats


def prefetch(users: Sequence[AnyUser], meeting: Meeting) -> None:
    """Read the memberships and seats of several users at once, into the current
    ``memo()`` (a group of votes): two queries instead of two per user."""
    cache = _memo.get()
    if cache is None or transaction.get_connection().in_atomic_block:
        return
    active = [u for u in users if _active(u)]
    for user in users:
        if not _active(user):
            cache[("seats", user.pk, meeting.pk)] = []
    if not active:
        return
    for pk, seats in _seats_for(active, meeting).items():
        cache[("seats", pk, meeting.pk)] = seats
    for pk, membership in perms.memberships_of(active, meeting.body).items():
        cache[("membership", pk, meeting.body_id)] = membership


def still_voting(pairs: Sequence[tuple[AnyUser, Seat]]) -> set[int]:
    """The invitations whose seat each user still votes for, read afresh in one query:
    what ``voting_seats`` would answer for these seats, for a write that already holds its
    lock (a member removed, a delegation revoked or its vote mandate withdrawn meanwhile)."""
    from ecabinet.meetings.models import Invitation

    asked = [(u, s) for u, s in pairs if _active(u)]
    if not asked:
        return set()
    rows = {
        row[0]: row
        for row in Invitation.objects.filter(
            pk__in={s.invitation.pk for _u, s in asked},
            membership__is_active=True,
            user__is_active=True,
        )
        .order_by()
        .values_list(
            "pk",
            "user_id",
            "membership__role",
            "delegation__revoked_at",
            "delegation__can_vote",
            "delegation__substitute__user_id",
            "delegation__substitute__is_active",
        )
    }
    held: set[int] = set()
    for user, seat in asked:
        row = rows.get(seat.invitation.pk)
        if row is None:
            continue
        _pk, member, role, revoked_at, can_vote, substitute, substitute_active = row
        if seat.substitute:
            ok = revoked_at is None and can_vote and substitute == user.pk and substitute_active
        else:
            ok = member == user.pk and role in VOTING_ROLES
        if ok:
            held.add(seat.invitation.pk)
    return held


def own_seat(user: AnyUser, meeting: Meeting) -> Seat | None:
    return next((s for s in seats_of(user, meeting) if not s.substitute), None)


def is_presenting_agency(
    user: AnyUser, meeting: Meeting, membership: Membership | None = None
) -> bool:
    from ecabinet.meetings.models import AgendaItem

    unit = perms.agency_unit(user, meeting.body, membership)
    return (
        unit is not None
        and AgendaItem.objects.filter(meeting=meeting, presenting_unit_id=unit).exists()
    )


def is_observer(user: AnyUser, meeting: Meeting, membership: Membership | None = None) -> bool:
    membership = membership if membership is not None else _membership(user, meeting)
    return (
        membership is not None
        and membership.is_active
        and membership.role == Role.OBSERVER
        and meeting.status in t.PUBLISHED
    )


def can_chair(user: AnyUser, meeting: Meeting) -> bool:
    """The meeting's chair, while still an active member of the body."""
    if not _active(user) or meeting.chair_id != user.pk:
        return False
    membership = _membership(user, meeting)
    return membership is not None and membership.is_active


def can_record_minutes(user: AnyUser, meeting: Meeting) -> bool:
    """The meeting's secretary and the Office: minutes notes and conclusions."""
    if not _active(user):
        return False
    membership = _membership(user, meeting)
    if membership is None or not membership.is_active:
        return False
    return perms.is_office(user, meeting.body, membership) or (
        meeting.secretary_id is not None and meeting.secretary_id == user.pk
    )


def is_guest(user: AnyUser, meeting: Meeting) -> bool:
    membership = _membership(user, meeting)
    return is_observer(user, meeting, membership) or is_presenting_agency(user, meeting, membership)


def can_view_live(user: AnyUser, meeting: Meeting) -> bool:
    """The live screens and the socket of this meeting open for ``user``."""
    if not _active(user) or meeting.status not in LIVE_STATES:
        return False
    if perms.is_system_admin(user):
        return True
    membership = _membership(user, meeting)
    if membership is None or not membership.is_active:
        return False
    if perms.can_follow_meeting(user, meeting, membership):
        return True
    return bool(seats_of(user, meeting)) or is_guest(user, meeting)


def can_attend(user: AnyUser, meeting: Meeting) -> bool:
    """Check in: members, substitutes and guests, until the meeting closes."""
    if meeting.status not in ATTEND_STATES:
        return False
    return bool(seats_of(user, meeting)) or is_guest(user, meeting)


def can_speak(user: AnyUser, meeting: Meeting, kind: str = "speak") -> bool:
    """Ask for the floor: a seat with the speak mandate; a presenting agency to speak only."""
    if meeting.status not in ATTEND_STATES:
        return False
    if any(Mandate.SPEAK in s.mandates for s in seats_of(user, meeting)):
        return True
    return kind == "speak" and is_presenting_agency(user, meeting)


def voting_seats(user: AnyUser, meeting: Meeting) -> list[Seat]:
    return [s for s in seats_of(user, meeting) if Mandate.VOTE in s.mandates]


def can_vote_in(user: AnyUser, meeting: Meeting) -> bool:
    """The user casts a seat's vote: their own, or as a substitute with the vote mandate."""
    return meeting.status in ATTEND_STATES and bool(voting_seats(user, meeting))


def roles_of(user: AnyUser, meeting: Meeting) -> list[str]:
    """The live roles shown to the screens (``me.roles``)."""
    if not _active(user):
        return []
    roles: list[str] = []
    membership = _membership(user, meeting)
    if meeting.chair_id == user.pk:
        roles.append("chair")
    if meeting.secretary_id is not None and meeting.secretary_id == user.pk:
        roles.append("secretary")
    if membership is not None and perms.is_office(user, meeting.body, membership):
        roles.append("office")
    seats = seats_of(user, meeting)
    if any(not s.substitute for s in seats):
        roles.append("member")
    if any(s.substitute for s in seats):
        roles.append("substitute")
    if is_observer(user, meeting, membership):
        roles.append("observer")
    if is_presenting_agency(user, meeting, membership):
        roles.append("agency")
    return roles
