"""Pages of the ballots app: thin views that parse, call one service and render.

Signatures (the chair's approval, an answer, the report, the decision) take two requests
around the step-up page: a POST asks for the challenge and keeps the exact content in the
session, the step-up page confirms it, and the GET it returns to spends the confirmation and
signs, once (a reloaded page finds the signature already made).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.ballots import permissions as perms
from ecabinet.ballots import selectors, services
from ecabinet.ballots.forms import (
    AnswerForm,
    AssistantForm,
    DecisionForm,
    DraftForm,
    ProposalForm,
    ReasonForm,
    ReviewForm,
    SettingsForm,
)
from ecabinet.ballots.models import Answer, Assistant, Ballot, Choice, Decision, Report
from ecabinet.ballots.transitions import AWAITING_APPROVAL, CLOSED, DRAFT, OPEN, SUMMARISED
from ecabinet.bodies.models import Body, Membership, Role
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.bodies.selectors import body_for, body_list_for
from ecabinet.core.errors import DomainError
from ecabinet.core.pages import download, form_page

SESSION_PREFIX = "ballots.sign."


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _keep(request: HttpRequest, challenge_id: int, content: str) -> None:
    request.session[f"{SESSION_PREFIX}{challenge_id}"] = content


def _kept(request: HttpRequest, challenge_id: int) -> str:
    content = request.session.get(f"{SESSION_PREFIX}{challenge_id}")
    if not isinstance(content, str):
        raise DomainError(
            _("Không tìm thấy nội dung cần ký trong phiên làm việc này. Vui lòng ký lại."),
            code="not_found",
        )
    return content


def _forget(request: HttpRequest, challenge_id: int) -> None:
    request.session.pop(f"{SESSION_PREFIX}{challenge_id}", None)


def _to_stepup(challenge_id: int, next_url: str) -> HttpResponse:
    stepup = reverse("accounts:stepup", kwargs={"challenge_id": challenge_id})
    return redirect(f"{stepup}?{urlencode({'next': next_url})}")


def _detail(ballot: Ballot) -> HttpResponse:
    return redirect("ballots:detail", pk=ballot.pk)


def _refused(request: HttpRequest, exc: DomainError, ballot: Ballot) -> HttpResponse:
    messages.error(request, str(exc.message))
    return _detail(ballot)


def _ballot(request: HttpRequest, pk: int, allowed: Any = None) -> tuple[User, Ballot]:
    """The user and the ballot they may read (404 otherwise); 403 unless ``allowed(user,
    ballot)`` holds, when a check is given."""
    user = _user(request)
    ballot = selectors.ballot_for(user, pk)
    if allowed is not None and not allowed(user, ballot):
        raise PermissionDenied
    return user, ballot


def _sign_finish(
    request: HttpRequest,
    ballot: Ballot,
    challenge_id: int,
    sign: Any,
    done: str,
    *,
    with_content: bool = True,
) -> HttpResponse:
    """After the step-up confirmation: spend it and sign, once, then back to the ballot."""
    try:
        kwargs = {"content": _kept(request, challenge_id)} if with_content else {}
        sign(
            actor=_user(request),
            ballot=ballot,
            session_key=request.session.session_key,
            challenge_id=challenge_id,
            **kwargs,
        )
    except DomainError as exc:
        return _refused(request, exc, ballot)
    _forget(request, challenge_id)
    messages.success(request, done)
    return _detail(ballot)


# --- Lists ---------------------------------------------------------------------------------


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The bodies whose ballots the user works with, and the seats waiting for them."""
    user = _user(request)
    bodies = [b for b in body_list_for(user, status="active") if perms.can_use_ballots(user, b)]
    return render(
        request,
        "ballots/index.html",
        {"bodies": bodies, "waiting": selectors.ballots_waiting_for(user)},
    )


def _ballots_body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)
    if not perms.can_use_ballots(request.user, body):
        raise PermissionDenied
    return body


@require_safe
@login_required
def ballot_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _ballots_body(request, code)
    user = _user(request)
    status = request.GET.get("trang-thai", "")
    qs = selectors.ballot_list_for(user, body)
    if status in Ballot.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "ballots/list.html",
        {
            "body": body,
            "page": page,
            "status": status,
            "statuses": Ballot.Status.choices,
            "can_file": perms.can_file_proposal(user, body),
            "can_configure": perms.can_configure_ballots(user, body),
            "can_name_assistants": perms.can_name_assistants(user, body),
            "now": timezone.now(),
        },
    )


