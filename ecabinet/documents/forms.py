"""Forms of the documents pages: parse and validate input only; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body, DocumentType, IssuingAgency, Unit
from ecabinet.documents.models import FileKind

ACCEPT = ".pdf,.docx,.xlsx,.odt,.png,.jpg,.jpeg"


def _choices(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class DossierForm(forms.Form):
    title = forms.CharField(label=_("Tên hồ sơ"), max_length=300)
    description = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ModelChoiceField(
        label=_("Cơ quan trình"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, body: Body, choose_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choose_unit:
            _choices(self, "unit", Unit.objects.filter(body=body, is_active=True))
        else:
            del self.fields["unit"]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT), ảnh PNG hoặc JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    title = forms.CharField(
        label=_("Tên tài liệu"),
        max_length=300,
        required=False,
        help_text=_("Để trống để dùng tên tệp."),
    )
    doc_type = forms.ModelChoiceField(
        label=_("Loại văn bản"), queryset=DocumentType.objects.none(), required=False
    )
    number = forms.CharField(label=_("Số, ký hiệu"), max_length=60, required=False)
    agency = forms.ModelChoiceField(
        label=_("Cơ quan ban hành"), queryset=IssuingAgency.objects.none(), required=False
    )
    issued_on = forms.DateField(
        label=_("Ngày ban hành"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    summary = forms.CharField(
        label=_("Trích yếu"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, body: Body | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if body is None:
            for name in ("doc_type", "agency", "number", "issued_on"):
                del self.fields[name]
        else:
            _choices(self, "doc_type", DocumentType.objects.filter(body=body, is_active=True))
            _choices(self, "agency", IssuingAgency.objects.filter(body=body, is_active=True))


class VersionForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp của phiên bản mới"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Tên thư mục"), max_length=120)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Từ khóa"), required=False, max_length=10_000)
    doc_type = forms.ModelChoiceField(
        label=_("Loại văn bản"), queryset=DocumentType.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=_("Cơ quan ban hành"), queryset=IssuingAgency.objects.none(), required=False
    )
    date_from = forms.DateField(
        label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    meeting = forms.CharField(label=_("Cuộc họp"), required=False, max_length=80)
    ballot = forms.CharField(label=_("Phiếu lấy ý kiến"), required=False, max_length=80)

    def __init__(self, *args: Any, body_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "doc_type", DocumentType.objects.filter(body_id__in=body_ids))
        _choices(self, "agency", IssuingAgency.objects.filter(body_id__in=body_ids))
        # Meetings and ballots arrive with their issues; until then the filters stay hidden.
        self.fields["meeting"].widget = forms.HiddenInput()
        self.fields["ballot"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        return data


class SettingsForm(forms.Form):
    allowed_kinds = forms.MultipleChoiceField(
        label=_("Loại tệp được phép"),
        choices=FileKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    max_upload_mb = forms.IntegerField(label=_("Dung lượng tối đa mỗi tệp (MB)"), min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput)
