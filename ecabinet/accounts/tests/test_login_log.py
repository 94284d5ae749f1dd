"""The administrator's login log: filters, pagination, access."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecabinet.accounts.models import LoginEvent
from ecabinet.accounts.tests.conftest import post_password
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World


def _event(username: str, at: datetime, kind: str = LoginEvent.Kind.SUCCESS) -> LoginEvent:
    with time_machine.travel(at, tick=False):
        return LoginEvent.objects.create(username=username, kind=kind, ip="10.1.2.3")


def _rows(response: object) -> list[LoginEvent]:
    page = response.context["page"]  # type: ignore[attr-defined]
    return list(page.object_list) if page is not None else []


@pytest.fixture
def admin_client(client: Client, world: World) -> Client:
    return login_as(client, world.user("admin"))


def test_admin_sees_the_log_with_ip_and_browser(
    admin_client: Client, world: World, client: Client
) -> None:
    other = Client()
    post_password(other, "khong-ton-tai", "sai")
    response = admin_client.get(reverse("accounts:login_log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "khong-ton-tai" in html
    assert "không có tài khoản" in html
    assert "127.0.0.1" in html


def test_filter_by_account(admin_client: Client, world: World) -> None:
    _event("nguyenvana", datetime(2026, 1, 5, 2, tzinfo=UTC))
    _event("tranthib", datetime(2026, 1, 5, 3, tzinfo=UTC))
    response = admin_client.get(reverse("accounts:login_log"), {"q": "VANA"})
    assert [e.username for e in _rows(response)] == ["nguyenvana"]


def test_filter_by_days_in_vietnam_time(admin_client: Client, world: World) -> None:
    # 17:30 UTC on 4 January is 00:30 on 5 January in Hà Nội.
    late = _event("a", datetime(2026, 1, 4, 17, 30, tzinfo=UTC))
    before = _event("b", datetime(2026, 1, 4, 16, 30, tzinfo=UTC))
    after = _event("c", datetime(2026, 1, 6, 17, 0, tzinfo=UTC))  # 00:00 on 7 January
    response = admin_client.get(
        reverse("accounts:login_log"), {"date_from": "2026-01-05", "date_to": "06/01/2026"}
    )
    rows = _rows(response)
    assert late in rows
    assert before not in rows
    assert after not in rows


def test_filter_by_kind(admin_client: Client, world: World) -> None:
    _event("x", datetime(2026, 1, 5, 2, tzinfo=UTC), LoginEvent.Kind.LOCKED)
    _event("y", datetime(2026, 1, 5, 2, tzinfo=UTC), LoginEvent.Kind.SUCCESS)
    response = admin_client.get(reverse("accounts:login_log"), {"kind": "locked"})
    assert [e.username for e in _rows(response)] == ["x"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31-31-2026"}, "Ngày không hợp lệ."),
        ({"date_to": "hôm qua"}, "Ngày không hợp lệ."),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "“Từ ngày” phải trước"),
        ({"kind": "bogus"}, "Loại sự kiện không hợp lệ."),
        ({"q": "x" * 151}, "dài tối đa 150 ký tự"),
    ],
)
def test_invalid_filters_show_a_clear_message(
    admin_client: Client, world: World, params: dict[str, str], message: str
) -> None:
    response = admin_client.get(reverse("accounts:login_log"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Bộ lọc chưa hợp lệ" in html
    assert response.context["page"] is None


def test_pagination_keeps_the_filter(admin_client: Client, world: World) -> None:
    for i in range(55):
        _event(f"trang{i:02d}", datetime(2026, 1, 5, 2, i, tzinfo=UTC))
    first = admin_client.get(reverse("accounts:login_log"), {"q": "trang"})
    assert len(_rows(first)) == 50
    assert "?q=trang&amp;page=2" in first.content.decode()
    second = admin_client.get(reverse("accounts:login_log"), {"q": "trang", "page": "2"})
    assert [e.username for e in _rows(second)] == [f"trang{i:02d}" for i in range(4, -1, -1)]
    beyond = admin_client.get(reverse("accounts:login_log"), {"q": "trang", "page": "99"})
    assert beyond.status_code == 200
    assert len(_rows(beyond)) == 5


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("accounts:login_log"))
    return len(captured.captured_queries)


def test_page_queries_do_not_grow_with_rows(admin_client: Client, world: World) -> None:
    chair = world.user("chair")
    _event("dem", datetime(2026, 1, 5, 2, tzinfo=UTC))
    admin_client.get(reverse("accounts:login_log"))
    few = _queries(admin_client)
    for i in range(40):
        LoginEvent.objects.create(user=chair, username=f"dem{i}", kind=LoginEvent.Kind.SUCCESS)
    assert _queries(admin_client) == few


@pytest.mark.parametrize("persona", ["chair", "office", "member", "agency", "outsider"])
def test_others_are_forbidden(client: Client, world: World, persona: str) -> None:
    login_as(client, world.user(persona))
    assert client.get(reverse("accounts:login_log")).status_code == 403


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get(reverse("accounts:login_log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
