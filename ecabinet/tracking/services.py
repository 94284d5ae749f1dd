"""Every write of the ledger: assignments through their life, the policy, the reminder scan.

Other apps call these from their own services, inside their own transaction: a ballot sent
creates one assignment per recipient, an answer finishes the member's, a withdrawal cancels
them all. Each service is atomic (a savepoint inside the caller's transaction) and appends
its audit event there. Calls that change nothing (opening twice, finishing twice) write
nothing and take no lock, so pages can call them on every visit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, Membership, Role
from ecabinet.bodies.selectors import membership_in
from ecabinet.core.body_settings import body_settings_update
from ecabinet.core.dates import format_decree_datetime
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.notifications.models import NotificationKind
from ecabinet.notifications.services import notification_send
from ecabinet.tracking import permissions as perms
from ecabinet.tracking.kinds import kind_label
from ecabinet.tracking.models import Assignment, Reminder, TrackingSettings
from ecabinet.tracking.stages import (
    BEFORE_WORKING_DAYS,
    Policy,
    Stage,
    next_stage,
    parse_offsets,
    plan,
)
from ecabinet.tracking.transitions import MACHINE

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Roles told about overdue work when the assignment names no follow-up officer: the Office's
# staff and heads of department. The Office's leaders and the chair follow the dashboard
# instead of receiving one message per late item (docs/decisions/0800-tracking-reminders.md).
ESCALATION_ROLES = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD})
OLD_ITEM_DAYS_MAX = 365


def policy_for(body: Body | int) -> Policy:
    """The body's reminder policy (the defaults when it has set none)."""
    body_id = body.pk if isinstance(body, Body) else body
    return Policy.of(TrackingSettings.objects.filter(body_id=body_id).first())


def _check_reference(kind: str, subject_type: str, subject_id: str, url: str) -> None:
    # Programming errors of the calling app, not user input: fail loudly.
    if not CODE_PATTERN.match(kind):
        raise ValueError(f"assignment kind must look like 'app.action', got {kind!r}")
    if not CODE_PATTERN.match(subject_type):
        raise ValueError(f"subject_type must look like 'app.model', got {subject_type!r}")
    if not SUBJECT_ID_PATTERN.match(subject_id):
        raise ValueError(f"bad subject_id {subject_id!r}")
    if url and not (
        url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    ):
        raise ValueError(f"assignment url must be a local path, got {url!r}")


def _check_due(due_at: datetime | None, now: datetime) -> None:
    if due_at is None:
        return
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    if due_at <= now:
        raise DomainError(_("Hạn xử lý phải sau thời điểm hiện tại."), code="due_in_past")


def _active_membership(user: User, body: Body) -> Membership | None:
    if not user.is_active:
        return None
    return membership_in(user, body)


def _first_reminder_at(due_at: datetime | None, policy: Policy, now: datetime) -> datetime | None:
    if due_at is None:
        return None
    stage = next_stage(due_at, policy, now, now)
    return stage.at if stage is not None else None


