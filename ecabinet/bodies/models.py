"""Collegial bodies (the tenants), their units, members, delegations and catalogues.

Every object here belongs to exactly one Body; every query that reaches a user is scoped
to the bodies they belong to (selectors.py), so cross-body access cannot happen by accident.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Body(models.Model):
    """A collegial executive body: the Government, a provincial People's Committee, ..."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Chính phủ")
        PROVINCE = "province", _("Ủy ban nhân dân cấp tỉnh")
        MINISTRY = "ministry", _("Lãnh đạo bộ, ngành")
        BOARD = "board", _("Hội đồng, ban")

    name = models.CharField(_("tên cơ quan"), max_length=200, unique=True)
    short_name = models.CharField(_("tên viết tắt"), max_length=50, blank=True)
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    # Notation used in document numbers, e.g. "CP" in "85/NQ-CP" (Decree 30, Appendix III).
    notation = models.CharField(_("ký hiệu cơ quan"), max_length=20)
    # edXML OrganId of the body (13 characters), used by the exchange later.
    organ_id = models.CharField(_("mã định danh (OrganId)"), max_length=13, blank=True)
    place = models.CharField(_("địa danh"), max_length=100, default="Hà Nội")
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Incremented by every service that changes the row; forms carry it to detect stale edits.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An agency or department attached to a body: a ministry, an Office department, ..."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Bộ, cơ quan ngang bộ")
        OFFICE = "office", _("Văn phòng")
        DEPARTMENT = "department", _("Vụ, đơn vị thuộc Văn phòng")
        AGENCY = "agency", _("Cơ quan, sở, ngành")
        OTHER = "other", _("Khác")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    name = models.CharField(_("tên đơn vị"), max_length=200)
    short_name = models.CharField(_("tên viết tắt"), max_length=50, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["body", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="unit_unique_name_per_body")
        ]

    def __str__(self) -> str:
        return self.name


class CatalogueEntry(models.Model):
    """Common shape of the catalogues the Office manages for its body."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("tên"), max_length=200)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang sử dụng"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Title(CatalogueEntry):
    """A position title (chức danh): Thủ tướng, Phó Thủ tướng, Bộ trưởng, Chuyên viên, ..."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("chức danh")
        verbose_name_plural = _("chức danh")
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="title_unique_name_per_body")
        ]


class MeetingType(CatalogueEntry):
    code = models.SlugField(_("mã"), max_length=40, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("loại cuộc họp")
        verbose_name_plural = _("loại cuộc họp")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "name"], name="meetingtype_unique_name_per_body"
            ),
            models.UniqueConstraint(
                fields=["body", "code"],
                condition=~models.Q(code=""),
                name="meetingtype_unique_code_per_body",
            ),
        ]


class DocumentType(CatalogueEntry):
    # Decree 30, Appendix III: "NQ" for Nghị quyết, "QĐ" for Quyết định, ...
    abbreviation = models.CharField(_("chữ viết tắt"), max_length=10, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("loại văn bản")
        verbose_name_plural = _("loại văn bản")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "name"], name="documenttype_unique_name_per_body"
            ),
            # Document numbers are "<n>/<abbreviation>-<notation>": one type per abbreviation.
            models.UniqueConstraint(
                fields=["body", "abbreviation"],
                condition=~models.Q(abbreviation=""),
                name="documenttype_unique_abbreviation_per_body",
            ),
        ]


class Room(CatalogueEntry):
    location = models.CharField(_("địa điểm"), max_length=200, blank=True)
    seating_rows = models.PositiveSmallIntegerField(_("số hàng ghế"), default=1)
    seats_per_row = models.PositiveSmallIntegerField(_("số ghế mỗi hàng"), default=1)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("phòng họp")
        verbose_name_plural = _("phòng họp")
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="room_unique_name_per_body"),
            models.CheckConstraint(
                condition=models.Q(seating_rows__gte=1, seats_per_row__gte=1),
                name="room_has_seats",
            ),
        ]

    @property
    def capacity(self) -> int:
        return self.seating_rows * self.seats_per_row


class IssuingAgency(CatalogueEntry):
    """An agency that issues or receives documents (cơ quan ban hành)."""

    organ_id = models.CharField(_("mã định danh (OrganId)"), max_length=13, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("cơ quan ban hành")
        verbose_name_plural = _("cơ quan ban hành")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "name"], name="issuingagency_unique_name_per_body"
            ),
            models.UniqueConstraint(
                fields=["body", "organ_id"],
                condition=~models.Q(organ_id=""),
                name="issuingagency_unique_organ_id_per_body",
            ),
        ]


