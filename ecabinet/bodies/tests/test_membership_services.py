from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership, Role, Title, Unit
from ecabinet.bodies.permissions import Perm, has_body_perm
from ecabinet.bodies.services import (
    membership_add,
    membership_change_role,
    membership_grant_permission,
    membership_revoke_permission,
    membership_set_active,
    membership_update,
)
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World

MakeMember = Callable[..., Membership]
MakeUser = Callable[..., User]


def _u(world: World, persona: str) -> User:
    user = world.user(persona)
    assert user is not None
    return user


@pytest.fixture
def body_admin(world: World, make_member: MakeMember) -> User:
    return make_member(world.body, Role.BODY_ADMIN).user


def test_admin_adds_a_member_with_title_unit_and_precedence(
    world: World, make_user: MakeUser
) -> None:
    title = Title.objects.create(body=world.body, name="Bộ trưởng")
    unit = Unit.objects.get(body=world.body, name="Bộ Thử nghiệm")
    person = make_user()

    membership = membership_add(
        actor=_u(world, "admin"),
        body=world.body,
        user=person,
        role=Role.MEMBER,
        title=title,
        unit=unit,
        precedence=4,
    )

    assert (membership.role, membership.title, membership.unit) == (Role.MEMBER, title, unit)
    assert membership.precedence == 4
    event = AuditEvent.objects.get(verb="bodies.membership_add")
    assert event.after is not None
    assert event.after["role"] == Role.MEMBER
    assert event.after["user"] == person.pk


def test_body_admin_manages_members_of_their_own_body(
    world: World, body_admin: User, make_user: MakeUser
) -> None:
    membership = membership_add(
        actor=body_admin, body=world.body, user=make_user(), role=Role.OBSERVER
    )
    assert membership.body == world.body


def test_body_admin_may_not_add_members_to_another_body(
    world: World, body_admin: User, make_user: MakeUser
) -> None:
    with pytest.raises(PermissionDenied):
        membership_add(actor=body_admin, body=world.other_body, user=make_user(), role="member")


@pytest.mark.parametrize("persona", ["chair", "office", "member", "observer", "outsider"])
def test_others_may_not_add_members(world: World, persona: str, make_user: MakeUser) -> None:
    with pytest.raises(PermissionDenied):
        membership_add(actor=_u(world, persona), body=world.body, user=make_user(), role="member")


def test_a_person_is_added_to_a_body_only_once(world: World) -> None:
    with pytest.raises(DomainError, match="đã là thành viên"):
        membership_add(
            actor=_u(world, "admin"), body=world.body, user=_u(world, "member"), role="observer"
        )


def test_a_deactivated_member_is_reactivated_not_added_again(world: World) -> None:
    observer = world.memberships["observer"]
    membership_set_active(actor=_u(world, "admin"), membership=observer, active=False)
    with pytest.raises(DomainError, match="đã là thành viên"):
        membership_add(
            actor=_u(world, "admin"), body=world.body, user=observer.user, role="observer"
        )


def test_title_and_unit_must_belong_to_the_body(world: World, make_user: MakeUser) -> None:
    foreign_title = Title.objects.create(body=world.other_body, name="Chủ tịch")
    foreign_unit = Unit.objects.create(body=world.other_body, name="Sở Tài chính")
    with pytest.raises(DomainError, match="Chức danh phải thuộc"):
        membership_add(
            actor=_u(world, "admin"),
            body=world.body,
            user=make_user(),
            role="member",
            title=foreign_title,
        )
    with pytest.raises(DomainError, match="Đơn vị phải thuộc"):
        membership_add(
            actor=_u(world, "admin"),
            body=world.body,
            user=make_user(),
            role="member",
            unit=foreign_unit,
        )


def test_inactive_title_is_refused_for_a_new_member(world: World, make_user: MakeUser) -> None:
    title = Title.objects.create(body=world.body, name="Cố vấn", is_active=False)
    with pytest.raises(DomainError, match="đã ngừng sử dụng"):
        membership_add(
            actor=_u(world, "admin"), body=world.body, user=make_user(), role="member", title=title
        )


