"""The demo data that `make run` loads: people, signing material and a dossier to try."""

from __future__ import annotations

import pytest

from ecabinet.accounts.models import User
from ecabinet.ballots.models import Ballot, Recipient
from ecabinet.bodies.models import Body
from ecabinet.core.demo import demo_exists, load_demo
from ecabinet.documents.models import Document, DocumentVersion
from ecabinet.documents.selectors import search_scope_for
from ecabinet.meetings.models import Meeting, Position
from ecabinet.search.services import search_query
from ecabinet.signatures.ca import organisation_certificate_for
from ecabinet.signatures.statements import statement_export
from ecabinet.signatures.verify import verify_bytes


@pytest.mark.django_db(transaction=True)
def test_demo_loads_people_certificates_and_a_searchable_dossier() -> None:
    assert not demo_exists()
    created = load_demo()
    assert created > 40
    assert demo_exists()
    government = Body.objects.get(code="chinh-phu")
    assert organisation_certificate_for(government) is not None
    papers = Document.objects.filter(body=government, dossier__title__startswith="Dự án Luật")
    assert papers.count() == 2
    assert set(DocumentVersion.objects.values_list("text_status", flat=True)) == {
        DocumentVersion.TextStatus.INDEXED
    }
    minister = User.objects.get(username="botruong.tuphap")
    page = search_query("du an luat sua doi", scope=search_scope_for(minister))
    assert page.total >= 1
    # Ballots: one decided (signed report and decision), one open and half answered, one
    # at the Office's review.
    decided = Ballot.objects.get(body=government, status=Ballot.Status.DECIDED)
    assert verify_bytes(statement_export(decided.decision.statement)).ok
    assert verify_bytes(bytes(decided.report.signed_pdf)).ok
    opened = Ballot.objects.get(body=government, status=Ballot.Status.OPEN)
    answered = Recipient.objects.filter(ballot=opened, current_answer__isnull=False).count()
    assert 0 < answered < opened.recipients.count()
    assert Ballot.objects.filter(body=government, status=Ballot.Status.IN_REVIEW).count() == 1
    # A meeting with its invitations and papers out, answers and positions coming in.
    meeting = Meeting.objects.get(body=government)
    assert meeting.status == Meeting.Status.DOCUMENTS_PUBLISHED
    answers = set(meeting.invitations.values_list("response", flat=True))
    assert {"accepted", "declined", "substituted", "pending"} <= answers
    assert Position.objects.filter(item__meeting=meeting, stance="object").exists()
