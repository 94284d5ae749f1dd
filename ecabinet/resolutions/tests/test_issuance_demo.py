"""The demo's resolutions: one issued from the decided ballot, its amendment awaiting the
Prime Minister's signature."""

from __future__ import annotations

import pytest

from ecabinet.bodies.models import Body
from ecabinet.core.demo import load_demo
from ecabinet.exchange.models import OutgoingMessage
from ecabinet.resolutions import register
from ecabinet.resolutions.models import Resolution, ResolutionReceipt


@pytest.mark.django_db(transaction=True)
def test_the_demo_issues_one_resolution_and_submits_its_amendment() -> None:
    load_demo()
    government = Body.objects.get(code="chinh-phu")
    issued = Resolution.objects.get(body=government, status=Resolution.Status.ISSUED)
    assert issued.number == "01/NQ-CP"
    report, _file = register.verification_report(issued)
    assert report.ok
    assert len(report.signatures) == 2
    assert ResolutionReceipt.objects.filter(resolution=issued).count() > 20
    statuses = set(
        OutgoingMessage.objects.filter(subject_id=str(issued.pk)).values_list("status", flat=True)
    )
    assert statuses == {OutgoingMessage.Status.QUEUED, OutgoingMessage.Status.MANUAL}
    amendment = Resolution.objects.get(amends=issued)
    assert amendment.status == Resolution.Status.AWAITING_SIGNATURE
    assert amendment.signer.username == "thutuong"
