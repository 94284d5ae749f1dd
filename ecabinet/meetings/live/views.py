"""HTTP pages of the live session that are not screens: opening the meeting's signing window,
the attendance list export, a conclusion's attachment. Thin: parse, call one service.

A meeting the user may not read is a 404 (selectors); an action they may not take is a 403.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts import stepup
from ecabinet.accounts.errors import AccountLocked, format_local
from ecabinet.accounts.forms import TOTPCodeForm
from ecabinet.accounts.models import User
from ecabinet.accounts.stepup_views import _locked_out
from ecabinet.accounts.views import _client, _next
from ecabinet.core.dates import VN_TZ
from ecabinet.core.errors import DomainError
from ecabinet.core.pages import download
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import selectors
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.live import services
from ecabinet.meetings.live.snapshot import name_of
from ecabinet.meetings.models import Attendance, Invitation, LiveMode, Meeting

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _meeting(request: HttpRequest, pk: int, allowed: Any) -> tuple[User, Meeting]:
    user = _user(request)
    meeting = selectors.meeting_for(user, pk)
    if not allowed(user, meeting):
        raise PermissionDenied
    return user, meeting


def _screen(meeting: Meeting) -> str:
    """Where to go back to: the member's live screen, else the meeting's page."""
    try:
        return reverse("meetings:live_member", kwargs={"pk": meeting.pk})
    except NoReverseMatch:
        return reverse("meetings:detail", kwargs={"pk": meeting.pk})


def _window_content(user: User, meeting: Meeting) -> bytes:
    from ecabinet.signatures.statements import canonical

    return canonical(
        {
            "purpose": "meetings.signing_window",
            "meeting": {"id": meeting.pk, "title": meeting.title},
            "user": {"id": user.pk, "name": name_of(user)},
            "time": timezone.now().astimezone(VN_TZ).replace(microsecond=0).isoformat(),
        }
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def live_signing(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the meeting's signing window with one authenticator code; each vote is then
    confirmed on the screen without a code (decision 0601)."""
    user, meeting = _meeting(request, pk, live_perms.can_vote_in)
    session_key = request.session.session_key
    scope = ("meeting", str(meeting.pk))
    next_url = _next(request) or _screen(meeting)
    window = stepup.signing_window_covering(user, session_key=session_key, scope=scope)
    form = TOTPCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                challenge = stepup.stepup_request(
                    actor=user,
                    session_key=session_key,
                    purpose="meetings.signing_window",
                    content=_window_content(user, meeting),
                    summary=_("Bạn mở phiên ký để biểu quyết tại cuộc họp «%(title)s»")
                    % {"title": meeting.title[:250]},
                    window_scope=scope,
                )
                stepup.stepup_confirm(
                    actor=user,
                    session_key=session_key,
                    challenge=challenge,
                    code=form.cleaned_data["code"],
                    open_window_for=scope,
                    client=_client(request),
                )
            except AccountLocked as exc:
                return _locked_out(request, exc)
            except DomainError as exc:
                status = exc.status_code
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã mở phiên ký cho cuộc họp."))
                return redirect(next_url)
    until = timezone.now() + timedelta(seconds=stepup.signing_window_seconds())
    return render(
        request,
        "meetings/live_signing.html",
        {
            "meeting": meeting,
            "form": form,
            "window": window,
            "window_until": format_local(window.expires_at) if window else "",
            "offer_until": format_local(until),
            "next": next_url,
        },
        status=status,
    )


def can_export_attendance(user: Any, meeting: Meeting) -> bool:
    """The chair, the secretary and the Office (those who follow the meeting)."""
    return live_perms.can_record_minutes(user, meeting) or perms.can_follow_meeting(user, meeting)


def _time(value: Any) -> str:
    return value.astimezone(VN_TZ).strftime("%H:%M:%S %d/%m/%Y") if value else ""


@require_safe
@login_required
def live_attendance_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance list: who checked in, in what capacity and how; who was absent and
    why; who has not arrived."""
    _actor, meeting = _meeting(request, pk, can_export_attendance)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("STT"),
            _("Họ và tên"),
            _("Tư cách"),
            _("Dự thay cho"),
            _("Hình thức"),
            _("Điểm danh lúc"),
            _("Rời họp lúc"),
            _("Ghi chú"),
        ]
    )
    rows = (
        Attendance.objects.filter(meeting=meeting)
        .select_related("user", "on_behalf_of")
        .order_by("checked_in_at", "pk")
    )
    number = 0
    seen: set[int] = set()
    represented: set[int] = set()
    for row in rows:
        number += 1
        seen.add(row.user_id)
        if row.invitation_id is not None:
            represented.add(row.invitation_id)
        writer.writerow(
            [
                number,
                name_of(row.user),
                Attendance.Capacity(row.capacity).label,
                name_of(row.on_behalf_of),
                LiveMode(row.mode).label,
                _time(row.checked_in_at),
                _time(row.left_at),
                "",
            ]
        )
    for invitation in (
        Invitation.objects.filter(meeting=meeting).select_related("user").order_by("precedence")
    ):
        if invitation.user_id in seen:
            continue
        number += 1
        if invitation.response == Invitation.Response.DECLINED:
            note = _("Vắng mặt: %(reason)s") % {"reason": invitation.reason}
        elif invitation.pk in represented:
            note = _("Có người dự thay")
        else:
            note = _("Chưa điểm danh")
        writer.writerow([number, name_of(invitation.user), _("Thành viên"), "", "", "", "", note])
    return download(
        out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"diem-danh-{pk}.csv"
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp đính kèm kết luận"),
        error_messages={"required": _("Hãy chọn tệp để đính kèm.")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn."))
        return upload


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@login_required
def live_conclusion_attachment(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Attach a file to an item's conclusion (secretary, Office). Answers JSON to a script
    that asks for it, else goes back with a message."""
    user, meeting = _meeting(request, pk, live_perms.can_record_minutes)
    back = _next(request) or _screen(meeting)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    upload = form.cleaned_data["file"]
    try:
        conclusion = services.conclusion_attach(
            actor=user,
            meeting=meeting,
            item_id=item,
            data=upload.read(),
            filename=upload.name or "ket-luan",
        )
    except DomainError as exc:
        status = 404 if exc.code == "not_found" else exc.status_code
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": str(exc.message)}, status=status)
        messages.error(request, str(exc.message))
        return redirect(back)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "item": item,
                "attachment": conclusion.attachment_id,
                "version": conclusion.version,
            }
        )
    messages.success(request, _("Đã đính kèm tệp vào kết luận."))
    return redirect(back)


__all__ = ["live_attendance_csv", "live_conclusion_attachment", "live_signing"]
