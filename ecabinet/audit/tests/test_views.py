"""The audit trail pages: who may read them, filters, pagination, one event's before/after."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.tests import helpers as h
from ecabinet.bodies.models import Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def list_url(world: World) -> str:
    return reverse("audit:list", kwargs={"body_code": world.body.code})


def detail_url(world: World, seq: int) -> str:
    return reverse("audit:detail", kwargs={"body_code": world.body.code, "seq": seq})


def seqs(response: Any) -> list[int]:
    return [event.seq for event in response.context["page_obj"]]


def as_chair(client: Client, world: World) -> Client:
    return login_as(client, world.user("chair"))


def test_chair_sees_the_bodys_events_newest_first(world: World, client: Client) -> None:
    mine = [h.append("body.step", body=world.body, object_repr=f"Việc {n}") for n in range(3)]
    h.append("body.elsewhere", body=world.other_body)
    h.append("system.started")
    response = as_chair(client, world).get(list_url(world))
    assert response.status_code == 200
    assert seqs(response) == [e.seq for e in reversed(mine)]
    html = response.content.decode()
    assert "Việc 2" in html
    assert "body.elsewhere" not in html
    assert 'class="table-wrap"' in html
    assert detail_url(world, mine[0].seq) in html


@pytest.mark.parametrize("role", [Role.OFFICE_LEADER, Role.SECURITY, Role.BODY_ADMIN])
def test_other_audit_readers_see_the_trail(world: World, client: Client, role: str) -> None:
    reader = MembershipFactory(body=world.body, role=role).user
    event = h.append("body.step", body=world.body)
    login_as(client, reader)
    assert client.get(list_url(world)).status_code == 200
    assert client.get(detail_url(world, event.seq)).status_code == 200


def test_an_extra_grant_of_audit_view_opens_the_trail(world: World, client: Client) -> None:
    membership = world.memberships["member"]
    membership.extra_permissions = ["audit.view"]
    membership.save()
    login_as(client, world.user("member"))
    assert client.get(list_url(world)).status_code == 200


def test_system_administrator_sees_any_body(world: World, client: Client) -> None:
    event = h.append("body.step", body=world.other_body)
    login_as(client, world.user("admin"))
    url = reverse("audit:list", kwargs={"body_code": world.other_body.code})
    response = client.get(url)
    assert response.status_code == 200
    assert seqs(response) == [event.seq]


@pytest.mark.parametrize("persona", ["office", "member", "substitute", "agency", "observer"])
def test_members_without_audit_view_get_403(world: World, client: Client, persona: str) -> None:
    event = h.append("body.step", body=world.body)
    login_as(client, world.user(persona))
    assert client.get(list_url(world)).status_code == 403
    assert client.get(detail_url(world, event.seq)).status_code == 403


def test_outsider_gets_404(world: World, client: Client) -> None:
    event = h.append("body.step", body=world.body)
    login_as(client, world.user("outsider"))
    assert client.get(list_url(world)).status_code == 404
    assert client.get(detail_url(world, event.seq)).status_code == 404


def test_anonymous_is_sent_to_login(world: World, client: Client) -> None:
    response = client.get(list_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_list_is_paginated_by_fifty(world: World, client: Client) -> None:
    events = [h.append("body.step", body=world.body) for _ in range(55)]
    as_chair(client, world)
    first = client.get(list_url(world))
    assert len(seqs(first)) == 50
    assert seqs(first)[0] == events[-1].seq
    assert 'class="pagination"' in first.content.decode()
    second = client.get(list_url(world), {"page": 2})
    assert seqs(second) == [e.seq for e in reversed(events[:5])]
    # A page number that is not one is not an error.
    assert client.get(list_url(world), {"page": "abc"}).status_code == 200
    assert seqs(client.get(list_url(world), {"page": 99})) == seqs(second)


def test_list_costs_the_same_queries_for_few_or_many_events(world: World, client: Client) -> None:
    h.append("body.step", body=world.body)
    as_chair(client, world)
    client.get(list_url(world))  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(list_url(world))
    for _ in range(60):
        h.append("body.step", body=world.body)
    with CaptureQueriesContext(connection) as many:
        client.get(list_url(world), {"page": 2})
    assert len(many) == len(few)


def test_filter_by_verb_exact_or_family(world: World, client: Client) -> None:
    sent = h.append("ballot.send", body=world.body)
    closed = h.append("ballot.close", body=world.body)
    h.append("ballotbox.open", body=world.body)
    h.append("meeting.open", body=world.body)
    as_chair(client, world)
    assert seqs(client.get(list_url(world), {"verb": "ballot.send"})) == [sent.seq]
    assert seqs(client.get(list_url(world), {"verb": "ballot"})) == [closed.seq, sent.seq]
    assert seqs(client.get(list_url(world), {"verb": "ballot."})) == [closed.seq, sent.seq]


def test_filter_by_actor_name(world: World, client: Client) -> None:
    by_chair = h.append("body.step", body=world.body, actor=world.user("chair"))
    h.append("body.step", body=world.body, actor=world.user("office"))
    as_chair(client, world)
    response = client.get(list_url(world), {"actor": "thử chair"})
    assert seqs(response) == [by_chair.seq]


def test_filter_by_local_calendar_days(world: World, client: Client) -> None:
    def at(day: int, hour: int) -> Any:
        return time_machine.travel(datetime(2026, 3, day, hour, 30, tzinfo=HANOI), tick=False)

    with at(9, 23):
        h.append("body.step", body=world.body)
    with at(10, 0):  # 17:30 on the 9th in UTC: still the 10th in Hà Nội
        tenth_early = h.append("body.step", body=world.body)
    with at(10, 23):
        tenth_late = h.append("body.step", body=world.body)
    with at(11, 8):
        eleventh = h.append("body.step", body=world.body)
    as_chair(client, world)
    one_day = {"date_from": "2026-03-10", "date_to": "2026-03-10"}
    assert seqs(client.get(list_url(world), one_day)) == [tenth_late.seq, tenth_early.seq]
    since = seqs(client.get(list_url(world), {"date_from": "2026-03-10"}))
    assert since == [eleventh.seq, tenth_late.seq, tenth_early.seq]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"verb": "Phiếu; DROP TABLE"}, "verb"),
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_to": "hôm qua"}, "date_to"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"actor": "x" * 201}, "actor"),
    ],
)
def test_invalid_filters_are_explained_not_errors(
    world: World, client: Client, query: dict[str, str], field: str
) -> None:
    event = h.append("body.step", body=world.body)
    as_chair(client, world)
    response = client.get(list_url(world), query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Một số giá trị lọc không hợp lệ" in response.content.decode()
    # The invalid value filters nothing; the page still lists the events.
    assert seqs(response) == [event.seq]


def test_valid_filters_still_apply_next_to_an_invalid_one(world: World, client: Client) -> None:
    sent = h.append("ballot.send", body=world.body)
    h.append("meeting.open", body=world.body)
    as_chair(client, world)
    response = client.get(list_url(world), {"verb": "ballot", "date_from": "không phải ngày"})
    assert seqs(response) == [sent.seq]


def test_empty_states(world: World, client: Client) -> None:
    as_chair(client, world)
    assert 'class="empty"' in client.get(list_url(world)).content.decode()
    h.append("ballot.send", body=world.body)
    filtered = client.get(list_url(world), {"verb": "meeting"})
    assert "Không có sự kiện nào khớp với bộ lọc." in filtered.content.decode()


def test_detail_shows_the_event_with_before_and_after(world: World, client: Client) -> None:
    event = h.append(
        "membership.changed",
        body=world.body,
        actor=world.user("office"),
        before={"vai trò": "thành viên", "thứ tự": 3, "bỏ": True},
        after={"vai trò": "chủ tọa", "thứ tự": 3, "mới": ["a", "b"]},
        object_repr="Người thử member",
    )
    response = as_chair(client, world).get(detail_url(world, event.seq))
    assert response.status_code == 200
    rows = {c.key: c for c in response.context["changes"]}
    assert (rows["vai trò"].before, rows["vai trò"].after) == ("thành viên", "chủ tọa")
    assert rows["vai trò"].changed
    assert not rows["thứ tự"].changed
    assert not rows["bỏ"].in_after
    assert not rows["mới"].in_before
    assert rows["mới"].after == '["a", "b"]'
    html = response.content.decode()
    for text in ("membership.changed", "Người thử office", "chủ tọa", event.hash):
        assert text in html


def test_detail_without_before_and_after(world: World, client: Client) -> None:
    event = h.append("body.viewed", body=world.body)
    response = as_chair(client, world).get(detail_url(world, event.seq))
    assert response.context["changes"] == []
    assert "không ghi giá trị trước và sau" in response.content.decode()


def test_detail_of_another_bodys_or_a_missing_event_is_404(world: World, client: Client) -> None:
    elsewhere = h.append("body.step", body=world.other_body)
    as_chair(client, world)
    assert client.get(detail_url(world, elsewhere.seq)).status_code == 404
    assert client.get(detail_url(world, elsewhere.seq + 100)).status_code == 404
    assert AuditEvent.objects.filter(seq=elsewhere.seq).exists()
