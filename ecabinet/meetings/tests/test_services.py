"""The preparation services: happy and refused paths, audit events, stale forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.bodies.models import Delegation, Room, Unit
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.documents.models import Document, Dossier
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Invitation, ItemDocument, Meeting, MeetingSettings
from ecabinet.meetings.selectors import latest_invitation_time
from ecabinet.meetings.tests.conftest import Prep, start_in
from ecabinet.notifications.models import Notification
from ecabinet.tracking.models import Assignment

pytestmark = pytest.mark.django_db


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))


# --- Creating and editing ------------------------------------------------------------------


def test_office_creates_a_meeting_with_its_dossier(prep: Prep) -> None:
    starts = start_in()
    meeting = prep.create(starts_at=starts)
    assert meeting.status == Meeting.Status.DRAFT
    assert meeting.positions_cutoff_at == starts - timedelta(hours=24)
    dossier = Dossier.objects.get(pk=meeting.dossier_id)
    assert dossier.meeting_ref == f"meeting:{meeting.pk}"
    assert meeting.place_text == "Phòng họp số 1, Số 1 Hoàng Hoa Thám"
    assert _verbs()[-2:] == ["documents.dossier_create", "meetings.meeting_create"]
    event = AuditEvent.objects.get(verb="meetings.meeting_create")
    assert event.after["title"] == meeting.title


@pytest.mark.parametrize("persona", ["member", "agency", "chair", "observer", "substitute"])
def test_only_the_office_creates_meetings(prep: Prep, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        prep.create(actor=persona)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "past"),
        ({"title": "   "}, "no_title"),
        ({"room": None, "place": ""}, "no_place"),
        ({"chair": "office"}, "bad_chair"),
        ({"secretary": "member"}, "bad_secretary"),
    ],
)
def test_create_refuses_bad_input_and_keeps_nothing(
    prep: Prep, change: dict[str, object], code: str
) -> None:
    for key in ("chair", "secretary"):
        if isinstance(change.get(key), str):
            change[key] = prep.user(str(change[key]))
    if "starts_at" in change:
        change["ends_at"] = change["starts_at"] + timedelta(hours=2)  # type: ignore[operator]
    with pytest.raises(DomainError) as exc:
        prep.create(**change)
    assert exc.value.code == code
    assert not Meeting.objects.exists()
    assert not Dossier.objects.exists()


def test_create_refuses_an_end_before_the_start(prep: Prep) -> None:
    starts = start_in()
    with pytest.raises(DomainError) as exc:
        prep.create(starts_at=starts, ends_at=starts - timedelta(minutes=1))
    assert exc.value.code == "ends_before_start"


def test_create_refuses_another_bodys_room(prep: Prep) -> None:
    room = Room.objects.create(body=prep.world.other_body, name="Phòng tỉnh khác")
    with pytest.raises(DomainError) as exc:
        prep.create(room=room)
    assert exc.value.code == "bad_room"


def _update(prep: Prep, meeting: Meeting, version: int, **change: object) -> Meeting:
    data: dict[str, object] = {
        "meeting_type": meeting.meeting_type,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "room": meeting.room,
        "place": meeting.place,
        "chair": meeting.chair,
        "secretary": meeting.secretary,
    }
    data.update(change)
    return services.meeting_update(
        actor=prep.user("office"),
        meeting=meeting,
        version=version,
        **data,  # type: ignore[arg-type]
    )


def test_update_recomputes_the_cutoff_and_is_audited(prep: Prep) -> None:
    meeting = prep.create()
    later = start_in(12, hour=14)
    updated = _update(
        prep, meeting, meeting.version, starts_at=later, ends_at=later + timedelta(hours=2)
    )
    assert updated.positions_cutoff_at == later - timedelta(hours=24)
    event = AuditEvent.objects.get(verb="meetings.meeting_update")
    assert event.before["starts_at"] != event.after["starts_at"]


def test_update_with_a_stale_version_is_refused(prep: Prep) -> None:
    meeting = prep.create()
    _update(prep, meeting, meeting.version, title="Tên mới")
    with pytest.raises(DomainError) as exc:
        _update(prep, meeting, meeting.version, title="Tên khác")
    assert exc.value.code == "stale"
    assert Meeting.objects.get().title == "Tên mới"


def test_update_after_invitations_is_refused(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    with pytest.raises(DomainError) as exc:
        _update(prep, meeting, meeting.version, title="Tên mới")
    assert exc.value.code == "sent"


# --- The agenda ----------------------------------------------------------------------------


def test_items_are_numbered_reordered_and_removed(prep: Prep) -> None:
    meeting = prep.create()
    a = prep.add_item(meeting, "Nội dung A")
    b = prep.add_item(meeting, "Nội dung B")
    c = prep.add_item(meeting, "Nội dung C")
    assert [a.number, b.number, c.number] == [1, 2, 3]
    services.agenda_item_reorder(
        actor=prep.user("office"), meeting=meeting, order=[c.pk, a.pk, b.pk]
    )
    numbers = dict(AgendaItem.objects.values_list("title", "number"))
    assert numbers == {"Nội dung C": 1, "Nội dung A": 2, "Nội dung B": 3}
    a.refresh_from_db()
    services.agenda_item_remove(actor=prep.user("office"), item=a, version=a.version)
    numbers = dict(AgendaItem.objects.values_list("title", "number"))
    assert numbers == {"Nội dung C": 1, "Nội dung B": 2}
    assert {
        "meetings.agenda_item_add",
        "meetings.agenda_reorder",
        "meetings.agenda_item_remove",
    } <= set(_verbs())


def test_move_up_swaps_with_the_previous_item(prep: Prep) -> None:
    meeting = prep.create()
    a = prep.add_item(meeting, "Nội dung A")
    b = prep.add_item(meeting, "Nội dung B")
    services.agenda_item_move(actor=prep.user("office"), item=b, up=True)
    assert list(AgendaItem.objects.order_by("number").values_list("pk", flat=True)) == [b.pk, a.pk]


def test_reorder_from_a_stale_page_is_refused(prep: Prep) -> None:
    meeting = prep.create()
    a = prep.add_item(meeting, "Nội dung A")
    b = prep.add_item(meeting, "Nội dung B")
    prep.add_item(meeting, "Nội dung C (thêm sau khi trang đã mở)")
    with pytest.raises(DomainError) as exc:
        services.agenda_item_reorder(actor=prep.user("office"), meeting=meeting, order=[b.pk, a.pk])
    assert exc.value.code == "stale"


def test_item_update_with_a_stale_version_is_refused(prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    office = prep.user("office")
    services.agenda_item_update(actor=office, item=item, version=item.version, title="Tên mới")
    with pytest.raises(DomainError) as exc:
        services.agenda_item_update(actor=office, item=item, version=item.version, title="Tên khác")
    assert exc.value.code == "stale"


def test_presenting_unit_is_fixed_once_the_item_has_papers(prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    prep.upload(item)
    item.refresh_from_db()
    other = Unit.objects.create(body=prep.world.body, name="Bộ Khác")
    with pytest.raises(DomainError) as exc:
        services.agenda_item_update(
            actor=prep.user("office"),
            item=item,
            version=item.version,
            title=item.title,
            presenting_unit=other,
        )
    assert exc.value.code == "has_papers"


def test_agenda_is_frozen_once_the_session_opens(prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.IN_SESSION, invitations_sent_at=timezone.now()
    )
    meeting.refresh_from_db()
    item.meeting = meeting
    with pytest.raises(InvalidTransition):
        prep.add_item(meeting, "Nội dung muộn")
    with pytest.raises(InvalidTransition):
        services.agenda_item_remove(actor=prep.user("office"), item=item, version=item.version)
    assert AgendaItem.objects.count() == 1


def test_member_cannot_change_the_agenda(prep: Prep) -> None:
    meeting = prep.create()
    with pytest.raises(PermissionDenied):
        prep.add_item(meeting, actor="member")


# --- Papers --------------------------------------------------------------------------------


def test_agency_uploads_to_its_own_item_into_the_items_dossier(prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    paper = prep.upload(item)
    assert paper.status == ItemDocument.Status.SUBMITTED
    item.refresh_from_db()
    dossier = Dossier.objects.get(pk=item.dossier_id)
    assert dossier.unit == prep.ministry
    assert dossier.meeting_ref == f"meeting:{meeting.pk}"
    assert Document.objects.get(pk=paper.document_id).dossier_id == dossier.pk
    assert paper.document_version.sha256
    # The Office hears of it.
    assert Notification.objects.filter(
        user=prep.user("office"), title__contains="chờ duyệt"
    ).exists()
    assert "meetings.item_document_submit" in _verbs()


def test_agency_cannot_upload_to_another_units_item(prep: Prep) -> None:
    meeting = prep.create()
    other = Unit.objects.create(body=prep.world.body, name="Bộ Khác")
    item = prep.add_item(meeting, presenting_unit=other)
    with pytest.raises(PermissionDenied):
        prep.upload(item)
    assert not ItemDocument.objects.exists()
    assert not Document.objects.exists()


def test_upload_refused_once_the_meeting_is_over(prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.CLOSED, invitations_sent_at=timezone.now()
    )
    item.meeting.refresh_from_db()
    with pytest.raises(InvalidTransition):
        prep.upload(item)


def test_return_needs_a_reason_and_tells_the_uploader(prep: Prep) -> None:
    meeting = prep.create()
    paper = prep.upload(prep.add_item(meeting))
    office = prep.user("office")
    with pytest.raises(DomainError) as exc:
        services.item_document_decide(actor=office, paper=paper, approve=False, reason="  ")
    assert exc.value.code == "no_reason"
    returned = services.item_document_decide(
        actor=office, paper=paper, approve=False, reason="Thiếu dự thảo nghị quyết"
    )
    assert returned.status == ItemDocument.Status.RETURNED
    note = Notification.objects.get(user=prep.user("agency"), title__contains="trả lại")
    assert "Thiếu dự thảo nghị quyết" in note.text
    assert "meetings.item_document_return" in _verbs()


def test_a_paper_is_decided_once(prep: Prep) -> None:
    paper = prep.upload(prep.add_item(prep.create()))
    prep.approve(paper)
    with pytest.raises(DomainError) as exc:
        services.item_document_decide(
            actor=prep.user("office"), paper=paper, approve=False, reason="Muộn"
        )
    assert exc.value.code == "stale"
    assert ItemDocument.objects.get().status == ItemDocument.Status.APPROVED


def test_agency_cannot_decide(prep: Prep) -> None:
    paper = prep.upload(prep.add_item(prep.create()))
    with pytest.raises(PermissionDenied):
        services.item_document_decide(actor=prep.user("agency"), paper=paper, approve=True)


# --- Invitations ---------------------------------------------------------------------------


def test_invite_sends_the_decree30_invitation_to_every_voting_member(prep: Prep) -> None:
    from pypdf import PdfReader

    meeting = prep.invite(prep.ready())
    assert meeting.status == Meeting.Status.SCHEDULED
    assert meeting.invitations_sent_at is not None
    invited = set(
        Invitation.objects.filter(meeting=meeting).values_list("user__username", flat=True)
    )
    assert invited == {"chair", "member", "member2"}
    # The PDF is in the meeting's dossier, in the Decree 30 layout with the GM notation.
    document = Document.objects.get(pk=meeting.invitation_document_id)
    assert document.dossier_id == meeting.dossier_id
    from ecabinet.documents.services import version_bytes

    data = version_bytes(actor=None, version=document.versions.get())
    import io

    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "GIẤY MỜI" in text
    assert "/GM-VPCP" in text
    assert "Dự án Luật Thử nghiệm" in text
    # One confirmation item each on the ledger (which tells them).
    items = Assignment.objects.filter(kind="meeting.confirm", subject_id=str(meeting.pk))
    assert {a.assignee.username for a in items} == {"chair", "member", "member2"}
    assert all(a.due_at == meeting.positions_cutoff_at for a in items)
    assert Notification.objects.filter(user=prep.user("member2")).exists()
    assert "meetings.meeting_invite" in _verbs()
    assert verify_chain().ok


def test_invite_too_late_is_refused(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.ready(starts_at=start_in(1, hour=15))
    assert timezone.now() > latest_invitation_time(meeting)
    with pytest.raises(DomainError) as exc:
        prep.invite(meeting)
    assert exc.value.code == "not_ready"
    assert "quá hạn gửi giấy mời" in str(exc.value.message)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT
    assert not Invitation.objects.exists()


def test_invitation_days_are_the_bodys_setting(prep: Prep, fast_pdf: None) -> None:
    MeetingSettings.objects.create(body=prep.world.body, invitation_days=0)
    meeting = prep.ready(starts_at=start_in(1, hour=15))
    assert prep.invite(meeting).status == Meeting.Status.SCHEDULED


def test_invite_refused_while_a_paper_waits(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.create()
    prep.upload(prep.add_item(meeting))
    with pytest.raises(DomainError) as exc:
        prep.invite(meeting)
    assert "chờ Văn phòng duyệt" in str(exc.value.message)


def test_invite_refused_without_items(prep: Prep, fast_pdf: None) -> None:
    with pytest.raises(DomainError) as exc:
        prep.invite(prep.create())
    assert "chưa có nội dung" in str(exc.value.message)


def test_invite_allowed_with_an_item_without_papers(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.ready()
    prep.add_item(meeting, "Các vấn đề khác", presenting_unit=None)
    sent = prep.invite(meeting)
    event = AuditEvent.objects.get(verb="meetings.meeting_invite")
    assert len(event.after["items_without_papers"]) == 1
    assert sent.status == Meeting.Status.SCHEDULED


def test_invite_with_a_stale_version_is_refused(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.ready()
    with pytest.raises(DomainError) as exc:
        services.meeting_invite(
            actor=prep.user("office"), meeting=meeting, version=meeting.version - 1
        )
    assert exc.value.code == "stale"
    assert not Invitation.objects.exists()


def test_invite_twice_is_refused(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    with pytest.raises(InvalidTransition):
        prep.invite(meeting)
    assert Invitation.objects.count() == 3


def test_invite_with_documents_publishes_them(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready(), with_documents=True)
    assert meeting.status == Meeting.Status.DOCUMENTS_PUBLISHED
    assert meeting.documents_published_at is not None
    assert _verbs()[-1] == "meetings.meeting_publish_documents"


def test_publish_refused_while_a_paper_waits(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    item = AgendaItem.objects.get(meeting=meeting)
    prep.upload(item, text="Phụ lục bổ sung")
    meeting.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.meeting_publish_documents(
            actor=prep.user("office"), meeting=meeting, version=meeting.version
        )
    assert exc.value.code == "pending_papers"


def test_publish_tells_everyone_invited_and_later_papers_follow(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    published = services.meeting_publish_documents(
        actor=prep.user("office"), meeting=meeting, version=meeting.version
    )
    assert published.status == Meeting.Status.DOCUMENTS_PUBLISHED
    assert Notification.objects.filter(
        user=prep.user("member"), title__startswith="Tài liệu họp:"
    ).exists()
    late = prep.upload(AgendaItem.objects.get(meeting=meeting), text="Báo cáo bổ sung")
    prep.approve(late)
    assert Notification.objects.filter(
        user=prep.user("member2"), title__contains="bổ sung"
    ).exists()


# --- Answers -------------------------------------------------------------------------------


def test_member_accepts_and_the_ledger_item_is_done(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    answered = services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="accepted",
        version=invitation.version,
    )
    assert answered.response == Invitation.Response.ACCEPTED
    assert answered.responded_at is not None
    item = Assignment.objects.get(kind="meeting.confirm", assignee=prep.user("member"))
    assert item.done_at is not None
    event = AuditEvent.objects.get(verb="meetings.invitation_respond")
    assert (event.before["response"], event.after["response"]) == ("pending", "accepted")


def test_decline_needs_a_reason(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    with pytest.raises(DomainError) as exc:
        services.invitation_respond(
            actor=prep.user("member"), invitation=invitation, response="declined", version=1
        )
    assert exc.value.code == "no_reason"
    declined = services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="declined",
        reason="Đi công tác nước ngoài",
        version=1,
    )
    assert declined.reason == "Đi công tác nước ngoài"


def test_substitute_gets_a_delegation_for_the_meetings_window(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    answered = services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="substituted",
        substitute=prep.world.memberships["substitute"],
        mandates=["speak"],
        version=invitation.version,
    )
    delegation = answered.delegation
    assert delegation is not None
    assert answered.owns_delegation
    assert delegation.substitute == prep.world.memberships["substitute"]
    assert delegation.mandates() == {"attend", "speak"}
    assert delegation.starts_at == meeting.starts_at - services.CHECK_IN_LEAD
    assert delegation.ends_at == meeting.ends_at
    assert answered.substitute == prep.user("substitute")
    assert Notification.objects.filter(
        user=prep.user("substitute"), title__contains="dự họp thay"
    ).exists()
    assert "bodies.delegation_create" in _verbs()

    # Changing the answer revokes the delegation made for this meeting.
    back = services.invitation_respond(
        actor=prep.user("member"),
        invitation=answered,
        response="accepted",
        version=answered.version,
    )
    assert back.delegation is None
    assert back.substitute is None
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_a_period_delegation_covering_the_meeting_is_linked(prep: Prep, fast_pdf: None) -> None:
    # The world's delegation (member → substitute, seven days) covers a meeting in five days.
    MeetingSettings.objects.create(body=prep.world.body, invitation_days=1)
    starts = timezone.now() + timedelta(days=5)
    meeting = prep.invite(prep.ready(starts_at=starts, ends_at=starts + timedelta(hours=2)))
    invitation = prep.invitation(meeting, "member")
    answered = services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="substituted",
        substitute=prep.world.memberships["substitute"],
        version=invitation.version,
    )
    assert answered.delegation == prep.world.delegation
    assert not answered.owns_delegation
    assert Delegation.objects.count() == 1
    services.invitation_respond(
        actor=prep.user("member"),
        invitation=answered,
        response="accepted",
        version=answered.version,
    )
    assert Delegation.objects.get().revoked_at is None


def test_a_seat_holder_cannot_stand_in(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    with pytest.raises(DomainError) as exc:
        services.invitation_respond(
            actor=prep.user("member"),
            invitation=invitation,
            response="substituted",
            substitute=prep.world.memberships["member2"],
            version=invitation.version,
        )
    assert "hai phiếu" in str(exc.value.message)
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.PENDING
    assert not AuditEvent.objects.filter(verb="meetings.invitation_respond").exists()


def test_answer_with_a_stale_version_is_refused(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    member = prep.user("member")
    services.invitation_respond(actor=member, invitation=invitation, response="accepted", version=1)
    with pytest.raises(DomainError) as exc:
        services.invitation_respond(
            actor=member, invitation=invitation, response="declined", reason="Ốm", version=1
        )
    assert exc.value.code == "stale"


def test_only_the_member_answers_their_invitation(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    for persona in ("office", "chair", "substitute"):
        with pytest.raises(PermissionDenied):
            services.invitation_respond(
                actor=prep.user(persona), invitation=invitation, response="accepted", version=1
            )


# --- Cancelling and settings ---------------------------------------------------------------


def test_cancel_tells_everyone_and_withdraws_the_work(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    invitation = prep.invitation(meeting, "member")
    answered = services.invitation_respond(
        actor=prep.user("member"),
        invitation=invitation,
        response="substituted",
        substitute=prep.world.memberships["substitute"],
        version=invitation.version,
    )
    meeting.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.meeting_cancel(actor=prep.user("office"), meeting=meeting, reason="")
    assert exc.value.code == "no_reason"
    cancelled = services.meeting_cancel(
        actor=prep.user("office"), meeting=meeting, reason="Thay đổi lịch công tác"
    )
    assert cancelled.status == Meeting.Status.CANCELLED
    assert answered.delegation is not None
    answered.delegation.refresh_from_db()
    assert answered.delegation.revoked_at is not None
    open_items = Assignment.objects.filter(
        kind="meeting.confirm", done_at__isnull=True, cancelled_at__isnull=True
    )
    assert not open_items.exists()
    for name in ("member2", "substitute"):
        assert Notification.objects.filter(user=prep.user(name), title__contains="bị hủy").exists()
    with pytest.raises(InvalidTransition):
        services.invitation_respond(
            actor=prep.user("member2"),
            invitation=prep.invitation(meeting, "member2"),
            response="accepted",
            version=1,
        )


def test_cancel_refused_once_the_session_opened(prep: Prep) -> None:
    meeting = prep.create()
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.IN_SESSION, invitations_sent_at=timezone.now()
    )
    meeting.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.meeting_cancel(actor=prep.user("office"), meeting=meeting, reason="Muộn")


def test_settings_update_and_stale_settings(prep: Prep) -> None:
    body = prep.world.body
    office = prep.user("office")
    row = services.meeting_settings_update(
        actor=office,
        body=body,
        invitation_days=5,
        positions_cutoff_hours=48,
        quorum_numerator=1,
        quorum_denominator=2,
        version=0,
    )
    assert (row.invitation_days, row.version) == (5, 2)
    with pytest.raises(DomainError) as exc:
        services.meeting_settings_update(
            actor=office,
            body=body,
            invitation_days=3,
            positions_cutoff_hours=24,
            quorum_numerator=2,
            quorum_denominator=3,
            version=0,
        )
    assert exc.value.code == "stale"
    with pytest.raises(DomainError) as exc:
        services.meeting_settings_update(
            actor=office,
            body=body,
            invitation_days=3,
            positions_cutoff_hours=24,
            quorum_numerator=4,
            quorum_denominator=3,
            version=1,
        )
    assert exc.value.code == "bad_quorum"
    with pytest.raises(PermissionDenied):
        services.meeting_settings_update(
            actor=prep.user("member"),
            body=body,
            invitation_days=3,
            positions_cutoff_hours=24,
            quorum_numerator=2,
            quorum_denominator=3,
            version=1,
        )
    assert "meetings.settings_update" in _verbs()
