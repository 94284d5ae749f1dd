from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from ecabinet.accounts.models import User
from ecabinet.audit.models import AuditEvent
from ecabinet.bodies import services
from ecabinet.bodies.catalogues import KINDS
from ecabinet.bodies.models import DocumentType, IssuingAgency, MeetingType, Room, Title, Unit
from ecabinet.bodies.services import (
    catalogue_entry_create,
    catalogue_entry_set_active,
    catalogue_entry_update,
)
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.personas import World

VALID: dict[str, dict[str, Any]] = {
    "chuc-danh": {"name": "Phó Thủ tướng", "order": 2},
    "loai-cuoc-hop": {"name": "Phiên họp thường kỳ", "code": "thuong-ky", "order": 1},
    "loai-van-ban": {"name": "Nghị quyết", "abbreviation": "NQ", "order": 1},
    "phong-hop": {
        "name": "Phòng họp số 1",
        "location": "Tầng 2",
        "seating_rows": 4,
        "seats_per_row": 8,
        "order": 1,
    },
    "co-quan-ban-hanh": {"name": "Bộ Tài chính", "organ_id": "000.00.00.G09", "order": 1},
    "don-vi": {"name": "Vụ Tổng hợp", "short_name": "TH", "kind": "department", "order": 3},
}


def _office(world: World) -> User:
    user = world.user("office")
    assert user is not None
    return user


def _create(world: World, slug: str, **data: Any) -> Any:
    return catalogue_entry_create(
        actor=_office(world), body=world.body, kind=KINDS[slug], data={**VALID[slug], **data}
    )


def _audits(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


@pytest.mark.parametrize("slug", list(KINDS))
def test_office_creates_an_entry_of_every_kind_and_it_is_audited(world: World, slug: str) -> None:
    entry = _create(world, slug)

    assert entry.pk is not None
    assert entry.body == world.body
    assert entry.is_active
    kind = KINDS[slug]
    (event,) = _audits(f"bodies.{kind.model_name}_create")
    assert event.body_id == world.body.pk
    assert event.actor_id == _office(world).pk
    assert event.before is None
    assert event.after is not None
    assert event.after["name"] == VALID[slug]["name"]


def test_room_keeps_its_seating_plan(world: World) -> None:
    room = _create(world, "phong-hop")
    assert isinstance(room, Room)
    assert (room.seating_rows, room.seats_per_row, room.capacity) == (4, 8, 32)


def test_name_is_trimmed_and_inner_spaces_collapsed(world: World) -> None:
    title = _create(world, "chuc-danh", name="  Bộ   trưởng  ")
    assert title.name == "Bộ trưởng"


def test_blank_name_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="không được để trống"):
        _create(world, "chuc-danh", name="   ")
    assert not Title.objects.exists()


def test_duplicate_name_in_the_body_is_refused_and_nothing_changes(world: World) -> None:
    _create(world, "chuc-danh", name="Bộ trưởng")
    events = AuditEvent.objects.count()

    with pytest.raises(DomainError, match="đã có trong danh mục") as exc:
        _create(world, "chuc-danh", name="bộ TRƯỞNG")

    assert exc.value.code == "duplicate"
    assert Title.objects.filter(body=world.body).count() == 1
    assert AuditEvent.objects.count() == events


def test_same_name_in_another_body_is_allowed(world: World) -> None:
    _create(world, "chuc-danh", name="Bộ trưởng")
    admin = world.user("admin")
    assert admin is not None
    other = catalogue_entry_create(
        actor=admin, body=world.other_body, kind=KINDS["chuc-danh"], data={"name": "Bộ trưởng"}
    )
    assert other.body == world.other_body


def test_database_constraint_is_the_final_guard_against_a_duplicate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two requests that both passed the pre-check: the unique constraint decides.
    _create(world, "chuc-danh", name="Bộ trưởng")
    monkeypatch.setattr(services, "_catalogue_clash", lambda *args: None)
    events = AuditEvent.objects.count()

    with pytest.raises(DomainError, match="đã có trong danh mục"):
        _create(world, "chuc-danh", name="Bộ trưởng")

    assert Title.objects.filter(body=world.body).count() == 1
    assert AuditEvent.objects.count() == events


