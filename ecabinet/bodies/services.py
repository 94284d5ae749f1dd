"""Every write to bodies, catalogues, memberships and delegations.

Each service checks permission (PermissionDenied), validates (DomainError with a message for
the user), mutates inside one transaction and appends the audit event in that transaction.
Reads that only validate stay outside the transaction: on SQLite every atomic block takes
the write lock (transaction_mode IMMEDIATE). Database constraints are the final guard
against duplicates; only their own violation is turned into a DomainError.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from functools import reduce
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ecabinet.accounts.models import User
from ecabinet.audit.services import audit_append
from ecabinet.bodies.catalogues import CatalogueKind, clean_organ_id, kind_for_model, normalise_name
from ecabinet.bodies.models import (
    Body,
    CatalogueEntry,
    Delegation,
    Mandate,
    Membership,
    Role,
    Title,
    Unit,
)
from ecabinet.bodies.permissions import (
    GRANTABLE,
    VOTING_ROLES,
    can_give_delegation,
    can_manage_bodies,
    can_manage_catalogue,
    can_manage_membership,
    can_manage_memberships,
    can_revoke_delegation,
    may_delegate,
    membership_permissions,
    perm_label,
)
from ecabinet.core.errors import DomainError

M = TypeVar("M", bound=models.Model)
# The models that are deactivated rather than deleted: each has is_active and version.
Activatable = TypeVar("Activatable", Body, Membership, Unit, CatalogueEntry)

# Body codes that are URL segments of their own under /co-quan/.
RESERVED_BODY_CODES = frozenset({"quan-tri"})
# Upper bound of orders and precedences: far above any real list, far below column limits.
MAX_NUMBER = 1_000_000
REASON_MAX = Delegation._meta.get_field("reason").max_length or 500
# A delegation may not act retroactively; this much grace covers filling in the form.
DELEGATION_START_GRACE = timedelta(minutes=5)


def _stale() -> DomainError:
    """The row changed since the form was loaded (its version moved on)."""
    return DomainError(
        _(
            "Dữ liệu đã được người khác thay đổi sau khi bạn mở biểu mẫu. "
            "Vui lòng tải lại trang và nhập lại."
        ),
        code="stale",
    )


# --- helpers -------------------------------------------------------------------------------


def unique_violation(exc: IntegrityError, model: type[models.Model], constraint_name: str) -> bool:
    """Whether ``exc`` is the violation of this unique constraint, on PostgreSQL or SQLite."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return bool(name == constraint_name)
    constraint = next(
        (c for c in model._meta.constraints if c.name == constraint_name),
        None,
    )
    if not isinstance(constraint, models.UniqueConstraint):
        return False
    # SQLite names the columns: "UNIQUE constraint failed: bodies_title.body_id, bodies_title.name"
    table = model._meta.db_table
    columns = ", ".join(
        f"{table}.{model._meta.get_field(f).column}"  # type: ignore[union-attr]
        for f in constraint.fields
    )
    return str(exc) == f"UNIQUE constraint failed: {columns}"


def _save_guarded(
    obj: M, constraints: Mapping[str, str | Promise], *, force_insert: bool = False
) -> M:
    """Save inside a savepoint; a violation of one of ``constraints`` becomes a DomainError."""
    try:
        with transaction.atomic():
            obj.save(force_insert=force_insert)
    except IntegrityError as exc:
        for name, message in constraints.items():
            if unique_violation(exc, type(obj), name):
                raise DomainError(message, code="duplicate") from exc
        raise
    return obj


def _lock(model: type[M], pk: Any) -> M:
    return model._default_manager.select_for_update().get(pk=pk)