# --- Filing, settings, assistants ----------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def ballot_create(request: HttpRequest, code: str) -> HttpResponse:
    """A submitting agency (or the Office) files a proposal and its questions."""
    body = _ballots_body(request, code)
    user = _user(request)
    if not perms.can_file_proposal(user, body):
        raise PermissionDenied
    form = ProposalForm(request.POST or None, body=body, choose_unit=perms.is_office(user, body))

    def act(data: dict[str, Any]) -> HttpResponse:
        ballot = services.ballot_file(
            actor=user,
            body=body,
            title=data["title"],
            questions=data["questions"],
            proposal_number=data["proposal_number"],
            proposal_summary=data["proposal_summary"],
            unit=data.get("unit"),
        )
        messages.success(
            request,
            _("Đã gửi tờ trình. Hãy tải các tài liệu của hồ sơ lên để Văn phòng dự thảo phiếu."),
        )
        return _detail(ballot)

    return form_page(request, "ballots/create.html", {"body": body, "form": form}, act)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def ballot_settings(request: HttpRequest, code: str) -> HttpResponse:
    body = body_for(request.user, code)
    user = _user(request)
    if not perms.can_configure_ballots(user, body):
        raise PermissionDenied
    row = selectors.settings_for(body)
    initial = {
        "answer_working_days": row.answer_working_days,
        "non_answer_rule": row.non_answer_rule,
        "review_route": list(row.review_route),
        "version": row.version,
    }
    form = SettingsForm(request.POST or None, initial=initial)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.ballot_settings_update(
            actor=user,
            body=body,
            answer_working_days=data["answer_working_days"],
            non_answer_rule=data["non_answer_rule"],
            review_route=data["review_route"],
            version=data["version"],
        )
        messages.success(request, _("Đã lưu cấu hình phiếu lấy ý kiến."))
        return redirect("ballots:list", code=body.code)

    return form_page(request, "ballots/settings.html", {"body": body, "form": form}, act)