def test_locked_account_cannot_be_added(world: World, make_user: MakeUser) -> None:
    with pytest.raises(DomainError, match="đang bị khóa"):
        membership_add(
            actor=_u(world, "admin"),
            body=world.body,
            user=make_user(is_active=False),
            role="member",
        )


def test_unknown_role_is_refused(world: World, make_user: MakeUser) -> None:
    with pytest.raises(DomainError, match="Vai trò không hợp lệ"):
        membership_add(actor=_u(world, "admin"), body=world.body, user=make_user(), role="king")


# --- update and role -------------------------------------------------------------------------


def test_update_changes_title_unit_precedence(world: World) -> None:
    title = Title.objects.create(body=world.body, name="Khách mời")
    observer = world.memberships["observer"]
    updated = membership_update(
        actor=_u(world, "admin"),
        membership=observer,
        version=observer.version,
        title=title,
        unit=None,
        precedence=99,
    )
    assert (updated.title, updated.precedence) == (title, 99)
    assert AuditEvent.objects.filter(verb="bodies.membership_update").count() == 1


def test_stale_membership_update_is_refused(world: World) -> None:
    observer = world.memberships["observer"]
    loaded = observer.version
    membership_update(
        actor=_u(world, "admin"),
        membership=observer,
        version=loaded,
        title=None,
        unit=None,
        precedence=20,
    )
    with pytest.raises(DomainError, match="người khác thay đổi"):
        membership_update(
            actor=_u(world, "admin"),
            membership=observer,
            version=loaded,
            title=None,
            unit=None,
            precedence=30,
        )
    observer.refresh_from_db()
    assert observer.precedence == 20


def test_role_change_is_audited_with_old_and_new_role(world: World) -> None:
    observer = world.memberships["observer"]
    changed = membership_change_role(
        actor=_u(world, "admin"), membership=observer, role=Role.AGENCY, version=observer.version
    )
    assert changed.role == Role.AGENCY
    event = AuditEvent.objects.get(verb="bodies.membership_change_role")
    assert event.before == {"role": "observer"}
    assert event.after == {"role": "agency"}
    assert event.body_id == world.body.pk


def test_changing_to_the_same_role_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="vai trò này rồi"):
        membership_change_role(
            actor=_u(world, "admin"), membership=world.memberships["observer"], role="observer"
        )


def test_stale_role_change_is_refused(world: World) -> None:
    observer = world.memberships["observer"]
    with pytest.raises(DomainError, match="người khác thay đổi"):
        membership_change_role(
            actor=_u(world, "admin"),
            membership=observer,
            role="agency",
            version=observer.version + 1,
        )


def test_body_admin_may_not_change_their_own_membership(world: World, body_admin: User) -> None:
    own = Membership.objects.get(user=body_admin, body=world.body)
    with pytest.raises(PermissionDenied):
        membership_change_role(actor=body_admin, membership=own, role=Role.CHAIR)
    with pytest.raises(PermissionDenied):
        membership_grant_permission(actor=body_admin, membership=own, perm=Perm.SIGN)
    with pytest.raises(PermissionDenied):
        membership_set_active(actor=body_admin, membership=own, active=False)


def test_body_admin_changes_another_members_role(world: World, body_admin: User) -> None:
    changed = membership_change_role(
        actor=body_admin, membership=world.memberships["observer"], role=Role.AGENCY
    )
    assert changed.role == Role.AGENCY


# --- extra permissions -----------------------------------------------------------------------


