"""Reads of bodies and memberships, always scoped to what the user belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, Delegation, Mandate, Membership, Title, Unit
from ecabinet.bodies.permissions import (
    can_manage_bodies,
    can_manage_catalogue,
    can_manage_delegations,
    can_manage_memberships,
    can_manage_users,
    can_view_body,
    holds_seat,
    may_delegate,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)

# Mandates that belong to one seat only: while a delegation carrying them is active, the
# substitute exercises them and the principal does not (one vote, one opinion per seat).
EXCLUSIVE_MANDATES: frozenset[str] = frozenset({Mandate.VOTE, Mandate.GIVE_OPINIONS})
ALL_MANDATES: frozenset[str] = frozenset(str(m) for m in Mandate)

Status = Literal["active", "inactive", "all"]


def memberships_for(user: User) -> QuerySet[Membership]:
    """The user's active memberships in active bodies, in order of the bodies' names."""
    return (
        Membership.objects.filter(user=user, is_active=True, body__is_active=True)
        .select_related("body", "title", "unit")
        .order_by("body__name")
    )


def _active_memberships(body: Body) -> QuerySet[Membership]:
    return Membership.objects.filter(
        body=body, is_active=True, body__is_active=True
    ).select_related("title", "unit")


def membership_in(user: AnyUser, body: Body) -> Membership | None:
    if not user.is_authenticated:
        return None
    return _active_memberships(body).filter(user=user).first()


def memberships_in(users: Sequence[AnyUser], body: Body) -> dict[int, Membership | None]:
    """``membership_in`` for several users, in one query."""
    ids = [u.pk for u in users if u.is_authenticated]
    found: dict[int, Membership | None] = dict.fromkeys(ids)
    rows = _active_memberships(body).filter(user_id__in=ids)
    if not rows.ordered:
        rows = rows.order_by("pk")  # as first() would
    for membership in rows:
        if found[membership.user_id] is None:
            found[membership.user_id] = membership
    return found


def body_list_for(user: AnyUser, *, status: Status = "all") -> QuerySet[Body]:
    """Bodies the user belongs to; the system administrator sees every body.

    ``status`` filters the administrator's list (members only ever see active bodies).
    """
    if not user.is_authenticated:
        return Body.objects.none()
    if user.is_superuser:
        bodies = Body.objects.all()
        if status == "active":
            bodies = bodies.filter(is_active=True)
        elif status == "inactive":
            bodies = bodies.filter(is_active=False)
        return bodies
    return Body.objects.filter(
        memberships__user=user, memberships__is_active=True, is_active=True
    ).distinct()


def body_for(user: AnyUser, code: str) -> Body:
    """The body with this code if the user belongs to it; 404 otherwise (never 403).

    An outsider must not learn that another body's objects exist.
    """
    body = body_list_for(user, status="all").filter(code=code).first()
    if body is None:
        raise Http404
    return body


def _by_status(qs: QuerySet[M], status: Status) -> QuerySet[M]:
    if status == "active":
        return qs.filter(is_active=True)
    if status == "inactive":
        return qs.filter(is_active=False)
    return qs


def member_list_for(user: AnyUser, body: Body) -> QuerySet[Membership]:
    """Active members of the body in order of precedence (empty for non-members)."""
    if not can_view_body(user, body):
        return Membership.objects.none()
    return (
        Membership.objects.filter(body=body, is_active=True, user__is_active=True)
        .select_related("user", "title", "unit")
        .order_by("precedence", "user__full_name", "pk")
    )


def membership_list_for(
    user: AnyUser, body: Body, *, status: Status = "all", q: str = ""
) -> QuerySet[Membership]:
    """Every membership of the body, for those who manage them (empty for others)."""
    if not can_manage_memberships(user, body):
        return Membership.objects.none()
    qs = _by_status(Membership.objects.filter(body=body), status)
    if q:
        qs = qs.filter(Q(user__full_name__icontains=q) | Q(user__username__icontains=q))
    return qs.select_related("user", "title", "unit").order_by(
        "-is_active", "precedence", "user__full_name", "pk"
    )


def membership_of_body(body: Body, pk: int) -> Membership:
    """A membership of this body by id; 404 for another body's (callers check permission)."""
    membership = (
        Membership.objects.filter(body=body, pk=pk).select_related("user", "title", "unit").first()
    )
    if membership is None:
        raise Http404
    return membership


def unit_list_for(user: AnyUser, body: Body) -> QuerySet[Unit]:
    """Active units of the body, for every member."""
    if not can_view_body(user, body):
        return Unit.objects.none()
    return (
        Unit.objects.filter(body=body, is_active=True)
        .select_related("parent")
        .order_by("order", "name", "pk")
    )


