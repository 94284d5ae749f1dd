"""Forms of the resolutions pages: they parse input; the services decide.

The editor is a plain form: the fields of the whole resolution, then its sections as
numbered rows (``section-<i>-key``, ``section-<i>-heading``, ``section-<i>-paragraphs``).
Adding, removing and moving a section are submit buttons that redraw the form with the
change and save nothing, so the editor works without JavaScript and a click never loses
what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ecabinet.bodies.models import Body, IssuingAgency, Membership, Unit
from ecabinet.resolutions.content import (
    MAX_SECTIONS,
    Content,
    Recipient,
    RecipientKind,
    Section,
    Signer,
    new_section_key,
    paragraphs_of,
)
from ecabinet.resolutions.drafting import members_recipient
from ecabinet.resolutions.models import (
    DEFAULT_CONSULT_WORKING_DAYS,
    MAX_CONSULT_WORKING_DAYS,
    ConsultationComment,
    ConsultationRecipient,
)

_ACTION = re.compile(r"^(add|remove|up|down)(?:-(\d{1,3}))?$")


@dataclass
class SectionRow:
    """One section as the editor shows it."""

    key: str
    heading: str
    paragraphs: str

    @classmethod
    def of(cls, section: Section) -> SectionRow:
        return cls(section.key, section.heading, "\n".join(section.paragraphs))

    def section(self) -> Section:
        return Section(self.key, self.heading, paragraphs_of(self.paragraphs))


def _member_label(m: Membership) -> str:
    return f"{m.user.full_name} — {m.title.name}" if m.title is not None else m.user.full_name


class MemberChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _member_label(obj)


class EditorForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Tên nghị quyết"), max_length=300)
    summary = forms.CharField(
        label=_("Trích yếu"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In dưới tên loại văn bản, ví dụ: Phiên họp Chính phủ thường kỳ tháng 5."),
    )
    preamble = forms.CharField(
        label=_("Căn cứ ban hành"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mỗi dòng một đoạn."),
    )
    signer_authority = forms.CharField(
        label=_("Thẩm quyền ký"),
        max_length=100,
        required=False,
        help_text=_("Ví dụ: TM. CHÍNH PHỦ. Người ký là Chủ tọa của cơ quan."),
    )
    signer_title = forms.CharField(
        label=_("Chức vụ người ký"), max_length=100, help_text=_("Ví dụ: THỦ TƯỚNG")
    )
    all_members = forms.BooleanField(label=_("Gửi các thành viên"), required=False)
    members = MemberChoiceField(
        label=_("Từng thành viên"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Cơ quan ngoài (gửi qua trục liên thông)"),
        queryset=IssuingAgency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_recipients = forms.CharField(
        label=_("Nơi nhận khác (chỉ ghi trên văn bản)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một nơi nhận, ví dụ: Lưu: VT, TH."),
    )
    note = forms.CharField(
        label=_("Ghi chú cho phiên bản này"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: Tiếp thu ý kiến của các thành viên."),
    )

    def __init__(
        self,
        *args: Any,
        body: Body,
        members: Any,
        units: Any,
        agencies: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.body = body
        self.fields["all_members"].label = _("Các thành viên %(body)s") % {"body": body.name}
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["agencies"].queryset = agencies  # type: ignore[attr-defined]
        if not agencies.exists():
            del self.fields["agencies"]

    def content(self, rows: list[SectionRow], signer_name: str) -> Content:
        """The content from the valid form and its section rows (services clean it)."""
        data = self.cleaned_data
        recipients: list[Recipient] = []
        if data["all_members"]:
            recipients.append(members_recipient(self.body))
        recipients += [
            Recipient(RecipientKind.MEMBER, m.title.name if m.title else m.user.full_name, m.pk)
            for m in data["members"]
        ]
        recipients += [Recipient(RecipientKind.UNIT, u.name, u.pk) for u in data["units"]]
        recipients += [
            Recipient(RecipientKind.AGENCY, a.name, a.pk, a.organ_id)
            for a in data.get("agencies") or []
        ]
        recipients += [
            Recipient(RecipientKind.TEXT, line) for line in paragraphs_of(data["other_recipients"])
        ]
        return Content(
            title=data["title"],
            summary=data["summary"],
            preamble=paragraphs_of(data["preamble"]),
            sections=tuple(row.section() for row in rows),
            signer=Signer(data["signer_authority"], data["signer_title"], signer_name),
            recipients=tuple(recipients),
        )


def editor_initial(content: Content, base_version: int) -> dict[str, Any]:
    """The editor's fields for a saved content."""
    return {
        "base_version": base_version,
        "title": content.title,
        "summary": content.summary,
        "preamble": "\n".join(content.preamble),
        "signer_authority": content.signer.authority,
        "signer_title": content.signer.title,
        "all_members": bool(content.recipients_of(RecipientKind.MEMBERS)),
        "members": [r.ref for r in content.recipients_of(RecipientKind.MEMBER)],
        "units": [r.ref for r in content.recipients_of(RecipientKind.UNIT)],
        "agencies": [r.ref for r in content.recipients_of(RecipientKind.AGENCY)],
        "other_recipients": "\n".join(r.name for r in content.recipients_of(RecipientKind.TEXT)),
        "note": "",
    }


