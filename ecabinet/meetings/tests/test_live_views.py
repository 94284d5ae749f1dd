"""The live session's HTTP pages: opening the signing window, the attendance list, a
conclusion's attachment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ecabinet.accounts.models import SigningWindow
from ecabinet.accounts.tests.conftest import device_code, enrol
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.meetings.live import services as live
from ecabinet.meetings.models import Conclusion
from ecabinet.meetings.tests.conftest import pdf
from ecabinet.meetings.tests.live_support import (  # noqa: F401
    Live,
    _fresh_internal_tsa,
    build_live,
)


@pytest.fixture
def lv(world: World) -> Live:
    return build_live(world)


def test_a_code_opens_the_meetings_signing_window(lv: Live, client: Client) -> None:
    user = lv.user("member2")
    device, _codes = enrol(user)
    login_as(client, user)
    url = reverse("meetings:live_signing", args=[lv.meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Mở phiên ký" in page.content.decode()
    malformed = client.post(url, {"code": "12"})
    assert malformed.status_code == 400
    assert not SigningWindow.objects.filter(user=user).exists()
    response = client.post(url, {"code": device_code(device), "next": "/cuoc-hop/"})
    assert response.status_code == 302
    assert response["Location"] == "/cuoc-hop/"
    window = SigningWindow.objects.get(user=user, closed_at__isnull=True)
    assert (window.scope_type, window.scope_id) == ("meeting", str(lv.meeting.pk))
    again = client.get(url)
    assert "Phiên ký đang mở" in again.content.decode()


def test_attendance_list_exports_present_absent_and_missing(lv: Live, client: Client) -> None:
    from ecabinet.meetings.models import Invitation

    Invitation.objects.filter(meeting=lv.meeting, user=lv.user("member2")).update(
        response=Invitation.Response.DECLINED, reason="Đi công tác nước ngoài"
    )
    lv.open()
    lv.checkin("chair")
    lv.checkin("substitute", "remote")
    lv.checkin("observer")
    login_as(client, lv.user("office"))
    response = client.get(reverse("meetings:live_attendance_csv", args=[lv.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("STT,Họ và tên,Tư cách")
    assert "Người thử substitute,Người dự thay,Người thử member,Trực tuyến" in text
    assert "Người thử observer,Khách mời" in text
    assert "Vắng mặt: Đi công tác nước ngoài" in text
    assert "Người thử member,Thành viên,,,,,Có người dự thay" in text
    assert len(lines) == 1 + 3 + 2  # three present; the member represented, member2 absent


def test_secretary_attaches_a_file_to_a_conclusion(lv: Live, client: Client) -> None:
    lv.open()
    office = lv.user("office")
    login_as(client, office)
    url = reverse("meetings:live_conclusion_attachment", args=[lv.meeting.pk, lv.items[1].pk])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ket-luan.pdf", pdf("Kết luận"), content_type="application/pdf")
    refused = client.post(url, {"file": upload}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 409  # no conclusion yet
    live.item_conclude(
        actor=office, meeting=lv.fresh(), item_id=lv.items[1].pk, outcome="deferred", text=""
    )
    upload = SimpleUploadedFile("ket-luan.pdf", pdf("Kết luận"), content_type="application/pdf")
    response = client.post(url, {"file": upload}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    conclusion = Conclusion.objects.get(item=lv.items[1])
    assert conclusion.attachment is not None
    assert conclusion.version == 2
    assert conclusion.attachment.dossier_id == lv.meeting.dossier_id
