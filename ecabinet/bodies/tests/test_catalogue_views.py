from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.catalogues import KINDS
from ecabinet.bodies.models import DocumentType, Room, Title, Unit
from ecabinet.core.testing.personas import World

Login = Callable[[User | None], Client]


def _url(world: World, name: str, kind: str, **kwargs: object) -> str:
    return reverse(f"bodies:{name}", kwargs={"code": world.body.code, "kind": kind, **kwargs})


@pytest.fixture
def office(world: World, login: Login) -> Client:
    return login(world.user("office"))


@pytest.mark.parametrize("slug", list(KINDS))
def test_every_catalogue_lists_and_offers_its_form(world: World, office: Client, slug: str) -> None:
    assert office.get(_url(world, "catalogue_list", slug)).status_code == 200
    response = office.get(_url(world, "catalogue_create", slug))
    assert response.status_code == 200
    for field in KINDS[slug].fields:
        assert f'name="{field}"' in response.content.decode()


def test_list_shows_only_this_bodys_entries(world: World, office: Client) -> None:
    Room.objects.create(body=world.body, name="Phòng Diên Hồng")
    Room.objects.create(body=world.other_body, name="Phòng tỉnh khác")
    page = office.get(_url(world, "catalogue_list", "phong-hop") + "?status=all").content.decode()
    assert "Phòng Diên Hồng" in page
    assert "Phòng tỉnh khác" not in page


def test_create_room_with_seating_plan(world: World, office: Client) -> None:
    response = office.post(
        _url(world, "catalogue_create", "phong-hop"),
        {
            "name": "Phòng họp A",
            "location": "Nhà B",
            "seating_rows": 5,
            "seats_per_row": 6,
            "order": 1,
        },
    )
    assert response.status_code == 302
    room = Room.objects.get(body=world.body, name="Phòng họp A")
    assert room.capacity == 30
    assert AuditEvent.objects.filter(verb="bodies.room_create").count() == 1


def test_duplicate_name_gives_a_clear_message_and_changes_nothing(
    world: World, office: Client
) -> None:
    Title.objects.create(body=world.body, name="Bộ trưởng")
    response = office.post(_url(world, "catalogue_create", "chuc-danh"), {"name": "Bộ trưởng"})
    assert response.status_code == 400
    assert "Tên này đã có trong danh mục của cơ quan." in response.content.decode()
    assert Title.objects.filter(body=world.body).count() == 1


def test_invalid_form_is_re_rendered_with_400(world: World, office: Client) -> None:
    response = office.post(
        _url(world, "catalogue_create", "phong-hop"), {"name": "Phòng", "seating_rows": "nhiều"}
    )
    assert response.status_code == 400
    assert not Room.objects.exists()


def test_domain_rule_is_shown_on_the_form(world: World, office: Client) -> None:
    response = office.post(
        _url(world, "catalogue_create", "loai-van-ban"),
        {"name": "Nghị quyết", "abbreviation": "nq", "order": 0},
    )
    assert response.status_code == 400
    assert "Phụ lục III Nghị định 30/2020/NĐ-CP" in response.content.decode()
    assert not DocumentType.objects.exists()


def test_edit_form_carries_the_version_and_saves(world: World, office: Client) -> None:
    title = Title.objects.create(body=world.body, name="Bộ trưởng")
    url = _url(world, "catalogue_edit", "chuc-danh", pk=title.pk)
    page = office.get(url).content.decode()
    assert 'name="version"' in page
    assert 'value="1"' in page

    response = office.post(url, {"name": "Bộ trưởng, Chủ nhiệm", "order": 2, "version": 1})

    assert response.status_code == 302
    title.refresh_from_db()
    assert (title.name, title.version) == ("Bộ trưởng, Chủ nhiệm", 2)