def initial_from_post(data: QueryDict) -> dict[str, Any]:
    """The editor's fields as posted, to redraw the form unbound (no errors shown)."""
    initial: dict[str, Any] = {
        name: data.get(name, "")
        for name in (
            "base_version",
            "title",
            "summary",
            "preamble",
            "signer_authority",
            "signer_title",
            "other_recipients",
            "note",
        )
    }
    initial["all_members"] = data.get("all_members") in ("on", "true", "1")
    for name in ("members", "units", "agencies"):
        initial[name] = [v for v in data.getlist(name) if v.isdigit()]
    return initial


def section_rows(data: Mapping[str, Any]) -> list[SectionRow]:
    """The section rows as posted, in order (at most one more than the limit)."""
    try:
        count = int(str(data.get("section_count", "0")))
    except ValueError:
        count = 0
    rows = []
    for i in range(max(0, min(count, MAX_SECTIONS + 1))):
        rows.append(
            SectionRow(
                key=str(data.get(f"section-{i}-key", "")) or new_section_key(),
                heading=str(data.get(f"section-{i}-heading", "")),
                paragraphs=str(data.get(f"section-{i}-paragraphs", "")),
            )
        )
    return rows


def apply_row_action(rows: list[SectionRow], action: str) -> list[SectionRow] | None:
    """Add, remove or move a section; None when ``action`` is not one of these."""
    match = _ACTION.match(action or "")
    if match is None:
        return None
    verb, index = match.group(1), match.group(2)
    rows = list(rows)
    if verb == "add":
        if len(rows) < MAX_SECTIONS:
            rows.append(SectionRow(new_section_key(), "", ""))
        return rows
    if index is None or not 0 <= int(index) < len(rows):
        return rows
    i = int(index)
    if verb == "remove":
        del rows[i]
    elif verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif verb == "down" and i < len(rows) - 1:
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return rows


class ConsultForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    working_days = forms.IntegerField(
        label=_("Thời hạn góp ý (ngày làm việc)"),
        min_value=1,
        max_value=MAX_CONSULT_WORKING_DAYS,
        initial=DEFAULT_CONSULT_WORKING_DAYS,
        help_text=_("Không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ, Tết; hạn là 17:00 ngày cuối."),
    )
    members = MemberChoiceField(
        label=_("Thành viên được lấy ý kiến"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Lời nhắn gửi các thành viên"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members  # type: ignore[attr-defined]


class OpinionForm(forms.Form):
    """Agree, or comment per section (``comment-<key>``) and on the whole draft."""

    choice = forms.ChoiceField(
        label=_("Bạn có nhất trí với dự thảo?"),
        choices=ConsultationRecipient.Choice.choices,
        widget=forms.RadioSelect,
    )
    general = forms.CharField(
        label=_("Ý kiến chung về dự thảo"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, sections: list[Section], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[f"comment-{section.key}"] = forms.CharField(
                label=_("Góp ý cho mục: %(heading)s") % {"heading": section.heading or section.key},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[Section, forms.BoundField]]:
        return [(s, self[f"comment-{s.key}"]) for s in self.sections]

    def comments(self) -> dict[str, str]:
        data = self.cleaned_data
        comments = {"": data.get("general", "")}
        for section in self.sections:
            comments[section.key] = data.get(f"comment-{section.key}", "")
        return comments


class HandlingForm(forms.Form):
    handling = forms.ChoiceField(
        label=_("Cách tiếp thu"),
        choices=[c for c in ConsultationComment.Handling.choices if c[0]],
        widget=forms.RadioSelect,
    )
    explanation = forms.CharField(
        label=_("Giải trình"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi không tiếp thu hoặc chỉ tiếp thu một phần."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Ghi chú"), max_length=1000, required=False)


class SourceForm(forms.Form):
    source = forms.IntegerField(widget=forms.HiddenInput)
