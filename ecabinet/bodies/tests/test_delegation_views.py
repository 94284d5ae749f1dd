from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Delegation, Membership, Role
from ecabinet.core.testing.personas import World

Login = Callable[[User | None], Client]
MakeMember = Callable[..., Membership]
FMT = "%Y-%m-%dT%H:%M"


def _url(world: World, name: str, **kwargs: object) -> str:
    return reverse(f"bodies:{name}", kwargs={"code": world.body.code, **kwargs})


def _form(substitute: Membership, days: int = 20, **overrides: Any) -> dict[str, Any]:
    start = timezone.localtime() + timedelta(days=days)
    data: dict[str, Any] = {
        "substitute": substitute.pk,
        "starts_at": start.strftime(FMT),
        "ends_at": (start + timedelta(hours=6)).strftime(FMT),
        "mandates": ["attend", "speak"],
        "reason": "Dự hội nghị ở địa phương",
    }
    data.update(overrides)
    return data


def test_list_shows_given_and_received(world: World, login: Login) -> None:
    page = login(world.user("member")).get(_url(world, "delegation_list")).content.decode()
    assert "Người thử substitute" in page
    page = login(world.user("substitute")).get(_url(world, "delegation_list")).content.decode()
    assert "Người thử member" in page
    assert "Đang hiệu lực" in page


def test_office_sees_the_bodys_delegations_others_only_their_own(
    world: World, login: Login
) -> None:
    office_page = login(world.user("office")).get(_url(world, "delegation_list")).content.decode()
    assert "Người thử member" in office_page
    chair_page = login(world.user("chair")).get(_url(world, "delegation_list")).content.decode()
    assert "Người thử member" not in chair_page


def test_member_names_a_substitute(world: World, login: Login, make_member: MakeMember) -> None:
    deputy = make_member(world.body, Role.DEPUTY)
    response = login(world.user("chair")).post(_url(world, "delegation_create"), _form(deputy))
    assert response.status_code == 302
    delegation = Delegation.objects.get(principal=world.memberships["chair"])
    assert delegation.substitute == deputy
    assert delegation.mandates() == {"attend", "speak"}


def test_member_cannot_name_for_someone_else_through_the_form(
    world: World, login: Login, make_member: MakeMember
) -> None:
    deputy = make_member(world.body, Role.DEPUTY)
    data = _form(deputy, principal=world.memberships["member"].pk)
    assert (
        login(world.user("chair")).post(_url(world, "delegation_create"), data).status_code == 302
    )
    # The principal field is not offered to members: the delegation is the chair's own.
    assert Delegation.objects.filter(principal=world.memberships["chair"]).count() == 1


def test_office_names_on_a_members_behalf(
    world: World, login: Login, make_member: MakeMember
) -> None:
    deputy = make_member(world.body, Role.DEPUTY)
    client = login(world.user("office"))
    assert 'name="principal"' in client.get(_url(world, "delegation_create")).content.decode()
    response = client.post(
        _url(world, "delegation_create"),
        _form(deputy, principal=world.memberships["chair"].pk),
    )
    assert response.status_code == 302
    assert Delegation.objects.get(substitute=deputy).created_by == world.user("office")


def test_rule_violation_is_a_400_with_the_rule(world: World, login: Login) -> None:
    response = login(world.user("chair")).post(
        _url(world, "delegation_create"), _form(world.memberships["member"])
    )
    assert response.status_code == 400
    assert "ghế biểu quyết" in response.content.decode()
    assert not Delegation.objects.filter(principal=world.memberships["chair"]).exists()


def test_no_mandate_is_a_400_with_a_message(
    world: World, login: Login, make_member: MakeMember
) -> None:
    deputy = make_member(world.body, Role.DEPUTY)
    response = login(world.user("chair")).post(
        _url(world, "delegation_create"), _form(deputy, mandates=[])
    )
    assert response.status_code == 400
    assert "ít nhất một nội dung" in response.content.decode()


def test_substitute_from_another_body_is_refused(world: World, login: Login) -> None:
    response = login(world.user("chair")).post(
        _url(world, "delegation_create"), _form(world.memberships["outsider"])
    )
    assert response.status_code == 400
    assert not Delegation.objects.filter(principal=world.memberships["chair"]).exists()


def test_malformed_dates_are_a_400(world: World, login: Login, make_member: MakeMember) -> None:
    deputy = make_member(world.body, Role.DEPUTY)
    response = login(world.user("chair")).post(
        _url(world, "delegation_create"), _form(deputy, starts_at="ngày mai")
    )
    assert response.status_code == 400


def test_observer_cannot_open_the_form(world: World, login: Login) -> None:
    assert login(world.user("observer")).get(_url(world, "delegation_create")).status_code == 403


def test_principal_revokes(world: World, login: Login) -> None:
    assert world.delegation is not None
    response = login(world.user("member")).post(
        _url(world, "delegation_revoke", pk=world.delegation.pk)
    )
    assert response.status_code == 302
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is not None


def test_substitute_cannot_revoke(world: World, login: Login) -> None:
    assert world.delegation is not None
    response = login(world.user("substitute")).post(
        _url(world, "delegation_revoke", pk=world.delegation.pk)
    )
    assert response.status_code == 403
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is None


def test_revoking_a_delegation_of_another_body_is_404(
    world: World, login: Login, make_member: MakeMember
) -> None:
    from ecabinet.core.testing.factories import DelegationFactory

    other_principal = world.memberships["outsider"]
    other = DelegationFactory(
        principal=other_principal, substitute=make_member(world.other_body, Role.DEPUTY)
    )
    response = login(world.user("office")).post(_url(world, "delegation_revoke", pk=other.pk))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
