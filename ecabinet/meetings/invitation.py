"""The invitation (giấy mời, "GM") as a Decree 30 PDF.

Issued by the body's Office (the first unit of kind "office", or "Văn phòng <body>"), with
the notation ``GM-<office short name>`` (e.g. "…/GM-VPCP", Decree 30, Appendix III). The
number and date fields stay open and the signature fields empty: numbering and signing by
the records office are later steps (docs/decisions/0602-pades.md); the unsigned PDF is what
the members receive with the papers. The text is content, not interface: always Vietnamese.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecabinet.bodies.models import Membership, Role, Unit
from ecabinet.core.dates import format_decree_date, format_decree_datetime, vn_datetime
from ecabinet.signatures.pdf.layout import Decree30Document, Section, render_decree30_pdf

if TYPE_CHECKING:
    from datetime import datetime

    from ecabinet.accounts.models import User
    from ecabinet.meetings.models import AgendaItem, Meeting

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _office(meeting: Meeting) -> tuple[str, str]:
    """(name, short name) of the Office that issues the invitation."""
    office = (
        Unit.objects.filter(body=meeting.body, kind=Unit.Kind.OFFICE, is_active=True)
        .order_by("order", "pk")
        .first()
    )
    name = office.name if office is not None else f"Văn phòng {meeting.body.name}"
    short = (office.short_name if office is not None else "") or f"VP{meeting.body.notation}"
    return name, short


def _title_and_name(meeting: Meeting, user: User) -> tuple[str, str]:
    membership = (
        Membership.objects.filter(body=meeting.body, user=user).select_related("title").first()
    )
    title = membership.title.name if membership is not None and membership.title else ""
    return title, user.full_name or user.username


def _signer(meeting: Meeting, actor: User) -> tuple[str, str]:
    """A leader of the Office signs invitations; the sender when the body has none."""
    leader = (
        Membership.objects.filter(
            body=meeting.body, role=Role.OFFICE_LEADER, is_active=True, user__is_active=True
        )
        .select_related("user", "title")
        .order_by("precedence", "pk")
        .first()
    )
    user = leader.user if leader is not None else actor
    title, name = _title_and_name(meeting, user)
    return (title or "Lãnh đạo Văn phòng"), name


def when_text(value: datetime) -> str:
    """ "14 giờ 00, Thứ Năm, ngày 05 tháng 02 năm 2026" """
    local = vn_datetime(value)
    day = format_decree_date(local, "vi")
    return f"{local:%H} giờ {local:%M}, {_WEEKDAYS[local.weekday()]}, {day}"


def _item_line(item: AgendaItem) -> str:
    presenter = f"; cơ quan trình: {item.presenting_unit.name}" if item.presenting_unit else ""
    decision = "; cần quyết định" if item.needs_decision else ""
    return (
        f"{item.number}. {item.title} (dự kiến {item.planned_minutes} phút{presenter}{decision})."
    )


def invitation_document(
    meeting: Meeting, *, items: list[AgendaItem], actor: User, answer_due: datetime
) -> Decree30Document:
    """What the PDF prints."""
    office_name, office_short = _office(meeting)
    chair_title, chair_name = _title_and_name(meeting, meeting.chair)
    chair = f"{chair_title} {chair_name}".strip()
    signer_title, signer_name = _signer(meeting, actor)
    body = meeting.body.name
    paragraphs = [
        f"{office_name} trân trọng kính mời các đồng chí thành viên {body} dự "
        f"{meeting.title} ({meeting.meeting_type.name.lower()}).",
        f"Chủ trì: đồng chí {chair}.",
        f"Thời gian: {when_text(meeting.starts_at)}.",
    ]
    if meeting.place_text:
        paragraphs.append(f"Địa điểm: {meeting.place_text}.")
    sections = [
        Section(paragraphs=paragraphs),
        Section(heading="Nội dung", paragraphs=[_item_line(item) for item in items]),
        Section(
            paragraphs=[
                "Tài liệu họp được gửi các đồng chí trên Hệ thống thông tin phục vụ họp và "
                "xử lý công việc.",
                "Đề nghị các đồng chí xác nhận dự họp trên hệ thống trước "
                f"{format_decree_datetime(answer_due, 'vi')}; trường hợp không dự được, đề "
                "nghị nêu lý do hoặc cử người dự thay theo quy định.",
            ]
        ),
    ]
    return Decree30Document(
        parent=body.upper(),
        body_name=office_name.upper(),
        notation=f"GM-{office_short}",
        type_name="GIẤY MỜI",
        summary=meeting.title,
        place=meeting.body.place,
        sections=sections,
        signer_title=signer_title.upper(),
        signer_name=signer_name,
        recipients=[
            f"Các thành viên {body}",
            "Các cơ quan trình",
            f"Lưu: VT, {office_short}",
        ],
    )


def invitation_pdf(
    meeting: Meeting, *, items: list[AgendaItem], actor: User, answer_due: datetime
) -> bytes:
    """The unsigned invitation PDF (number, date and signature fields left open)."""
    return render_decree30_pdf(
        invitation_document(meeting, items=items, actor=actor, answer_due=answer_due)
    )
