"""Who may see and fill a body's outbox: pure predicates of (user, body).

- The outbox page and its files: the Office (``documents.manage``: office staff, heads of
  department, the Office's leaders, the records clerk) and those who keep the body's
  catalogues, where the agencies' identifiers live (``catalogue.manage``: the body
  administrator, the Office). The system administrator sees every body's. Members, the
  chair, deputies, observers and agencies do not: the outbox is the records office's work.
- Enqueuing a message: the Office and the records clerk (``documents.manage``), or the
  system itself (``actor=None``, an automatic issuer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.permissions import Perm, has_body_perm

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser


def _membership(user: AnyUser, body: Body) -> Membership | None:
    from ecabinet.bodies.selectors import membership_in

    return membership_in(user, body) if user.is_authenticated else None


def can_view_outbox(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    membership = membership or _membership(user, body)
    return has_body_perm(user, body, Perm.DOCUMENTS_MANAGE, membership) or has_body_perm(
        user, body, Perm.CATALOGUE_MANAGE, membership
    )


def can_enqueue_outgoing(
    user: AnyUser | None, body: Body, membership: Membership | None = None
) -> bool:
    """``None`` is the system (an automatic issuer): it may."""
    if user is None:
        return True
    return has_body_perm(user, body, Perm.DOCUMENTS_MANAGE, membership)
