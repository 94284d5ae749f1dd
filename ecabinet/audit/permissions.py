"""Who may read a body's audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.permissions import Perm, has_body_perm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body, Membership


def can_view_audit(
    user: User | AnonymousUser, body: Body, membership: Membership | None = None
) -> bool:
    """Holders of AUDIT_VIEW in the body (chair, office leader, security, body administrator,
    or an extra grant) and system administrators."""
    return has_body_perm(user, body, Perm.AUDIT_VIEW, membership)