def test_grant_and_revoke_an_extra_permission(world: World) -> None:
    observer = world.memberships["observer"]
    viewer = _u(world, "observer")
    assert not has_body_perm(viewer, world.body, Perm.MEMBERS_VIEW)

    membership_grant_permission(
        actor=_u(world, "admin"), membership=observer, perm=Perm.MEMBERS_VIEW
    )
    assert has_body_perm(viewer, world.body, Perm.MEMBERS_VIEW)
    grant = AuditEvent.objects.get(verb="bodies.membership_grant_permission")
    assert grant.before == {"extra_permissions": []}
    assert grant.after == {"extra_permissions": ["members.view"]}

    membership_revoke_permission(
        actor=_u(world, "admin"), membership=observer, perm=Perm.MEMBERS_VIEW
    )
    assert not has_body_perm(viewer, world.body, Perm.MEMBERS_VIEW)
    revoke = AuditEvent.objects.get(verb="bodies.membership_revoke_permission")
    assert revoke.after == {"extra_permissions": []}


def test_granting_a_permission_the_role_already_gives_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="đã có quyền"):
        membership_grant_permission(
            actor=_u(world, "admin"),
            membership=world.memberships["office"],
            perm=Perm.CATALOGUE_MANAGE,
        )


def test_granting_an_unknown_permission_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="không thể cấp bổ sung"):
        membership_grant_permission(
            actor=_u(world, "admin"), membership=world.memberships["observer"], perm="god.mode"
        )


def test_revoking_a_permission_that_was_not_granted_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="không có quyền bổ sung"):
        membership_revoke_permission(
            actor=_u(world, "admin"), membership=world.memberships["chair"], perm=Perm.SIGN
        )


# --- deactivation and delegations ------------------------------------------------------------


def test_deactivating_a_member_revokes_their_open_delegations(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    member = world.memberships["member"]

    membership_set_active(actor=_u(world, "admin"), membership=member, active=False)

    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert delegation.revoked_by == _u(world, "admin")
    assert AuditEvent.objects.filter(verb="bodies.membership_deactivate").count() == 1
    assert AuditEvent.objects.filter(verb="bodies.delegation_revoke").count() == 1


def test_deactivating_the_substitute_revokes_the_delegation_too(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    membership_set_active(
        actor=_u(world, "admin"), membership=world.memberships["substitute"], active=False
    )
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_substitute_given_a_voting_seat_loses_the_delegation(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    membership_change_role(
        actor=_u(world, "admin"), membership=world.memberships["substitute"], role=Role.MEMBER
    )
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_principal_who_loses_the_seat_loses_the_delegation(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    membership_change_role(
        actor=_u(world, "admin"), membership=world.memberships["member"], role=Role.OBSERVER
    )
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_role_change_that_keeps_the_rules_keeps_the_delegation(world: World) -> None:
    delegation = world.delegation
    assert delegation is not None
    membership_change_role(
        actor=_u(world, "admin"), membership=world.memberships["member"], role=Role.VICE_CHAIR
    )
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_deactivating_twice_is_refused(world: World) -> None:
    observer = world.memberships["observer"]
    membership_set_active(actor=_u(world, "admin"), membership=observer, active=False)
    with pytest.raises(DomainError, match="đã ngừng hoạt động"):
        membership_set_active(actor=_u(world, "admin"), membership=observer, active=False)


def test_reactivating_a_member_whose_account_is_locked_is_refused(world: World) -> None:
    observer = world.memberships["observer"]
    membership_set_active(actor=_u(world, "admin"), membership=observer, active=False)
    User.objects.filter(pk=observer.user_id).update(is_active=False)
    observer.refresh_from_db()
    with pytest.raises(DomainError, match="đang bị khóa"):
        membership_set_active(actor=_u(world, "admin"), membership=observer, active=True)


@pytest.mark.parametrize("precedence", [-1, 1_000_001])
def test_precedence_out_of_range_is_refused(
    world: World, make_user: MakeUser, precedence: int
) -> None:
    with pytest.raises(DomainError, match="Thứ tự ưu tiên phải là số"):
        membership_add(
            actor=_u(world, "admin"),
            body=world.body,
            user=make_user(),
            role="member",
            precedence=precedence,
        )
