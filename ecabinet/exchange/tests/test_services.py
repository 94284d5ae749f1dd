"""The outbox service: one sealed edXML message per external recipient, audited; recipients
without an identifier become rows for manual delivery; deliveries move through the machine."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import Http404

from ecabinet.audit.models import AuditEvent
from ecabinet.bodies.models import Role
from ecabinet.core import envelope
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World
from ecabinet.exchange import edxml, selectors, services, storage
from ecabinet.exchange.models import ManualReason, OutgoingMessage
from ecabinet.exchange.services import Recipient
from ecabinet.exchange.tests.conftest import (
    PDF,
    RECIPIENTS,
    enqueue,
    give_organ_id,
    person,
    resolution_document,
)

pytestmark = pytest.mark.django_db


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))


def _read(message: OutgoingMessage, world: World) -> bytes:
    return services.outgoing_message_bytes(actor=person(world, "office"), message=message)


def test_enqueue_writes_one_message_per_recipient_and_the_manual_case(gov: World) -> None:
    result = enqueue(gov)
    assert result.created == 3
    assert [m.recipient_name for m in result.messages] == [r.name for r in RECIPIENTS]
    assert [m.recipient_name for m in result.queued] == [
        "Ủy ban nhân dân tỉnh Nghệ An",
        "Bộ Tài chính",
    ]
    [manual] = result.manual
    assert manual.status == OutgoingMessage.Status.MANUAL
    assert manual.manual_reason == ManualReason.NO_ORGAN_ID
    assert manual.needs_manual_delivery
    assert manual.sealed_message is None
    assert manual.sha256 == ""
    assert manual.document_id == ""
    assert "chưa có mã định danh" in manual.get_manual_reason_display()
    province = result.queued[0]
    assert province.status == OutgoingMessage.Status.QUEUED
    assert province.attempts == 0
    assert province.recipient_organ_id == "000.00.00.H41"
    assert province.document_id == "000.00.00.G22,2026/01/15,85/NQ-CP"
    assert province.title.startswith("Nghị quyết 85/NQ-CP: Nghị quyết phiên họp")
    assert province.created_by == person(gov, "office")
    assert (province.subject_type, province.subject_id) == ("resolutions.resolution", "85")
    assert OutgoingMessage.objects.count() == 3
    assert _verbs() == [
        "exchange.outgoing_enqueue",
        "exchange.outgoing_enqueue",
        "exchange.outgoing_manual",
    ]
    event = AuditEvent.objects.filter(verb="exchange.outgoing_enqueue").order_by("seq").first()
    assert event is not None
    assert event.body_id == gov.body.pk
    assert event.object_id == str(province.pk)
    assert event.after["sha256"] == province.sha256
    assert event.after["recipient_organ_id"] == "000.00.00.H41"
    assert event.after["document_id"] == province.document_id
    manual_event = AuditEvent.objects.get(verb="exchange.outgoing_manual")
    assert manual_event.after["reason"] == "no_organ_id"
    assert manual_event.after["recipient_name"] == "Hội đồng nhân dân xã Thử"


def test_the_stored_message_parses_back_into_the_same_metadata(gov: World) -> None:
    """Issue 7: the edXML message parses back into the same metadata (and the same file)."""
    result = enqueue(gov)
    for message, recipient in zip(result.queued, RECIPIENTS[:2], strict=True):
        data = _read(message, gov)
        assert hashlib.sha256(data).hexdigest() == message.sha256
        assert len(data) == message.size
        parsed = edxml.parse_message(data)
        assert parsed.warnings == ()
        expected = services.outgoing_metadata(
            body=gov.body,
            recipient=recipient,
            document=resolution_document(),
            at=message.created_at,
        )
        assert parsed.metadata == expected
        assert parsed.metadata.sender == edxml.Organization("000.00.00.G22", gov.body.name)
        assert parsed.metadata.recipients == (
            edxml.Organization(recipient.organ_id, recipient.name),
        )
        assert parsed.metadata.document_id == message.document_id
        [attachment] = parsed.attachments
        assert (attachment.name, attachment.content_type, attachment.data) == (
            "85-NQ-CP.pdf",
            "application/pdf",
            PDF,
        )
        assert attachment.description == "Nghị quyết đã ký số"


def test_the_message_is_sealed_at_rest(gov: World) -> None:
    message = enqueue(gov).queued[0]
    sealed = bytes(OutgoingMessage.objects.get(pk=message.pk).sealed_message)
    data = _read(message, gov)
    assert b"edXML" not in sealed
    assert "Nghị quyết phiên họp".encode() not in sealed
    assert storage.open_message(sealed, message_id=message.pk, sha256=message.sha256) == data


def test_enqueuing_again_returns_the_stored_rows_and_sends_nothing_new(gov: World) -> None:
    first = enqueue(gov)
    events = AuditEvent.objects.count()
    second = enqueue(gov, recipients=(*RECIPIENTS, Recipient("Bộ Y tế", "000.00.00.G18")))
    assert second.created == 1
    assert [m.pk for m in second.messages[:3]] == [m.pk for m in first.messages]
    assert second.messages[3].recipient_name == "Bộ Y tế"
    assert AuditEvent.objects.count() == events + 1
    assert OutgoingMessage.objects.count() == 4
    # Another document for the same recipients is another message.
    assert enqueue(gov, subject_id="86", code=edxml.Code("86", "NQ-CP")).created == 3


def test_the_same_recipient_twice_in_one_call_gets_one_message(gov: World) -> None:
    twice = (
        Recipient("Bộ Tài chính", "000.00.00.G12"),
        Recipient("  Bộ   Tài chính ", " 000.00.00.G12 "),
        Recipient("Xã A"),
        Recipient("xã  a"),
    )
    result = enqueue(gov, recipients=twice)
    assert result.created == 2
    assert [m.recipient_name for m in result.messages] == ["Bộ Tài chính", "Xã A"]


@pytest.mark.parametrize(
    ("organ_id", "reason"),
    [
        ("", ManualReason.NO_ORGAN_ID),
        ("   ", ManualReason.NO_ORGAN_ID),
        ("H41", ManualReason.BAD_ORGAN_ID),
        ("000.00.00.h41", ManualReason.BAD_ORGAN_ID),
    ],
)
def test_a_recipient_without_a_valid_identifier_needs_manual_delivery(
    gov: World, organ_id: str, reason: str
) -> None:
    result = enqueue(gov, recipients=(Recipient("UBND xã Thử", organ_id),))
    assert result.queued == []
    [manual] = result.manual
    assert manual.manual_reason == reason
    assert manual.recipient_organ_id == organ_id.strip()
    assert selectors.outgoing_for_subject(gov.body, "resolutions.resolution", "85").get() == manual
    with pytest.raises(Http404):
        _read(manual, gov)


def test_a_body_without_an_identifier_sends_nothing_and_says_so(world: World) -> None:
    result = enqueue(world)  # the persona world's body has no OrganId
    assert result.queued == []
    assert {m.manual_reason for m in result.manual} == {ManualReason.SENDER_NO_ORGAN_ID}
    assert len(result.manual) == 3
    give_organ_id(world.body, "G22")  # malformed: the same
    assert enqueue(world, subject_id="2").manual[0].manual_reason == "sender_no_organ_id"


def test_a_document_the_standard_refuses_stores_nothing(gov: World) -> None:
    with pytest.raises(DomainError) as exc:
        enqueue(gov, subject="x" * 501)
    assert exc.value.code == "edxml_invalid"
    assert "Subject" in str(exc.value.message)
    assert "501" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        enqueue(gov, signer=edxml.SignerInfo())
    assert "SignerInfo.FullName" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        enqueue(gov, attachments=(edxml.Attachment("a/b.pdf", "application/pdf", b"x"),))
    assert "AttachmentName" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        enqueue(gov, recipients=(Recipient("x" * 201, "000.00.00.H41"),))
    assert "To[1].OrganName" in str(exc.value.message)
    assert OutgoingMessage.objects.count() == 0
    assert _verbs() == []


def test_a_recipient_without_a_name_is_refused(gov: World) -> None:
    with pytest.raises(DomainError) as exc:
        enqueue(gov, recipients=(Recipient("  ", "000.00.00.H41"),))
    assert exc.value.code == "recipient_without_name"
    assert OutgoingMessage.objects.count() == 0


def test_a_bad_reference_is_a_programming_error(gov: World) -> None:
    with pytest.raises(ValueError, match="subject_type"):
        services.outbox_enqueue(
            actor=None,
            body=gov.body,
            recipients=RECIPIENTS,
            document=resolution_document(),
            subject_type="Resolution",
            subject_id="1",
        )
    with pytest.raises(ValueError, match="subject_id"):
        enqueue(gov, subject_id="85 / NQ")


def test_no_recipient_is_nothing_to_do(gov: World) -> None:
    result = enqueue(gov, recipients=())
    assert (result.messages, result.created) == ((), 0)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("office", True),
        (None, True),
        ("admin", True),
        ("chair", False),
        ("member", False),
        ("substitute", False),
        ("agency", False),
        ("observer", False),
        ("outsider", False),
    ],
)
def test_who_may_enqueue(gov: World, persona: str | None, allowed: bool) -> None:
    if allowed:
        assert enqueue(gov, actor=persona).created == 3
    else:
        with pytest.raises(PermissionDenied):
            enqueue(gov, actor=persona)
        assert OutgoingMessage.objects.count() == 0


def test_the_records_clerk_enqueues_and_the_body_admin_may_not(gov: World) -> None:
    clerk = MembershipFactory.create(body=gov.body, role=Role.RECORDS_CLERK).user
    admin = MembershipFactory.create(body=gov.body, role=Role.BODY_ADMIN).user
    document = resolution_document()
    kwargs: dict[str, Any] = {
        "body": gov.body,
        "recipients": RECIPIENTS,
        "document": document,
        "subject_type": "resolutions.resolution",
    }
    assert services.outbox_enqueue(actor=clerk, subject_id="1", **kwargs).created == 3
    with pytest.raises(PermissionDenied):
        services.outbox_enqueue(actor=admin, subject_id="2", **kwargs)


def test_enqueue_inside_the_callers_transaction_rolls_back_with_it(gov: World) -> None:
    def issue_then_fail() -> None:
        with transaction.atomic():
            enqueue(gov)
            raise RuntimeError("issuance failed later")

    with pytest.raises(RuntimeError):
        issue_then_fail()
    assert OutgoingMessage.objects.count() == 0
    assert _verbs() == []


def test_the_database_keeps_one_message_per_recipient(gov: World) -> None:
    message = enqueue(gov).queued[0]
    copy = OutgoingMessage.objects.get(pk=message.pk)
    copy.id = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)


def test_the_database_refuses_a_manual_row_with_a_message_and_a_queued_one_without(
    gov: World,
) -> None:
    manual = enqueue(gov).manual[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMessage.objects.filter(pk=manual.pk).update(sha256="ab" * 32)
    queued = enqueue(gov, subject_id="9").queued[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMessage.objects.filter(pk=queued.pk).update(sealed_message=None)


# --- Deliveries ------------------------------------------------------------------------------


def test_sent_and_failed_attempts(gov: World) -> None:
    message = enqueue(gov).queued[0]
    failed = services.outgoing_mark_failed(actor=None, message=message, error=" 503 axis busy ")
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "503 axis busy")
    again = services.outgoing_mark_failed(actor=None, message=message, error="timeout")
    assert (again.status, again.attempts) == ("failed", 2)
    sent = services.outgoing_mark_sent(actor=person(gov, "office"), message=message)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 3, "")
    assert sent.sent_at is not None
    event = AuditEvent.objects.filter(verb="exchange.outgoing_sent").get()
    assert event.before == {"status": "failed", "attempts": 2}
    assert event.after == {"status": "sent", "attempts": 3, "error": ""}
    assert AuditEvent.objects.filter(verb="exchange.outgoing_fail").count() == 2
    # A sent message is final.
    with pytest.raises(InvalidTransition):
        services.outgoing_mark_failed(actor=None, message=message, error="late")
    with pytest.raises(InvalidTransition):
        services.outgoing_mark_sent(actor=None, message=message)
    assert OutgoingMessage.objects.get(pk=message.pk).attempts == 3


def test_a_manual_row_cannot_be_sent(gov: World) -> None:
    manual = enqueue(gov).manual[0]
    with pytest.raises(DomainError) as exc:
        services.outgoing_mark_sent(actor=None, message=manual)
    assert exc.value.code == "manual_delivery"


def test_a_member_cannot_record_a_delivery(gov: World) -> None:
    message = enqueue(gov).queued[0]
    with pytest.raises(PermissionDenied):
        services.outgoing_mark_sent(actor=person(gov, "member"), message=message)
    assert OutgoingMessage.objects.get(pk=message.pk).status == "queued"


# --- Reading back ----------------------------------------------------------------------------


def test_a_tampered_message_is_never_served_and_the_failure_is_audited(gov: World) -> None:
    first, second = enqueue(gov).queued
    # A message moved onto another row does not open there.
    OutgoingMessage.objects.filter(pk=second.pk).update(
        sealed_message=OutgoingMessage.objects.get(pk=first.pk).sealed_message
    )
    with pytest.raises(DomainError) as exc:
        _read(second, gov)
    assert exc.value.code == "unreadable"
    event = AuditEvent.objects.get(verb="exchange.outgoing_unreadable")
    assert event.object_id == str(second.pk)
    # A flipped byte, likewise.
    blob = bytearray(OutgoingMessage.objects.get(pk=first.pk).sealed_message)
    blob[-1] ^= 0x01
    OutgoingMessage.objects.filter(pk=first.pk).update(sealed_message=bytes(blob))
    with pytest.raises(DomainError):
        _read(first, gov)
    assert AuditEvent.objects.filter(verb="exchange.outgoing_unreadable").count() == 2


def test_a_message_that_does_not_match_its_hash_is_not_served(gov: World) -> None:
    message = enqueue(gov).queued[0]
    OutgoingMessage.objects.filter(pk=message.pk).update(sha256="0" * 64)
    message.refresh_from_db()
    with pytest.raises(DomainError):
        _read(message, gov)


def test_key_rotation_rewraps_messages_and_the_old_key_can_go(gov: World) -> None:
    messages = enqueue(gov).queued
    before = [_read(m, gov) for m in messages]
    old = envelope.current_kek_id()
    call_command("keys", "rotate", stdout=io.StringIO())
    new = envelope.current_kek_id()
    assert new != old
    (Path(settings.ECABINET_KEY_DIR) / f"{old}.kek").unlink()
    for message in messages:
        sealed = bytes(OutgoingMessage.objects.get(pk=message.pk).sealed_message)
        assert envelope.kek_id_of(sealed) == new
    assert [_read(m, gov) for m in messages] == before
    assert storage.rewrap_all() == 0


def test_selectors_scope_the_outbox(gov: World) -> None:
    enqueue(gov)
    office, member = person(gov, "office"), person(gov, "member")
    assert selectors.outbox_list_for(office, gov.body).count() == 3
    assert selectors.outbox_list_for(office, gov.body, status="manual").count() == 1
    assert selectors.outbox_list_for(member, gov.body).count() == 0
    assert selectors.outbox_list_for(person(gov, "outsider"), gov.body).count() == 0
    assert selectors.outbox_counts(office, gov.body) == {
        "queued": 2,
        "sent": 0,
        "failed": 0,
        "manual": 1,
    }
    assert sum(selectors.outbox_counts(member, gov.body).values()) == 0
    message = selectors.outbox_list_for(office, gov.body).first()
    assert message is not None
    assert selectors.outgoing_get(office, gov.body, message.pk) == message
    with pytest.raises(Http404):
        selectors.outgoing_get(member, gov.body, message.pk)
    with pytest.raises(Http404):
        selectors.outgoing_get(person(gov, "admin"), gov.other_body, message.pk)


def test_the_outbox_list_runs_in_constant_queries(
    gov: World, django_assert_num_queries: Any
) -> None:
    enqueue(gov)
    enqueue(gov, subject_id="2", code=edxml.Code("2", "NQ-CP"))
    office = person(gov, "office")
    selectors.outbox_list_for(office, gov.body)  # warm nothing: each call checks again
    with django_assert_num_queries(2):  # membership, then the list
        rows = list(selectors.outbox_list_for(office, gov.body))
    assert len(rows) == 6
    assert all("sealed_message" in m.get_deferred_fields() for m in rows)
