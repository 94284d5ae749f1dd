"""The outbox page and the download of each message, through the test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.exchange import edxml, services
from ecabinet.exchange.models import OutgoingMessage
from ecabinet.exchange.tests.conftest import PDF, enqueue, person

pytestmark = pytest.mark.django_db


def _outbox(w: World) -> str:
    return f"/trao-doi/{w.body.code}/hop-thu-di/"


def test_the_office_sees_every_message_and_the_manual_ones(gov: World, client: Client) -> None:
    enqueue(gov)
    login_as(client, gov.user("office"))
    response = client.get(_outbox(gov))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Văn bản gửi liên thông" in html
    assert "000.00.00.G22" in html  # the body's own identifier
    assert "Ủy ban nhân dân tỉnh Nghệ An" in html
    assert "000.00.00.H41" in html
    assert "Bộ Tài chính" in html
    assert "000.00.00.G22,2026/01/15,85/NQ-CP" in html
    assert html.count("Tải về") == 2
    assert "Hội đồng nhân dân xã Thử" in html
    assert "(chưa có mã định danh)" in html
    assert "Cần chuyển thủ công" in html
    assert "chưa có mã định danh (OrganId) trên trục liên thông" in html
    assert "Chờ gửi (2)" in html
    assert "Cần chuyển thủ công (1)" in html
    assert "Tất cả (3)" in html


def test_the_status_filter(gov: World, client: Client) -> None:
    result = enqueue(gov)
    services.outgoing_mark_failed(actor=None, message=result.queued[0], error="axis said 503")
    login_as(client, gov.user("office"))
    html = client.get(_outbox(gov), {"trang-thai": "failed"}).content.decode()
    assert "axis said 503" in html
    assert "Bộ Tài chính" not in html
    html = client.get(_outbox(gov), {"trang-thai": "sent"}).content.decode()
    assert "Không có thông điệp nào ở trạng thái này." in html
    # An unknown status shows everything.
    html = client.get(_outbox(gov), {"trang-thai": "xyz"}).content.decode()
    assert "Bộ Tài chính" in html
    assert "Hội đồng nhân dân xã Thử" in html


def test_an_empty_outbox(gov: World, client: Client) -> None:
    login_as(client, gov.user("office"))
    html = client.get(_outbox(gov)).content.decode()
    assert "Chưa có văn bản nào được gửi liên thông." in html


def test_the_outbox_pages_by_fifty(gov: World, client: Client) -> None:
    for n in range(1, 28):
        enqueue(gov, subject_id=str(n), code=edxml.Code(str(n), "NQ-CP"))  # 27 × 3 rows
    login_as(client, gov.user("office"))
    first = client.get(_outbox(gov)).content.decode()
    assert "Trang 1/2" in first
    second = client.get(_outbox(gov), {"trang": 2}).content.decode()
    assert "Trang 2/2" in second


def test_download_gives_the_stored_edxml_file(gov: World, client: Client) -> None:
    message = enqueue(gov).queued[0]
    login_as(client, gov.user("office"))
    response = client.get(f"{_outbox(gov)}{message.pk}.edxml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Cache-Control"] == "private, no-store"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=UTF-8''85-NQ-CP_000.00.00.H41.edxml"
    )
    parsed = edxml.parse_message(response.content)
    assert parsed.metadata.recipients[0].organ_id == "000.00.00.H41"
    assert parsed.attachments[0].data == PDF
    assert parsed.warnings == ()


def test_a_manual_row_has_no_file(gov: World, client: Client) -> None:
    manual = enqueue(gov).manual[0]
    login_as(client, gov.user("office"))
    assert client.get(f"{_outbox(gov)}{manual.pk}.edxml").status_code == 404


def test_unknown_or_malformed_message_ids_are_not_found(gov: World, client: Client) -> None:
    login_as(client, gov.user("office"))
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"{_outbox(gov)}{missing}.edxml").status_code == 404
    assert client.get(f"{_outbox(gov)}85.edxml").status_code == 404


def test_an_unreadable_message_answers_409_and_is_audited(gov: World, client: Client) -> None:
    message = enqueue(gov).queued[0]
    OutgoingMessage.objects.filter(pk=message.pk).update(sealed_message=b"\x01garbage")
    login_as(client, gov.user("office"))
    response = client.get(f"{_outbox(gov)}{message.pk}.edxml")
    assert response.status_code == 409
    assert "Không đọc được thông điệp đã lưu" in response.content.decode()
    assert AuditEvent.objects.filter(verb="exchange.outgoing_unreadable").count() == 1


def test_only_get_and_head(gov: World, client: Client) -> None:
    login_as(client, gov.user("office"))
    assert client.post(_outbox(gov)).status_code == 405


ROLES = [
    (Role.OFFICE_LEADER, 200),
    (Role.OFFICE_HEAD, 200),
    (Role.OFFICE_STAFF, 200),
    (Role.RECORDS_CLERK, 200),
    (Role.BODY_ADMIN, 200),
    (Role.CHAIR, 403),
    (Role.VICE_CHAIR, 403),
    (Role.MEMBER, 403),
    (Role.DEPUTY, 403),
    (Role.AGENCY, 403),
    (Role.OBSERVER, 403),
    (Role.SECURITY, 403),
]


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_who_sees_the_outbox_and_its_files_by_role(
    gov: World, client: Client, role: str, status: int
) -> None:
    message = enqueue(gov).queued[0]
    user = MembershipFactory.create(body=gov.body, role=role).user
    login_as(client, user)
    assert client.get(_outbox(gov)).status_code == status
    assert client.get(f"{_outbox(gov)}{message.pk}.edxml").status_code == status


def test_an_extra_permission_opens_the_outbox(gov: World, client: Client) -> None:
    membership = MembershipFactory.create(
        body=gov.body, role=Role.OBSERVER, extra_permissions=["documents.manage"]
    )
    login_as(client, membership.user)
    assert client.get(_outbox(gov)).status_code == 200


def test_an_inactive_membership_sees_nothing(gov: World, client: Client) -> None:
    membership = MembershipFactory.create(body=gov.body, role=Role.RECORDS_CLERK, is_active=False)
    login_as(client, membership.user)
    assert client.get(_outbox(gov)).status_code == 404


def test_the_records_clerk_of_another_body_gets_404(gov: World, client: Client) -> None:
    message = enqueue(gov).queued[0]
    clerk = MembershipFactory.create(body=gov.other_body, role=Role.RECORDS_CLERK).user
    login_as(client, clerk)
    assert client.get(_outbox(gov)).status_code == 404
    assert client.get(f"{_outbox(gov)}{message.pk}.edxml").status_code == 404
    # Their own outbox does not show this body's message, nor serve it.
    other = f"/trao-doi/{gov.other_body.code}/hop-thu-di/"
    assert client.get(other).status_code == 200
    assert client.get(f"{other}{message.pk}.edxml").status_code == 404


def test_the_page_runs_in_constant_queries(
    gov: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(1, 6):
        enqueue(gov, subject_id=str(n), code=edxml.Code(str(n), "NQ-CP"))
    login_as(client, person(gov, "office"))
    client.get(_outbox(gov))
    with django_assert_max_num_queries(20) as captured:
        client.get(_outbox(gov))
    few = len(captured)
    for n in range(6, 16):
        enqueue(gov, subject_id=str(n), code=edxml.Code(str(n), "NQ-CP"))
    with django_assert_max_num_queries(few):
        client.get(_outbox(gov))