def _check_version(obj: Any, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise _stale()


def _set_active(
    model: type[Activatable],
    pk: Any,
    *,
    actor: User,
    active: bool,
    unchanged: str,
    snapshot: Callable[[Activatable], dict[str, Any]],
    verb_prefix: str,
    body: Body | int,
) -> Activatable:
    """Lock the row, flip ``is_active``, bump its version and append the audit event
    ``<verb_prefix>_reactivate`` or ``<verb_prefix>_deactivate``.

    ``unchanged`` is the refusal when the row is already so. Runs in the caller's
    transaction, so that follow-up work (revoking delegations) commits with the flip.
    """
    locked = _lock(model, pk)
    if locked.is_active == active:
        raise DomainError(unchanged, code="unchanged")
    before = snapshot(locked)
    locked.is_active = active
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    audit_append(
        actor=actor,
        verb=f"{verb_prefix}_{'reactivate' if active else 'deactivate'}",
        obj=locked,
        body=body,
        before=before,
        after=snapshot(locked),
    )
    return locked


# --- catalogues ----------------------------------------------------------------------------


def _catalogue_clash(
    kind: CatalogueKind, body: Body, exclude_pk: Any, data: Mapping[str, Any]
) -> str | Promise | None:
    """Message for a value that clashes, ignoring case, with another entry of the body.

    The database constraint compares exactly; this catches "Bộ tài chính" against
    "Bộ Tài chính" as well, before the transaction starts.
    """
    for constraint_name, fields in kind.unique_fields().items():
        if len(fields) != 1:
            continue
        field_name = fields[0]
        value = data.get(field_name)
        if not isinstance(value, str) or not value:
            continue
        others = (
            kind.model._default_manager.filter(body=body)
            .exclude(pk=exclude_pk)
            .values_list(field_name, flat=True)
        )
        if any(str(v).casefold() == value.casefold() for v in others):
            return kind.unique_messages.get(constraint_name, _("Giá trị này đã được dùng."))
    return None


def _check_bounds(model: type[models.Model], data: Mapping[str, Any]) -> None:
    """Text within its column's length, numbers within a sane range: a form does this for
    the web, but services are also called by commands and the API."""
    for name, value in data.items():
        field = model._meta.get_field(name)
        label = capfirst(str(getattr(field, "verbose_name", name)))
        if isinstance(field, models.CharField):
            if not isinstance(value, str):
                raise DomainError(_("%(field)s không hợp lệ.") % {"field": label})
            if field.choices and value not in {str(choice) for choice, _label in field.flatchoices}:
                raise DomainError(_("%(field)s không hợp lệ.") % {"field": label})
            if field.max_length is not None and len(value) > field.max_length:
                raise DomainError(
                    _("%(field)s dài tối đa %(max)d ký tự.")
                    % {"field": label, "max": field.max_length}
                )
        elif isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField) and (
            not isinstance(value, int) or not 0 <= value <= MAX_NUMBER
        ):
            raise DomainError(
                _("%(field)s phải là số từ 0 đến %(max)d.") % {"field": label, "max": MAX_NUMBER}
            )


def _catalogue_prepare(
    kind: CatalogueKind, body: Body, entry: Any, data: Mapping[str, Any]
) -> dict[str, Any]:
    unknown = set(data) - set(kind.fields)
    if unknown:
        raise ValueError(f"unknown fields for {kind.slug}: {sorted(unknown)}")
    cleaned = dict(data)
    for name in kind.fields:
        if name in cleaned:
            continue
        if entry is not None:
            cleaned[name] = getattr(entry, name)
        else:
            cleaned[name] = kind.model._meta.get_field(name).get_default()  # type: ignore[union-attr]
    if "order" in cleaned and cleaned["order"] is None:
        cleaned["order"] = 0
    kind.clean(body, entry, cleaned)
    _check_bounds(kind.model, cleaned)
    clash = _catalogue_clash(kind, body, getattr(entry, "pk", None), cleaned)
    if clash is not None:
        raise DomainError(clash, code="duplicate")
    return cleaned


def catalogue_entry_create(
    *, actor: User, body: Body, kind: CatalogueKind, data: Mapping[str, Any]
) -> Any:
    """Add an entry to one of the body's catalogues (office staff, body and system admins)."""
    if not can_manage_catalogue(actor, body):
        raise PermissionDenied
    cleaned = _catalogue_prepare(kind, body, None, data)
    entry = kind.model(body=body, **cleaned)
    with transaction.atomic():
        _save_guarded(entry, kind.unique_messages, force_insert=True)
        audit_append(
            actor=actor,
            verb=f"bodies.{kind.model_name}_create",
            obj=entry,
            body=body,
            before=None,
            after=kind.snapshot(entry),
        )
    return entry


