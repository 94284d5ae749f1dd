"""Opinion ballots (phiếu lấy ý kiến thành viên): proposal, draft, review route, answers,
summary report and the chair's decision.

A ballot starts as a submitting agency's proposal (tờ trình) with its dossier, is drafted
and routed through the Office, approved by the chair with a signature and sent to the
members with a deadline. Each member's answer is one signed statement covering every
question; a later answer supersedes the earlier one, both are kept. What the law counts
(the number of members, the chair, the rule for members who do not answer) is frozen on the
ballot when it is sent, never recomputed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecabinet.bodies.models import Body, Membership, Role, Unit

DEFAULT_ANSWER_WORKING_DAYS = 5
MAX_ANSWER_WORKING_DAYS = 30
# Roles that may hold a step of the Office's review route, in the usual order.
ROUTE_ROLES: tuple[str, ...] = (Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.OFFICE_LEADER)


def default_review_route() -> list[str]:
    """Chuyên viên drafts; vụ trưởng, then lãnh đạo Văn phòng review; the chair approves."""
    return [str(Role.OFFICE_HEAD), str(Role.OFFICE_LEADER)]


class NonAnswerRule(models.TextChoices):
    """What a member who has not answered by the deadline counts as."""

    NOT_ANSWERED = "not_answered", _("Tính là không có ý kiến")
    AGREE = "agree", _("Tính là đồng ý")


class Choice(models.TextChoices):
    AGREE = "agree", _("Đồng ý")
    DISAGREE = "disagree", _("Không đồng ý")
    OTHER = "other", _("Ý kiến khác")


# The words written into signed statements and the report: content, not interface, so they
# stay Vietnamese whatever language the signer reads the site in.
CHOICE_CONTENT = {
    Choice.AGREE: "Đồng ý",
    Choice.DISAGREE: "Không đồng ý",
    Choice.OTHER: "Ý kiến khác",
}


class BallotSettings(models.Model):
    """A body's rules for ballots. A body without a row uses the field defaults."""

    body = models.OneToOneField(Body, on_delete=models.PROTECT, related_name="ballot_settings")
    answer_working_days = models.PositiveSmallIntegerField(
        _("thời hạn trả lời mặc định (ngày làm việc)"), default=DEFAULT_ANSWER_WORKING_DAYS
    )
    non_answer_rule = models.CharField(
        _("thành viên không trả lời"),
        max_length=20,
        choices=NonAnswerRule.choices,
        default=NonAnswerRule.NOT_ANSWERED,
    )
    # Roles of the review steps between the drafter and the chair, in order.
    review_route = models.JSONField(_("trình tự xem xét"), default=default_review_route)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cấu hình phiếu lấy ý kiến")
        verbose_name_plural = _("cấu hình phiếu lấy ý kiến")
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_working_days__gte=1, answer_working_days__lte=30),
                name="ballot_settings_days_in_range",
            )
        ]

    def __str__(self) -> str:
        return str(self.body)


