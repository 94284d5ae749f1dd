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
    from ecabinet.signatures.models import MemberCertificate

    AnyUser = User | AnonymousUser


def can_issue_certificate(user: AnyUser, body: Body) -> bool:
    """System administrators everywhere; body administrators in their own body."""
    return has_body_perm(user, body, Perm.MEMBERS_MANAGE)


def can_revoke_certificate(user: AnyUser, certificate: MemberCertificate) -> bool:
    """Those who may issue in the certificate's body, and the holder (a lost key)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if certificate.user_id == user.pk:
        return True
    return can_issue_certificate(user, certificate.body)


def can_manage_trust(user: AnyUser) -> bool:
    """Initialising the internal CA and importing external roots: system administrators."""
    return is_system_admin(user)


def can_view_own_certificates(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)