def _in_language(user: User, make: Callable[..., dict[str, str]], *args: Any) -> dict[str, str]:
    """Texts of a notification in the recipient's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return make(*args)


def _due_text(assignment: Assignment) -> str:
    if assignment.due_at is None:
        return _("Không có hạn xử lý.")
    return _("Hạn xử lý: %(due)s.") % {"due": format_decree_datetime(assignment.due_at)}


# --- Assignments ---------------------------------------------------------------------------


def assignment_create(
    *,
    actor: User | None,
    body: Body,
    assignee: User,
    kind: str,
    subject_type: str,
    subject_id: str,
    title: str,
    url: str = "",
    due_at: datetime | None = None,
    follower: User | None = None,
    notify: bool = True,
) -> Assignment:
    """Give ``assignee`` a piece of work; with ``notify`` they are told (in-app and e-mail)
    and the item counts as received now.

    ``kind`` is a code such as ``ballot.answer`` (kinds.py); ``subject_type``/``subject_id``
    point at the object the work is about; ``url`` is where the person does it;
    ``follower`` is the Office's follow-up officer, who hears of it when it is overdue.
    """
    if not perms.can_manage_assignments(actor, body):
        raise PermissionDenied
    subject_id = str(subject_id)
    _check_reference(kind, subject_type, subject_id, url)
    title = " ".join(title.split())[:300]
    if not title:
        raise ValueError("an assignment needs a title")
    now = timezone.now()
    _check_due(due_at, now)
    membership = _active_membership(assignee, body)
    if membership is None:
        raise DomainError(
            _("%(name)s không phải là thành viên đang hoạt động của %(body)s.")
            % {"name": assignee, "body": body},
            code="not_member",
        )
    if follower is not None and _active_membership(follower, body) is None:
        raise DomainError(
            _("Người theo dõi %(name)s không phải là thành viên đang hoạt động của %(body)s.")
            % {"name": follower, "body": body},
            code="bad_follower",
        )
    duplicate = DomainError(
        _("%(name)s đang có việc này chưa xử lý xong.") % {"name": assignee},
        code="duplicate",
    )
    open_already = Assignment.objects.filter(
        assignee=assignee,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        done_at__isnull=True,
        cancelled_at__isnull=True,
    )
    if open_already.exists():
        raise duplicate
    next_at = _first_reminder_at(due_at, policy_for(body), now)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                body=body,
                assignee=assignee,
                unit=membership.unit,
                follower=follower,
                assigned_by=actor,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                title=title,
                url=url,
                assigned_at=now,
                cycle_started_at=now,
                received_at=now if notify else None,
                due_at=due_at,
                next_reminder_at=next_at,
            )
            audit_append(
                actor=actor,
                verb="tracking.assignment_create",
                obj=assignment,
                body=body,
                after={**assignment.audit_values(), "notified": notify},
            )
            if notify:
                texts = _in_language(
                    assignee,
                    lambda: {
                        "title": _("Việc mới: %(title)s") % {"title": assignment.title},
                        "text": f"{kind_label(kind)}. {_due_text(assignment)}",
                    },
                )
                notification_send(
                    user=assignee, url=url, body=body, title=texts["title"], text=texts["text"]
                )
    except IntegrityError:
        # Another request created the same open item between the check and the insert.
        raise duplicate from None
    return assignment


def _locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update()
        .select_related("body", "assignee")
        .get(pk=assignment.pk)
    )


def assignment_receive(*, actor: User | None, assignment: Assignment) -> Assignment:
    """Record that the work reached the person (when the caller notified them itself)."""
    if not (
        (actor is not None and assignment.assignee_id == actor.pk)
        or perms.can_manage_assignments(actor, assignment.body)
    ):
        raise PermissionDenied
    if assignment.received_at is not None:
        return assignment
    with transaction.atomic():
        row = _locked(assignment)
        if row.received_at is None:
            row.received_at = timezone.now()
            row.save(update_fields=["received_at"])
            audit_append(
                actor=actor,
                verb="tracking.assignment_receive",
                obj=row,
                body=row.body_id,
                after={"received_at": row.received_at},
            )
    return row


def assignment_open(*, actor: User, assignment: Assignment) -> Assignment:
    """The assignee opened the work: the first time is kept, later openings change nothing.

    Opening also counts as reception. A closed item is not marked: it is no longer theirs.
    """
    if assignment.assignee_id != actor.pk:
        raise PermissionDenied
    if assignment.first_opened_at is not None or not assignment.is_open:
        return assignment
    with transaction.atomic():
        row = _locked(assignment)
        if row.first_opened_at is None and row.is_open:
            now = timezone.now()
            row.first_opened_at = now
            row.received_at = row.received_at or now
            row.save(update_fields=["first_opened_at", "received_at"])
            audit_append(
                actor=actor,
                verb="tracking.assignment_open",
                obj=row,
                body=row.body_id,
                after={"first_opened_at": now},
            )
    return row


def assignments_open_for_subject(*, actor: User, subject_type: str, subject_id: str) -> int:
    """Mark every open, not yet opened item of ``actor`` on this subject opened.

    What a page calls when a person opens the subject (a ballot): cheap when there is
    nothing to record (one read, no write). Returns how many were marked.
    """
    if not actor.is_authenticated:
        return 0
    unopened = list(
        Assignment.objects.filter(
            assignee=actor,
            subject_type=subject_type,
            subject_id=str(subject_id),
            first_opened_at__isnull=True,
            done_at__isnull=True,
            cancelled_at__isnull=True,
        )
    )
    marked = 0
    for assignment in unopened:
        if assignment_open(actor=actor, assignment=assignment).first_opened_at is not None:
            marked += 1
    return marked


def assignment_done(*, actor: User | None, assignment: Assignment) -> Assignment:
    """The work is done (answered, reviewed, approved). Finishing twice keeps the first time."""
    if not perms.can_complete_assignment(actor, assignment):
        raise PermissionDenied
    if assignment.done_at is not None:
        return assignment
    with transaction.atomic():
        row = _locked(assignment)
        if row.done_at is not None:
            return row
        if row.cancelled_at is not None:
            raise InvalidTransition(_("Việc này đã bị hủy, không thể ghi nhận là đã xử lý."))
        MACHINE.target("done", row.status)
        now = timezone.now()
        row.done_at = now
        row.next_reminder_at = None
        row.save(update_fields=["done_at", "next_reminder_at"])
        audit_append(
            actor=actor,
            verb="tracking.assignment_done",
            obj=row,
            body=row.body_id,
            after={
                "done_at": now,
                "late": row.was_late(),
                "on_behalf": actor is not None and actor.pk != row.assignee_id,
            },
        )
    return row


def _cancel_locked(row: Assignment, *, actor: User | None, reason: str, now: datetime) -> None:
    MACHINE.target("cancel", row.status)
    row.cancelled_at = now
    row.cancel_reason = reason
    row.next_reminder_at = None
    row.save(update_fields=["cancelled_at", "cancel_reason", "next_reminder_at"])
    audit_append(
        actor=actor,
        verb="tracking.assignment_cancel",
        obj=row,
        body=row.body_id,
        after={"cancelled_at": now, "reason": reason},
    )


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise DomainError(_("Cần nêu lý do hủy việc."), code="no_reason")
    return reason


def assignment_cancel(*, actor: User | None, assignment: Assignment, reason: str) -> Assignment:
    """Withdraw open work (the ballot was withdrawn or closed without this answer).

    Cancelling twice changes nothing; finished work cannot be cancelled.
    """
    if not perms.can_manage_assignments(actor, assignment.body):
        raise PermissionDenied
    reason = _clean_reason(reason)
    if assignment.cancelled_at is not None:
        return assignment
    with transaction.atomic():
        row = _locked(assignment)
        if row.cancelled_at is not None:
            return row
        if row.done_at is not None:
            raise InvalidTransition(_("Việc này đã xử lý xong, không thể hủy."))
        _cancel_locked(row, actor=actor, reason=reason, now=timezone.now())
    return row


def assignments_cancel_for_subject(
    *,
    actor: User | None,
    body: Body,
    subject_type: str,
    subject_id: str,
    reason: str,
    kind: str | None = None,
) -> int:
    """Withdraw every open item of the body on this subject (optionally of one kind).

    Finished items stay as they are. Returns how many were cancelled.
    """
    if not perms.can_manage_assignments(actor, body):
        raise PermissionDenied
    reason = _clean_reason(reason)
    with transaction.atomic():
        rows = Assignment.objects.select_for_update().filter(
            body=body,
            subject_type=subject_type,
            subject_id=str(subject_id),
            done_at__isnull=True,
            cancelled_at__isnull=True,
        )
        if kind is not None:
            rows = rows.filter(kind=kind)
        now = timezone.now()
        count = 0
        for row in rows.order_by("pk"):
            _cancel_locked(row, actor=actor, reason=reason, now=now)
            count += 1
    return count


def assignment_reschedule(
    *, actor: User | None, assignment: Assignment, due_at: datetime, notify: bool = True
) -> Assignment:
    """Move the deadline of open work. Reminders start over for the new deadline."""
    if not perms.can_manage_assignments(actor, assignment.body):
        raise PermissionDenied
    now = timezone.now()
    _check_due(due_at, now)
    policy = policy_for(assignment.body_id)
    with transaction.atomic():
        row = _locked(assignment)
        if not row.is_open:
            raise InvalidTransition(_("Việc này đã kết thúc, không thể đổi hạn xử lý."))
        MACHINE.target("reschedule", row.status)
        before = {"due_at": row.due_at, "cycle": row.cycle}
        row.due_at = due_at
        row.overdue_since = None
        row.cycle = F("cycle") + 1
        row.cycle_started_at = now
        row.next_reminder_at = _first_reminder_at(due_at, policy, now)
        row.save(
            update_fields=[
                "due_at",
                "overdue_since",
                "cycle",
                "cycle_started_at",
                "next_reminder_at",
            ]
        )
        row.refresh_from_db()
        audit_append(
            actor=actor,
            verb="tracking.assignment_reschedule",
            obj=row,
            body=row.body_id,
            before=before,
            after={"due_at": due_at, "cycle": row.cycle},
        )
        if notify:
            assignee = row.assignee
            texts = _in_language(
                assignee,
                lambda: {
                    "title": _("Điều chỉnh hạn xử lý: %(title)s") % {"title": row.title},
                    "text": _due_text(row),
                },
            )
            notification_send(
                user=assignee, url=row.url, body=row.body, title=texts["title"], text=texts["text"]
            )
    return row


# --- The body's policy ---------------------------------------------------------------------


def tracking_settings_update(
    *,
    actor: User,
    body: Body,
    remind_before: list[dict[str, int]],
    at_deadline: bool,
    daily_after: bool,
    escalate_to_office: bool,
    old_item_days: int,
    version: int,
) -> TrackingSettings:
    """Set the body's reminder policy; open items follow it from their next reminder on."""
    if not perms.can_configure_tracking(actor, body):
        raise PermissionDenied
    try:
        offsets = parse_offsets(remind_before)
    except ValueError:
        raise DomainError(_("Thời điểm nhắc trước hạn không hợp lệ."), code="bad_offsets") from None
    if not 1 <= old_item_days <= OLD_ITEM_DAYS_MAX:
        raise DomainError(
            _("Ngưỡng tồn đọng phải từ 1 đến %(max)s ngày làm việc.") % {"max": OLD_ITEM_DAYS_MAX},
            code="bad_threshold",
        )
    return body_settings_update(
        TrackingSettings,
        actor=actor,
        body=body,
        values={
            "remind_before": [o.as_json() for o in offsets],
            "at_deadline": at_deadline,
            "daily_after": daily_after,
            "escalate_to_office": escalate_to_office,
            "old_item_days": old_item_days,
        },
        version=version,
        verb="tracking.settings_update",
        then=lambda row: _replan_open(body, Policy.of(row)),
    )


