from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Membership, Title, Unit
from ecabinet.core.testing.personas import World

Login = Callable[[User | None], Client]


def _url(world: World) -> str:
    return reverse("bodies:detail", kwargs={"code": world.body.code})


def test_members_are_listed_in_order_of_precedence_with_title_unit_and_role(
    world: World, login: Login
) -> None:
    title = Title.objects.create(body=world.body, name="Thủ tướng Chính phủ")
    Membership.objects.filter(pk=world.memberships["chair"].pk).update(title=title)

    response = login(world.user("observer")).get(_url(world))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Chính phủ (thử)" in page
    # The layout shows the logged-in user's name too: look inside the member table only.
    table = page[page.index('id="members-heading"') :]
    positions = [table.index(f"Người thử {p}") for p in ("chair", "office", "member", "observer")]
    assert positions == sorted(positions)
    assert "Thủ tướng Chính phủ" in page
    assert "Bộ Thử nghiệm" in page
    assert "Chủ tọa (Thủ tướng, Chủ tịch)" in page


def test_units_are_listed(world: World, login: Login) -> None:
    Unit.objects.create(body=world.body, name="Văn phòng Chính phủ", kind=Unit.Kind.OFFICE)
    Unit.objects.create(body=world.body, name="Bộ đã giải thể", is_active=False)
    page = login(world.user("agency")).get(_url(world)).content.decode()
    assert "Văn phòng Chính phủ" in page
    assert "Bộ đã giải thể" not in page


def test_contacts_are_shown_to_members_but_not_to_observers(world: World, login: Login) -> None:
    email = world.memberships["chair"].user.email
    assert email in login(world.user("member")).get(_url(world)).content.decode()
    assert email not in login(world.user("observer")).get(_url(world)).content.decode()


def test_inactive_members_are_not_listed(world: World, login: Login) -> None:
    Membership.objects.filter(pk=world.memberships["agency"].pk).update(is_active=False)
    page = login(world.user("chair")).get(_url(world)).content.decode()
    assert "Người thử agency" not in page


def test_outsider_gets_404(world: World, login: Login) -> None:
    assert login(world.user("outsider")).get(_url(world)).status_code == 404


def test_members_of_a_deactivated_body_get_404(world: World, login: Login) -> None:
    world.body.is_active = False
    world.body.save()
    assert login(world.user("chair")).get(_url(world)).status_code == 404
    assert login(world.user("admin")).get(_url(world)).status_code == 200


def test_office_sees_links_to_catalogues_members_do_not(world: World, login: Login) -> None:
    catalogue_url = reverse("bodies:catalogue_index", kwargs={"code": world.body.code})
    assert catalogue_url in login(world.user("office")).get(_url(world)).content.decode()
    assert catalogue_url not in login(world.user("member")).get(_url(world)).content.decode()


def test_body_list_shows_my_bodies(world: World, login: Login) -> None:
    page = login(world.user("outsider")).get(reverse("bodies:list")).content.decode()
    assert world.other_body.name in page
    assert world.body.name not in page
