"""The ballots pages: signing through step-up, drafts, files, results, report, refusals."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import StepUpChallenge, User
from ecabinet.accounts.stepup import stepup_confirm
from ecabinet.ballots import services
from ecabinet.ballots.models import Answer, Ballot, Report
from ecabinet.ballots.selectors import ballots_waiting_for
from ecabinet.ballots.tests.conftest import Journey, confirm
from ecabinet.bodies.models import Membership, Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.documents.tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


def _code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    offset = 0 if now > device.last_t else 1
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{value:0{device.digits}d}"


def _stepup(response: object) -> tuple[int, str]:
    """The challenge a signing POST redirected to, and where step-up returns afterwards."""
    location = urlsplit(response["Location"])  # type: ignore[index]
    match = resolve(location.path)
    assert match.view_name == "accounts:stepup", location.path
    return int(match.kwargs["challenge_id"]), parse_qs(location.query)["next"][0]


def _as(client: Client, journey: Journey, name: str) -> User:
    user = journey.user(name)
    login_as(client, user)
    return user


def _answer_data(ballot: Ballot, picks: list[tuple[str, str]], action: str) -> dict[str, str]:
    data = {"action": action}
    for question, (choice, comment) in zip(ballot.questions.order_by("number"), picks, strict=True):
        data[f"choice_{question.pk}"] = choice
        data[f"comment_{question.pk}"] = comment
    return data


def test_member_answers_and_signs_through_the_pages(journey: Journey, client: Client) -> None:
    ballot = journey.send()
    member = _as(client, journey, "member")
    seat = journey.seat(ballot, "member")
    detail = client.get(reverse("ballots:detail", kwargs={"pk": ballot.pk}))
    assert "Trả lời phiếu" in detail.content.decode()
    url = reverse("ballots:answer", kwargs={"pk": ballot.pk, "seat": seat.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Ký và gửi ý kiến" in page.content.decode()

    saved = client.post(url, _answer_data(ballot, [("agree", ""), ("other", "Nháp")], "save"))
    assert saved.status_code == 302
    assert not Answer.objects.exists()

    response = client.post(
        url, _answer_data(ballot, [("agree", ""), ("disagree", "Chưa đủ cơ sở")], "sign")
    )
    challenge_id, finish = _stepup(response)
    challenge = StepUpChallenge.objects.get(pk=challenge_id)
    assert challenge.summary.startswith("Bạn ký: Đồng ý — câu hỏi 1")
    assert "Không đồng ý — câu hỏi 2" in challenge.summary
    stepup_page = client.get(reverse("accounts:stepup", kwargs={"challenge_id": challenge_id}))
    assert "Không đồng ý — câu hỏi 2" in stepup_page.content.decode()
    stepup_confirm(
        actor=member,
        session_key=client.session.session_key,
        challenge=challenge,
        code=_code(member),
    )
    done = client.get(finish)
    assert done.status_code == 302
    # Reloading the return page (or a second click) makes no second answer.
    again = client.get(finish)
    assert again.status_code == 302
    answer = Answer.objects.get()
    assert answer.items.get(question__number=2).comment == "Chưa đủ cơ sở"
    page = client.get(url)
    content = page.content.decode()
    assert "Ý kiến đã ký" in content
    assert "Chưa đủ cơ sở" in content
    bundle = client.get(
        reverse("ballots:statement", kwargs={"pk": ballot.pk, "statement_id": answer.statement_id})
    )
    assert bundle.status_code == 200
    assert b"ecabinet-statement/1" in bundle.content


def test_the_chair_approves_through_the_pages(journey: Journey, client: Client) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    _as(client, journey, "chair")
    page = client.get(reverse("ballots:detail", kwargs={"pk": ballot.pk}))
    assert "Ký phê duyệt gửi phiếu" in page.content.decode()
    response = client.post(reverse("ballots:approve", kwargs={"pk": ballot.pk}))
    challenge_id, finish = _stepup(response)
    assert "Phê duyệt gửi phiếu lấy ý kiến" in StepUpChallenge.objects.get(pk=challenge_id).summary
    confirm(StepUpChallenge.objects.get(pk=challenge_id))
    assert client.get(finish).status_code == 302
    assert client.get(finish).status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.OPEN


def test_an_assistant_only_saves_drafts(journey: Journey, client: Client) -> None:
    assistant = MembershipFactory.create(
        body=journey.world.body, role=Role.OFFICE_STAFF, user=UserFactory.create()
    )
    services.assistant_add(
        actor=journey.user("member"), body=journey.world.body, assistant=assistant
    )
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    login_as(client, assistant.user)
    url = reverse("ballots:answer", kwargs={"pk": ballot.pk, "seat": seat.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Ký và gửi ý kiến" not in page.content.decode()
    response = client.post(url, _answer_data(ballot, [("agree", ""), ("agree", "")], "sign"))
    assert response.status_code == 302
    assert resolve(urlsplit(response["Location"]).path).view_name == "ballots:answer"
    assert not StepUpChallenge.objects.filter(user=assistant.user).exists()
    # The member finds the prepared draft.
    _as(client, journey, "member")
    page = client.get(url).content.decode()
    assert "Dự thảo do" in page


def test_an_attached_file_is_read_by_the_office_not_by_other_members(
    journey: Journey, client: Client
) -> None:
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    _as(client, journey, "member")
    url = reverse("ballots:answer", kwargs={"pk": ballot.pk, "seat": seat.pk})
    data = _answer_data(ballot, [("agree", ""), ("agree", "")], "save")
    upload = io.BytesIO(pdf_bytes("Ý kiến chi tiết kèm theo"))
    upload.name = "y-kien.pdf"
    assert client.post(url, {**data, "attachment": upload}).status_code == 302
    answer = journey.answer(ballot, "member")
    assert answer.attachment is not None
    link = reverse("ballots:attachment", kwargs={"pk": ballot.pk, "answer_id": answer.pk})
    assert client.get(link).status_code == 200
    _as(client, journey, "office")
    response = client.get(link)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    _as(client, journey, "member2")
    assert client.get(link).status_code == 404
    _as(client, journey, "outsider")
    assert client.get(link).status_code == 404


def test_the_leader_signs_the_report_and_it_verifies(
    journey: Journey, client: Client, tmp_path: Path
) -> None:
    ballot = journey.send()
    journey.answer(ballot, "member", [("agree", ""), ("disagree", "Cần bổ sung đánh giá tác động")])
    journey.answer(ballot, "chair")
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=5)):  # type: ignore[operator]
        services.ballot_close_due()
        _as(client, journey, "leader")
        page = client.get(reverse("ballots:report", kwargs={"pk": ballot.pk}))
        assert page.status_code == 200
        response = client.post(reverse("ballots:report", kwargs={"pk": ballot.pk}))
        challenge_id, finish = _stepup(response)
        confirm(StepUpChallenge.objects.get(pk=challenge_id))
        assert client.get(finish).status_code == 302
        pdf = client.get(reverse("ballots:report_pdf", kwargs={"pk": ballot.pk}))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    report = Report.objects.get(ballot=ballot)
    assert report.signed_by == journey.user("leader")
    assert report.draft_pdf is None
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf.content)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify", str(path), stdout=out, stderr=out)
    assert exited.value.code == 0, out.getvalue()
    assert "HỢP LỆ / VALID" in out.getvalue()
    assert "Người thử leader" in out.getvalue()

    from pypdf import PdfReader

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    for words in (
        "BÁO CÁO",
        "Cần bổ sung đánh giá tác động",
        "Người thử member2",
        "tính là không có ý kiến",
    ):
        assert words in text, words
    # The members asked read the signed report too; someone of another body does not.
    _as(client, journey, "member2")
    assert client.get(reverse("ballots:report_pdf", kwargs={"pk": ballot.pk})).status_code == 200
    _as(client, journey, "outsider")
    assert client.get(reverse("ballots:report_pdf", kwargs={"pk": ballot.pk})).status_code == 404


def test_results_show_the_tally_and_who_opened_the_dossier(
    journey: Journey, client: Client
) -> None:
    from ecabinet.documents.services import DocumentMeta, document_open, document_upload

    ballot = journey.file()
    document = document_upload(
        actor=journey.user("agency"),
        data=pdf_bytes("Tờ trình"),
        filename="to-trinh.pdf",
        dossier=ballot.dossier,
        meta=DocumentMeta(title="Tờ trình"),
    )
    journey.draft(ballot)
    journey.to_chair(ballot)
    ballot = journey.approve(ballot)
    document_open(actor=journey.user("member"), document=document, version=document.versions.get())
    journey.answer(ballot, "member", [("agree", ""), ("other", "Làm rõ nguồn vốn")])
    _as(client, journey, "office")
    page = client.get(reverse("ballots:results", kwargs={"pk": ballot.pk}))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Làm rõ nguồn vốn" in content
    assert "1/1 tài liệu" in content
    assert "Chưa mở" in content
    assert "ít nhất 2" in content
    partial = client.get(
        reverse("ballots:results", kwargs={"pk": ballot.pk}), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode()


def test_a_holiday_deadline_is_refused_on_the_draft_form(journey: Journey, client: Client) -> None:
    from django.utils import timezone

    from ecabinet.core.calendar import public_holidays

    ballot = journey.file()
    _as(client, journey, "office")
    url = reverse("ballots:edit", kwargs={"pk": ballot.pk})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    holiday = min(
        d
        for y in (today.year, today.year + 1)
        for d in public_holidays(y)
        if d > today and d.weekday() < 5
    )
    ballot.refresh_from_db()
    data = {
        "title": ballot.title,
        "questions": "Câu 1\nCâu 2",
        "recipients": [
            m.pk
            for m in Membership.objects.filter(
                body=journey.world.body, role__in=["chair", "member"]
            )
        ],
        "deadline_date": holiday.isoformat(),
        "deadline_time": "17:00",
        "follower": journey.world.memberships["office"].pk,
        "version": ballot.version,
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "ngày nghỉ" in response.content.decode()


def test_editing_after_sending_points_to_a_corrected_ballot(
    journey: Journey, client: Client
) -> None:
    ballot = journey.send()
    _as(client, journey, "office")
    response = client.get(reverse("ballots:edit", kwargs={"pk": ballot.pk}), follow=True)
    assert "Hãy tạo phiếu đã sửa" in response.content.decode()
    created = client.post(reverse("ballots:correct", kwargs={"pk": ballot.pk}))
    assert created.status_code == 302
    new = Ballot.objects.get(corrects=ballot)
    assert resolve(urlsplit(created["Location"]).path).kwargs["pk"] == new.pk


def test_a_removed_member_reads_the_ballot_and_is_told_why_they_cannot_answer(
    journey: Journey, client: Client
) -> None:
    ballot = journey.send()
    Membership.objects.filter(pk=journey.world.memberships["member2"].pk).update(is_active=False)
    _as(client, journey, "member2")
    seat = journey.seat(ballot, "member2")
    page = client.get(reverse("ballots:detail", kwargs={"pk": ballot.pk}))
    assert page.status_code == 200
    assert "không còn là thành viên" in page.content.decode()
    answer = client.get(reverse("ballots:answer", kwargs={"pk": ballot.pk, "seat": seat.pk}))
    assert answer.status_code == 409
    assert "không còn là thành viên" in answer.content.decode()


def test_waiting_for_me_lists_open_ballots_with_time_left(journey: Journey) -> None:
    ballot = journey.send()
    items = ballots_waiting_for(journey.user("member"))
    assert [i.title for i in items] == [ballot.title]
    assert items[0].detail.startswith("Còn ")
    assert items[0].due_at == ballot.deadline_at
    journey.answer(ballot, "member")
    assert ballots_waiting_for(journey.user("member")) == []
    # The chair's approval and a review step wait for their holders too.
    draft = journey.file(title="Về việc khác")
    journey.draft(draft)
    draft.refresh_from_db()
    services.ballot_submit(actor=journey.user("office"), ballot=draft, version=draft.version)
    assert [i.title for i in ballots_waiting_for(journey.user("head"))] == ["Về việc khác"]
    assert ballots_waiting_for(journey.user("leader")) == []


def test_a_review_posted_twice_is_refused_the_second_time(journey: Journey, client: Client) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    services.ballot_submit(actor=journey.user("office"), ballot=ballot, version=ballot.version)
    _as(client, journey, "head")
    url = reverse("ballots:review", kwargs={"pk": ballot.pk})
    data = {"step": 0, "cycle": 1, "action": "forward"}
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert second.status_code == 403 or "vừa được người khác xử lý" in second.content.decode()
    ballot.refresh_from_db()
    assert ballot.review_step == 1
