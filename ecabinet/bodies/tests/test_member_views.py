from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Membership, Role, Title
from ecabinet.core.testing.personas import World

Login = Callable[[User | None], Client]
MakeMember = Callable[..., Membership]
MakeUser = Callable[..., User]


def _url(world: World, name: str, **kwargs: object) -> str:
    return reverse(f"bodies:{name}", kwargs={"code": world.body.code, **kwargs})


@pytest.fixture
def body_admin(world: World, make_member: MakeMember) -> Membership:
    return make_member(world.body, Role.BODY_ADMIN)


@pytest.fixture
def as_body_admin(body_admin: Membership, login: Login) -> Client:
    return login(body_admin.user)


def test_body_admin_lists_members_including_inactive(world: World, as_body_admin: Client) -> None:
    Membership.objects.filter(pk=world.memberships["agency"].pk).update(is_active=False)
    page = as_body_admin.get(_url(world, "member_list") + "?status=all").content.decode()
    assert "Người thử agency" in page
    assert "Người thử chair" in page


def test_add_member_by_username(world: World, as_body_admin: Client, make_user: MakeUser) -> None:
    person = make_user(username="pho.thu.tuong")
    title = Title.objects.create(body=world.body, name="Phó Thủ tướng")

    response = as_body_admin.post(
        _url(world, "member_add"),
        {"username": "pho.thu.tuong", "role": "vice_chair", "title": title.pk, "precedence": 2},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(body=world.body, user=person)
    assert (membership.role, membership.title, membership.precedence) == ("vice_chair", title, 2)


def test_unknown_username_is_a_400_with_a_message(world: World, as_body_admin: Client) -> None:
    response = as_body_admin.post(
        _url(world, "member_add"), {"username": "khong.ton.tai", "role": "member", "precedence": 5}
    )
    assert response.status_code == 400
    assert "Không có người dùng với tên đăng nhập này." in response.content.decode()


def test_adding_an_existing_member_is_a_400_with_a_message(
    world: World, as_body_admin: Client
) -> None:
    response = as_body_admin.post(
        _url(world, "member_add"), {"username": "member", "role": "observer", "precedence": 5}
    )
    assert response.status_code == 400
    assert "đã là thành viên của cơ quan" in response.content.decode()
    assert Membership.objects.get(pk=world.memberships["member"].pk).role == Role.MEMBER


def test_title_of_another_body_is_not_a_valid_choice(
    world: World, as_body_admin: Client, make_user: MakeUser
) -> None:
    make_user(username="nguoi.moi")
    foreign = Title.objects.create(body=world.other_body, name="Chủ tịch tỉnh")
    response = as_body_admin.post(
        _url(world, "member_add"),
        {"username": "nguoi.moi", "role": "member", "title": foreign.pk, "precedence": 5},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user__username="nguoi.moi").exists()


def test_change_role_records_old_and_new(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(
        _url(world, "member_role", pk=observer.pk), {"role": "agency", "version": observer.version}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="bodies.membership_change_role")
    assert (event.before, event.after) == ({"role": "observer"}, {"role": "agency"})


def test_stale_role_change_is_a_400(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(
        _url(world, "member_role", pk=observer.pk), {"role": "agency", "version": 99}
    )
    assert response.status_code == 400
    assert "đã được người khác thay đổi" in response.content.decode()
    observer.refresh_from_db()
    assert observer.role == Role.OBSERVER


def test_edit_details(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    url = _url(world, "member_edit", pk=observer.pk)
    assert as_body_admin.get(url).status_code == 200
    response = as_body_admin.post(url, {"precedence": 3, "version": observer.version})
    assert response.status_code == 302
    observer.refresh_from_db()
    assert observer.precedence == 3


def test_invalid_details_are_a_400(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(
        _url(world, "member_edit", pk=observer.pk), {"precedence": -1, "version": 1}
    )
    assert response.status_code == 400


def test_grant_and_revoke_permission(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    url = _url(world, "member_permission", pk=observer.pk)
    assert as_body_admin.post(url, {"perm": "members.view", "action": "grant"}).status_code == 302
    observer.refresh_from_db()
    assert observer.extra_permissions == ["members.view"]
    assert as_body_admin.post(url, {"perm": "members.view", "action": "revoke"}).status_code == 302
    observer.refresh_from_db()
    assert observer.extra_permissions == []


def test_granting_an_unknown_permission_is_a_400(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(
        _url(world, "member_permission", pk=observer.pk), {"perm": "root", "action": "grant"}
    )
    assert response.status_code == 400


def test_granting_twice_is_a_400_with_a_message(world: World, as_body_admin: Client) -> None:
    office = world.memberships["office"]
    response = as_body_admin.post(
        _url(world, "member_permission", pk=office.pk),
        {"perm": "catalogue.manage", "action": "grant"},
    )
    assert response.status_code == 400
    assert "Thành viên đã có quyền" in response.content.decode()


def test_deactivate_member(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(_url(world, "member_toggle", pk=observer.pk), {"active": "0"})
    assert response.status_code == 302
    observer.refresh_from_db()
    assert not observer.is_active


def test_body_admin_cannot_edit_their_own_membership(
    world: World, body_admin: Membership, as_body_admin: Client
) -> None:
    assert as_body_admin.get(_url(world, "member_edit", pk=body_admin.pk)).status_code == 403
    response = as_body_admin.post(
        _url(world, "member_role", pk=body_admin.pk),
        {"role": "chair", "version": body_admin.version},
    )
    assert response.status_code == 403
    body_admin.refresh_from_db()
    assert body_admin.role == Role.BODY_ADMIN


def test_body_admin_of_another_body_gets_404(
    world: World, make_member: MakeMember, login: Login
) -> None:
    other_admin = make_member(world.other_body, Role.BODY_ADMIN)
    client = login(other_admin.user)
    assert client.get(_url(world, "member_list")).status_code == 404


def test_membership_of_another_body_is_404(world: World, as_body_admin: Client) -> None:
    outsider = world.memberships["outsider"]
    assert as_body_admin.get(_url(world, "member_edit", pk=outsider.pk)).status_code == 404
    response = as_body_admin.post(_url(world, "member_toggle", pk=outsider.pk), {"active": "0"})
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_office_staff_cannot_manage_members(world: World, login: Login) -> None:
    assert login(world.user("office")).get(_url(world, "member_list")).status_code == 403


def test_huge_precedence_is_a_400_not_a_500(world: World, as_body_admin: Client) -> None:
    observer = world.memberships["observer"]
    response = as_body_admin.post(
        _url(world, "member_edit", pk=observer.pk),
        {"precedence": 10**12, "version": observer.version},
    )
    assert response.status_code == 400
