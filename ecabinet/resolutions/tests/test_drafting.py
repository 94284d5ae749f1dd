"""The first draft: from a closed meeting's conclusions, from a decided ballot; refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from ecabinet.audit.models import AuditEvent
from ecabinet.ballots import services as ballot_services
from ecabinet.ballots.models import Ballot
from ecabinet.ballots.tests.conftest import SESSION, build_journey, confirm
from ecabinet.bodies.models import DocumentType, Membership, Role
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.resolutions import selectors, services
from ecabinet.resolutions.content import RecipientKind
from ecabinet.resolutions.models import Resolution, ResolutionEvent
from ecabinet.resolutions.tests.conftest import Desk

pytestmark = pytest.mark.django_db


# --- From a meeting --------------------------------------------------------------------------


def test_one_section_per_concluded_item_with_its_outcome(desk: Desk) -> None:
    meeting = desk.closed_meeting(
        (
            ("Dự án Luật Thử nghiệm", "adopted", "Thống nhất thông qua.\nGiao Bộ hoàn thiện."),
            ("Đề án chưa bàn", "", ""),
            ("Đề án Thử nghiệm thứ hai", "rejected", "Chưa đủ cơ sở."),
            ("Báo cáo Thử nghiệm thứ ba", "deferred", ""),
        )
    )
    items = desk.items(meeting)
    resolution = desk.draft(meeting)
    content = desk.content(resolution)
    # The item without a conclusion has no section; numbering follows the sections.
    assert [(s.key, s.heading) for s in content.sections] == [
        (f"item-{items[0].pk}", "1. Về dự án Luật Thử nghiệm"),
        (f"item-{items[2].pk}", "2. Về đề án Thử nghiệm thứ hai"),
        (f"item-{items[3].pk}", "3. Về báo cáo Thử nghiệm thứ ba"),
    ]
    adopted, rejected, deferred = content.sections
    assert adopted.paragraphs == ("Thống nhất thông qua.", "Giao Bộ hoàn thiện.")
    assert rejected.paragraphs == (
        "Không thông qua đề án Thử nghiệm thứ hai.",
        "Chưa đủ cơ sở.",
    )
    assert deferred.paragraphs == ("Hoãn xem xét báo cáo Thử nghiệm thứ ba.",)
    assert content.title == "Nghị quyết phiên họp Chính phủ thường kỳ tháng 5 năm 2026"
    assert content.summary == meeting.title
    assert content.preamble[0] == "Căn cứ Luật Tổ chức Chính phủ;"
    assert content.preamble[-1].startswith("Trên cơ sở thảo luận của các thành viên")


def test_draft_is_version_one_with_its_hash_and_audit(desk: Desk) -> None:
    resolution = desk.draft()
    resolution = desk.fresh(resolution)
    version = resolution.current_version
    assert version is not None
    assert (version.number, resolution.status) == (1, Resolution.Status.DRAFTING)
    assert version.sha256 == selectors.content_of(version).sha256
    assert resolution.document_type.abbreviation == "NQ"
    assert resolution.source == Resolution.Source.MEETING
    event = AuditEvent.objects.get(verb="resolutions.resolution_create")
    assert event.after["sha256"] == version.sha256
    assert ResolutionEvent.objects.filter(resolution=resolution, action="create").exists()
    # Fields of issuance stay empty.
    assert (resolution.number, resolution.sequence, resolution.issued_at) == ("", None, None)


def test_signer_block_and_default_recipients(desk: Desk) -> None:
    content = desk.content(desk.draft())
    chair = desk.user("chair")
    assert content.signer.authority == "TM. CHÍNH PHỦ (THỬ)"
    assert content.signer.title == "THỦ TƯỚNG"
    assert (content.signer.name, content.signer.user_id) == (chair.full_name, chair.pk)
    kinds = [(r.kind, r.name) for r in content.recipients]
    assert kinds == [
        (RecipientKind.MEMBERS, "Các thành viên Chính phủ (thử)"),
        (RecipientKind.UNIT, "Bộ Thử nghiệm"),
        (RecipientKind.TEXT, "Lưu: VT."),
    ]


def test_meeting_still_in_session_is_refused(desk: Desk) -> None:
    meeting = desk.closed_meeting(close=False)
    with pytest.raises(DomainError) as refused:
        desk.draft(meeting)
    assert refused.value.code == "meeting_not_closed"
    assert not Resolution.objects.exists()


def test_meeting_without_conclusions_is_refused(desk: Desk) -> None:
    meeting = desk.closed_meeting((("Đề án chưa kết luận", "", ""),))
    with pytest.raises(DomainError) as refused:
        desk.draft(meeting)
    assert refused.value.code == "no_conclusions"


def test_second_draft_of_a_meeting_is_refused_until_the_first_is_cancelled(desk: Desk) -> None:
    meeting = desk.closed_meeting()
    first = desk.draft(meeting)
    with pytest.raises(DomainError) as refused:
        desk.draft(meeting)
    assert refused.value.code == "duplicate"
    assert selectors.meetings_to_draft(desk.world.body).count() == 0
    services.resolution_cancel(actor=desk.user("office"), resolution=first, reason="Soạn lại.")
    assert list(selectors.meetings_to_draft(desk.world.body)) == [meeting]
    assert desk.draft(meeting).pk != first.pk


@pytest.mark.parametrize("persona", ["chair", "member", "substitute", "agency", "observer"])
def test_only_the_office_drafts(desk: Desk, persona: str) -> None:
    meeting = desk.closed_meeting()
    with pytest.raises(PermissionDenied):
        desk.draft(meeting, actor=persona)


def test_office_of_another_body_cannot_draft(desk: Desk) -> None:
    meeting = desk.closed_meeting()
    stranger = MembershipFactory.create(
        body=desk.world.other_body,
        user=UserFactory.create(username="office_other"),
        role=Role.OFFICE_STAFF,
    )
    with pytest.raises(PermissionDenied):
        services.resolution_create_from_meeting(actor=stranger.user, meeting=meeting)


def test_without_the_document_type_the_office_is_told_what_to_add(desk: Desk) -> None:
    meeting = desk.closed_meeting()
    DocumentType.objects.filter(body=desk.world.body).update(is_active=False)
    with pytest.raises(DomainError) as refused:
        desk.draft(meeting)
    assert refused.value.code == "no_document_type"
    assert "NQ" in str(refused.value.message)


def test_body_without_a_chair_is_refused(desk: Desk) -> None:
    meeting = desk.closed_meeting()
    Membership.objects.filter(pk=desk.world.memberships["chair"].pk).update(is_active=False)
    with pytest.raises(DomainError) as refused:
        desk.draft(meeting)
    assert refused.value.code == "no_chair"


# --- From a ballot ---------------------------------------------------------------------------


def _decided_ballot(world: World) -> Ballot:
    """A ballot sent, answered by the three members, closed and decided by the chair (the
    signed summary report is the ballots tests' business: its state is set directly)."""
    journey = build_journey(world)
    DocumentType.objects.create(body=world.body, name="Nghị quyết", abbreviation="NQ")
    ballot = journey.send()
    journey.answer(ballot, "member", [("agree", ""), ("disagree", "Cần thêm thời gian")])
    journey.answer(ballot, "chair", [("agree", ""), ("agree", "")])
    journey.answer(ballot, "member2", [("agree", ""), ("other", "Làm rõ nguồn vốn")])
    ballot.refresh_from_db()
    ballot_services.ballot_close(actor=journey.user("office"), ballot=ballot)
    Ballot.objects.filter(pk=ballot.pk).update(status=Ballot.Status.SUMMARISED)
    ballot.refresh_from_db()
    chair = journey.user("chair")
    request = ballot_services.decision_request(
        actor=chair,
        ballot=ballot,
        text="Đồng ý nội dung 1.\nGiao Bộ Thử nghiệm nghiên cứu thêm nội dung 2.",
        session_key=SESSION,
    )
    confirm(request.challenge)
    ballot_services.decision_record(
        actor=chair,
        ballot=ballot,
        session_key=SESSION,
        challenge_id=request.challenge.pk,
        content=request.content,
    )
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.DECIDED
    return ballot


def test_draft_from_a_decided_ballot(world: World) -> None:
    ballot = _decided_ballot(world)
    office = world.user("office")
    assert office is not None
    assert list(selectors.ballots_to_draft(world.body)) == [ballot]
    resolution = services.resolution_create_from_ballot(actor=office, ballot=ballot)
    assert resolution.source == Resolution.Source.BALLOT
    assert resolution.current_version is not None
    content = selectors.content_of(resolution.current_version)
    first, second, decision = content.sections
    questions = list(ballot.questions.order_by("number"))
    assert first.key == f"question-{questions[0].pk}"
    assert first.paragraphs[0] == questions[0].text
    assert first.paragraphs[1].startswith("Kết quả lấy ý kiến: 3/3 thành viên đồng ý.")
    # More than half of ALL members did not agree with the second: not adopted.
    assert second.paragraphs[0] == f"Chưa thông qua nội dung: {questions[1].text}"
    assert second.paragraphs[1].startswith("Kết quả lấy ý kiến: 1/3 thành viên đồng ý.")
    assert decision.key == "decision"
    assert decision.heading == "3. Quyết định của Thủ tướng"
    assert decision.paragraphs == (
        "Đồng ý nội dung 1.",
        "Giao Bộ Thử nghiệm nghiên cứu thêm nội dung 2.",
    )
    assert content.title == "Nghị quyết về việc điều chỉnh quy hoạch tổng thể"
    assert "(Tờ trình số 125/TTr-BTN)" in content.preamble[-1]
    assert [r.kind for r in content.recipients] == ["members", "unit", "text"]
    with pytest.raises(DomainError) as refused:
        services.resolution_create_from_ballot(actor=office, ballot=ballot)
    assert refused.value.code == "duplicate"
    assert selectors.ballots_to_draft(world.body).count() == 0


def test_ballot_not_yet_decided_is_refused(world: World) -> None:
    journey = build_journey(world)
    DocumentType.objects.create(body=world.body, name="Nghị quyết", abbreviation="NQ")
    ballot = journey.file()
    office = world.user("office")
    assert office is not None
    with pytest.raises(DomainError) as refused:
        services.resolution_create_from_ballot(actor=office, ballot=ballot)
    assert refused.value.code == "ballot_not_decided"
    chair = world.user("chair")
    assert chair is not None
    with pytest.raises(PermissionDenied):
        services.resolution_create_from_ballot(actor=chair, ballot=ballot)
