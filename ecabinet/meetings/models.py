"""Meetings of a collegial body (phiên họp): preparation, and the rows the live session uses.

Preparation (this issue): the Office creates a meeting (type, time, room or place, chair,
secretary) with its agenda; each agenda item names its presenting unit (cơ quan trình), which
uploads the item's papers; the Office approves each paper or returns it with a reason. The
Office then sends the invitations (giấy mời, a Decree 30 PDF) to every voting member, who
confirms, declines with a reason or names a substitute (a ``bodies.Delegation`` for the
meeting's time window); the Office publishes the papers to everyone invited.

Where things live:

- ``Meeting.dossier`` holds the meeting's own papers (the invitation PDF). Each agenda item
  gets its own dossier (``AgendaItem.dossier``) for the unit that presents it, created at the
  first upload: the documents app lets a submitting agency add to and read only the dossiers
  of its own unit, so one shared dossier would lock the agencies out of their own papers.
  Every one of these dossiers carries ``meeting_ref = "meeting:<id>"`` for the search.
- ``ItemDocument`` is the Office's decision on one uploaded paper (submitted → approved or
  returned with a reason), pinned to the version that was submitted.
- ``Invitation`` is one seat asked to attend (one per voting member at sending, frozen then:
  later members are not added). A substitute's mandate is the linked ``Delegation``; the live
  session reads it from there (``delegation.mandates()``, not revoked), since a meeting may
  run past ``ends_at`` where ``bodies.selectors.mandate_of(now)`` would no longer see it.
- ``Position`` (pre-meeting stance on an item) and ``AgendaItem.block``/``outcome`` and
  ``Meeting.seq`` are reserved for the positions step and the live session.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecabinet.bodies.models import Body, Delegation, MeetingType, Membership, Role, Room, Unit
from ecabinet.meetings import transitions as t

DEFAULT_INVITATION_DAYS = 3
MAX_INVITATION_DAYS = 30
DEFAULT_POSITIONS_CUTOFF_HOURS = 24
MAX_POSITIONS_CUTOFF_HOURS = 168
MAX_PLANNED_MINUTES = 600


class MeetingSettings(models.Model):
    """A body's rules for meetings. A body without a row uses the field defaults.

    ``invitation_days`` counts WORKING days (Vietnamese weekends and public holidays excluded,
    ``core.calendar``): the invitations must go out no later than the meeting's start time
    minus that many working days, at the same time of day.
    """

    body = models.OneToOneField(Body, on_delete=models.PROTECT, related_name="meeting_settings")
    invitation_days = models.PositiveSmallIntegerField(
        _("gửi giấy mời trước (ngày làm việc)"), default=DEFAULT_INVITATION_DAYS
    )
    positions_cutoff_hours = models.PositiveSmallIntegerField(
        _("hạn cho ý kiến trước cuộc họp (giờ)"), default=DEFAULT_POSITIONS_CUTOFF_HOURS
    )
    # A session needs this share of ALL members present (two thirds by default, Law on
    # Government Organisation 2015); used by the live session's quorum check.
    quorum_numerator = models.PositiveSmallIntegerField(_("tỷ lệ tối thiểu (tử số)"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("tỷ lệ tối thiểu (mẫu số)"), default=3)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cấu hình cuộc họp")
        verbose_name_plural = _("cấu hình cuộc họp")
        constraints = [
            models.CheckConstraint(
                condition=Q(invitation_days__lte=MAX_INVITATION_DAYS),
                name="meeting_settings_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(positions_cutoff_hours__lte=MAX_POSITIONS_CUTOFF_HOURS),
                name="meeting_settings_cutoff_in_range",
            ),
            models.CheckConstraint(
                condition=Q(quorum_numerator__gte=1)
                & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="meeting_settings_quorum_fraction",
            ),
        ]

    def __str__(self) -> str:
        return str(self.body)


class Meeting(models.Model):
    """One meeting of a body, from the Office's draft to its closing."""

    class Status(models.TextChoices):
        DRAFT = t.DRAFT, _("Đang chuẩn bị")
        SCHEDULED = t.SCHEDULED, _("Đã gửi giấy mời")
        DOCUMENTS_PUBLISHED = t.DOCUMENTS_PUBLISHED, _("Đã gửi tài liệu")
        IN_SESSION = t.IN_SESSION, _("Đang họp")
        ADJOURNED = t.ADJOURNED, _("Tạm dừng")
        CLOSED = t.CLOSED, _("Đã kết thúc")
        CANCELLED = t.CANCELLED, _("Đã hủy")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    meeting_type = models.ForeignKey(
        MeetingType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại cuộc họp")
    )
    title = models.CharField(_("tên cuộc họp"), max_length=300)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    room = models.ForeignKey(
        Room,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng họp"),
    )
    # What the invitation prints as the place; empty: the room's name and location.
    place = models.CharField(_("địa điểm"), max_length=300, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chủ trì"),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("thư ký cuộc họp"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    # Members' positions on the items are taken until then (starts_at minus the body's
    # positions_cutoff_hours, recomputed when the time changes).
    positions_cutoff_at = models.DateTimeField(_("hạn cho ý kiến trước cuộc họp"))
    dossier = models.ForeignKey(
        "documents.Dossier", on_delete=models.PROTECT, related_name="meetings"
    )
    invitation_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    documents_published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("lý do hủy"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The live session's event sequence number (one per meeting, DESIGN.md "Real-time").
    seq = models.PositiveBigIntegerField(default=0)
    # The live session (meetings/live/): when it opened, the item on the floor, and the seq
    # of the last chair action (a console that saw an older seq is stale, decision 1001).
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    control_seq = models.PositiveBigIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["body", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="meeting_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        t.SCHEDULED,
                        t.DOCUMENTS_PUBLISHED,
                        t.IN_SESSION,
                        t.ADJOURNED,
                        t.CLOSED,
                    ]
                )
                | Q(invitations_sent_at__isnull=False),
                name="meeting_scheduled_has_invitations",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ref(self) -> str:
        """The reference the dossiers and the search carry (``meeting:<id>``)."""
        return f"meeting:{self.pk}"

    @property
    def place_text(self) -> str:
        """The place as the invitation prints it."""
        if self.place:
            return self.place
        if self.room is not None:
            return ", ".join(p for p in (self.room.name, self.room.location) if p)
        return ""

    @property
    def is_preparing(self) -> bool:
        return self.status in t.PREPARING


class AgendaItem(models.Model):
    """One item of the agenda (nội dung họp), presented by a unit, with its papers."""

    class Status(models.TextChoices):
        PLANNED = t.ITEM_PLANNED, _("Dự kiến")
        POSITIONS_OPEN = t.ITEM_POSITIONS_OPEN, _("Đang lấy ý kiến trước họp")
        CONSENT = t.ITEM_CONSENT, _("Thông qua không thảo luận")
        DISCUSSION = t.ITEM_DISCUSSION, _("Cần thảo luận")
        IN_DISCUSSION = t.ITEM_IN_DISCUSSION, _("Đang thảo luận")
        VOTING = t.ITEM_VOTING, _("Đang biểu quyết")
        VOTED = t.ITEM_VOTED, _("Đã biểu quyết, chờ kết luận")
        CONCLUDED = t.ITEM_CONCLUDED, _("Đã kết luận")

    class Block(models.TextChoices):
        """Set by the positions step: consent items pass without discussion."""

        NONE = "", _("Chưa phân loại")
        CONSENT = "consent", _("Thông qua không thảo luận")
        DISCUSSION = "discussion", _("Thảo luận")

    class Outcome(models.TextChoices):
        """Set by the live session when the item is concluded."""

        NONE = "", _("Chưa kết luận")
        ADOPTED = "adopted", _("Thông qua")
        REJECTED = "rejected", _("Không thông qua")
        DEFERRED = "deferred", _("Hoãn xem xét")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    title = models.CharField(_("tên nội dung"), max_length=300)
    summary = models.TextField(_("tóm tắt"), max_length=4000, blank=True)
    presenting_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan trình"),
    )
    planned_minutes = models.PositiveSmallIntegerField(_("thời lượng dự kiến (phút)"), default=30)
    needs_decision = models.BooleanField(_("cần quyết định"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    block = models.CharField(max_length=12, choices=Block.choices, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    # The item's papers; created at the first upload for the presenting unit (module doc).
    dossier = models.ForeignKey(
        "documents.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    # Set by the live session: when the chair took the item up and moved on from it.
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("nội dung họp")
        verbose_name_plural = _("nội dung họp")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="agenda_item_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="agenda_item_number_positive"),
            models.CheckConstraint(
                condition=Q(planned_minutes__gte=1, planned_minutes__lte=MAX_PLANNED_MINUTES),
                name="agenda_item_minutes_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class ItemDocument(models.Model):
    """A paper submitted for an agenda item and the Office's decision on it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Chờ Văn phòng duyệt")
        APPROVED = "approved", _("Đã duyệt")
        RETURNED = "returned", _("Bị trả lại")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    # The version that was submitted and is approved: a later version uploaded through the
    # documents pages is not approved by this decision.
    document_version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    reason = models.CharField(_("lý do trả lại"), max_length=1000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tài liệu nội dung họp")
        verbose_name_plural = _("tài liệu nội dung họp")
        ordering = ["item", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "document"], name="item_document_once"),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False),
                name="item_document_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(reason=""),
                name="item_document_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.document_id} ({self.status})"


class Invitation(models.Model):
    """A voting member asked to attend (giấy mời), and their answer."""

    class Response(models.TextChoices):
        PENDING = "pending", _("Chưa trả lời")
        ACCEPTED = "accepted", pgettext_lazy("invitation answer", "Dự họp")
        DECLINED = "declined", _("Vắng mặt")
        SUBSTITUTED = "substituted", _("Cử người dự thay")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="invitations")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The member's role and order of precedence at sending (the order of the answers list).
    role = models.CharField(max_length=20, choices=Role.choices)
    precedence = models.PositiveIntegerField(default=1000)
    response = models.CharField(
        _("trả lời"), max_length=12, choices=Response.choices, default=Response.PENDING
    )
    reason = models.CharField(_("lý do"), max_length=1000, blank=True)
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người dự thay"),
    )
    delegation = models.ForeignKey(
        Delegation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # True when answering created the delegation (for this meeting only): changing the answer
    # or cancelling the meeting revokes it. False when it links a period delegation the
    # member had already given to the same person, which is left alone.
    owns_delegation = models.BooleanField(default=False)
    responded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("giấy mời")
        verbose_name_plural = _("giấy mời")
        ordering = ["meeting", "precedence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"], name="invitation_one_per_seat"
            ),
            models.CheckConstraint(
                condition=~Q(response="declined") | ~Q(reason=""),
                name="invitation_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(response="substituted")
                | Q(substitute__isnull=False, delegation__isnull=False),
                name="invitation_substituted_has_delegation",
            ),
            models.CheckConstraint(
                condition=Q(response="pending") | Q(responded_at__isnull=False),
                name="invitation_answered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["user", "response"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.meeting}"


class Position(models.Model):
    """A member's position on an agenda item before the meeting (reserved for that step)."""

    class Stance(models.TextChoices):
        NO_OBJECTION = "no_objection", _("Không có ý kiến khác")
        COMMENT = "comment", _("Có ý kiến")
        OBJECT = "object", _("Đề nghị thảo luận")

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="positions")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    # Who wrote it: the member, or their substitute.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("ý kiến"), max_length=16, choices=Stance.choices)
    text = models.TextField(_("nội dung"), max_length=4000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ý kiến trước cuộc họp")
        verbose_name_plural = _("ý kiến trước cuộc họp")
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "membership"], name="position_one_per_seat")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.stance}"


# --- The live session (meetings/live/, docs/decisions/1001-meetings-live.md) ----------------


class LiveMode(models.TextChoices):
    ROOM = "room", _("Tại phòng họp")
    REMOTE = "remote", _("Trực tuyến")


class Attendance(models.Model):
    """One check-in of one person: a member in their own seat, a substitute for a member, or
    a guest. Checking in again changes the mode of the open row; leaving closes it."""

    class Capacity(models.TextChoices):
        MEMBER = "member", _("Thành viên")
        SUBSTITUTE = "substitute", _("Người dự thay")
        GUEST = "guest", _("Khách mời")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The person's own membership in the body (a guest from outside would have none).
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.CharField(max_length=12, choices=Capacity.choices)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The seat (a member's own, or the one a substitute stands in for).
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=8, choices=LiveMode.choices, default=LiveMode.ROOM)
    checked_in_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        ordering = ["meeting", "checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(left_at__isnull=True),
                name="attendance_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(capacity="substitute") | Q(on_behalf_of__isnull=False),
                name="attendance_substitute_names_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.meeting_id}"


class FloorRequest(models.Model):
    """A request for the floor: to speak, or to question (đăng ký chất vấn)."""

    class Kind(models.TextChoices):
        SPEAK = "speak", _("Phát biểu")
        QUESTION = "question", _("Chất vấn")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Đang chờ")
        CALLED = "called", _("Đã được mời")
        SPEAKING = "speaking", _("Đang phát biểu")
        DONE = "done", _("Đã phát biểu")
        CANCELLED = "cancelled", _("Đã hủy")

    ACTIVE = ("waiting", "called", "speaking")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="floor_requests")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    requested_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đăng ký phát biểu")
        verbose_name_plural = _("đăng ký phát biểu")
        ordering = ["meeting", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind"],
                condition=Q(status__in=["waiting", "called", "speaking"]),
                name="floor_one_active_request",
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind"],
                condition=Q(status="speaking"),
                name="floor_one_speaker_per_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.kind}, {self.status})"


class Poll(models.Model):
    """A vote (biểu quyết) on one item or on the whole consent block.

    The electorate (ALL voting members at opening), the quorum and the papers' hashes are
    frozen when it opens; the named results and the outcome when it closes.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Đang biểu quyết")
        CLOSED = "closed", _("Đã kết thúc")

    class Outcome(models.TextChoices):
        NONE = "", _("Chưa có kết quả")
        ADOPTED = "adopted", _("Thông qua")
        ADOPTED_TIE = "adopted_tie", _("Thông qua (ngang phiếu, có Chủ tọa)")
        REJECTED = "rejected", _("Không thông qua")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="polls")
    items = models.ManyToManyField(AgendaItem, related_name="polls")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    electorate = models.PositiveIntegerField()
    quorum = models.JSONField(default=dict)
    # {paper name: SHA-256} of the items' approved papers at opening (what voters sign on).
    documents = models.JSONField(default=dict)
    results = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("biểu quyết")
        verbose_name_plural = _("biểu quyết")
        ordering = ["meeting", "opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(status="open"), name="poll_one_open_per_meeting"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False, results__isnull=False),
                name="poll_closed_has_results",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One seat's signed vote in a poll: by the member, or by their substitute."""

    class Choice(models.TextChoices):
        AGREE = "agree", _("Đồng ý")
        DISAGREE = "disagree", _("Không đồng ý")
        OTHER = "other", _("Ý kiến khác")

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="votes")
    # The seat: the invited member's membership, whoever casts its vote.
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=10, choices=Choice.choices)
    statement = models.OneToOneField(
        "signatures.SignedStatement", on_delete=models.PROTECT, related_name="+"
    )
    # Chosen by the client per vote: a retry after a reconnect is recognised, not recounted.
    idempotency_key = models.UUIDField(unique=True)
    mode = models.CharField(max_length=8, choices=LiveMode.choices, default=LiveMode.ROOM)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("phiếu biểu quyết")
        verbose_name_plural = _("phiếu biểu quyết")
        ordering = ["poll", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "membership"], name="vote_one_per_seat")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.membership_id} {self.choice}"


class MinuteNote(models.Model):
    """A note the secretary takes on an item during the session (for the minutes)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="minute_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ghi chép biên bản")
        verbose_name_plural = _("ghi chép biên bản")
        ordering = ["item", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.text[:40]}"


class Conclusion(models.Model):
    """The conclusion recorded for an item (adopted, rejected, deferred); feeds the
    resolution. Amending it bumps ``version``; the audit trail keeps every text."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("Thông qua")
        REJECTED = "rejected", _("Không thông qua")
        DEFERRED = "deferred", _("Hoãn xem xét")

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="conclusion")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    text = models.TextField(max_length=8000, blank=True)
    attachment = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("kết luận")
        verbose_name_plural = _("kết luận")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.outcome}"
