"""People who use ecabinet, and the record of their logins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. What they may do comes from their memberships in bodies (bodies app).

    ``is_superuser`` marks the system administrator, who manages bodies, units and users
    across the installation.
    """

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("họ và tên"), max_length=150)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, choices=[("vi", "Tiếng Việt"), ("en", "English")], default="vi"
    )
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["full_name", "username"]
        constraints = [
            # "Chair" and "chair" must not be two accounts: login is case-insensitive.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique")
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username


class LoginEvent(models.Model):
    """One authentication event, for the login log the administrator filters."""

    class Kind(models.TextChoices):
        SUCCESS = "success", _("Đăng nhập thành công")
        FAILURE = "failure", _("Sai mật khẩu")
        LOCKED = "locked", _("Tài khoản bị khóa tạm thời")
        OTP_FAILURE = "otp_failure", _("Sai mã xác thực hai lớp")
        OTP_SUCCESS = "otp_success", _("Xác thực hai lớp thành công")
        RECOVERY_USED = "recovery_used", _("Dùng mã khôi phục")
        LOGOUT = "logout", _("Đăng xuất")
        PASSWORD_CHANGED = "password_changed", _("Đổi mật khẩu")
        BLOCKED = "blocked", _("Từ chối vì tài khoản đang bị khóa")
        INACTIVE = "inactive", _("Tài khoản đã bị vô hiệu hóa")

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events"
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=300, blank=True)
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("nhật ký đăng nhập")
        verbose_name_plural = _("nhật ký đăng nhập")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"]), models.Index(fields=["username", "-at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class UsedRecoveryCode(models.Model):
    """A recovery code that has been spent, kept as a digest.

    django-otp deletes a static token when it is used; this record lets the second step tell
    the user that a code was already used (and when) instead of calling it simply wrong.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(_("thời điểm sử dụng"))

    class Meta:
        verbose_name = _("mã khôi phục đã dùng")
        verbose_name_plural = _("mã khôi phục đã dùng")
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="accounts_used_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.used_at:%Y-%m-%d %H:%M}"


class SigningWindow(models.Model):
    """A period in which one session may confirm signatures for one scope without a new code.

    Opened with a TOTP code for a live meeting, so that each vote needs only an explicit
    confirmation of its exact content (docs/decisions/0601-step-up.md). Bound to the user,
    the session that opened it (as a digest of its key) and the authenticator used.
    """

    class Scope(models.TextChoices):
        MEETING = "meeting", _("Cuộc họp")

    class CloseReason(models.TextChoices):
        USER = "user", _("Người dùng đóng")
        LOGOUT = "logout", _("Đăng xuất")
        DEVICE_CHANGED = "device_changed", _("Dùng thiết bị xác thực khác")
        SCOPE_CLOSED = "scope_closed", _("Cuộc họp đã kết thúc")
        EXPIRED = "expired", _("Hết thời hạn")
        REPLACED = "replaced", _("Được thay bằng phiên ký mới")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signing_windows")
    scope_type = models.CharField(_("phạm vi"), max_length=30, choices=Scope.choices)
    scope_id = models.CharField(_("mã phạm vi"), max_length=100)
    opened_at = models.DateTimeField(_("mở lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    close_reason = models.CharField(
        _("lý do đóng"), max_length=20, choices=CloseReason.choices, blank=True
    )
    session_key_hash = models.CharField(max_length=64)
    device_id = models.CharField(_("thiết bị xác thực"), max_length=255)

    class Meta:
        verbose_name = _("phiên ký")
        verbose_name_plural = _("phiên ký")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["scope_type", "scope_id"])]
        constraints = [
            # One open window per session and scope: opening again replaces the old one.
            models.UniqueConstraint(
                fields=["user", "session_key_hash", "scope_type", "scope_id"],
                condition=models.Q(closed_at__isnull=True),
                name="accounts_one_open_signing_window",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, close_reason="")
                | (models.Q(closed_at__isnull=False) & ~models.Q(close_reason="")),
                name="accounts_signing_window_close_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("opened_at")),
                name="accounts_signing_window_expires_after_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scope_type}:{self.scope_id} {self.opened_at:%Y-%m-%d %H:%M}"


class StepUpChallenge(models.Model):
    """One request to re-confirm the second factor for one exact content, signed once.

    ``content_hash`` is the SHA-256 of the canonical bytes the signing code will sign;
    ``summary`` is what the signer reads before confirming. The challenge is confirmed
    once (a code, or an open signing window) and consumed once, right before signing.
    """

    class Method(models.TextChoices):
        TOTP = "totp", _("Mã xác thực")
        WINDOW = "window", _("Phiên ký đang mở")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="stepup_challenges")
    purpose = models.CharField(_("mục đích"), max_length=50)
    content_hash = models.CharField(_("mã băm nội dung"), max_length=64)
    summary = models.TextField(_("nội dung hiển thị"))
    window_scope_type = models.CharField(
        max_length=30, choices=SigningWindow.Scope.choices, blank=True
    )
    window_scope_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), db_index=True)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    confirmation_method = models.CharField(
        _("cách xác nhận"), max_length=10, choices=Method.choices, blank=True
    )
    consumed_at = models.DateTimeField(_("sử dụng lúc"), null=True, blank=True)
    session_key_hash = models.CharField(max_length=64)
    device_id = models.CharField(_("thiết bị xác thực"), max_length=255, blank=True)
    window = models.ForeignKey(
        SigningWindow,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
    )

    class Meta:
        verbose_name = _("yêu cầu xác nhận ký")
        verbose_name_plural = _("yêu cầu xác nhận ký")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True, confirmation_method="")
                | models.Q(confirmed_at__isnull=False, confirmation_method__in=["totp", "window"]),
                name="accounts_stepup_confirmation_method",
            ),
            # Nothing is signed without a confirmation first.
            models.CheckConstraint(
                condition=models.Q(consumed_at__isnull=True) | models.Q(confirmed_at__isnull=False),
                name="accounts_stepup_consumed_after_confirmed",
            ),
            models.CheckConstraint(
                condition=~models.Q(confirmation_method="window") | models.Q(window__isnull=False),
                name="accounts_stepup_window_method_has_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.content_hash[:12]}"
