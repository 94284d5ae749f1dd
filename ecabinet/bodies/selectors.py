"""Reads of bodies and memberships, always scoped to what the user belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from ecabinet.bodies.models import Body, Membership

if TYPE_CHECKING:
    from ecabinet.accounts.models import User


def memberships_for(user: User) -> QuerySet[Membership]:
    """The user's active memberships in active bodies, in order of the bodies' names."""
    return (
        Membership.objects.filter(user=user, is_active=True, body__is_active=True)
        .select_related("body", "title", "unit")
        .order_by("body__name")
    )


def membership_in(user: User, body: Body) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, body=body, is_active=True, body__is_active=True)
        .select_related("title", "unit")
        .first()
    )


def body_list_for(user: User) -> QuerySet[Body]:
    if user.is_superuser:
        return Body.objects.all()
    return Body.objects.filter(
        memberships__user=user, memberships__is_active=True, is_active=True
    ).distinct()


def body_for(user: User, code: str) -> Body:
    """The body with this code if the user belongs to it; 404 otherwise (never 403).

    An outsider must not learn that another body's objects exist.
    """
    body = body_list_for(user).filter(code=code).first()
    if body is None:
        raise Http404
    return body
