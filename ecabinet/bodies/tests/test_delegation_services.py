from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Delegation, Mandate, Membership, Role
from ecabinet.bodies.services import delegation_create, delegation_revoke
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import BodyFactory, MembershipFactory
from ecabinet.core.testing.personas import World

MakeMember = Callable[..., Membership]


def _u(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


def _window(days: int = 10, length: int = 2) -> tuple[datetime, datetime]:
    start = timezone.now() + timedelta(days=days)
    return start, start + timedelta(days=length)


@pytest.fixture
def deputy(world: World, make_member: MakeMember) -> Membership:
    """A second person without a seat who can stand in (e.g. a deputy minister)."""
    return make_member(world.body, Role.DEPUTY)


def _create(world: World, actor: str = "chair", **overrides: Any) -> Delegation:
    starts_at, ends_at = _window()
    data: dict[str, Any] = {
        "principal": world.memberships.get(actor),
        "substitute": world.memberships["substitute"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "mandates": [Mandate.ATTEND, Mandate.VOTE],
        "reason": "Đi công tác nước ngoài",
    }
    data.update(overrides)
    return delegation_create(actor=_u(world, actor), **data)


def test_member_names_a_substitute_with_a_scoped_mandate(world: World) -> None:
    delegation = _create(world)

    assert delegation.principal == world.memberships["chair"]
    assert delegation.substitute == world.memberships["substitute"]
    assert delegation.mandates() == {"attend", "vote"}
    assert delegation.created_by == _u(world, "chair")
    event = AuditEvent.objects.get(verb="bodies.delegation_create")
    assert event.body_id == world.body.pk
    assert event.after is not None
    assert event.after["mandates"] == ["attend", "vote"]


def test_office_records_a_delegation_on_a_members_behalf(world: World, deputy: Membership) -> None:
    delegation = _create(
        world, actor="office", principal=world.memberships["chair"], substitute=deputy
    )
    assert delegation.principal == world.memberships["chair"]
    assert delegation.created_by == _u(world, "office")


def test_office_cannot_delegate_for_someone_without_a_seat(world: World) -> None:
    with pytest.raises(DomainError, match="không có quyền cử người dự thay"):
        _create(world, actor="office", principal=world.memberships["observer"])
    assert not Delegation.objects.filter(principal=world.memberships["observer"]).exists()


@pytest.mark.parametrize("persona", ["substitute", "agency", "observer"])
def test_members_without_a_seat_cannot_delegate(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        _create(world, actor=persona, substitute=world.memberships["office"])


def test_a_member_cannot_name_a_substitute_for_someone_else(world: World) -> None:
    with pytest.raises(PermissionDenied):
        delegation_create(
            actor=_u(world, "chair"),
            principal=world.memberships["member"],
            substitute=world.memberships["agency"],
            starts_at=_window(40)[0],
            ends_at=_window(40)[1],
            mandates=[Mandate.ATTEND],
        )


def test_outsider_cannot_be_the_substitute(world: World) -> None:
    with pytest.raises(DomainError, match="cùng cơ quan"):
        _create(world, substitute=world.memberships["outsider"])
    assert not Delegation.objects.filter(principal=world.memberships["chair"]).exists()


def test_cannot_name_yourself(world: World) -> None:
    with pytest.raises(DomainError, match="chính mình"):
        _create(world, substitute=world.memberships["chair"])


def test_cannot_name_someone_with_a_voting_seat(world: World) -> None:
    with pytest.raises(DomainError, match="ghế biểu quyết"):
        _create(world, substitute=world.memberships["member"])


def test_cannot_name_an_inactive_member(world: World, deputy: Membership) -> None:
    Membership.objects.filter(pk=deputy.pk).update(is_active=False)
    deputy.refresh_from_db()
    with pytest.raises(DomainError, match="không còn là thành viên"):
        _create(world, substitute=deputy)


def test_cannot_name_a_member_whose_account_is_locked(world: World, deputy: Membership) -> None:
    User.objects.filter(pk=deputy.user_id).update(is_active=False)
    deputy.refresh_from_db()
    with pytest.raises(DomainError, match="không còn là thành viên"):
        _create(world, substitute=deputy)


def test_end_must_be_after_start(world: World) -> None:
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(DomainError, match="phải sau thời điểm bắt đầu"):
        _create(world, starts_at=start, ends_at=start)


def test_period_must_not_be_over(world: World) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="đã qua"):
        _create(world, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))


def test_start_must_not_be_in_the_past(world: World) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="quá khứ"):
        _create(world, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(days=1))


