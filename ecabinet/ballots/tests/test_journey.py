"""The whole journey through the services: proposal to signed decision, every step audited."""

from __future__ import annotations

import json

import pytest

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.verify import verify_chain
from ecabinet.ballots import services
from ecabinet.ballots.models import Answer, Ballot, Recipient, RouteEvent
from ecabinet.ballots.selectors import Outcome, tally_of
from ecabinet.ballots.tasks import file_report
from ecabinet.ballots.tests.conftest import SESSION, Journey, confirm
from ecabinet.documents.models import Dossier
from ecabinet.notifications.models import Notification
from ecabinet.signatures.models import SignedStatement
from ecabinet.signatures.statements import statement_export
from ecabinet.signatures.verify import verify_bytes

pytestmark = pytest.mark.django_db


def test_proposal_to_signed_decision(journey: Journey) -> None:
    ballot = journey.file()
    dossier = Dossier.objects.get(pk=ballot.dossier_id)
    assert dossier.ballot_ref == f"ballot:{ballot.pk}"
    assert dossier.unit == journey.world.memberships["agency"].unit
    assert ballot.status == Ballot.Status.DRAFT
    # Every voting member is a recipient by default: chair, member, member2.
    assert {r.user.username for r in Recipient.objects.filter(ballot=ballot)} == {
        "chair",
        "member",
        "member2",
    }

    journey.draft(ballot)
    ballot = journey.to_chair(ballot)
    assert ballot.status == Ballot.Status.AWAITING_APPROVAL
    ballot = journey.approve(ballot)
    assert ballot.status == Ballot.Status.OPEN
    assert ballot.electorate == 3
    assert ballot.required_agree == 2
    assert ballot.approval_statement is not None
    assert ballot.approval_statement.payload["ballot"]["questions"][0]["number"] == 1
    # Every recipient was told, with the deadline.
    for name in ("chair", "member", "member2"):
        assert Notification.objects.filter(
            user=journey.user(name), title__contains=ballot.title
        ).exists()

    journey.answer(ballot, "member", [("agree", ""), ("disagree", "Cần thêm thời gian")])
    journey.answer(ballot, "chair", [("agree", ""), ("agree", "")])
    tally = tally_of(ballot)
    first, second = tally.questions
    assert (first.agree, first.disagree, first.not_answered) == (2, 0, 1)
    assert first.outcome == Outcome.ADOPTED
    assert (second.agree, second.disagree) == (1, 1)
    assert second.outcome == Outcome.PENDING

    journey.answer(ballot, "member2", [("agree", ""), ("other", "Đề nghị làm rõ nguồn vốn")])
    ballot = services.ballot_close(actor=journey.user("office"), ballot=ballot)
    assert ballot.close_reason == Ballot.CloseReason.ALL_ANSWERED
    tally = tally_of(ballot)
    assert tally.questions[1].outcome == Outcome.NOT_ADOPTED

    leader = journey.user("leader")
    challenge, _report = services.report_sign_request(
        actor=leader, ballot=ballot, session_key=SESSION
    )
    confirm(challenge)
    report = services.report_sign(
        actor=leader, ballot=ballot, session_key=SESSION, challenge_id=challenge.pk
    )
    pdf = services.report_pdf_bytes(report=report)
    verified = verify_bytes(pdf)
    assert verified.ok, verified
    # The worker files a copy into the ballot's dossier, once.
    file_report.call(report.pk)
    file_report.call(report.pk)
    report.refresh_from_db()
    assert report.document is not None
    assert report.document.dossier_id == ballot.dossier_id
    assert AuditEvent.objects.filter(verb="ballots.report_file").count() == 1

    chair = journey.user("chair")
    ballot.refresh_from_db()
    request = services.decision_request(
        actor=chair,
        ballot=ballot,
        text="Đồng ý nội dung 1; giao Bộ bổ sung nội dung 2.",
        session_key=SESSION,
    )
    confirm(request.challenge)
    decision = services.decision_record(
        actor=chair,
        ballot=ballot,
        session_key=SESSION,
        challenge_id=request.challenge.pk,
        content=request.content,
    )
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.DECIDED
    assert decision.statement.payload["documents"][0]["sha256"] == report.signed_sha256
    assert verify_bytes(statement_export(decision.statement)).ok

    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "ballots.ballot_file",
        "ballots.ballot_update",
        "ballots.ballot_submit",
        "ballots.ballot_forward",
        "ballots.ballot_approve",
        "ballots.answer_draft_save",
        "ballots.answer_sign",
        "ballots.ballot_close",
        "ballots.report_prepare",
        "ballots.report_sign",
        "ballots.decision_record",
    } <= verbs
    actions = list(RouteEvent.objects.filter(ballot=ballot).values_list("action", flat=True))
    assert actions == [
        "create",
        "submit",
        "forward",
        "forward",
        "approve",
        "close",
        "report",
        "decide",
    ]
    assert verify_chain().ok


def test_answer_statement_names_documents_and_verifies(journey: Journey) -> None:
    from ecabinet.documents.services import DocumentMeta, document_upload
    from ecabinet.documents.tests.files import pdf_bytes

    ballot = journey.file()
    document = document_upload(
        actor=journey.user("agency"),
        data=pdf_bytes("Tờ trình điều chỉnh quy hoạch"),
        filename="to-trinh.pdf",
        dossier=ballot.dossier,
        meta=DocumentMeta(title="Tờ trình"),
    )
    journey.draft(ballot)
    journey.to_chair(ballot)
    ballot = journey.approve(ballot)
    answer = journey.answer(ballot, "member", [("agree", ""), ("disagree", "Chưa rõ")])
    payload = answer.statement.payload
    digest = document.versions.get().sha256
    assert {"name": f"{document.pk}: Tờ trình", "sha256": digest} in payload["documents"]
    assert [a["choice"] for a in payload["answers"]] == ["agree", "disagree"]
    assert payload["seat"]["id"] == journey.seat(ballot, "member").pk
    report = verify_bytes(statement_export(SignedStatement.objects.get(pk=answer.statement_id)))
    assert report.ok, report
    assert json.loads(answer.statement.payload_canonical)["answers"][1]["comment"] == "Chưa rõ"
    assert Answer.objects.count() == 1
