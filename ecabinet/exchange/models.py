"""The outbox: one edXML message per external recipient, waiting for the national axis.

A message is written once, sealed (``core.envelope``, the same key-encryption key as the
documents' keys) and never changed; only its delivery fields move (status, attempts, last
error, sent at). The document it carries is named by a reference (type and id strings), as
the tracking ledger does, so that any app can send without this app knowing its models. A
recipient agency without a valid identifier gets a row in status ``manual`` with the reason
and no message: the Office delivers it by other means (docs/decisions/1101-edxml.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body


class ManualReason(models.TextChoices):
    """Why a recipient gets no edXML message and must be reached by other means."""

    NO_ORGAN_ID = (
        "no_organ_id",
        _(
            "Cơ quan nhận chưa có mã định danh (OrganId) trên trục liên thông: cần chuyển văn bản "
            "bằng cách khác."
        ),
    )
    BAD_ORGAN_ID = (
        "bad_organ_id",
        _(
            "Mã định danh của cơ quan nhận không đúng dạng DDD.DD.DD.LDD: cần sửa danh mục cơ quan "
            "hoặc chuyển văn bản bằng cách khác."
        ),
    )
    SENDER_NO_ORGAN_ID = (
        "sender_no_organ_id",
        _(
            "Cơ quan gửi chưa có mã định danh (OrganId) hợp lệ: chưa gửi được qua trục liên thông, "
            "cần chuyển văn bản bằng cách khác."
        ),
    )


class OutgoingMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")
        MANUAL = "manual", _("Cần chuyển thủ công")

    # Chosen before the insert: the sealed message is bound to it (associated data).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="outgoing_messages")
    recipient_organ_id = models.CharField(_("mã định danh nơi nhận"), max_length=13, blank=True)
    recipient_name = models.CharField(_("nơi nhận"), max_length=200)
    # The valid OrganId, or "name:<folded name>" for a recipient without one: one message per
    # recipient, document and business type (issuing twice does not send twice).
    recipient_key = models.CharField(max_length=220)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    title = models.CharField(_("văn bản"), max_length=300)
    document_id = models.CharField(_("DocumentId"), max_length=200, blank=True)
    # codes.BUSSINESS_DOC_TYPES: 0 new, 1 revoke, 2 update, 3 replace.
    bussiness_doc_type = models.PositiveSmallIntegerField(default=0)
    sealed_message = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    manual_reason = models.CharField(
        _("lý do chuyển thủ công"), max_length=30, choices=ManualReason.choices, blank=True
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông điệp gửi đi")
        verbose_name_plural = _("thông điệp gửi đi")
        ordering = ["-created_at", "recipient_name"]
        indexes = [
            models.Index(fields=["body", "-created_at"], name="exchange_out_body_created"),
            models.Index(fields=["subject_type", "subject_id"], name="exchange_out_subject"),
            models.Index(fields=["status"], name="exchange_out_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "body",
                    "subject_type",
                    "subject_id",
                    "bussiness_doc_type",
                    "recipient_key",
                ],
                name="exchange_outgoing_once_per_recipient",
            ),
            # A message to deliver has its bytes and hash; a manual one has neither, and says why.
            models.CheckConstraint(
                condition=(
                    Q(status="manual", sha256="", manual_reason__gt="")
                    | (~Q(status="manual") & ~Q(sha256="") & Q(sealed_message__isnull=False))
                ),
                name="exchange_outgoing_message_or_manual",
            ),
            models.CheckConstraint(
                condition=Q(bussiness_doc_type__lte=3), name="exchange_outgoing_doc_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_name}"

    @property
    def needs_manual_delivery(self) -> bool:
        return self.status == self.Status.MANUAL

    def file_name(self) -> str:
        """``85-NQ-CP_000.00.00.H41.edxml``: the document's number and the recipient."""
        base = self.document_id.rsplit(",", 1)[-1] if self.document_id else str(self.pk)
        safe = "".join(c if c.isalnum() or c in ".-_" else "-" for c in base).strip("-")
        return f"{safe or self.pk}_{self.recipient_organ_id or 'thu-cong'}.edxml"
