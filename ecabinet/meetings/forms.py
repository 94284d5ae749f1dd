"""Forms of the meetings pages: they parse input; the services decide."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecabinet.bodies.models import Body, Mandate, MeetingType, Membership, Room, Unit
from ecabinet.core.dates import VN_TZ
from ecabinet.meetings.models import (
    MAX_INVITATION_DAYS,
    MAX_PLANNED_MINUTES,
    MAX_POSITIONS_CUTOFF_HOURS,
    Invitation,
)
from ecabinet.meetings.selectors import office_members, substitute_choices, voting_members


def member_label(membership: Membership) -> str:
    name = membership.user.full_name or membership.user.username
    title = membership.title
    return f"{name} — {title.name}" if title is not None else name


def _room_label(room: Room) -> str:
    seats = _("%(rows)s hàng × %(seats)s ghế") % {
        "rows": room.seating_rows,
        "seats": room.seats_per_row,
    }
    where = f", {room.location}" if room.location else ""
    return f"{room.name}{where} ({seats})"


class MeetingForm(forms.Form):
    meeting_type = forms.ModelChoiceField(
        label=_("Loại cuộc họp"), queryset=MeetingType.objects.none()
    )
    title = forms.CharField(
        label=_("Tên cuộc họp"),
        max_length=300,
        help_text=_("Ví dụ: Phiên họp Chính phủ thường kỳ tháng 5 năm 2026"),
    )
    date = forms.DateField(
        label=_("Ngày họp"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Giờ bắt đầu"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=time(8, 0),
    )
    end_time = forms.TimeField(
        label=_("Giờ kết thúc"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=time(11, 30),
    )
    room = forms.ModelChoiceField(
        label=_("Phòng họp"),
        queryset=Room.objects.none(),
        required=False,
        help_text=_("Sơ đồ chỗ ngồi theo phòng họp đã chọn."),
    )
    place = forms.CharField(
        label=_("Địa điểm"),
        max_length=300,
        required=False,
        help_text=_("Để trống để dùng tên và địa chỉ của phòng họp."),
    )
    chair = forms.ModelChoiceField(label=_("Chủ trì"), queryset=Membership.objects.none())
    secretary = forms.ModelChoiceField(
        label=_("Thư ký cuộc họp"), queryset=Membership.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting_type"].queryset = MeetingType.objects.filter(  # type: ignore[attr-defined]
            body=body, is_active=True
        ).order_by("order", "name")
        room = self.fields["room"]
        room.queryset = Room.objects.filter(  # type: ignore[attr-defined]
            body=body, is_active=True
        ).order_by("order", "name")
        room.label_from_instance = _room_label  # type: ignore[attr-defined]
        chair = self.fields["chair"]
        chair.queryset = voting_members(body)  # type: ignore[attr-defined]
        chair.label_from_instance = member_label  # type: ignore[attr-defined]
        secretary = self.fields["secretary"]
        secretary.queryset = office_members(body)  # type: ignore[attr-defined]
        secretary.label_from_instance = member_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", _("Giờ kết thúc phải sau giờ bắt đầu."))
        if not data.get("room") and not (data.get("place") or "").strip():
            self.add_error("place", _("Hãy chọn phòng họp hoặc ghi địa điểm."))
        return data

    def starts_at(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["start_time"], tzinfo=VN_TZ
        )

    def ends_at(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["end_time"], tzinfo=VN_TZ
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        secretary = data.get("secretary")
        return {
            "meeting_type": data["meeting_type"],
            "title": data["title"],
            "starts_at": self.starts_at(),
            "ends_at": self.ends_at(),
            "room": data.get("room"),
            "place": data.get("place") or "",
            "chair": data["chair"].user,
            "secretary": secretary.user if secretary is not None else None,
        }


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Tên nội dung"), max_length=300)
    summary = forms.CharField(
        label=_("Tóm tắt"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    presenting_unit = forms.ModelChoiceField(
        label=_("Cơ quan trình"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Cán bộ của cơ quan trình tải tài liệu lên cho nội dung này."),
    )
    planned_minutes = forms.IntegerField(
        label=_("Thời lượng dự kiến (phút)"), min_value=1, max_value=MAX_PLANNED_MINUTES, initial=30
    )
    needs_decision = forms.BooleanField(label=_("Cần quyết định của cuộc họp"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenting_unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            body=body, is_active=True
        ).order_by("order", "name")


class PaperForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp tài liệu"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT), ảnh PNG hoặc JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.odt,.png,.jpg,.jpeg"}),
    )
    title = forms.CharField(
        label=_("Tên tài liệu"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: Tờ trình, dự thảo nghị quyết. Để trống để dùng tên tệp."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("return", "return")])
    reason = forms.CharField(max_length=1000, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class InviteForm(forms.Form):
    with_documents = forms.BooleanField(
        label=_("Gửi kèm các tài liệu đã duyệt"),
        required=False,
        help_text=_("Các thành viên nhận tài liệu cùng giấy mời."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RespondForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Trả lời"),
        choices=[
            (Invitation.Response.ACCEPTED, _("Tôi dự họp")),
            (Invitation.Response.DECLINED, _("Tôi vắng mặt")),
            (
                Invitation.Response.SUBSTITUTED,
                pgettext_lazy("invitation answer", "Tôi cử người dự thay"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Lý do (bắt buộc khi vắng mặt)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    substitute = forms.ModelChoiceField(
        label=_("Người dự thay"), queryset=Membership.objects.none(), required=False
    )
    mandates = forms.MultipleChoiceField(
        label=_("Người dự thay được"),
        choices=[(Mandate.SPEAK, _("Phát biểu")), (Mandate.VOTE, _("Biểu quyết"))],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Người dự thay luôn được dự họp; chọn thêm nếu cần."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, body: Body, exclude: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["substitute"]
        field.queryset = substitute_choices(body).exclude(pk=exclude.pk)  # type: ignore[attr-defined]
        field.label_from_instance = member_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        response = data.get("response")
        if response == Invitation.Response.DECLINED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Cần nêu lý do vắng mặt."))
        if response == Invitation.Response.SUBSTITUTED and data.get("substitute") is None:
            self.add_error("substitute", _("Hãy chọn người dự thay."))
        return data


class SettingsForm(forms.Form):
    invitation_days = forms.IntegerField(
        label=_("Gửi giấy mời và tài liệu trước (ngày làm việc)"),
        min_value=0,
        max_value=MAX_INVITATION_DAYS,
        help_text=_("Không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ, Tết."),
    )
    positions_cutoff_hours = forms.IntegerField(
        label=_("Hạn cho ý kiến trước cuộc họp (số giờ trước giờ họp)"),
        min_value=0,
        max_value=MAX_POSITIONS_CUTOFF_HOURS,
    )
    quorum_numerator = forms.IntegerField(
        label=_("Số thành viên tối thiểu có mặt (tử số)"), min_value=1, max_value=100
    )
    quorum_denominator = forms.IntegerField(
        label=_("Số thành viên tối thiểu có mặt (mẫu số)"),
        min_value=1,
        max_value=100,
        help_text=_("Phần của tổng số thành viên, ví dụ 2/3."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        num, den = data.get("quorum_numerator"), data.get("quorum_denominator")
        if num is not None and den is not None and num > den:
            self.add_error("quorum_numerator", _("Tử số không được lớn hơn mẫu số."))
        return data
