"""Who may see the ledger and change assignments: pure predicates of (user, object).

- Everyone sees their own items ("my items").
- The dashboard, exports and routes of a body: the Office (``documents.manage``: office
  staff, heads of department, the Office's leaders, the records clerk), the chair, and the
  system administrator. Members, deputies, observers and agencies do not see each other's
  handling times.
- Assignments are created, withdrawn and rescheduled by the services of other apps on the
  Office's or the chair's behalf, or by the system (``actor=None``).
- An assignment is finished by its assignee, by a substitute holding an active delegation
  from the assignee, or by those who manage assignments.
- The reminder policy is set by those who manage the body's catalogues (the Office).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import Perm, can_manage_catalogue, has_body_perm

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.tracking.models import Assignment


def _membership(user: AnyUser, body: Body) -> Membership | None:
    from ecabinet.bodies.selectors import membership_in

    return membership_in(user, body) if user.is_authenticated else None


def _is_chair(user: AnyUser, body: Body, membership: Membership | None) -> bool:
    membership = membership or _membership(user, body)
    return (
        membership is not None
        and membership.is_active
        and user.is_active
        and membership.role == Role.CHAIR
    )


def can_view_dashboard(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    membership = membership or _membership(user, body)
    return has_body_perm(user, body, Perm.DOCUMENTS_MANAGE, membership) or _is_chair(
        user, body, membership
    )


def can_manage_assignments(
    user: AnyUser | None, body: Body, membership: Membership | None = None
) -> bool:
    """``None`` is the system (a task, a deadline passing): it may."""
    if user is None:
        return True
    return can_view_dashboard(user, body, membership)


def can_configure_tracking(user: AnyUser, body: Body) -> bool:
    return can_manage_catalogue(user, body)


def can_complete_assignment(user: AnyUser | None, assignment: Assignment) -> bool:
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if assignment.assignee_id == user.pk:
        return True
    if _substitutes_for(user, assignment):
        return True
    return can_manage_assignments(user, assignment.body)


def _substitutes_for(user: AnyUser, assignment: Assignment) -> bool:
    from ecabinet.bodies.models import Delegation

    if user.pk is None:
        return False
    now = timezone.now()
    return Delegation.objects.filter(
        body_id=assignment.body_id,
        principal__user_id=assignment.assignee_id,
        principal__is_active=True,
        substitute__user_id=user.pk,
        substitute__is_active=True,
        revoked_at__isnull=True,
        starts_at__lte=now,
        ends_at__gt=now,
    ).exists()