def test_database_guard_names_the_constraint_that_failed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(world, "loai-van-ban", name="Nghị quyết", abbreviation="NQ")
    monkeypatch.setattr(services, "_catalogue_clash", lambda *args: None)

    with pytest.raises(DomainError, match="Chữ viết tắt này đã được dùng"):
        _create(world, "loai-van-ban", name="Nghị quyết phiên họp", abbreviation="NQ")


@pytest.mark.parametrize("persona", ["chair", "member", "substitute", "agency", "observer"])
def test_other_members_may_not_create(world: World, persona: str) -> None:
    user = world.user(persona)
    assert user is not None
    with pytest.raises(PermissionDenied):
        catalogue_entry_create(
            actor=user, body=world.body, kind=KINDS["chuc-danh"], data={"name": "Cố vấn"}
        )
    assert not Title.objects.exists()


def test_outsider_may_not_create_in_another_body(world: World) -> None:
    outsider = world.user("outsider")
    assert outsider is not None
    with pytest.raises(PermissionDenied):
        catalogue_entry_create(
            actor=outsider, body=world.body, kind=KINDS["chuc-danh"], data={"name": "Cố vấn"}
        )


def test_unknown_field_is_a_programming_error(world: World) -> None:
    with pytest.raises(ValueError, match="unknown fields"):
        _create(world, "chuc-danh", is_active=False)


# --- update ----------------------------------------------------------------------------------


def test_update_changes_the_entry_and_records_before_and_after(world: World) -> None:
    room = _create(world, "phong-hop")

    updated = catalogue_entry_update(
        actor=_office(world),
        entry=room,
        version=room.version,
        data={**VALID["phong-hop"], "name": "Phòng họp lớn", "seating_rows": 10},
    )

    assert updated.name == "Phòng họp lớn"
    assert updated.version == room.version + 1
    (event,) = _audits("bodies.room_update")
    assert event.before is not None
    assert event.after is not None
    assert event.before["name"] == "Phòng họp số 1"
    assert event.before["seating_rows"] == 4
    assert event.after["name"] == "Phòng họp lớn"
    assert event.after["seating_rows"] == 10


def test_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    title = _create(world, "chuc-danh", name="Bộ trưởng")
    loaded_version = title.version
    # Someone else saves first.
    catalogue_entry_update(
        actor=_office(world),
        entry=title,
        version=loaded_version,
        data={"name": "Bộ trưởng, Chủ nhiệm"},
    )
    events = AuditEvent.objects.count()

    with pytest.raises(DomainError, match="người khác thay đổi") as exc:
        catalogue_entry_update(
            actor=_office(world), entry=title, version=loaded_version, data={"name": "Thứ trưởng"}
        )

    assert exc.value.code == "stale"
    title.refresh_from_db()
    assert title.name == "Bộ trưởng, Chủ nhiệm"
    assert AuditEvent.objects.count() == events


def test_renaming_onto_another_entry_is_refused(world: World) -> None:
    _create(world, "chuc-danh", name="Bộ trưởng")
    second = _create(world, "chuc-danh", name="Thứ trưởng")
    with pytest.raises(DomainError, match="đã có trong danh mục"):
        catalogue_entry_update(
            actor=_office(world), entry=second, version=second.version, data={"name": "Bộ Trưởng"}
        )
    second.refresh_from_db()
    assert second.name == "Thứ trưởng"


def test_keeping_its_own_name_is_not_a_duplicate(world: World) -> None:
    title = _create(world, "chuc-danh", name="Bộ trưởng")
    updated = catalogue_entry_update(
        actor=_office(world),
        entry=title,
        version=title.version,
        data={"name": "Bộ trưởng", "order": 5},
    )
    assert updated.order == 5


