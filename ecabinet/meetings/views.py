"""Pages of the meetings app's preparation: thin views that parse, call one service, render.

A page the user may read but an action they may not take is a 403; a meeting they may not
read (another body's, or not theirs) is a 404 from the selectors. A refused action
(``DomainError``) comes back as the form's error (400) or a message on the meeting's page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body
from ecabinet.bodies.selectors import body_for, body_list_for
from ecabinet.core.errors import DomainError
from ecabinet.core.pages import form_page
from ecabinet.meetings import ledger, selectors, services
from ecabinet.meetings import permissions as perms
from ecabinet.meetings import transitions as t
from ecabinet.meetings.forms import (
    DecideForm,
    InviteForm,
    ItemForm,
    MeetingForm,
    PaperForm,
    ReasonForm,
    RespondForm,
    SettingsForm,
    VersionForm,
)
from ecabinet.meetings.models import AgendaItem, Invitation, Meeting


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _detail(meeting: Meeting) -> HttpResponse:
    return redirect("meetings:detail", pk=meeting.pk)


def _at_item(meeting: Meeting, item_id: int) -> HttpResponse:
    """Back to the meeting's page, at the item."""
    url = reverse("meetings:detail", kwargs={"pk": meeting.pk})
    return redirect(f"{url}#item-{item_id}")


def _refused(request: HttpRequest, exc: DomainError, meeting: Meeting) -> HttpResponse:
    messages.error(request, str(exc.message))
    return _detail(meeting)


def _meeting(request: HttpRequest, pk: int, allowed: Any = None) -> tuple[User, Meeting]:
    """The user and the meeting they may read (404 otherwise); 403 unless ``allowed(user,
    meeting)`` holds, when a check is given."""
    user = _user(request)
    meeting = selectors.meeting_for(user, pk)
    if allowed is not None and not allowed(user, meeting):
        raise PermissionDenied
    return user, meeting


def _item(request: HttpRequest, meeting: Meeting, pk: int) -> AgendaItem:
    """An item of the meeting the user sees (an agency sees only its own items: 404)."""
    item = selectors.item_of(meeting, pk)
    if not perms.sees_item(request.user, item):
        raise Http404
    return item


def _version(request: HttpRequest) -> int:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else -1


