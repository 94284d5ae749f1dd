from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Body
from ecabinet.bodies.services import body_create, body_set_active, body_update
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World


def _admin(world: World) -> User:
    user = world.user("admin")
    assert user is not None
    return user


def _create(world: World, **overrides: str) -> Body:
    data = {
        "name": "Bộ Kế hoạch và Đầu tư",
        "code": "bo-khdt",
        "notation": "BKHĐT",
        "kind": Body.Kind.MINISTRY,
        "organ_id": "000.00.00.G06",
    }
    data.update(overrides)
    return body_create(actor=_admin(world), **data)


def test_admin_creates_a_body_and_it_is_audited(world: World) -> None:
    body = _create(world)

    assert body.code == "bo-khdt"
    assert body.is_active
    event = AuditEvent.objects.get(verb="bodies.body_create")
    assert event.body_id == body.pk
    assert event.after is not None
    assert event.after["notation"] == "BKHĐT"


@pytest.mark.parametrize("persona", ["chair", "office", "member", "outsider"])
def test_only_the_system_administrator_creates_bodies(world: World, persona: str) -> None:
    user = world.user(persona)
    assert user is not None
    with pytest.raises(PermissionDenied):
        body_create(actor=user, name="Bộ Mới", code="bo-moi", notation="BM")
    assert not Body.objects.filter(code="bo-moi").exists()


def test_duplicate_name_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="Đã có cơ quan mang tên này"):
        _create(world, name="chính phủ (THỬ)", code="khac")


def test_duplicate_code_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="Mã cơ quan này đã được dùng"):
        _create(world, code=world.body.code)


def test_reserved_code_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="dành riêng"):
        _create(world, code="quan-tri")


def test_notation_is_required(world: World) -> None:
    with pytest.raises(DomainError, match="Ký hiệu"):
        _create(world, notation="  ")


def test_malformed_organ_id_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="OrganId"):
        _create(world, organ_id="000.00.00.G06.X")


def test_update_is_audited_with_before_and_after(world: World) -> None:
    body = _create(world)
    updated = body_update(
        actor=_admin(world),
        body=body,
        version=body.version,
        data={"name": "Bộ Tài chính", "notation": "BTC"},
    )
    assert updated.name == "Bộ Tài chính"
    assert updated.code == "bo-khdt"
    event = AuditEvent.objects.get(verb="bodies.body_update")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["name"], event.after["name"]) == ("Bộ Kế hoạch và Đầu tư", "Bộ Tài chính")


def test_stale_update_is_refused(world: World) -> None:
    body = _create(world)
    loaded = body.version
    body_update(actor=_admin(world), body=body, version=loaded, data={"place": "Huế"})
    with pytest.raises(DomainError, match="người khác thay đổi"):
        body_update(actor=_admin(world), body=body, version=loaded, data={"place": "Đà Nẵng"})
    body.refresh_from_db()
    assert body.place == "Huế"


def test_code_cannot_be_changed(world: World) -> None:
    body = _create(world)
    with pytest.raises(ValueError, match="not editable"):
        body_update(actor=_admin(world), body=body, version=body.version, data={"code": "moi"})


def test_renaming_onto_another_body_is_refused(world: World) -> None:
    body = _create(world)
    with pytest.raises(DomainError, match="Đã có cơ quan mang tên này"):
        body_update(
            actor=_admin(world), body=body, version=body.version, data={"name": world.body.name}
        )


def test_deactivate_hides_the_body_from_its_members_and_is_audited(world: World) -> None:
    from ecabinet.bodies.selectors import body_list_for

    member = world.user("member")
    assert member is not None
    body_set_active(actor=_admin(world), body=world.body, active=False)

    assert world.body not in body_list_for(member)
    assert AuditEvent.objects.filter(verb="bodies.body_deactivate").count() == 1
    with pytest.raises(DomainError, match="đã ngừng hoạt động"):
        body_set_active(actor=_admin(world), body=world.body, active=False)

    body_set_active(actor=_admin(world), body=world.body, active=True)
    assert world.body in body_list_for(member)


def test_office_may_not_deactivate_its_body(world: World) -> None:
    office = world.user("office")
    assert office is not None
    with pytest.raises(PermissionDenied):
        body_set_active(actor=office, body=world.body, active=False)
