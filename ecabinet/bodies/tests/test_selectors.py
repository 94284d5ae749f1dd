from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Membership, Role, Room, Title, Unit
from ecabinet.bodies.selectors import (
    body_for,
    body_list_for,
    catalogue_entry_of_body,
    catalogue_list_for,
    delegation_list_for,
    member_list_for,
    membership_list_for,
    membership_of_body,
    unit_list_for,
    user_list_for,
)
from ecabinet.core.testing.factories import DelegationFactory, UnitFactory
from ecabinet.core.testing.personas import World

MakeMember = Callable[..., Membership]


def _u(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


def test_body_for_gives_404_to_outsiders(world: World) -> None:
    assert body_for(_u(world, "observer"), world.body.code) == world.body
    with pytest.raises(Http404):
        body_for(_u(world, "outsider"), world.body.code)
    assert body_for(_u(world, "admin"), world.body.code) == world.body


def test_body_list_for_admin_filters_by_status(world: World) -> None:
    world.other_body.is_active = False
    world.other_body.save()
    admin = _u(world, "admin")
    assert set(body_list_for(admin)) == {world.body, world.other_body}
    assert list(body_list_for(admin, status="active")) == [world.body]
    assert list(body_list_for(admin, status="inactive")) == [world.other_body]
    assert list(body_list_for(_u(world, "outsider"))) == []


def test_member_list_is_in_order_of_precedence_without_inactive_members(world: World) -> None:
    Membership.objects.filter(pk=world.memberships["agency"].pk).update(is_active=False)
    User.objects.filter(pk=world.memberships["observer"].user_id).update(is_active=False)
    names = [m.user.username for m in member_list_for(_u(world, "chair"), world.body)]
    assert names == ["chair", "office", "member", "substitute"]


def test_member_list_is_empty_for_outsiders(world: World) -> None:
    assert list(member_list_for(_u(world, "outsider"), world.body)) == []


def test_member_list_costs_one_query_however_long(
    world: World, make_member: MakeMember, django_assert_num_queries: Any
) -> None:
    title = Title.objects.create(body=world.body, name="Bộ trưởng")
    unit = UnitFactory(body=world.body)
    for _ in range(15):
        make_member(world.body, Role.MEMBER, title=title, unit=unit)
    chair = world.memberships["chair"]
    viewer = _u(world, "chair")
    qs = member_list_for(viewer, world.body)  # the permission check runs here
    with django_assert_num_queries(1):
        rows = [(m.user.full_name, str(m.title), str(m.unit), m.role) for m in qs]
    assert len(rows) == 21
    assert rows[0][0] == chair.user.full_name


def test_unit_list_costs_one_query(world: World, django_assert_num_queries: Any) -> None:
    parent = UnitFactory(body=world.body, name="Văn phòng")
    for i in range(5):
        UnitFactory(body=world.body, name=f"Vụ {i}", parent=parent)
    qs = unit_list_for(_u(world, "observer"), world.body)
    with django_assert_num_queries(1):
        rows = [(u.name, u.parent.name if u.parent else "") for u in qs]
    assert len(rows) == 7


def test_catalogue_list_filters_and_costs_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    parent = UnitFactory(body=world.body, name="Văn phòng")
    for i in range(5):
        UnitFactory(body=world.body, name=f"Vụ {i}", parent=parent, is_active=i % 2 == 0)
    UnitFactory(body=world.other_body, name="Vụ ngoài")
    office = _u(world, "office")
    qs = catalogue_list_for(office, world.body, Unit, status="all")
    with django_assert_num_queries(1):
        rows = [(u.name, u.parent.name if u.parent else "") for u in qs]
    assert len(rows) == 7
    assert "Vụ ngoài" not in {name for name, _parent in rows}
    assert catalogue_list_for(office, world.body, Unit, status="inactive").count() == 2
    assert [u.name for u in catalogue_list_for(office, world.body, Unit, q="vụ 1")] == ["Vụ 1"]


def test_catalogue_list_is_empty_for_those_who_do_not_manage_it(world: World) -> None:
    Room.objects.create(body=world.body, name="Phòng 1")
    assert not catalogue_list_for(_u(world, "chair"), world.body, Room).exists()
    assert catalogue_list_for(_u(world, "office"), world.body, Room).count() == 1


def test_entry_of_another_body_is_404(world: World) -> None:
    foreign = Room.objects.create(body=world.other_body, name="Phòng khác")
    with pytest.raises(Http404):
        catalogue_entry_of_body(world.body, Room, foreign.pk)
    with pytest.raises(Http404):
        membership_of_body(world.body, world.memberships["outsider"].pk)


def test_membership_list_for_managers_only(world: World) -> None:
    assert not membership_list_for(_u(world, "office"), world.body).exists()
    admin = _u(world, "admin")
    assert membership_list_for(admin, world.body).count() == 6
    assert [m.user.username for m in membership_list_for(admin, world.body, q="observ")] == [
        "observer"
    ]


def test_membership_list_costs_one_query(world: World, django_assert_num_queries: Any) -> None:
    qs = membership_list_for(_u(world, "admin"), world.body)
    with django_assert_num_queries(1):
        rows = [(m.user.username, str(m.title), str(m.unit)) for m in qs]
    assert len(rows) == 6


def test_delegation_lists_by_scope(world: World) -> None:
    member, substitute, office = (_u(world, p) for p in ("member", "substitute", "office"))
    assert delegation_list_for(member, world.body, scope="given").count() == 1
    assert delegation_list_for(member, world.body, scope="received").count() == 0
    assert delegation_list_for(substitute, world.body, scope="received").count() == 1
    assert delegation_list_for(office, world.body, scope="body").count() == 1
    # Only the Office sees the whole body's delegations.
    assert delegation_list_for(member, world.body, scope="body").count() == 0
    assert delegation_list_for(_u(world, "outsider"), world.body, scope="given").count() == 0


def test_delegation_list_costs_one_query(
    world: World, make_member: MakeMember, django_assert_num_queries: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    for i in range(8):
        principal = make_member(world.body, Role.MEMBER)
        start = timezone.now() + timedelta(days=i + 10)
        DelegationFactory(
            principal=principal,
            substitute=world.memberships["substitute"],
            starts_at=start,
            ends_at=start + timedelta(hours=4),
        )
    qs = delegation_list_for(_u(world, "office"), world.body, scope="body")
    with django_assert_num_queries(1):
        rows = [(d.principal.user.full_name, d.substitute.user.full_name) for d in qs]
    assert len(rows) == 9


def test_user_list_for_system_administrator_only(world: World) -> None:
    assert not user_list_for(_u(world, "chair")).exists()
    admin = _u(world, "admin")
    assert user_list_for(admin).count() == 8
    assert [u.username for u in user_list_for(admin, q="outsider")] == ["outsider"]
    User.objects.filter(username="agency").update(is_active=False)
    assert [u.username for u in user_list_for(admin, status="inactive")] == ["agency"]