def test_member_may_not_update(world: World) -> None:
    title = _create(world, "chuc-danh")
    member = world.user("member")
    assert member is not None
    with pytest.raises(PermissionDenied):
        catalogue_entry_update(actor=member, entry=title, version=title.version, data={"name": "X"})


# --- deactivate / reactivate -----------------------------------------------------------------


def test_deactivate_then_reactivate_is_audited(world: World) -> None:
    agency = _create(world, "co-quan-ban-hanh")

    off = catalogue_entry_set_active(actor=_office(world), entry=agency, active=False)
    assert not off.is_active
    on = catalogue_entry_set_active(actor=_office(world), entry=off, active=True)
    assert on.is_active

    (deactivated,) = _audits("bodies.issuingagency_deactivate")
    assert deactivated.before is not None
    assert deactivated.after is not None
    assert deactivated.before["is_active"] is True
    assert deactivated.after["is_active"] is False
    (reactivated,) = _audits("bodies.issuingagency_reactivate")
    assert reactivated.after is not None
    assert reactivated.after["is_active"] is True


def test_deactivating_twice_is_refused(world: World) -> None:
    title = _create(world, "chuc-danh")
    catalogue_entry_set_active(actor=_office(world), entry=title, active=False)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="đã ngừng sử dụng"):
        catalogue_entry_set_active(actor=_office(world), entry=title, active=False)
    assert AuditEvent.objects.count() == events


def test_observer_may_not_deactivate(world: World) -> None:
    title = _create(world, "chuc-danh")
    observer = world.user("observer")
    assert observer is not None
    with pytest.raises(PermissionDenied):
        catalogue_entry_set_active(actor=observer, entry=title, active=False)
    title.refresh_from_db()
    assert title.is_active


# --- per-kind rules --------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "seats"), [(0, 5), (5, 0), (101, 5), (5, 101), (None, 5)])
def test_room_needs_a_sensible_seating_plan(world: World, rows: Any, seats: Any) -> None:
    with pytest.raises(DomainError):
        _create(world, "phong-hop", seating_rows=rows, seats_per_row=seats)
    assert not Room.objects.exists()


@pytest.mark.parametrize("abbreviation", ["NQ", "QĐ", "TTr", "CTr", ""])
def test_decree_30_abbreviations_are_accepted(world: World, abbreviation: str) -> None:
    doc_type = _create(world, "loai-van-ban", abbreviation=abbreviation)
    assert isinstance(doc_type, DocumentType)
    assert doc_type.abbreviation == abbreviation


@pytest.mark.parametrize("abbreviation", ["nq", "N Q", "NQ1", "NQ-CP", "ABCDEFGHIJK"])
def test_malformed_abbreviation_is_refused(world: World, abbreviation: str) -> None:
    with pytest.raises(DomainError, match="Chữ viết tắt"):
        _create(world, "loai-van-ban", abbreviation=abbreviation)


def test_two_document_types_may_not_share_an_abbreviation(world: World) -> None:
    _create(world, "loai-van-ban", name="Nghị quyết", abbreviation="NQ")
    with pytest.raises(DomainError, match="Chữ viết tắt này đã được dùng"):
        _create(world, "loai-van-ban", name="Nghị quyết liên tịch", abbreviation="NQ")
    # Blank abbreviations (công văn) do not clash with each other.
    _create(world, "loai-van-ban", name="Công văn", abbreviation="")
    _create(world, "loai-van-ban", name="Công văn hỏa tốc", abbreviation="")
    assert DocumentType.objects.filter(abbreviation="").count() == 2


def test_organ_id_is_normalised_to_upper_case(world: World) -> None:
    agency = _create(world, "co-quan-ban-hanh", organ_id=" 000.00.00.g09 ")
    assert isinstance(agency, IssuingAgency)
    assert agency.organ_id == "000.00.00.G09"


@pytest.mark.parametrize("organ_id", ["000.00.00.G091", "000 00 00 G09", "000..00", ".G09", "Đ01"])
def test_malformed_organ_id_is_refused(world: World, organ_id: str) -> None:
    with pytest.raises(DomainError, match="OrganId"):
        _create(world, "co-quan-ban-hanh", organ_id=organ_id)


