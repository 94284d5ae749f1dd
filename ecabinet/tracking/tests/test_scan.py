"""The reminder scan: stages in working days, the deadline, daily after it, escalation,
a worker that was down, two workers at once, and the clock exactly at a boundary."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections

from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.personas import World
from ecabinet.notifications.models import Notification, NotificationKind
from ecabinet.tracking import services
from ecabinet.tracking.models import Assignment, Reminder, TrackingSettings
from ecabinet.tracking.services import tracking_scan
from ecabinet.tracking.tasks import scan_due
from ecabinet.tracking.tests.conftest import Assign, user, vn

pytestmark = pytest.mark.django_db

# Monday 6 October 2025, due Tuesday 14 October 17:00: no holiday in between, one weekend.
MON = vn(2025, 10, 6, 9)
DUE = vn(2025, 10, 14, 17)
BEFORE_WD2 = vn(2025, 10, 10, 17)  # Friday: two working days before, across the weekend
BEFORE_H4 = vn(2025, 10, 14, 13)
AFTER_1 = vn(2025, 10, 15, 17)
AFTER_2 = vn(2025, 10, 16, 17)


def _notes(persona_user: object) -> list[Notification]:
    return list(Notification.objects.filter(user=persona_user).order_by("pk"))


def _stages(a: Assignment) -> list[tuple[str, str]]:
    return list(
        Reminder.objects.filter(assignment=a)
        .order_by("scheduled_at")
        .values_list("stage", "status")
    )


def test_every_stage_in_turn_exactly_at_its_time(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    member, office = user(world, "member"), user(world, "office")
    Notification.objects.all().delete()  # the "new item" notice

    # One minute early: nothing. Exactly at the stage: sent. Again: nothing more.
    assert tracking_scan(BEFORE_WD2 - timedelta(minutes=1)) == 0
    assert tracking_scan(BEFORE_WD2) == 1
    assert tracking_scan(BEFORE_WD2) == 0
    (note,) = _notes(member)
    assert note.kind == NotificationKind.REMINDER
    assert note.title.startswith("Sắp đến hạn: ")
    assert "Còn 2 ngày làm việc đến hạn xử lý (17:00, ngày 14 tháng 10 năm 2025)" in note.text
    a.refresh_from_db()
    assert a.next_reminder_at == BEFORE_H4
    assert a.overdue_since is None

    assert tracking_scan(BEFORE_H4) == 1
    assert "Còn 4 giờ đến hạn" in _notes(member)[-1].text
    assert _notes(office) == []  # not overdue yet: the Office is not told

    assert tracking_scan(DUE) == 1
    at_deadline = _notes(member)[-1]
    assert (at_deadline.kind, at_deadline.title[:12]) == (NotificationKind.OVERDUE, "Đã đến hạn: ")
    (escalation,) = _notes(office)
    assert escalation.title == (
        "Quá hạn: Người thử member — Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)"
    )
    assert escalation.url == f"/theo-doi/{world.body.code}/lo-trinh/ballots.ballot/1/"
    a.refresh_from_db()
    assert a.overdue_since == DUE
    assert a.next_reminder_at == AFTER_1

    assert tracking_scan(AFTER_1) == 1
    assert "Đã quá hạn 1 ngày làm việc" in _notes(member)[-1].text
    assert "quá hạn 1 ngày làm việc" in _notes(office)[-1].text
    a.refresh_from_db()
    assert a.next_reminder_at == AFTER_2
    assert _stages(a) == [
        ("before-wd2", "sent"),
        ("before-h4", "sent"),
        ("deadline", "sent"),
        ("after-1", "sent"),
    ]
    assert AuditEvent.objects.filter(verb="tracking.reminder_send").count() == 4
    # Only the chair and member personas hold seats: the Office recipients are the office
    # staff persona, never the chair or the observer.
    assert _notes(user(world, "chair")) == []


def test_working_days_skip_a_vietnamese_holiday(world: World, assign: Assign) -> None:
    # Due Wednesday 3 September 2025; Monday 1 and Tuesday 2 September are National Day
    # holidays, so two working days before is Thursday 28 August.
    a = assign(at=vn(2025, 8, 25, 9), due=vn(2025, 9, 3, 17))
    assert a.next_reminder_at == vn(2025, 8, 28, 17)
    # Due Friday 29 August: the first day after it is Wednesday 3 September.
    b = assign(at=vn(2025, 8, 25, 9), due=vn(2025, 8, 29, 17), subject_id="2")
    assert tracking_scan(vn(2025, 8, 29, 17)) == 2  # a's reminder and b's deadline
    b.refresh_from_db()
    assert b.next_reminder_at == vn(2025, 9, 3, 17)


def test_worker_down_for_a_day_sends_one_reminder_not_one_per_stage(
    world: World, assign: Assign
) -> None:
    a = assign(at=MON, due=DUE)
    member, office = user(world, "member"), user(world, "office")
    assert tracking_scan(BEFORE_WD2) == 1
    Notification.objects.all().delete()
    # Nobody scanned from Friday until Wednesday 18:00: the 4-hour, deadline and first-day
    # stages all passed. One reminder goes out (the latest); the others are recorded skipped.
    assert tracking_scan(AFTER_1 + timedelta(hours=1)) == 1
    (note,) = _notes(member)
    assert "Đã quá hạn 1 ngày làm việc" in note.text
    assert len(_notes(office)) == 1
    assert _stages(a) == [
        ("before-wd2", "sent"),
        ("before-h4", "skipped"),
        ("deadline", "skipped"),
        ("after-1", "sent"),
    ]
    skipped = Reminder.objects.filter(assignment=a, status="skipped")
    assert all(r.sent_at is None for r in skipped)
    a.refresh_from_db()
    assert (a.overdue_since, a.next_reminder_at) == (DUE, AFTER_2)
    assert tracking_scan(AFTER_1 + timedelta(hours=2)) == 0
    event = AuditEvent.objects.filter(verb="tracking.reminder_send").latest("seq")
    assert event.after["skipped"] == ["before-h4", "deadline"]


def test_a_stage_recorded_by_another_worker_is_not_sent_again(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    Notification.objects.all().delete()
    # Another worker has just inserted the stage (its transaction holds the unique key).
    Reminder.objects.create(
        assignment=a,
        cycle=1,
        stage="before-wd2",
        scheduled_at=BEFORE_WD2,
        status="sent",
        sent_at=BEFORE_WD2,
    )
    assert tracking_scan(BEFORE_WD2) == 0
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(verb="tracking.reminder_send").exists()


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_stage_once(world: World, assign: Assign) -> None:
    items = [assign(at=MON, due=DUE, subject_id=str(n)) for n in range(4)]
    Notification.objects.all().delete()
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(tracking_scan(DUE))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 4
    member = user(world, "member")
    assert Notification.objects.filter(user=member).count() == 4
    assert Reminder.objects.filter(status="sent").count() == 4
    for a in items:
        assert Reminder.objects.filter(assignment=a, status="sent").count() == 1


def test_follower_alone_hears_of_overdue_work(world: World, assign: Assign) -> None:
    chair = user(world, "chair")
    assign(at=MON, due=DUE, follower=chair)
    Notification.objects.all().delete()
    assert tracking_scan(DUE) == 1
    assert len(_notes(chair)) == 1
    assert _notes(user(world, "office")) == []


def test_policy_without_escalation_daily_or_deadline_reminders(
    world: World, assign: Assign
) -> None:
    TrackingSettings.objects.create(
        body=world.body,
        remind_before=[],
        at_deadline=False,
        daily_after=False,
        escalate_to_office=False,
    )
    a = assign(at=MON, due=DUE)
    Notification.objects.all().delete()
    # Only the silent deadline stage remains: it marks the item overdue and tells no one.
    assert a.next_reminder_at == DUE
    assert tracking_scan(DUE + timedelta(minutes=5)) == 0
    assert not Notification.objects.exists()
    a.refresh_from_db()
    assert (a.overdue_since, a.next_reminder_at) == (DUE, None)
    assert _stages(a) == [("deadline", "skipped")]


def test_stages_before_the_assignment_never_apply(world: World, assign: Assign) -> None:
    # Sent on Tuesday at 10:00 for 17:00 the same day: only "4 hours before" and later.
    a = assign(at=vn(2025, 10, 14, 10), due=DUE)
    assert a.next_reminder_at == BEFORE_H4
    assert tracking_scan(BEFORE_H4) == 1
    assert _stages(a) == [("before-h4", "sent")]


def test_finished_and_undated_items_are_not_reminded(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    undated = assign(at=MON, due=None, subject_id="2")
    assert undated.next_reminder_at is None
    services.assignment_done(actor=user(world, "member"), assignment=a)
    Notification.objects.all().delete()
    assert tracking_scan(AFTER_2) == 0
    assert not Notification.objects.exists()


def test_an_inactive_assignee_is_not_notified_but_the_office_is(
    world: World, assign: Assign
) -> None:
    assign(at=MON, due=DUE)
    member = user(world, "member")
    member.is_active = False
    member.save()
    Notification.objects.all().delete()
    assert tracking_scan(DUE) == 1
    assert _notes(member) == []
    assert len(_notes(user(world, "office"))) == 1


def test_reminders_start_over_after_a_reschedule(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    assert tracking_scan(BEFORE_WD2) == 1
    later = vn(2025, 10, 21, 17)
    with time_machine.travel(BEFORE_WD2 + timedelta(hours=1), tick=False):
        services.assignment_reschedule(actor=None, assignment=a, due_at=later)
    a.refresh_from_db()
    assert a.next_reminder_at == vn(2025, 10, 17, 17)
    assert tracking_scan(vn(2025, 10, 17, 17)) == 1
    assert list(
        Reminder.objects.filter(assignment=a).values_list("cycle", "stage").order_by("pk")
    ) == [(1, "before-wd2"), (2, "before-wd2")]


def test_the_task_runs_one_scan(world: World, assign: Assign) -> None:
    assign(at=MON, due=DUE)
    # The real clock is long past October 2025: the latest stage goes out once.
    assert scan_due.call() == 1
    assert scan_due.call() == 0
