"""Every call from ballots to the handling-time ledger (``ecabinet.tracking``), in one place.

Ballots works with or without the ledger installed: when ``ecabinet.tracking`` is not an
installed app every function here does nothing. When it is, each function runs inside the
ballot service's transaction, so the ballot's change and its ledger rows commit together.
Reminders before, at and after the deadline are the ledger's own scan, not ours.

Kinds of work (registered by the ledger): ``ballot.review`` (a step of the Office's route,
given to every holder of the step's role), ``ballot.approve`` (the chair's approval) and
``ballot.answer`` (one per recipient, due at the ballot's deadline).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import reverse

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.ballots.models import Ballot, Recipient

SUBJECT_TYPE = "ballots.ballot"
KIND_REVIEW = "ballot.review"
KIND_APPROVE = "ballot.approve"
KIND_ANSWER = "ballot.answer"


def ledger_installed() -> bool:
    return apps.is_installed("ecabinet.tracking")


def _url(ballot: Ballot) -> str:
    return reverse("ballots:detail", kwargs={"pk": ballot.pk})


def _open_of(user: User, ballot: Ballot, kind: str) -> object | None:
    from ecabinet.tracking.selectors import assignment_open_of

    return assignment_open_of(user, subject_type=SUBJECT_TYPE, subject_id=str(ballot.pk), kind=kind)


def ledger_assign_step(*, actor: User, ballot: Ballot, holders: list[User], kind: str) -> None:
    """Give the current step (a review, or the chair's approval) to every holder of its role.

    Whoever acts first finishes their item; the others' items are withdrawn
    (``ledger_step_done``).
    """
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignment_create

    title = f"{ballot.title}"
    for user in holders:
        if _open_of(user, ballot, kind) is not None:
            continue
        assignment_create(
            actor=actor,
            body=ballot.body,
            assignee=user,
            kind=kind,
            subject_type=SUBJECT_TYPE,
            subject_id=str(ballot.pk),
            title=title,
            url=_url(ballot),
            due_at=None,
            follower=ballot.follower,
            notify=True,
        )


def ledger_step_done(*, actor: User, ballot: Ballot, kind: str, reason: str) -> None:
    """The actor handled the step: their item is done, the other holders' are withdrawn."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignment_done, assignments_cancel_for_subject

    mine = _open_of(actor, ballot, kind)
    if mine is not None:
        assignment_done(actor=actor, assignment=mine)  # type: ignore[arg-type]
    assignments_cancel_for_subject(
        actor=actor,
        body=ballot.body,
        subject_type=SUBJECT_TYPE,
        subject_id=str(ballot.pk),
        reason=reason,
        kind=kind,
    )


def ledger_assign_recipients(
    *, actor: User, ballot: Ballot, recipients: list[Recipient]
) -> set[int]:
    """The ballot is sent: one answer item per recipient, due at the deadline.

    The ledger tells each of them (in-app and e-mail: the new item, with its deadline), so
    the item counts as received at sending. Returns the ids of the users it told; ballots
    tells the others itself (all of them when the ledger is not installed).
    """
    if not ledger_installed():
        return set()
    from ecabinet.tracking.services import assignment_create

    told: set[int] = set()
    for recipient in recipients:
        if not recipient.membership.is_active or not recipient.user.is_active:
            continue
        assignment_create(
            actor=actor,
            body=ballot.body,
            assignee=recipient.user,
            kind=KIND_ANSWER,
            subject_type=SUBJECT_TYPE,
            subject_id=str(ballot.pk),
            title=ballot.title,
            url=_url(ballot),
            due_at=ballot.deadline_at,
            follower=ballot.follower,
            notify=True,
        )
        told.add(recipient.user_id)
    return told


def ledger_opened(*, user: User, ballot: Ballot) -> None:
    """The user opened the ballot: the first opening of their open items on it is kept."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignments_open_for_subject

    assignments_open_for_subject(actor=user, subject_type=SUBJECT_TYPE, subject_id=str(ballot.pk))


def ledger_answered(*, actor: User, ballot: Ballot, recipient: Recipient) -> None:
    """The seat answered (the member, or a substitute on their behalf): the item is done."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignment_done

    item = _open_of(recipient.user, ballot, KIND_ANSWER)
    if item is not None:
        assignment_done(actor=actor, assignment=item)  # type: ignore[arg-type]


def ledger_closed(*, actor: User | None, ballot: Ballot, reason: str) -> None:
    """Closed or withdrawn: every open item on the ballot is withdrawn with the reason."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignments_cancel_for_subject

    assignments_cancel_for_subject(
        actor=actor,
        body=ballot.body,
        subject_type=SUBJECT_TYPE,
        subject_id=str(ballot.pk),
        reason=reason,
    )
