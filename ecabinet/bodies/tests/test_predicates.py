"""Role × action tables for the bodies predicates, with the standard personas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from ecabinet.bodies.models import Membership, Role
from ecabinet.bodies.permissions import (
    ROLE_PERMISSIONS,
    VOTING_ROLES,
    can_create_delegation,
    can_give_delegation,
    can_manage_bodies,
    can_manage_catalogue,
    can_manage_delegations,
    can_manage_membership,
    can_manage_memberships,
    can_manage_users,
    can_revoke_delegation,
    can_view_body,
    can_view_member_contacts,
    holds_seat,
    may_delegate,
)
from ecabinet.core.testing.personas import PERSONAS, World

Check = Callable[[Any, World], bool]

ACTIONS: dict[str, Check] = {
    "view_body": lambda u, w: can_view_body(u, w.body),
    "view_contacts": lambda u, w: can_view_member_contacts(u, w.body),
    "manage_catalogue": lambda u, w: can_manage_catalogue(u, w.body),
    "manage_memberships": lambda u, w: can_manage_memberships(u, w.body),
    "manage_observer": lambda u, w: can_manage_membership(u, w.memberships["observer"]),
    "create_delegation": lambda u, w: can_create_delegation(u, w.body),
    "manage_delegations": lambda u, w: can_manage_delegations(u, w.body),
    "give_for_member": lambda u, w: can_give_delegation(u, w.memberships["member"]),
    "revoke_world_delegation": lambda u, w: can_revoke_delegation(u, w.delegation),
    "manage_bodies": lambda u, w: can_manage_bodies(u),
    "manage_users": lambda u, w: can_manage_users(u),
}

# persona → the actions allowed; every other action must be refused.
ALLOWED: dict[str, set[str]] = {
    "chair": {"view_body", "view_contacts", "create_delegation"},
    "office": {
        "view_body",
        "view_contacts",
        "manage_catalogue",
        "create_delegation",
        "manage_delegations",
        "give_for_member",
        "revoke_world_delegation",
    },
    "member": {
        "view_body",
        "view_contacts",
        "create_delegation",
        "give_for_member",
        "revoke_world_delegation",
    },
    "substitute": {"view_body", "view_contacts"},
    "agency": {"view_body"},
    "observer": {"view_body"},
    "outsider": set(),
    "admin": set(ACTIONS),
    "anonymous": set(),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_action_matrix(world: World, persona: str, action: str) -> None:
    user = world.user(persona) or AnonymousUser()
    assert ACTIONS[action](user, world) is (action in ALLOWED[persona])


def test_body_admin_manages_memberships_and_catalogues_but_not_their_own_membership(
    world: World, make_member: Callable[..., Membership]
) -> None:
    own = make_member(world.body, Role.BODY_ADMIN)
    admin_user = own.user
    assert can_manage_memberships(admin_user, world.body)
    assert can_manage_catalogue(admin_user, world.body)
    assert can_manage_membership(admin_user, world.memberships["chair"])
    assert not can_manage_membership(admin_user, own)
    assert not can_manage_memberships(admin_user, world.other_body)
    assert not can_manage_bodies(admin_user)


def test_inactive_membership_grants_nothing(world: World) -> None:
    Membership.objects.filter(pk=world.memberships["office"].pk).update(is_active=False)
    office = world.user("office")
    assert not can_view_body(office, world.body)
    assert not can_manage_catalogue(office, world.body)


def test_inactive_body_grants_nothing_to_members(world: World) -> None:
    world.body.is_active = False
    world.body.save()
    assert not can_view_body(world.user("chair"), world.body)
    assert can_view_body(world.user("admin"), world.body)


def test_extra_permission_adds_to_the_role(world: World) -> None:
    observer = world.memberships["observer"]
    observer.extra_permissions = ["catalogue.manage"]
    observer.save()
    assert can_manage_catalogue(world.user("observer"), world.body)


def test_unknown_extra_permission_is_ignored(world: World) -> None:
    observer = world.memberships["observer"]
    observer.extra_permissions = ["everything"]
    observer.save()
    assert not can_manage_catalogue(world.user("observer"), world.body)


@pytest.mark.parametrize("role", list(Role))
def test_only_voting_roles_hold_a_seat_and_may_delegate(world: World, role: Role) -> None:
    membership = world.memberships["observer"]
    membership.role = role
    assert holds_seat(membership) is (role in VOTING_ROLES)
    assert may_delegate(membership) is (role in VOTING_ROLES)


def test_every_role_has_default_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    assert all("body.view" in perms for perms in ROLE_PERMISSIONS.values())