# --- Lists and settings --------------------------------------------------------------------


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The bodies whose meetings the user works with, and the invitations waiting for them."""
    user = _user(request)
    bodies = [b for b in body_list_for(user, status="active") if perms.can_use_meetings(user, b)]
    return render(
        request,
        "meetings/index.html",
        {"bodies": bodies, "waiting": selectors.meetings_waiting_for(user)},
    )


def _meetings_body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)
    if not perms.can_use_meetings(request.user, body):
        raise PermissionDenied
    return body


@require_safe
@login_required
def meeting_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _meetings_body(request, code)
    user = _user(request)
    status = request.GET.get("trang-thai", "")
    qs = selectors.meeting_list_for(user, body)
    if status in Meeting.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/list.html",
        {
            "body": body,
            "page": page,
            "status": status,
            "statuses": Meeting.Status.choices,
            "can_create": perms.can_create_meeting(user, body),
            "can_configure": perms.can_configure_meetings(user, body),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_create(request: HttpRequest, code: str) -> HttpResponse:
    body = _meetings_body(request, code)
    user = _user(request)
    if not perms.can_create_meeting(user, body):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, body=body)

    def act(data: dict[str, Any]) -> HttpResponse:
        meeting = services.meeting_create(actor=user, body=body, **form.service_kwargs())
        messages.success(request, _("Đã tạo cuộc họp. Hãy thêm các nội dung họp."))
        return _detail(meeting)

    return form_page(request, "meetings/form.html", {"body": body, "form": form}, act)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_settings(request: HttpRequest, code: str) -> HttpResponse:
    body = body_for(request.user, code)
    user = _user(request)
    if not perms.can_configure_meetings(user, body):
        raise PermissionDenied
    row = selectors.settings_for(body)
    initial = {
        "invitation_days": row.invitation_days,
        "positions_cutoff_hours": row.positions_cutoff_hours,
        "quorum_numerator": row.quorum_numerator,
        "quorum_denominator": row.quorum_denominator,
        "version": row.version,
    }
    form = SettingsForm(request.POST or None, initial=initial)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.meeting_settings_update(actor=user, body=body, **data)
        messages.success(request, _("Đã lưu cấu hình cuộc họp."))
        return redirect("meetings:list", code=body.code)

    return form_page(request, "meetings/settings.html", {"body": body, "form": form}, act)


# --- One meeting ---------------------------------------------------------------------------


@require_safe
@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, meeting = _meeting(request, pk)
    membership = perms.membership_of(user, meeting.body)
    follow = perms.can_follow_meeting(user, meeting, membership)
    manage = perms.can_manage_meeting(user, meeting, membership)
    context: dict[str, Any] = {
        "meeting": meeting,
        "agenda": selectors.agenda_for(user, meeting),
        "follow": follow,
        "can_manage": manage,
        "preparing": meeting.status in t.PREPARING,
        "invited": meeting.invitations_sent_at is not None,
        "live": meeting.status in t.INVITED,
        "mine": selectors.invitation_of(user, meeting),
        "standing_in": selectors.standing_in_for(user, meeting),
        "answers": selectors.answers_of(meeting)
        if follow and meeting.invitations_sent_at
        else None,
        "readiness": selectors.invite_readiness(meeting)
        if manage and meeting.status == t.DRAFT
        else None,
        "seats": range(meeting.room.seating_rows) if meeting.room else range(0),
        "states": t,
    }
    return render(request, "meetings/detail.html", context)


@require_safe
@login_required
def answers(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitation answers, counted, and who has not answered (polled every 10 s)."""
    _reader, meeting = _meeting(request, pk, perms.can_follow_meeting)
    if meeting.invitations_sent_at is None:
        raise Http404
    context = {
        "meeting": meeting,
        "answers": selectors.answers_of(meeting),
        "live": meeting.status in t.INVITED,
    }
    if request.headers.get("HX-Request"):
        return render(request, "meetings/_answers.html", context)
    return render(request, "meetings/answers.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    if meeting.status != t.DRAFT:
        messages.error(
            request,
            _(
                "Giấy mời đã được gửi nên không sửa được thông tin cuộc họp. Nếu cần đổi thời "
                "gian hoặc địa điểm, hãy hủy cuộc họp rồi tạo cuộc họp mới."
            ),
        )
        return _detail(meeting)
    local_start = timezone.localtime(meeting.starts_at)
    local_end = timezone.localtime(meeting.ends_at)
    initial = {
        "meeting_type": meeting.meeting_type,
        "title": meeting.title,
        "date": local_start.date(),
        "start_time": local_start.time().replace(second=0, microsecond=0),
        "end_time": local_end.time().replace(second=0, microsecond=0),
        "room": meeting.room,
        "place": meeting.place,
        "chair": perms.membership_of(meeting.chair, meeting.body),
        "secretary": perms.membership_of(meeting.secretary, meeting.body)
        if meeting.secretary
        else None,
        "version": meeting.version,
    }
    form = MeetingForm(request.POST or None, initial=initial, body=meeting.body)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.meeting_update(
            actor=user, meeting=meeting, version=data.get("version") or -1, **form.service_kwargs()
        )
        messages.success(request, _("Đã lưu thông tin cuộc họp."))
        return _detail(meeting)

    return form_page(
        request,
        "meetings/form.html",
        {"body": meeting.body, "meeting": meeting, "form": form},
        act,
    )


# --- The agenda ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    form = ItemForm(request.POST or None, body=meeting.body)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.agenda_item_add(
            actor=user,
            meeting=meeting,
            title=data["title"],
            summary=data["summary"],
            presenting_unit=data.get("presenting_unit"),
            planned_minutes=data["planned_minutes"],
            needs_decision=data["needs_decision"],
        )
        messages.success(request, _("Đã thêm nội dung họp."))
        if request.POST.get("next") == "add":
            return redirect("meetings:item_add", pk=meeting.pk)
        return _detail(meeting)

    return form_page(request, "meetings/item_form.html", {"meeting": meeting, "form": form}, act)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def item_edit(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    row = _item(request, meeting, item)
    initial = {
        "title": row.title,
        "summary": row.summary,
        "presenting_unit": row.presenting_unit,
        "planned_minutes": row.planned_minutes,
        "needs_decision": row.needs_decision,
        "version": row.version,
    }
    form = ItemForm(request.POST or None, initial=initial, body=meeting.body)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.agenda_item_update(
            actor=user,
            item=row,
            version=data.get("version") or -1,
            title=data["title"],
            summary=data["summary"],
            presenting_unit=data.get("presenting_unit"),
            planned_minutes=data["planned_minutes"],
            needs_decision=data["needs_decision"],
        )
        messages.success(request, _("Đã lưu nội dung họp."))
        return _detail(meeting)

    return form_page(
        request, "meetings/item_form.html", {"meeting": meeting, "item": row, "form": form}, act
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def item_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    row = _item(request, meeting, item)
    form = VersionForm(request.POST or None, initial={"version": row.version})

    def act(data: dict[str, Any]) -> HttpResponse:
        services.agenda_item_remove(actor=user, item=row, version=data["version"])
        messages.success(request, _("Đã xóa nội dung «%(title)s».") % {"title": row.title})
        return _detail(meeting)

    return form_page(
        request, "meetings/item_remove.html", {"meeting": meeting, "item": row, "form": form}, act
    )


@require_POST
@login_required
def item_move(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Move an item one place up or down on the agenda."""
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    row = _item(request, meeting, item)
    try:
        services.agenda_item_move(actor=user, item=row, up=request.POST.get("direction") == "up")
    except DomainError as exc:
        return _refused(request, exc, meeting)
    return _at_item(meeting, row.pk)


# --- The papers ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def item_upload(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """The presenting unit (or the Office) uploads a paper for an item."""
    from django.conf import settings

    from ecabinet.documents.uploads import upload_was_too_large

    user, meeting = _meeting(request, pk)
    row = _item(request, meeting, item)
    if not perms.can_submit_document(user, row):
        if meeting.status not in t.PREPARING:
            raise DomainError(
                _(
                    "Cuộc họp đã bắt đầu, đã kết thúc hoặc đã bị hủy: không tải thêm tài liệu "
                    "được nữa."
                ),
                code="not_preparing",
            )
        raise PermissionDenied
    bound = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = PaperForm(*bound)
    context = {"meeting": meeting, "item": row, "form": form}
    if request.method != "POST":
        return render(request, "meetings/upload.html", context)
    if upload_was_too_large(request):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("Tệp quá lớn: hệ thống nhận tệp tối đa %(mb)s MB.")
            % {"mb": settings.ECABINET_MAX_UPLOAD_HARD_CAP_MB},
        )
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            paper = services.item_document_submit(
                actor=user,
                item=row,
                data=upload.read(),
                filename=upload.name or "",
                title=form.cleaned_data["title"],
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            messages.success(
                request,
                _("Đã gửi «%(doc)s»; tài liệu chờ Văn phòng duyệt.")
                % {"doc": paper.document.title},
            )
            return _at_item(meeting, row.pk)
    return render(request, "meetings/upload.html", context, status=400)


@require_POST
@login_required
def paper_decide(request: HttpRequest, pk: int, paper: int) -> HttpResponse:
    """The Office approves a paper, or returns it with a reason."""
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    row = selectors.item_document_of(meeting, paper)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu không hợp lệ. Tải lại trang rồi thử lại."))
        return _detail(meeting)
    approve = form.cleaned_data["action"] == "approve"
    try:
        services.item_document_decide(
            actor=user, paper=row, approve=approve, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, _("Đã duyệt tài liệu.") if approve else _("Đã trả lại tài liệu."))
    return _at_item(meeting, row.item_id)


# --- Invitations ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """What will go out and what is missing, then send the invitations."""
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    if meeting.status != t.DRAFT:
        messages.info(request, _("Giấy mời của cuộc họp này đã được gửi."))
        return _detail(meeting)
    readiness = selectors.invite_readiness(meeting)
    form = InviteForm(
        request.POST or None,
        initial={"version": meeting.version, "with_documents": readiness.approved > 0},
    )
    if not readiness.approved:
        del form.fields["with_documents"]  # nothing approved to send with it

    def act(data: dict[str, Any]) -> HttpResponse:
        sent = services.meeting_invite(
            actor=user,
            meeting=meeting,
            version=data["version"],
            with_documents=bool(data.get("with_documents")),
        )
        done = _("Đã gửi giấy mời đến %(n)s thành viên.") % {"n": sent.invitations.count()}
        if data.get("with_documents"):
            done += " " + _("Tài liệu đã duyệt được gửi kèm.")
        if readiness.items_without_papers:
            done += " " + _("Lưu ý: %(n)s nội dung chưa có tài liệu được duyệt.") % {
                "n": len(readiness.items_without_papers)
            }
        messages.success(request, done)
        return _detail(meeting)

    context = {
        "meeting": meeting,
        "form": form,
        "readiness": readiness,
        "members": selectors.voting_members(meeting.body),
        "answer_due": ledger.answer_due(meeting),
    }
    return form_page(request, "meetings/invite.html", context, act)


@require_POST
@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    try:
        services.meeting_publish_documents(actor=user, meeting=meeting, version=_version(request))
    except DomainError as exc:
        return _refused(request, exc, meeting)
    messages.success(request, _("Đã gửi tài liệu họp đến các thành viên được mời."))
    return _detail(meeting)


def _own_invitation(request: HttpRequest, pk: int) -> tuple[User, Meeting, Invitation]:
    user, meeting = _meeting(request, pk)
    invitation = selectors.invitation_of(user, meeting)
    if invitation is None:
        raise PermissionDenied
    return user, meeting, invitation


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The member answers the invitation (a page made for the phone)."""
    user, meeting, invitation = _own_invitation(request, pk)
    initial: dict[str, Any] = {"version": invitation.version}
    if invitation.response != Invitation.Response.PENDING:
        initial["response"] = invitation.response
        initial["reason"] = invitation.reason
    if invitation.delegation is not None:
        initial["substitute"] = invitation.delegation.substitute_id
        initial["mandates"] = [
            m for m in invitation.delegation.mandates() if m in {"speak", "vote"}
        ]
    form = RespondForm(
        request.POST or None, initial=initial, body=meeting.body, exclude=invitation.membership
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        services.invitation_respond(
            actor=user,
            invitation=invitation,
            response=data["response"],
            reason=data.get("reason") or "",
            substitute=data.get("substitute"),
            mandates=data.get("mandates") or [],
            version=data["version"],
        )
        messages.success(request, _("Đã ghi nhận trả lời của bạn. Cảm ơn đồng chí."))
        return redirect("meetings:respond", pk=meeting.pk)

    context = {
        "meeting": meeting,
        "invitation": invitation,
        "form": form,
        "open": meeting.status in t.INVITED and meeting.ends_at > timezone.now(),
        "answer_due": ledger.answer_due(meeting),
    }
    return form_page(request, "meetings/respond.html", context, act)


@require_safe
@login_required
def invitation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitation PDF, for everyone who reads the meeting once it is sent."""
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.services import version_bytes

    user, meeting = _meeting(request, pk)
    if meeting.invitation_document_id is None:
        raise Http404
    version = (
        DocumentVersion.objects.filter(document_id=meeting.invitation_document_id)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Http404
    data = version_bytes(actor=user, version=version)
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"giay-moi-{meeting.pk}.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user, meeting = _meeting(request, pk, perms.can_manage_meeting)
    if not t.MACHINE.allowed("cancel", meeting.status):
        messages.error(
            request, _("Cuộc họp đã bắt đầu, đã kết thúc hoặc đã bị hủy nên không hủy được.")
        )
        return _detail(meeting)
    form = ReasonForm(request.POST or None, initial={"version": meeting.version})

    def act(data: dict[str, Any]) -> HttpResponse:
        services.meeting_cancel(
            actor=user, meeting=meeting, reason=data["reason"], version=data.get("version")
        )
        messages.success(request, _("Đã hủy cuộc họp; những người được mời đã được thông báo."))
        return _detail(meeting)

    return form_page(request, "meetings/cancel.html", {"meeting": meeting, "form": form}, act)
