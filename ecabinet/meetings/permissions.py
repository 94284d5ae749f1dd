"""Who may do what with meetings: pure predicates of (user, object), tested as a role × action
table (tests/matrix.py).

- The Office (chuyên viên, vụ trưởng, lãnh đạo Văn phòng) creates and prepares meetings:
  agenda, decisions on the papers, invitations, publishing, cancelling.
- The body's chair, and the chair and the secretary named on a meeting, read everything of
  it (every paper whatever its status, the invitation answers).
- Members (chair, vice chairs, members) read the meetings they were invited to; a substitute
  (deputy) the meetings they stand in for: named on an invitation, or holding a delegation
  from an invited member whose period overlaps the meeting.
- A submitting agency reads the meetings where its unit presents an item, sees only those
  items, and uploads their papers.
- Observers read the meetings whose papers are published (agenda and approved papers).
- The system administrator reads everything (support) and acts on nothing.
- Security officers, records clerks and body administrators have no meetings.

Which meetings a user reads needs queries: that lives in ``selectors.meeting_list_for``.
Another body's meeting is a 404 from the selectors, never a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import VOTING_ROLES, can_manage_catalogue
from ecabinet.meetings import transitions as t

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.meetings.models import AgendaItem, Invitation, Meeting

OFFICE_ROLES: frozenset[str] = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.OFFICE_LEADER})
# Roles that open the meetings pages of their body at all (each sees only some meetings).
MEETING_ROLES: frozenset[str] = frozenset(
    {*OFFICE_ROLES, *VOTING_ROLES, Role.AGENCY, Role.DEPUTY, Role.OBSERVER}
)


def membership_of(user: AnyUser, body: Body) -> Membership | None:
    from ecabinet.bodies.selectors import membership_in

    if not user.is_authenticated or not user.is_active:
        return None
    return membership_in(user, body)


def memberships_of(users: Sequence[AnyUser], body: Body) -> dict[int, Membership | None]:
    """``membership_of`` for several users, in one query."""
    from ecabinet.bodies.selectors import memberships_in

    active = [u for u in users if u.is_authenticated and u.is_active]
    found = memberships_in(active, body)
    return {u.pk: found.get(u.pk) for u in users if u.is_authenticated}


def _role(user: AnyUser, body: Body, membership: Membership | None) -> str | None:
    membership = membership if membership is not None else membership_of(user, body)
    if membership is None or not membership.is_active or not user.is_active:
        return None
    return str(membership.role)


def is_system_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_office(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) in OFFICE_ROLES


def agency_unit(user: AnyUser, body: Body, membership: Membership | None = None) -> int | None:
    """The unit a submitting agency's member works for (None for everyone else)."""
    membership = membership if membership is not None else membership_of(user, body)
    if membership is None or not membership.is_active or membership.role != Role.AGENCY:
        return None
    return membership.unit_id


def can_use_meetings(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """The meetings pages of the body open at all (the list shows only what is theirs)."""
    return is_system_admin(user) or _role(user, body, membership) in MEETING_ROLES


def can_configure_meetings(user: AnyUser, body: Body) -> bool:
    """Those who manage the body's catalogues set its meeting rules."""
    return can_manage_catalogue(user, body)


def can_create_meeting(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return is_office(user, body, membership)


def can_manage_meeting(
    user: AnyUser, meeting: Meeting, membership: Membership | None = None
) -> bool:
    """Edit, agenda, decisions on papers, invitations, publishing, cancelling: the Office.

    The services also check the meeting's state; this only says who."""
    return is_office(user, meeting.body, membership)


def can_follow_meeting(
    user: AnyUser, meeting: Meeting, membership: Membership | None = None
) -> bool:
    """Everything of the meeting (all papers, the answers): Office, chairs, secretary."""
    if is_system_admin(user):
        return True
    membership = membership if membership is not None else membership_of(user, meeting.body)
    role = _role(user, meeting.body, membership)
    if role is None:
        return False
    return (
        role in OFFICE_ROLES
        or role == Role.CHAIR
        or meeting.chair_id == user.pk
        or (meeting.secretary_id is not None and meeting.secretary_id == user.pk)
    )


def can_submit_document(
    user: AnyUser, item: AgendaItem, membership: Membership | None = None
) -> bool:
    """The Office, or the presenting unit's agency staff, while the meeting is prepared."""
    meeting = item.meeting
    if meeting.status not in t.PREPARING:
        return False
    membership = membership if membership is not None else membership_of(user, meeting.body)
    if is_office(user, meeting.body, membership):
        return True
    unit = agency_unit(user, meeting.body, membership)
    return unit is not None and unit == item.presenting_unit_id


def sees_item(user: AnyUser, item: AgendaItem, membership: Membership | None = None) -> bool:
    """Whether an agency sees this item (everyone else who reads the meeting sees them all)."""
    unit = agency_unit(user, item.meeting.body, membership)
    return unit is None or unit == item.presenting_unit_id


def can_respond(user: AnyUser, invitation: Invitation) -> bool:
    """The invited member answers their own invitation, while still a member."""
    return (
        user.is_authenticated
        and user.is_active
        and invitation.user_id == user.pk
        and invitation.membership.is_active
    )
