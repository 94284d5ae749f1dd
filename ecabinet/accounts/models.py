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