def catalogue_list_for(
    user: AnyUser, body: Body, model: type[M], *, status: Status = "all", q: str = ""
) -> QuerySet[M]:
    """Entries of one catalogue of the body, for those who manage catalogues."""
    manager = model._default_manager
    if not can_manage_catalogue(user, body):
        return manager.none()
    qs = _by_status(manager.filter(body=body), status)
    if q:
        qs = qs.filter(name__icontains=q)
    if model is Unit:
        qs = qs.select_related("parent")
    return qs.order_by("-is_active", "order", "name", "pk")


def catalogue_entry_of_body(body: Body, model: type[M], pk: int) -> M:
    """One entry of this body's catalogue; 404 for an entry of another body."""
    entry = model._default_manager.filter(body=body, pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def title_choices(body: Body) -> QuerySet[Title]:
    return Title.objects.filter(body=body, is_active=True).order_by("order", "name")


def unit_choices(body: Body) -> QuerySet[Unit]:
    return Unit.objects.filter(body=body, is_active=True).order_by("order", "name")


def delegation_list_for(
    user: AnyUser, body: Body, *, scope: Literal["given", "received", "body"]
) -> QuerySet[Delegation]:
    """Delegations the user gave or received in the body, or all of the body's for the Office.

    ``scope="body"`` is empty for anyone without DELEGATION_MANAGE.
    """
    qs = Delegation.objects.filter(body=body)
    if not user.is_authenticated or not can_view_body(user, body):
        return qs.none()
    if scope == "given":
        qs = qs.filter(principal__user=user)
    elif scope == "received":
        qs = qs.filter(substitute__user=user)
    elif not can_manage_delegations(user, body):
        return qs.none()
    return qs.select_related(
        "principal__user", "principal__title", "substitute__user", "substitute__title"
    ).order_by("-starts_at", "-pk")


def delegation_of_body(body: Body, pk: int) -> Delegation:
    delegation = (
        Delegation.objects.filter(body=body, pk=pk)
        .select_related("body", "principal__user", "substitute__user")
        .first()
    )
    if delegation is None:
        raise Http404
    return delegation


def delegation_active_for(principal_membership: Membership, at: datetime) -> Delegation | None:
    """The delegation in force for this principal at ``at`` (not revoked, inside its period).

    None when the principal or the substitute is no longer an active member: a delegation
    only binds people who are still in the body.
    """
    if not principal_membership.is_active:
        return None
    return (
        Delegation.objects.filter(
            principal=principal_membership,
            revoked_at__isnull=True,
            starts_at__lte=at,
            ends_at__gt=at,
            substitute__is_active=True,
            substitute__user__is_active=True,
        )
        .select_related("substitute__user")
        .order_by("starts_at", "pk")
        .first()
    )


def mandate_of(user: AnyUser, body: Body, at: datetime) -> set[str]:
    """What ``user`` may do in ``body``'s meetings and ballots at ``at`` (``Mandate`` codes).

    A seat holder (chair, vice chair, member) has every mandate, except the exclusive ones
    (vote, give opinions) that an active delegation of theirs hands to a substitute. A
    substitute has the mandates of the delegations they hold at that moment. Anyone else
    has none. Three queries at most.
    """
    membership = membership_in(user, body)
    if membership is None or not user.is_active:
        return set()
    mandates: set[str] = set()
    if holds_seat(membership):
        mandates = set(ALL_MANDATES)
        given = delegation_active_for(membership, at)
        if given is not None:
            mandates -= given.mandates() & EXCLUSIVE_MANDATES
    received = Delegation.objects.filter(
        substitute=membership,
        revoked_at__isnull=True,
        starts_at__lte=at,
        ends_at__gt=at,
        principal__is_active=True,
    ).select_related("principal__user")
    for delegation in received:
        if may_delegate(delegation.principal):
            mandates |= delegation.mandates()
    return mandates


def user_list_for(user: AnyUser, *, status: Status = "all", q: str = "") -> QuerySet[User]:
    """Every user of the installation, for the system administrator (empty for others)."""
    users = User.objects.all()
    if not can_manage_users(user):
        return users.none()
    if q:
        users = users.filter(
            Q(full_name__icontains=q) | Q(username__icontains=q) | Q(email__icontains=q)
        )
    return _by_status(users, status).order_by("-is_active", "full_name", "username")


def admin_body_list_for(user: AnyUser, *, status: Status = "all") -> QuerySet[Body]:
    if not can_manage_bodies(user):
        return Body.objects.none()
    return body_list_for(user, status=status).order_by("-is_active", "name")
