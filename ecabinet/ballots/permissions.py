"""Who may do what with ballots: predicates of (user, object), tested as a role × action table.

- The Office (chuyên viên, vụ trưởng, lãnh đạo Văn phòng) drafts ballots, follows the live
  tally, closes and withdraws them; each review step is held by the role the body's route
  names for it; the chair approves sending (signed) and records the decision (signed); a
  leader of the Office signs the summary report.
- A submitting agency files proposals for its own unit and follows its own ballots.
- Members (chair, vice chairs, members) read the ballots sent to them and answer them; a
  substitute answers for a member only with the "give opinions" mandate; an assistant the
  member named prepares drafts and never signs.
- The system administrator reads everything (support) and acts on nothing.
- Observers, security officers, records clerks and body administrators have no ballots.

Another body's ballot is a 404 from the selectors, never a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import VOTING_ROLES, Perm, can_manage_catalogue, has_body_perm

if TYPE_CHECKING:
    from ecabinet.ballots.models import Ballot
    from ecabinet.bodies.models import Body, Membership
    from ecabinet.bodies.permissions import AnyUser

OFFICE_ROLES: frozenset[str] = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.OFFICE_LEADER})
# Roles that see the ballots of their body at all (each sees only some: see selectors).
BALLOT_ROLES: frozenset[str] = frozenset({*OFFICE_ROLES, *VOTING_ROLES, Role.AGENCY, Role.DEPUTY})


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


def can_use_ballots(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """The ballots pages of the body open at all (the list shows only what is theirs)."""
    return is_system_admin(user) or _role(user, body, membership) in BALLOT_ROLES


def is_office(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) in OFFICE_ROLES


def is_chair(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    return _role(user, body, membership) == Role.CHAIR


def agency_unit(user: AnyUser, body: Body, membership: Membership | None = None) -> int | None:
    """The unit a submitting agency's member files for (None for everyone else)."""
    membership = membership if membership is not None else membership_of(user, body)
    if membership is None or not membership.is_active or membership.role != Role.AGENCY:
        return None
    return membership.unit_id


def can_file_proposal(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """The Office, or a submitting agency attached to a unit."""
    membership = membership if membership is not None else membership_of(user, body)
    return is_office(user, body, membership) or agency_unit(user, body, membership) is not None


def can_configure_ballots(user: AnyUser, body: Body) -> bool:
    """Those who manage the body's catalogues set its ballot rules (route, deadline, ...)."""
    return can_manage_catalogue(user, body)


def can_manage_ballot(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """Draft, submit, close, correct: the Office of the ballot's body."""
    return is_office(user, ballot.body, membership)


def can_follow_ballot(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """The full picture (route, who opened the dossier, the live tally): Office and chair."""
    membership = membership if membership is not None else membership_of(user, ballot.body)
    return (
        is_system_admin(user)
        or is_office(user, ballot.body, membership)
        or is_chair(user, ballot.body, membership)
    )


def can_view_results(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """The live tally exists once the ballot is sent."""
    return ballot.sent_at is not None and can_follow_ballot(user, ballot, membership)


def current_step_role(ballot: Ballot) -> str | None:
    """The role holding the ballot now on the Office's route (None outside review)."""
    from ecabinet.ballots.transitions import IN_REVIEW

    if ballot.status != IN_REVIEW:
        return None
    route = list(ballot.route or [])
    if 0 <= ballot.review_step < len(route):
        return str(route[ballot.review_step])
    return None


def can_review_ballot(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """A holder of the role of the current review step passes it on or returns it."""
    role = current_step_role(ballot)
    return role is not None and _role(user, ballot.body, membership) == role


def can_approve_ballot(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """The chair approves sending (or returns the draft), with a signature."""
    from ecabinet.ballots.transitions import AWAITING_APPROVAL

    membership = membership if membership is not None else membership_of(user, ballot.body)
    return (
        ballot.status == AWAITING_APPROVAL
        and is_chair(user, ballot.body, membership)
        and has_body_perm(user, ballot.body, Perm.SIGN, membership)
    )


def can_withdraw_ballot(
    user: AnyUser, ballot: Ballot, membership: Membership | None = None
) -> bool:
    from ecabinet.ballots.transitions import MACHINE

    membership = membership if membership is not None else membership_of(user, ballot.body)
    return MACHINE.allowed("withdraw", ballot.status) and (
        is_office(user, ballot.body, membership) or is_chair(user, ballot.body, membership)
    )


def can_sign_report(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    """A leader of the Office signs the summary report."""
    membership = membership if membership is not None else membership_of(user, ballot.body)
    return _role(user, ballot.body, membership) == Role.OFFICE_LEADER and has_body_perm(
        user, ballot.body, Perm.SIGN, membership
    )


def can_decide_ballot(user: AnyUser, ballot: Ballot, membership: Membership | None = None) -> bool:
    membership = membership if membership is not None else membership_of(user, ballot.body)
    return is_chair(user, ballot.body, membership) and has_body_perm(
        user, ballot.body, Perm.SIGN, membership
    )


def can_name_assistants(user: AnyUser, body: Body, membership: Membership | None = None) -> bool:
    """A member with a seat names the assistants who prepare their draft answers."""
    return _role(user, body, membership) in VOTING_ROLES
