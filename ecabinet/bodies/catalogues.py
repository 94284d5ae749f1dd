"""The catalogues the Office keeps for its body, described as data.

One entry per kind drives the generic list / create / edit / toggle views and services:
which model, which fields the form shows, which columns the list shows, and the rules that
normalise and check a submitted entry. Adding a catalogue is adding one ``CatalogueKind``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.bodies.models import (
    Body,
    DocumentType,
    IssuingAgency,
    MeetingType,
    Room,
    Title,
    Unit,
)
from ecabinet.core.errors import DomainError

CatalogueModel = Title | MeetingType | DocumentType | Room | IssuingAgency | Unit
Cleaner = Callable[[Body, Any, dict[str, Any]], None]

MAX_SEATING_ROWS = 100
MAX_SEATS_PER_ROW = 100
# Decree 30/2020/ND-CP, Appendix III: "NQ", "QĐ", "TTr", "CTr", ... (letters only).
ABBREVIATION_RE = re.compile(r"^[A-ZĐ][A-Za-zĐđ]{0,9}$")
# edXML OrganId (QCVN 102:2016/BTTTT), e.g. "000.00.00.G01": up to 13 characters,
# upper-case letters and digits in dot-separated groups.
ORGAN_ID_RE = re.compile(r"^[A-Z0-9]+(\.[A-Z0-9]+)*$")
ORGAN_ID_MAX = 13


def normalise_name(value: str) -> str:
    """Trim and collapse inner whitespace, so "Bộ  Tài chính " equals "Bộ Tài chính"."""
    return " ".join(value.split())


def clean_organ_id(value: str) -> str:
    """Normalise an edXML OrganId (blank allowed); DomainError when malformed."""
    organ_id = value.strip().upper()
    if not organ_id:
        return ""
    if len(organ_id) > ORGAN_ID_MAX or not ORGAN_ID_RE.match(organ_id):
        raise DomainError(
            _(
                "Mã định danh (OrganId) “%(value)s” không hợp lệ: tối đa 13 ký tự gồm chữ in "
                "hoa, chữ số và dấu chấm, ví dụ 000.00.00.G01."
            )
            % {"value": value.strip()}
        )
    return organ_id


def _clean_common(data: dict[str, Any]) -> None:
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = value.strip()
    data["name"] = normalise_name(str(data.get("name", "")))
    if not data["name"]:
        raise DomainError(_("Tên không được để trống."))


def _clean_title(body: Body, entry: Title | None, data: dict[str, Any]) -> None:
    _clean_common(data)


def _clean_meeting_type(body: Body, entry: MeetingType | None, data: dict[str, Any]) -> None:
    _clean_common(data)
    code = str(data.get("code", "")).lower()
    if code and not re.match(r"^[a-z0-9-]+$", code):
        raise DomainError(_("Mã loại cuộc họp chỉ gồm chữ cái không dấu, chữ số và dấu gạch."))
    data["code"] = code


def _clean_document_type(body: Body, entry: DocumentType | None, data: dict[str, Any]) -> None:
    _clean_common(data)
    abbreviation = str(data.get("abbreviation", ""))
    if abbreviation and not ABBREVIATION_RE.match(abbreviation):
        raise DomainError(
            _(
                "Chữ viết tắt “%(value)s” không hợp lệ: theo Phụ lục III Nghị định "
                "30/2020/NĐ-CP, chỉ gồm chữ cái, bắt đầu bằng chữ in hoa (ví dụ NQ, QĐ, TTr)."
            )
            % {"value": abbreviation}
        )


def _clean_room(body: Body, entry: Room | None, data: dict[str, Any]) -> None:
    _clean_common(data)
    rows = data.get("seating_rows")
    seats = data.get("seats_per_row")
    if not isinstance(rows, int) or not 1 <= rows <= MAX_SEATING_ROWS:
        raise DomainError(
            _("Số hàng ghế phải từ 1 đến %(max)d.") % {"max": MAX_SEATING_ROWS},
        )
    if not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS_PER_ROW:
        raise DomainError(
            _("Số ghế mỗi hàng phải từ 1 đến %(max)d.") % {"max": MAX_SEATS_PER_ROW},
        )


def _clean_issuing_agency(body: Body, entry: IssuingAgency | None, data: dict[str, Any]) -> None:
    _clean_common(data)
    data["organ_id"] = clean_organ_id(str(data.get("organ_id", "")))


def _clean_unit(body: Body, entry: Unit | None, data: dict[str, Any]) -> None:
    _clean_common(data)
    parent = data.get("parent")
    if parent is None:
        return
    if not isinstance(parent, Unit) or parent.body_id != body.pk:
        raise DomainError(_("Đơn vị cấp trên phải thuộc cùng cơ quan."))
    unchanged = entry is not None and entry.parent_id == parent.pk
    if not parent.is_active and not unchanged:
        raise DomainError(_("Đơn vị cấp trên “%(name)s” đã ngừng sử dụng.") % {"name": parent})
    if entry is not None:
        # Walk up from the new parent: meeting the unit itself means a cycle. Depth is a few
        # levels (ministry → department → division), so one query per level is fine.
        seen: set[int] = set()
        node: Unit | None = parent
        while node is not None and node.pk not in seen:
            if node.pk == entry.pk:
                raise DomainError(
                    _("Không thể chọn chính đơn vị này hoặc đơn vị trực thuộc nó làm cấp trên.")
                )
            seen.add(node.pk)
            node = node.parent


@dataclass(frozen=True)
class CatalogueKind:
    """One catalogue: its URL slug, model, form fields, list columns and rules."""

    slug: str
    model: type[models.Model]
    label: str | Promise
    singular: str | Promise
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    clean: Cleaner
    # Unique constraint name → message shown when a submitted value clashes with it.
    unique_messages: Mapping[str, str | Promise] = field(default_factory=dict)
    help_texts: Mapping[str, str | Promise] = field(default_factory=dict)

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name or ""

    def unique_fields(self) -> dict[str, tuple[str, ...]]:
        """Constraint name → the fields (besides ``body``) that must be unique in a body."""
        result: dict[str, tuple[str, ...]] = {}
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                result[constraint.name] = tuple(f for f in constraint.fields if f != "body")
        return result

    def snapshot(self, entry: Any) -> dict[str, Any]:
        """The entry's editable state, as recorded before and after in the audit log."""
        values: dict[str, Any] = {}
        for name in (*self.fields, "is_active", "version"):
            model_field = self.model._meta.get_field(name)
            if isinstance(model_field, models.ForeignKey):
                values[name] = getattr(entry, model_field.attname)
            else:
                values[name] = getattr(entry, name)
        return values


