"""Pages of the resolutions app: thin views that parse, call one service and render."""

from __future__ import annotations

from typing import Any

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
from ecabinet.resolutions import issuance, selectors, services
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.content import Content
from ecabinet.resolutions.diff import content_diff
from ecabinet.resolutions.forms import (
    CloseForm,
    ConsultForm,
    EditorForm,
    HandlingForm,
    OpinionForm,
    ReasonForm,
    SectionRow,
    SourceForm,
    apply_row_action,
    editor_initial,
    initial_from_post,
    section_rows,
)
from ecabinet.resolutions.models import ConsultationComment, ConsultationRecipient, Resolution
from ecabinet.resolutions.register_views import issuance_context


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _detail(resolution: Resolution) -> HttpResponse:
    return redirect("resolutions:detail", pk=resolution.pk)


def _refused(request: HttpRequest, exc: DomainError, resolution: Resolution) -> HttpResponse:
    messages.error(request, str(exc.message))
    return _detail(resolution)


def _resolution(request: HttpRequest, pk: int, allowed: Any = None) -> tuple[User, Resolution]:
    """The user and the resolution they may read (404 otherwise); 403 unless
    ``allowed(user, resolution)`` holds, when a check is given."""
    user = _user(request)
    resolution = selectors.resolution_for(user, pk)
    if allowed is not None and not allowed(user, resolution):
        raise PermissionDenied
    return user, resolution


def _version_number(request: HttpRequest, name: str = "version") -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return -1


