"""The ledger's pages through the test client, and the scan command."""

from __future__ import annotations

import io
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.tracking import services
from ecabinet.tracking.models import TrackingSettings
from ecabinet.tracking.tests.conftest import Assign, user, vn

pytestmark = pytest.mark.django_db

MON = vn(2025, 10, 6, 9)


def test_my_items_show_deadlines_overdue_in_red_and_recent_results(
    world: World, assign: Assign, client: Client
) -> None:
    now = timezone.now()
    late = assign(at=now - timedelta(days=2), due=now - timedelta(hours=3), subject_id="1")
    assign(
        at=now - timedelta(hours=1),
        due=now + timedelta(days=3),
        subject_id="2",
        title="Phiếu về Nghị định tiền lương",
    )
    finished = assign(
        at=now - timedelta(days=3),
        due=now + timedelta(days=1),
        subject_id="3",
        title="Phiếu về đề án chuyển đổi số",
    )
    member = user(world, "member")
    services.assignment_done(actor=member, assignment=finished)
    login_as(client, member)
    html = client.get("/theo-doi/cua-toi/").content.decode()
    assert html.index(late.title) < html.index("Phiếu về Nghị định tiền lương")
    assert '<li class="overdue">' in html
    assert "Quá hạn" in html
    assert "Chưa mở" in html
    assert "Phiếu về đề án chuyển đổi số" in html
    assert "Đúng hạn" in html
    # A member has no dashboard to open.
    assert "Theo dõi xử lý ·" not in html
    login_as(client, world.user("office"))
    assert "Theo dõi xử lý · CP" in client.get("/theo-doi/cua-toi/").content.decode()


def test_route_shows_every_holder_in_order_with_times(
    world: World, assign: Assign, client: Client
) -> None:
    office, chair = user(world, "office"), user(world, "chair")
    review = assign("office", at=MON, due=None, subject_id="5", kind="ballot.review")
    with time_machine.travel(MON + timedelta(hours=3), tick=False):
        services.assignment_open(actor=office, assignment=review)
    with time_machine.travel(MON + timedelta(days=1), tick=False):
        services.assignment_done(actor=office, assignment=review)
    approve = assign(
        "chair",
        at=MON + timedelta(days=1),
        due=MON + timedelta(days=2),
        subject_id="5",
        kind="ballot.approve",
    )
    with time_machine.travel(MON + timedelta(days=1, hours=2), tick=False):
        services.assignment_done(actor=chair, assignment=approve)
    login_as(client, world.user("office"))
    html = client.get(f"/theo-doi/{world.body.code}/lo-trinh/ballots.ballot/5/").content.decode()
    assert html.index("Xem xét dự thảo phiếu lấy ý kiến") < html.index(
        "Phê duyệt gửi phiếu lấy ý kiến"
    )
    assert "Người thử office" in html
    assert "12:00 06/10/2025" in html  # opened (Hà Nội time)
    assert "1 ngày" in html  # the office held it a day
    assert "2 giờ" in html  # the chair two hours
    assert "Đúng hạn" in html
    # A subject of nobody in this body, and a malformed one: 404.
    assert client.get(f"/theo-doi/{world.body.code}/lo-trinh/ballots.ballot/6/").status_code == 404
    assert client.get(f"/theo-doi/{world.body.code}/lo-trinh/x/5/").status_code == 404


def test_settings_page_saves_the_policy(world: World, client: Client) -> None:
    login_as(client, world.user("office"))
    url = f"/theo-doi/{world.body.code}/cau-hinh/"
    page = client.get(url).content.decode()
    assert 'value="2"' in page  # two working days before, the default
    bad = client.post(
        url,
        {"before_working_days": "2, 40", "before_hours": "4", "old_item_days": "7", "version": 0},
    )
    assert bad.status_code == 400
    assert "mỗi số phải từ 1 đến 20" in bad.content.decode()
    response = client.post(
        url,
        {
            "before_working_days": "3; 1",
            "before_hours": "",
            "at_deadline": "on",
            "old_item_days": "5",
            "version": 0,
        },
    )
    assert response.status_code == 302
    row = TrackingSettings.objects.get(body=world.body)
    assert row.remind_before == [{"working_days": 1}, {"working_days": 3}]
    assert (row.at_deadline, row.daily_after, row.escalate_to_office) == (True, False, False)
    assert row.old_item_days == 5
    stale = client.post(url, {"before_working_days": "2", "old_item_days": "7", "version": 1})
    assert stale.status_code == 400
    assert "người khác thay đổi" in stale.content.decode()


def test_command_runs_one_scan_and_prints_the_count(world: World, assign: Assign) -> None:
    assign(at=MON, due=MON + timedelta(days=1))
    out = io.StringIO()
    call_command("tracking_scan", stdout=out)
    assert out.getvalue().strip() == "1"


def test_command_loop_scans_until_told_to_stop(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    handlers: dict[int, Callable[..., Any]] = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: handlers.__setitem__(sig, handler))
    calls: list[int] = []

    def fake_scan() -> int:
        calls.append(1)
        if len(calls) == 2:
            handlers[signal.SIGTERM](signal.SIGTERM, None)  # what `ecabinet run` sends
        return 3

    monkeypatch.setattr(
        "ecabinet.tracking.management.commands.tracking_scan.tracking_scan", fake_scan
    )
    out = io.StringIO()
    call_command("tracking_scan", loop=1, stdout=out)
    assert len(calls) == 2
    assert out.getvalue().count("3 reminder(s) sent") == 2
