"""The handling-time ledger: every piece of work assigned to a person, and its reminders.

An ``Assignment`` is one person's piece of work on one subject (answer a ballot, review a
draft, approve sending): when it was assigned, when it reached them, when they first opened
it, when they finished it or it was withdrawn, its deadline and since when it is overdue. The
subject is a reference (type and id strings) so that any app can assign work without this
app knowing its models. A ``Reminder`` row records each reminder stage once: the unique
constraint is what guarantees that a stage is never sent twice, even by two workers at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body, Unit


def default_remind_before() -> list[dict[str, int]]:
    """Two working days and four hours before the deadline (issue 5, step 7)."""
    return [{"working_days": 2}, {"hours": 4}]


class TrackingSettings(models.Model):
    """A body's reminder policy. A body without a row uses the defaults of the fields."""

    body = models.OneToOneField(Body, on_delete=models.PROTECT, related_name="tracking_settings")
    # Offsets before the deadline: [{"working_days": n} | {"hours": n}, ...].
    remind_before = models.JSONField(_("nhắc trước hạn"), default=default_remind_before)
    at_deadline = models.BooleanField(_("nhắc khi đến hạn"), default=True)
    daily_after = models.BooleanField(_("nhắc hằng ngày sau hạn"), default=True)
    escalate_to_office = models.BooleanField(_("báo Văn phòng khi quá hạn"), default=True)
    # An open item held longer than this many working days is flagged on the dashboard.
    old_item_days = models.PositiveIntegerField(_("ngưỡng tồn đọng (ngày làm việc)"), default=7)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cấu hình nhắc việc")
        verbose_name_plural = _("cấu hình nhắc việc")
        constraints = [
            models.CheckConstraint(
                condition=Q(old_item_days__gte=1), name="tracking_settings_old_item_days_positive"
            )
        ]

    def __str__(self) -> str:
        return str(self.body)


class Assignment(models.Model):
    """One piece of work held by one person, from assignment to done or withdrawn."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang xử lý")
        DONE = "done", _("Đã xử lý")
        CANCELLED = "cancelled", _("Đã hủy")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("người xử lý"),
    )
    # The assignee's unit when the work was assigned: the dashboard groups by it even after
    # the person moves to another unit.
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who follows the item up in the Office (the ballot's follow-up officer); overdue
    # reminders go to them, or to the Office when nobody is named.
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("loại việc"), max_length=40)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    title = models.CharField(_("nội dung"), max_length=300)
    url = models.CharField(max_length=500, blank=True)
    assigned_at = models.DateTimeField(_("giao lúc"))
    received_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    first_opened_at = models.DateTimeField(_("mở lần đầu"), null=True, blank=True)
    done_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    cancel_reason = models.CharField(_("lý do hủy"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True, db_index=True)
    overdue_since = models.DateTimeField(_("quá hạn từ"), null=True, blank=True)
    # The next reminder stage's time; None when nothing more is to be sent. The scan reads
    # only this column (partial index below), never the whole table.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    # Incremented by each reschedule: reminder stages of an earlier deadline do not block
    # the same stages of the new one.
    cycle = models.PositiveIntegerField(default=1)
    # When the current cycle began (assignment or last reschedule): stages planned before
    # it are not reminders that were missed, they never applied.
    cycle_started_at = models.DateTimeField()

    class Meta:
        verbose_name = _("việc được giao")
        verbose_name_plural = _("việc được giao")
        ordering = ["assigned_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(next_reminder_at__isnull=False),
                name="tracking_next_reminder",
            ),
            models.Index(fields=["body", "assigned_at"], name="tracking_body_assigned"),
            models.Index(fields=["assignee", "done_at", "cancelled_at"], name="tracking_open"),
            models.Index(fields=["subject_type", "subject_id"], name="tracking_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=F("assigned_at")),
                name="tracking_received_after_assigned",
            ),
            models.CheckConstraint(
                condition=Q(first_opened_at__isnull=True)
                | Q(first_opened_at__gte=F("assigned_at")),
                name="tracking_opened_after_assigned",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_at__gte=F("assigned_at")),
                name="tracking_done_after_assigned",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=F("assigned_at")),
                name="tracking_cancelled_after_assigned",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="tracking_done_or_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(overdue_since__isnull=True)
                | Q(due_at__isnull=False, overdue_since__gte=F("due_at")),
                name="tracking_overdue_after_due",
            ),
            # Closed work is never reminded: the scan's index only holds open items.
            models.CheckConstraint(
                condition=Q(next_reminder_at__isnull=True)
                | Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="tracking_no_reminder_when_closed",
            ),
            # One open item per person, kind and subject: a second ballot to answer for the
            # same ballot is a bug, and a returned draft is a new item after the first closed.
            models.UniqueConstraint(
                fields=["assignee", "kind", "subject_type", "subject_id"],
                condition=Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="tracking_one_open_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.assignee}"

    @property
    def status(self) -> str:
        if self.done_at is not None:
            return self.Status.DONE
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        return self.Status.OPEN

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None

    @property
    def started_at(self) -> datetime:
        """When the person's clock starts: reception, or assignment if it was never received."""
        return self.received_at or self.assigned_at

    @property
    def closed_at(self) -> datetime | None:
        return self.done_at or self.cancelled_at

    def handling_time(self, now: datetime | None = None) -> timedelta:
        """How long the person has held it: until done or withdrawn, or until now."""
        end = self.closed_at or now or timezone.now()
        return max(end - self.started_at, timedelta(0))

    @property
    def held(self) -> timedelta:
        return self.handling_time()

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Open and past its deadline (finished late work is "late", not "overdue")."""
        return self.is_open and self.due_at is not None and self.due_at < (now or timezone.now())

    def was_late(self) -> bool:
        return self.done_at is not None and self.due_at is not None and self.done_at > self.due_at

    def audit_values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": f"{self.subject_type}:{self.subject_id}",
            "assignee": self.assignee_id,
            "due_at": self.due_at,
        }


class Reminder(models.Model):
    """One reminder stage of one assignment: sent once, or skipped (the worker was down)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Đã gửi")
        SKIPPED = "skipped", _("Bỏ qua (đã có lời nhắc muộn hơn)")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reminders")
    cycle = models.PositiveIntegerField(default=1)
    # "before-wd2", "before-h4", "deadline", "after-1", "after-2", ...
    stage = models.CharField(max_length=30)
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    # User ids notified (the assignee, and the Office on escalation).
    recipients = models.JSONField(default=list, blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("lời nhắc")
        verbose_name_plural = _("lời nhắc")
        ordering = ["assignment", "scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "cycle", "stage"], name="tracking_reminder_once"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | Q(status="skipped", sent_at__isnull=True),
                name="tracking_reminder_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.cycle}/{self.stage}"
