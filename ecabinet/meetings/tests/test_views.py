"""The meetings pages: forms, refusals shown as messages (never a 500), what each reader sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.bodies.models import Unit
from ecabinet.core.testing.auth import login_as
from ecabinet.meetings import selectors, services
from ecabinet.meetings.models import AgendaItem, Invitation, ItemDocument, Meeting
from ecabinet.meetings.tests.conftest import Prep, pdf, start_in

pytestmark = pytest.mark.django_db


def _as(client: Client, prep: Prep, name: str) -> Client:
    login_as(client, prep.user(name))
    return client


def _meeting_form(prep: Prep, **change: object) -> dict[str, object]:
    starts = start_in()
    data: dict[str, object] = {
        "meeting_type": prep.meeting_type.pk,
        "title": "Phiên họp Chính phủ thường kỳ tháng 6",
        "date": starts.strftime("%Y-%m-%d"),
        "start_time": "08:00",
        "end_time": "11:30",
        "room": prep.room.pk,
        "place": "",
        "chair": prep.world.memberships["chair"].pk,
        "secretary": prep.world.memberships["office"].pk,
    }
    data.update(change)
    return data


def test_office_creates_a_meeting_through_the_form(client: Client, prep: Prep) -> None:
    _as(client, prep, "office")
    url = reverse("meetings:create", kwargs={"code": prep.world.body.code})
    assert client.get(url).status_code == 200
    response = client.post(url, _meeting_form(prep))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", kwargs={"pk": meeting.pk})
    assert meeting.chair == prep.user("chair")
    assert timezone.localtime(meeting.starts_at).hour == 8


def test_end_before_start_is_a_field_error(client: Client, prep: Prep) -> None:
    _as(client, prep, "office")
    url = reverse("meetings:create", kwargs={"code": prep.world.body.code})
    response = client.post(url, _meeting_form(prep, end_time="07:00"))
    assert response.status_code == 400
    assert "Giờ kết thúc phải sau giờ bắt đầu." in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_meeting_in_the_past_is_refused_with_a_message(client: Client, prep: Prep) -> None:
    _as(client, prep, "office")
    url = reverse("meetings:create", kwargs={"code": prep.world.body.code})
    yesterday = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = client.post(url, _meeting_form(prep, date=yesterday))
    assert response.status_code == 400
    assert "đã qua" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_stale_edit_is_refused_and_the_input_kept(client: Client, prep: Prep) -> None:
    meeting = prep.create()
    _as(client, prep, "office")
    url = reverse("meetings:edit", kwargs={"pk": meeting.pk})
    assert client.get(url).status_code == 200
    old = meeting.version
    client.post(url, _meeting_form(prep, title="Tên thứ nhất", version=old))
    response = client.post(url, _meeting_form(prep, title="Tên thứ hai", version=old))
    assert response.status_code == 400
    html = response.content.decode()
    assert "người khác thay đổi" in html
    assert "Tên thứ hai" in html  # what the person typed is still in the form
    assert Meeting.objects.get().title == "Tên thứ nhất"


def test_agency_uploads_a_paper_for_its_item(client: Client, prep: Prep) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    _as(client, prep, "agency")
    detail = client.get(reverse("meetings:detail", kwargs={"pk": meeting.pk}))
    assert "Tải tài liệu lên" in detail.content.decode()
    url = reverse("meetings:item_upload", kwargs={"pk": meeting.pk, "item": item.pk})
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("to-trinh.pdf", pdf("Tờ trình"), content_type="application/pdf")
    response = client.post(url, {"file": upload, "title": "Tờ trình số 12"})
    assert response.status_code == 302
    paper = ItemDocument.objects.get()
    assert paper.document.title == "Tờ trình số 12"
    assert paper.submitted_by == prep.user("agency")


def test_a_bad_file_is_a_form_error(client: Client, prep: Prep) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = prep.add_item(prep.create())
    _as(client, prep, "agency")
    url = reverse("meetings:item_upload", kwargs={"pk": item.meeting_id, "item": item.pk})
    upload = SimpleUploadedFile("to-trinh.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    assert not ItemDocument.objects.exists()


def test_agency_cannot_reach_another_units_item(client: Client, prep: Prep) -> None:
    meeting = prep.create()
    prep.add_item(meeting)
    other = prep.add_item(
        meeting,
        "Nội dung của bộ khác",
        presenting_unit=Unit.objects.create(body=prep.world.body, name="Bộ Khác"),
    )
    _as(client, prep, "agency")
    detail = client.get(reverse("meetings:detail", kwargs={"pk": meeting.pk})).content.decode()
    assert "Nội dung của bộ khác" not in detail
    url = reverse("meetings:item_upload", kwargs={"pk": meeting.pk, "item": other.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_office_returns_a_paper_with_a_reason(client: Client, prep: Prep) -> None:
    paper = prep.upload(prep.add_item(prep.create()))
    _as(client, prep, "office")
    url = reverse("meetings:paper_decide", kwargs={"pk": paper.item.meeting_id, "paper": paper.pk})
    response = client.post(url, {"action": "return", "reason": ""}, follow=True)
    assert "Cần nêu lý do trả lại tài liệu." in response.content.decode()
    assert ItemDocument.objects.get().status == ItemDocument.Status.SUBMITTED
    client.post(url, {"action": "return", "reason": "Thiếu phụ lục"})
    assert ItemDocument.objects.get().status == ItemDocument.Status.RETURNED
    # Deciding again (a reloaded page) is a message, not an error page.
    response = client.post(url, {"action": "approve"}, follow=True)
    assert response.status_code == 200
    assert "Tài liệu này đã bị trả lại trước đó." in response.content.decode()
    assert ItemDocument.objects.get().status == ItemDocument.Status.RETURNED


def test_invite_page_lists_what_is_missing(client: Client, prep: Prep, fast_pdf: None) -> None:
    meeting = prep.create()
    prep.upload(prep.add_item(meeting))
    _as(client, prep, "office")
    url = reverse("meetings:invite", kwargs={"pk": meeting.pk})
    html = client.get(url).content.decode()
    assert "chờ Văn phòng duyệt" in html
    response = client.post(url, {"version": meeting.version})
    assert response.status_code == 400
    assert Meeting.objects.get().status == Meeting.Status.DRAFT


def test_office_sends_invitations_then_follows_the_answers(
    client: Client, prep: Prep, fast_pdf: None
) -> None:
    meeting = prep.ready()
    _as(client, prep, "office")
    response = client.post(
        reverse("meetings:invite", kwargs={"pk": meeting.pk}),
        {"version": meeting.version, "with_documents": "on"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DOCUMENTS_PUBLISHED
    invitation = prep.invitation(meeting, "member")
    services.invitation_respond(
        actor=prep.user("member"), invitation=invitation, response="accepted", version=1
    )
    answers = client.get(
        reverse("meetings:answers", kwargs={"pk": meeting.pk}), headers={"HX-Request": "true"}
    )
    html = answers.content.decode()
    assert answers.status_code == 200
    assert "<html" not in html  # the fragment the page polls
    assert "Người thử member2" in html  # has not answered
    detail = client.get(reverse("meetings:detail", kwargs={"pk": meeting.pk})).content.decode()
    assert 'hx-trigger="every 10s"' in detail
    pdf_response = client.get(reverse("meetings:invitation_pdf", kwargs={"pk": meeting.pk}))
    assert pdf_response["Content-Type"] == "application/pdf"


def test_member_answers_on_the_respond_page(client: Client, prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    _as(client, prep, "member")
    url = reverse("meetings:respond", kwargs={"pk": meeting.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"response": "declined", "reason": "", "version": 1})
    assert response.status_code == 400
    assert "Cần nêu lý do vắng mặt." in response.content.decode()
    response = client.post(
        url,
        {
            "response": "substituted",
            "substitute": prep.world.memberships["substitute"].pk,
            "mandates": ["speak", "vote"],
            "version": 1,
        },
    )
    assert response.status_code == 302
    invitation = prep.invitation(meeting, "member")
    assert invitation.response == Invitation.Response.SUBSTITUTED
    assert invitation.delegation is not None
    assert invitation.delegation.mandates() == {"attend", "speak", "vote"}
    # A stale form (version 1 again) is refused with a message.
    response = client.post(url, {"response": "accepted", "version": 1})
    assert response.status_code == 400
    assert "người khác thay đổi" in response.content.decode()


def test_who_sees_which_papers(client: Client, prep: Prep, fast_pdf: None) -> None:
    meeting = prep.create()
    item = prep.add_item(meeting)
    approved = prep.approve(prep.upload(item, text="Tờ trình đã duyệt"))
    returned = prep.upload(item, text="Bản nháp bị trả lại")
    services.item_document_decide(
        actor=prep.user("office"), paper=returned, approve=False, reason="Sai mẫu"
    )
    meeting = prep.invite(meeting)
    url = reverse("meetings:detail", kwargs={"pk": meeting.pk})
    _as(client, prep, "member")
    html = client.get(url).content.decode()
    assert approved.document.title not in html  # not published yet
    services.meeting_publish_documents(
        actor=prep.user("office"), meeting=meeting, version=meeting.version
    )
    html = client.get(url).content.decode()
    assert approved.document.title in html
    assert "Bản nháp bị trả lại" not in html
    _as(client, prep, "agency")
    html = client.get(url).content.decode()
    assert "Bản nháp bị trả lại" in html
    assert "Sai mẫu" in html
    _as(client, prep, "observer")
    assert client.get(url).status_code == 200


def test_cancel_page_needs_a_reason(client: Client, prep: Prep) -> None:
    meeting = prep.create()
    _as(client, prep, "office")
    url = reverse("meetings:cancel", kwargs={"pk": meeting.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Đổi lịch", "version": meeting.version}).status_code == 302
    assert Meeting.objects.get().status == Meeting.Status.CANCELLED
    # Cancelling again: a message on the meeting's page.
    response = client.get(url, follow=True)
    assert "không hủy được" in response.content.decode()


def test_home_page_lists_the_invitation_to_answer(
    client: Client, prep: Prep, fast_pdf: None
) -> None:
    meeting = prep.invite(prep.ready())
    _as(client, prep, "member")
    html = client.get(reverse("core:home")).content.decode()
    assert meeting.title in html
    assert reverse("meetings:respond", kwargs={"pk": meeting.pk}) in html


def test_waiting_provider_without_the_ledger(prep: Prep, fast_pdf: None) -> None:
    meeting = prep.invite(prep.ready())
    items = selectors.meetings_waiting_for(prep.user("member"))
    assert [i.title for i in items] == [meeting.title]
    invitation = prep.invitation(meeting, "member")
    services.invitation_respond(
        actor=prep.user("member"), invitation=invitation, response="accepted", version=1
    )
    assert selectors.meetings_waiting_for(prep.user("member")) == []


def test_lists_cost_a_constant_number_of_queries(
    prep: Prep, fast_pdf: None, django_assert_max_num_queries: object
) -> None:
    for n in range(3):
        meeting = prep.invite(prep.ready(title=f"Phiên họp {n}"))
        prep.add_item(meeting, f"Nội dung thêm {n}")
    member = prep.user("member")
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        assert len(list(selectors.meeting_list_for(member, prep.world.body))) == 3
    agenda_meeting = Meeting.objects.first()
    assert agenda_meeting is not None
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        answers = selectors.answers_of(agenda_meeting)
    assert answers.total == 3
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        rows = selectors.agenda_for(prep.user("office"), agenda_meeting)
    assert len(rows) == AgendaItem.objects.filter(meeting=agenda_meeting).count()
