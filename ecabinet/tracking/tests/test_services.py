"""Assignments through their life: create, receive, open, done, cancel, reschedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.core.waiting import registry
from ecabinet.notifications.models import Notification
from ecabinet.tracking import selectors, services
from ecabinet.tracking.models import Assignment, TrackingSettings
from ecabinet.tracking.tests.conftest import Assign, user, vn
from ecabinet.tracking.waiting import waiting_items

pytestmark = pytest.mark.django_db

MON = vn(2025, 10, 6, 9)  # Monday 6 October 2025, 09:00 in Hà Nội
DUE = vn(2025, 10, 14, 17)  # Tuesday of the next week, 17:00


def _events(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def test_create_notifies_the_assignee_and_plans_the_first_reminder(
    world: World, assign: Assign
) -> None:
    a = assign(at=MON, due=DUE)
    member = user(world, "member")
    assert (a.assignee, a.body, a.unit) == (member, world.body, world.memberships["member"].unit)
    assert a.assigned_at == a.received_at == a.cycle_started_at == MON
    assert a.assigned_by == user(world, "office")
    # Two working days before Tuesday 17:00 is the Friday before, across the weekend.
    assert a.next_reminder_at == vn(2025, 10, 10, 17)
    note = Notification.objects.get(user=member)
    assert note.title == "Việc mới: Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)"
    assert "Trả lời phiếu lấy ý kiến" in note.text
    assert "17:00, ngày 14 tháng 10 năm 2025" in note.text
    assert note.url == "/phieu/1/"
    event = AuditEvent.objects.get(verb="tracking.assignment_create")
    assert (event.body_id, event.object_id) == (world.body.pk, str(a.pk))


def test_create_without_notice_is_received_later_once(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE, notify=False)
    assert a.received_at is None
    assert not Notification.objects.exists()
    with time_machine.travel(MON + timedelta(hours=1), tick=False):
        a = services.assignment_receive(actor=None, assignment=a)
    assert a.received_at == MON + timedelta(hours=1)
    again = services.assignment_receive(actor=user(world, "member"), assignment=a)
    assert again.received_at == MON + timedelta(hours=1)
    assert _events("tracking.assignment_receive") == 1


def test_create_refusals(world: World, assign: Assign) -> None:
    with pytest.raises(DomainError, match="Hạn xử lý phải sau"):
        assign(at=MON, due=MON - timedelta(minutes=1))
    with pytest.raises(DomainError, match="không phải là thành viên"):
        assign("outsider", at=MON, due=DUE)
    with pytest.raises(PermissionDenied):
        assign(at=MON, due=DUE, actor="member")
    with pytest.raises(PermissionDenied):
        assign(at=MON, due=DUE, actor="observer")
    with pytest.raises(ValueError, match="kind"):
        assign(at=MON, due=DUE, kind="Trả lời")
    with pytest.raises(DomainError, match="Người theo dõi"):
        assign(at=MON, due=DUE, follower=user(world, "outsider"))
    assert not Assignment.objects.exists()
    assert not Notification.objects.exists()


def test_one_open_item_per_person_kind_and_subject(world: World, assign: Assign) -> None:
    first = assign(at=MON, due=DUE)
    with pytest.raises(DomainError, match="đang có việc này"):
        assign(at=MON, due=DUE)
    # The database says the same when the check is bypassed (two requests racing).
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            body=world.body,
            assignee=first.assignee,
            kind=first.kind,
            subject_type=first.subject_type,
            subject_id=first.subject_id,
            title="x",
            assigned_at=MON,
            cycle_started_at=MON,
        )
    # Another kind, or the same after the first is finished, is fine.
    assign(at=MON, due=DUE, kind="ballot.review")
    services.assignment_done(actor=user(world, "member"), assignment=first)
    assign(at=MON + timedelta(hours=1), due=DUE)
    assert Assignment.objects.count() == 3


def test_opening_is_recorded_once(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    member = user(world, "member")
    with time_machine.travel(MON + timedelta(hours=2), tick=False):
        assert (
            services.assignments_open_for_subject(
                actor=member, subject_type="ballots.ballot", subject_id="1"
            )
            == 1
        )
    with time_machine.travel(MON + timedelta(hours=5), tick=False):
        assert (
            services.assignments_open_for_subject(
                actor=member, subject_type="ballots.ballot", subject_id="1"
            )
            == 0
        )
        services.assignment_open(actor=member, assignment=a)
    a.refresh_from_db()
    assert a.first_opened_at == MON + timedelta(hours=2)
    assert _events("tracking.assignment_open") == 1
    with pytest.raises(PermissionDenied):
        services.assignment_open(actor=user(world, "office"), assignment=a)


def test_opening_counts_as_reception(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE, notify=False)
    with time_machine.travel(MON + timedelta(hours=3), tick=False):
        a = services.assignment_open(actor=user(world, "member"), assignment=a)
    assert a.received_at == a.first_opened_at == MON + timedelta(hours=3)


def test_opening_a_withdrawn_item_records_nothing(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    services.assignment_cancel(actor=None, assignment=a, reason="Rút phiếu")
    a.refresh_from_db()
    services.assignment_open(actor=user(world, "member"), assignment=a)
    a.refresh_from_db()
    assert a.first_opened_at is None


def test_done_stops_reminders_and_a_second_done_keeps_the_first_time(
    world: World, assign: Assign
) -> None:
    a = assign(at=MON, due=DUE)
    member = user(world, "member")
    with time_machine.travel(MON + timedelta(days=1), tick=False):
        a = services.assignment_done(actor=member, assignment=a)
    assert a.done_at == MON + timedelta(days=1)
    assert a.next_reminder_at is None
    with time_machine.travel(MON + timedelta(days=2), tick=False):
        again = services.assignment_done(actor=member, assignment=a)
        # A stale copy of the row (a double click in another tab) changes nothing either.
        stale = Assignment.objects.get(pk=a.pk)
        stale.done_at = None
        services.assignment_done(actor=member, assignment=stale)
    a.refresh_from_db()
    assert again.done_at == a.done_at == MON + timedelta(days=1)
    assert _events("tracking.assignment_done") == 1
    assert AuditEvent.objects.get(verb="tracking.assignment_done").after["late"] is False


def test_done_after_the_deadline_is_late(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        a = services.assignment_done(actor=user(world, "member"), assignment=a)
    assert a.was_late()
    assert AuditEvent.objects.get(verb="tracking.assignment_done").after["late"] is True


def test_who_may_finish_an_item(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    for persona in ("observer", "agency", "outsider"):
        with pytest.raises(PermissionDenied):
            services.assignment_done(actor=user(world, persona), assignment=a)
    # The member's substitute (an active delegation) answers on their behalf.
    with time_machine.travel(timezone.now(), tick=False):
        a = services.assignment_done(actor=user(world, "substitute"), assignment=a)
    assert a.done_at is not None
    assert AuditEvent.objects.get(verb="tracking.assignment_done").after["on_behalf"] is True


def test_cancel_needs_a_reason_and_cannot_undo_finished_work(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    office = user(world, "office")
    with pytest.raises(DomainError, match="lý do"):
        services.assignment_cancel(actor=office, assignment=a, reason="  ")
    with pytest.raises(PermissionDenied):
        services.assignment_cancel(actor=user(world, "member"), assignment=a, reason="Không")
    a = services.assignment_cancel(actor=office, assignment=a, reason="Rút phiếu  lấy ý kiến")
    assert a.cancel_reason == "Rút phiếu lấy ý kiến"
    assert a.next_reminder_at is None
    services.assignment_cancel(actor=office, assignment=a, reason="Lần hai")
    assert _events("tracking.assignment_cancel") == 1
    with pytest.raises(InvalidTransition, match="đã bị hủy"):
        services.assignment_done(actor=user(world, "member"), assignment=a)

    done = assign(at=MON, due=DUE, subject_id="2")
    services.assignment_done(actor=user(world, "member"), assignment=done)
    with pytest.raises(InvalidTransition, match="đã xử lý xong"):
        services.assignment_cancel(actor=office, assignment=done, reason="Muộn")


def test_cancel_for_subject_leaves_finished_items(world: World, assign: Assign) -> None:
    answered = assign("member", at=MON, due=DUE, subject_id="9")
    pending = assign("chair", at=MON, due=DUE, subject_id="9")
    other = assign("member", at=MON, due=DUE, subject_id="10")
    services.assignment_done(actor=user(world, "member"), assignment=answered)
    count = services.assignments_cancel_for_subject(
        actor=user(world, "office"),
        body=world.body,
        subject_type="ballots.ballot",
        subject_id="9",
        reason="Đóng phiếu",
    )
    assert count == 1
    answered.refresh_from_db()
    pending.refresh_from_db()
    other.refresh_from_db()
    assert answered.status == "done"
    assert (pending.status, pending.cancel_reason) == ("cancelled", "Đóng phiếu")
    assert other.status == "open"


def test_reschedule_starts_a_new_cycle_and_tells_the_assignee(world: World, assign: Assign) -> None:
    a = assign(at=MON, due=DUE)
    later = vn(2025, 10, 21, 17)
    with time_machine.travel(MON + timedelta(hours=1), tick=False):
        a = services.assignment_reschedule(actor=user(world, "office"), assignment=a, due_at=later)
    assert (a.due_at, a.cycle) == (later, 2)
    assert a.cycle_started_at == MON + timedelta(hours=1)
    assert a.next_reminder_at == vn(2025, 10, 17, 17)
    assert Notification.objects.filter(title__startswith="Điều chỉnh hạn xử lý").count() == 1
    event = AuditEvent.objects.get(verb="tracking.assignment_reschedule")
    assert event.before["cycle"] == 1
    with pytest.raises(DomainError, match="Hạn xử lý phải sau"):
        services.assignment_reschedule(actor=None, assignment=a, due_at=MON)
    services.assignment_done(actor=None, assignment=a)
    with pytest.raises(InvalidTransition):
        services.assignment_reschedule(actor=None, assignment=a, due_at=vn(2030, 1, 2, 9))


def test_settings_update_checks_its_input_and_replans_open_items(
    world: World, assign: Assign
) -> None:
    office = user(world, "office")
    with time_machine.travel(MON, tick=False):
        a = assign(at=MON, due=DUE)
        with pytest.raises(PermissionDenied):
            services.tracking_settings_update(
                actor=user(world, "member"),
                body=world.body,
                remind_before=[],
                at_deadline=True,
                daily_after=True,
                escalate_to_office=True,
                old_item_days=7,
                version=0,
            )
        with pytest.raises(DomainError, match="không hợp lệ"):
            services.tracking_settings_update(
                actor=office,
                body=world.body,
                remind_before=[{"weeks": 1}],
                at_deadline=True,
                daily_after=True,
                escalate_to_office=True,
                old_item_days=7,
                version=0,
            )
        row = services.tracking_settings_update(
            actor=office,
            body=world.body,
            remind_before=[{"working_days": 3}],
            at_deadline=True,
            daily_after=False,
            escalate_to_office=False,
            old_item_days=5,
            version=0,
        )
        assert (row.version, row.remind_before) == (2, [{"working_days": 3}])
        a.refresh_from_db()
        # Three working days before Tuesday 17:00: Thursday 9 October.
        assert a.next_reminder_at == vn(2025, 10, 9, 17)
        with pytest.raises(DomainError, match="người khác"):
            services.tracking_settings_update(
                actor=office,
                body=world.body,
                remind_before=[],
                at_deadline=True,
                daily_after=True,
                escalate_to_office=True,
                old_item_days=7,
                version=1,
            )
    assert TrackingSettings.objects.get(body=world.body).old_item_days == 5
    assert _events("tracking.settings_update") == 1


def test_waiting_for_me_lists_ballot_items_with_overdue_ones_in_red(
    world: World, assign: Assign, client: Client
) -> None:
    now = timezone.now()
    assign(at=now - timedelta(days=3), due=now - timedelta(hours=1), subject_id="1")
    assign(
        at=now - timedelta(days=1),
        due=now + timedelta(days=2),
        subject_id="2",
        title="Phiếu lấy ý kiến về Nghị định tiền lương",
    )
    # A kind without a home-page section stays off the home page ("my items" lists it).
    assign(
        at=now,
        due=now + timedelta(days=2),
        subject_id="3",
        kind="resolution.consult",
        title="Dự thảo nghị quyết phiên họp",
    )
    login_as(client, world.user("member"))
    html = client.get("/").content.decode()
    assert "Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)" in html
    assert "Phiếu lấy ý kiến về Nghị định tiền lương" in html
    assert '<li class="overdue">' in html
    assert "1 quá hạn" in html
    assert "Dự thảo nghị quyết phiên họp" not in html
    assert "Dự thảo nghị quyết phiên họp" in client.get("/theo-doi/cua-toi/").content.decode()
    # Another member sees none of it.
    login_as(client, world.user("chair"))
    assert "Nghị định tiền lương" not in client.get("/").content.decode()


def test_waiting_provider_is_registered_and_costs_no_query_for_an_unsaved_user(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    assert any(
        getattr(p, "__name__", "") == "tracking_waiting_ballots"
        for p in registry._providers["ballots"]
    )
    with django_assert_num_queries(0):
        assert waiting_items(User(username="x"), "ballots") == []


def test_waiting_items_cost_one_query_however_many(
    world: World, assign: Assign, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    now = timezone.now()
    for n in range(5):
        assign(at=now, due=now + timedelta(days=n + 1), subject_id=str(n))
    member = user(world, "member")
    with django_assert_num_queries(1):
        items = waiting_items(member, "ballots")
    assert [i.url for i in items] == [f"/phieu/{n}/" for n in range(5)]


def test_items_of_a_body_left_are_no_longer_waiting(world: World, assign: Assign) -> None:
    now = timezone.now()
    assign(at=now, due=now + timedelta(days=1))
    membership = world.memberships["member"]
    membership.is_active = False
    membership.save()
    assert list(selectors.open_assignments_for(user(world, "member"))) == []