# --- Lists and drafting --------------------------------------------------------------------


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The bodies whose resolutions the user sees."""
    user = _user(request)
    bodies = [b for b in body_list_for(user, status="active") if perms.can_use_resolutions(user, b)]
    return render(request, "resolutions/index.html", {"bodies": bodies})


def _body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)
    if not perms.can_use_resolutions(request.user, body):
        raise PermissionDenied
    return body


@require_safe
@login_required
def resolution_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _body(request, code)
    user = _user(request)
    status = request.GET.get("trang-thai", "")
    qs = selectors.resolution_list_for(user, body)
    if status in Resolution.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "resolutions/list.html",
        {
            "body": body,
            "page": page,
            "status": status,
            "statuses": Resolution.Status.choices,
            "can_draft": perms.can_draft_resolution(user, body),
            "can_configure": perms.can_configure_resolutions(user, body),
        },
    )


def _create(
    request: HttpRequest, code: str, *, template: str, candidates: Any, create: Any
) -> HttpResponse:
    """A page listing what a draft can be made from; a POST drafts from the chosen one.

    ``candidates(body)`` lists the sources offered; the chosen source is looked up among all
    of the body's (another body's is a 404) so that the service explains a refusal.
    """
    body = _body(request, code)
    user = _user(request)
    if not perms.can_draft_resolution(user, body):
        raise PermissionDenied
    offered = candidates(body)
    form = SourceForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        source = offered.model.objects.filter(body=body, pk=data["source"]).first()
        if source is None:
            raise Http404
        resolution = create(user, source)
        messages.success(
            request,
            _("Đã tạo dự thảo nghị quyết (phiên bản 1). Hãy soạn thảo, hoàn thiện nội dung."),
        )
        return redirect("resolutions:edit", pk=resolution.pk)

    return form_page(
        request, template, {"body": body, "form": form, "candidates": list(offered)}, act
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create_from_meeting(request: HttpRequest, code: str) -> HttpResponse:
    """The Office picks a closed meeting with conclusions; the draft is generated from them."""
    return _create(
        request,
        code,
        template="resolutions/create_from_meeting.html",
        candidates=selectors.meetings_to_draft,
        create=lambda user, meeting: services.resolution_create_from_meeting(
            actor=user, meeting=meeting
        ),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create_from_ballot(request: HttpRequest, code: str) -> HttpResponse:
    """The Office picks a decided ballot; the draft is generated from its outcome."""
    return _create(
        request,
        code,
        template="resolutions/create_from_ballot.html",
        candidates=selectors.ballots_to_draft,
        create=lambda user, ballot: services.resolution_create_from_ballot(
            actor=user, ballot=ballot
        ),
    )


# --- One resolution ------------------------------------------------------------------------


@require_safe
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, resolution = _resolution(request, pk)
    membership = perms.membership_of(user, resolution.body)
    follow = perms.can_follow_resolution(user, resolution, membership)
    manage = perms.can_manage_resolution(user, resolution, membership)
    shown = selectors.shown_version_for(user, resolution)
    consultation = selectors.open_consultation(resolution)
    seats: list[selectors.Seat] = []
    cannot_answer = ""
    if consultation is not None:
        consultation.resolution = resolution
        seats = selectors.seats_for(user, consultation)
        own = selectors.own_seat(user, consultation)
        if own is not None and not seats:
            cannot_answer = selectors.not_answering_reason(user, own)
    services.resolution_seen(actor=user, resolution=resolution)
    if resolution.status == t.ISSUED:
        issuance.receipt_read(actor=user, resolution=resolution)
    context: dict[str, Any] = {
        "resolution": resolution,
        "shown": shown,
        "content": selectors.content_of(shown) if shown is not None else None,
        "consultation": consultation,
        "answerable": consultation is not None and selectors.is_answerable(consultation),
        "seats": seats,
        "cannot_answer": cannot_answer,
        "follow": follow,
        "manage": manage,
        "can_edit": perms.can_edit_resolution(user, resolution, membership),
        "can_return": perms.can_return_resolution(user, resolution, membership),
        "events": selectors.events_of(resolution) if follow else [],
        "consultations": selectors.consultations_of(resolution) if follow else [],
        "unhandled": selectors.unhandled_comments(resolution) if manage else 0,
        "states": t,
        "now": timezone.now(),
    }
    context.update(issuance_context(user, resolution, membership))
    return render(request, "resolutions/detail.html", context)


def _editor_form(resolution: Resolution, **kwargs: Any) -> EditorForm:
    body = resolution.body
    return EditorForm(
        body=body,
        members=selectors.voting_members(body),
        units=selectors.unit_choices(body),
        agencies=selectors.agency_choices(body),
        **kwargs,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The structured editor: the whole resolution and its sections; saving makes a version.

    Buttons that add, remove or move a section redraw the form without saving. A save based
    on an older version than the current one is refused and the typed text stays on the
    page, with a link to what changed meanwhile.
    """
    user, resolution = _resolution(request, pk, perms.can_manage_resolution)
    if resolution.status not in t.EDITABLE:
        messages.error(
            request,
            _("Nghị quyết đã trình ký hoặc đã kết thúc: không sửa được nội dung."),
        )
        return _detail(resolution)
    current = resolution.current_version
    assert current is not None
    content = selectors.content_of(current)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    status = 200
    stale_from: int | None = None
    focus: int | None = None
    if request.method != "POST":
        form = _editor_form(resolution, initial=editor_initial(content, current.number))
        rows = [SectionRow.of(s) for s in content.sections]
    else:
        rows = section_rows(request.POST)
        moved = apply_row_action(rows, action) if action != "save" else None
        if moved is not None:
            form = _editor_form(resolution, initial=initial_from_post(request.POST))
            focus = _focus_after(action, len(moved))
            rows = moved
        else:
            form = _editor_form(resolution, data=request.POST)
            status = 400
            if form.is_valid():
                base = form.cleaned_data["base_version"]
                # After a refused stale save, the user may confirm that they have seen the
                # newer version and save their text on top of it (still checked by version).
                rebase = request.POST.get("rebase_to", "")
                if rebase.isdigit():
                    base = int(rebase)
                try:
                    version = services.resolution_edit(
                        actor=user,
                        resolution=resolution,
                        base_version=base,
                        content=form.content(rows, content.signer.name),
                        note=form.cleaned_data["note"],
                    )
                except DomainError as exc:
                    form.add_error(None, str(exc.message))
                    if exc.code == "stale":
                        status, stale_from = 409, base
                else:
                    if version.number == base:
                        messages.info(request, _("Không có thay đổi nào để lưu."))
                    else:
                        messages.success(
                            request,
                            _("Đã lưu phiên bản %(n)s.") % {"n": version.number},
                        )
                    return _detail(resolution)
    return render(
        request,
        "resolutions/edit.html",
        {
            "resolution": resolution,
            "form": form,
            "rows": rows,
            "current": current,
            "signer_name": content.signer.name,
            "stale_from": stale_from,
            "focus": focus,
        },
        status=status,
    )


