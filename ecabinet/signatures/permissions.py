"""Who may issue, revoke and import certificates, and see them.

Predicates are pure functions of (user, object), tested in the permission matrix and the
service tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.permissions import Perm, has_body_perm, is_system_admin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body
    from ecabinet.signatures.models import IssuedCertificate

    AnyUser = User | AnonymousUser


def can_issue_certificate(user: AnyUser, body: Body) -> bool:
    """System administrators everywhere; body administrators in their own body."""
    return has_body_perm(user, body, Perm.MEMBERS_MANAGE)


def can_revoke_certificate(user: AnyUser, certificate: IssuedCertificate) -> bool:
    """Those who may issue in the certificate's body, and a member's own (a lost key)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(certificate, "user_id", None) == user.pk:
        return True
    return can_issue_certificate(user, certificate.body)


def can_apply_seal(user: AnyUser, body: Body) -> bool:
    """The body's records clerks (văn thư) apply its organisational signature and seal."""
    from ecabinet.bodies.models import Role
    from ecabinet.bodies.selectors import membership_in

    if not user.is_authenticated or not user.is_active or not body.is_active:
        return False
    membership = membership_in(user, body)
    return bool(
        membership is not None and membership.is_active and membership.role == Role.RECORDS_CLERK
    )


def can_manage_trust(user: AnyUser) -> bool:
    """Initialising the internal CA and importing external roots: system administrators."""
    return is_system_admin(user)


def can_view_own_certificates(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)