class Ballot(models.Model):
    """One opinion ballot, from the agency's proposal to the chair's decision."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn thảo")
        IN_REVIEW = "in_review", _("Đang trình duyệt")
        AWAITING_APPROVAL = "awaiting_approval", _("Chờ phê duyệt gửi")
        OPEN = "open", _("Đang lấy ý kiến")
        CLOSED = "closed", _("Đã hết hạn lấy ý kiến")
        SUMMARISED = "summarised", _("Đã có báo cáo tổng hợp")
        DECIDED = "decided", _("Đã có quyết định")
        WITHDRAWN = "withdrawn", _("Đã rút")

    class CloseReason(models.TextChoices):
        DEADLINE = "deadline", _("Đến hạn trả lời")
        ALL_ANSWERED = "all_answered", _("Tất cả thành viên đã trả lời")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="ballots")
    # The submitting agency (cơ quan trình); None when the Office itself proposes.
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ballots",
        verbose_name=_("cơ quan trình"),
    )
    title = models.CharField(_("trích yếu"), max_length=300)
    proposal_number = models.CharField(_("số, ký hiệu tờ trình"), max_length=60, blank=True)
    proposal_summary = models.TextField(_("nội dung đề nghị"), blank=True)
    dossier = models.ForeignKey(
        "documents.Dossier", on_delete=models.PROTECT, related_name="ballots"
    )
    # A corrected ballot points at the one it replaces (questions cannot change after sending).
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    deadline_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chuyên viên theo dõi"),
    )
    # The review route (roles) as it was when the draft was last submitted, and where it is.
    route = models.JSONField(default=list, blank=True)
    review_step = models.PositiveSmallIntegerField(default=0)
    # Each submission starts a new cycle: a step is decided once per cycle (a constraint).
    cycle = models.PositiveSmallIntegerField(default=0)
    # Frozen when sent: every voting member of the body then, the rule for non-answers, the
    # chair (whose side wins a tie).
    electorate = models.PositiveSmallIntegerField(null=True, blank=True)
    non_answer_rule = models.CharField(
        max_length=20, choices=NonAnswerRule.choices, default=NonAnswerRule.NOT_ANSWERED
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_statement = models.ForeignKey(
        "signatures.SignedStatement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(
        max_length=20, choices=CloseReason.choices, blank=True, default=""
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(_("lý do rút"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("phiếu lấy ý kiến")
        verbose_name_plural = _("phiếu lấy ý kiến")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["body", "-created_at"]),
            # The closing scan: open ballots by deadline.
            models.Index(fields=["status", "deadline_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["open", "closed", "summarised", "decided"])
                | Q(sent_at__isnull=False, deadline_at__isnull=False, electorate__isnull=False),
                name="ballot_sent_has_deadline_and_electorate",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="ballot_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ref(self) -> str:
        """The reference the dossier and the search carry (``ballot:<id>``)."""
        return f"ballot:{self.pk}"

    @property
    def required_agree(self) -> int:
        """More than half of ALL members: the smallest count that passes without a tie."""
        return (self.electorate or 0) // 2 + 1

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class Question(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="questions")
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    text = models.TextField(_("nội dung xin ý kiến"), max_length=2000)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["ballot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "number"], name="question_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="question_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:80]}"


class Recipient(models.Model):
    """A seat the ballot asks: one voting member. Its current answer is the latest signed."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="recipients")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The member's role and order of precedence when the ballot was drafted (report order).
    role = models.CharField(max_length=20, choices=Role.choices)
    precedence = models.PositiveIntegerField(default=1000)
    current_answer = models.OneToOneField(
        "Answer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thành viên được lấy ý kiến")
        verbose_name_plural = _("thành viên được lấy ý kiến")
        ordering = ["ballot", "precedence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "membership"], name="recipient_one_per_seat")
        ]
        indexes = [models.Index(fields=["user", "ballot"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.ballot}"


class AnswerDraft(models.Model):
    """The answer being prepared for a seat (by the member, an assistant or a substitute).

    ``choices`` maps a question's id to ``{"choice": ..., "comment": ...}``. Never signed
    itself: signing turns it into an ``Answer``.
    """

    recipient = models.OneToOneField(Recipient, on_delete=models.CASCADE, related_name="draft")
    choices = models.JSONField(default=dict)
    attachment = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("dự thảo ý kiến")
        verbose_name_plural = _("dự thảo ý kiến")

    def __str__(self) -> str:
        return f"draft {self.recipient_id}"


class Answer(models.Model):
    """A signed answer of one seat to every question; never updated.

    A later answer of the same seat supersedes this one (``supersedes`` is unique, so the
    answers of a seat form one chain even under concurrent signing); one answer per step-up
    confirmation (``challenge_id`` is unique), so a double click signs once.
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="answers")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="answers")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The member a substitute answered for (the statement says so too).
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.OneToOneField(
        "signatures.SignedStatement", on_delete=models.PROTECT, related_name="+"
    )
    challenge_id = models.PositiveBigIntegerField(unique=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    attachment = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ý kiến đã ký")
        verbose_name_plural = _("ý kiến đã ký")
        ordering = ["ballot", "recipient", "created_at", "pk"]
        constraints = [
            # Only the first answer of a seat supersedes nothing.
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(supersedes__isnull=True),
                name="answer_one_first_per_seat",
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer} — {self.ballot}"


class AnswerItem(models.Model):
    """One question's choice and comment inside a signed answer."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    comment = models.TextField(blank=True, max_length=4000)

    class Meta:
        verbose_name = _("ý kiến từng câu hỏi")
        verbose_name_plural = _("ý kiến từng câu hỏi")
        ordering = ["answer", "question__number"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "question"], name="answer_item_one_per_q"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice}"


class RouteEvent(models.Model):
    """One move on the ballot's route: who held it, what they did, when (shown on the page)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Trình đề nghị")
        SUBMIT = "submit", pgettext_lazy("ballot route", "Trình duyệt")
        FORWARD = "forward", _("Đồng ý, trình tiếp")
        RETURN = "return", _("Trả lại")
        APPROVE = "approve", _("Phê duyệt gửi phiếu")
        CLOSE = "close", _("Kết thúc lấy ý kiến")
        REPORT = "report", _("Ký báo cáo tổng hợp")
        DECIDE = "decide", _("Ghi nhận quyết định")
        WITHDRAW = "withdraw", _("Rút phiếu")

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="route_events")
    cycle = models.PositiveSmallIntegerField(default=0)
    step = models.SmallIntegerField(default=-1)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("bước xử lý phiếu")
        verbose_name_plural = _("bước xử lý phiếu")
        ordering = ["ballot", "at", "pk"]
        constraints = [
            # A review step is decided once per cycle: two reviewers acting at the same time
            # cannot both pass it (the service's lock and state check come first).
            models.UniqueConstraint(
                fields=["ballot", "cycle", "step"],
                condition=Q(action__in=["forward", "return", "approve"]),
                name="route_one_decision_per_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} {self.action}"

    @property
    def reason_text(self) -> str:
        """The reason as shown: a closing's reason code becomes its label."""
        if self.action == self.Action.CLOSE and self.reason in Ballot.CloseReason.values:
            return str(Ballot.CloseReason(self.reason).label)
        return self.reason


class Report(models.Model):
    """The summary report: the PDF prepared for signature, then the signed document."""

    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, related_name="report")
    draft_pdf = models.BinaryField(null=True, blank=True)
    draft_sha256 = models.CharField(max_length=64, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    # The signed PDF; a copy is filed into the ballot's dossier by a background task
    # (tasks.file_report), where members read it with the documents viewer.
    signed_pdf = models.BinaryField(null=True, blank=True)
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("báo cáo tổng hợp ý kiến")
        verbose_name_plural = _("báo cáo tổng hợp ý kiến")

    def __str__(self) -> str:
        return f"report {self.ballot_id}"


class Decision(models.Model):
    """The chair's decision on the summary report, as a signed statement; never updated."""

    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, related_name="decision")
    text = models.TextField(_("nội dung quyết định"), max_length=4000)
    statement = models.OneToOneField(
        "signatures.SignedStatement", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = _("quyết định của Chủ tọa")
        verbose_name_plural = _("quyết định của Chủ tọa")

    def __str__(self) -> str:
        return f"decision {self.ballot_id}"


class Assistant(models.Model):
    """A person a member names to prepare draft answers (trợ lý, thư ký); never signs."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    principal = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    assistant = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("trợ lý chuẩn bị ý kiến")
        verbose_name_plural = _("trợ lý chuẩn bị ý kiến")
        ordering = ["body", "principal", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "assistant"],
                condition=Q(revoked_at__isnull=True),
                name="assistant_one_active_pair",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("assistant")), name="assistant_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistant_id} → {self.principal_id}"
