"""Who may do what with resolutions: pure predicates of (user, object).

- The Office (chuyên viên, vụ trưởng, lãnh đạo Văn phòng) drafts, edits, consults the
  members, records how each comment was handled, submits for signature and cancels drafts.
- The chair sees every resolution of the body from its first draft, follows the
  consultation, and returns a resolution awaiting their signature with a reason (signing is
  the issuance step's).
- Members with a seat (vice chairs, members) see a resolution once it has been sent to them
  for opinions, and answer for their own seat; a substitute answers for a member only with
  the "give opinions" mandate, and sees the resolutions of the members they stand in for.
- The records clerk sees resolutions from submission on (they issue them).
- Submitting agencies and observers see only issued resolutions.
- The system administrator reads everything (support) and acts on nothing.

Another body's resolution is a 404 from the selectors, never a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.resolutions import transitions as t

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.resolutions.models import Resolution

OFFICE_ROLES: frozenset[str] = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.OFFICE_LEADER})
SEAT_ROLES: frozenset[str] = frozenset({Role.VICE_CHAIR, Role.MEMBER})


def membership_of(user: AnyUser, body: Body) -> Membership | None:
    from ecabinet.bodies.selectors import membership_in

    if not user.is_authenticated or not user.is_active:
        return None
    return membership_in(user, body)


def _role(user: AnyUser, body: Body, membership: Membership | None) -> str | None:
    membership = membership if membership is not None else membership_of(user, body)
    if membership is None or not membership.is_active or not user.is_active:
        return None
    return str(membership.role)


def is_system_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_office(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) in OFFICE_ROLES


def is_chair(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) == Role.CHAIR


def holds_seat(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) in VOTING_ROLES


def can_use_resolutions(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """The body's list opens to every member (each sees only what is theirs) and the admin."""
    return is_system_admin(user) or _role(user, body, membership) is not None


def can_draft_resolution(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """Draft a new resolution from a meeting or a ballot: the Office."""
    return is_office(user, body, membership)


def can_manage_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """Edit, consult, handle comments, submit, cancel: the Office of the resolution's body."""
    return is_office(user, resolution.body, membership)


def can_edit_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    return resolution.status in t.EDITABLE and can_manage_resolution(user, resolution, membership)


def can_follow_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """Every version, the diffs, who answered and the comments: Office, chair, admin."""
    membership = membership if membership is not None else membership_of(user, resolution.body)
    return (
        is_system_admin(user)
        or is_office(user, resolution.body, membership)
        or is_chair(user, resolution.body, membership)
    )


def can_return_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """The chair who is to sign returns a resolution awaiting their signature."""
    return (
        resolution.status == t.AWAITING_SIGNATURE
        and getattr(user, "pk", None) == resolution.signer_id
        and is_chair(user, resolution.body, membership)
    )


# --- Signing, issuance, the register (signing.py, issuance.py, register.py) ----------------


def is_records_clerk(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) == Role.RECORDS_CLERK


def can_sign_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """The chair named as signer signs the resolution awaiting their signature."""
    return can_return_resolution(user, resolution, membership)


def can_issue_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """A records clerk (văn thư) of the body issues a signed resolution, or retries an
    issuance that failed (the body's automatic issuer needs no person)."""
    return resolution.status == t.SIGNED and is_records_clerk(user, resolution.body, membership)


def can_follow_issuance(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """The chair's signed PDF before issuance, the failures, the external deliveries: the
    Office, the chair, the records clerk and the administrator."""
    membership = membership if membership is not None else membership_of(user, resolution.body)
    return can_follow_resolution(user, resolution, membership) or is_records_clerk(
        user, resolution.body, membership
    )


def can_configure_resolutions(user: AnyUser, body: Body) -> bool:
    """Those who keep the body's catalogues set how resolutions are issued."""
    from ecabinet.bodies.permissions import can_manage_catalogue

    return can_manage_catalogue(user, body)


def can_amend_resolution(
    user: AnyUser, resolution: Resolution, membership: Membership | None = None
) -> bool:
    """The Office drafts an amendment or a revocation of an issued resolution."""
    return resolution.status == t.ISSUED and is_office(user, resolution.body, membership)
