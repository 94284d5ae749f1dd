"""Every call from resolutions to the handling-time ledger (``ecabinet.tracking``), in one place.

Resolutions works with or without the ledger installed: when ``ecabinet.tracking`` is not an
installed app every function here does nothing (and ``apps.py`` registers our own "waiting
for me" provider instead). When it is, each function runs inside the resolution service's
transaction, so the change and its ledger rows commit together. Reminders before, at and
after the deadline are the ledger's own scan.

Kinds of work (registered in ``ResolutionsConfig.ready``): ``resolution.opinion``, one per
member asked for opinions, due at the consultation's deadline; ``resolution.sign``, the
chair's signature, given at submission. An answer finishes the member's item (a substitute's
answer finishes the member's); closing the consultation withdraws the open ones; returning
the resolution finishes the chair's item, and so does signing it (``signing.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import reverse

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.resolutions.models import Consultation, ConsultationRecipient, Resolution

SUBJECT_TYPE = "resolutions.resolution"
# Not "resolution.consult": the ledger declares that code as an example of a kind kept off
# the home page; members' opinions on a draft belong on it, next to the ballots'.
KIND_CONSULT = "resolution.opinion"
KIND_SIGN = "resolution.sign"


def ledger_installed() -> bool:
    return apps.is_installed("ecabinet.tracking")


def _open_of(user: User, resolution: Resolution, kind: str) -> object | None:
    from ecabinet.tracking.selectors import assignment_open_of

    return assignment_open_of(
        user, subject_type=SUBJECT_TYPE, subject_id=str(resolution.pk), kind=kind
    )


def ledger_assign_consultation(
    *,
    actor: User,
    resolution: Resolution,
    consultation: Consultation,
    recipients: list[ConsultationRecipient],
) -> set[int]:
    """One opinion item per member asked, due at the deadline, pointing at their answer page.

    The ledger tells each of them (in-app and e-mail, with the deadline). Returns the ids of
    the users it told; resolutions tells the others itself.
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
            body=resolution.body,
            assignee=recipient.user,
            kind=KIND_CONSULT,
            subject_type=SUBJECT_TYPE,
            subject_id=str(resolution.pk),
            title=resolution.title,
            url=reverse("resolutions:answer", kwargs={"pk": resolution.pk, "seat": recipient.pk}),
            due_at=consultation.deadline_at,
            follower=consultation.sent_by,
            notify=True,
        )
        told.add(recipient.user_id)
    return told


def ledger_answered(
    *, actor: User, resolution: Resolution, recipient: ConsultationRecipient
) -> None:
    """The seat answered (the member or their substitute): the member's item is done."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignment_done

    item = _open_of(recipient.user, resolution, KIND_CONSULT)
    if item is not None:
        assignment_done(actor=actor, assignment=item)  # type: ignore[arg-type]


def ledger_opened(*, user: User, resolution: Resolution) -> None:
    """The user opened the resolution: the first opening of their open items on it is kept."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignments_open_for_subject

    assignments_open_for_subject(
        actor=user, subject_type=SUBJECT_TYPE, subject_id=str(resolution.pk)
    )


def ledger_withdraw(
    *, actor: User | None, resolution: Resolution, reason: str, kind: str | None = None
) -> None:
    """Withdraw the open items on the resolution (of one kind, or all) with the reason."""
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignments_cancel_for_subject

    assignments_cancel_for_subject(
        actor=actor,
        body=resolution.body,
        subject_type=SUBJECT_TYPE,
        subject_id=str(resolution.pk),
        reason=reason,
        kind=kind,
    )


def ledger_assign_signature(*, actor: User, resolution: Resolution, signer: User) -> bool:
    """The chair's item: sign (or return) the submitted resolution. True if the ledger told
    the chair (then resolutions does not tell them a second time)."""
    if not ledger_installed():
        return False
    from ecabinet.tracking.services import assignment_create

    if _open_of(signer, resolution, KIND_SIGN) is not None:
        return True
    assignment_create(
        actor=actor,
        body=resolution.body,
        assignee=signer,
        kind=KIND_SIGN,
        subject_type=SUBJECT_TYPE,
        subject_id=str(resolution.pk),
        title=resolution.title,
        url=reverse("resolutions:detail", kwargs={"pk": resolution.pk}),
        due_at=None,
        notify=True,
    )
    return True


def ledger_signature_handled(*, actor: User, resolution: Resolution) -> None:
    """The chair returned (or signed) the resolution: their item is done.

    ``signing.resolution_sign`` calls this when the chair signs.
    """
    if not ledger_installed():
        return
    from ecabinet.tracking.services import assignment_done

    item = _open_of(resolution.signer, resolution, KIND_SIGN)
    if item is not None:
        assignment_done(actor=actor, assignment=item)  # type: ignore[arg-type]
