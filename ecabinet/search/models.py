"""The search index: one row per indexed object, with its folded shadow columns.

The full-text index itself lives outside the ORM and is created by migration 0002: an FTS5
table over the shadow columns on SQLite, generated tsvector columns with GIN indexes on
PostgreSQL. Write rows only through ``ecabinet.search.services`` (see
docs/decisions/0700-search.md).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """One indexed object (a document, later a resolution, ...) and who may find it."""

    ref = models.CharField(_("mã tham chiếu"), max_length=200, unique=True)
    kind = models.CharField(_("loại đối tượng"), max_length=40)
    # Plain ids, no foreign keys: the index is derived data, rebuilt by its callers.
    body_id = models.BigIntegerField(_("cơ quan"), null=True, blank=True, db_index=True)
    dossier_id = models.BigIntegerField(_("hồ sơ"), null=True, blank=True, db_index=True)
    owner_id = models.BigIntegerField(_("chủ sở hữu"), null=True, blank=True, db_index=True)
    doc_type_id = models.BigIntegerField(_("loại văn bản"), null=True, blank=True)
    agency_id = models.BigIntegerField(_("cơ quan ban hành"), null=True, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True, db_index=True)
    meeting_ref = models.CharField(_("phiên họp"), max_length=200, blank=True)
    ballot_ref = models.CharField(_("phiếu lấy ý kiến"), max_length=200, blank=True)
    # Originals (NFC, control characters replaced): what snippets show.
    title = models.TextField(_("tiêu đề"), blank=True)
    summary = models.TextField(_("trích yếu"), blank=True)
    text = models.TextField(_("nội dung"), blank=True)
    # Shadow columns written by the services: token streams the full-text index reads.
    tags = models.TextField(blank=True, editable=False)
    fold_head = models.TextField(blank=True, editable=False)
    fold_body = models.TextField(blank=True, editable=False)
    exact_terms = models.TextField(blank=True, editable=False)
    # Adjacent word pairs, for phrase matching on PostgreSQL only (FTS5 has positions).
    fold_pairs = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("mục chỉ mục tìm kiếm")
        verbose_name_plural = _("chỉ mục tìm kiếm")
        constraints = [
            models.CheckConstraint(condition=~models.Q(ref=""), name="search_entry_ref_set"),
            models.CheckConstraint(condition=~models.Q(kind=""), name="search_entry_kind_set"),
        ]

    def __str__(self) -> str:
        return self.ref