def test_a_few_minutes_of_form_filling_are_tolerated(world: World, deputy: Membership) -> None:
    now = timezone.now()
    delegation = _create(
        world,
        substitute=deputy,
        starts_at=now - timedelta(minutes=2),
        ends_at=now + timedelta(hours=3),
    )
    assert delegation.pk is not None


def test_at_least_one_mandate(world: World) -> None:
    with pytest.raises(DomainError, match="ít nhất một"):
        _create(world, mandates=[])


def test_unknown_mandate_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="không hợp lệ"):
        _create(world, mandates=["attend", "sign_resolutions"])


def test_no_overlap_with_another_delegation_of_the_principal(
    world: World, deputy: Membership
) -> None:
    first = _create(world)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="trùng với một ủy quyền khác"):
        _create(
            world,
            substitute=deputy,
            starts_at=first.starts_at + timedelta(hours=1),
            ends_at=first.ends_at + timedelta(days=5),
        )
    assert Delegation.objects.filter(principal=world.memberships["chair"]).count() == 1
    assert AuditEvent.objects.count() == events


def test_back_to_back_periods_do_not_overlap(world: World, deputy: Membership) -> None:
    first = _create(world)
    second = _create(
        world,
        substitute=deputy,
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(days=1),
    )
    assert second.pk is not None


def test_a_revoked_delegation_does_not_block_a_new_one(world: World) -> None:
    first = _create(world)
    delegation_revoke(actor=_u(world, "chair"), delegation=first)
    again = _create(world)
    assert again.pk != first.pk


def test_a_substitute_stands_in_for_one_member_at_a_time(world: World) -> None:
    # world.delegation: member → substitute, from an hour ago for a week.
    now = timezone.now()
    with pytest.raises(DomainError, match="đã được cử dự thay cho thành viên khác"):
        _create(world, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))


def test_concurrent_overlapping_requests_let_exactly_one_through(
    transactional_db: None,
) -> None:
    # Two requests for overlapping periods of the same principal race each other: the lock
    # on the principal's membership (PostgreSQL) or the IMMEDIATE write lock (SQLite) makes
    # the second one see the first and be refused.
    body = BodyFactory()
    principal = MembershipFactory(body=body, role=Role.MEMBER)
    substitutes = [MembershipFactory(body=body, role=Role.DEPUTY) for _ in range(2)]
    starts_at, ends_at = _window()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(substitute: Membership) -> None:
        try:
            barrier.wait()
            delegation_create(
                actor=principal.user,
                principal=principal,
                substitute=substitute,
                starts_at=starts_at,
                ends_at=ends_at,
                mandates=[Mandate.VOTE],
            )
            outcomes.append("created")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in substitutes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["created", "refused"]
    assert Delegation.objects.filter(principal=principal).count() == 1


# --- revoke ----------------------------------------------------------------------------------


def test_principal_revokes_and_it_is_audited(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    revoked = delegation_revoke(actor=_u(world, "member"), delegation=delegation)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == _u(world, "member")
    event = AuditEvent.objects.get(verb="bodies.delegation_revoke")
    assert event.before is not None
    assert event.after is not None
    assert event.before["revoked_at"] is None
    assert event.after["revoked_at"] is not None


def test_office_revokes_on_the_principals_behalf(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    revoked = delegation_revoke(actor=_u(world, "office"), delegation=delegation)
    assert revoked.revoked_by == _u(world, "office")


@pytest.mark.parametrize("persona", ["chair", "substitute", "agency", "observer", "outsider"])
def test_others_may_not_revoke(world: World, persona: str) -> None:
    delegation = world.delegation
    assert delegation is not None
    with pytest.raises(PermissionDenied):
        delegation_revoke(actor=_u(world, persona), delegation=delegation)
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_revoking_twice_is_refused(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    delegation_revoke(actor=_u(world, "member"), delegation=delegation)
    with pytest.raises(DomainError, match="đã được thu hồi"):
        delegation_revoke(actor=_u(world, "member"), delegation=delegation)


def test_an_ended_delegation_cannot_be_revoked(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    Delegation.objects.filter(pk=delegation.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=1)
    )
    delegation.refresh_from_db()
    with pytest.raises(DomainError, match="đã hết hạn"):
        delegation_revoke(actor=_u(world, "member"), delegation=delegation)


def test_overlong_reason_is_refused(world: World, deputy: Membership) -> None:
    with pytest.raises(DomainError, match="Lý do dài tối đa 500"):
        _create(world, substitute=deputy, reason="x" * 501)