class Role(models.TextChoices):
    """A person's role in a body. Default permissions per role live in permissions.py."""

    CHAIR = "chair", _("Chủ tọa (Thủ tướng, Chủ tịch)")
    VICE_CHAIR = "vice_chair", _("Phó Chủ tọa (Phó Thủ tướng, Phó Chủ tịch)")
    MEMBER = "member", _("Thành viên")
    OFFICE_LEADER = "office_leader", _("Lãnh đạo Văn phòng")
    OFFICE_HEAD = "office_head", _("Vụ trưởng")
    OFFICE_STAFF = "office_staff", _("Chuyên viên Văn phòng")
    RECORDS_CLERK = "records_clerk", _("Văn thư")
    AGENCY = "agency", _("Cơ quan trình")
    DEPUTY = "deputy", _("Người được cử dự thay")
    OBSERVER = "observer", _("Khách mời, quan sát viên")
    SECURITY = "security", _("Cán bộ an ninh, bảo mật")
    BODY_ADMIN = "body_admin", _("Quản trị cơ quan")


class Membership(models.Model):
    """A person's place in a body: role, title, unit, order of precedence."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    title = models.ForeignKey(
        Title, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("chức danh")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("đơn vị")
    )
    # Order of precedence (thứ tự ưu tiên): 1 is the chair.
    precedence = models.PositiveIntegerField(_("thứ tự"), default=1000)
    extra_permissions = models.JSONField(_("quyền bổ sung"), default=list, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        ordering = ["body", "precedence", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], name="membership_one_per_body")
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.body.short_name or self.body})"


class Mandate(models.TextChoices):
    """What a substitute may do in the principal's place (the scope of a delegation)."""

    ATTEND = "attend", _("Dự họp")
    SPEAK = "speak", _("Phát biểu")
    VOTE = "vote", _("Biểu quyết")
    GIVE_OPINIONS = "give_opinions", _("Cho ý kiến")


class Delegation(models.Model):
    """A member names a substitute (cử người tham gia thay) with a scoped mandate.

    Scope is a period; a delegation for one meeting is a period covering that meeting
    until the meetings issue adds the link (docs/decisions/).
    """

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="delegations")
    principal = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("thành viên ủy quyền"),
    )
    substitute = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("người dự thay"),
    )
    starts_at = models.DateTimeField(_("từ"))
    ends_at = models.DateTimeField(_("đến"))
    can_attend = models.BooleanField(_("dự họp"), default=True)
    can_speak = models.BooleanField(_("phát biểu"), default=False)
    can_vote = models.BooleanField(_("biểu quyết"), default=False)
    can_give_opinions = models.BooleanField(_("cho ý kiến"), default=False)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ủy quyền dự thay")
        verbose_name_plural = _("ủy quyền dự thay")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(principal=models.F("substitute")),
                name="delegation_not_to_self",
            ),
            models.CheckConstraint(
                condition=models.Q(can_attend=True)
                | models.Q(can_speak=True)
                | models.Q(can_vote=True)
                | models.Q(can_give_opinions=True),
                name="delegation_has_mandate",
            ),
        ]
        indexes = [
            models.Index(fields=["principal", "starts_at", "ends_at"]),
            models.Index(fields=["substitute", "starts_at", "ends_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.principal.user} → {self.substitute.user}"

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Chưa bắt đầu")
        ACTIVE = "active", _("Đang hiệu lực")
        ENDED = "ended", _("Đã hết hạn")
        REVOKED = "revoked", _("Đã thu hồi")

    def mandates(self) -> frozenset[str]:
        """The mandate codes (``Mandate``) this delegation carries."""
        flags = {
            Mandate.ATTEND: self.can_attend,
            Mandate.SPEAK: self.can_speak,
            Mandate.VOTE: self.can_vote,
            Mandate.GIVE_OPINIONS: self.can_give_opinions,
        }
        return frozenset(str(code) for code, on in flags.items() if on)

    def mandate_labels(self) -> list[str]:
        return [str(label) for code, label in Mandate.choices if code in self.mandates()]

    def status_at(self, at: datetime) -> Delegation.Status:
        if self.revoked_at is not None:
            return Delegation.Status.REVOKED
        if at < self.starts_at:
            return Delegation.Status.UPCOMING
        if at < self.ends_at:
            return Delegation.Status.ACTIVE
        return Delegation.Status.ENDED