def _focus_after(action: str, count: int) -> int | None:
    """The section whose heading takes the focus after adding or moving one."""
    verb, _sep, index = action.partition("-")
    if verb == "add":
        return count - 1
    if index.isdigit() and verb in ("up", "down"):
        target = int(index) + (-1 if verb == "up" else 1)
        return target if 0 <= target < count else None
    return None


@require_safe
@login_required
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = _resolution(request, pk, perms.can_follow_resolution)[1]
    rows = selectors.versions_of(resolution)
    return render(
        request, "resolutions/versions.html", {"resolution": resolution, "versions": rows}
    )


@require_safe
@login_required
def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    resolution = _resolution(request, pk, perms.can_follow_resolution)[1]
    row = selectors.version_of(resolution, number)
    return render(
        request,
        "resolutions/version.html",
        {"resolution": resolution, "version": row, "content": selectors.content_of(row)},
    )


def _number(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@require_safe
@login_required
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The difference between two versions (``?tu=1&den=3``; default: the last change)."""
    resolution = _resolution(request, pk, perms.can_follow_resolution)[1]
    current = resolution.current_version
    assert current is not None
    new_number = _number(request.GET.get("den"), current.number)
    old_number = _number(request.GET.get("tu"), max(1, new_number - 1))
    old = selectors.version_of(resolution, old_number)
    new = selectors.version_of(resolution, new_number)
    return render(
        request,
        "resolutions/diff.html",
        {
            "resolution": resolution,
            "old": old,
            "new": new,
            "diff": content_diff(selectors.content_of(old), selectors.content_of(new)),
            "numbers": list(range(1, current.number + 1)),
        },
    )


# --- Consultation --------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def consult(request: HttpRequest, pk: int) -> HttpResponse:
    """The Office sends the current version to the members, due in N working days."""
    user, resolution = _resolution(request, pk, perms.can_manage_resolution)
    if resolution.status != t.DRAFTING:
        messages.error(
            request,
            _("Chỉ gửi lấy ý kiến khi dự thảo đang soạn thảo (không có đợt lấy ý kiến nào mở)."),
        )
        return _detail(resolution)
    current = resolution.current_version
    assert current is not None
    members = selectors.voting_members(resolution.body)
    form = ConsultForm(
        request.POST or None,
        members=members,
        initial={"version": current.number, "members": list(members)},
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        consultation = services.consultation_open(
            actor=user,
            resolution=resolution,
            version=data["version"],
            working_days=data["working_days"],
            members=list(data["members"]),
            message=data["message"],
        )
        messages.success(
            request,
            _("Đã gửi phiên bản %(n)s lấy ý kiến các thành viên.")
            % {"n": consultation.version.number},
        )
        return _detail(resolution)

    return form_page(
        request,
        "resolutions/consult.html",
        {"resolution": resolution, "form": form, "current": current},
        act,
    )


def _seat(
    request: HttpRequest, pk: int, seat: int
) -> tuple[User, Resolution, ConsultationRecipient, selectors.Capacity]:
    user, resolution = _resolution(request, pk)
    recipient = selectors.recipient_of(resolution, seat)
    capacity = selectors.capacity_for(user, recipient)
    if capacity is None:
        if recipient.user_id == user.pk:
            # Their own seat, but not theirs to answer now (delegated, removed): say why.
            raise DomainError(
                selectors.not_answering_reason(user, recipient)
                or _("Bạn không thể góp ý cho dự thảo này."),
                code="cannot_answer",
            )
        raise PermissionDenied
    return user, resolution, recipient, capacity


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def answer(request: HttpRequest, pk: int, seat: int) -> HttpResponse:
    """The member's phone page: read the draft sent, agree or comment per section."""
    user, resolution, recipient, capacity = _seat(request, pk, seat)
    consultation = recipient.consultation
    content = selectors.content_of(consultation.version)
    existing = selectors.comments_of(recipient)
    initial: dict[str, Any] = {"choice": recipient.choice, "general": ""}
    for key, comment in existing.items():
        initial["general" if key == "" else f"comment-{key}"] = comment.text
    form = OpinionForm(request.POST or None, initial=initial, sections=list(content.sections))
    reason = selectors.not_answering_reason(user, recipient)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.opinion_submit(
                    actor=user,
                    recipient=recipient,
                    choice=form.cleaned_data["choice"],
                    comments=form.comments(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã gửi ý kiến. Bạn có thể thay đổi trước hạn."))
                return redirect("resolutions:answer", pk=resolution.pk, seat=recipient.pk)
    else:
        services.resolution_seen(actor=user, resolution=resolution)
    return render(
        request,
        "resolutions/answer.html",
        {
            "resolution": resolution,
            "consultation": consultation,
            "recipient": recipient,
            "capacity": capacity,
            "content": content,
            "form": form,
            "reason": reason,
            "existing": existing,
        },
        status=status,
    )


@require_safe
@login_required
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """Who answered, who did not, the comments per section and how each was handled."""
    user, resolution = _resolution(request, pk, perms.can_follow_resolution)
    rounds = selectors.consultations_of(resolution)
    current = None
    if rounds:
        number = _number(request.GET.get("dot"), rounds[0].number)
        current = selectors.consultation_of(resolution, number)
    return render(
        request,
        "resolutions/consultation.html",
        {
            "resolution": resolution,
            "rounds": rounds,
            "overview": selectors.consultation_overview(current) if current else None,
            "manage": perms.can_manage_resolution(user, resolution)
            and resolution.status in t.EDITABLE,
            "handling_form": HandlingForm(),
            "close_form": CloseForm(),
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def comment_handle(request: HttpRequest, pk: int, comment: int) -> HttpResponse:
    """The Office records how one comment was handled."""
    user, resolution = _resolution(request, pk, perms.can_manage_resolution)
    row = (
        ConsultationComment.objects.filter(
            pk=comment, recipient__consultation__resolution=resolution
        )
        .select_related("recipient__consultation")
        .first()
    )
    if row is None:
        raise Http404
    row.recipient.consultation.resolution = resolution
    form = HandlingForm(request.POST)
    back = reverse("resolutions:consultation", kwargs={"pk": resolution.pk})
    back = f"{back}?dot={row.recipient.consultation.number}#comment-{row.pk}"
    if not form.is_valid():
        messages.error(request, _("Hãy chọn cách tiếp thu ý kiến."))
        return redirect(back)
    try:
        services.comment_handle(
            actor=user,
            comment=row,
            handling=form.cleaned_data["handling"],
            explanation=form.cleaned_data["explanation"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Đã ghi nhận cách tiếp thu ý kiến."))
    return redirect(back)


@require_POST
@login_required
def consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    user, resolution = _resolution(request, pk, perms.can_manage_resolution)
    form = CloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.consultation_close(actor=user, resolution=resolution, note=note)
    except DomainError as exc:
        return _refused(request, exc, resolution)
    messages.success(request, _("Đã kết thúc lấy ý kiến. Dự thảo trở lại bước soạn thảo."))
    return _detail(resolution)


# --- Submission, return, cancellation ------------------------------------------------------


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    user, resolution = _resolution(request, pk, perms.can_manage_resolution)
    try:
        services.resolution_submit(
            actor=user, resolution=resolution, version=_version_number(request)
        )
    except DomainError as exc:
        return _refused(request, exc, resolution)
    messages.success(request, _("Đã trình Chủ tọa ký nghị quyết."))
    return _detail(resolution)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair returns the resolution awaiting their signature, with a reason."""
    user, resolution = _resolution(request, pk, perms.can_return_resolution)
    form = ReasonForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.resolution_return(actor=user, resolution=resolution, reason=data["reason"])
        messages.success(request, _("Đã trả lại dự thảo nghị quyết cho Văn phòng."))
        return _detail(resolution)

    content: Content | None = None
    if resolution.submitted_version is not None:
        content = selectors.content_of(resolution.submitted_version)
    return form_page(
        request,
        "resolutions/return.html",
        {"resolution": resolution, "form": form, "content": content},
        act,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user, resolution = _resolution(request, pk, perms.can_edit_resolution)
    form = ReasonForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.resolution_cancel(actor=user, resolution=resolution, reason=data["reason"])
        messages.success(request, _("Đã hủy dự thảo nghị quyết."))
        return _detail(resolution)

    return form_page(
        request, "resolutions/cancel.html", {"resolution": resolution, "form": form}, act
    )
