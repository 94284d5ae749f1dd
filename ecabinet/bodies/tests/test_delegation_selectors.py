from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Delegation, Membership
from ecabinet.bodies.selectors import delegation_active_for, mandate_of
from ecabinet.core.testing.personas import World

ALL = {"attend", "speak", "vote", "give_opinions"}


def _u(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


def _delegation(world: World) -> Delegation:
    assert world.delegation is not None
    return world.delegation


def test_active_delegation_is_found_inside_its_period(world: World) -> None:
    delegation = _delegation(world)
    now = timezone.now()
    assert delegation_active_for(world.memberships["member"], now) == delegation
    assert delegation_active_for(world.memberships["member"], delegation.starts_at) == delegation


def test_no_active_delegation_before_start_or_from_the_end(world: World) -> None:
    delegation = _delegation(world)
    member = world.memberships["member"]
    assert delegation_active_for(member, delegation.starts_at - timedelta(seconds=1)) is None
    assert delegation_active_for(member, delegation.ends_at) is None


def test_revoked_delegation_is_not_active(world: World) -> None:
    delegation = _delegation(world)
    Delegation.objects.filter(pk=delegation.pk).update(revoked_at=timezone.now())
    assert delegation_active_for(world.memberships["member"], timezone.now()) is None


def test_delegation_to_an_inactive_substitute_is_not_active(world: World) -> None:
    Membership.objects.filter(pk=world.memberships["substitute"].pk).update(is_active=False)
    assert delegation_active_for(world.memberships["member"], timezone.now()) is None


def test_other_members_have_no_active_delegation(world: World) -> None:
    assert delegation_active_for(world.memberships["chair"], timezone.now()) is None


def test_seat_holder_without_delegation_has_every_mandate(world: World) -> None:
    assert mandate_of(_u(world, "chair"), world.body, timezone.now()) == ALL


def test_principal_keeps_attend_and_speak_but_hands_over_vote(world: World) -> None:
    # The world's delegation carries every mandate; vote and opinions go to the substitute.
    assert mandate_of(_u(world, "member"), world.body, timezone.now()) == {"attend", "speak"}


def test_substitute_holds_the_delegated_mandates_during_the_period(world: World) -> None:
    delegation = _delegation(world)
    Delegation.objects.filter(pk=delegation.pk).update(can_speak=False, can_give_opinions=False)
    now = timezone.now()
    assert mandate_of(_u(world, "substitute"), world.body, now) == {"attend", "vote"}
    assert mandate_of(_u(world, "member"), world.body, now) == {
        "attend",
        "speak",
        "give_opinions",
    }


def test_after_the_period_the_substitute_has_nothing_and_the_member_everything(
    world: World,
) -> None:
    later = _delegation(world).ends_at + timedelta(minutes=1)
    assert mandate_of(_u(world, "substitute"), world.body, later) == set()
    assert mandate_of(_u(world, "member"), world.body, later) == ALL


def test_revoked_delegation_gives_nothing(world: World) -> None:
    Delegation.objects.filter(pk=_delegation(world).pk).update(revoked_at=timezone.now())
    assert mandate_of(_u(world, "substitute"), world.body, timezone.now()) == set()


@pytest.mark.parametrize("persona", ["office", "agency", "observer", "outsider", "admin"])
def test_others_hold_no_mandate(world: World, persona: str) -> None:
    assert mandate_of(_u(world, persona), world.body, timezone.now()) == set()


def test_mandate_of_takes_three_queries(world: World, django_assert_num_queries: Any) -> None:
    user = _u(world, "substitute")
    with django_assert_num_queries(2):
        mandate_of(user, world.body, timezone.now())
    member = _u(world, "member")
    with django_assert_num_queries(3):
        mandate_of(member, world.body, timezone.now())
