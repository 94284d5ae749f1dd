"""Every write of the outbox: enqueue a document for external recipients, record deliveries.

``outbox_enqueue`` is what an issuing app calls once it has the issued document: it builds
one edXML message per external recipient (outside the transaction: zipping and encoding the
attachments is the slow part, done once for all recipients), then stores the sealed messages
and their audit events in one atomic block, inside the caller's transaction when there is
one. A recipient without a valid identifier gets a row in status ``manual`` instead of a
message (the result says so, and the outbox page lists it), never a broken message.
The transport to the national axis is not built yet: it will call ``outgoing_mark_sent`` and
``outgoing_mark_failed``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body
from ecabinet.core.errors import DomainError
from ecabinet.exchange import codes, edxml, storage
from ecabinet.exchange import permissions as perms
from ecabinet.exchange.models import ManualReason, OutgoingMessage
from ecabinet.exchange.transitions import MACHINE

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

logger = logging.getLogger(__name__)

# The same shapes as the tracking ledger's references: "app.model" and a short id.
SUBJECT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
ONCE_CONSTRAINT = "exchange_outgoing_once_per_recipient"


@dataclass(frozen=True)
class Recipient:
    """An external agency that receives the document; ``organ_id`` may be empty."""

    name: str
    organ_id: str = ""


@dataclass(frozen=True)
class OutgoingDocument:
    """What the issuing app knows of the document. The service adds From (the body), To
    (each recipient), the DocumentId, the trace header and the business part."""

    code: edxml.Code
    promulgation_date: date
    document_type: edxml.DocumentType  # edxml.document_type_for("NQ")
    subject: str
    signer: edxml.SignerInfo
    attachments: tuple[edxml.Attachment, ...] = ()
    place: str = ""  # the body's place when empty
    content: str = ""
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: edxml.OtherInfo = field(default_factory=edxml.OtherInfo)
    steering_type: int = codes.STEERING_NONE
    staff_info: edxml.StaffInfo | None = None


@dataclass(frozen=True)
class OutboxResult:
    """The rows of one enqueue, in the order of the recipients given (duplicates once)."""

    messages: tuple[OutgoingMessage, ...]
    created: int

    @property
    def queued(self) -> list[OutgoingMessage]:
        return [m for m in self.messages if not m.needs_manual_delivery]

    @property
    def manual(self) -> list[OutgoingMessage]:
        """Recipients the Office must reach by other means (show them to the user)."""
        return [m for m in self.messages if m.needs_manual_delivery]


def recipient_key(recipient: Recipient) -> str:
    organ_id = recipient.organ_id.strip()
    if edxml.is_valid_organ_id(organ_id):
        return organ_id
    return "name:" + " ".join(recipient.name.split()).casefold()[:200]


def _check_reference(subject_type: str, subject_id: str) -> None:
    # Programming errors of the calling app, not user input: fail loudly.
    if not SUBJECT_TYPE_PATTERN.match(subject_type):
        raise ValueError(f"subject_type must look like 'app.model', got {subject_type!r}")
    if not SUBJECT_ID_PATTERN.match(subject_id):
        raise ValueError(f"bad subject_id {subject_id!r}")


def _edxml_refused(exc: edxml.EdxmlError) -> DomainError:
    return DomainError(
        _("Không lập được thông điệp edXML: trường %(field)s %(problem)s")
        % {"field": exc.field, "problem": exc.problem},
        code="edxml_invalid",
    )


def outgoing_metadata(
    *, body: Body, recipient: Recipient, document: OutgoingDocument, at: datetime
) -> edxml.MessageMetadata:
    """The metadata of ``document``'s message to ``recipient``, sent by ``body`` at ``at``
    (what the stored message parses back into)."""
    sender_id = body.organ_id.strip()
    return edxml.MessageMetadata(
        sender=edxml.Organization(organ_id=sender_id, organ_name=body.name.strip()),
        recipients=(
            edxml.Organization(organ_id=recipient.organ_id.strip(), organ_name=recipient.name),
        ),
        document_id=edxml.document_id_for(sender_id, document.promulgation_date, document.code),
        code=document.code,
        promulgation=edxml.PromulgationInfo(
            place=(document.place or body.place).strip(),
            promulgation_date=document.promulgation_date,
        ),
        document_type=document.document_type,
        subject=document.subject,
        signer=document.signer,
        content=document.content,
        due_date=document.due_date,
        to_places=document.to_places,
        other_info=document.other_info,
        steering_type=document.steering_type,
        trace_headers=(edxml.TraceHeader(sender_id, at.replace(microsecond=0)),),
        bussiness=edxml.Bussiness(
            bussiness_doc_type=codes.BUSSINESS_NEW, staff_info=document.staff_info
        ),
    )


def _row(
    *,
    body: Body,
    actor: User | None,
    recipient: Recipient,
    subject_type: str,
    subject_id: str,
    title: str,
    now: datetime,
) -> OutgoingMessage:
    return OutgoingMessage(
        id=uuid.uuid4(),
        body=body,
        recipient_organ_id=recipient.organ_id.strip()[:13],
        recipient_name=recipient.name,
        recipient_key=recipient_key(recipient),
        subject_type=subject_type,
        subject_id=subject_id,
        title=title[:300],
        bussiness_doc_type=codes.BUSSINESS_NEW,
        created_at=now,
        created_by=actor,
    )


def _prepare(
    *,
    actor: User | None,
    body: Body,
    recipients: Sequence[Recipient],
    document: OutgoingDocument,
    subject_type: str,
    subject_id: str,
    title: str,
    now: datetime,
) -> list[OutgoingMessage]:
    """Unsaved rows with their sealed messages, one per distinct recipient (no database)."""
    sender_ok = edxml.is_valid_organ_id(body.organ_id.strip())
    try:
        encoded = [edxml.encode_attachment(a) for a in document.attachments] if sender_ok else []
    except edxml.EdxmlError as exc:
        raise _edxml_refused(exc) from exc
    rows: list[OutgoingMessage] = []
    seen: set[str] = set()
    for recipient in recipients:
        name = " ".join(recipient.name.split())
        if not name:
            raise DomainError(_("Cơ quan nhận phải có tên."), code="recipient_without_name")
        recipient = Recipient(name=name, organ_id=recipient.organ_id.strip())
        key = recipient_key(recipient)
        if key in seen:
            continue
        seen.add(key)
        row = _row(
            body=body,
            actor=actor,
            recipient=recipient,
            subject_type=subject_type,
            subject_id=subject_id,
            title=title,
            now=now,
        )
        if not sender_ok:
            reason = ManualReason.SENDER_NO_ORGAN_ID
        elif not recipient.organ_id:
            reason = ManualReason.NO_ORGAN_ID
        elif not edxml.is_valid_organ_id(recipient.organ_id):
            reason = ManualReason.BAD_ORGAN_ID
        else:
            reason = None
        if reason:
            row.status = OutgoingMessage.Status.MANUAL
            row.manual_reason = reason
            rows.append(row)
            continue
        metadata = outgoing_metadata(body=body, recipient=recipient, document=document, at=now)
        try:
            data = edxml.build_message(metadata, encoded)
        except edxml.EdxmlError as exc:
            raise _edxml_refused(exc) from exc
        row.document_id = metadata.document_id
        row.sealed_message = storage.seal_message(data, message_id=row.id)
        row.size = len(data)
        row.sha256 = hashlib.sha256(data).hexdigest()
        rows.append(row)
    return rows


def _insert(row: OutgoingMessage) -> OutgoingMessage | None:
    """Insert ``row``; None when the same message exists already (a concurrent enqueue)."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError as exc:
        # Only our own uniqueness (PostgreSQL names the constraint, SQLite the table).
        text = str(exc)
        if ONCE_CONSTRAINT not in text and "UNIQUE constraint failed: exchange_" not in text:
            raise
        return None
    return row


