"""The audit trail's filter form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from ecabinet.audit.selectors import AuditFilters

# Verbs are "<entity>.<verb>" codes: lower-case letters, digits, "_" and ".".
verb_validator = RegexValidator(
    r"^[a-z0-9_.]+$",
    _("Mã hành động chỉ gồm chữ thường không dấu, chữ số, dấu chấm và dấu gạch dưới."),
)


class AuditFilterForm(forms.Form):
    verb = forms.CharField(
        label=_("Hành động"),
        required=False,
        max_length=80,
        validators=[verb_validator],
        help_text=_("Mã hành động, ví dụ ballot.send, hoặc một nhóm, ví dụ ballot."),
    )
    actor = forms.CharField(label=_("Người thực hiện"), required=False, max_length=200)
    date_from = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("“Đến ngày” phải bằng hoặc sau “Từ ngày”."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The valid values only: an invalid field filters nothing (the form shows why)."""
        if not hasattr(self, "cleaned_data"):
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            verb=data.get("verb") or "",
            actor=(data.get("actor") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
