from datetime import timedelta

import pytest
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.core.waiting import WaitingItem, WaitingRegistry, registry


def make_registry() -> WaitingRegistry:
    reg = WaitingRegistry()
    reg.declare("ballots", "Phiếu", "Không có phiếu.", order=10)
    reg.declare("meetings", "Cuộc họp", "Không có cuộc họp.", order=20)
    return reg


def test_standard_sections_exist_and_are_empty_without_providers() -> None:
    sections = registry.waiting_for(User(username="x"))
    assert [s.key for s in sections] == ["ballots", "meetings", "signatures"]
    assert all(s.items == [] and not s.failed for s in sections)


def test_items_are_sorted_by_deadline_and_overdue_ones_counted() -> None:
    reg = make_registry()
    now = timezone.now()
    later = WaitingItem("B", "/b/", due_at=now + timedelta(days=2))
    late = WaitingItem("A", "/a/", due_at=now - timedelta(hours=1))
    undated = WaitingItem("C", "/c/")
    reg.register("ballots", lambda user: [undated, later, late])
    ballots, meetings = reg.waiting_for(User(username="x"))
    assert [i.title for i in ballots.items] == ["A", "B", "C"]
    assert ballots.overdue == 1
    assert meetings.items == []


def test_providers_receive_the_user_and_several_add_up() -> None:
    reg = make_registry()
    seen: list[str] = []

    def first(user: User) -> list[WaitingItem]:
        seen.append(user.username)
        return [WaitingItem("1", "/1/")]

    reg.register("meetings", first)
    reg.register("meetings", lambda user: [WaitingItem("2", "/2/")])
    result = reg.waiting_for(User(username="an"))[1]
    assert seen == ["an"]
    assert {i.title for i in result.items} == {"1", "2"}


def test_a_failing_provider_marks_its_section_and_spares_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reg = make_registry()

    def broken(user: User) -> list[WaitingItem]:
        raise RuntimeError("boom")

    reg.register("ballots", broken)
    reg.register("ballots", lambda user: [WaitingItem("ok", "/ok/")])
    ballots, meetings = reg.waiting_for(User(username="x"))
    assert ballots.failed
    assert [i.title for i in ballots.items] == ["ok"]
    assert not meetings.failed
    assert "boom" in caplog.text


def test_unknown_section_and_duplicate_declaration_are_refused() -> None:
    reg = make_registry()
    with pytest.raises(KeyError):
        reg.register("nothing", lambda user: [])
    with pytest.raises(ValueError, match="already"):
        reg.declare("ballots", "x", "y", order=1)


def test_unregister() -> None:
    reg = make_registry()

    def provider(user: User) -> list[WaitingItem]:
        return [WaitingItem("1", "/1/")]

    reg.register("ballots", provider)
    reg.unregister("ballots", provider)
    assert reg.waiting_for(User(username="x"))[0].items == []
