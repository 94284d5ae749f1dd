"""Who may do what in a body: default permissions per role, plus a member's extras.

Predicates are pure functions of (user, object) and are tested as a role × action matrix.
Other apps add their codes to ``Perm`` and to ``ROLE_PERMISSIONS`` as they land.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import Promise

    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body, Delegation, Membership

    AnyUser = User | AnonymousUser


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
    # Read the body's dossiers and documents; manage them (create dossiers, upload for anyone,
    # see who received and opened what).
    DOCUMENTS_VIEW = "documents.view"
    DOCUMENTS_MANAGE = "documents.manage"


_SEAT = {
    Perm.BODY_VIEW,
    Perm.MEMBERS_VIEW,
    Perm.DELEGATION_GIVE,
    Perm.SIGN,
    Perm.DOCUMENTS_VIEW,
}
_OFFICE = {
    Perm.BODY_VIEW,
    Perm.MEMBERS_VIEW,
    Perm.CATALOGUE_MANAGE,
    Perm.DELEGATION_MANAGE,
    Perm.DOCUMENTS_VIEW,
    Perm.DOCUMENTS_MANAGE,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CHAIR: frozenset(_SEAT | {Perm.AUDIT_VIEW}),
    Role.VICE_CHAIR: frozenset(_SEAT),
    Role.MEMBER: frozenset(_SEAT),
    Role.OFFICE_LEADER: frozenset(_OFFICE | {Perm.AUDIT_VIEW, Perm.SIGN}),
    Role.OFFICE_HEAD: frozenset(_OFFICE | {Perm.SIGN}),
    Role.OFFICE_STAFF: frozenset(_OFFICE),
    Role.RECORDS_CLERK: frozenset(
        {
            Perm.BODY_VIEW,
            Perm.MEMBERS_VIEW,
            Perm.SIGN,
            Perm.DOCUMENTS_VIEW,
            Perm.DOCUMENTS_MANAGE,
        }
    ),
    # A submitting agency sees and fills only its own dossiers (documents/permissions.py).
    Role.AGENCY: frozenset({Perm.BODY_VIEW}),
    # A deputy reads the papers of the member they may stand in for.
    Role.DEPUTY: frozenset({Perm.BODY_VIEW, Perm.MEMBERS_VIEW, Perm.SIGN, Perm.DOCUMENTS_VIEW}),
    Role.OBSERVER: frozenset({Perm.BODY_VIEW, Perm.DOCUMENTS_VIEW}),
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

# Roles that hold a seat with a vote in the collegial body. A substitute must not hold one
# of these: acting for someone else as well would give them two votes.
VOTING_ROLES: frozenset[str] = frozenset({Role.CHAIR, Role.VICE_CHAIR, Role.MEMBER})

PERM_LABELS: dict[str, str | Promise] = {
    Perm.BODY_VIEW: _("Xem thông tin cơ quan"),
    Perm.MEMBERS_VIEW: _("Xem danh sách và liên hệ thành viên"),
    Perm.CATALOGUE_MANAGE: _("Quản lý danh mục"),
    Perm.MEMBERS_MANAGE: _("Quản lý thành viên"),
    Perm.DELEGATION_GIVE: _("Cử người tham gia thay"),
    Perm.DELEGATION_MANAGE: _("Ghi nhận, thu hồi việc cử người dự thay"),
    Perm.AUDIT_VIEW: _("Xem nhật ký hệ thống"),
    Perm.SECURITY_ALERTS: _("Nhận cảnh báo an ninh"),
    Perm.SIGN: _("Ký số"),
    Perm.DOCUMENTS_VIEW: _("Xem hồ sơ, tài liệu của cơ quan"),
    Perm.DOCUMENTS_MANAGE: _("Quản lý hồ sơ, tài liệu; xem ai đã nhận, đã mở"),
}


def perm_label(code: str) -> str:
    """Human label of a permission code (the code itself for codes added later)."""
    return str(PERM_LABELS.get(code, code))


def membership_permissions(membership: Membership) -> frozenset[str]:
    if not membership.is_active:
        return frozenset()
    return ROLE_PERMISSIONS.get(membership.role, frozenset()) | frozenset(
        p for p in membership.extra_permissions if p in GRANTABLE
    )


def has_body_perm(
    user: AnyUser, body: Body, perm: str, membership: Membership | None = None
) -> bool:
    """True when ``user`` holds ``perm`` in ``body`` (system administrators hold all)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if membership is None:
        from ecabinet.bodies.selectors import membership_in

        membership = membership_in(user, body)
    return membership is not None and perm in membership_permissions(membership)