def _settings_values(row: TrackingSettings) -> dict[str, Any]:
    return {
        "remind_before": row.remind_before,
        "at_deadline": row.at_deadline,
        "daily_after": row.daily_after,
        "escalate_to_office": row.escalate_to_office,
        "old_item_days": row.old_item_days,
    }


def _replan_open(body: Body, policy: Policy) -> None:
    """Recompute the next reminder of the body's open items under a new policy.

    An item whose reminder is already due keeps it: the next scan sends it under the new
    policy, so a change of policy never swallows a reminder that was owed.
    """
    now = timezone.now()
    rows = list(
        Assignment.objects.select_for_update().filter(
            body=body, done_at__isnull=True, cancelled_at__isnull=True, due_at__isnull=False
        )
    )
    changed = []
    for row in rows:
        if row.next_reminder_at is not None and row.next_reminder_at <= now:
            continue
        assert row.due_at is not None
        stage = next_stage(row.due_at, policy, row.cycle_started_at, now)
        new = stage.at if stage is not None else None
        if new != row.next_reminder_at:
            row.next_reminder_at = new
            changed.append(row)
    Assignment.objects.bulk_update(changed, ["next_reminder_at"], batch_size=500)


# --- Reminders -----------------------------------------------------------------------------


def office_recipients(assignment: Assignment) -> list[User]:
    """Who hears of overdue work: its follow-up officer, or else the Office's staff and heads
    of department. Never the assignee themselves."""
    follower = assignment.follower
    if (
        follower is not None
        and follower.is_active
        and follower.pk != assignment.assignee_id
        and membership_in(follower, assignment.body) is not None
    ):
        return [follower]
    memberships = (
        Membership.objects.filter(
            body_id=assignment.body_id,
            is_active=True,
            user__is_active=True,
            role__in=ESCALATION_ROLES,
        )
        .exclude(user_id=assignment.assignee_id)
        .select_related("user")
        .order_by("precedence", "pk")
    )
    return [m.user for m in memberships]