def test_stale_edit_gives_a_clear_message_and_changes_nothing(world: World, office: Client) -> None:
    title = Title.objects.create(body=world.body, name="Bộ trưởng")
    url = _url(world, "catalogue_edit", "chuc-danh", pk=title.pk)
    assert office.post(url, {"name": "Bộ trưởng A", "order": 0, "version": 1}).status_code == 302

    response = office.post(url, {"name": "Bộ trưởng B", "order": 0, "version": 1})

    assert response.status_code == 400
    assert "đã được người khác thay đổi" in response.content.decode()
    title.refresh_from_db()
    assert title.name == "Bộ trưởng A"


def test_unit_parent_choices_are_this_bodys_units(world: World, office: Client) -> None:
    Unit.objects.create(body=world.other_body, name="Sở Ngoài")
    page = office.get(_url(world, "catalogue_create", "don-vi")).content.decode()
    assert "Bộ Thử nghiệm" in page
    assert "Sở Ngoài" not in page


def test_toggle_deactivates_and_reactivates(world: World, office: Client) -> None:
    title = Title.objects.create(body=world.body, name="Cố vấn")
    url = _url(world, "catalogue_toggle", "chuc-danh", pk=title.pk)

    assert office.post(url, {"active": "0"}).status_code == 302
    title.refresh_from_db()
    assert not title.is_active
    assert office.post(url, {"active": "1"}).status_code == 302
    title.refresh_from_db()
    assert title.is_active
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="bodies.title_").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["bodies.title_deactivate", "bodies.title_reactivate"]


def test_toggle_without_a_target_state_is_a_400(world: World, office: Client) -> None:
    title = Title.objects.create(body=world.body, name="Cố vấn")
    response = office.post(_url(world, "catalogue_toggle", "chuc-danh", pk=title.pk), {})
    assert response.status_code == 400
    title.refresh_from_db()
    assert title.is_active


def test_toggle_is_post_only(world: World, office: Client) -> None:
    title = Title.objects.create(body=world.body, name="Cố vấn")
    assert office.get(_url(world, "catalogue_toggle", "chuc-danh", pk=title.pk)).status_code == 405


def test_member_gets_403_and_outsider_404(world: World, login: Login) -> None:
    url = _url(world, "catalogue_list", "chuc-danh")
    assert login(world.user("chair")).get(url).status_code == 403
    assert login(world.user("outsider")).get(url).status_code == 404


def test_entry_of_another_body_is_404(world: World, office: Client) -> None:
    foreign = Title.objects.create(body=world.other_body, name="Chủ tịch")
    url = _url(world, "catalogue_edit", "chuc-danh", pk=foreign.pk)
    assert office.get(url).status_code == 404
    assert office.post(url, {"name": "X", "order": 0, "version": 1}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Chủ tịch"


def test_entry_of_another_kind_is_404(world: World, office: Client) -> None:
    room = Room.objects.create(body=world.body, name="Phòng 1")
    Title.objects.filter(pk=room.pk).delete()
    assert office.get(_url(world, "catalogue_edit", "chuc-danh", pk=room.pk)).status_code == 404


def test_huge_numbers_are_a_400_not_a_500(world: World, office: Client) -> None:
    response = office.post(
        _url(world, "catalogue_create", "chuc-danh"), {"name": "Cố vấn", "order": 10**12}
    )
    assert response.status_code == 400
    assert not Title.objects.exists()


def test_long_lists_are_paginated(world: World, office: Client) -> None:
    Title.objects.bulk_create(Title(body=world.body, name=f"Chức danh {i:03d}") for i in range(60))
    first = office.get(_url(world, "catalogue_list", "chuc-danh")).content.decode()
    assert "Chức danh 000" in first
    assert "Chức danh 055" not in first
    assert "page=2" in first
    second = office.get(_url(world, "catalogue_list", "chuc-danh") + "?page=2").content.decode()
    assert "Chức danh 055" in second
    assert office.get(_url(world, "catalogue_list", "chuc-danh") + "?page=x").status_code == 200
