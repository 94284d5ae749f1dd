"""Permission matrix of the audit trail pages (run by core/tests/test_permission_matrix.py).

AUDIT_VIEW holders (here the chair) and the system administrator read a body's trail; other
members get 403, members of other bodies 404, anonymous visitors the login page.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body
from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World

READERS_200 = everyone(403, chair=200, admin=200, outsider=404, anonymous=302)
# Another body's event under this body's URL: not found by anyone who may read this trail.
OTHER_BODY_EVENT = everyone(403, chair=404, admin=404, outsider=404, anonymous=302)


def _event_in(body: Body) -> AuditEvent:
    with transaction.atomic():
        return audit_append(
            actor=None,
            verb="matrix.checked",
            body=body,
            obj=body,
            before={"trạng thái": "cũ"},
            after={"trạng thái": "mới"},
        )


def _body(w: World) -> dict[str, Any]:
    return {"body_code": w.body.code}


def _event(w: World) -> dict[str, Any]:
    return {"body_code": w.body.code, "seq": _event_in(w.body).seq}


def _other_body_event(w: World) -> dict[str, Any]:
    return {"body_code": w.body.code, "seq": _event_in(w.other_body).seq}


CASES: list[Case] = [
    Case("audit:list", READERS_200, kwargs=_body),
    Case(
        "audit:list", READERS_200, kwargs=_body, data=lambda w: {"verb": "matrix"}, note="-filtered"
    ),
    Case("audit:detail", READERS_200, kwargs=_event),
    Case("audit:detail", OTHER_BODY_EVENT, kwargs=_other_body_event, note="-other-body"),
    Case(
        "audit:detail",
        READERS_200 | {"chair": 404, "admin": 404},
        kwargs=lambda w: {"body_code": w.body.code, "seq": 10**9},
        note="-missing",
    ),
]