def outbox_enqueue(
    *,
    actor: User | None,
    body: Body,
    recipients: Sequence[Recipient],
    document: OutgoingDocument,
    subject_type: str,
    subject_id: str,
    title: str = "",
    now: datetime | None = None,
) -> OutboxResult:
    """Put one edXML message per external recipient of ``document`` in ``body``'s outbox.

    ``actor`` is the records clerk or Office member who issues (``documents.manage``), or
    None for the system (an automatic issuer). ``subject_type``/``subject_id`` name the
    issued object (e.g. ``resolutions.resolution`` and its id). A recipient without a valid
    OrganId, or every recipient when the body itself has none, gets a row in status
    ``manual`` and no message: ``result.manual`` lists them for the caller to show. Calling
    again for the same document and recipient returns the stored row and sends nothing new.
    A document the standard does not allow (a subject over 500 characters, a missing
    signer, ...) raises DomainError naming the field, and nothing is stored.
    """
    if not perms.can_enqueue_outgoing(actor, body):
        raise PermissionDenied
    _check_reference(subject_type, subject_id)
    if not recipients:
        return OutboxResult((), 0)
    now = now or timezone.now()
    title = title or f"{document.document_type.type_name} {document.code}: {document.subject}"
    rows = _prepare(
        actor=actor,
        body=body,
        recipients=recipients,
        document=document,
        subject_type=subject_type,
        subject_id=subject_id,
        title=" ".join(title.split()),
        now=now,
    )
    keys = [row.recipient_key for row in rows]
    result: list[OutgoingMessage] = []
    created = 0
    with transaction.atomic():
        existing = {
            m.recipient_key: m
            for m in OutgoingMessage.objects.filter(
                body=body,
                subject_type=subject_type,
                subject_id=subject_id,
                bussiness_doc_type=codes.BUSSINESS_NEW,
                recipient_key__in=keys,
            ).defer("sealed_message")
        }
        for row in rows:
            stored = existing.get(row.recipient_key) or _insert(row)
            if stored is None:
                stored = OutgoingMessage.objects.defer("sealed_message").get(
                    body=body,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    bussiness_doc_type=codes.BUSSINESS_NEW,
                    recipient_key=row.recipient_key,
                )
            result.append(stored)
            if stored is not row:
                continue
            created += 1
            if row.needs_manual_delivery:
                audit_append(
                    actor=actor,
                    verb="exchange.outgoing_manual",
                    obj=row,
                    body=body,
                    after={
                        "recipient_name": row.recipient_name,
                        "recipient_organ_id": row.recipient_organ_id,
                        "reason": row.manual_reason,
                        "subject_type": subject_type,
                        "subject_id": subject_id,
                    },
                )
            else:
                audit_append(
                    actor=actor,
                    verb="exchange.outgoing_enqueue",
                    obj=row,
                    body=body,
                    after={
                        "recipient_name": row.recipient_name,
                        "recipient_organ_id": row.recipient_organ_id,
                        "document_id": row.document_id,
                        "sha256": row.sha256,
                        "size": row.size,
                        "subject_type": subject_type,
                        "subject_id": subject_id,
                    },
                )
    return OutboxResult(tuple(result), created)


