"""Permission matrix of the bodies app: every URL, GET and POST, for every persona.

Each POST is built so that it succeeds (302) for a persona that may act, whatever ran
before in the same world: names and periods are unique per call, versions are read at
call time, toggles name the target state.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.bodies.models import Body, Membership, Title
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World

_counter = itertools.count(1)

# Who may see a body's pages at all, and who gets what on the office-only ones.
MEMBERS_200 = everyone(200, outsider=404, anonymous=302)
OFFICE_ONLY_GET = everyone(403, office=200, admin=200, outsider=404, anonymous=302)
OFFICE_ONLY_POST = everyone(403, office=302, admin=302, outsider=404, anonymous=302)
ADMIN_ONLY_GET = everyone(403, admin=200, anonymous=302)
ADMIN_ONLY_POST = everyone(403, admin=302, anonymous=302)
# Memberships: the system administrator (no persona is a body administrator).
MEMBERS_MANAGE_GET = everyone(403, admin=200, outsider=404, anonymous=302)
MEMBERS_MANAGE_POST = everyone(403, admin=302, outsider=404, anonymous=302)
# Another body's object under this body's URL: 404 for everyone who gets past the body.
OTHER_BODY_OBJECT = everyone(404, anonymous=302)


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _title(body: Body, name: str = "Bộ trưởng (ma trận)") -> Title:
    title, _created = Title.objects.get_or_create(body=body, name=name)
    return title


def _title_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "kind": "chuc-danh", "pk": _title(w.body).pk}


def _other_title_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "kind": "chuc-danh", "pk": _title(w.other_body).pk}


def _title_edit_data(w: World) -> dict[str, Any]:
    title = _title(w.body)
    title.refresh_from_db()
    return {"name": f"Bộ trưởng {next(_counter)}", "order": 1, "version": title.version}


def _member_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "pk": w.memberships["observer"].pk}


def _other_member_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "pk": w.memberships["outsider"].pk}


def _member_version(w: World) -> int:
    return Membership.objects.get(pk=w.memberships["observer"].pk).version


def _member_add_data(w: World) -> dict[str, Any]:
    user = UserFactory(username=f"moi{next(_counter)}")
    return {"username": user.username, "role": "observer", "precedence": 50}


def _role_data(w: World) -> dict[str, Any]:
    # Alternate so that the change is a real change whatever ran before.
    current = Membership.objects.get(pk=w.memberships["observer"].pk).role
    role = "agency" if current == "observer" else "observer"
    return {"role": role, "version": _member_version(w)}


def _delegation_data(w: World) -> dict[str, Any]:
    # A fresh, non-overlapping future window per call, and a fresh substitute.
    n = next(_counter)
    start = timezone.localtime() + timedelta(days=30 + 3 * n)
    substitute = MembershipFactory(body=w.body, role="deputy")
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "principal": w.memberships["member"].pk,
        "substitute": substitute.pk,
        "starts_at": start.strftime(fmt),
        "ends_at": (start + timedelta(days=1)).strftime(fmt),
        "mandates": ["attend", "vote"],
        "reason": "Đi công tác",
    }


def _delegation_kwargs(w: World) -> dict[str, Any]:
    assert w.delegation is not None
    return {"code": w.body.code, "pk": w.delegation.pk}


def _body_edit_data(w: World) -> dict[str, Any]:
    body = Body.objects.get(pk=w.other_body.pk)
    return {
        "name": f"Ủy ban nhân dân tỉnh Sửa {next(_counter)}",
        "short_name": body.short_name,
        "kind": body.kind,
        "notation": body.notation,
        "organ_id": "",
        "place": body.place,
        "version": body.version,
    }


def _body_create_data(w: World) -> dict[str, Any]:
    n = next(_counter)
    return {
        "name": f"Bộ Thử {n}",
        "code": f"bo-thu-{n}",
        "kind": "ministry",
        "notation": "BT",
        "place": "Hà Nội",
    }


def _user_create_data(w: World) -> dict[str, Any]:
    n = next(_counter)
    return {
        "username": f"taomoi{n}",
        "full_name": f"Trần Thị Mới {n}",
        "email": f"taomoi{n}@example.test",
        "password": "Mat-khau-rat-dai-2026",
    }


CASES: list[Case] = [
    Case("bodies:list", everyone(200, anonymous=302)),
    Case("bodies:detail", MEMBERS_200, kwargs=_code),
    Case(
        "bodies:detail",
        everyone(404, outsider=200, admin=200, anonymous=302),
        kwargs=lambda w: {"code": w.other_body.code},
        note=" other body",
    ),
    Case(
        "bodies:detail",
        everyone(404, anonymous=302),
        kwargs=lambda w: {"code": "khong-co"},
        note=" unknown body",
    ),
    # Catalogues.
    Case("bodies:catalogue_index", OFFICE_ONLY_GET, kwargs=_code),
    Case(
        "bodies:catalogue_list",
        OFFICE_ONLY_GET,
        kwargs=lambda w: {"code": w.body.code, "kind": "phong-hop"},
    ),
    Case(
        "bodies:catalogue_list",
        everyone(403, office=404, admin=404, outsider=404, anonymous=302),
        kwargs=lambda w: {"code": w.body.code, "kind": "khong-co"},
        note=" unknown kind",
    ),
    Case(
        "bodies:catalogue_create",
        OFFICE_ONLY_GET,
        kwargs=lambda w: {"code": w.body.code, "kind": "loai-van-ban"},
    ),
    Case(
        "bodies:catalogue_create",
        OFFICE_ONLY_POST,
        kwargs=lambda w: {"code": w.body.code, "kind": "loai-van-ban"},
        method="post",
        data=lambda w: {"name": f"Nghị quyết {next(_counter)}", "order": 1},
    ),
    Case(
        "bodies:catalogue_create",
        everyone(403, office=400, admin=400, outsider=404, anonymous=302),
        kwargs=lambda w: {"code": w.body.code, "kind": "phong-hop"},
        method="post",
        data=lambda w: {"name": "", "seating_rows": 0},
        note=" invalid",
    ),
    Case("bodies:catalogue_edit", OFFICE_ONLY_GET, kwargs=_title_kwargs),
    Case(
        "bodies:catalogue_edit",
        OFFICE_ONLY_POST,
        kwargs=_title_kwargs,
        method="post",
        data=_title_edit_data,
    ),
    Case(
        "bodies:catalogue_edit",
        everyone(403, office=404, admin=404, outsider=404, anonymous=302),
        kwargs=_other_title_kwargs,
        note=" other body",
    ),
    Case(
        "bodies:catalogue_toggle",
        OFFICE_ONLY_POST,
        kwargs=_title_kwargs,
        method="post",
        data=lambda w: {"active": "0"},
    ),
    Case(
        "bodies:catalogue_toggle",
        everyone(403, office=404, admin=404, outsider=404, anonymous=302),
        kwargs=_other_title_kwargs,
        method="post",
        data=lambda w: {"active": "0"},
        note=" other body",
    ),
    # Memberships.
    Case("bodies:member_list", MEMBERS_MANAGE_GET, kwargs=_code),
    Case("bodies:member_add", MEMBERS_MANAGE_GET, kwargs=_code),
    Case(
        "bodies:member_add",
        MEMBERS_MANAGE_POST,
        kwargs=_code,
        method="post",
        data=_member_add_data,
    ),
    Case("bodies:member_edit", MEMBERS_MANAGE_GET, kwargs=_member_kwargs),
    Case(
        "bodies:member_edit",
        MEMBERS_MANAGE_POST,
        kwargs=_member_kwargs,
        method="post",
        data=lambda w: {"precedence": 7, "version": _member_version(w)},
    ),
    Case(
        "bodies:member_edit",
        everyone(403, admin=404, outsider=404, anonymous=302),
        kwargs=_other_member_kwargs,
        note=" other body",
    ),
    Case(
        "bodies:member_role",
        MEMBERS_MANAGE_POST,
        kwargs=_member_kwargs,
        method="post",
        data=_role_data,
    ),
    Case(
        "bodies:member_permission",
        MEMBERS_MANAGE_POST,
        kwargs=_member_kwargs,
        method="post",
        data=lambda w: {"perm": "members.view", "action": "grant"},
    ),
    Case(
        "bodies:member_toggle",
        MEMBERS_MANAGE_POST,
        kwargs=_member_kwargs,
        method="post",
        data=lambda w: {"active": "0"},
    ),
    Case(
        "bodies:member_toggle",
        everyone(403, admin=404, outsider=404, anonymous=302),
        kwargs=_other_member_kwargs,
        method="post",
        data=lambda w: {"active": "0"},
        note=" other body",
    ),
    # Delegations.
    Case("bodies:delegation_list", MEMBERS_200, kwargs=_code),
    Case(
        "bodies:delegation_create",
        everyone(403, chair=200, member=200, office=200, admin=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case(
        "bodies:delegation_create",
        everyone(403, chair=302, member=302, office=302, admin=302, outsider=404, anonymous=302),
        kwargs=_code,
        method="post",
        data=_delegation_data,
    ),
    Case(
        "bodies:delegation_revoke",
        everyone(403, member=302, office=302, admin=302, outsider=404, anonymous=302),
        kwargs=_delegation_kwargs,
        method="post",
    ),
    # System administration.
    Case("bodies:admin_body_list", ADMIN_ONLY_GET),
    Case("bodies:admin_body_create", ADMIN_ONLY_GET),
    Case(
        "bodies:admin_body_create",
        ADMIN_ONLY_POST,
        method="post",
        data=_body_create_data,
    ),
    Case(
        "bodies:admin_body_edit",
        ADMIN_ONLY_GET,
        kwargs=lambda w: {"code": w.other_body.code},
    ),
    Case(
        "bodies:admin_body_edit",
        ADMIN_ONLY_POST,
        kwargs=lambda w: {"code": w.other_body.code},
        method="post",
        data=_body_edit_data,
    ),
    Case(
        "bodies:admin_body_toggle",
        ADMIN_ONLY_POST,
        kwargs=lambda w: {"code": w.other_body.code},
        method="post",
        data=lambda w: {"active": "0"},
    ),
    Case("bodies:admin_user_list", ADMIN_ONLY_GET),
    Case("bodies:admin_user_create", ADMIN_ONLY_GET),
    Case(
        "bodies:admin_user_create",
        ADMIN_ONLY_POST,
        method="post",
        data=_user_create_data,
    ),
    Case(
        "bodies:admin_user_toggle",
        ADMIN_ONLY_POST,
        kwargs=lambda w: {"pk": w.memberships["observer"].user_id},
        method="post",
        data=lambda w: {"active": "0"},
    ),
]
