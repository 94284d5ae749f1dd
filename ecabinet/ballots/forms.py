"""Forms of the ballots pages: they parse input; the services decide."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecabinet.ballots.models import (
    MAX_ANSWER_WORKING_DAYS,
    ROUTE_ROLES,
    Choice,
    NonAnswerRule,
    Question,
)
from ecabinet.bodies.models import Body, Membership, Role, Unit
from ecabinet.core.dates import VN_TZ


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Trích yếu"),
        max_length=300,
        help_text=_("Ví dụ: Về việc điều chỉnh quy hoạch tổng thể phát triển kinh tế - xã hội"),
    )
    proposal_number = forms.CharField(
        label=_("Số, ký hiệu tờ trình"), max_length=60, required=False
    )
    proposal_summary = forms.CharField(
        label=_("Nội dung đề nghị"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    questions = forms.CharField(
        label=_("Nội dung xin ý kiến"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mỗi dòng một nội dung; mỗi nội dung là một câu hỏi của phiếu."),
    )
    unit = forms.ModelChoiceField(
        label=_("Cơ quan trình"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, body: Body, choose_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choose_unit:
            self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
                body=body, is_active=True
            ).order_by("order", "name")
        else:
            del self.fields["unit"]

    def clean_questions(self) -> list[str]:
        return _lines(self.cleaned_data["questions"])


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Trích yếu"), max_length=300)
    questions = forms.CharField(
        label=_("Câu hỏi"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Mỗi dòng một câu hỏi. Thành viên trả lời từng câu: đồng ý, không đồng ý hoặc "
            "ý kiến khác."
        ),
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Thành viên được lấy ý kiến"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    deadline_date = forms.DateField(
        label=_("Hạn trả lời (ngày)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Một ngày làm việc: không phải thứ Bảy, Chủ nhật hay ngày nghỉ lễ, Tết."),
    )
    deadline_time = forms.TimeField(
        label=_("Hạn trả lời (giờ)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=time(17, 0),
    )
    follower = forms.ModelChoiceField(
        label=_("Chuyên viên theo dõi"), queryset=Membership.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        voters: Any,
        office: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        recipients = self.fields["recipients"]
        recipients.queryset = voters  # type: ignore[attr-defined]
        recipients.label_from_instance = _member_label  # type: ignore[attr-defined]
        follower = self.fields["follower"]
        follower.queryset = office  # type: ignore[attr-defined]
        follower.label_from_instance = _member_label  # type: ignore[attr-defined]

    def clean_questions(self) -> list[str]:
        return _lines(self.cleaned_data["questions"])

    def deadline(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["deadline_date"], self.cleaned_data["deadline_time"], tzinfo=VN_TZ
        )


def _member_label(membership: Membership) -> str:
    name = membership.user.full_name or membership.user.username
    title = membership.title
    return f"{name} — {title.name}" if title is not None else name


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    cycle = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Lý do trả lại"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Nội dung quyết định"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Nội dung này được ký số cùng mã băm của báo cáo tổng hợp."),
    )


class SettingsForm(forms.Form):
    answer_working_days = forms.IntegerField(
        label=_("Thời hạn trả lời mặc định (ngày làm việc)"),
        min_value=1,
        max_value=MAX_ANSWER_WORKING_DAYS,
    )
    non_answer_rule = forms.ChoiceField(
        label=_("Thành viên không trả lời đúng hạn"),
        choices=NonAnswerRule.choices,
        widget=forms.RadioSelect,
    )
    review_route = forms.MultipleChoiceField(
        label=_("Trình tự xem xét trong Văn phòng"),
        choices=[(role, Role(role).label) for role in ROUTE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Các bước xem xét theo thứ tự chuyên viên → vụ trưởng → lãnh đạo Văn phòng, trước "
            "khi Chủ tọa phê duyệt gửi phiếu. Bỏ chọn hết: trình thẳng Chủ tọa."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_review_route(self) -> list[str]:
        chosen = set(self.cleaned_data["review_route"])
        # Checkboxes carry no order: the route follows the Office's hierarchy.
        return [role for role in ROUTE_ROLES if role in chosen]


class AssistantForm(forms.Form):
    assistant = forms.ModelChoiceField(
        label=_("Người chuẩn bị ý kiến cho bạn"), queryset=Membership.objects.none()
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assistant"]
        field.queryset = candidates  # type: ignore[attr-defined]
        field.label_from_instance = _member_label  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    """One choice and one comment per question, an optional attached file."""

    attachment = forms.FileField(
        label=_("Tệp kèm theo ý kiến"),
        required=False,
        help_text=_(
            "Không bắt buộc. PDF, Word, Excel hoặc ảnh; mã băm của tệp được ký cùng ý kiến."
        ),
    )
    remove_attachment = forms.BooleanField(label=_("Bỏ tệp kèm theo"), required=False)

    def __init__(
        self, *args: Any, questions: list[Question], has_attachment: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"choice_{q.pk}"] = forms.ChoiceField(
                label=_("Câu hỏi %(n)s") % {"n": q.number},
                choices=Choice.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"comment_{q.pk}"] = forms.CharField(
                label=_("Ý kiến (câu hỏi %(n)s)") % {"n": q.number},
                max_length=4000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if not has_attachment:
            del self.fields["remove_attachment"]

    def choices(self) -> dict[int, tuple[str, str]]:
        return {
            q.pk: (
                self.cleaned_data.get(f"choice_{q.pk}") or "",
                self.cleaned_data.get(f"comment_{q.pk}") or "",
            )
            for q in self.questions
        }

    def rows(self) -> list[tuple[Question, Any, Any]]:
        """(question, choice field, comment field) for the template."""
        return [(q, self[f"choice_{q.pk}"], self[f"comment_{q.pk}"]) for q in self.questions]
