"""Resolutions (nghị quyết): drafting in versions, consultation of the members, submission.

A resolution is drafted by the Office from a closed meeting's conclusions (one section per
concluded agenda item) or from a decided ballot (one section per question, and the chair's
decision). Its content lives in ``ResolutionVersion`` rows, numbered from 1 and never
changed: every save of the editor that changes something is a new version with the SHA-256
of its canonical JSON (``content.py``). The Office sends a version to the members for their
opinions (``Consultation``): each member agrees or comments per section until the deadline;
the Office records how each comment was handled. The Office then submits the final version
to the chair: it is frozen (``submitted_version`` and its hash), and the chair signs it or
returns it with a reason.

Signing, numbering and issuance (``signing.py``, ``issuance.py``) fill the fields at the end
of ``Resolution`` (``number``, ``sequence``, ``year``, ``signed_at``, ``issued_at``, ...) and
keep the PDFs (``ResolutionFile``); the people it is addressed to find it in their incoming
list (``ResolutionReceipt``). A signed resolution is never edited: an amendment or a
revocation is a new resolution pointing at it (``amends``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body, DocumentType, Membership, Role
from ecabinet.resolutions import transitions as t

DEFAULT_CONSULT_WORKING_DAYS = 3
MAX_CONSULT_WORKING_DAYS = 30


class Resolution(models.Model):
    class Status(models.TextChoices):
        DRAFTING = t.DRAFTING, _("Đang soạn thảo")
        CONSULTATION = t.CONSULTATION, _("Đang lấy ý kiến thành viên")
        AWAITING_SIGNATURE = t.AWAITING_SIGNATURE, _("Chờ ký")
        SIGNED = t.SIGNED, _("Đã ký")
        ISSUED = t.ISSUED, _("Đã ban hành")
        CANCELLED = t.CANCELLED, _("Đã hủy")

    class Source(models.TextChoices):
        MEETING = "meeting", _("Kết luận phiên họp")
        BALLOT = "ballot", _("Kết quả lấy ý kiến thành viên")
        # A new resolution that amends or revokes an issued one (``amends``).
        AMENDMENT = "amendment", _("Sửa đổi, bãi bỏ nghị quyết đã ban hành")

    class AmendmentKind(models.TextChoices):
        AMEND = "amend", _("Sửa đổi, bổ sung")
        REVOKE = "revoke", _("Bãi bỏ")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="resolutions")
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại văn bản")
    )
    # Copies of the current version's title and summary, for lists and search.
    title = models.CharField(_("tên"), max_length=300)
    summary = models.CharField(_("trích yếu"), max_length=500)
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.DRAFTING
    )
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    ballot = models.ForeignKey(
        "ballots.Ballot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    # The body's chair, who signs (the version's content names them too).
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    current_version = models.ForeignKey(
        "ResolutionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Frozen at submission: the version the chair signs and the hash of its content.
    submitted_version = models.ForeignKey(
        "ResolutionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_sha256 = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("lý do hủy"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Filled by signing and issuance (not by this app): "85/NQ-CP", 85, 2026, the times.
    number = models.CharField(_("số, ký hiệu"), max_length=40, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    issued_at = models.DateTimeField(_("ban hành lúc"), null=True, blank=True)
    # Incremented by every service that changes the row (stale pages are refused).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Issuance (issuance.py). The date printed beside the number (Vietnam time), taken with
    # the number; the issuer (None: the body's automatic issuer); failed attempts to seal
    # and when the next one is due; the token of the public verification page.
    promulgation_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issue_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    issue_error = models.CharField(_("lỗi phát hành"), max_length=500, blank=True)
    issue_failed_at = models.DateTimeField(null=True, blank=True)
    issue_retry_at = models.DateTimeField(null=True, blank=True)
    verify_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # An amendment or revocation points at the issued resolution it changes.
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("sửa đổi, bãi bỏ nghị quyết"),
    )
    amendment_kind = models.CharField(
        _("hình thức"), max_length=10, choices=AmendmentKind.choices, blank=True
    )

    class Meta:
        verbose_name = _("nghị quyết")
        verbose_name_plural = _("nghị quyết")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["body", "status", "-created_at"]),
            # The retry scan of issuances that failed (TSA down, sealing refused).
            models.Index(
                fields=["issue_retry_at"],
                condition=Q(issue_retry_at__isnull=False),
                name="resolution_issue_retry_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source="meeting", meeting__isnull=False, ballot__isnull=True)
                    | Q(source="ballot", ballot__isnull=False, meeting__isnull=True)
                    | Q(
                        source="amendment",
                        amends__isnull=False,
                        meeting__isnull=True,
                        ballot__isnull=True,
                    )
                ),
                name="resolution_one_source",
            ),
            models.CheckConstraint(
                condition=Q(amends__isnull=True, amendment_kind="")
                | (Q(amends__isnull=False) & ~Q(amendment_kind="")),
                name="resolution_amendment_has_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="issued")
                | Q(verify_token__isnull=False, promulgation_date__isnull=False),
                name="resolution_issued_verifiable",
            ),
            # One live resolution per meeting and per ballot (a cancelled one may be redone).
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(meeting__isnull=False) & ~Q(status="cancelled"),
                name="resolution_one_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["ballot"],
                condition=Q(ballot__isnull=False) & ~Q(status="cancelled"),
                name="resolution_one_per_ballot",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=list(t.FROZEN))
                | (Q(submitted_version__isnull=False) & ~Q(submitted_sha256="")),
                name="resolution_frozen_has_version",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="resolution_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="issued")
                | (
                    ~Q(number="")
                    & Q(sequence__isnull=False, year__isnull=False, issued_at__isnull=False)
                ),
                name="resolution_issued_has_number",
            ),
            # Decree 30, Art. 15: one number per body, document type and year.
            models.UniqueConstraint(
                fields=["body", "document_type", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="resolution_unique_number",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ref(self) -> str:
        return f"resolution:{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in t.EDITABLE


class ResolutionVersion(models.Model):
    """One saved state of the content; never updated. ``number`` counts from 1."""

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The version the author's editor started from (None for the first).
    based_on = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản nghị quyết")
        verbose_name_plural = _("phiên bản nghị quyết")
        ordering = ["resolution", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "number"], name="resolution_version_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="resolution_version_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="resolution_version_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("a resolution version is never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class ResolutionEvent(models.Model):
    """One step in the resolution's life, shown on its page (the audit trail has them all)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Tạo dự thảo")
        EDIT = "edit", _("Lưu phiên bản mới")
        CONSULT = "consult", _("Gửi lấy ý kiến thành viên")
        CLOSE_CONSULTATION = "close_consultation", _("Kết thúc lấy ý kiến")
        SUBMIT = "submit", _("Trình ký")
        RETURN = "return", _("Trả lại")
        CANCEL = "cancel", _("Hủy dự thảo")
        SIGN = "sign", _("Ký ban hành")
        NUMBER = "number", _("Cấp số")
        ISSUE = "issue", _("Phát hành")
        ISSUE_FAILED = "issue_failed", _("Phát hành không thành công")

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version_number = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("bước xử lý nghị quyết")
        verbose_name_plural = _("bước xử lý nghị quyết")
        ordering = ["resolution", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.resolution_id} {self.action}"


