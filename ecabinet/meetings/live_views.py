"""The live session's screens: the members' screen, the chair's console, the secretary's
screen and the projector view. Thin: check who may open the screen, render the initial state
(``snapshot_for``, embedded as JSON) and the translated strings the script needs; everything
after that travels over the meeting's socket (``ws/cuoc-hop/<pk>/``, live.js).

A meeting the user may not read is a 404 (selectors); a screen they may not open is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ecabinet.accounts.models import User
from ecabinet.documents import selectors as document_selectors
from ecabinet.documents import services as document_services
from ecabinet.meetings import selectors
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.live.snapshot import snapshot_for
from ecabinet.meetings.models import ItemDocument, Meeting

Allowed = Callable[[Any, Meeting], bool]


def _open(request: HttpRequest, pk: int, allowed: Allowed) -> tuple[User, Meeting]:
    """The user and the meeting whose screen they may open: 404 for a meeting they may not
    read, 403 for a screen that is not theirs (or a meeting without a live session yet)."""
    user = request.user
    assert isinstance(user, User)
    meeting = selectors.meeting_for(user, pk)
    if not live_perms.can_view_live(user, meeting) or not allowed(user, meeting):
        raise PermissionDenied
    return user, meeting


def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def labels() -> dict[str, str]:
    """Every string live.js shows, translated here ("{x}" placeholders are filled in by the
    script and must stay as they are)."""
    return {
        # Connection.
        "connecting": _("Đang kết nối…"),
        "connected": _("Đã kết nối, đang cập nhật trực tiếp"),
        "reconnecting": _("Mất kết nối. Đang kết nối lại…"),
        "offline": _("Thiết bị đang ngoại tuyến. Màn hình sẽ cập nhật khi có kết nối lại."),
        "resyncing": _("Đang đồng bộ lại…"),
        "logged_out": _("Phiên đăng nhập đã hết hạn. Hãy tải lại trang để đăng nhập."),
        "forbidden": _("Bạn không còn quyền xem phiên họp này."),
        # Meeting and clock.
        "time_left": _("Còn {time}"),
        "overtime": _("Quá giờ {time}"),
        "not_started": _("Chưa bắt đầu"),
        "no_current_item": _("Chưa có nội dung đang thảo luận"),
        "item_number": _("Nội dung {n}"),
        "presenting_unit": _("Cơ quan trình: {unit}"),
        "planned": _("Dự kiến {n} phút"),
        "progress": _("Đã kết luận {done}/{total} nội dung"),
        "consent_block": _("Thông qua không thảo luận"),
        "current_marker": _("Đang thảo luận"),
        "announce_item": _("Đang thảo luận nội dung {n}: {title}"),
        "announce_poll_open": _("Đã mở biểu quyết: {title}"),
        "announce_poll_closed": _("Kết thúc biểu quyết: {outcome}"),
        "announce_speaker": _("Mời {name} phát biểu"),
        # Quorum and attendance.
        "quorum": _("Có mặt {present}/{total} thành viên (cần {required})"),
        "quorum_reached": _("Đủ số thành viên để biểu quyết"),
        "quorum_missing": _("Chưa đủ số thành viên để biểu quyết"),
        "substitutes": _("{n} người dự thay"),
        "guests": _("{n} khách mời"),
        "capacity_member": _("Thành viên"),
        "capacity_substitute": _("Người dự thay"),
        "capacity_guest": _("Khách mời"),
        "on_behalf_of": _("dự thay {name}"),
        "mode_room": _("Tại phòng họp"),
        "mode_remote": _("Trực tuyến"),
        "checked_in_at": _("điểm danh lúc {time}"),
        "absent_reason": _("Vắng: {reason}"),
        "none": _("Không có"),
        # Check-in.
        "checkin_room": _("Điểm danh tại phòng họp"),
        "checkin_remote": _("Điểm danh trực tuyến"),
        "checked_in": _("Bạn đã điểm danh: {mode}"),
        "not_checked_in": _("Bạn chưa điểm danh."),
        "switch_room": _("Chuyển sang dự tại phòng họp"),
        "switch_remote": _("Chuyển sang dự trực tuyến"),
        "checkin_done": _("Đã điểm danh."),
        # Floor.
        "request_speak": _("Đăng ký phát biểu"),
        "request_question": _("Đăng ký chất vấn"),
        "cancel_request": _("Hủy đăng ký"),
        "my_request": _("Bạn đã đăng ký ({kind}): {status}"),
        "kind_speak": _("phát biểu"),
        "kind_question": _("chất vấn"),
        "floor_waiting": _("Đang chờ"),
        "floor_called": _("Đã được mời"),
        "floor_speaking": _("Đang phát biểu"),
        "floor_done": _("Đã phát biểu"),
        "floor_cancelled": _("Đã hủy"),
        "floor_empty": _("Chưa có người đăng ký."),
        "speaking_now": _("Đang phát biểu: {name}"),
        "nobody_speaking": _("Chưa có người phát biểu"),
        "speech_time": _("Thời gian phát biểu: {time}"),
        "call": _("Mời"),
        "start": _("Bắt đầu"),
        "finish": _("Kết thúc"),
        "requested_at": _("đăng ký lúc {time}"),
        # Polls.
        "no_poll": _("Chưa có biểu quyết."),
        "poll_open": _("Đang biểu quyết"),
        "poll_closed": _("Đã kết thúc biểu quyết"),
        "voted_count": _("Đã biểu quyết {voted}/{eligible}"),
        "agree": _("Đồng ý"),
        "disagree": _("Không đồng ý"),
        "other": _("Ý kiến khác"),
        "not_voted": _("Không biểu quyết"),
        "required": _("Cần ít nhất {n} phiếu đồng ý"),
        "outcome": _("Kết quả: {label}"),
        "named_results": _("Kết quả biểu quyết của từng thành viên"),
        "confirm_vote": _("Bạn ký phiếu: «{choice}» cho «{title}». Phiếu đã ký không sửa được."),
        "confirm_sign": _("Xác nhận và ký"),
        "change_choice": _("Chọn lại"),
        "vote_sending": _("Đang gửi phiếu…"),
        "vote_queued": _("Chưa có kết nối: phiếu «{choice}» sẽ được gửi ngay khi kết nối lại."),
        "vote_retry": _("Đang gửi lại phiếu đã ký trước khi mất kết nối…"),
        "receipt_title": _("Bạn đã biểu quyết"),
        "receipt": _("Lựa chọn: {choice}. Ký lúc {time}. Mã văn bản ký: {id}"),
        "receipt_behalf": _("Biểu quyết thay {name}"),
        "stepup_needed": _("Để biểu quyết, hãy mở phiên ký (nhập mã xác thực một lần)."),
        "stepup_link": _("Mở phiên ký"),
        "window_open": _("Phiên ký đang mở."),
        "cannot_vote": _("Bạn theo dõi biểu quyết, không có quyền biểu quyết."),
        "must_check_in": _("Hãy điểm danh trước khi biểu quyết."),
        "voted_list": _("Đã biểu quyết"),
        "waiting_list": _("Có mặt, chưa biểu quyết"),
        "not_here_list": _("Chưa có mặt"),
        # Chair.
        "session_open": _("Khai mạc phiên họp"),
        "session_adjourn": pgettext("pause button", "Tạm dừng"),
        "session_resume": _("Tiếp tục họp"),
        "session_close": _("Bế mạc phiên họp"),
        "confirm_close": _("Bấm lần nữa để bế mạc"),
        "item_start": _("Bắt đầu thảo luận"),
        "item_end": _("Kết thúc thảo luận"),
        "poll_open_item": _("Mở biểu quyết nội dung này"),
        "poll_open_block": _("Biểu quyết các nội dung thông qua không thảo luận ({n})"),
        "poll_close": _("Kết thúc biểu quyết"),
        "done": _("Đã thực hiện."),
        # Secretary.
        "notes_empty": _("Chưa có ghi chép cho nội dung này."),
        "note_by": _("{author}, {time}"),
        "note_saved": _("Đã thêm ghi chép."),
        "conclusion_none": _("Chưa có kết luận."),
        "conclusion_by": _("Ghi bởi {name} lúc {time} (phiên bản {version})"),
        "conclusion_saved": _("Đã ghi kết luận."),
        "adopted": _("Thông qua"),
        "rejected": _("Không thông qua"),
        "deferred": _("Hoãn xem xét"),
        "attachment": _("Tệp đính kèm: {title}"),
        "text_required": _("Hãy nhập nội dung."),
        # Documents.
        "no_documents": _("Nội dung này chưa có tài liệu."),
        "read_here": _("Đọc tại đây"),
        "open_page": _("Mở trang tài liệu"),
        # Generic.
        "error": _("Không thực hiện được: {message}"),
        "not_connected": _("Chưa có kết nối tới máy chủ. Hãy thử lại sau giây lát."),
    }


@dataclass(frozen=True)
class Paper:
    item: int
    document: int
    title: str


def _papers(user: User, meeting: Meeting) -> list[Paper]:
    """The approved papers of the items the user sees (what the votes are signed on)."""
    papers: list[Paper] = []
    for row in selectors.agenda_for(user, meeting):
        for paper in row.documents:
            if paper.status == ItemDocument.Status.APPROVED:
                papers.append(Paper(row.item.pk, paper.document_id, paper.document.title))
    return papers


@dataclass(frozen=True)
class Viewer:
    """What documents/_viewer.html needs (the same reader as the document's page)."""

    pdf_url: str
    download_url: str
    title: str
    initial_page: int
    notes_url: str
    can_note: bool


def _viewer(user: User, papers: list[Paper], wanted: str | None) -> tuple[Paper, Viewer] | None:
    """The reader for the paper asked for in ``?tai-lieu=``, if it is one of the meeting's
    approved papers the user may read and it can be shown as PDF."""
    if not wanted or not wanted.isdigit():
        return None
    paper = next((p for p in papers if p.document == int(wanted)), None)
    if paper is None:
        raise Http404
    row = (
        ItemDocument.objects.filter(
            item_id=paper.item, document_id=paper.document, status=ItemDocument.Status.APPROVED
        )
        .select_related("document_version")
        .first()
    )
    document = document_selectors.document_for(user, paper.document)
    if row is None or row.document_version is None:
        raise Http404
    version = row.document_version
    document_services.document_open(actor=user, document=document, version=version)
    if not version.viewable_as_pdf:
        return None
    kwargs = {"pk": document.pk, "version": version.pk}
    return paper, Viewer(
        pdf_url=reverse("documents:file", kwargs=kwargs),
        download_url=reverse("documents:download", kwargs=kwargs),
        title=document.title,
        initial_page=1,
        notes_url=reverse("documents:notes", kwargs={"pk": document.pk}),
        can_note=True,
    )


def _context(request: HttpRequest, user: User, meeting: Meeting, screen: str) -> dict[str, Any]:
    state = snapshot_for(user, meeting, session_key=request.session.session_key)
    here = request.path
    return {
        "meeting": meeting,
        "screen": screen,
        "state": state,
        "labels": labels(),
        "ws_path": f"/ws/cuoc-hop/{meeting.pk}/",
        "signing_url": f"{_url('meetings:live_signing', pk=meeting.pk)}?next={here}",
        "screens": screen_links(user, meeting),
    }


def screen_links(user: Any, meeting: Meeting) -> dict[str, str]:
    """The live screens ``user`` may open for this meeting: {screen: url}."""
    if not live_perms.can_view_live(user, meeting):
        return {}
    links = {"member": _url("meetings:live_member", pk=meeting.pk)}
    if live_perms.can_chair(user, meeting):
        links["chair"] = _url("meetings:live_chair", pk=meeting.pk)
    if live_perms.can_record_minutes(user, meeting):
        links["secretary"] = _url("meetings:live_secretary", pk=meeting.pk)
    links["projector"] = _url("meetings:live_projector", pk=meeting.pk)
    return links


@never_cache
@require_safe
@login_required
def live_member(request: HttpRequest, pk: int) -> HttpResponse:
    """The members' screen (phone or tablet): current item and its papers, agenda, check-in,
    floor requests, voting with its receipt."""
    user, meeting = _open(request, pk, live_perms.can_view_live)
    papers = _papers(user, meeting)
    shown = _viewer(user, papers, request.GET.get("tai-lieu"))
    context = _context(request, user, meeting, "member")
    context["papers"] = [
        {
            "item": p.item,
            "document": p.document,
            "title": p.title,
            "url": _url("documents:document", pk=p.document),
        }
        for p in papers
    ]
    context["paper"], context["viewer"] = shown if shown is not None else (None, None)
    return render(request, "meetings/live/member.html", context)


@never_cache
@require_safe
@login_required
def live_chair(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's console (tablet first): session, agenda, floor lists, polls."""
    user, meeting = _open(request, pk, live_perms.can_chair)
    return render(request, "meetings/live/chair.html", _context(request, user, meeting, "chair"))


@never_cache
@require_safe
@login_required
def live_secretary(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's screen: attendance, minutes notes and the conclusion of each item."""
    user, meeting = _open(request, pk, live_perms.can_record_minutes)
    context = _context(request, user, meeting, "secretary")
    context["attachment_url"] = _url("meetings:live_conclusion_attachment", pk=meeting.pk, item=0)
    context["attendance_csv_url"] = _url("meetings:live_attendance_csv", pk=meeting.pk)
    return render(request, "meetings/live/secretary.html", context)


@never_cache
@require_safe
@login_required
def live_projector(request: HttpRequest, pk: int) -> HttpResponse:
    """The room's projector: current item, speaker, timers, results; read-only."""
    user, meeting = _open(request, pk, live_perms.can_view_live)
    return render(
        request, "meetings/live/projector.html", _context(request, user, meeting, "projector")
    )
