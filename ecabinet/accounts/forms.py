"""Forms of the login steps, password change, language and the login log filter.

Forms check the shape of the input; the services decide (and record) everything else.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from ecabinet.accounts.models import LoginEvent, User

_DIGITS = re.compile(r"\d{6}")
_RECOVERY = re.compile(r"[a-z2-7]{8}")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Vui lòng nhập tên đăng nhập.")},
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Vui lòng nhập mật khẩu.")},
    )


def _code_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Vui lòng nhập mã xác thực.")},
    )


class TOTPCodeForm(forms.Form):
    """The 6-digit code an authenticator app shows."""

    code = _code_field(_("Mã xác thực (6 chữ số)"))

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not _DIGITS.fullmatch(code):
            raise forms.ValidationError(_("Mã xác thực gồm đúng 6 chữ số."), code="format")
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Mã khôi phục"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Vui lòng nhập mã khôi phục.")},
    )

    def clean_recovery_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["recovery_code"]).lower()
        if not _RECOVERY.fullmatch(code):
            raise forms.ValidationError(
                _("Mã khôi phục gồm 8 ký tự (chữ a–z và số 2–7), ví dụ abcd-efgh."),
                code="format",
            )
        return code


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = _("Vui lòng nhập trường này.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2:
            if new1 != new2:
                self.add_error("new_password2", _("Hai lần nhập mật khẩu mới không khớp."))
            else:
                try:
                    password_validation.validate_password(new1, self.user)
                except forms.ValidationError as exc:
                    self.add_error("new_password1", exc)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)


class LoginLogFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Tài khoản"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date_from = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=_("Sự kiện"),
        required=False,
        choices=[("", _("Tất cả")), *LoginEvent.Kind.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invalid_date = _("Ngày không hợp lệ. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 31/01/2026.")
        self.fields["date_from"].error_messages["invalid"] = invalid_date
        self.fields["date_to"].error_messages["invalid"] = invalid_date
        self.fields["kind"].error_messages["invalid_choice"] = _("Loại sự kiện không hợp lệ.")
        self.fields["q"].error_messages["max_length"] = _(
            "Tên tài khoản tìm kiếm dài tối đa 150 ký tự."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("“Từ ngày” phải trước hoặc trùng “Đến ngày”."))
        return cleaned