class Consultation(models.Model):
    """One round of members' opinions on one version, until a deadline."""

    resolution = models.ForeignKey(
        Resolution, on_delete=models.PROTECT, related_name="consultations"
    )
    number = models.PositiveSmallIntegerField(_("lần lấy ý kiến"))
    version = models.ForeignKey(ResolutionVersion, on_delete=models.PROTECT, related_name="+")
    working_days = models.PositiveSmallIntegerField(_("thời hạn (ngày làm việc)"))
    deadline_at = models.DateTimeField(_("hạn góp ý"))
    message = models.TextField(_("lời nhắn"), max_length=2000, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = _("đợt lấy ý kiến dự thảo nghị quyết")
        verbose_name_plural = _("đợt lấy ý kiến dự thảo nghị quyết")
        ordering = ["resolution", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "number"], name="consultation_unique_number"
            ),
            models.UniqueConstraint(
                fields=["resolution"],
                condition=Q(closed_at__isnull=True),
                name="consultation_one_open",
            ),
            models.CheckConstraint(
                condition=Q(working_days__gte=1, working_days__lte=MAX_CONSULT_WORKING_DAYS),
                name="consultation_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ConsultationRecipient(models.Model):
    """A seat asked for its opinion (one per voting member at sending), and its answer.

    The answer is kept current (a member may change it until the deadline); each change is
    an audit event with the previous answer.
    """

    class Choice(models.TextChoices):
        AGREE = "agree", _("Nhất trí với dự thảo")
        COMMENT = "comment", _("Có ý kiến góp ý")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="recipients"
    )
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    precedence = models.PositiveIntegerField(default=1000)
    choice = models.CharField(
        _("ý kiến"), max_length=10, choices=Choice.choices, blank=True, default=""
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when a substitute answered for the member.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("thành viên được lấy ý kiến dự thảo")
        verbose_name_plural = _("thành viên được lấy ý kiến dự thảo")
        ordering = ["consultation", "precedence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "membership"], name="consultation_recipient_one_per_seat"
            ),
            models.CheckConstraint(
                condition=Q(choice="") | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="consultation_recipient_answer_has_time",
            ),
        ]
        indexes = [models.Index(fields=["user", "consultation"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.consultation}"

    @property
    def has_answered(self) -> bool:
        return bool(self.choice)


class ConsultationComment(models.Model):
    """A member's comment on one section (or on the whole draft: ``section_key`` empty),
    and how the Office handled it."""

    class Handling(models.TextChoices):
        PENDING = "", _("Chưa xử lý")
        ACCEPTED = "accepted", _("Tiếp thu")
        PARTLY = "partly", _("Tiếp thu một phần")
        NOT_ACCEPTED = "not_accepted", _("Không tiếp thu")

    recipient = models.ForeignKey(
        ConsultationRecipient, on_delete=models.PROTECT, related_name="comments"
    )
    section_key = models.CharField(max_length=40, blank=True)
    # The section as the member saw it (the draft may change afterwards).
    section_heading = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("nội dung góp ý"), max_length=4000)
    handling = models.CharField(
        _("xử lý"), max_length=16, choices=Handling.choices, blank=True, default=""
    )
    explanation = models.TextField(_("giải trình"), max_length=4000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ý kiến góp ý dự thảo")
        verbose_name_plural = _("ý kiến góp ý dự thảo")
        ordering = ["recipient", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "section_key"], name="consultation_comment_one_per_section"
            ),
            models.CheckConstraint(
                condition=Q(handling="") | Q(handled_at__isnull=False, handled_by__isnull=False),
                name="consultation_comment_handled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(handling__in=["", "accepted"]) | ~Q(explanation=""),
                name="consultation_comment_refusal_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.section_key or 'general'}"


class ResolutionSettings(models.Model):
    """A body's rules for issuing resolutions. A body without a row uses the defaults."""

    body = models.OneToOneField(Body, on_delete=models.PROTECT, related_name="resolution_settings")
    # True: the system numbers, seals and distributes right after the chair's signature
    # (the automatic issuer). False: a records clerk (văn thư) presses "Phát hành".
    automatic_issue = models.BooleanField(_("tự động phát hành ngay sau khi ký"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cấu hình phát hành nghị quyết")
        verbose_name_plural = _("cấu hình phát hành nghị quyết")

    def __str__(self) -> str:
        return str(self.body)


class ResolutionFile(models.Model):
    """A PDF of a resolution, encrypted in the documents' file store; never updated.

    ``draft``: the frozen version rendered for the chair (shown on the signing page and
    signed byte for byte, one per submitted hash); ``signed``: the chair's PAdES signature
    on it; ``issued``: number, date and the body's seal added in one incremental revision.
    """

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Bản trình ký")
        SIGNED = "signed", _("Bản đã ký")
        ISSUED = "issued", _("Bản phát hành")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The hash of the frozen content the PDF was rendered from.
    version_sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=300)
    wrapped_key = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tệp nghị quyết")
        verbose_name_plural = _("tệp nghị quyết")
        ordering = ["resolution", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "version_sha256"],
                condition=Q(kind="draft"),
                name="resolution_file_one_draft_per_version",
            ),
            models.UniqueConstraint(
                fields=["resolution", "kind"],
                condition=Q(kind__in=["signed", "issued"]),
                name="resolution_file_one_signed_one_issued",
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$")
                & Q(version_sha256__regex=r"^[0-9a-f]{64}$"),
                name="resolution_file_hashes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("a resolution file is never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class ResolutionReceipt(models.Model):
    """An issued resolution in a person's incoming list ("Văn bản đến"): delivered at
    issuance to each person in the system it is addressed to, read when they open it."""

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How the recipients list reached them: all members, by name, through their unit.
    via = models.CharField(max_length=10)
    # Named (a member, a unit): they carry it out and get a handling-ledger item.
    must_act = models.BooleanField(_("tổ chức thực hiện"), default=False)
    delivered_at = models.DateTimeField(_("nhận lúc"))
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)
    # Those who carry it out confirm they took it in hand (their ledger item is then done).
    acknowledged_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")
        ordering = ["-delivered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "user"], name="resolution_receipt_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(read_at__gte=models.F("delivered_at")),
                name="resolution_receipt_read_after_delivery",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(must_act=True, read_at__isnull=False),
                name="resolution_receipt_acknowledged_when_acting",
            ),
        ]
        indexes = [models.Index(fields=["user", "-delivered_at"])]

    def __str__(self) -> str:
        return f"{self.resolution_id} → {self.user_id}"