# Holding any of these requires a second factor at login: signing is personal and legally
# binding; the audit trail and security alerts reveal who did what across the body.
SECOND_FACTOR_PERMS: frozenset[str] = frozenset({Perm.SIGN, Perm.AUDIT_VIEW, Perm.SECURITY_ALERTS})


def requires_second_factor(user: User) -> bool:
    """Roles that sign or read the audit trail, and system administrators, must use TOTP."""
    if user.is_superuser:
        return True
    from ecabinet.bodies.models import Membership

    roles = Membership.objects.filter(user=user, is_active=True, body__is_active=True)
    return any(SECOND_FACTOR_PERMS & membership_permissions(m) for m in roles)


def is_system_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_view_body(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return has_body_perm(user, body, Perm.BODY_VIEW, membership)


def can_view_member_contacts(
    user: AnyUser, body: Body, membership: Membership | None = None
) -> bool:
    return has_body_perm(user, body, Perm.MEMBERS_VIEW, membership)


def can_manage_catalogue(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return has_body_perm(user, body, Perm.CATALOGUE_MANAGE, membership)


def can_manage_bodies(user: AnyUser) -> bool:
    return is_system_admin(user)


def can_manage_users(user: AnyUser) -> bool:
    return is_system_admin(user)


def can_manage_memberships(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """System administrators everywhere; body administrators in their own body."""
    return has_body_perm(user, body, Perm.MEMBERS_MANAGE, membership)


def can_manage_membership(
    user: AnyUser, target: Membership, membership: Membership | None = None
) -> bool:
    """Whether ``user`` may change ``target`` (role, title, extras, activation).

    A body administrator may not change their own membership: they could grant themselves
    anything or lock themselves out. Another administrator or the system administrator does.
    """
    if is_system_admin(user):
        return True
    if target.user_id == getattr(user, "pk", None):
        return False
    return can_manage_memberships(user, target.body, membership)


def holds_seat(membership: Membership) -> bool:
    """An active member with a vote of their own (chair, vice chair, member)."""
    return membership.is_active and membership.role in VOTING_ROLES


def can_give_delegation(user: AnyUser, principal: Membership) -> bool:
    """A member who may delegate names their own substitute; the Office (DELEGATION_MANAGE)
    may record a delegation on any member's behalf (the service then checks that the
    principal is someone who may delegate)."""
    if has_body_perm(user, principal.body, Perm.DELEGATION_MANAGE):
        return True
    return (
        user.is_authenticated
        and user.is_active
        and principal.user_id == user.pk
        and may_delegate(principal)
    )


def can_create_delegation(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """Whether the delegation form is open to ``user`` at all (for themselves or others)."""
    return has_body_perm(user, body, Perm.DELEGATION_GIVE, membership) or has_body_perm(
        user, body, Perm.DELEGATION_MANAGE, membership
    )


def can_manage_delegations(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return has_body_perm(user, body, Perm.DELEGATION_MANAGE, membership)


def can_revoke_delegation(
    user: AnyUser, delegation: Delegation, membership: Membership | None = None
) -> bool:
    """The principal, or the Office (DELEGATION_MANAGE), may revoke a delegation."""
    if not user.is_authenticated or not user.is_active:
        return False
    if delegation.principal.user_id == user.pk:
        return True
    return has_body_perm(user, delegation.body, Perm.DELEGATION_MANAGE, membership)


def may_delegate(principal: Membership) -> bool:
    """The membership itself carries DELEGATION_GIVE (a seat, or the extra permission)."""
    return principal.user.is_active and Perm.DELEGATION_GIVE in membership_permissions(principal)