_NAME_TAKEN = gettext_lazy("Tên này đã có trong danh mục của cơ quan.")

KINDS: dict[str, CatalogueKind] = {
    kind.slug: kind
    for kind in (
        CatalogueKind(
            slug="chuc-danh",
            model=Title,
            label=gettext_lazy("Chức danh"),
            singular=gettext_lazy("chức danh"),
            fields=("name", "order"),
            columns=("name", "order"),
            clean=_clean_title,
            unique_messages={"title_unique_name_per_body": _NAME_TAKEN},
        ),
        CatalogueKind(
            slug="loai-cuoc-hop",
            model=MeetingType,
            label=gettext_lazy("Loại cuộc họp"),
            singular=gettext_lazy("loại cuộc họp"),
            fields=("name", "code", "order"),
            columns=("name", "code", "order"),
            clean=_clean_meeting_type,
            unique_messages={
                "meetingtype_unique_name_per_body": _NAME_TAKEN,
                "meetingtype_unique_code_per_body": gettext_lazy(
                    "Mã này đã được dùng cho loại cuộc họp khác của cơ quan."
                ),
            },
        ),
        CatalogueKind(
            slug="loai-van-ban",
            model=DocumentType,
            label=gettext_lazy("Loại văn bản"),
            singular=gettext_lazy("loại văn bản"),
            fields=("name", "abbreviation", "order"),
            columns=("name", "abbreviation", "order"),
            clean=_clean_document_type,
            unique_messages={
                "documenttype_unique_name_per_body": _NAME_TAKEN,
                "documenttype_unique_abbreviation_per_body": gettext_lazy(
                    "Chữ viết tắt này đã được dùng cho loại văn bản khác của cơ quan."
                ),
            },
            help_texts={
                "abbreviation": gettext_lazy(
                    "Theo Phụ lục III Nghị định 30/2020/NĐ-CP, ví dụ NQ, QĐ, TTr; "
                    "để trống với công văn."
                )
            },
        ),
        CatalogueKind(
            slug="phong-hop",
            model=Room,
            label=gettext_lazy("Phòng họp"),
            singular=gettext_lazy("phòng họp"),
            fields=("name", "location", "seating_rows", "seats_per_row", "order"),
            columns=("name", "location", "seating_rows", "seats_per_row"),
            clean=_clean_room,
            unique_messages={"room_unique_name_per_body": _NAME_TAKEN},
        ),
        CatalogueKind(
            slug="co-quan-ban-hanh",
            model=IssuingAgency,
            label=gettext_lazy("Cơ quan ban hành"),
            singular=gettext_lazy("cơ quan ban hành"),
            fields=("name", "organ_id", "order"),
            columns=("name", "organ_id", "order"),
            clean=_clean_issuing_agency,
            unique_messages={
                "issuingagency_unique_name_per_body": _NAME_TAKEN,
                "issuingagency_unique_organ_id_per_body": gettext_lazy(
                    "Mã định danh này đã được dùng cho cơ quan ban hành khác."
                ),
            },
            help_texts={
                "organ_id": gettext_lazy(
                    "Mã định danh trên trục liên thông (edXML), tối đa 13 ký tự, "
                    "ví dụ 000.00.00.G01."
                )
            },
        ),
        CatalogueKind(
            slug="don-vi",
            model=Unit,
            label=gettext_lazy("Đơn vị"),
            singular=gettext_lazy("đơn vị"),
            fields=("name", "short_name", "kind", "parent", "order"),
            columns=("name", "short_name", "kind", "parent"),
            clean=_clean_unit,
            unique_messages={"unit_unique_name_per_body": _NAME_TAKEN},
        ),
    )
}


def kind_for_slug(slug: str) -> CatalogueKind:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def kind_for_model(model: type[models.Model]) -> CatalogueKind:
    for kind in KINDS.values():
        if kind.model is model:
            return kind
    raise LookupError(f"{model.__name__} is not a catalogue")