def _assignee_texts(assignment: Assignment, stage: Stage) -> dict[str, str]:
    due = format_decree_datetime(assignment.due_at) if assignment.due_at else ""
    title = assignment.title
    if stage.phase == "before":
        if stage.unit == BEFORE_WORKING_DAYS:
            left = ngettext(
                "Còn %(n)s ngày làm việc đến hạn xử lý (%(due)s).",
                "Còn %(n)s ngày làm việc đến hạn xử lý (%(due)s).",
                stage.n,
            )
        else:
            left = ngettext(
                "Còn %(n)s giờ đến hạn xử lý (%(due)s).",
                "Còn %(n)s giờ đến hạn xử lý (%(due)s).",
                stage.n,
            )
        return {
            "title": _("Sắp đến hạn: %(title)s") % {"title": title},
            "text": left % {"n": stage.n, "due": due},
        }
    if stage.phase == "deadline":
        return {
            "title": _("Đã đến hạn: %(title)s") % {"title": title},
            "text": _("Đã đến hạn xử lý (%(due)s). Đề nghị hoàn thành ngay.") % {"due": due},
        }
    late = ngettext(
        "Đã quá hạn %(n)s ngày làm việc (hạn xử lý: %(due)s).",
        "Đã quá hạn %(n)s ngày làm việc (hạn xử lý: %(due)s).",
        stage.n,
    )
    return {
        "title": _("Quá hạn: %(title)s") % {"title": title},
        "text": late % {"n": stage.n, "due": due},
    }


