"""Permission rows of the tracking app: every URL, for every persona.

The dashboard, its exports and routes belong to the Office and the chair (and the system
administrator); everyone signed in has "my items"; the reminder policy is the Office's.
Another body's objects are 404, never 403.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.tracking import services
from ecabinet.tracking.models import Assignment

SUBJECT_TYPE = "ballots.ballot"


def _subject(w: World, *, other: bool = False) -> dict[str, Any]:
    """An item on a subject of the first body (or of the other body), made on demand."""
    body = w.other_body if other else w.body
    persona = "outsider" if other else "member"
    subject_id = "matrix-other" if other else "matrix"
    if not Assignment.objects.filter(body=body, subject_id=subject_id).exists():
        assignee = w.user(persona)
        assert assignee is not None
        services.assignment_create(
            actor=None,
            body=body,
            assignee=assignee,
            kind="ballot.answer",
            subject_type=SUBJECT_TYPE,
            subject_id=subject_id,
            title="Phiếu lấy ý kiến (ma trận)",
            url="/",
            due_at=timezone.now() + timedelta(days=3),
        )
    return {"code": w.body.code, "subject_type": SUBJECT_TYPE, "subject_id": subject_id}


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _other_code(w: World) -> dict[str, Any]:
    return {"code": w.other_body.code}


def _settings_data(w: World) -> dict[str, Any]:
    return {
        "before_working_days": "2",
        "before_hours": "4",
        "at_deadline": "on",
        "daily_after": "on",
        "escalate_to_office": "on",
        "old_item_days": "7",
        "version": "0",
    }


# The Office (documents.manage), the chair and the system administrator; other members of
# the body are refused (they know the body); strangers get 404.
DASHBOARD = everyone(403, chair=200, office=200, admin=200, outsider=404, anonymous=302)
# Another body's dashboard: its own member (the outsider) is a plain member there.
OTHER_DASHBOARD = everyone(404, outsider=403, admin=200, anonymous=302)
CONFIGURE = everyone(403, office=200, admin=200, outsider=404, anonymous=302)

CASES = [
    Case("tracking:mine", everyone(200, anonymous=302)),
    Case("tracking:dashboard", DASHBOARD, kwargs=_code),
    Case("tracking:dashboard", OTHER_DASHBOARD, kwargs=_other_code, note="+other"),
    Case(
        "tracking:dashboard",
        everyone(403, chair=400, office=400, admin=400, outsider=404, anonymous=302),
        kwargs=_code,
        data=lambda w: {"tu": "31/02/2026"},
        note="+bad-date",
    ),
    Case("tracking:export_csv", DASHBOARD, kwargs=_code),
    Case("tracking:export_csv", OTHER_DASHBOARD, kwargs=_other_code, note="+other"),
    Case("tracking:export_xlsx", DASHBOARD, kwargs=_code),
    Case("tracking:route", DASHBOARD, kwargs=_subject),
    # Another body's subject under this body's URL: not found for those who may see routes;
    # the members refused every route stay refused (they learn nothing either way).
    Case(
        "tracking:route",
        DASHBOARD | {"chair": 404, "office": 404, "admin": 404},
        kwargs=lambda w: _subject(w, other=True),
        note="+other",
    ),
    Case("tracking:settings", CONFIGURE, kwargs=_code),
    Case(
        "tracking:settings",
        everyone(403, office=302, admin=302, outsider=404, anonymous=302),
        kwargs=_code,
        method="post",
        data=_settings_data,
        note="+post",
    ),
]
