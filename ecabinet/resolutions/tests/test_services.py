"""The services: versions, consultation, handling of comments, submission and return.

Every refusal leaves the data as it was; every state change leaves an audit event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.bodies.models import Role
from ecabinet.core.dates import VN_TZ
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.waiting import registry
from ecabinet.notifications.models import Notification
from ecabinet.resolutions import ledger, selectors, services
from ecabinet.resolutions.content import Section, Signer
from ecabinet.resolutions.models import (
    Consultation,
    ConsultationComment,
    ConsultationRecipient,
    Resolution,
    ResolutionVersion,
)
from ecabinet.resolutions.tests.conftest import Desk
from ecabinet.tracking.models import Assignment, Reminder
from ecabinet.tracking.services import tracking_scan

pytestmark = pytest.mark.django_db

NEW_SECTION = Section("m-0001", "4. Tổ chức thực hiện", ("Các Bộ tổ chức thực hiện.",))


def _add_section(desk: Desk, resolution: Resolution, **kwargs: object) -> ResolutionVersion:
    content = desk.content(resolution)
    return desk.edit(resolution, sections=(*content.sections, NEW_SECTION), **kwargs)  # type: ignore[arg-type]


def _items(resolution: Resolution, kind: str) -> list[Assignment]:
    return list(
        Assignment.objects.filter(
            subject_type=ledger.SUBJECT_TYPE, subject_id=str(resolution.pk), kind=kind
        ).select_related("assignee")
    )


# --- Versions ------------------------------------------------------------------------------


def test_editing_creates_the_next_version_with_its_hash(desk: Desk) -> None:
    resolution = desk.draft()
    version = _add_section(desk, resolution)
    row = desk.fresh(resolution)
    assert (version.number, version.based_on) == (2, 1)
    assert row.current_version == version
    assert version.sha256 == selectors.content_of(version).sha256
    assert selectors.content_of(version).sections[-1] == NEW_SECTION
    first = ResolutionVersion.objects.get(resolution=resolution, number=1)
    assert first.sha256 != version.sha256
    event = AuditEvent.objects.get(verb="resolutions.resolution_edit")
    assert event.before == {"version": 1, "sha256": first.sha256}
    assert event.after["version"] == 2
    # The title and summary on the row follow the current version.
    desk.edit(resolution, title="Nghị quyết phiên họp (đã sửa)")
    assert desk.fresh(resolution).title == "Nghị quyết phiên họp (đã sửa)"


def test_saving_the_same_content_writes_no_version(desk: Desk) -> None:
    resolution = desk.draft()
    version = desk.edit(resolution)
    assert version.number == 1
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 1
    assert not AuditEvent.objects.filter(verb="resolutions.resolution_edit").exists()


def test_a_stale_edit_is_refused_and_overwrites_nothing(desk: Desk) -> None:
    resolution = desk.draft()
    _add_section(desk, resolution)  # another editor saved version 2 from version 1
    with pytest.raises(DomainError) as refused:
        desk.edit(resolution, base=1, title="Tên theo trang cũ")
    assert refused.value.code == "stale"
    assert "phiên bản 2" in str(refused.value.message)
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 2
    assert desk.content(resolution).title != "Tên theo trang cũ"


def test_versions_are_never_updated(desk: Desk) -> None:
    version = desk.fresh(desk.draft()).current_version
    assert version is not None
    version.note = "changed"
    with pytest.raises(RuntimeError):
        version.save()


def test_the_signature_block_names_the_current_chair(desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    desk.edit(resolution, signer=Signer("TM. CHÍNH PHỦ", "Q. THỦ TƯỚNG", "Người khác", 9999))
    signer = desk.content(resolution).signer
    assert (signer.title, signer.name, signer.user_id) == (
        "Q. THỦ TƯỚNG",
        content.signer.name,
        desk.user("chair").pk,
    )


@pytest.mark.parametrize("persona", ["chair", "member", "substitute", "agency", "observer"])
def test_only_the_office_edits(desk: Desk, persona: str) -> None:
    resolution = desk.draft()
    with pytest.raises(PermissionDenied):
        desk.edit(resolution, actor=persona, title="Sửa trái phép")


def test_office_of_another_body_cannot_touch_it(desk: Desk) -> None:
    resolution = desk.draft()
    stranger = MembershipFactory.create(
        body=desk.world.other_body,
        user=UserFactory.create(username="office_other"),
        role=Role.OFFICE_STAFF,
    ).user
    with pytest.raises(PermissionDenied):
        services.resolution_edit(
            actor=stranger,
            resolution=desk.fresh(resolution),
            base_version=1,
            content=desk.content(resolution),
        )
    with pytest.raises(PermissionDenied):
        services.resolution_submit(actor=stranger, resolution=desk.fresh(resolution), version=1)
    with pytest.raises(Http404):
        selectors.resolution_for(stranger, resolution.pk)


# --- Consultation --------------------------------------------------------------------------


def test_consultation_goes_to_every_voting_member_due_in_working_days(desk: Desk) -> None:
    resolution = desk.draft()
    # Wednesday 29 April 2026: 30/4 and 1/5 are public holidays, then a weekend.
    with time_machine.travel(datetime(2026, 4, 29, 10, 0, tzinfo=VN_TZ), tick=False):
        consultation = desk.consult(resolution, days=1, message="Đề nghị góp ý sớm.")
    assert consultation.deadline_at == datetime(2026, 5, 4, 17, 0, tzinfo=VN_TZ)
    assert (consultation.number, consultation.version.number) == (1, 1)
    assert desk.fresh(resolution).status == Resolution.Status.CONSULTATION
    asked = {
        r.user.username for r in ConsultationRecipient.objects.filter(consultation=consultation)
    }
    assert asked == {"chair", "member", "member2"}
    items = _items(resolution, ledger.KIND_CONSULT)
    assert {a.assignee.username for a in items} == asked
    assert all(a.due_at == consultation.deadline_at for a in items)
    assert AuditEvent.objects.get(verb="resolutions.consultation_open").after["working_days"] == 1


def test_sending_without_members_is_refused(desk: Desk) -> None:
    resolution = desk.draft()
    with pytest.raises(DomainError) as refused:
        desk.consult(resolution, members=[])
    assert refused.value.code == "no_members"
    assert desk.fresh(resolution).status == Resolution.Status.DRAFTING
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("days", [0, 31])
def test_deadline_outside_one_to_thirty_working_days_is_refused(desk: Desk, days: int) -> None:
    with pytest.raises(DomainError) as refused:
        desk.consult(desk.draft(), days=days)
    assert refused.value.code == "bad_days"


def test_members_of_another_body_or_without_a_seat_are_refused(desk: Desk) -> None:
    resolution = desk.draft()
    for wrong in (desk.world.memberships["outsider"], desk.world.memberships["observer"]):
        with pytest.raises(DomainError) as refused:
            desk.consult(resolution, members=[wrong])
        assert refused.value.code == "bad_member"


def test_one_consultation_at_a_time(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    with pytest.raises(InvalidTransition):
        desk.consult(resolution)
    assert Consultation.objects.count() == 1


def test_member_agrees_then_comments_until_the_deadline(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    key = desk.content(resolution).sections[0].key
    seat = desk.answer(resolution, "member", "agree")
    assert (seat.choice, seat.answered_by, seat.on_behalf_of) == (
        "agree",
        desk.user("member"),
        None,
    )
    # The ledger item of the member is done at the first answer.
    done = {a.assignee.username for a in _items(resolution, ledger.KIND_CONSULT) if a.done_at}
    assert done == {"member"}
    seat = desk.answer(
        resolution, "member", "comment", {key: "Đề nghị bổ sung thời hạn.", "": "Nhất trí chung."}
    )
    assert seat.choice == "comment"
    comments = {c.section_key: c for c in ConsultationComment.objects.filter(recipient=seat)}
    assert comments[key].text == "Đề nghị bổ sung thời hạn."
    assert comments[key].position == 1
    assert comments[""].text == "Nhất trí chung."
    events = list(AuditEvent.objects.filter(verb="resolutions.opinion_submit").order_by("seq"))
    assert [e.after["choice"] for e in events] == ["agree", "comment"]
    assert events[1].before == {"choice": "agree", "comments": {}}
    # Agreeing again withdraws the comments.
    desk.answer(resolution, "member", "agree")
    assert not ConsultationComment.objects.filter(recipient=seat).exists()


def test_commenting_needs_a_comment_on_a_section_of_the_draft(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    with pytest.raises(DomainError) as refused:
        desk.answer(resolution, "member", "comment", {"": "   "})
    assert refused.value.code == "no_comment"
    with pytest.raises(DomainError) as refused:
        desk.answer(resolution, "member", "comment", {"item-999999": "Góp ý"})
    assert refused.value.code == "bad_section"
    assert not desk.seat(resolution, "member").choice


def test_answering_after_the_deadline_is_refused(desk: Desk) -> None:
    resolution = desk.draft()
    consultation = desk.consult(resolution)
    with (
        time_machine.travel(consultation.deadline_at + timedelta(seconds=1)),
        pytest.raises(DomainError) as refused,
    ):
        desk.answer(resolution, "member", "agree")
    assert refused.value.code == "deadline_passed"
    assert not desk.seat(resolution, "member").choice


def test_answering_after_the_office_closed_is_refused(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    seat = desk.seat(resolution, "member")
    services.consultation_close(actor=desk.user("office"), resolution=desk.fresh(resolution))
    with pytest.raises(DomainError) as refused:
        services.opinion_submit(actor=desk.user("member"), recipient=seat, choice="agree")
    assert refused.value.code == "consultation_closed"


@pytest.mark.parametrize("actor", ["member2", "chair", "office", "substitute", "observer"])
def test_answering_for_another_member_is_refused(desk: Desk, actor: str) -> None:
    """The substitute holds a delegation without the "give opinions" mandate here."""
    resolution = desk.draft()
    desk.consult(resolution)
    with pytest.raises(PermissionDenied):
        desk.answer(resolution, "member", "agree", actor=actor)
    assert not desk.seat(resolution, "member").choice


def test_substitute_with_the_mandate_answers_for_the_member(opinions_delegated: Desk) -> None:
    desk = opinions_delegated
    resolution = desk.draft()
    desk.consult(resolution)
    # The member handed their opinions over: only the substitute answers for the seat.
    with pytest.raises(PermissionDenied):
        desk.answer(resolution, "member", "agree")
    seat = desk.answer(resolution, "member", "agree", actor="substitute")
    assert (seat.answered_by, seat.on_behalf_of) == (desk.user("substitute"), desk.user("member"))
    consultation = Consultation.objects.get(resolution=resolution)
    consultation.resolution = desk.fresh(resolution)
    seats = selectors.seats_for(desk.user("substitute"), consultation)
    assert [(s.recipient.user.username, s.capacity) for s in seats] == [("member", "substitute")]
    member_item = next(
        a for a in _items(resolution, ledger.KIND_CONSULT) if a.assignee.username == "member"
    )
    assert member_item.done_at is not None


def test_the_ledger_reminds_members_before_the_deadline(desk: Desk) -> None:
    resolution = desk.draft()
    consultation = desk.consult(resolution, days=5)
    desk.answer(resolution, "chair", "agree")
    with time_machine.travel(consultation.deadline_at - timedelta(hours=3)):
        tracking_scan()
    reminded = {
        r.assignment.assignee.username
        for r in Reminder.objects.filter(status="sent").select_related("assignment__assignee")
    }
    assert reminded == {"member", "member2"}


def test_office_records_how_each_comment_was_handled(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    key = desk.content(resolution).sections[0].key
    seat = desk.answer(resolution, "member", "comment", {key: "Bổ sung thời hạn."})
    comment = ConsultationComment.objects.get(recipient=seat)
    comment.recipient.consultation.resolution = desk.fresh(resolution)
    office = desk.user("office")
    for handling in ("partly", "not_accepted"):
        with pytest.raises(DomainError) as refused:
            services.comment_handle(actor=office, comment=comment, handling=handling)
        assert refused.value.code == "no_explanation"
    with pytest.raises(DomainError):
        services.comment_handle(actor=office, comment=comment, handling="")
    with pytest.raises(PermissionDenied):
        services.comment_handle(actor=desk.user("chair"), comment=comment, handling="accepted")
    done = services.comment_handle(
        actor=office, comment=comment, handling="partly", explanation="Đã bổ sung một phần."
    )
    assert (done.handling, done.handled_by) == ("partly", office)
    assert AuditEvent.objects.get(verb="resolutions.comment_handle").after["handling"] == "partly"
    # The member rewrites the comment: the earlier handling no longer applies.
    desk.answer(resolution, "member", "comment", {key: "Bổ sung thời hạn cụ thể."})
    comment.refresh_from_db()
    assert (comment.handling, comment.explanation, comment.handled_at) == ("", "", None)


def test_revising_during_consultation_keeps_the_version_sent(desk: Desk) -> None:
    resolution = desk.draft()
    consultation = desk.consult(resolution)
    version = _add_section(desk, resolution)
    assert version.number == 2
    consultation.refresh_from_db()
    assert consultation.version.number == 1
    # A comment can only be on the sections the member was sent.
    with pytest.raises(DomainError):
        desk.answer(resolution, "member", "comment", {NEW_SECTION.key: "Góp ý mục mới"})


def test_closing_the_consultation_withdraws_the_open_items(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    desk.answer(resolution, "chair", "agree")
    consultation = services.consultation_close(
        actor=desk.user("office"), resolution=desk.fresh(resolution), note="Đủ ý kiến."
    )
    assert consultation.closed_at is not None
    assert desk.fresh(resolution).status == Resolution.Status.DRAFTING
    states = {
        a.assignee.username: (a.done_at is not None, a.cancelled_at is not None)
        for a in _items(resolution, ledger.KIND_CONSULT)
    }
    assert states == {
        "chair": (True, False),
        "member": (False, True),
        "member2": (False, True),
    }
    event = AuditEvent.objects.get(verb="resolutions.consultation_close")
    assert (event.after["answered"], event.after["asked"]) == (1, 3)
    with pytest.raises(InvalidTransition):
        services.consultation_close(actor=desk.user("office"), resolution=desk.fresh(resolution))
    # A second round is numbered 2.
    assert desk.consult(resolution).number == 2


def test_waiting_for_me_lists_the_opinion_until_given(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    member = desk.user("member")

    def titles(section: str) -> list[str]:
        found = next(s for s in registry.waiting_for(member) if s.key == section)
        return [item.title for item in found.items]

    assert resolution.title in titles("ballots")
    desk.answer(resolution, "member", "agree")
    assert resolution.title not in titles("ballots")


# --- Submission and return -----------------------------------------------------------------


def test_submission_freezes_the_version_for_the_chair(desk: Desk) -> None:
    resolution = desk.draft()
    _add_section(desk, resolution)
    row = desk.submit(resolution)
    assert row.status == Resolution.Status.AWAITING_SIGNATURE
    assert row.submitted_version is not None
    assert row.submitted_version.number == 2
    assert row.submitted_sha256 == row.submitted_version.sha256
    assert selectors.version_to_sign(row) == row.submitted_version
    chair = desk.user("chair")
    signs = _items(resolution, ledger.KIND_SIGN)
    assert [a.assignee for a in signs] == [chair]
    signatures = next(s for s in registry.waiting_for(chair) if s.key == "signatures")
    assert [i.title for i in signatures.items] == [row.title]
    assert AuditEvent.objects.get(verb="resolutions.resolution_submit").after["sha256"] == (
        row.submitted_sha256
    )


def test_editing_after_submission_is_refused(desk: Desk) -> None:
    resolution = desk.draft()
    desk.submit(resolution)
    with pytest.raises(InvalidTransition) as refused:
        desk.edit(resolution, title="Sửa sau khi trình")
    assert "trả lại" in str(refused.value.message)
    assert ResolutionVersion.objects.filter(resolution=resolution).count() == 1
    with pytest.raises(InvalidTransition):
        desk.consult(resolution)


def test_a_signed_resolution_is_never_edited(desk: Desk) -> None:
    resolution = desk.submit(desk.draft())
    Resolution.objects.filter(pk=resolution.pk).update(
        status=Resolution.Status.SIGNED, signed_at=timezone.now()
    )
    with pytest.raises(InvalidTransition) as refused:
        desk.edit(resolution, title="Sửa nghị quyết đã ký")
    assert "nghị quyết mới" in str(refused.value.message)
    with pytest.raises(InvalidTransition):
        services.resolution_cancel(
            actor=desk.user("office"), resolution=desk.fresh(resolution), reason="Hủy"
        )


def test_submission_waits_for_the_consultation_to_close(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    with pytest.raises(InvalidTransition):
        desk.submit(resolution)
    assert desk.fresh(resolution).status == Resolution.Status.CONSULTATION


def test_submission_needs_every_comment_handled(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    seat = desk.answer(resolution, "member", "comment", {"": "Góp ý chung."})
    services.consultation_close(actor=desk.user("office"), resolution=desk.fresh(resolution))
    with pytest.raises(DomainError) as refused:
        desk.submit(resolution)
    assert refused.value.code == "unhandled_comments"
    comment = ConsultationComment.objects.get(recipient=seat)
    comment.recipient.consultation.resolution = desk.fresh(resolution)
    services.comment_handle(actor=desk.user("office"), comment=comment, handling="accepted")
    assert desk.submit(resolution).status == Resolution.Status.AWAITING_SIGNATURE


def test_submission_of_a_version_not_shown_is_refused(desk: Desk) -> None:
    resolution = desk.draft()
    _add_section(desk, resolution)
    with pytest.raises(DomainError) as refused:
        services.resolution_submit(
            actor=desk.user("office"), resolution=desk.fresh(resolution), version=1
        )
    assert refused.value.code == "stale"
    assert desk.fresh(resolution).status == Resolution.Status.DRAFTING


def test_version_to_sign_refuses_a_draft_and_altered_content(desk: Desk) -> None:
    resolution = desk.draft()
    with pytest.raises(InvalidTransition):
        selectors.version_to_sign(resolution)
    row = desk.submit(resolution)
    assert row.submitted_version is not None
    altered = dict(row.submitted_version.content, title="Tên bị sửa lén")
    # Bypass the model's refusal to update, as a database edit would.
    ResolutionVersion.objects.filter(pk=row.submitted_version.pk).update(content=altered)
    with pytest.raises(DomainError) as refused:
        selectors.version_to_sign(row)
    assert refused.value.code == "tampered"


def test_the_chair_returns_it_with_a_reason(desk: Desk) -> None:
    resolution = desk.draft()
    desk.submit(resolution)
    chair = desk.user("chair")
    row = services.resolution_return(
        actor=chair, resolution=desk.fresh(resolution), reason="Cần bổ sung căn cứ pháp lý."
    )
    assert row.status == Resolution.Status.DRAFTING
    assert (row.submitted_version, row.submitted_sha256) == (None, "")
    event = AuditEvent.objects.get(verb="resolutions.resolution_return")
    assert event.after["reason"] == "Cần bổ sung căn cứ pháp lý."
    assert event.before["version"] == 1
    assert Notification.objects.filter(
        user=desk.user("office"), text="Cần bổ sung căn cứ pháp lý."
    ).exists()
    assert all(a.done_at is not None for a in _items(resolution, ledger.KIND_SIGN))
    signatures = next(s for s in registry.waiting_for(chair) if s.key == "signatures")
    assert signatures.items == []
    # The Office edits and submits again.
    assert _add_section(desk, resolution).number == 2
    assert desk.submit(resolution).submitted_version.number == 2  # type: ignore[union-attr]


def test_return_without_a_reason_is_refused(desk: Desk) -> None:
    resolution = desk.submit(desk.draft())
    with pytest.raises(DomainError) as refused:
        services.resolution_return(
            actor=desk.user("chair"), resolution=desk.fresh(resolution), reason="   "
        )
    assert refused.value.code == "no_reason"
    assert desk.fresh(resolution).status == Resolution.Status.AWAITING_SIGNATURE


@pytest.mark.parametrize("persona", ["office", "member", "substitute", "observer"])
def test_only_the_chair_returns(desk: Desk, persona: str) -> None:
    resolution = desk.submit(desk.draft())
    with pytest.raises(PermissionDenied):
        services.resolution_return(
            actor=desk.user(persona), resolution=desk.fresh(resolution), reason="Trả lại"
        )


def test_return_of_a_draft_is_an_invalid_transition(desk: Desk) -> None:
    resolution = desk.draft()
    with pytest.raises(InvalidTransition):
        services.resolution_return(
            actor=desk.user("chair"), resolution=desk.fresh(resolution), reason="Trả lại"
        )


def test_cancel_needs_a_reason_and_ends_the_consultation(desk: Desk) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    office = desk.user("office")
    with pytest.raises(DomainError):
        services.resolution_cancel(actor=office, resolution=desk.fresh(resolution), reason="")
    row = services.resolution_cancel(
        actor=office, resolution=desk.fresh(resolution), reason="Gộp vào nghị quyết khác."
    )
    assert row.status == Resolution.Status.CANCELLED
    assert Consultation.objects.get(resolution=resolution).closed_at is not None
    assert all(a.cancelled_at is not None for a in _items(resolution, ledger.KIND_CONSULT))


# --- Visibility and the audit trail --------------------------------------------------------


def test_members_see_a_draft_once_it_is_sent_to_them(desk: Desk) -> None:
    resolution = desk.draft()
    body = desk.world.body

    def seen(persona: str) -> bool:
        return (
            selectors.resolution_list_for(desk.user(persona), body)
            .filter(pk=resolution.pk)
            .exists()
        )

    assert [seen(p) for p in ("office", "chair", "member", "agency", "observer")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    desk.consult(resolution)
    assert [seen(p) for p in ("member", "member2", "agency", "observer")] == [
        True,
        True,
        False,
        False,
    ]
    # A member reads the version sent to them, not the Office's later work.
    _add_section(desk, resolution)
    row = desk.fresh(resolution)
    shown = selectors.shown_version_for(desk.user("member"), row)
    assert shown is not None
    assert shown.number == 1
    followed = selectors.shown_version_for(desk.user("chair"), row)
    assert followed is not None
    assert followed.number == 2


def test_the_journey_is_audited_and_the_chain_holds(desk: Desk) -> None:
    resolution = desk.draft()
    _add_section(desk, resolution)
    desk.consult(resolution)
    desk.answer(resolution, "member", "comment", {"": "Góp ý."})
    comment = ConsultationComment.objects.get()
    comment.recipient.consultation.resolution = desk.fresh(resolution)
    services.comment_handle(
        actor=desk.user("office"),
        comment=comment,
        handling="not_accepted",
        explanation="Không phù hợp.",
    )
    services.consultation_close(actor=desk.user("office"), resolution=desk.fresh(resolution))
    desk.edit(resolution, summary=f"{desk.content(resolution).summary} (hoàn thiện)")
    desk.submit(resolution)
    services.resolution_return(
        actor=desk.user("chair"), resolution=desk.fresh(resolution), reason="Xem lại."
    )
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "resolutions.resolution_create",
        "resolutions.resolution_edit",
        "resolutions.consultation_open",
        "resolutions.opinion_submit",
        "resolutions.comment_handle",
        "resolutions.consultation_close",
        "resolutions.resolution_submit",
        "resolutions.resolution_return",
    } <= verbs
    actions = list(
        desk.fresh(resolution).events.order_by("at", "pk").values_list("action", flat=True)
    )
    assert actions == [
        "create",
        "edit",
        "consult",
        "close_consultation",
        "edit",
        "submit",
        "return",
    ]
    assert verify_chain().ok


def test_content_cleaning_happens_in_the_service(desk: Desk) -> None:
    resolution = desk.draft()
    content = desk.content(resolution)
    with pytest.raises(DomainError) as refused:
        services.resolution_edit(
            actor=desk.user("office"),
            resolution=desk.fresh(resolution),
            base_version=1,
            content=replace(content, sections=()),
        )
    assert refused.value.code == "no_sections"


def test_waiting_providers_without_the_ledger(desk: Desk) -> None:
    """The providers registered when ``ecabinet.tracking`` is not installed."""
    resolution = desk.draft()
    desk.consult(resolution)
    member, chair = desk.user("member"), desk.user("chair")
    assert [i.title for i in selectors.consultations_waiting_for(member)] == [resolution.title]
    desk.answer(resolution, "member", "agree")
    assert selectors.consultations_waiting_for(member) == []
    assert selectors.signatures_waiting_for(chair) == []
    services.consultation_close(actor=desk.user("office"), resolution=desk.fresh(resolution))
    desk.submit(resolution)
    assert [i.title for i in selectors.signatures_waiting_for(chair)] == [resolution.title]
    assert selectors.signatures_waiting_for(member) == []


def test_substitute_sees_the_seat_in_waiting_without_the_ledger(
    opinions_delegated: Desk,
) -> None:
    desk = opinions_delegated
    resolution = desk.draft()
    desk.consult(resolution)
    items = selectors.consultations_waiting_for(desk.user("substitute"))
    assert [i.title for i in items] == [f"{resolution.title} (góp ý thay Người thử member)"]
    # The member handed the opinion over: nothing waits for them.
    assert selectors.consultations_waiting_for(desk.user("member")) == []


def test_summary_of_opinions_costs_the_same_whatever_the_number_of_comments(
    desk: Desk, django_assert_num_queries: object
) -> None:
    resolution = desk.draft()
    desk.consult(resolution)
    keys = [s.key for s in desk.content(resolution).sections]
    for member in ("chair", "member", "member2"):
        desk.answer(resolution, member, "comment", dict.fromkeys(keys, f"Góp ý của {member}"))
    consultation = Consultation.objects.select_related("version").get(resolution=resolution)
    with django_assert_num_queries(2):  # type: ignore[operator]
        overview = selectors.consultation_overview(consultation)
    assert [len(g.comments) for g in overview.groups] == [3, 3, 3]
    assert overview.unhandled == 9
    assert [g.key for g in overview.groups] == keys
