"""Ballot services: each step's happy path and every refusal the issue lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.ballots import services
from ecabinet.ballots.models import (
    Answer,
    AnswerDraft,
    Ballot,
    BallotSettings,
    NonAnswerRule,
    Question,
    Recipient,
)
from ecabinet.ballots.selectors import Outcome, tally_of
from ecabinet.ballots.tests.conftest import SESSION, Journey, confirm, next_deadline
from ecabinet.bodies.models import Membership, Role
from ecabinet.core.calendar import public_holidays
from ecabinet.core.dates import VN_TZ
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.notifications.models import Notification
from ecabinet.signatures.ca import certificate_issue

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# --- Filing --------------------------------------------------------------------------------


def test_agency_files_for_its_own_unit_and_office_is_told(journey: Journey) -> None:
    ballot = journey.file(actor="agency")
    assert ballot.unit == journey.world.memberships["agency"].unit
    assert next(q.text for q in ballot.questions.order_by("number")).startswith("Thông qua")
    assert Notification.objects.filter(user=journey.user("office")).exists()
    event = AuditEvent.objects.get(verb="ballots.ballot_file")
    assert event.after["ballot_ref"] == f"ballot:{ballot.pk}"


@pytest.mark.parametrize("persona", ["member", "observer", "chair", "substitute"])
def test_only_the_office_and_agencies_file(journey: Journey, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        journey.file(actor=persona)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"title": "  "}, "no_title"), ({"questions": ["", " "]}, "no_questions")],
)
def test_filing_needs_a_title_and_questions(journey: Journey, kwargs: dict, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        journey.file(**kwargs)
    assert _code(exc) == code
    assert not Ballot.objects.exists()


# --- Drafting ------------------------------------------------------------------------------


def _holiday_ahead() -> date:
    today = timezone.localdate()
    days = sorted(
        d
        for year in (today.year, today.year + 1)
        for d in public_holidays(year)
        if d > today + timedelta(days=1) and d.weekday() < 5
    )
    return days[0]


@pytest.mark.parametrize(
    ("deadline", "code"),
    [
        (lambda: timezone.now() - timedelta(hours=1), "deadline_past"),
        (
            lambda: (
                datetime.combine(_holiday_ahead(), datetime.min.time(), tzinfo=VN_TZ)
                + timedelta(hours=17)
            ),
            "deadline_holiday",
        ),
        (
            lambda: (
                datetime.combine(
                    timezone.localdate()
                    + timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7),
                    datetime.min.time(),
                    tzinfo=VN_TZ,
                )
                + timedelta(hours=10)
            ),
            "deadline_holiday",
        ),
    ],
    ids=["past", "public-holiday", "saturday"],
)
def test_deadline_in_the_past_or_on_a_day_off_is_refused(
    journey: Journey, deadline: object, code: str
) -> None:
    ballot = journey.file()
    with pytest.raises(DomainError) as exc:
        journey.draft(ballot, deadline=deadline())  # type: ignore[operator]
    assert _code(exc) == code
    assert str(exc.value.message)


def test_a_ballot_needs_recipients_who_hold_a_vote(journey: Journey) -> None:
    ballot = journey.file()
    with pytest.raises(DomainError) as exc:
        journey.draft(ballot, recipients=[])
    assert _code(exc) == "none"
    with pytest.raises(DomainError) as exc:
        journey.draft(ballot, recipients=[journey.world.memberships["observer"]])
    assert _code(exc) == "bad_recipient"


def test_a_stale_draft_form_changes_nothing(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    with pytest.raises(DomainError) as exc:
        services.ballot_update(
            actor=journey.user("office"),
            ballot=ballot,
            title="Khác",
            questions=["Khác"],
            recipients=[journey.world.memberships["chair"]],
            deadline_at=next_deadline(),
            follower=None,
            version=1,
        )
    assert _code(exc) == "stale"
    ballot.refresh_from_db()
    assert ballot.title != "Khác"


def test_questions_cannot_change_in_review_or_after_sending(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    services.ballot_submit(actor=journey.user("office"), ballot=ballot, version=2)
    with pytest.raises(DomainError) as exc:
        journey.draft(ballot)
    assert _code(exc) == "in_review"
    sent = journey.send()
    with pytest.raises(DomainError) as exc:
        journey.draft(sent, questions=["Một câu hỏi khác"])
    assert _code(exc) == "sent"
    assert "phiếu đã sửa" in str(exc.value.message)
    assert Question.objects.filter(ballot=sent, text="Một câu hỏi khác").count() == 0


# --- The route -----------------------------------------------------------------------------


def test_submit_needs_a_complete_draft(journey: Journey) -> None:
    ballot = journey.file()
    with pytest.raises(DomainError) as exc:
        services.ballot_submit(actor=journey.user("office"), ballot=ballot, version=ballot.version)
    assert _code(exc) == "no_deadline"


def test_a_route_step_nobody_holds_is_refused_at_submission(journey: Journey) -> None:
    Membership.objects.filter(role=Role.OFFICE_HEAD).update(is_active=False)
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.ballot_submit(actor=journey.user("office"), ballot=ballot, version=ballot.version)
    assert _code(exc) == "no_holder"


def test_route_is_configurable_per_body(journey: Journey) -> None:
    services.ballot_settings_update(
        actor=journey.user("office"),
        body=journey.world.body,
        answer_working_days=3,
        non_answer_rule=NonAnswerRule.AGREE,
        review_route=[Role.OFFICE_LEADER],
        version=0,
    )
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    assert ballot.route == [Role.OFFICE_LEADER]
    ballot = services.ballot_forward(actor=journey.user("leader"), ballot=ballot, step=0, cycle=1)
    assert ballot.status == Ballot.Status.AWAITING_APPROVAL
    with pytest.raises(DomainError):
        services.ballot_settings_update(
            actor=journey.user("office"),
            body=journey.world.body,
            answer_working_days=3,
            non_answer_rule=NonAnswerRule.AGREE,
            review_route=["chair"],
            version=1,
        )


def test_no_route_goes_straight_to_the_chair(journey: Journey) -> None:
    BallotSettings.objects.create(body=journey.world.body, review_route=[])
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    assert ballot.status == Ballot.Status.AWAITING_APPROVAL


def test_only_the_holder_of_the_step_reviews(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    for name in ("leader", "office", "chair"):
        with pytest.raises(PermissionDenied):
            services.ballot_forward(actor=journey.user(name), ballot=ballot, step=0, cycle=1)


def test_the_second_of_two_approvals_of_one_step_is_refused(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    second_head = MembershipFactory.create(
        body=journey.world.body, role=Role.OFFICE_HEAD, user=UserFactory.create()
    ).user
    seen = Ballot.objects.get(pk=ballot.pk)
    services.ballot_forward(actor=journey.user("head"), ballot=ballot, step=0, cycle=1)
    with pytest.raises(DomainError) as exc:
        services.ballot_forward(actor=second_head, ballot=seen, step=0, cycle=1)
    assert _code(exc) == "stale"
    ballot.refresh_from_db()
    assert ballot.review_step == 1
    assert AuditEvent.objects.filter(verb="ballots.ballot_forward").count() == 1


def test_return_needs_a_reason_and_goes_back_to_draft(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot.refresh_from_db()
    ballot = services.ballot_submit(
        actor=journey.user("office"), ballot=ballot, version=ballot.version
    )
    with pytest.raises(DomainError) as exc:
        services.ballot_return(
            actor=journey.user("head"), ballot=ballot, step=0, cycle=1, reason=" "
        )
    assert _code(exc) == "no_reason"
    ballot = services.ballot_return(
        actor=journey.user("head"), ballot=ballot, step=0, cycle=1, reason="Sửa câu hỏi 2"
    )
    assert ballot.status == Ballot.Status.DRAFT
    assert Notification.objects.filter(user=journey.user("office"), text="Sửa câu hỏi 2").exists()
    # Edited and submitted again: a new cycle, the same step may be decided again.
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    assert ballot.cycle == 2
    assert ballot.status == Ballot.Status.AWAITING_APPROVAL
    ballot = services.ballot_return(
        actor=journey.user("chair"), ballot=ballot, step=2, cycle=2, reason="Chưa đủ hồ sơ"
    )
    assert ballot.status == Ballot.Status.DRAFT


# --- The chair's approval ------------------------------------------------------------------


def test_only_the_chair_approves(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    journey.to_chair(ballot)
    for name in ("leader", "member", "office"):
        with pytest.raises(PermissionDenied):
            journey.approve(ballot, actor=name)


def test_approval_of_content_changed_since_it_was_shown_is_refused(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    chair = journey.user("chair")
    request = services.ballot_approval_request(actor=chair, ballot=ballot, session_key=SESSION)
    confirm(request.challenge)
    # Returned and re-submitted meanwhile: the ballot's version moved on.
    services.ballot_return(actor=chair, ballot=ballot, step=2, cycle=ballot.cycle, reason="Bổ sung")
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    with pytest.raises(DomainError) as exc:
        services.ballot_approve(
            actor=chair,
            ballot=ballot,
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            content=request.content,
        )
    assert _code(exc) == "stale"
    assert ballot.status == Ballot.Status.AWAITING_APPROVAL


def test_a_deadline_that_passed_before_approval_is_refused(journey: Journey) -> None:
    ballot = journey.file()
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    with (
        time_machine.travel(ballot.deadline_at + timedelta(minutes=1)),
        pytest.raises(DomainError) as exc,
    ):
        journey.approve(ballot)
    assert _code(exc) == "deadline_past"


def test_approving_without_a_certificate_is_refused_clearly(journey: Journey) -> None:
    from ecabinet.signatures.models import MemberCertificate

    MemberCertificate.objects.filter(user=journey.user("chair")).update(
        revoked_at=timezone.now(), revocation_reason="superseded"
    )
    ballot = journey.file()
    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    with pytest.raises(DomainError) as exc:
        journey.approve(ballot)
    assert _code(exc) == "no_certificate"


# --- Answers -------------------------------------------------------------------------------


def test_a_new_answer_supersedes_the_old_and_both_are_kept(journey: Journey) -> None:
    ballot = journey.send()
    first = journey.answer(ballot, "member", [("agree", ""), ("agree", "")])
    second = journey.answer(ballot, "member", [("disagree", "Đổi ý"), ("agree", "")])
    assert second.supersedes_id == first.pk
    assert Answer.objects.filter(recipient__user=journey.user("member")).count() == 2
    seat = journey.seat(ballot, "member")
    assert seat.current_answer_id == second.pk
    assert tally_of(ballot).questions[0].disagree == 1
    assert tally_of(ballot).questions[0].agree == 0


def test_the_same_confirmation_makes_one_answer(journey: Journey) -> None:
    """A double click on "sign" (or a reloaded page) spends one confirmation once."""
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    member = journey.user("member")
    questions = list(ballot.questions.order_by("number"))
    services.answer_draft_save(
        actor=member, recipient=seat, choices={q.pk: ("agree", "") for q in questions}
    )
    request = services.answer_sign_request(actor=member, recipient=seat, session_key=SESSION)
    confirm(request.challenge)
    args = {
        "actor": member,
        "recipient": seat,
        "session_key": SESSION,
        "challenge_id": request.challenge.pk,
        "content": request.content,
    }
    first = services.answer_sign(**args)  # type: ignore[arg-type]
    again = services.answer_sign(**args)  # type: ignore[arg-type]
    assert again.pk == first.pk
    assert Answer.objects.count() == 1
    # Two presses of "sign" ask for two challenges; only the confirmed one can be spent.
    unconfirmed = services.answer_sign_request(actor=member, recipient=seat, session_key=SESSION)
    with pytest.raises(DomainError) as exc:
        services.answer_sign(
            actor=member,
            recipient=seat,
            session_key=SESSION,
            challenge_id=unconfirmed.challenge.pk,
            content=unconfirmed.content,
        )
    assert _code(exc) == "not_confirmed"
    assert Answer.objects.count() == 1


def test_answering_after_closing_is_refused(journey: Journey) -> None:
    ballot = journey.send()
    for name in ("chair", "member", "member2"):
        journey.answer(ballot, name)
    services.ballot_close(actor=journey.user("office"), ballot=ballot)
    with pytest.raises(DomainError) as exc:
        journey.answer(ballot, "member", [("disagree", "Muộn"), ("agree", "")])
    assert _code(exc) == "closed"
    assert "kết thúc" in str(exc.value.message)


def test_clock_at_the_deadline_boundary(journey: Journey) -> None:
    ballot = journey.send()
    assert ballot.deadline_at is not None
    with time_machine.travel(ballot.deadline_at - timedelta(seconds=1), tick=False):
        journey.answer(ballot, "member")
    with time_machine.travel(ballot.deadline_at, tick=False), pytest.raises(DomainError) as exc:
        journey.answer(ballot, "member2")
    assert _code(exc) == "closed"


def test_a_signature_requested_before_the_deadline_and_made_after_is_refused(
    journey: Journey,
) -> None:
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    member = journey.user("member")
    services.answer_draft_save(
        actor=member,
        recipient=seat,
        choices={q.pk: ("agree", "") for q in ballot.questions.all()},
    )
    request = services.answer_sign_request(actor=member, recipient=seat, session_key=SESSION)
    confirm(request.challenge)
    assert ballot.deadline_at is not None
    with time_machine.travel(ballot.deadline_at + timedelta(seconds=1)), pytest.raises(DomainError):
        services.answer_sign(
            actor=member,
            recipient=seat,
            session_key=SESSION,
            challenge_id=request.challenge.pk,
            content=request.content,
        )
    assert not Answer.objects.exists()


def test_answering_a_ballot_of_another_body_is_refused(journey: Journey) -> None:
    ballot = journey.send()
    outsider = journey.user("outsider")
    seat = journey.seat(ballot, "member")
    with pytest.raises(PermissionDenied):
        services.answer_draft_save(actor=outsider, recipient=seat, choices={})
    with pytest.raises(PermissionDenied):
        services.answer_sign_request(actor=outsider, recipient=seat, session_key=SESSION)


def test_a_member_removed_mid_ballot_cannot_answer(journey: Journey) -> None:
    ballot = journey.send()
    Membership.objects.filter(pk=journey.world.memberships["member2"].pk).update(is_active=False)
    with pytest.raises((DomainError, PermissionDenied)):
        journey.answer(ballot, "member2")
    seat = journey.seat(ballot, "member2")
    seat.ballot = ballot
    with pytest.raises(DomainError) as exc:
        services._check_answerable(seat)
    assert _code(exc) == "removed"
    assert "không còn là thành viên" in str(exc.value.message)
    # Still counted among ALL members, as not answering.
    tally = tally_of(ballot)
    assert tally.questions[0].electorate == 3
    assert tally.questions[0].not_answered == 3


def test_a_substitute_answers_only_with_the_opinions_mandate(journey: Journey) -> None:
    ballot = journey.send()
    with pytest.raises(PermissionDenied):
        journey.answer(ballot, "member", actor="substitute")


def test_a_substitute_with_the_mandate_answers_on_behalf(opinions_delegated: Journey) -> None:
    journey = opinions_delegated
    ballot = journey.send()
    # The member handed the mandate over: they no longer answer themselves.
    with pytest.raises(PermissionDenied):
        journey.answer(ballot, "member")
    answer = journey.answer(
        ballot, "member", [("agree", ""), ("other", "Xin ý kiến Bộ")], actor="substitute"
    )
    assert answer.signer == journey.user("substitute")
    assert answer.on_behalf_of == journey.user("member")
    assert answer.statement.payload["on_behalf_of"]["id"] == journey.user("member").pk
    tally = tally_of(ballot)
    assert tally.questions[1].opinions[0].on_behalf
    assert AuditEvent.objects.get(verb="ballots.answer_sign").after["on_behalf_of"] == (
        journey.user("member").pk
    )


def test_an_assistant_prepares_and_only_the_member_signs(journey: Journey) -> None:
    assistant = MembershipFactory.create(
        body=journey.world.body,
        role=Role.OFFICE_STAFF,
        user=UserFactory.create(username="thuky", full_name="Thư ký Bộ trưởng"),
    )
    services.assistant_add(
        actor=journey.user("member"), body=journey.world.body, assistant=assistant
    )
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    questions = list(ballot.questions.order_by("number"))
    services.answer_draft_save(
        actor=assistant.user,
        recipient=seat,
        choices={questions[0].pk: ("agree", ""), questions[1].pk: ("other", "Dự thảo ý kiến")},
    )
    with pytest.raises(PermissionDenied):
        services.answer_sign_request(actor=assistant.user, recipient=seat, session_key=SESSION)
    member = journey.user("member")
    request = services.answer_sign_request(actor=member, recipient=seat, session_key=SESSION)
    confirm(request.challenge)
    answer = services.answer_sign(
        actor=member,
        recipient=seat,
        session_key=SESSION,
        challenge_id=request.challenge.pk,
        content=request.content,
    )
    assert answer.signer == member
    assert answer.on_behalf_of is None
    assert answer.prepared_by == assistant.user
    assert answer.items.get(question=questions[1]).comment == "Dự thảo ý kiến"


def test_a_voting_member_cannot_be_an_assistant(journey: Journey) -> None:
    with pytest.raises(DomainError) as exc:
        services.assistant_add(
            actor=journey.user("member"),
            body=journey.world.body,
            assistant=journey.world.memberships["member2"],
        )
    assert _code(exc) == "seat"


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ([("agree", "")], "incomplete"),
        ([("agree", ""), ("other", "")], "other_needs_comment"),
        ([("agree", ""), ("maybe", "")], "bad_choice"),
    ],
)
def test_an_incomplete_or_invalid_answer_is_refused(
    journey: Journey, choices: list[tuple[str, str]], code: str
) -> None:
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    member = journey.user("member")
    questions = list(ballot.questions.order_by("number"))
    picked = {questions[i].pk: c for i, c in enumerate(choices)}

    def save_and_sign() -> None:
        services.answer_draft_save(actor=member, recipient=seat, choices=picked)
        services.answer_sign_request(actor=member, recipient=seat, session_key=SESSION)

    with pytest.raises(DomainError) as exc:
        save_and_sign()
    assert _code(exc) == code
    assert not Answer.objects.exists()


def test_an_attached_file_is_signed_with_the_answer(journey: Journey) -> None:
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.tests.files import pdf_bytes

    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    document = services.answer_attach(
        actor=journey.user("member"),
        recipient=seat,
        data=pdf_bytes("Ý kiến chi tiết của Bộ"),
        filename="y-kien.pdf",
    )
    answer = journey.answer(ballot, "member")
    digest = DocumentVersion.objects.get(document=document).sha256
    assert answer.attachment_id == document.pk
    assert digest in [d["sha256"] for d in answer.statement.payload["documents"]]


# --- The tally -----------------------------------------------------------------------------


def _fourth_member(journey: Journey) -> None:
    admin = journey.user("admin")
    member3 = MembershipFactory.create(
        body=journey.world.body,
        role=Role.MEMBER,
        user=UserFactory.create(username="member3", full_name="Người thử member3"),
        precedence=5,
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=member3.user, name="test", confirmed=True)
    certificate_issue(actor=admin, membership=member3)
    journey.people["member3"] = member3.user


def test_on_a_tie_the_chairs_side_wins(journey: Journey) -> None:
    _fourth_member(journey)
    ballot = journey.send()
    assert ballot.electorate == 4
    journey.answer(ballot, "chair", [("agree", ""), ("disagree", "")])
    journey.answer(ballot, "member", [("agree", ""), ("disagree", "")])
    journey.answer(ballot, "member2", [("disagree", ""), ("agree", "")])
    journey.answer(ballot, "member3", [("disagree", ""), ("agree", "")])
    first, second = tally_of(ballot).questions
    assert first.outcome == Outcome.ADOPTED_TIE
    assert second.outcome == Outcome.PENDING
    services.ballot_close(actor=journey.user("office"), ballot=ballot)
    ballot.refresh_from_db()
    first, second = tally_of(ballot).questions
    assert first.outcome == Outcome.ADOPTED_TIE
    assert second.outcome == Outcome.NOT_ADOPTED


def test_more_than_half_of_all_members_not_of_those_answering(journey: Journey) -> None:
    ballot = journey.send()
    journey.answer(ballot, "member", [("agree", ""), ("agree", "")])
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        assert services.ballot_close_due() == 1
    ballot.refresh_from_db()
    tally = tally_of(ballot)
    # One of one answering agrees, but one of three members is not more than half.
    assert tally.questions[0].agree == 1
    assert tally.questions[0].not_answered == 2
    assert tally.questions[0].outcome == Outcome.NOT_ADOPTED


def test_non_answers_count_as_agreeing_when_the_body_says_so(journey: Journey) -> None:
    BallotSettings.objects.create(body=journey.world.body, non_answer_rule=NonAnswerRule.AGREE)
    ballot = journey.send()
    journey.answer(ballot, "member", [("disagree", "Không"), ("agree", "")])
    assert tally_of(ballot).questions[1].outcome == Outcome.PENDING
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        services.ballot_close_due()
    ballot.refresh_from_db()
    first, second = tally_of(ballot).questions
    assert second.counted_as_agree == 2
    assert second.outcome == Outcome.ADOPTED
    assert first.agree_total == 2
    assert first.outcome == Outcome.ADOPTED


def test_the_tally_takes_a_constant_number_of_queries(
    journey: Journey, django_assert_max_num_queries: object
) -> None:
    ballot = journey.send()
    journey.answer(ballot, "member")
    journey.answer(ballot, "chair")
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        tally_of(ballot)


# --- Closing -------------------------------------------------------------------------------


def test_the_office_closes_early_only_when_all_answered(journey: Journey) -> None:
    ballot = journey.send()
    journey.answer(ballot, "member")
    with pytest.raises(DomainError) as exc:
        services.ballot_close(actor=journey.user("office"), ballot=ballot)
    assert _code(exc) == "not_all_answered"
    journey.answer(ballot, "chair")
    journey.answer(ballot, "member2")
    ballot = services.ballot_close(actor=journey.user("office"), ballot=ballot)
    assert ballot.status == Ballot.Status.CLOSED


def test_closing_due_ballots_is_idempotent(journey: Journey) -> None:
    ballot = journey.send()
    assert ballot.deadline_at is not None
    assert services.ballot_close_due(ballot.deadline_at - timedelta(seconds=1)) == 0
    # The worker was down for a day: on restart it closes once, not once per missed scan.
    later = ballot.deadline_at + timedelta(days=1)
    with time_machine.travel(later):
        assert services.ballot_close_due() == 1
        assert services.ballot_close_due() == 0
        assert services.ballot_close_due() == 0
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.CLOSED
    assert ballot.close_reason == Ballot.CloseReason.DEADLINE
    assert AuditEvent.objects.filter(verb="ballots.ballot_close").count() == 1


# --- Withdrawal and correction -------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "in_review", "awaiting_approval", "open"])
def test_withdrawal_at_any_stage_before_closing(journey: Journey, stage: str) -> None:
    ballot = journey.file()
    if stage != "draft":
        journey.draft(ballot)
        ballot.refresh_from_db()
        ballot = services.ballot_submit(
            actor=journey.user("office"), ballot=ballot, version=ballot.version
        )
    if stage in ("awaiting_approval", "open"):
        ballot = services.ballot_forward(actor=journey.user("head"), ballot=ballot, step=0, cycle=1)
        ballot = services.ballot_forward(
            actor=journey.user("leader"), ballot=ballot, step=1, cycle=1
        )
    if stage == "open":
        ballot = journey.approve(ballot)
    assert ballot.status == stage
    with pytest.raises(DomainError):
        services.ballot_withdraw(actor=journey.user("office"), ballot=ballot, reason="")
    ballot = services.ballot_withdraw(
        actor=journey.user("office"), ballot=ballot, reason="Cơ quan trình rút tờ trình"
    )
    assert ballot.status == Ballot.Status.WITHDRAWN
    if stage == "open":
        assert Notification.objects.filter(
            user=journey.user("member"), text="Cơ quan trình rút tờ trình"
        ).exists()
        with pytest.raises(DomainError):
            journey.answer(ballot, "member")


def test_a_closed_ballot_cannot_be_withdrawn(journey: Journey) -> None:
    ballot = journey.send()
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        services.ballot_close_due()
    ballot.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.ballot_withdraw(actor=journey.user("office"), ballot=ballot, reason="Muộn")


def test_a_corrected_ballot_replaces_the_one_it_corrects_when_sent(journey: Journey) -> None:
    old = journey.send()
    journey.answer(old, "member")
    new = services.ballot_correct(actor=journey.user("office"), ballot=old)
    assert new.status == Ballot.Status.DRAFT
    assert new.corrects_id == old.pk
    assert new.dossier_id == old.dossier_id
    with pytest.raises(DomainError):
        services.ballot_correct(actor=journey.user("office"), ballot=old)
    journey.draft(new, questions=["Câu hỏi đã sửa 1", "Câu hỏi đã sửa 2"])
    journey.to_chair(new)
    new = journey.approve(new)
    old.refresh_from_db()
    assert new.status == Ballot.Status.OPEN
    assert old.status == Ballot.Status.WITHDRAWN
    assert str(new.pk) in old.withdraw_reason
    # The old answers stay, on the old ballot.
    assert Answer.objects.filter(ballot=old).count() == 1


# --- Report and decision -------------------------------------------------------------------


def test_only_a_leader_of_the_office_signs_the_report_of_a_closed_ballot(
    journey: Journey,
) -> None:
    ballot = journey.send()
    with pytest.raises(InvalidTransition):
        services.report_sign_request(
            actor=journey.user("leader"), ballot=ballot, session_key=SESSION
        )
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        services.ballot_close_due()
    ballot.refresh_from_db()
    for name in ("office", "head", "chair"):
        with pytest.raises(PermissionDenied):
            services.report_sign_request(
                actor=journey.user(name), ballot=ballot, session_key=SESSION
            )


def test_the_report_needs_the_leaders_signature_image(journey: Journey) -> None:
    from ecabinet.signatures.models import SignatureImage

    SignatureImage.objects.all().delete()
    ballot = journey.send()
    with time_machine.travel(ballot.deadline_at + timedelta(minutes=1)):  # type: ignore[operator]
        services.ballot_close_due()
    ballot.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.report_sign_request(
            actor=journey.user("leader"), ballot=ballot, session_key=SESSION
        )
    assert _code(exc) == "no_signature_image"


def test_the_decision_comes_after_the_report(journey: Journey) -> None:
    ballot = journey.send()
    with pytest.raises(InvalidTransition):
        services.decision_request(
            actor=journey.user("chair"), ballot=ballot, text="Đồng ý", session_key=SESSION
        )
    with pytest.raises(PermissionDenied):
        services.decision_request(
            actor=journey.user("member"), ballot=ballot, text="Đồng ý", session_key=SESSION
        )


def test_draft_answers_are_private_until_signed(journey: Journey) -> None:
    ballot = journey.send()
    seat = journey.seat(ballot, "member")
    services.answer_draft_save(
        actor=journey.user("member"),
        recipient=seat,
        choices={ballot.questions.first().pk: ("disagree", "Nháp")},  # type: ignore[union-attr]
    )
    assert AnswerDraft.objects.count() == 1
    tally = tally_of(ballot)
    assert tally.questions[0].disagree == 0
    assert tally.answered == 0
    assert Recipient.objects.get(pk=seat.pk).current_answer_id is None