def _delivery(
    *, actor: User | None, message: OutgoingMessage, action: str, error: str = ""
) -> OutgoingMessage:
    if actor is not None and not perms.can_enqueue_outgoing(actor, message.body):
        raise PermissionDenied
    with transaction.atomic():
        locked = (
            OutgoingMessage.objects.select_for_update().defer("sealed_message").get(pk=message.pk)
        )
        if locked.needs_manual_delivery:
            raise DomainError(
                _("Văn bản này cần chuyển thủ công, không có thông điệp để gửi."),
                code="manual_delivery",
            )
        before = {"status": locked.status, "attempts": locked.attempts}
        locked.status = MACHINE.target(action, locked.status)
        locked.attempts += 1
        if action == "sent":
            locked.sent_at = timezone.now()
            locked.last_error = ""
        else:
            locked.last_error = error.strip()[:500]
        locked.save(update_fields=["status", "attempts", "sent_at", "last_error"])
        audit_append(
            actor=actor,
            verb=f"exchange.outgoing_{action}",
            obj=locked,
            body=locked.body_id,
            before=before,
            after={
                "status": locked.status,
                "attempts": locked.attempts,
                "error": locked.last_error,
            },
        )
    return locked


def outgoing_mark_sent(*, actor: User | None, message: OutgoingMessage) -> OutgoingMessage:
    """The axis accepted the message (the transport calls this; None is the system)."""
    return _delivery(actor=actor, message=message, action="sent")


def outgoing_mark_failed(
    *, actor: User | None, message: OutgoingMessage, error: str
) -> OutgoingMessage:
    """An attempt to send failed; ``error`` is the axis's answer (kept, 500 characters)."""
    return _delivery(actor=actor, message=message, action="fail", error=error)


def outgoing_message_bytes(*, actor: User | None, message: OutgoingMessage) -> bytes:
    """The stored edXML bytes of ``message`` (Http404 for a manual row, which has none).

    A message that does not open, or does not match its hash, is never served: the failure
    is audited in its own transaction and raised as a DomainError (a 409 page).
    """
    if message.needs_manual_delivery:
        raise Http404
    sealed = (
        OutgoingMessage.objects.filter(pk=message.pk)
        .values_list("sealed_message", flat=True)
        .first()
    )
    try:
        if sealed is None:
            raise storage.MessageUnreadable("no stored message")
        return storage.open_message(sealed, message_id=message.pk, sha256=message.sha256)
    except storage.MessageUnreadable as exc:
        logger.error("outgoing message %s does not open: %s", message.pk, exc)
        with transaction.atomic():
            audit_append(
                actor=actor,
                verb="exchange.outgoing_unreadable",
                obj=message,
                body=message.body_id,
                after={"error": str(exc)[:200]},
            )
        raise DomainError(
            _(
                "Không đọc được thông điệp đã lưu (hỏng hoặc sai khóa). "
                "Sự cố đã được ghi lại; hãy báo cho quản trị hệ thống."
            ),
            code="unreadable",
        ) from exc
