"""Who may do what in a body: default permissions per role, plus a member's extras.

Predicates are pure functions of (user, object) and are tested as a role × action matrix.
Other apps add their codes to ``Perm`` and to ``ROLE_PERMISSIONS`` as they land.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from ecabinet.bodies.models import Role

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body, Membership


class Perm(StrEnum):
    BODY_VIEW = "body.view"
    MEMBERS_VIEW = "members.view"
    CATALOGUE_MANAGE = "catalogue.manage"
    MEMBERS_MANAGE = "members.manage"
    DELEGATION_GIVE = "delegation.give"
    DELEGATION_MANAGE = "delegation.manage"
    AUDIT_VIEW = "audit.view"
    SECURITY_ALERTS = "security.alerts"
    # A role that signs statements (opinions, votes, approvals); requires a second factor.
    SIGN = "sign"


_SEAT = {Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.DELEGATION_GIVE, Perm.SIGN}
_OFFICE = {Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.CATALOGUE_MANAGE, Perm.DELEGATION_MANAGE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CHAIR: frozenset(_SEAT | {Perm.AUDIT_VIEW}),
    Role.VICE_CHAIR: frozenset(_SEAT),
    Role.MEMBER: frozenset(_SEAT),
    Role.OFFICE_LEADER: frozenset(_OFFICE | {Perm.AUDIT_VIEW, Perm.SIGN}),
    Role.OFFICE_HEAD: frozenset(_OFFICE | {Perm.SIGN}),
    Role.OFFICE_STAFF: frozenset(_OFFICE),
    Role.RECORDS_CLERK: frozenset({Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.SIGN}),
    Role.AGENCY: frozenset({Perm.BODY_VIEW}),
    Role.DEPUTY: frozenset({Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.SIGN}),
    Role.OBSERVER: frozenset({Perm.BODY_VIEW}),
    Role.SECURITY: frozenset(
        {Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.AUDIT_VIEW, Perm.SECURITY_ALERTS}
    ),
    Role.BODY_ADMIN: frozenset(
        {
            Perm.BODY_VIEW,
            Perm.MEMBERS_VIEW,
            Perm.MEMBERS_MANAGE,
            Perm.CATALOGUE_MANAGE,
            Perm.AUDIT_VIEW,
        }
    ),
}

# Permissions that may be granted as extras on top of a role.
GRANTABLE: frozenset[str] = frozenset(p.value for p in Perm)


def membership_permissions(membership: Membership) -> frozenset[str]:
    if not membership.is_active:
        return frozenset()
    return ROLE_PERMISSIONS.get(membership.role, frozenset()) | frozenset(
        p for p in membership.extra_permissions if p in GRANTABLE
    )


def has_body_perm(user: User, body: Body, perm: str, membership: Membership | None = None) -> bool:
    """True when ``user`` holds ``perm`` in ``body`` (system administrators hold all)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if membership is None:
        from ecabinet.bodies.selectors import membership_in

        membership = membership_in(user, body)
    return membership is not None and perm in membership_permissions(membership)


def requires_second_factor(user: User) -> bool:
    """Roles that sign, and system administrators, must log in with TOTP."""
    if user.is_superuser:
        return True
    from ecabinet.bodies.models import Membership

    roles = Membership.objects.filter(user=user, is_active=True, body__is_active=True)
    return any(Perm.SIGN in membership_permissions(m) for m in roles)
