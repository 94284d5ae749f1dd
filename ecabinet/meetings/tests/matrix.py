"""Permission rows of the meetings app: every URL, for every persona.

Meetings are made on demand in the persona world: a draft with one item presented by the
agency's unit (the member's ministry) and a paper the agency submitted; a meeting whose
invitations went out to the chair and the member, four days ahead (inside the period of the
member's delegation to the substitute), with its invitation PDF; the same with its papers
published; and a meeting of the other body to which the outsider is invited. States after
the draft are set directly: sending is tested in test_services and test_views, the matrix
only asks who may reach which page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Invitation, ItemDocument, Meeting
from ecabinet.meetings.tests.conftest import pdf, start_in
from ecabinet.meetings.tests.matrix_support import catalogue as _catalogue
from ecabinet.meetings.tests.matrix_support import make_meeting, other_body_meeting


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _make(w: World, title: str, starts_at: Any) -> Meeting:
    return make_meeting(w, title, starts_at, "Dự án Luật (ma trận)")


def _draft(w: World) -> Meeting:
    return _make(w, "Cuộc họp dự thảo (ma trận)", start_in(10))


def _item(w: World) -> dict[str, Any]:
    meeting = _draft(w)
    item = AgendaItem.objects.filter(meeting=meeting).first()
    assert item is not None
    return {"pk": meeting.pk, "item": item.pk}


def _paper(w: World) -> dict[str, Any]:
    meeting = _draft(w)
    paper = ItemDocument.objects.filter(item__meeting=meeting).first()
    if paper is None:
        item = AgendaItem.objects.get(meeting=meeting)
        item.meeting = meeting
        paper = services.item_document_submit(
            actor=_user(w, "agency"), item=item, data=pdf("Tờ trình (ma trận)"), filename="tt.pdf"
        )
    return {"pk": meeting.pk, "paper": paper.pk}


def _sent(w: World, title: str, status: str) -> Meeting:
    from ecabinet.documents.services import DocumentMeta, document_upload

    meeting = _make(w, title, timezone.now() + timedelta(days=4))
    if meeting.status == Meeting.Status.DRAFT:
        document = document_upload(
            actor=_user(w, "office"),
            data=pdf(f"Giấy mời {title}"),
            filename="giay-moi.pdf",
            dossier=meeting.dossier,
            meta=DocumentMeta(title="Giấy mời"),
        )
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            status=status,
            invitations_sent_at=now,
            documents_published_at=now if status == Meeting.Status.DOCUMENTS_PUBLISHED else None,
            invitation_document=document,
        )
        for persona in ("chair", "member"):
            m = w.memberships[persona]
            Invitation.objects.create(meeting=meeting, membership=m, user=m.user, role=m.role)
        meeting.refresh_from_db()
    return meeting


def _scheduled(w: World) -> Meeting:
    return _sent(w, "Cuộc họp đã gửi giấy mời (ma trận)", Meeting.Status.SCHEDULED)


def _published(w: World) -> Meeting:
    return _sent(w, "Cuộc họp đã gửi tài liệu (ma trận)", Meeting.Status.DOCUMENTS_PUBLISHED)


def _other_body(w: World) -> Meeting:
    return other_body_meeting(w, "Cuộc họp của tỉnh khác", timedelta(days=5))


def _pk(make: Any) -> Any:
    return lambda w: {"pk": make(w).pk}


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _meeting_form(w: World) -> dict[str, Any]:
    meeting_type, room = _catalogue(w)
    return {
        "meeting_type": meeting_type.pk,
        "title": "Cuộc họp mới (ma trận)",
        "date": start_in(10).strftime("%Y-%m-%d"),
        "start_time": "08:00",
        "end_time": "11:00",
        "room": room.pk,
        "chair": w.memberships["chair"].pk,
    }


ANON = {"anonymous": 302}
# A draft: the Office, the body's chair (also its chair), the presenting agency, the admin.
DRAFT_READERS = everyone(200, member=404, substitute=404, observer=404, outsider=404, **ANON)
# Actions of the Office on a draft: those who read it and may not act get 403.
DRAFT_OFFICE = everyone(
    403, office=200, member=404, substitute=404, observer=404, outsider=404, **ANON
)
# Invitations out: the invited member and their substitute read it too; observers wait for
# the papers.
SENT_READERS = everyone(200, observer=404, outsider=404, **ANON)
SENT_FORBIDDEN = everyone(403, observer=404, outsider=404, **ANON)

CASES = [
    Case("meetings:index", everyone(200, **ANON)),
    Case("meetings:list", everyone(200, outsider=404, **ANON), kwargs=_code),
    Case("meetings:create", everyone(403, office=200, outsider=404, **ANON), kwargs=_code),
    Case(
        "meetings:create",
        everyone(403, office=302, outsider=404, **ANON),
        kwargs=_code,
        method="post",
        data=_meeting_form,
        note="+post",
    ),
    Case(
        "meetings:settings",
        everyone(403, office=200, admin=200, outsider=404, **ANON),
        kwargs=_code,
    ),
    Case("meetings:detail", DRAFT_READERS, kwargs=_pk(_draft)),
    Case("meetings:detail", SENT_READERS, kwargs=_pk(_scheduled), note="+scheduled"),
    Case(
        "meetings:detail",
        everyone(200, outsider=404, **ANON),
        kwargs=_pk(_published),
        note="+published",
    ),
    Case(
        "meetings:detail",
        everyone(404, outsider=200, admin=200, **ANON),
        kwargs=_pk(_other_body),
        note="+other",
    ),
    Case("meetings:edit", DRAFT_OFFICE, kwargs=_pk(_draft)),
    Case(
        "meetings:answers",
        SENT_FORBIDDEN | {"office": 200, "chair": 200, "admin": 200},
        kwargs=_pk(_scheduled),
    ),
    Case("meetings:item_add", DRAFT_OFFICE, kwargs=_pk(_draft)),
    Case(
        "meetings:item_add",
        DRAFT_OFFICE | {"office": 302},
        kwargs=_pk(_draft),
        method="post",
        data=lambda w: {"title": "Nội dung mới (ma trận)", "planned_minutes": 20},
        note="+post",
    ),
    Case("meetings:item_edit", DRAFT_OFFICE, kwargs=_item),
    Case("meetings:item_remove", DRAFT_OFFICE, kwargs=_item),
    Case(
        "meetings:item_move",
        DRAFT_OFFICE | {"office": 302},
        kwargs=_item,
        method="post",
        data=lambda w: {"direction": "up"},
    ),
    Case("meetings:item_upload", DRAFT_OFFICE | {"agency": 200}, kwargs=_item),
    Case(
        "meetings:paper_decide",
        DRAFT_OFFICE | {"office": 302},
        kwargs=_paper,
        method="post",
        data=lambda w: {"action": "approve"},
    ),
    Case("meetings:invite", DRAFT_OFFICE, kwargs=_pk(_draft)),
    # No paper is approved: the Office is told so on the meeting's page (a redirect).
    Case(
        "meetings:publish",
        SENT_FORBIDDEN | {"office": 302},
        kwargs=_pk(_scheduled),
        method="post",
        data=lambda w: {"version": _scheduled(w).version},
    ),
    Case(
        "meetings:respond",
        SENT_FORBIDDEN | {"member": 200, "chair": 200},
        kwargs=_pk(_scheduled),
    ),
    Case(
        "meetings:respond",
        SENT_FORBIDDEN | {"member": 302, "chair": 302},
        kwargs=_pk(_scheduled),
        method="post",
        data=lambda w: {"response": "accepted", "version": 1},
        note="+post",
    ),
    Case("meetings:invitation_pdf", SENT_READERS, kwargs=_pk(_scheduled)),
    Case("meetings:cancel", DRAFT_OFFICE, kwargs=_pk(_draft)),
]

# Rows of the positions, live-session and screen pages live beside their own code.
from ecabinet.meetings.tests import matrix_live, matrix_positions, matrix_screens  # noqa: E402

CASES += matrix_positions.CASES + matrix_live.CASES + matrix_screens.CASES
