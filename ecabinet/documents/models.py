"""Dossiers, documents and their versions, personal folders, private notes, read receipts.

File contents never sit in the database: each version's bytes are encrypted with a fresh
data key and written through Django's storage API (storage.py); the row keeps the wrapped
data key. A document belongs either to a body (inside a dossier) or to one person's
personal space (inside a folder), never both (a database constraint).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body, DocumentType, IssuingAgency, Unit


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (DOCX)"
    XLSX = "xlsx", "Excel (XLSX)"
    ODT = "odt", "OpenDocument (ODT)"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"


class DocumentSettings(models.Model):
    """A body's rules for uploads: which file kinds, how large."""

    body = models.OneToOneField(Body, on_delete=models.PROTECT, related_name="document_settings")
    allowed_kinds = models.JSONField(_("loại tệp được phép"), default=list)
    max_upload_mb = models.PositiveIntegerField(_("dung lượng tối đa (MB)"), default=100)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cấu hình tài liệu")
        verbose_name_plural = _("cấu hình tài liệu")

    def __str__(self) -> str:
        return str(self.body)


class Dossier(models.Model):
    """A set of documents prepared for one matter (hồ sơ): a proposal, a meeting item, ..."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="dossiers")
    title = models.CharField(_("tên hồ sơ"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    # The submitting agency whose staff may add to the dossier and see it.
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("cơ quan trình"),
    )
    # Later issues link a dossier to the ballot or meeting item it serves; the search
    # filters read these references.
    meeting_ref = models.CharField(max_length=80, blank=True, editable=False)
    ballot_ref = models.CharField(max_length=80, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["body", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Folder(models.Model):
    """A folder in a person's own document space (tài liệu cá nhân)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_folders"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("tên thư mục"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thư mục")
        verbose_name_plural = _("thư mục")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "parent", "name"], name="folder_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(parent__isnull=True),
                name="folder_unique_name_at_root",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A document with its metadata; its bytes are in versions (the latest is current)."""

    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_documents",
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("tên tài liệu"), max_length=300)
    doc_type = models.ForeignKey(
        DocumentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("loại văn bản"),
    )
    # Số, ký hiệu: e.g. "125/TTr-BKHĐT".
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    agency = models.ForeignKey(
        IssuingAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("cơ quan ban hành"),
    )
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    summary = models.TextField(_("trích yếu"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["dossier", "pk"]
        constraints = [
            # Either a body's document in a dossier, or a personal one: never both, never neither.
            models.CheckConstraint(
                condition=(
                    Q(body__isnull=False, dossier__isnull=False, owner__isnull=True)
                    & Q(folder__isnull=True)
                )
                | Q(body__isnull=True, dossier__isnull=True, owner__isnull=False),
                name="document_body_or_personal",
            )
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One uploaded file of a document. Never updated except by its processing steps."""

    class Processing(models.TextChoices):
        PENDING = "pending", _("Đang chờ xử lý")
        RUNNING = "running", _("Đang xử lý")
        DONE = "done", _("Đã xử lý")
        FAILED = "failed", _("Xử lý không thành công")
        # A state-secret mark found after upload (e.g. by OCR): the file is removed.
        REFUSED = "refused", _("Bị từ chối: tài liệu có dấu chỉ độ mật")

    class TextStatus(models.TextChoices):
        PENDING = "pending", _("Đang trích xuất nội dung")
        INDEXED = "indexed", _("Đã lập chỉ mục tìm kiếm")
        OCR_PENDING = "ocr_pending", _("Đang nhận dạng chữ (OCR)")
        UNAVAILABLE = "unavailable", _("Không tìm kiếm được nội dung")
        FAILED = "failed", _("Trích xuất nội dung không thành công")

    class ViewStatus(models.TextChoices):
        NATIVE = "native", _("Xem trực tiếp")
        CONVERTING = "converting", _("Đang chuyển sang PDF")
        CONVERTED = "converted", _("Đã chuyển sang PDF")
        UNAVAILABLE = "unavailable", _("Chỉ tải về (không chuyển được sang PDF)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    filename = models.CharField(_("tên tệp"), max_length=255)
    kind = models.CharField(_("định dạng"), max_length=10, choices=FileKind.choices)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    sha256 = models.CharField(max_length=64, db_index=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # Encrypted original: storage name and the data key sealed under the KEK.
    blob_name = models.CharField(max_length=200)
    wrapped_key = models.BinaryField()
    # Encrypted PDF rendition for viewing (office formats), when converted.
    pdf_blob_name = models.CharField(max_length=200, blank=True)
    pdf_wrapped_key = models.BinaryField(null=True, blank=True)
    processing = models.CharField(
        max_length=10, choices=Processing.choices, default=Processing.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    text_status = models.CharField(
        max_length=12, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    view_status = models.CharField(max_length=12, choices=ViewStatus.choices)
    processing_note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.filename} (v{self.number})"

    @property
    def viewable_as_pdf(self) -> bool:
        return self.view_status in {self.ViewStatus.NATIVE, self.ViewStatus.CONVERTED}


class ReadReceipt(models.Model):
    """Who received a document, and when they first and last opened it."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("theo dõi nhận, mở tài liệu")
        verbose_name_plural = _("theo dõi nhận, mở tài liệu")
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="receipt_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.document}"


class PrivateNote(models.Model):
    """A reader's own note on a document (optionally on one page); nobody else sees it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_notes"
    )
    page = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ghi chú riêng")
        verbose_name_plural = _("ghi chú riêng")
        ordering = ["page", "created_at", "pk"]
        indexes = [models.Index(fields=["author", "document"])]

    def __str__(self) -> str:
        return f"{self.author} — {self.document} p.{self.page}"


class NumberCounter(models.Model):
    """The last number given in one sequence: a body's documents of one type in one year.

    The numbering service locks this row for the rest of the issuing transaction, so two
    issuances of the same sequence are served one after the other (numbering.py).
    """

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    # Calendar year in Vietnam time (Decree 30, Art. 15: from 01 on 1 January).
    year = models.PositiveSmallIntegerField(_("năm"))
    last = models.PositiveIntegerField(_("số đã cấp gần nhất"), default=0)

    class Meta:
        verbose_name = _("bộ đếm số văn bản")
        verbose_name_plural = _("bộ đếm số văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "document_type", "year"], name="numbercounter_one_per_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.document_type} {self.year}: {self.last}"


class RegisterEntry(models.Model):
    """One number given to one outgoing document (sổ đăng ký văn bản đi). Never updated.

    The subject is a reference (type and id strings, as in the tracking ledger) so that any
    app can have its documents numbered without this app knowing its models.
    """

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="register_entries")
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại văn bản")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    sequence = models.PositiveIntegerField(_("số"))
    # Số, ký hiệu as printed: "85/NQ-CP", "01/QĐ-TTg".
    number = models.CharField(_("số, ký hiệu"), max_length=60)
    issued_at = models.DateTimeField(_("thời điểm cấp số"))
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    # None when the body's automatic issuer gave the number.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người cấp số"),
    )

    class Meta:
        verbose_name = _("số văn bản đi")
        verbose_name_plural = _("sổ đăng ký văn bản đi")
        ordering = ["body", "-year", "document_type", "-sequence"]
        constraints = [
            # No duplicate: one document per number of a sequence.
            models.UniqueConstraint(
                fields=["body", "document_type", "year", "sequence"],
                name="registerentry_unique_number",
            ),
            # One number per document: a retried issuance never takes a second one.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"], name="registerentry_one_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="registerentry_sequence_from_one"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def code_number(self) -> str:
        """The number alone, as the seal's number field and edXML CodeNumber take it: "01"."""
        return f"{self.sequence:02d}"

    @property
    def code_notation(self) -> str:
        """The notation after the number, edXML CodeNotation: "NQ-CP"."""
        return self.number.partition("/")[2]