def test_organ_id_is_unique_in_the_body(world: World) -> None:
    _create(world, "co-quan-ban-hanh", name="Bộ Tài chính", organ_id="000.00.00.G09")
    with pytest.raises(DomainError, match="Mã định danh này đã được dùng"):
        _create(world, "co-quan-ban-hanh", name="Bộ Tài chính (cũ)", organ_id="000.00.00.G09")


def test_meeting_type_code_must_be_a_slug(world: World) -> None:
    with pytest.raises(DomainError, match="Mã loại cuộc họp"):
        _create(world, "loai-cuoc-hop", code="thường kỳ")
    meeting_type = _create(world, "loai-cuoc-hop", code="Thuong-Ky")
    assert isinstance(meeting_type, MeetingType)
    assert meeting_type.code == "thuong-ky"


# --- units -----------------------------------------------------------------------------------


def test_unit_parent_must_belong_to_the_same_body(world: World) -> None:
    foreign = Unit.objects.create(body=world.other_body, name="Sở Nội vụ")
    with pytest.raises(DomainError, match="cùng cơ quan"):
        _create(world, "don-vi", parent=foreign)


def test_unit_may_not_be_its_own_ancestor(world: World) -> None:
    office = _create(world, "don-vi", name="Văn phòng", kind="office")
    department = _create(world, "don-vi", name="Vụ Tổng hợp", parent=office)
    with pytest.raises(DomainError, match="cấp trên"):
        catalogue_entry_update(
            actor=_office(world), entry=office, version=office.version, data={"parent": department}
        )
    with pytest.raises(DomainError, match="cấp trên"):
        catalogue_entry_update(
            actor=_office(world), entry=office, version=office.version, data={"parent": office}
        )
    office.refresh_from_db()
    assert office.parent is None


def test_inactive_parent_is_refused_for_a_new_unit(world: World) -> None:
    office = _create(world, "don-vi", name="Văn phòng", kind="office")
    catalogue_entry_set_active(actor=_office(world), entry=office, active=False)
    office.refresh_from_db()
    with pytest.raises(DomainError, match="đã ngừng sử dụng"):
        _create(world, "don-vi", name="Vụ Tổng hợp", parent=office)


def test_unit_with_active_children_cannot_be_deactivated(world: World) -> None:
    office = _create(world, "don-vi", name="Văn phòng", kind="office")
    child = _create(world, "don-vi", name="Vụ Tổng hợp", parent=office)
    with pytest.raises(DomainError, match="trực thuộc"):
        catalogue_entry_set_active(actor=_office(world), entry=office, active=False)

    catalogue_entry_set_active(actor=_office(world), entry=child, active=False)
    catalogue_entry_set_active(actor=_office(world), entry=office, active=False)
    child.refresh_from_db()
    with pytest.raises(DomainError, match="hãy sử dụng lại đơn vị đó trước"):
        catalogue_entry_set_active(actor=_office(world), entry=child, active=True)


# --- bounds (services are called by commands and the API too, not only by forms) -------------


def test_overlong_name_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="dài tối đa 200 ký tự"):
        _create(world, "chuc-danh", name="Bộ trưởng " * 30)


@pytest.mark.parametrize("order", [-1, 1_000_001, "1"])
def test_order_out_of_range_is_refused(world: World, order: Any) -> None:
    with pytest.raises(DomainError, match="Thứ tự phải là số từ 0"):
        _create(world, "chuc-danh", order=order)


def test_unknown_unit_kind_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="Loại không hợp lệ"):
        _create(world, "don-vi", kind="empire")


def test_fields_left_out_take_their_defaults(world: World) -> None:
    room = catalogue_entry_create(
        actor=_office(world), body=world.body, kind=KINDS["phong-hop"], data={"name": "Phòng nhỏ"}
    )
    assert (room.location, room.seating_rows, room.seats_per_row, room.order) == ("", 1, 1, 0)
