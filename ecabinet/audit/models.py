"""The append-only, hash-chained audit log.

Rows are never updated or deleted: database triggers refuse it (migration 0002), and
``ecabinet audit verify`` recomputes the chain to detect anything done behind the triggers.
Actor and body are stored as plain ids, not foreign keys, so that no cascade or SET NULL
can ever need to touch an audit row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("số thứ tự"), unique=True)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor_id = models.BigIntegerField(_("người thực hiện"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("người thực hiện"), max_length=200, blank=True)
    body_id = models.BigIntegerField(_("cơ quan"), null=True, blank=True, db_index=True)
    verb = models.CharField(_("hành động"), max_length=80, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=80, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=300, blank=True)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    ip = models.CharField(_("địa chỉ IP"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký hệ thống")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit trail page lists one body's events newest first, filtered by verb.
            models.Index(fields=["body_id", "-seq"], name="audit_body_seq_idx"),
            models.Index(fields=["body_id", "verb", "-seq"], name="audit_body_verb_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_repr}"


class AuditHead(models.Model):
    """Single row holding the chain's head; appenders lock it so the chain cannot fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]

    def __str__(self) -> str:
        return f"head #{self.seq} {self.hash[:16]}"
