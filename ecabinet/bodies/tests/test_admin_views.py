from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Body
from ecabinet.core.testing.personas import World

Login = Callable[[User | None], Client]


@pytest.fixture
def admin(world: World, login: Login) -> Client:
    return login(world.user("admin"))


def _body_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Ủy ban nhân dân tỉnh Lào Cai",
        "short_name": "UBND Lào Cai",
        "code": "ubnd-lao-cai",
        "kind": "province",
        "notation": "UBND",
        "organ_id": "000.00.00.H34",
        "place": "Lào Cai",
    }
    data.update(overrides)
    return data


def test_admin_lists_every_body(world: World, admin: Client) -> None:
    page = admin.get(reverse("bodies:admin_body_list")).content.decode()
    assert world.body.name in page
    assert world.other_body.name in page


def test_admin_creates_a_body(admin: Client) -> None:
    response = admin.post(reverse("bodies:admin_body_create"), _body_data())
    assert response.status_code == 302
    body = Body.objects.get(code="ubnd-lao-cai")
    assert body.organ_id == "000.00.00.H34"


def test_duplicate_body_is_a_400_with_a_message(world: World, admin: Client) -> None:
    response = admin.post(reverse("bodies:admin_body_create"), _body_data(code=world.body.code))
    assert response.status_code == 400
    assert "Mã cơ quan này đã được dùng." in response.content.decode()


def test_invalid_code_is_a_400(admin: Client) -> None:
    response = admin.post(reverse("bodies:admin_body_create"), _body_data(code="mã có dấu"))
    assert response.status_code == 400
    assert not Body.objects.filter(name="Ủy ban nhân dân tỉnh Lào Cai").exists()


def test_admin_edits_a_body_and_a_stale_form_is_refused(world: World, admin: Client) -> None:
    url = reverse("bodies:admin_body_edit", kwargs={"code": world.other_body.code})
    assert admin.get(url).status_code == 200
    data = _body_data(name="Ủy ban nhân dân tỉnh Đổi Tên", version="1")
    del data["code"]
    assert admin.post(url, data).status_code == 302
    stale = admin.post(url, {**data, "name": "Tên khác"})
    assert stale.status_code == 400
    assert "đã được người khác thay đổi" in stale.content.decode()
    world.other_body.refresh_from_db()
    assert world.other_body.name == "Ủy ban nhân dân tỉnh Đổi Tên"


def test_admin_deactivates_a_body(world: World, admin: Client) -> None:
    url = reverse("bodies:admin_body_toggle", kwargs={"code": world.other_body.code})
    assert admin.post(url, {"active": "0"}).status_code == 302
    world.other_body.refresh_from_db()
    assert not world.other_body.is_active


def test_unknown_body_is_404_for_the_admin(admin: Client) -> None:
    url = reverse("bodies:admin_body_edit", kwargs={"code": "khong-co"})
    assert admin.get(url).status_code == 404


def test_admin_creates_a_user_through_the_accounts_service(admin: Client) -> None:
    response = admin.post(
        reverse("bodies:admin_user_create"),
        {
            "username": "bo.truong",
            "full_name": "Lê Văn Bộ Trưởng",
            "email": "bo.truong@example.test",
            "password": "Mot-mat-khau-du-dai-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="bo.truong")
    assert user.check_password("Mot-mat-khau-du-dai-2026")
    assert not user.is_superuser
    assert AuditEvent.objects.filter(verb="accounts.user_created").count() == 1


def test_duplicate_username_is_a_400_with_a_message(admin: Client) -> None:
    response = admin.post(
        reverse("bodies:admin_user_create"),
        {"username": "CHAIR", "full_name": "Trùng", "email": "trung@example.test"},
    )
    assert response.status_code == 400
    assert "đã được sử dụng" in response.content.decode()


def test_weak_password_is_a_400_with_the_reason(admin: Client) -> None:
    response = admin.post(
        reverse("bodies:admin_user_create"),
        {
            "username": "yeu",
            "full_name": "Mật khẩu yếu",
            "email": "yeu@example.test",
            "password": "123",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="yeu").exists()


def test_admin_deactivates_and_reactivates_a_user(world: World, admin: Client) -> None:
    target = world.user("observer")
    assert target is not None
    url = reverse("bodies:admin_user_toggle", kwargs={"pk": target.pk})
    assert admin.post(url, {"active": "0"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert admin.post(url, {"active": "1"}).status_code == 302
    target.refresh_from_db()
    assert target.is_active


def test_admin_cannot_deactivate_themselves(world: World, admin: Client) -> None:
    me = world.user("admin")
    assert me is not None
    response = admin.post(
        reverse("bodies:admin_user_toggle", kwargs={"pk": me.pk}), {"active": "0"}, follow=True
    )
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.is_active


def test_user_list_filters(world: World, admin: Client) -> None:
    page = admin.get(reverse("bodies:admin_user_list") + "?q=outsider").content.decode()
    assert "Người ngoài" in page
    assert "Người thử chair" not in page


@pytest.mark.parametrize("persona", ["chair", "office", "outsider"])
def test_members_get_403_on_administration(world: World, login: Login, persona: str) -> None:
    client = login(world.user(persona))
    assert client.get(reverse("bodies:admin_body_list")).status_code == 403
    assert client.get(reverse("bodies:admin_user_list")).status_code == 403