def _office_texts(assignment: Assignment, stage: Stage) -> dict[str, str]:
    due = format_decree_datetime(assignment.due_at) if assignment.due_at else ""
    values = {"person": str(assignment.assignee), "title": assignment.title, "due": due}
    if stage.phase == "deadline":
        text = _("%(person)s chưa xử lý; đã đến hạn (%(due)s).") % values
    else:
        text = ngettext(
            "%(person)s chưa xử lý; quá hạn %(n)s ngày làm việc (hạn: %(due)s).",
            "%(person)s chưa xử lý; quá hạn %(n)s ngày làm việc (hạn: %(due)s).",
            stage.n,
        ) % {**values, "n": stage.n}
    return {
        "title": _("Quá hạn: %(person)s — %(title)s") % values,
        "text": f"{kind_label(assignment.kind)}. {text}",
    }


@dataclass
class _ScanCache:
    """Per-scan reads kept outside the write transactions (SQLite: no reads under the lock)."""

    policies: dict[int, Policy]
    offices: dict[tuple[int, int | None, int], list[User]]

    def policy(self, body_id: int) -> Policy:
        if body_id not in self.policies:
            self.policies[body_id] = policy_for(body_id)
        return self.policies[body_id]

    def office(self, assignment: Assignment) -> list[User]:
        key = (assignment.body_id, assignment.follower_id, assignment.assignee_id)
        if key not in self.offices:
            self.offices[key] = office_recipients(assignment)
        return self.offices[key]


def tracking_scan(now: datetime | None = None) -> int:
    """Send the reminders that are due; returns how many were sent.

    Reads only assignments whose ``next_reminder_at`` has come (a partial index). For each,
    the latest due stage is sent and the earlier ones that were missed (the worker was
    down) are recorded as skipped: one reminder, not one per missed stage. Safe to run in
    several workers at once: each assignment is handled under its row lock, and the unique
    (assignment, cycle, stage) constraint decides, inside a savepoint, who sends a stage.
    """
    now = now or timezone.now()
    due_ids = list(
        Assignment.objects.filter(
            next_reminder_at__lte=now, done_at__isnull=True, cancelled_at__isnull=True
        )
        .order_by("next_reminder_at", "pk")
        .values_list("pk", flat=True)
    )
    cache = _ScanCache({}, {})
    sent = 0
    for pk in due_ids:
        try:
            if _remind(pk, now, cache):
                sent += 1
        except Exception:
            # One broken item (a deleted user, a bad row) must not stop everyone's reminders.
            logger.exception("tracking: reminder of assignment %s failed", pk)
    return sent


