"""Forms of the ledger's pages: the dashboard's period, the body's reminder policy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ecabinet.tracking.selectors import Period
from ecabinet.tracking.stages import (
    BEFORE_HOURS,
    BEFORE_WORKING_DAYS,
    MAX_HOURS,
    MAX_OFFSETS,
    MAX_WORKING_DAYS,
)

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """``?tu=2026-01-01&den=2026-01-31``; both optional (the last 30 days)."""

    tu = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm.")},
    )
    den = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm.")},
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        end = data.get("den") or self.today
        start = data.get("tu") or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start > end:
            raise ValidationError(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."))
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError(_("Khoảng thời gian tối đa là 3 năm."))
        data["period"] = Period(start, end)
        return data


def _int_list(value: str, *, maximum: int, label: str) -> list[int]:
    numbers = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= maximum:
            raise ValidationError(
                _("%(label)s: mỗi số phải từ 1 đến %(max)s."),
                params={"label": label, "max": maximum},
            )
        numbers.append(int(part))
    return sorted(set(numbers), reverse=True)


class SettingsForm(forms.Form):
    before_working_days = forms.CharField(
        label=_("Nhắc trước hạn (ngày làm việc)"),
        required=False,
        help_text=_("Các số ngày làm việc trước hạn, cách nhau bởi dấu phẩy, ví dụ: 2"),
    )
    before_hours = forms.CharField(
        label=_("Nhắc trước hạn (giờ)"),
        required=False,
        help_text=_("Các số giờ trước hạn, cách nhau bởi dấu phẩy, ví dụ: 4"),
    )
    at_deadline = forms.BooleanField(label=_("Nhắc khi đến hạn"), required=False)
    daily_after = forms.BooleanField(
        label=_("Nhắc mỗi ngày làm việc sau khi quá hạn"), required=False
    )
    escalate_to_office = forms.BooleanField(
        label=_("Báo Văn phòng (cán bộ theo dõi) khi quá hạn"), required=False
    )
    old_item_days = forms.IntegerField(
        label=_("Đánh dấu việc tồn đọng quá (ngày làm việc)"), min_value=1, max_value=365
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_before_working_days(self) -> list[int]:
        return _int_list(
            self.cleaned_data["before_working_days"],
            maximum=MAX_WORKING_DAYS,
            label=str(_("Nhắc trước hạn (ngày làm việc)")),
        )

    def clean_before_hours(self) -> list[int]:
        return _int_list(
            self.cleaned_data["before_hours"],
            maximum=MAX_HOURS,
            label=str(_("Nhắc trước hạn (giờ)")),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        days = data.get("before_working_days") or []
        hours = data.get("before_hours") or []
        if len(days) + len(hours) > MAX_OFFSETS:
            raise ValidationError(_("Tối đa %(n)s lần nhắc trước hạn."), params={"n": MAX_OFFSETS})
        data["remind_before"] = [{BEFORE_WORKING_DAYS: n} for n in days] + [
            {BEFORE_HOURS: n} for n in hours
        ]
        return data


def settings_initial(remind_before: list[dict[str, int]]) -> dict[str, str]:
    days = [str(o[BEFORE_WORKING_DAYS]) for o in remind_before if BEFORE_WORKING_DAYS in o]
    hours = [str(o[BEFORE_HOURS]) for o in remind_before if BEFORE_HOURS in o]
    return {"before_working_days": ", ".join(days), "before_hours": ", ".join(hours)}