def _assistant_candidates(body: Body, principal: Membership | None) -> Any:
    qs = Membership.objects.filter(body=body, is_active=True, user__is_active=True)
    if principal is not None:
        qs = qs.exclude(pk=principal.pk)
    return (
        qs.exclude(role__in=VOTING_ROLES)
        .select_related("user", "title")
        .order_by("precedence", "user__full_name")
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def assistants(request: HttpRequest, code: str) -> HttpResponse:
    """A member's assistants, who prepare draft answers the member then signs."""
    body = body_for(request.user, code)
    user = _user(request)
    principal = perms.membership_of(user, body)
    if not perms.can_name_assistants(user, body, principal):
        raise PermissionDenied
    form = AssistantForm(request.POST or None, candidates=_assistant_candidates(body, principal))
    if request.method == "POST" and form.is_valid():
        try:
            services.assistant_add(actor=user, body=body, assistant=form.cleaned_data["assistant"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã chỉ định trợ lý chuẩn bị ý kiến."))
            return redirect("ballots:assistants", code=body.code)
    rows = Assistant.objects.filter(principal=principal, revoked_at__isnull=True).select_related(
        "assistant__user", "assistant__title"
    )
    return render(
        request,
        "ballots/assistants.html",
        {"body": body, "form": form, "rows": rows},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def assistant_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = body_for(request.user, code)
    user = _user(request)
    row = (
        Assistant.objects.filter(body=body, pk=pk, principal__user=user)
        .select_related("principal")
        .first()
    )
    if row is None:
        raise Http404
    services.assistant_revoke(actor=user, assistant=row)
    messages.success(request, _("Đã thôi chỉ định trợ lý."))
    return redirect("ballots:assistants", code=body.code)


# --- One ballot ----------------------------------------------------------------------------


@require_safe
@login_required
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, ballot = _ballot(request, pk)
    membership = perms.membership_of(user, ballot.body)
    seats = selectors.seats_for(user, ballot)
    own = next(
        (r for r in selectors.recipients_of(ballot) if r.user_id == user.pk and ballot.sent_at),
        None,
    )
    cannot_answer = ""
    if own is not None:
        own.ballot = ballot
        cannot_answer = selectors.not_answering_reason(user, own)
    if ballot.sent_at is not None:
        services.ballot_seen(actor=user, ballot=ballot)
    follow = perms.can_follow_ballot(user, ballot, membership)
    step_role = perms.current_step_role(ballot)
    context: dict[str, Any] = {
        "ballot": ballot,
        "questions": selectors.questions_of(ballot),
        "seats": seats,
        "cannot_answer": cannot_answer,
        "answerable": ballot.status == OPEN
        and ballot.deadline_at is not None
        and ballot.deadline_at > timezone.now(),
        "follow": follow,
        "route": selectors.route_of(ballot) if follow else [],
        "route_labels": [Role(r).label for r in [*(ballot.route or []), Role.CHAIR]]
        if ballot.route or ballot.cycle
        else [],
        "recipients": selectors.recipients_of(ballot) if follow else [],
        "time_left": selectors.time_left_text(ballot.deadline_at) if ballot.sent_at else "",
        "overdue": ballot.status == OPEN
        and ballot.deadline_at is not None
        and ballot.deadline_at <= timezone.now(),
        "can_manage": perms.can_manage_ballot(user, ballot, membership),
        "can_review": perms.can_review_ballot(user, ballot, membership),
        "can_approve": perms.can_approve_ballot(user, ballot, membership),
        "can_withdraw": perms.can_withdraw_ballot(user, ballot, membership),
        "can_results": perms.can_view_results(user, ballot, membership),
        "can_report": perms.can_sign_report(user, ballot, membership) and ballot.status == CLOSED,
        "can_decide": perms.can_decide_ballot(user, ballot, membership)
        and ballot.status == SUMMARISED,
        "can_upload": _can_upload(user, ballot),
        "step_role": step_role,
        "review_form": ReviewForm(initial={"step": ballot.review_step, "cycle": ballot.cycle}),
        "report": Report.objects.filter(ballot=ballot, signed_at__isnull=False).first(),
        "decision": Decision.objects.filter(ballot=ballot).select_related("decided_by").first(),
        "states": {"draft": DRAFT, "open": OPEN, "awaiting": AWAITING_APPROVAL},
    }
    return render(request, "ballots/detail.html", context)


def _can_upload(user: User, ballot: Ballot) -> bool:
    from ecabinet.documents.permissions import can_add_to_dossier

    return ballot.status in (DRAFT, "in_review", AWAITING_APPROVAL) and can_add_to_dossier(
        user, ballot.dossier
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def ballot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The Office drafts the ballot: questions, recipients, deadline, follow-up officer."""
    user, ballot = _ballot(request, pk, perms.can_manage_ballot)
    if ballot.status != DRAFT:
        messages.error(
            request,
            _(
                "Phiếu đã gửi các thành viên nên không sửa được câu hỏi. Hãy tạo phiếu đã sửa "
                "để gửi lại thay cho phiếu này."
            )
            if ballot.sent_at
            else _("Phiếu đang được trình duyệt nên không sửa được."),
        )
        return _detail(ballot)
    deadline = ballot.deadline_at or services.default_deadline(ballot.body)
    local = timezone.localtime(deadline)
    initial = {
        "title": ballot.title,
        "questions": "\n".join(q.text for q in selectors.questions_of(ballot)),
        "recipients": [r.membership for r in selectors.recipients_of(ballot)],
        "deadline_date": local.date(),
        "deadline_time": local.time().replace(second=0, microsecond=0),
        "follower": (
            perms.membership_of(ballot.follower, ballot.body)
            if ballot.follower
            else perms.membership_of(user, ballot.body)
        ),
        "version": ballot.version,
    }
    form = DraftForm(
        request.POST or None,
        initial=initial,
        voters=selectors.voting_members(ballot.body),
        office=selectors.office_choices(ballot.body),
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        follower = data["follower"]
        services.ballot_update(
            actor=user,
            ballot=ballot,
            title=data["title"],
            questions=data["questions"],
            recipients=list(data["recipients"]),
            deadline_at=form.deadline(),
            follower=follower.user if follower is not None else None,
            version=data["version"],
        )
        messages.success(request, _("Đã lưu dự thảo phiếu."))
        return _detail(ballot)

    return form_page(request, "ballots/edit.html", {"ballot": ballot, "form": form}, act)


@require_POST
@login_required
def ballot_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user, ballot = _ballot(request, pk, perms.can_manage_ballot)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.ballot_submit(actor=user, ballot=ballot, version=version)
    except DomainError as exc:
        return _refused(request, exc, ballot)
    messages.success(request, _("Đã trình duyệt phiếu."))
    return _detail(ballot)


@require_POST
@login_required
def ballot_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer (or the chair) passes the draft on, or returns it with a reason."""
    user, ballot = _ballot(request, pk)
    returning = request.POST.get("action") == "return"
    at_chair = ballot.status == AWAITING_APPROVAL
    allowed = (
        perms.can_approve_ballot(user, ballot)
        if at_chair
        else perms.can_review_ballot(user, ballot)
    )
    if not allowed or (at_chair and not returning):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu không hợp lệ. Tải lại trang rồi thử lại."))
        return _detail(ballot)
    data = form.cleaned_data
    try:
        if returning:
            services.ballot_return(
                actor=user,
                ballot=ballot,
                step=data["step"],
                cycle=data["cycle"],
                reason=data["reason"],
            )
            messages.success(request, _("Đã trả lại dự thảo phiếu."))
        else:
            services.ballot_forward(
                actor=user, ballot=ballot, step=data["step"], cycle=data["cycle"]
            )
            messages.success(request, _("Đã đồng ý và trình tiếp."))
    except DomainError as exc:
        return _refused(request, exc, ballot)
    return _detail(ballot)


@require_POST
@login_required
def ballot_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair asks to sign the approval; the step-up page confirms it."""
    user, ballot = _ballot(request, pk, perms.can_approve_ballot)
    try:
        sign = services.ballot_approval_request(
            actor=user, ballot=ballot, session_key=request.session.session_key
        )
    except DomainError as exc:
        return _refused(request, exc, ballot)
    _keep(request, sign.challenge.pk, sign.content)
    finish = reverse(
        "ballots:approve_finish", kwargs={"pk": ballot.pk, "challenge_id": sign.challenge.pk}
    )
    return _to_stepup(sign.challenge.pk, finish)


@require_safe
@login_required
def ballot_approve_finish(request: HttpRequest, pk: int, challenge_id: int) -> HttpResponse:
    user, ballot = _ballot(request, pk)
    if ballot.approval_statement_id is not None and ballot.chair_id == user.pk:
        return _detail(ballot)
    if not perms.can_approve_ballot(user, ballot):
        raise PermissionDenied
    return _sign_finish(
        request,
        ballot,
        challenge_id,
        services.ballot_approve,
        _("Đã ký phê duyệt. Phiếu đã được gửi các thành viên."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def ballot_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user, ballot = _ballot(request, pk, perms.can_withdraw_ballot)
    form = ReasonForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.ballot_withdraw(actor=user, ballot=ballot, reason=data["reason"])
        messages.success(request, _("Đã rút phiếu."))
        return _detail(ballot)

    return form_page(request, "ballots/withdraw.html", {"ballot": ballot, "form": form}, act)


@require_POST
@login_required
def ballot_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user, ballot = _ballot(request, pk, perms.can_manage_ballot)
    try:
        new = services.ballot_correct(actor=user, ballot=ballot)
    except DomainError as exc:
        return _refused(request, exc, ballot)
    messages.success(
        request,
        _(
            "Đã tạo phiếu đã sửa. Phiếu cũ vẫn lấy ý kiến cho đến khi phiếu đã sửa được phê "
            "duyệt gửi."
        ),
    )
    return redirect("ballots:edit", pk=new.pk)


# --- Answers -------------------------------------------------------------------------------


def _seat(request: HttpRequest, pk: int, seat: int) -> tuple[Ballot, Any, selectors.Capacity]:
    user, ballot = _ballot(request, pk)
    recipient = selectors.recipient_of(ballot, seat)
    capacity = selectors.capacity_for(user, recipient)
    if capacity is None:
        if recipient.user_id == user.pk:
            # Their own seat, but no longer answerable (removed, delegated): say why.
            raise DomainError(
                selectors.not_answering_reason(user, recipient)
                or _("Bạn không thể trả lời phiếu này."),
                code="cannot_answer",
            )
        raise PermissionDenied
    return ballot, recipient, capacity


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def answer(request: HttpRequest, pk: int, seat: int) -> HttpResponse:
    """Answer each question (or prepare the answer), optionally attach a file, then sign."""
    user = _user(request)
    ballot, recipient, capacity = _seat(request, pk, seat)
    draft = selectors.draft_of(recipient)
    questions = selectors.questions_of(ballot)
    initial: dict[str, Any] = {}
    if draft is not None:
        for q in questions:
            entry = draft.choices.get(str(q.pk), {})
            initial[f"choice_{q.pk}"] = entry.get("choice", "")
            initial[f"comment_{q.pk}"] = entry.get("comment", "")
    form = AnswerForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        questions=questions,
        has_attachment=draft is not None and draft.attachment_id is not None,
    )
    signing = request.POST.get("action") == "sign"
    if request.method == "POST" and form.is_valid():
        try:
            upload = form.cleaned_data.get("attachment")
            if upload is not None:
                services.answer_attach(
                    actor=user,
                    recipient=recipient,
                    data=upload.read(),
                    filename=upload.name or "",
                )
            services.answer_draft_save(
                actor=user,
                recipient=recipient,
                choices=form.choices(),
                remove_attachment=bool(form.cleaned_data.get("remove_attachment")),
            )
            if not signing or capacity == selectors.Capacity.ASSISTANT:
                messages.success(request, _("Đã lưu dự thảo ý kiến."))
                return redirect("ballots:answer", pk=ballot.pk, seat=recipient.pk)
            sign = services.answer_sign_request(
                actor=user, recipient=recipient, session_key=request.session.session_key
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            _keep(request, sign.challenge.pk, sign.content)
            finish = reverse(
                "ballots:answer_finish",
                kwargs={"pk": ballot.pk, "seat": recipient.pk, "challenge_id": sign.challenge.pk},
            )
            return _to_stepup(sign.challenge.pk, finish)
    answers = selectors.answers_of(recipient)
    return render(
        request,
        "ballots/answer.html",
        {
            "ballot": ballot,
            "recipient": recipient,
            "capacity": capacity,
            "capacities": selectors.Capacity,
            "form": form,
            "draft": draft,
            "answers": answers,
            "current": answers[0] if answers else None,
            "time_left": selectors.time_left_text(ballot.deadline_at),
            "reason": selectors.not_answering_reason(user, recipient),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@login_required
def answer_finish(request: HttpRequest, pk: int, seat: int, challenge_id: int) -> HttpResponse:
    """After the confirmation: sign the answer, once."""
    user = _user(request)
    ballot, recipient, _capacity = _seat(request, pk, seat)
    done = Answer.objects.filter(challenge_id=challenge_id, signer=user, recipient=recipient)
    if done.exists():
        return redirect("ballots:answer", pk=ballot.pk, seat=recipient.pk)
    try:
        services.answer_sign(
            actor=user,
            recipient=recipient,
            session_key=request.session.session_key,
            challenge_id=challenge_id,
            content=_kept(request, challenge_id),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("ballots:answer", pk=ballot.pk, seat=recipient.pk)
    _forget(request, challenge_id)
    messages.success(request, _("Đã ký và gửi ý kiến."))
    return redirect("ballots:answer", pk=ballot.pk, seat=recipient.pk)


@require_safe
@login_required
def attachment(request: HttpRequest, pk: int, answer_id: int) -> HttpResponse:
    """A file attached to a signed answer: its signer, the seat's member, Office, chair."""
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.services import version_bytes
    from ecabinet.documents.views import MIME

    user, ballot = _ballot(request, pk)
    row = (
        Answer.objects.filter(ballot=ballot, pk=answer_id, attachment__isnull=False)
        .select_related("recipient", "attachment")
        .first()
    )
    if row is None:
        raise Http404
    mine = user.pk in {row.signer_id, row.recipient.user_id}
    if not (mine or perms.can_follow_ballot(user, ballot)) or row.attachment_id is None:
        raise Http404
    version = (
        DocumentVersion.objects.filter(document_id=row.attachment_id)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Http404
    data = version_bytes(actor=user, version=version)
    return download(data, MIME[version.kind], version.filename)


@require_safe
@login_required
def statement(request: HttpRequest, pk: int, statement_id: uuid.UUID) -> HttpResponse:
    """The exported signed statement of the ballot (approval, an answer, the decision),
    to check anywhere with ``ecabinet verify``."""
    from ecabinet.signatures.models import SignedStatement
    from ecabinet.signatures.statements import statement_export

    user, ballot = _ballot(request, pk)
    row = SignedStatement.objects.filter(
        pk=statement_id, object_type=services.OBJECT_TYPE, object_id=str(ballot.pk)
    ).first()
    if row is None:
        raise Http404
    answer = Answer.objects.filter(statement=row).select_related("recipient").first()
    if answer is not None:
        allowed = user.pk in {answer.signer_id, answer.recipient.user_id} or (
            perms.can_follow_ballot(user, ballot)
        )
    else:
        allowed = True  # the approval and the decision are public to the ballot's readers
    if not allowed:
        raise Http404
    response = HttpResponse(statement_export(row), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="phieu-{ballot.pk}-{row.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Results, closing, report, decision ----------------------------------------------------


@require_safe
@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The live tally against more than half of ALL members; who opened the dossier."""
    user, ballot = _ballot(request, pk, perms.can_view_results)
    tally = selectors.tally_of(ballot)
    context = {
        "ballot": ballot,
        "tally": tally,
        "choices": Choice,
        "readings": selectors.dossier_readings(ballot, tally.recipients),
        "time_left": selectors.time_left_text(ballot.deadline_at),
        "can_close": perms.can_manage_ballot(user, ballot)
        and ballot.status == OPEN
        and not tally.not_answered_recipients,
        "live": ballot.status == OPEN,
    }
    template = (
        "ballots/_tally.html" if request.headers.get("HX-Request") else "ballots/results.html"
    )
    return render(request, template, context)


@require_POST
@login_required
def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    user, ballot = _ballot(request, pk, perms.can_manage_ballot)
    try:
        services.ballot_close(actor=user, ballot=ballot)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("ballots:results", pk=ballot.pk)
    messages.success(request, _("Đã kết thúc lấy ý kiến."))
    return _detail(ballot)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader of the Office prepares and signs the summary report."""
    user, ballot = _ballot(request, pk, perms.can_sign_report)
    if request.method == "POST":
        try:
            challenge, _report = services.report_sign_request(
                actor=user, ballot=ballot, session_key=request.session.session_key
            )
        except DomainError as exc:
            return _refused(request, exc, ballot)
        finish = reverse(
            "ballots:report_finish", kwargs={"pk": ballot.pk, "challenge_id": challenge.pk}
        )
        return _to_stepup(challenge.pk, finish)
    return render(
        request,
        "ballots/report.html",
        {"ballot": ballot, "tally": selectors.tally_of(ballot), "ready": ballot.status == CLOSED},
    )


@require_safe
@login_required
def report_finish(request: HttpRequest, pk: int, challenge_id: int) -> HttpResponse:
    _reader, ballot = _ballot(request, pk, perms.can_sign_report)
    if Report.objects.filter(ballot=ballot, signed_at__isnull=False).exists():
        return _detail(ballot)
    return _sign_finish(
        request,
        ballot,
        challenge_id,
        services.report_sign,
        _("Đã ký báo cáo tổng hợp ý kiến."),
        with_content=False,
    )


@require_safe
@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed summary report, for the Office, the chair and the members asked."""
    _reader, ballot = _ballot(request, pk)
    row = Report.objects.filter(ballot=ballot, signed_at__isnull=False).first()
    if row is None:
        raise Http404
    data = services.report_pdf_bytes(report=row)
    return download(data, "application/pdf", f"bao-cao-tong-hop-{ballot.pk}.pdf")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair records the decision on the report, signed."""
    user, ballot = _ballot(request, pk, perms.can_decide_ballot)
    form = DecisionForm(request.POST or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        sign = services.decision_request(
            actor=user,
            ballot=ballot,
            text=data["text"],
            session_key=request.session.session_key,
        )
        _keep(request, sign.challenge.pk, sign.content)
        finish = reverse(
            "ballots:decide_finish", kwargs={"pk": ballot.pk, "challenge_id": sign.challenge.pk}
        )
        return _to_stepup(sign.challenge.pk, finish)

    context = {
        "ballot": ballot,
        "form": form,
        "tally": selectors.tally_of(ballot),
        "ready": ballot.status == SUMMARISED,
    }
    return form_page(request, "ballots/decide.html", context, act)


@require_safe
@login_required
def decide_finish(request: HttpRequest, pk: int, challenge_id: int) -> HttpResponse:
    _reader, ballot = _ballot(request, pk, perms.can_decide_ballot)
    if Decision.objects.filter(ballot=ballot).exists():
        return _detail(ballot)
    return _sign_finish(
        request, ballot, challenge_id, services.decision_record, _("Đã ký và ghi nhận quyết định.")
    )