def _remind(pk: int, now: datetime, cache: _ScanCache) -> bool:
    peek = Assignment.objects.select_related("assignee", "follower", "body").filter(pk=pk).first()
    if peek is None:
        return False
    policy = cache.policy(peek.body_id)
    office = cache.office(peek) if policy.escalate_to_office else []
    with transaction.atomic():
        row = (
            Assignment.objects.select_for_update()
            .filter(
                pk=pk,
                next_reminder_at__lte=now,
                done_at__isnull=True,
                cancelled_at__isnull=True,
            )
            .select_related("assignee", "body")
            .first()
        )
        if row is None:
            return False  # finished meanwhile, or another worker handled it
        if row.due_at is None:
            row.next_reminder_at = None
            row.save(update_fields=["next_reminder_at"])
            return False
        recorded = set(
            Reminder.objects.filter(assignment=row, cycle=row.cycle).values_list("stage", flat=True)
        )
        step = plan(row.due_at, policy, row.cycle_started_at, now, recorded)
        stage = step.send
        recipients: list[User] = []
        if stage is not None and stage.notify:
            if row.assignee.is_active:
                recipients.append(row.assignee)
            escalate = stage.overdue and policy.escalate_to_office
            if escalate:
                recipients.extend(u for u in office if u.pk != row.assignee_id)
        reminders = [
            Reminder(
                assignment=row,
                cycle=row.cycle,
                stage=s.code,
                scheduled_at=s.at,
                status=Reminder.Status.SKIPPED,
            )
            for s in step.skipped
        ]
        if stage is not None:
            sends = stage.notify
            reminders.append(
                Reminder(
                    assignment=row,
                    cycle=row.cycle,
                    stage=stage.code,
                    scheduled_at=stage.at,
                    status=Reminder.Status.SENT if sends else Reminder.Status.SKIPPED,
                    sent_at=now if sends else None,
                    recipients=[u.pk for u in recipients],
                    escalated=sends and any(u.pk != row.assignee_id for u in recipients),
                )
            )
        try:
            with transaction.atomic():
                Reminder.objects.bulk_create(reminders)
        except IntegrityError:
            # Another worker recorded these stages first; it sends them, we do not.
            return False
        fields = ["next_reminder_at"]
        row.next_reminder_at = step.next_at
        if row.overdue_since is None and now >= row.due_at:
            row.overdue_since = row.due_at
            fields.append("overdue_since")
        row.save(update_fields=fields)
        if stage is None:
            return False
        _send(row, stage, recipients)
        audit_append(
            actor=None,
            verb="tracking.reminder_send",
            obj=row,
            body=row.body_id,
            after={
                "cycle": row.cycle,
                "stage": stage.code,
                "sent": stage.notify,
                "skipped": [s.code for s in step.skipped],
                "recipients": [u.pk for u in recipients],
                "next_reminder_at": step.next_at,
            },
        )
        return stage.notify


def route_url(assignment: Assignment) -> str:
    """The route page of the assignment's subject (where the Office follows it up)."""
    return reverse(
        "tracking:route",
        kwargs={
            "code": assignment.body.code,
            "subject_type": assignment.subject_type,
            "subject_id": assignment.subject_id,
        },
    )


def _send(assignment: Assignment, stage: Stage, recipients: Iterable[User]) -> None:
    kind = NotificationKind.OVERDUE if stage.overdue else NotificationKind.REMINDER
    for user in recipients:
        if user.pk == assignment.assignee_id:
            texts = _in_language(user, _assignee_texts, assignment, stage)
            url = assignment.url
        else:
            texts = _in_language(user, _office_texts, assignment, stage)
            url = route_url(assignment)
        notification_send(
            user=user,
            url=url,
            body=assignment.body,
            kind=kind,
            title=texts["title"],
            text=texts["text"],
        )
