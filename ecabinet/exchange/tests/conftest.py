"""Fixtures of the exchange tests: the persona world's body with an OrganId, an issued
document, and an outbox filled through the service."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body
from ecabinet.core.testing.personas import World
from ecabinet.exchange import edxml, services
from ecabinet.exchange.services import OutboxResult, OutgoingDocument, Recipient

GOV = "000.00.00.G22"
PDF = b"%PDF-1.7\n" + b"Nghi quyet 85/NQ-CP " * 500 + b"\n%%EOF"

RECIPIENTS = (
    Recipient("Ủy ban nhân dân tỉnh Nghệ An", "000.00.00.H41"),
    Recipient("Bộ Tài chính", "000.00.00.G12"),
    Recipient("Hội đồng nhân dân xã Thử", ""),  # no identifier on the axis
)


def person(world: World, persona: str) -> User:
    found = world.user(persona)
    assert found is not None
    return found


def give_organ_id(body: Body, organ_id: str = GOV) -> Body:
    Body.objects.filter(pk=body.pk).update(organ_id=organ_id)
    body.refresh_from_db()
    return body


def resolution_document(**overrides: Any) -> OutgoingDocument:
    values: dict[str, Any] = {
        "code": edxml.Code("85", "NQ-CP"),
        "promulgation_date": date(2026, 1, 15),
        "document_type": edxml.document_type_for("NQ"),
        "subject": "Nghị quyết phiên họp Chính phủ thường kỳ tháng 12 năm 2025",
        "signer": edxml.SignerInfo("TM. CHÍNH PHỦ", "THỦ TƯỚNG", "Người thử chair"),
        "attachments": (
            edxml.Attachment("85-NQ-CP.pdf", "application/pdf", PDF, "Nghị quyết đã ký số"),
        ),
        "to_places": tuple(r.name for r in RECIPIENTS),
    }
    values.update(overrides)
    return OutgoingDocument(**values)


def enqueue(
    world: World,
    *,
    actor: str | None = "office",
    recipients: tuple[Recipient, ...] = RECIPIENTS,
    subject_id: str = "85",
    body: Body | None = None,
    **document: Any,
) -> OutboxResult:
    return services.outbox_enqueue(
        actor=person(world, actor) if actor else None,
        body=body or world.body,
        recipients=recipients,
        document=resolution_document(**document),
        subject_type="resolutions.resolution",
        subject_id=subject_id,
    )


@pytest.fixture
def gov(world: World) -> World:
    """The persona world whose body (the Government) has its OrganId."""
    give_organ_id(world.body)
    return world