def catalogue_entry_update(
    *, actor: User, entry: Any, version: int, data: Mapping[str, Any]
) -> Any:
    """Change an entry; refused when it changed since the form was loaded (``version``)."""
    kind = kind_for_model(type(entry))
    body = entry.body
    if not can_manage_catalogue(actor, body):
        raise PermissionDenied
    cleaned = _catalogue_prepare(kind, body, entry, data)
    with transaction.atomic():
        locked: Any = _lock(kind.model, entry.pk)
        _check_version(locked, version)
        before = kind.snapshot(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.version += 1
        _save_guarded(locked, kind.unique_messages)
        audit_append(
            actor=actor,
            verb=f"bodies.{kind.model_name}_update",
            obj=locked,
            body=body,
            before=before,
            after=kind.snapshot(locked),
        )
    return locked


def catalogue_entry_set_active(*, actor: User, entry: Any, active: bool) -> Any:
    """Stop offering an entry for new use, or offer it again. Entries are never deleted:
    meetings, documents and memberships keep pointing at them."""
    kind = kind_for_model(type(entry))
    body = entry.body
    if not can_manage_catalogue(actor, body):
        raise PermissionDenied
    if isinstance(entry, Unit):
        _check_unit_activation(entry, active)
    with transaction.atomic():
        return _set_active(
            type(entry),
            entry.pk,
            actor=actor,
            active=active,
            unchanged=(
                _("Mục này đang được sử dụng rồi.")
                if active
                else _("Mục này đã ngừng sử dụng rồi.")
            ),
            snapshot=kind.snapshot,
            verb_prefix=f"bodies.{kind.model_name}",
            body=body,
        )


def _check_unit_activation(unit: Unit, active: bool) -> None:
    if active and unit.parent is not None and not unit.parent.is_active:
        raise DomainError(
            _("Đơn vị cấp trên “%(name)s” đang ngừng sử dụng; hãy sử dụng lại đơn vị đó trước.")
            % {"name": unit.parent}
        )
    if not active and Unit.objects.filter(parent=unit, is_active=True).exists():
        raise DomainError(
            _("Đơn vị còn đơn vị trực thuộc đang sử dụng; hãy ngừng sử dụng các đơn vị đó trước.")
        )


# --- bodies --------------------------------------------------------------------------------

BODY_FIELDS = ("name", "short_name", "code", "kind", "notation", "organ_id", "place")
BODY_EDITABLE = ("name", "short_name", "kind", "notation", "organ_id", "place")


def _body_snapshot(body: Body) -> dict[str, Any]:
    return {
        **{name: getattr(body, name) for name in BODY_FIELDS},
        "is_active": body.is_active,
        "version": body.version,
    }


def _clean_body_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    cleaned["name"] = normalise_name(str(cleaned.get("name", "")))
    if not cleaned["name"]:
        raise DomainError(_("Tên cơ quan không được để trống."))
    if not cleaned.get("notation"):
        raise DomainError(_("Ký hiệu cơ quan không được để trống."))
    if cleaned.get("kind") not in Body.Kind.values:
        raise DomainError(_("Loại cơ quan không hợp lệ."))
    cleaned["organ_id"] = clean_organ_id(str(cleaned.get("organ_id", "")))
    _check_bounds(Body, cleaned)
    return cleaned


def _body_clash(cleaned: Mapping[str, Any], exclude_pk: int | None) -> None:
    others = Body.objects.all() if exclude_pk is None else Body.objects.exclude(pk=exclude_pk)
    name = str(cleaned["name"]).casefold()
    if any(n.casefold() == name for n in others.values_list("name", flat=True)):
        raise DomainError(_("Đã có cơ quan mang tên này."), code="duplicate")
    if "code" in cleaned and others.filter(code=cleaned["code"]).exists():
        raise DomainError(_("Mã cơ quan này đã được dùng."), code="duplicate")


def _save_body(body: Body, *, force_insert: bool = False) -> None:
    """Save; the unique name and code columns are the final guard against a race."""
    try:
        with transaction.atomic():
            body.save(force_insert=force_insert)
    except IntegrityError as exc:
        clash = Body.objects.exclude(pk=body.pk)
        if clash.filter(code=body.code).exists():
            raise DomainError(_("Mã cơ quan này đã được dùng."), code="duplicate") from exc
        if clash.filter(name=body.name).exists():
            raise DomainError(_("Đã có cơ quan mang tên này."), code="duplicate") from exc
        raise


def body_create(
    *,
    actor: User,
    name: str,
    code: str,
    notation: str,
    kind: str = Body.Kind.GOVERNMENT,
    short_name: str = "",
    organ_id: str = "",
    place: str = "Hà Nội",
) -> Body:
    """Create a body (system administrator). Its code is fixed: it is part of every URL."""
    if not can_manage_bodies(actor):
        raise PermissionDenied
    cleaned = _clean_body_fields(
        {
            "name": name,
            "code": code,
            "notation": notation,
            "kind": kind,
            "short_name": short_name,
            "organ_id": organ_id,
            "place": place,
        }
    )
    cleaned["code"] = str(cleaned["code"]).lower()
    if not cleaned["code"]:
        raise DomainError(_("Mã cơ quan không được để trống."))
    if cleaned["code"] in RESERVED_BODY_CODES:
        raise DomainError(_("Mã “%(code)s” được hệ thống dành riêng.") % {"code": code})
    _body_clash(cleaned, None)
    body = Body(**cleaned)
    with transaction.atomic():
        _save_body(body, force_insert=True)
        audit_append(
            actor=actor,
            verb="bodies.body_create",
            obj=body,
            body=body,
            after=_body_snapshot(body),
        )
    return body


def body_update(*, actor: User, body: Body, version: int, data: Mapping[str, Any]) -> Body:
    """Change a body's name, notation, identifiers (not its code)."""
    if not can_manage_bodies(actor):
        raise PermissionDenied
    unknown = set(data) - set(BODY_EDITABLE)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    merged = {name: getattr(body, name) for name in BODY_EDITABLE} | dict(data)
    cleaned = _clean_body_fields(merged)
    _body_clash(cleaned, body.pk)
    with transaction.atomic():
        locked = _lock(Body, body.pk)
        _check_version(locked, version)
        before = _body_snapshot(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.version += 1
        _save_body(locked)
        audit_append(
            actor=actor,
            verb="bodies.body_update",
            obj=locked,
            body=locked,
            before=before,
            after=_body_snapshot(locked),
        )
    return locked


def body_set_active(*, actor: User, body: Body, active: bool) -> Body:
    """Deactivate a body (its members no longer see it) or reactivate it."""
    if not can_manage_bodies(actor):
        raise PermissionDenied
    with transaction.atomic():
        return _set_active(
            Body,
            body.pk,
            actor=actor,
            active=active,
            unchanged=(
                _("Cơ quan đang hoạt động rồi.") if active else _("Cơ quan đã ngừng hoạt động rồi.")
            ),
            snapshot=_body_snapshot,
            verb_prefix="bodies.body",
            body=body.pk,
        )


# --- memberships ---------------------------------------------------------------------------


def _membership_snapshot(m: Membership) -> dict[str, Any]:
    return {
        "user": m.user_id,
        "role": m.role,
        "title": m.title_id,
        "unit": m.unit_id,
        "precedence": m.precedence,
        "extra_permissions": sorted(m.extra_permissions),
        "is_active": m.is_active,
        "version": m.version,
    }


def _check_placement(
    body: Body, title: Title | None, unit: Unit | None, current: Membership | None
) -> None:
    if title is not None:
        if title.body_id != body.pk:
            raise DomainError(_("Chức danh phải thuộc danh mục của cơ quan này."))
        if not title.is_active and (current is None or current.title_id != title.pk):
            raise DomainError(_("Chức danh “%(name)s” đã ngừng sử dụng.") % {"name": title})
    if unit is not None:
        if unit.body_id != body.pk:
            raise DomainError(_("Đơn vị phải thuộc cơ quan này."))
        if not unit.is_active and (current is None or current.unit_id != unit.pk):
            raise DomainError(_("Đơn vị “%(name)s” đã ngừng sử dụng.") % {"name": unit})


def _check_precedence(precedence: int) -> None:
    if not 0 <= precedence <= MAX_NUMBER:
        raise DomainError(_("Thứ tự ưu tiên phải là số từ 0 đến %(max)d.") % {"max": MAX_NUMBER})


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise DomainError(_("Vai trò không hợp lệ."))


def membership_add(
    *,
    actor: User,
    body: Body,
    user: User,
    role: str,
    title: Title | None = None,
    unit: Unit | None = None,
    precedence: int = 1000,
) -> Membership:
    """Add a person to a body with a role, title, unit and place in the order of precedence."""
    if not can_manage_memberships(actor, body):
        raise PermissionDenied
    _check_role(role)
    if not user.is_active:
        raise DomainError(_("Tài khoản “%(name)s” đang bị khóa.") % {"name": user})
    _check_placement(body, title, unit, None)
    _check_precedence(precedence)
    if Membership.objects.filter(body=body, user=user).exists():
        raise DomainError(_("%(name)s đã là thành viên của cơ quan.") % {"name": user})
    membership = Membership(
        body=body, user=user, role=role, title=title, unit=unit, precedence=precedence
    )
    with transaction.atomic():
        _save_guarded(
            membership,
            {
                "membership_one_per_body": _("%(name)s đã là thành viên của cơ quan.")
                % {"name": user}
            },
            force_insert=True,
        )
        audit_append(
            actor=actor,
            verb="bodies.membership_add",
            obj=membership,
            body=body,
            after=_membership_snapshot(membership),
        )
    return membership


def _lock_membership(membership: Membership, version: int | None) -> Membership:
    locked = _lock(Membership, membership.pk)
    _check_version(locked, version)
    return locked


def membership_update(
    *,
    actor: User,
    membership: Membership,
    version: int,
    title: Title | None,
    unit: Unit | None,
    precedence: int,
) -> Membership:
    """Change a member's title, unit and place in the order of precedence."""
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    _check_placement(membership.body, title, unit, membership)
    _check_precedence(precedence)
    with transaction.atomic():
        locked = _lock_membership(membership, version)
        before = _membership_snapshot(locked)
        locked.title = title
        locked.unit = unit
        locked.precedence = precedence
        locked.version += 1
        locked.save(update_fields=["title", "unit", "precedence", "version"])
        audit_append(
            actor=actor,
            verb="bodies.membership_update",
            obj=locked,
            body=locked.body_id,
            before=before,
            after=_membership_snapshot(locked),
        )
    return locked


def _revoke_invalidated_delegations(actor: User, membership: Membership) -> None:
    """Revoke open delegations this membership can no longer take part in.

    Called inside the transaction that changed the membership: a principal who lost the
    right to delegate, a substitute who now holds a voting seat, or anyone deactivated.
    """
    as_principal = not membership.is_active or not may_delegate(membership)
    as_substitute = not membership.is_active or membership.role in VOTING_ROLES
    conditions = [
        q
        for q, applies in (
            (models.Q(principal=membership), as_principal),
            (models.Q(substitute=membership), as_substitute),
        )
        if applies
    ]
    if not conditions:
        return
    now = timezone.now()
    invalid = Delegation.objects.filter(
        reduce(operator.or_, conditions), revoked_at__isnull=True, ends_at__gt=now
    )
    for delegation in invalid.select_for_update().order_by("pk"):
        _revoke(actor, delegation, now)


def membership_change_role(
    *, actor: User, membership: Membership, role: str, version: int | None = None
) -> Membership:
    """Change a member's role; the audit event records the old and the new role."""
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    _check_role(role)
    with transaction.atomic():
        locked = _lock_membership(membership, version)
        if locked.role == role:
            raise DomainError(_("Thành viên đang giữ vai trò này rồi."), code="unchanged")
        old = locked.role
        locked.role = role
        locked.version += 1
        locked.save(update_fields=["role", "version"])
        audit_append(
            actor=actor,
            verb="bodies.membership_change_role",
            obj=locked,
            body=locked.body_id,
            before={"role": old},
            after={"role": role},
        )
        _revoke_invalidated_delegations(actor, locked)
    return locked


def membership_grant_permission(*, actor: User, membership: Membership, perm: str) -> Membership:
    """Grant an extra permission (from GRANTABLE) on top of the member's role."""
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    if perm not in GRANTABLE:
        raise DomainError(_("Quyền này không thể cấp bổ sung."))
    with transaction.atomic():
        locked = _lock_membership(membership, None)
        if perm in membership_permissions(locked) or perm in locked.extra_permissions:
            raise DomainError(
                _("Thành viên đã có quyền “%(perm)s”.") % {"perm": perm_label(perm)},
                code="unchanged",
            )
        before = sorted(locked.extra_permissions)
        locked.extra_permissions = sorted({*locked.extra_permissions, perm})
        locked.version += 1
        locked.save(update_fields=["extra_permissions", "version"])
        audit_append(
            actor=actor,
            verb="bodies.membership_grant_permission",
            obj=locked,
            body=locked.body_id,
            before={"extra_permissions": before},
            after={"extra_permissions": locked.extra_permissions},
        )
    return locked


def membership_revoke_permission(*, actor: User, membership: Membership, perm: str) -> Membership:
    """Take back an extra permission (the role's own permissions stay)."""
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    with transaction.atomic():
        locked = _lock_membership(membership, None)
        if perm not in locked.extra_permissions:
            raise DomainError(
                _("Thành viên không có quyền bổ sung “%(perm)s”.") % {"perm": perm_label(perm)},
                code="unchanged",
            )
        before = sorted(locked.extra_permissions)
        locked.extra_permissions = [p for p in before if p != perm]
        locked.version += 1
        locked.save(update_fields=["extra_permissions", "version"])
        audit_append(
            actor=actor,
            verb="bodies.membership_revoke_permission",
            obj=locked,
            body=locked.body_id,
            before={"extra_permissions": before},
            after={"extra_permissions": locked.extra_permissions},
        )
        _revoke_invalidated_delegations(actor, locked)
    return locked


def membership_set_active(*, actor: User, membership: Membership, active: bool) -> Membership:
    """Deactivate a membership (history keeps pointing at it) or reactivate it.

    Deactivation also revokes the member's open delegations, given and received.
    """
    if not can_manage_membership(actor, membership):
        raise PermissionDenied
    if active and not membership.user.is_active:
        raise DomainError(
            _("Tài khoản “%(name)s” đang bị khóa.") % {"name": membership.user},
        )
    with transaction.atomic():
        locked = _set_active(
            Membership,
            membership.pk,
            actor=actor,
            active=active,
            unchanged=(
                _("Thành viên đang hoạt động rồi.")
                if active
                else _("Thành viên đã ngừng hoạt động rồi.")
            ),
            snapshot=_membership_snapshot,
            verb_prefix="bodies.membership",
            body=membership.body_id,
        )
        _revoke_invalidated_delegations(actor, locked)
    return locked


# --- delegations ---------------------------------------------------------------------------


def _delegation_snapshot(d: Delegation) -> dict[str, Any]:
    return {
        "principal": d.principal_id,
        "substitute": d.substitute_id,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "mandates": sorted(d.mandates()),
        "reason": d.reason,
        "revoked_at": d.revoked_at,
    }


def _overlapping(qs: models.QuerySet[Delegation], starts_at: datetime, ends_at: datetime) -> bool:
    return qs.filter(revoked_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at).exists()


def delegation_create(
    *,
    actor: User,
    principal: Membership,
    substitute: Membership,
    starts_at: datetime,
    ends_at: datetime,
    mandates: Iterable[str],
    reason: str = "",
) -> Delegation:
    """A member names a substitute for a period (cử người tham gia thay), or the Office
    records it on the member's behalf.

    Rules: the substitute is another active member of the same body without a voting seat;
    the period ends after it starts and has not passed; at least one mandate; no overlap
    with another delegation of the same principal or to the same substitute. The overlap is
    checked with both memberships locked, so two simultaneous requests cannot both pass.
    """
    if not can_give_delegation(actor, principal):
        raise PermissionDenied
    body = principal.body
    wanted = frozenset(mandates)
    if not wanted:
        raise DomainError(_("Hãy chọn ít nhất một nội dung được ủy quyền."))
    if not wanted <= set(Mandate.values):
        raise DomainError(_("Nội dung ủy quyền không hợp lệ."))
    if substitute.body_id != principal.body_id:
        raise DomainError(_("Người dự thay phải là thành viên của cùng cơ quan."))
    if substitute.pk == principal.pk or substitute.user_id == principal.user_id:
        raise DomainError(_("Không thể tự cử chính mình dự thay."))
    if not substitute.is_active or not substitute.user.is_active:
        raise DomainError(_("Người dự thay không còn là thành viên đang hoạt động của cơ quan."))
    if substitute.role in VOTING_ROLES:
        raise DomainError(
            _(
                "%(name)s đang giữ ghế biểu quyết trong cơ quan nên không thể dự thay "
                "(sẽ có hai phiếu)."
            )
            % {"name": substitute.user}
        )
    if ends_at <= starts_at:
        raise DomainError(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
    now = timezone.now()
    if ends_at <= now:
        raise DomainError(_("Thời gian ủy quyền đã qua."))
    if starts_at < now - DELEGATION_START_GRACE:
        raise DomainError(_("Thời điểm bắt đầu không được ở trong quá khứ."))
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise DomainError(_("Lý do dài tối đa %(max)d ký tự.") % {"max": REASON_MAX})
    delegation = Delegation(
        body=body,
        principal=principal,
        substitute=substitute,
        starts_at=starts_at,
        ends_at=ends_at,
        can_attend=Mandate.ATTEND in wanted,
        can_speak=Mandate.SPEAK in wanted,
        can_vote=Mandate.VOTE in wanted,
        can_give_opinions=Mandate.GIVE_OPINIONS in wanted,
        reason=reason,
        created_by=actor,
    )
    with transaction.atomic():
        # Lock both memberships, lowest id first so two requests cannot deadlock, then
        # check overlap: every writer of the same principal or substitute waits here.
        locked = {
            m.pk: m
            for m in Membership.objects.select_for_update()
            .filter(pk__in=sorted({principal.pk, substitute.pk}))
            .order_by("pk")
        }
        if not locked[principal.pk].is_active or not may_delegate(locked[principal.pk]):
            raise DomainError(_("Thành viên này không có quyền cử người dự thay."))
        if not locked[substitute.pk].is_active:
            raise DomainError(
                _("Người dự thay không còn là thành viên đang hoạt động của cơ quan.")
            )
        if _overlapping(Delegation.objects.filter(principal=principal), starts_at, ends_at):
            raise DomainError(
                _("Thời gian này trùng với một ủy quyền khác của %(name)s.")
                % {"name": principal.user}
            )
        if _overlapping(Delegation.objects.filter(substitute=substitute), starts_at, ends_at):
            raise DomainError(
                _("%(name)s đã được cử dự thay cho thành viên khác trong thời gian này.")
                % {"name": substitute.user}
            )
        delegation.save(force_insert=True)
        audit_append(
            actor=actor,
            verb="bodies.delegation_create",
            obj=delegation,
            body=body,
            after=_delegation_snapshot(delegation),
        )
    return delegation


def _revoke(actor: User, delegation: Delegation, now: datetime) -> None:
    before = _delegation_snapshot(delegation)
    delegation.revoked_at = now
    delegation.revoked_by = actor
    delegation.save(update_fields=["revoked_at", "revoked_by"])
    audit_append(
        actor=actor,
        verb="bodies.delegation_revoke",
        obj=delegation,
        body=delegation.body_id,
        before=before,
        after=_delegation_snapshot(delegation),
    )


def delegation_revoke(*, actor: User, delegation: Delegation) -> Delegation:
    """End a delegation now (the principal or the Office). Refused once it has ended."""
    if not can_revoke_delegation(actor, delegation):
        raise PermissionDenied
    with transaction.atomic():
        locked = _lock(Delegation, delegation.pk)
        now = timezone.now()
        if locked.revoked_at is not None:
            raise DomainError(_("Ủy quyền này đã được thu hồi."), code="unchanged")
        if locked.ends_at <= now:
            raise DomainError(_("Ủy quyền này đã hết hạn."), code="unchanged")
        _revoke(actor, locked, now)
    return locked
