"""Permission rows of the ballots app: every URL, for every persona.

Ballots are made on demand in the persona world: a draft filed by the submitting agency
(its unit is the member's ministry), a ballot in review at an Office staff step, one
awaiting the chair, an open one sent to the chair and the member (the substitute holds the
member's delegation, "give opinions" included), and an open one of the other body asked of
the outsider. States after drafting are set directly: signing is tested in test_journey and
test_views, the matrix only asks who may reach which page.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.ballots import services
from ecabinet.ballots.models import Assistant, Ballot, Question, Recipient
from ecabinet.bodies.models import Role
from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World

_counter = itertools.count(1)


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _filed(w: World, title: str, actor: str) -> Ballot:
    found = Ballot.objects.filter(body=w.body, title=title).first()
    if found is not None:
        return found
    return services.ballot_file(
        actor=_user(w, actor),
        body=w.body,
        title=title,
        questions=["Thông qua chủ trương (ma trận)."],
    )


def _draft(w: World) -> Ballot:
    return _filed(w, "Phiếu dự thảo (ma trận)", "agency")


def _in_state(w: World, title: str, **fields: Any) -> Ballot:
    ballot = _filed(w, title, "office")
    if ballot.status == Ballot.Status.DRAFT:
        Ballot.objects.filter(pk=ballot.pk).update(
            deadline_at=timezone.now() + timedelta(days=7), **fields
        )
        ballot.refresh_from_db()
    return ballot


def _in_review(w: World) -> Ballot:
    return _in_state(
        w,
        "Phiếu đang xem xét (ma trận)",
        status=Ballot.Status.IN_REVIEW,
        route=[Role.OFFICE_STAFF],
        review_step=0,
        cycle=1,
    )


def _awaiting(w: World) -> Ballot:
    return _in_state(
        w,
        "Phiếu chờ phê duyệt (ma trận)",
        status=Ballot.Status.AWAITING_APPROVAL,
        route=[],
        cycle=1,
    )


def _open(w: World) -> Ballot:
    return _in_state(
        w,
        "Phiếu đang lấy ý kiến (ma trận)",
        status=Ballot.Status.OPEN,
        sent_at=timezone.now(),
        electorate=2,
        chair=_user(w, "chair"),
        cycle=1,
    )


def _other_body_open(w: World) -> Ballot:
    from ecabinet.documents.models import Dossier

    found = Ballot.objects.filter(body=w.other_body).first()
    if found is not None:
        return found
    admin = _user(w, "admin")
    dossier = Dossier.objects.create(body=w.other_body, title="Hồ sơ tỉnh khác", created_by=admin)
    ballot = Ballot.objects.create(
        body=w.other_body,
        title="Phiếu của tỉnh khác",
        dossier=dossier,
        status=Ballot.Status.OPEN,
        deadline_at=timezone.now() + timedelta(days=7),
        sent_at=timezone.now(),
        electorate=1,
        created_by=admin,
    )
    Question.objects.create(ballot=ballot, number=1, text="Câu hỏi của tỉnh khác")
    outsider = w.memberships["outsider"]
    Recipient.objects.create(
        ballot=ballot, membership=outsider, user=outsider.user, role=outsider.role
    )
    return ballot


def _pk(make: Any) -> Any:
    return lambda w: {"pk": make(w).pk}


def _seat(w: World, persona: str) -> dict[str, Any]:
    ballot = _open(w)
    recipient = Recipient.objects.get(ballot=ballot, user=_user(w, persona))
    return {"pk": ballot.pk, "seat": recipient.pk}


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _assistant(w: World) -> dict[str, Any]:
    row = Assistant.objects.filter(principal=w.memberships["member"]).first()
    if row is None:
        row = services.assistant_add(
            actor=_user(w, "member"), body=w.body, assistant=w.memberships["observer"]
        )
    return {"code": w.body.code, "pk": row.pk}


def _proposal(w: World) -> dict[str, Any]:
    return {"title": f"Tờ trình {next(_counter)}", "questions": "Thông qua chủ trương."}


def _review(w: World) -> dict[str, Any]:
    return {"step": 0, "cycle": 1, "action": "forward"}


# Pages of the body's ballots: seat holders, the Office, the agency, deputies, the admin.
USERS = everyone(200, observer=403, outsider=404, anonymous=302)
NOT_FOUND = dict.fromkeys(("member", "substitute", "observer", "outsider"), 404)
# A draft of the agency's unit: the Office, the chair, the agency and the admin see it.
DRAFT_READERS = everyone(200, **NOT_FOUND, anonymous=302)
# An open ballot of the Office: the Office, the chair, the asked member, their substitute.
OPEN_READERS = everyone(200, agency=404, observer=404, outsider=404, anonymous=302)
# Acting on an open ballot: those who read it and may not act get 403.
OPEN_FORBIDDEN = everyone(403, agency=404, observer=404, outsider=404, anonymous=302)
# Acting on an Office ballot before sending: only the Office and the chair find it.
UNSENT_FORBIDDEN = everyone(403, **NOT_FOUND, agency=404, anonymous=302)

CASES = [
    Case("ballots:index", everyone(200, anonymous=302)),
    Case("ballots:list", USERS, kwargs=_code),
    Case(
        "ballots:create",
        everyone(403, office=200, agency=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case(
        "ballots:create",
        everyone(403, office=302, agency=302, outsider=404, anonymous=302),
        kwargs=_code,
        method="post",
        data=_proposal,
        note="+post",
    ),
    Case(
        "ballots:settings",
        everyone(403, office=200, admin=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case(
        "ballots:assistants",
        everyone(403, chair=200, member=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case(
        "ballots:assistant_revoke",
        everyone(404, member=302, anonymous=302),
        kwargs=_assistant,
        method="post",
    ),
    Case("ballots:detail", DRAFT_READERS, kwargs=_pk(_draft)),
    Case("ballots:detail", OPEN_READERS, kwargs=_pk(_open), note="+open"),
    Case(
        "ballots:detail",
        everyone(404, outsider=200, admin=200, anonymous=302),
        kwargs=_pk(_other_body_open),
        note="+other",
    ),
    Case(
        "ballots:edit",
        everyone(403, office=200, **NOT_FOUND, anonymous=302),
        kwargs=_pk(_draft),
    ),
    Case(
        "ballots:submit",
        everyone(403, office=302, **NOT_FOUND, anonymous=302),
        kwargs=_pk(_draft),
        method="post",
        data=lambda w: {"version": _draft(w).version},
    ),
    Case(
        "ballots:review",
        UNSENT_FORBIDDEN | {"office": 302},
        kwargs=_pk(_in_review),
        method="post",
        data=_review,
    ),
    Case(
        "ballots:approve",
        UNSENT_FORBIDDEN | {"chair": 302},
        kwargs=_pk(_awaiting),
        method="post",
    ),
    Case(
        "ballots:approve_finish",
        UNSENT_FORBIDDEN | {"chair": 302},
        kwargs=lambda w: {"pk": _awaiting(w).pk, "challenge_id": 1},
    ),
    Case(
        "ballots:withdraw",
        everyone(403, office=200, chair=200, **NOT_FOUND, anonymous=302),
        kwargs=_pk(_draft),
    ),
    Case(
        "ballots:correct",
        OPEN_FORBIDDEN | {"office": 302},
        kwargs=_pk(_open),
        method="post",
    ),
    # The member's seat: the member handed "give opinions" to the substitute, so the member
    # is told why they cannot answer (409) and the substitute answers.
    Case(
        "ballots:answer",
        OPEN_FORBIDDEN | {"substitute": 200, "member": 409},
        kwargs=lambda w: _seat(w, "member"),
    ),
    Case(
        "ballots:answer",
        OPEN_FORBIDDEN | {"chair": 200},
        kwargs=lambda w: _seat(w, "chair"),
        note="+chair",
    ),
    Case(
        "ballots:answer_finish",
        OPEN_FORBIDDEN | {"substitute": 302, "member": 409},
        kwargs=lambda w: {**_seat(w, "member"), "challenge_id": 1},
    ),
    Case(
        "ballots:attachment",
        everyone(404, anonymous=302),
        kwargs=lambda w: {"pk": _open(w).pk, "answer_id": 999_999},
        note="+missing",
    ),
    Case(
        "ballots:statement",
        everyone(404, anonymous=302),
        kwargs=lambda w: {"pk": _open(w).pk, "statement_id": uuid.UUID(int=1)},
        note="+missing",
    ),
    Case(
        "ballots:results",
        OPEN_FORBIDDEN | {"office": 200, "chair": 200, "admin": 200},
        kwargs=_pk(_open),
    ),
    Case(
        "ballots:close",
        OPEN_FORBIDDEN | {"office": 302},
        kwargs=_pk(_open),
        method="post",
    ),
    # The report is a leader of the Office's: none of the personas is one (test_views).
    Case("ballots:report", OPEN_FORBIDDEN, kwargs=_pk(_open)),
    Case(
        "ballots:report_finish",
        OPEN_FORBIDDEN,
        kwargs=lambda w: {"pk": _open(w).pk, "challenge_id": 1},
    ),
    Case(
        "ballots:report_pdf",
        everyone(404, anonymous=302),
        kwargs=_pk(_open),
        note="+missing",
    ),
    Case("ballots:decide", OPEN_FORBIDDEN | {"chair": 200}, kwargs=_pk(_open)),
    Case(
        "ballots:decide_finish",
        OPEN_FORBIDDEN | {"chair": 302},
        kwargs=lambda w: {"pk": _open(w).pk, "challenge_id": 1},
    ),
]

# The body's statistics: the Office, the chair and the admin see everyone's; a member with a
# seat sees their own; deputies, agencies and observers have none (403); another body: 404.
STATISTICS = everyone(
    403, office=200, chair=200, member=200, admin=200, outsider=404, anonymous=302
)
STATISTICS_BAD_PERIOD = {
    persona: 400 if status == 200 else status for persona, status in STATISTICS.items()
}
CASES += [
    Case("ballots:statistics", STATISTICS, kwargs=_code),
    Case(
        "ballots:statistics",
        STATISTICS_BAD_PERIOD,
        kwargs=_code,
        data=lambda w: {"tu": "31/02/2026"},
        note="+bad-period",
    ),
    Case("ballots:statistics_csv", STATISTICS, kwargs=_code),
    Case(
        "ballots:statistics_csv",
        STATISTICS_BAD_PERIOD,
        kwargs=_code,
        data=lambda w: {"bang": "khong-co"},
        note="+bad-table",
    ),
    Case("ballots:statistics_xlsx", STATISTICS, kwargs=_code),
    Case("ballots:statistics_pdf", STATISTICS, kwargs=_code),
]
