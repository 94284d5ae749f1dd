"""Who may see and change dossiers and documents: pure predicates of (user, object).

- Members, deputies, observers and the Office read every dossier of their body
  (``documents.view``); the Office and the records clerk manage them (``documents.manage``).
- A submitting agency's staff see and fill only the dossiers of their own unit.
- A personal document is its owner's alone; nobody else, not even an administrator,
  sees it.

A user who may not see an object gets a 404 from the selectors, never a 403: a member of
another body never learns that a document exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import Perm, has_body_perm

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.documents.models import Document, Dossier


def _membership(user: AnyUser, body: Body) -> Membership | None:
    from ecabinet.bodies.selectors import membership_in

    return membership_in(user, body) if user.is_authenticated else None


def agency_unit_id(user: AnyUser, body: Body, membership: Membership | None = None) -> int | None:
    """The unit whose dossiers a submitting agency's member works on, if any."""
    membership = membership or _membership(user, body)
    if membership is None or not membership.is_active or membership.role != Role.AGENCY:
        return None
    return membership.unit_id


def can_view_body_documents(
    user: AnyUser, body: Body, membership: Membership | None = None
) -> bool:
    return has_body_perm(user, body, Perm.DOCUMENTS_VIEW, membership)


def can_manage_documents(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return has_body_perm(user, body, Perm.DOCUMENTS_MANAGE, membership)


def can_list_dossiers(user: AnyUser, body: Body) -> bool:
    membership = _membership(user, body)
    return can_view_body_documents(user, body, membership) or (
        agency_unit_id(user, body, membership) is not None
    )


def can_create_dossier(user: AnyUser, body: Body) -> bool:
    membership = _membership(user, body)
    return can_manage_documents(user, body, membership) or (
        agency_unit_id(user, body, membership) is not None
    )


def _is_dossier_agency(user: AnyUser, dossier: Dossier, membership: Membership | None) -> bool:
    unit = agency_unit_id(user, dossier.body, membership)
    return unit is not None and unit == dossier.unit_id


def can_view_dossier(user: AnyUser, dossier: Dossier) -> bool:
    membership = _membership(user, dossier.body)
    return can_view_body_documents(user, dossier.body, membership) or _is_dossier_agency(
        user, dossier, membership
    )


def can_add_to_dossier(user: AnyUser, dossier: Dossier) -> bool:
    membership = _membership(user, dossier.body)
    return can_manage_documents(user, dossier.body, membership) or _is_dossier_agency(
        user, dossier, membership
    )


def can_view_receipts(user: AnyUser, dossier: Dossier) -> bool:
    """The Office and the dossier's own agency follow who received and opened what."""
    return can_add_to_dossier(user, dossier)


def can_view_document(user: AnyUser, document: Document) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if document.owner_id is not None:
        return document.owner_id == user.pk
    assert document.dossier is not None
    return can_view_dossier(user, document.dossier)


def can_add_version(user: AnyUser, document: Document) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if document.owner_id is not None:
        return document.owner_id == user.pk
    assert document.dossier is not None
    return can_add_to_dossier(user, document.dossier)


def can_use_personal_space(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)
