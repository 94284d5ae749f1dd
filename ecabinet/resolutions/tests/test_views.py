"""The pages: drafting, the structured editor (stale forms lose nothing), the diff, the
member's phone page, the Office's summary of opinions, submission and return."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.core.testing.auth import login_as
from ecabinet.resolutions import selectors
from ecabinet.resolutions.content import Content
from ecabinet.resolutions.forms import editor_initial
from ecabinet.resolutions.models import (
    Consultation,
    ConsultationComment,
    Resolution,
    ResolutionVersion,
)
from ecabinet.resolutions.tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(client: Client, desk: Desk, name: str) -> User:
    user = desk.user(name)
    login_as(client, user)
    return user


def _editor_data(content: Content, base: int, action: str = "save") -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in editor_initial(content, base).items() if v}
    data["all_members"] = "on" if data.get("all_members") else ""
    data["section_count"] = len(content.sections)
    for i, s in enumerate(content.sections):
        data[f"section-{i}-key"] = s.key
        data[f"section-{i}-heading"] = s.heading
        data[f"section-{i}-paragraphs"] = "\n".join(s.paragraphs)
    data["action"] = action
    return data


def _edit_url(resolution: Resolution) -> str:
    return reverse("resolutions:edit", kwargs={"pk": resolution.pk})


# --- Drafting ------------------------------------------------------------------------------


def test_office_drafts_from_a_listed_meeting(client: Client, desk: Desk) -> None:
    meeting = desk.closed_meeting()
    _as(client, desk, "office")
    url = reverse("resolutions:create_from_meeting", kwargs={"code": desk.world.body.code})
    page = client.get(url)
    assert page.status_code == 200
    assert meeting.title in page.content.decode()
    response = client.post(url, {"source": meeting.pk})
    resolution = Resolution.objects.get(meeting=meeting)
    assert response["Location"] == _edit_url(resolution)


def test_drafting_from_a_meeting_in_session_shows_why(client: Client, desk: Desk) -> None:
    meeting = desk.closed_meeting(close=False)
    _as(client, desk, "office")
    url = reverse("resolutions:create_from_meeting", kwargs={"code": desk.world.body.code})
    assert meeting.title not in client.get(url).content.decode()
    response = client.post(url, {"source": meeting.pk})
    assert response.status_code == 400
    assert "Chỉ soạn nghị quyết từ phiên họp đã kết thúc." in response.content.decode()
    assert not Resolution.objects.exists()


def test_drafting_from_another_bodys_meeting_is_not_found(client: Client, desk: Desk) -> None:
    from ecabinet.meetings.tests.matrix_support import other_body_meeting

    other = other_body_meeting(desk.world, "Họp tỉnh khác", timedelta(days=-1))
    _as(client, desk, "office")
    url = reverse("resolutions:create_from_meeting", kwargs={"code": desk.world.body.code})
    assert client.post(url, {"source": other.pk}).status_code == 404


def test_lists_show_each_persona_only_what_is_theirs(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    url = reverse("resolutions:list", kwargs={"code": desk.world.body.code})
    for persona, sees in (("office", True), ("chair", True), ("member", False), ("agency", False)):
        _as(client, desk, persona)
        assert (resolution.title in client.get(url).content.decode()) is sees, persona


# --- The editor ----------------------------------------------------------------------------


def test_editor_adds_moves_and_removes_sections_without_saving(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    _as(client, desk, "office")
    url = _edit_url(resolution)
    page = client.get(url)
    assert page.status_code == 200
    assert content.sections[0].heading in page.content.decode()

    data = _editor_data(content, 1, action="add")
    data["title"] = "Tên đang gõ, chưa lưu"
    added = client.post(url, data)
    assert added.status_code == 200
    html = added.content.decode()
    assert 'name="section-3-heading"' in html
    assert "Tên đang gõ, chưa lưu" in html
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 1

    moved = client.post(url, _editor_data(content, 1, action="down-0"))
    html = moved.content.decode()
    first, second = content.sections[0].heading, content.sections[1].heading
    assert html.index(second) < html.index(first)

    data = _editor_data(content, 1, action="remove-1")
    removed = client.post(url, data)
    assert content.sections[1].heading not in removed.content.decode()
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 1


def test_saving_the_editor_makes_a_version(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    _as(client, desk, "office")
    data = _editor_data(content, 1)
    # Move the second section first and change a paragraph.
    data["section-0-key"], data["section-1-key"] = data["section-1-key"], data["section-0-key"]
    data["section-0-heading"], data["section-1-heading"] = (
        data["section-1-heading"],
        data["section-0-heading"],
    )
    data["section-0-paragraphs"], data["section-1-paragraphs"] = (
        data["section-1-paragraphs"],
        "Thống nhất thông qua, có sửa đổi.",
    )
    data["note"] = "Sắp xếp lại"
    response = client.post(_edit_url(resolution), data)
    assert response.status_code == 302
    saved = desk.content(resolution)
    assert [s.key for s in saved.sections][:2] == [
        content.sections[1].key,
        content.sections[0].key,
    ]
    assert saved.sections[1].paragraphs == ("Thống nhất thông qua, có sửa đổi.",)
    version = desk.fresh(resolution).current_version
    assert version is not None
    assert (version.number, version.note) == (2, "Sắp xếp lại")


def test_a_stale_editor_is_refused_and_keeps_the_text(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    desk.edit(resolution, summary="Trích yếu do người khác sửa")  # version 2 meanwhile
    _as(client, desk, "office")
    data = _editor_data(content, 1)
    data["section-0-paragraphs"] = "Đoạn văn tôi vừa gõ rất dài."
    response = client.post(_edit_url(resolution), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Đoạn văn tôi vừa gõ rất dài." in html
    assert "phiên bản 2" in html
    assert "?tu=1&amp;den=2" in html
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 2
    # Having looked at version 2, the user saves their text on top of it.
    data["rebase_to"] = "2"
    assert client.post(_edit_url(resolution), data).status_code == 302
    saved = desk.content(resolution)
    assert saved.sections[0].paragraphs == ("Đoạn văn tôi vừa gõ rất dài.",)
    assert desk.fresh(resolution).current_version.number == 3  # type: ignore[union-attr]


def test_editor_of_a_submitted_resolution_sends_back_with_a_message(
    client: Client, desk: Desk
) -> None:
    resolution = desk.submit(desk.draft())
    _as(client, desk, "office")
    response = client.get(_edit_url(resolution), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "resolutions:detail", kwargs={"pk": resolution.pk}
    )
    assert "không sửa được" in response.content.decode()


def test_invalid_editor_post_answers_400(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    _as(client, desk, "office")
    data = _editor_data(desk.content(resolution), 1)
    data["title"] = ""
    response = client.post(_edit_url(resolution), data)
    assert response.status_code == 400
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 1


# --- The diff ------------------------------------------------------------------------------


def test_diff_marks_changes_with_text_not_colour_only(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    first = content.sections[0]
    from dataclasses import replace

    from ecabinet.resolutions.content import Section

    desk.edit(
        resolution,
        sections=(
            replace(first, paragraphs=("Thống nhất thông qua toàn bộ dự án Luật.",)),
            *content.sections[1:],
            Section("m-abcd", "4. Tổ chức thực hiện", ("Các Bộ thực hiện.",)),
        ),
    )
    _as(client, desk, "chair")
    response = client.get(reverse("resolutions:diff", kwargs={"pk": resolution.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    for marker in ("<ins>", "<del>", "[thêm: ", "[xóa: ", "Mục mới", "Đã sửa", "Không đổi"):
        assert marker in html, marker
    same = client.get(reverse("resolutions:diff", kwargs={"pk": resolution.pk}) + "?tu=2&den=2")
    assert "Hai phiên bản giống nhau." in same.content.decode()
    missing = client.get(reverse("resolutions:diff", kwargs={"pk": resolution.pk}) + "?tu=9")
    assert missing.status_code == 404


# --- The member's page ---------------------------------------------------------------------


def _answer_url(desk: Desk, resolution: Resolution, member: str) -> str:
    seat = desk.seat(resolution, member)
    return reverse("resolutions:answer", kwargs={"pk": resolution.pk, "seat": seat.pk})


def test_member_comments_per_section_on_the_phone_page(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    key = desk.content(resolution).sections[0].key
    _as(client, desk, "member")
    detail = client.get(reverse("resolutions:detail", kwargs={"pk": resolution.pk}))
    assert "Góp ý dự thảo" in detail.content.decode()
    url = _answer_url(desk, resolution, "member")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert f'name="comment-{key}"' in html
    empty = client.post(url, {"choice": "comment"})
    assert empty.status_code == 400
    assert "Hãy ghi ít nhất một ý kiến góp ý" in empty.content.decode()
    response = client.post(url, {"choice": "comment", f"comment-{key}": "Bổ sung thời hạn."})
    assert response.status_code == 302
    again = client.get(url).content.decode()
    assert "Ý kiến đã gửi" in again
    assert "Bổ sung thời hạn." in again


def test_answer_page_after_the_deadline_is_read_only(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    consultation = desk.consult(resolution)
    desk.answer(resolution, "member", "agree")
    Consultation.objects.filter(pk=consultation.pk).update(
        deadline_at=timezone.now() - timedelta(seconds=1)
    )
    _as(client, desk, "member")
    url = _answer_url(desk, resolution, "member")
    page = client.get(url)
    assert page.status_code == 200
    assert "Đã hết hạn góp ý" in page.content.decode()
    refused = client.post(url, {"choice": "agree"})
    assert refused.status_code == 400
    assert "Đã hết hạn góp ý" in refused.content.decode()


def test_substitute_page_says_on_whose_behalf(client: Client, opinions_delegated: Desk) -> None:
    desk = opinions_delegated
    resolution = desk.draft()
    desk.consult(resolution)
    _as(client, desk, "substitute")
    detail = client.get(reverse("resolutions:detail", kwargs={"pk": resolution.pk}))
    assert "Góp ý thay Người thử member" in detail.content.decode()
    url = _answer_url(desk, resolution, "member")
    assert client.post(url, {"choice": "agree"}).status_code == 302
    _as(client, desk, "member")
    refused = client.get(url)
    assert refused.status_code == 409
    assert "ủy quyền" in refused.content.decode()


# --- The Office's summary, submission, return ----------------------------------------------


def test_office_sees_comments_per_section_and_records_handling(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    section = desk.content(resolution).sections[1]
    desk.answer(resolution, "member", "comment", {section.key: "Nên thông qua có điều kiện."})
    desk.answer(resolution, "chair", "agree")
    _as(client, desk, "office")
    url = reverse("resolutions:consultation", kwargs={"pk": resolution.pk})
    html = client.get(url).content.decode()
    assert section.heading in html
    assert "Nên thông qua có điều kiện." in html
    assert "2/3 thành viên (1 nhất trí, 1 có góp ý)" in html
    assert "Người thử member2" in html  # listed as not yet answered
    comment = ConsultationComment.objects.get()
    handle = reverse(
        "resolutions:comment_handle", kwargs={"pk": resolution.pk, "comment": comment.pk}
    )
    refused = client.post(handle, {"handling": "not_accepted"}, follow=True)
    assert "Cần giải trình" in refused.content.decode()
    client.post(handle, {"handling": "not_accepted", "explanation": "Đã có trong mục 1."})
    comment.refresh_from_db()
    assert (comment.handling, comment.explanation) == ("not_accepted", "Đã có trong mục 1.")


def test_submit_and_return_through_the_pages(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    _as(client, desk, "office")
    detail = reverse("resolutions:detail", kwargs={"pk": resolution.pk})
    stale = client.post(
        reverse("resolutions:submit", kwargs={"pk": resolution.pk}), {"version": 7}, follow=True
    )
    assert "phiên bản 1" in stale.content.decode()
    assert desk.fresh(resolution).status == Resolution.Status.DRAFTING
    response = client.post(
        reverse("resolutions:submit", kwargs={"pk": resolution.pk}), {"version": 1}
    )
    assert response["Location"] == detail
    assert desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE

    _as(client, desk, "chair")
    page = client.get(detail).content.decode()
    assert "Trả lại Văn phòng" in page
    assert desk.fresh(resolution).submitted_sha256 in page
    url = reverse("resolutions:return", kwargs={"pk": resolution.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE
    assert client.post(url, {"reason": "Bổ sung căn cứ."}).status_code == 302
    assert desk.fresh(resolution).status == Resolution.Status.DRAFTING


def test_consult_page_sends_to_the_chosen_members(client: Client, desk: Desk) -> None:
    resolution = desk.draft()
    _as(client, desk, "office")
    url = reverse("resolutions:consult", kwargs={"pk": resolution.pk})
    page = client.get(url).content.decode()
    assert "Người thử member2" in page
    none = client.post(url, {"version": 1, "working_days": 3})
    assert none.status_code == 400
    assert "Cần chọn ít nhất một thành viên" in none.content.decode()
    members = [desk.world.memberships[n].pk for n in ("chair", "member")]
    assert (
        client.post(url, {"version": 1, "working_days": 3, "members": members}).status_code == 302
    )
    consultation = Consultation.objects.get(resolution=resolution)
    assert consultation.recipients.count() == 2
    assert selectors.open_consultation(resolution) == consultation
