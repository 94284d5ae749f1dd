"""Every write of the ballots app, one service per step of the journey.

Each service checks permission, locks the ballot row, checks the transition in
``transitions.MACHINE`` and the row's version or route position (so that two people acting
on the same step at once cannot both pass it), mutates, appends its audit event and its
route event, and notifies in the same transaction. Slow work (signing, PDF rendering) runs
before the transaction; the state is checked again under the lock afterwards.

Signatures go through step-up (``accounts.stepup``): a ``*_request`` service builds the
exact content, asks for the challenge and returns the content; the matching service spends
the confirmed challenge on that content and signs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.audit.services import audit_append
from ecabinet.ballots import ledger
from ecabinet.ballots import permissions as perms
from ecabinet.ballots.models import (
    CHOICE_CONTENT,
    MAX_ANSWER_WORKING_DAYS,
    ROUTE_ROLES,
    Answer,
    AnswerDraft,
    AnswerItem,
    Assistant,
    Ballot,
    BallotSettings,
    Choice,
    Decision,
    NonAnswerRule,
    Question,
    Recipient,
    Report,
    RouteEvent,
)
from ecabinet.ballots.selectors import (
    Capacity,
    capacity_for,
    dossier_hashes,
    questions_of,
    route_holders,
    settings_for,
    voting_members,
)
from ecabinet.ballots.transitions import (
    AWAITING_APPROVAL,
    CLOSED,
    DRAFT,
    IN_REVIEW,
    MACHINE,
    OPEN,
)
from ecabinet.bodies.models import Body, Membership, Role
from ecabinet.bodies.permissions import VOTING_ROLES, holds_seat
from ecabinet.core.body_settings import body_settings_update
from ecabinet.core.calendar import add_working_days, is_working_day
from ecabinet.core.dates import VN_TZ, format_decree_datetime
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.notifications.services import notification_send_each

if TYPE_CHECKING:
    from ecabinet.accounts.models import StepUpChallenge, User
    from ecabinet.bodies.models import Unit
    from ecabinet.documents.models import Document
    from ecabinet.signatures.models import MemberCertificate

MAX_QUESTIONS = 30
QUESTION_MAX = 2000
COMMENT_MAX = 4000
REASON_MAX = 1000
DECISION_MAX = 4000
# Answers are due at the end of the working day in Vietnam.
DEADLINE_TIME = time(17, 0)
OBJECT_TYPE = "ballots.ballot"
# The words signed statements carry: content, not interface (always Vietnamese).
APPROVE_CONTENT = "Phê duyệt gửi phiếu lấy ý kiến thành viên"
ANSWER_CONTENT = "Trả lời phiếu lấy ý kiến thành viên"
DECIDE_CONTENT = "Quyết định của Chủ tọa trên cơ sở báo cáo tổng hợp ý kiến"


# --- Small helpers -------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _locked(ballot: Ballot) -> Ballot:
    return Ballot.objects.select_for_update().select_related("body").get(pk=ballot.pk)


def _stale() -> DomainError:
    return DomainError(
        _("Phiếu vừa được người khác xử lý hoặc thay đổi. Tải lại trang để xem trạng thái mới."),
        code="stale",
    )


def _event(
    ballot: Ballot,
    action: str,
    actor: User | None,
    *,
    step: int = -1,
    role: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> RouteEvent:
    return RouteEvent.objects.create(
        ballot=ballot,
        cycle=ballot.cycle,
        step=step,
        role=role,
        action=action,
        actor=actor,
        reason=reason,
        at=at or timezone.now(),
    )


def _bump(ballot: Ballot, fields: list[str]) -> None:
    ballot.version += 1
    ballot.save(update_fields=[*fields, "version"])


def _notify(
    users: Sequence[User],
    ballot: Ballot,
    title: Promise,
    text: Promise | str = "",
    *,
    kind: str = "info",
) -> None:
    """Notify each user once, in their own language. ``title`` (and ``text`` when lazy) may
    use ``%(title)s``, ``%(deadline)s`` and ``%(body)s``; a plain ``text`` is sent as is."""
    notification_send_each(
        users,
        title=title,
        values=lambda: {
            "title": ballot.title,
            "body": ballot.body.name,
            "deadline": format_decree_datetime(ballot.deadline_at) if ballot.deadline_at else "",
        },
        text=text,
        url=reverse("ballots:detail", kwargs={"pk": ballot.pk}),
        kind=kind,
        body=ballot.body,
    )


def _membership(user: User, body: Body) -> Membership:
    membership = perms.membership_of(user, body)
    if membership is None:
        raise PermissionDenied
    return membership


def signing_certificate(user: User, body: Body) -> MemberCertificate:
    """The user's newest certificate valid now in ``body``; a clear refusal without one."""
    certificate = signing_certificates([user], body)[user.pk]
    if certificate is None:
        raise no_certificate(body)
    return certificate


def no_certificate(body: Body) -> DomainError:
    """The refusal for a signer without a valid certificate in ``body``."""
    return DomainError(
        _(
            "Bạn chưa có chứng thư số còn hiệu lực tại %(body)s. Đề nghị Văn phòng cấp "
            "chứng thư số rồi ký lại."
        )
        % {"body": body.name},
        code="no_certificate",
    )


def signing_certificates(users: Sequence[User], body: Body) -> dict[int, MemberCertificate | None]:
    """``signing_certificate`` of several users, in one query (None: no valid certificate)."""
    from ecabinet.signatures.models import MemberCertificate

    now = timezone.now()
    found: dict[int, MemberCertificate | None] = {u.pk: None for u in users}
    rows = (
        MemberCertificate.objects.filter(
            user_id__in=list(found),
            body=body,
            revoked_at__isnull=True,
            not_before__lte=now,
            not_after__gt=now,
        )
        .select_related("ca")
        .order_by("-created_at", "-pk")
    )
    for certificate in rows:
        if found[certificate.user_id] is None:
            certificate.body = body  # the row's body: no join for it
            found[certificate.user_id] = certificate
    return found


# --- Settings ------------------------------------------------------------------------------


def clean_route(route: Sequence[str]) -> list[str]:
    """The review roles in order: known Office roles, each at most once."""
    cleaned = [str(r) for r in route]
    if any(r not in ROUTE_ROLES for r in cleaned):
        raise DomainError(
            _("Trình tự xem xét chỉ gồm các vai trò của Văn phòng."), code="bad_route"
        )
    if len(set(cleaned)) != len(cleaned):
        raise DomainError(_("Mỗi vai trò chỉ xuất hiện một lần trong trình tự."), code="bad_route")
    return cleaned


def ballot_settings_update(
    *,
    actor: User,
    body: Body,
    answer_working_days: int,
    non_answer_rule: str,
    review_route: Sequence[str],
    version: int,
) -> BallotSettings:
    """Set the body's ballot rules: default deadline, non-answers, the review route."""
    if not perms.can_configure_ballots(actor, body):
        raise PermissionDenied
    if not 1 <= answer_working_days <= MAX_ANSWER_WORKING_DAYS:
        raise DomainError(
            _("Thời hạn trả lời mặc định phải từ 1 đến %(n)s ngày làm việc.")
            % {"n": MAX_ANSWER_WORKING_DAYS},
            code="bad_days",
        )
    if non_answer_rule not in NonAnswerRule.values:
        raise DomainError(_("Cách tính thành viên không trả lời không hợp lệ."), code="bad_rule")
    return body_settings_update(
        BallotSettings,
        actor=actor,
        body=body,
        values={
            "answer_working_days": answer_working_days,
            "non_answer_rule": non_answer_rule,
            "review_route": clean_route(review_route),
        },
        version=version,
        verb="ballots.settings_update",
    )


# --- Deadlines -----------------------------------------------------------------------------


def default_deadline(body: Body, now: datetime | None = None) -> datetime:
    """The body's default number of working days from now, at the end of the working day."""
    now = now or timezone.now()
    days = settings_for(body).answer_working_days
    day = add_working_days(now, days).astimezone(VN_TZ).date()
    return datetime.combine(day, DEADLINE_TIME, tzinfo=VN_TZ)


def check_deadline(deadline_at: datetime | None, now: datetime | None = None) -> datetime:
    """A deadline in the future, on a working day in Vietnam; a clear refusal otherwise."""
    now = now or timezone.now()
    if deadline_at is None:
        raise DomainError(_("Cần đặt hạn trả lời cho phiếu."), code="no_deadline")
    if deadline_at.tzinfo is None:
        raise ValueError("deadline_at must be timezone-aware")
    if deadline_at <= now:
        raise DomainError(
            _("Hạn trả lời %(deadline)s đã qua. Hãy chọn một thời điểm sau bây giờ.")
            % {"deadline": format_decree_datetime(deadline_at)},
            code="deadline_past",
        )
    if not is_working_day(deadline_at):
        raise DomainError(
            _(
                "Ngày %(date)s là ngày nghỉ (cuối tuần hoặc nghỉ lễ, Tết). Hãy chọn hạn trả "
                "lời vào một ngày làm việc."
            )
            % {"date": deadline_at.astimezone(VN_TZ).strftime("%d/%m/%Y")},
            code="deadline_holiday",
        )
    if deadline_at > now + timedelta(days=366):
        raise DomainError(_("Hạn trả lời không được quá một năm."), code="deadline_far")
    return deadline_at


# --- Filing and drafting -------------------------------------------------------------------


def clean_questions(questions: Sequence[str]) -> list[str]:
    cleaned = [q.strip() for q in questions if q and q.strip()]
    if not cleaned:
        raise DomainError(_("Cần ít nhất một nội dung xin ý kiến."), code="no_questions")
    if len(cleaned) > MAX_QUESTIONS:
        raise DomainError(
            _("Một phiếu có tối đa %(n)s câu hỏi.") % {"n": MAX_QUESTIONS}, code="too_many"
        )
    for text in cleaned:
        if len(text) > QUESTION_MAX:
            raise DomainError(
                _("Mỗi câu hỏi dài tối đa %(n)s ký tự.") % {"n": QUESTION_MAX}, code="too_long"
            )
    return cleaned


def _set_questions(ballot: Ballot, questions: list[str]) -> None:
    Question.objects.filter(ballot=ballot).delete()
    Question.objects.bulk_create(
        Question(ballot=ballot, number=n, text=text) for n, text in enumerate(questions, start=1)
    )


def _set_recipients(ballot: Ballot, memberships: Sequence[Membership]) -> None:
    wanted = {m.pk: m for m in memberships}
    Recipient.objects.filter(ballot=ballot).exclude(membership_id__in=list(wanted)).delete()
    have = set(Recipient.objects.filter(ballot=ballot).values_list("membership_id", flat=True))
    Recipient.objects.bulk_create(
        Recipient(
            ballot=ballot, membership=m, user_id=m.user_id, role=m.role, precedence=m.precedence
        )
        for pk, m in wanted.items()
        if pk not in have
    )


def ballot_file(
    *,
    actor: User,
    body: Body,
    title: str,
    questions: Sequence[str],
    proposal_number: str = "",
    proposal_summary: str = "",
    unit: Unit | None = None,
) -> Ballot:
    """A proposal (tờ trình) with its new dossier and the questions it asks: a draft ballot.

    A submitting agency files for its own unit; the Office may name the agency. The dossier
    is made by the documents app and carries the ballot's reference for the search; its
    files are uploaded on the documents pages. Every voting member is a recipient by
    default; the Office adjusts the draft.
    """
    from ecabinet.documents.models import Dossier
    from ecabinet.documents.services import dossier_create

    membership = perms.membership_of(actor, body)
    if not perms.can_file_proposal(actor, body, membership):
        raise PermissionDenied
    title = _clean(title)[:300]
    if not title:
        raise DomainError(_("Tờ trình cần có trích yếu."), code="no_title")
    cleaned = clean_questions(questions)
    if perms.is_office(actor, body, membership):
        if unit is not None and unit.body_id != body.pk:
            raise DomainError(_("Cơ quan trình không thuộc cơ quan này."), code="bad_unit")
    else:
        unit_id = perms.agency_unit(actor, body, membership)
        unit = body.units.filter(pk=unit_id).first() if unit_id is not None else None
    members = list(voting_members(body))
    number = _clean(proposal_number)[:60]
    with transaction.atomic():
        dossier = dossier_create(
            actor=actor,
            body=body,
            title=_("Hồ sơ: %(title)s") % {"title": title},
            description=proposal_summary.strip(),
            unit=unit,
        )
        ballot = Ballot.objects.create(
            body=body,
            unit=unit,
            title=title,
            proposal_number=number,
            proposal_summary=proposal_summary.strip(),
            dossier=dossier,
            created_by=actor,
        )
        Dossier.objects.filter(pk=dossier.pk).update(ballot_ref=ballot.ref)
        _set_questions(ballot, cleaned)
        _set_recipients(ballot, members)
        _event(ballot, RouteEvent.Action.CREATE, actor)
        audit_append(
            actor=actor,
            verb="ballots.ballot_file",
            obj=ballot,
            body=body,
            after={
                "title": title,
                "proposal_number": number,
                "unit": unit.pk if unit is not None else None,
                "dossier": dossier.pk,
                "ballot_ref": ballot.ref,
                "questions": cleaned,
                "recipients": [m.pk for m in members],
            },
        )
        office = [
            m.user
            for m in Membership.objects.filter(
                body=body, role=Role.OFFICE_STAFF, is_active=True
            ).select_related("user")
            if m.user_id != actor.pk
        ]
        _notify(
            office,
            ballot,
            gettext_lazy("Tờ trình mới cần dự thảo phiếu lấy ý kiến: %(title)s"),
            gettext_lazy("Cơ quan trình đã gửi đề nghị lấy ý kiến thành viên %(body)s."),
        )
    return ballot


def _check_draft_editable(ballot: Ballot) -> None:
    if ballot.status in (IN_REVIEW, AWAITING_APPROVAL):
        raise DomainError(
            _(
                "Phiếu đang được trình duyệt nên không sửa được. Người đang xem xét có thể "
                "trả lại để sửa."
            ),
            code="in_review",
        )
    if ballot.status != DRAFT:
        raise DomainError(
            _(
                "Phiếu đã gửi các thành viên nên không sửa được câu hỏi. Hãy tạo phiếu đã sửa "
                "để gửi lại thay cho phiếu này."
            ),
            code="sent",
        )


def _clean_recipients(body: Body, memberships: Sequence[Membership]) -> list[Membership]:
    if not memberships:
        raise DomainError(_("Phiếu cần ít nhất một thành viên được lấy ý kiến."), code="none")
    for m in memberships:
        if m.body_id != body.pk or not m.is_active or m.role not in VOTING_ROLES:
            raise DomainError(
                _("%(name)s không phải là thành viên đang có quyền biểu quyết của cơ quan.")
                % {"name": m.user},
                code="bad_recipient",
            )
    return list(memberships)


def _clean_follower(body: Body, follower: User | None) -> None:
    if follower is None:
        return
    membership = perms.membership_of(follower, body)
    if membership is None or membership.role not in perms.OFFICE_ROLES:
        raise DomainError(
            _("Chuyên viên theo dõi phải là cán bộ Văn phòng của cơ quan."), code="bad_follower"
        )


def ballot_update(
    *,
    actor: User,
    ballot: Ballot,
    title: str,
    questions: Sequence[str],
    recipients: Sequence[Membership],
    deadline_at: datetime | None,
    follower: User | None,
    version: int,
) -> Ballot:
    """The Office drafts the ballot: questions, recipients, deadline, follow-up officer.

    Only a draft changes; after sending the questions are fixed (send a corrected ballot).
    """
    if not perms.can_manage_ballot(actor, ballot):
        raise PermissionDenied
    _check_draft_editable(ballot)
    title = _clean(title)[:300]
    if not title:
        raise DomainError(_("Phiếu cần có trích yếu."), code="no_title")
    cleaned = clean_questions(questions)
    members = _clean_recipients(ballot.body, recipients)
    check_deadline(deadline_at)
    _clean_follower(ballot.body, follower)
    with transaction.atomic():
        row = _locked(ballot)
        _check_draft_editable(row)
        if row.version != version:
            raise _stale()
        before = {
            "title": row.title,
            "questions": [q.text for q in questions_of(row)],
            "recipients": sorted(
                Recipient.objects.filter(ballot=row).values_list("membership_id", flat=True)
            ),
            "deadline_at": row.deadline_at,
            "follower": row.follower_id,
        }
        row.title = title
        row.deadline_at = deadline_at
        row.follower = follower
        _set_questions(row, cleaned)
        _set_recipients(row, members)
        _bump(row, ["title", "deadline_at", "follower"])
        audit_append(
            actor=actor,
            verb="ballots.ballot_update",
            obj=row,
            body=row.body,
            before=before,
            after={
                "title": title,
                "questions": cleaned,
                "recipients": sorted(m.pk for m in members),
                "deadline_at": deadline_at,
                "follower": follower.pk if follower is not None else None,
            },
        )
    return row


def _check_complete(ballot: Ballot) -> None:
    if not Question.objects.filter(ballot=ballot).exists():
        raise DomainError(_("Phiếu chưa có câu hỏi nào."), code="no_questions")
    if not Recipient.objects.filter(ballot=ballot).exists():
        raise DomainError(_("Phiếu chưa có thành viên nào được lấy ý kiến."), code="none")
    check_deadline(ballot.deadline_at)


def _holders_or_refuse(body: Body, role: str) -> list[User]:
    holders = route_holders(body, role)
    if not holders:
        raise DomainError(
            _(
                "Chưa có ai giữ vai trò «%(role)s» trong cơ quan để xem xét phiếu. Hãy sửa "
                "trình tự xem xét hoặc phân công người."
            )
            % {"role": Role(role).label},
            code="no_holder",
        )
    return holders


def ballot_submit(*, actor: User, ballot: Ballot, version: int) -> Ballot:
    """The drafter sends the draft up the Office's route (straight to the chair without one)."""
    ballot = Ballot.objects.select_related("body").get(pk=ballot.pk)
    if not perms.can_manage_ballot(actor, ballot):
        raise PermissionDenied
    MACHINE.target("submit", ballot.status)
    _check_complete(ballot)
    route = clean_route(settings_for(ballot.body).review_route)
    first_role = route[0] if route else Role.CHAIR
    holders = _holders_or_refuse(ballot.body, first_role)
    action = "submit" if route else "submit_to_chair"
    with transaction.atomic():
        row = _locked(ballot)
        if row.version != version:
            raise _stale()
        row.status = MACHINE.target(action, row.status)
        row.route = route
        row.review_step = 0
        row.cycle += 1
        _bump(row, ["status", "route", "review_step", "cycle"])
        _event(row, RouteEvent.Action.SUBMIT, actor, role=_membership(actor, row.body).role)
        audit_append(
            actor=actor,
            verb="ballots.ballot_submit",
            obj=row,
            body=row.body,
            after={"status": row.status, "route": route, "cycle": row.cycle},
        )
        _hand_to(row, actor, holders, route)
    return row


def _hand_to(ballot: Ballot, actor: User, holders: list[User], route: list[str]) -> None:
    """Tell the holders of the ballot's current step and put it on their ledger."""
    if ballot.status == AWAITING_APPROVAL:
        _notify(
            holders,
            ballot,
            gettext_lazy("Phiếu lấy ý kiến chờ phê duyệt gửi: %(title)s"),
            gettext_lazy("Văn phòng trình phê duyệt gửi phiếu lấy ý kiến thành viên %(body)s."),
        )
        ledger.ledger_assign_step(
            actor=actor, ballot=ballot, holders=holders, kind=ledger.KIND_APPROVE
        )
    else:
        _notify(
            holders,
            ballot,
            gettext_lazy("Dự thảo phiếu lấy ý kiến chờ bạn xem xét: %(title)s"),
        )
        ledger.ledger_assign_step(
            actor=actor, ballot=ballot, holders=holders, kind=ledger.KIND_REVIEW
        )


def _decide_step(ballot: Ballot, *, step: int, cycle: int, action: str, actor: User) -> Ballot:
    """Lock the ballot and check it is still at ``step`` of ``cycle`` (else: stale)."""
    row = _locked(ballot)
    if row.cycle != cycle or row.review_step != step or not MACHINE.allowed(action, row.status):
        raise _stale()
    return row


def ballot_forward(*, actor: User, ballot: Ballot, step: int, cycle: int) -> Ballot:
    """A reviewer agrees with the draft and passes it on (the last one, to the chair).

    ``step`` and ``cycle`` are where the reviewer saw the ballot: when two holders of the
    step act at once, the second finds it moved on and is refused.
    """
    route = list(ballot.route or [])
    last = step + 1 >= len(route)
    next_role = Role.CHAIR if last else route[step + 1]
    holders = _holders_or_refuse(ballot.body, next_role)
    action = "forward_to_chair" if last else "forward"
    try:
        with transaction.atomic():
            row = _decide_step(ballot, step=step, cycle=cycle, action=action, actor=actor)
            if not perms.can_review_ballot(actor, row):
                raise PermissionDenied
            role = perms.current_step_role(row) or ""
            row.status = MACHINE.target(action, row.status)
            row.review_step = step + 1
            _bump(row, ["status", "review_step"])
            with transaction.atomic():
                _event(row, RouteEvent.Action.FORWARD, actor, step=step, role=role)
            audit_append(
                actor=actor,
                verb="ballots.ballot_forward",
                obj=row,
                body=row.body,
                after={"status": row.status, "step": step, "role": role, "cycle": cycle},
            )
            ledger.ledger_step_done(
                actor=actor,
                ballot=row,
                kind=ledger.KIND_REVIEW,
                reason=_("Đã được %(name)s xem xét.") % {"name": actor},
            )
            _hand_to(row, actor, holders, route)
    except IntegrityError:
        # The step was decided by someone else between our lock and insert (the route's
        # unique constraint): the lock and state check normally stop it first.
        raise _stale() from None
    return row


def ballot_return(*, actor: User, ballot: Ballot, step: int, cycle: int, reason: str) -> Ballot:
    """A reviewer, or the chair, returns the draft to the Office with a reason."""
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise DomainError(_("Cần nêu lý do trả lại."), code="no_reason")
    try:
        with transaction.atomic():
            row = _decide_step(ballot, step=step, cycle=cycle, action="return", actor=actor)
            at_chair = row.status == AWAITING_APPROVAL
            allowed = (
                perms.can_approve_ballot(actor, row)
                if at_chair
                else perms.can_review_ballot(actor, row)
            )
            if not allowed:
                raise PermissionDenied
            role = Role.CHAIR if at_chair else (perms.current_step_role(row) or "")
            kind = ledger.KIND_APPROVE if at_chair else ledger.KIND_REVIEW
            row.status = MACHINE.target("return", row.status)
            _bump(row, ["status"])
            with transaction.atomic():
                _event(row, RouteEvent.Action.RETURN, actor, step=step, role=role, reason=reason)
            audit_append(
                actor=actor,
                verb="ballots.ballot_return",
                obj=row,
                body=row.body,
                after={"status": row.status, "step": step, "role": role, "reason": reason},
            )
            ledger.ledger_step_done(
                actor=actor,
                ballot=row,
                kind=kind,
                reason=_("Đã trả lại: %(reason)s") % {"reason": reason},
            )
            drafters = [u for u in (row.follower, row.created_by) if u is not None]
            _notify(
                [u for u in drafters if perms.is_office(u, row.body)],
                row,
                gettext_lazy("Dự thảo phiếu lấy ý kiến bị trả lại: %(title)s"),
                reason,
            )
    except IntegrityError:
        raise _stale() from None
    return row


# --- The chair's approval (signed) ---------------------------------------------------------


def _approval_payload(actor: User, ballot: Ballot, membership: Membership) -> dict[str, Any]:
    from ecabinet.signatures.statements import statement_payload

    questions = questions_of(ballot)
    payload = statement_payload(
        signer=actor,
        role=str(membership.role),
        body=ballot.body,
        object_type=OBJECT_TYPE,
        object_id=ballot.pk,
        choice=APPROVE_CONTENT,
        comment=ballot.title,
        documents=dossier_hashes(ballot),
    )
    payload["ballot"] = {
        "id": ballot.pk,
        "title": ballot.title,
        "version": ballot.version,
        "deadline": ballot.deadline_at.astimezone(VN_TZ).isoformat() if ballot.deadline_at else "",
        "questions": [{"number": q.number, "text": q.text} for q in questions],
        "recipients": Recipient.objects.filter(ballot=ballot).count(),
    }
    return payload


@dataclass(frozen=True)
class SignRequest:
    """A step-up challenge and the exact text it was asked for (to keep until signing)."""

    challenge: StepUpChallenge
    content: str


def ballot_approval_request(*, actor: User, ballot: Ballot, session_key: str | None) -> SignRequest:
    """The chair asks to sign the approval of sending: the payload and its challenge."""
    from ecabinet.accounts.stepup import stepup_request
    from ecabinet.signatures.statements import canonical

    if not perms.can_approve_ballot(actor, ballot):
        raise PermissionDenied
    _check_complete(ballot)
    signing_certificate(actor, ballot.body)
    payload = _approval_payload(actor, ballot, _membership(actor, ballot.body))
    text = canonical(payload).decode("utf-8")
    summary = _(
        "Bạn ký: Phê duyệt gửi phiếu lấy ý kiến «%(title)s» — %(questions)s câu hỏi, "
        "%(members)s thành viên, hạn trả lời %(deadline)s"
    ) % {
        "title": ballot.title,
        "questions": len(payload["ballot"]["questions"]),
        "members": payload["ballot"]["recipients"],
        "deadline": format_decree_datetime(ballot.deadline_at) if ballot.deadline_at else "",
    }
    challenge = stepup_request(
        actor=actor,
        session_key=session_key,
        purpose="ballot.approve",
        content=text.encode("utf-8"),
        summary=summary[:2000],
    )
    return SignRequest(challenge, text)


def _parse(content: str, ballot: Ballot) -> dict[str, Any]:
    try:
        payload = json.loads(content)
        same = payload["object"] == {"type": OBJECT_TYPE, "id": str(ballot.pk)}
    except (ValueError, KeyError, TypeError):
        same = False
    if not same:
        raise DomainError(_("Nội dung cần ký không thuộc phiếu này."), code="wrong_object")
    assert isinstance(payload, dict)
    return payload


def _consume_and_sign(
    *, actor: User, ballot: Ballot, session_key: str | None, challenge_id: int, content: str
) -> Any:
    from ecabinet.accounts.stepup import stepup_consume
    from ecabinet.signatures.statements import payload_hash, statement_sign

    payload = _parse(content, ballot)
    certificate = signing_certificate(actor, ballot.body)
    stepup_consume(
        actor=actor,
        session_key=session_key,
        challenge_id=challenge_id,
        content=content.encode("utf-8"),
    )
    return statement_sign(
        actor=actor,
        certificate=certificate,
        payload=payload,
        confirmation_hash=payload_hash(payload),
    )


def ballot_approve(
    *,
    actor: User,
    ballot: Ballot,
    session_key: str | None,
    challenge_id: int,
    content: str,
) -> Ballot:
    """The chair's signed approval: the ballot goes to every recipient with its deadline.

    What the law counts is frozen now: the number of voting members of the body (more than
    half of ALL of them must agree), the chair (whose side wins a tie) and the body's rule
    for members who do not answer. A corrected ballot replaces the one it corrects.
    """
    if not perms.can_approve_ballot(actor, ballot):
        raise PermissionDenied
    payload = _parse(content, ballot)
    if payload.get("ballot", {}).get("version") != ballot.version:
        raise _stale()
    _check_complete(ballot)
    statement = _consume_and_sign(
        actor=actor,
        ballot=ballot,
        session_key=session_key,
        challenge_id=challenge_id,
        content=content,
    )
    rule = settings_for(ballot.body).non_answer_rule
    electorate = voting_members(ballot.body).count()
    try:
        with transaction.atomic():
            row = _locked(ballot)
            if row.version != payload["ballot"]["version"]:
                raise _stale()
            now = timezone.now()
            check_deadline(row.deadline_at, now)
            row.status = MACHINE.target("approve", row.status)
            row.sent_at = now
            row.electorate = electorate
            row.non_answer_rule = rule
            row.chair = actor
            row.approval_statement = statement
            _bump(
                row,
                [
                    "status",
                    "sent_at",
                    "electorate",
                    "non_answer_rule",
                    "chair",
                    "approval_statement",
                ],
            )
            with transaction.atomic():
                _event(
                    row,
                    RouteEvent.Action.APPROVE,
                    actor,
                    step=len(row.route or []),
                    role=Role.CHAIR,
                    at=now,
                )
            recipients = list(
                Recipient.objects.filter(ballot=row).select_related("user", "membership")
            )
            audit_append(
                actor=actor,
                verb="ballots.ballot_approve",
                obj=row,
                body=row.body,
                after={
                    "status": row.status,
                    "sent_at": now,
                    "deadline_at": row.deadline_at,
                    "electorate": electorate,
                    "non_answer_rule": rule,
                    "recipients": [r.membership_id for r in recipients],
                    "statement": str(statement.pk),
                },
            )
            ledger.ledger_step_done(
                actor=actor, ballot=row, kind=ledger.KIND_APPROVE, reason=_("Đã phê duyệt gửi.")
            )
            told = ledger.ledger_assign_recipients(actor=actor, ballot=row, recipients=recipients)
            _notify(
                [r.user for r in recipients if r.membership.is_active and r.user_id not in told],
                row,
                gettext_lazy("Phiếu lấy ý kiến: %(title)s"),
                gettext_lazy("Đề nghị đồng chí cho ý kiến trước %(deadline)s."),
            )
            if row.corrects_id is not None:
                _replace_corrected(row, actor, now)
    except IntegrityError:
        raise _stale() from None
    return row


def _replace_corrected(ballot: Ballot, actor: User, now: datetime) -> None:
    if ballot.corrects_id is None:
        return
    old = Ballot.objects.select_for_update().get(pk=ballot.corrects_id)
    if old.status != OPEN:
        return
    reason = _("Đã thay bằng phiếu đã sửa (số %(pk)s).") % {"pk": ballot.pk}
    _withdraw_locked(old, actor, reason, now)


# --- Withdrawal and correction -------------------------------------------------------------


def _withdraw_locked(row: Ballot, actor: User, reason: str, now: datetime) -> None:
    was_open = row.status == OPEN
    row.status = MACHINE.target("withdraw", row.status)
    row.withdrawn_at = now
    row.withdraw_reason = reason
    _bump(row, ["status", "withdrawn_at", "withdraw_reason"])
    _event(row, RouteEvent.Action.WITHDRAW, actor, reason=reason, at=now)
    audit_append(
        actor=actor,
        verb="ballots.ballot_withdraw",
        obj=row,
        body=row.body,
        after={"status": row.status, "reason": reason, "was_open": was_open},
    )
    ledger.ledger_closed(actor=actor, ballot=row, reason=reason)
    if was_open:
        users = [r.user for r in Recipient.objects.filter(ballot=row).select_related("user")]
        _notify(users, row, gettext_lazy("Phiếu lấy ý kiến đã được rút: %(title)s"), reason)


def ballot_withdraw(*, actor: User, ballot: Ballot, reason: str) -> Ballot:
    """Withdraw the ballot at any stage before closing, with a reason."""
    if not perms.can_withdraw_ballot(actor, ballot):
        if not MACHINE.allowed("withdraw", ballot.status):
            raise InvalidTransition(_("Phiếu đã kết thúc lấy ý kiến nên không rút được nữa."))
        raise PermissionDenied
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise DomainError(_("Cần nêu lý do rút phiếu."), code="no_reason")
    with transaction.atomic():
        row = _locked(ballot)
        if not MACHINE.allowed("withdraw", row.status):
            raise InvalidTransition(_("Phiếu đã kết thúc lấy ý kiến nên không rút được nữa."))
        _withdraw_locked(row, actor, reason, timezone.now())
    return row


def ballot_correct(*, actor: User, ballot: Ballot) -> Ballot:
    """Start a corrected ballot (a new draft copying this one) for a ballot already sent.

    The sent ballot keeps running until the corrected one is approved, which withdraws it.
    """
    if not perms.can_manage_ballot(actor, ballot):
        raise PermissionDenied
    if ballot.status != OPEN:
        raise DomainError(
            _("Chỉ tạo phiếu đã sửa cho phiếu đang lấy ý kiến; phiếu chưa gửi thì sửa trực tiếp."),
            code="not_open",
        )
    pending = Ballot.objects.filter(corrects=ballot).exclude(status__in=["withdrawn"]).first()
    if pending is not None:
        raise DomainError(
            _("Đã có phiếu đã sửa (số %(pk)s) cho phiếu này.") % {"pk": pending.pk},
            code="exists",
        )
    questions = [q.text for q in questions_of(ballot)]
    members = list(voting_members(ballot.body))
    with transaction.atomic():
        new = Ballot.objects.create(
            body=ballot.body,
            unit=ballot.unit,
            title=ballot.title,
            proposal_number=ballot.proposal_number,
            proposal_summary=ballot.proposal_summary,
            dossier=ballot.dossier,
            corrects=ballot,
            follower=ballot.follower,
            created_by=actor,
        )
        _set_questions(new, questions)
        _set_recipients(new, members)
        _event(new, RouteEvent.Action.CREATE, actor, reason=_("Phiếu đã sửa"))
        audit_append(
            actor=actor,
            verb="ballots.ballot_correct",
            obj=new,
            body=new.body,
            after={"corrects": ballot.pk, "questions": questions},
        )
    return new


# --- Answers -------------------------------------------------------------------------------


def _check_answerable(recipient: Recipient, now: datetime | None = None) -> None:
    """The seat can take an answer now: ballot open, before the deadline, member still in."""
    now = now or timezone.now()
    ballot = recipient.ballot
    if ballot.status != OPEN or ballot.deadline_at is None or ballot.deadline_at <= now:
        closed = ballot.closed_at or ballot.deadline_at
        raise DomainError(
            _("Phiếu đã kết thúc lấy ý kiến lúc %(at)s, không nhận thêm ý kiến.")
            % {"at": format_decree_datetime(closed) if closed else "—"}
            if ballot.sent_at is not None
            else _("Phiếu không ở trạng thái lấy ý kiến."),
            code="closed",
        )
    membership = recipient.membership
    if not membership.is_active or not recipient.user.is_active:
        raise DomainError(
            _("%(name)s không còn là thành viên của %(body)s nên không thể trả lời phiếu này.")
            % {"name": recipient.user, "body": ballot.body.name},
            code="removed",
        )


def _capacity(actor: User, recipient: Recipient) -> Capacity:
    capacity = capacity_for(actor, recipient)
    if capacity is None:
        raise PermissionDenied
    return capacity


def clean_choices(
    questions: Sequence[Question], choices: Mapping[int, tuple[str, str]], *, complete: bool
) -> dict[str, dict[str, str]]:
    """``{question id: (choice, comment)}`` checked: known questions, valid choices, comment
    length, and a comment for "other opinion"; every question when ``complete``."""
    by_id = {q.pk: q for q in questions}
    cleaned: dict[str, dict[str, str]] = {}
    for qid, (choice, comment) in choices.items():
        question = by_id.get(int(qid))
        if question is None:
            raise DomainError(_("Câu hỏi không thuộc phiếu này."), code="bad_question")
        comment = (comment or "").strip()
        if not choice and not comment:
            continue
        if choice not in Choice.values:
            raise DomainError(
                _("Câu hỏi %(n)s: hãy chọn đồng ý, không đồng ý hoặc ý kiến khác.")
                % {"n": question.number},
                code="bad_choice",
            )
        if len(comment) > COMMENT_MAX:
            raise DomainError(
                _("Câu hỏi %(n)s: ý kiến dài quá %(max)s ký tự.")
                % {"n": question.number, "max": COMMENT_MAX},
                code="too_long",
            )
        if choice == Choice.OTHER and not comment:
            raise DomainError(
                _("Câu hỏi %(n)s: ý kiến khác cần ghi rõ nội dung.") % {"n": question.number},
                code="other_needs_comment",
            )
        cleaned[str(question.pk)] = {"choice": choice, "comment": comment}
    if complete:
        missing = [q.number for q in questions if str(q.pk) not in cleaned]
        if missing:
            raise DomainError(
                _("Chưa có ý kiến cho câu hỏi: %(numbers)s.")
                % {"numbers": ", ".join(str(n) for n in missing)},
                code="incomplete",
            )
    return cleaned


def answer_draft_save(
    *,
    actor: User,
    recipient: Recipient,
    choices: Mapping[int, tuple[str, str]],
    remove_attachment: bool = False,
) -> AnswerDraft:
    """Save the seat's draft answer (the member, their substitute or their assistant)."""
    _capacity(actor, recipient)
    _check_answerable(recipient)
    cleaned = clean_choices(questions_of(recipient.ballot), choices, complete=False)
    with transaction.atomic():
        draft, created = AnswerDraft.objects.select_for_update().get_or_create(
            recipient=recipient, defaults={"prepared_by": actor}
        )
        draft.choices = cleaned
        draft.prepared_by = actor
        if remove_attachment:
            draft.attachment = None
        draft.version = 1 if created else draft.version + 1
        draft.save()
        audit_append(
            actor=actor,
            verb="ballots.answer_draft_save",
            obj=draft,
            object_repr=f"draft {recipient.pk}",
            body=recipient.ballot.body,
            after={
                "ballot": recipient.ballot_id,
                "recipient": recipient.pk,
                "answered_questions": len(cleaned),
                "attachment": draft.attachment_id,
            },
        )
    return draft


def answer_attach(*, actor: User, recipient: Recipient, data: bytes, filename: str) -> Document:
    """Attach a file to the seat's draft answer: a document in the uploader's own space,
    read by the Office and the chair through the ballot (its hash goes into the signature)."""
    from ecabinet.documents.services import DocumentMeta, DuplicateDocument, document_upload

    _capacity(actor, recipient)
    _check_answerable(recipient)
    ballot = recipient.ballot
    try:
        document = document_upload(
            actor=actor,
            data=data,
            filename=filename,
            meta=DocumentMeta(title=_("Ý kiến kèm theo — %(title)s") % {"title": ballot.title}),
        )
    except DuplicateDocument as exc:
        # The same file is already in the person's own space: attach that one.
        document = exc.existing
    with transaction.atomic():
        draft, _created = AnswerDraft.objects.select_for_update().get_or_create(
            recipient=recipient, defaults={"prepared_by": actor}
        )
        draft.attachment = document
        draft.prepared_by = actor
        draft.version += 0 if _created else 1
        draft.save()
        audit_append(
            actor=actor,
            verb="ballots.answer_attach",
            obj=draft,
            object_repr=f"draft {recipient.pk}",
            body=ballot.body,
            after={"ballot": ballot.pk, "recipient": recipient.pk, "document": document.pk},
        )
    return document


def _attachment_hash(document: Document | None) -> tuple[str, str] | None:
    from ecabinet.documents.models import DocumentVersion

    if document is None:
        return None
    version = (
        DocumentVersion.objects.filter(document=document)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    return f"{document.pk}: {document.title}"[:200], version.sha256


def _answer_payload(
    actor: User, recipient: Recipient, draft: AnswerDraft, capacity: Capacity
) -> dict[str, Any]:
    from ecabinet.signatures.statements import statement_payload

    ballot = recipient.ballot
    questions = questions_of(ballot)
    cleaned = clean_choices(
        questions,
        {int(k): (v.get("choice", ""), v.get("comment", "")) for k, v in draft.choices.items()},
        complete=True,
    )
    documents = dossier_hashes(ballot)
    attachment = _attachment_hash(draft.attachment)
    if attachment is not None:
        documents[f"Kèm theo — {attachment[0]}"[:200]] = attachment[1]
    membership = _membership(actor, ballot.body)
    answers = [
        {
            "question": q.number,
            "text": q.text,
            "choice": cleaned[str(q.pk)]["choice"],
            "label": CHOICE_CONTENT[Choice(cleaned[str(q.pk)]["choice"])],
            "comment": cleaned[str(q.pk)]["comment"],
        }
        for q in questions
    ]
    payload = statement_payload(
        signer=actor,
        role=str(membership.role),
        body=ballot.body,
        object_type=OBJECT_TYPE,
        object_id=ballot.pk,
        choice=ANSWER_CONTENT + ": " + "; ".join(f"{a['question']}. {a['label']}" for a in answers),
        documents=documents,
        on_behalf_of=recipient.user if capacity == Capacity.SUBSTITUTE else None,
    )
    payload["ballot"] = {
        "id": ballot.pk,
        "title": ballot.title,
        "deadline": ballot.deadline_at.astimezone(VN_TZ).isoformat() if ballot.deadline_at else "",
    }
    payload["seat"] = {"id": recipient.pk, "member": recipient.user.full_name}
    payload["answers"] = answers
    payload["attachment"] = draft.attachment_id
    return payload


def answer_summary(payload: Mapping[str, Any], recipient: Recipient) -> str:
    """What the signer reads before confirming: "Bạn ký: Đồng ý — câu hỏi 1: ..."."""
    parts = []
    for a in payload["answers"]:
        text = a["text"].rstrip(" .;")
        text = text if len(text) <= 120 else text[:117] + "…"
        parts.append(
            _("%(choice)s — câu hỏi %(n)s: %(text)s")
            % {"choice": Choice(a["choice"]).label, "n": a["question"], "text": text}
        )
    head = _("Bạn ký: ")
    if payload.get("on_behalf_of"):
        head = _("Bạn ký thay %(name)s: ") % {"name": recipient.user}
    summary = head + "; ".join(parts)
    return summary if len(summary) <= 2000 else summary[:1999] + "…"


def answer_sign_request(
    *, actor: User, recipient: Recipient, session_key: str | None
) -> SignRequest:
    """Ask to sign the seat's draft as it stands: the member, or their substitute with the
    "give opinions" mandate (the statement then says on whose behalf). Assistants never sign."""
    from ecabinet.accounts.stepup import stepup_request
    from ecabinet.signatures.statements import canonical

    capacity = _capacity(actor, recipient)
    if capacity == Capacity.ASSISTANT:
        raise PermissionDenied
    _check_answerable(recipient)
    draft = AnswerDraft.objects.filter(recipient=recipient).select_related("attachment").first()
    if draft is None or not draft.choices:
        raise DomainError(_("Chưa có ý kiến nào để ký."), code="incomplete")
    signing_certificate(actor, recipient.ballot.body)
    payload = _answer_payload(actor, recipient, draft, capacity)
    text = canonical(payload).decode("utf-8")
    challenge = stepup_request(
        actor=actor,
        session_key=session_key,
        purpose="ballot.answer",
        content=text.encode("utf-8"),
        summary=answer_summary(payload, recipient),
    )
    return SignRequest(challenge, text)


def answer_sign(
    *,
    actor: User,
    recipient: Recipient,
    session_key: str | None,
    challenge_id: int,
    content: str,
) -> Answer:
    """Spend the confirmation and sign: a new answer of the seat, superseding its previous
    one (both kept). The same confirmation never makes two answers (a double click, a
    reloaded page): the first answer is returned."""
    existing = (
        Answer.objects.filter(challenge_id=challenge_id, signer=actor, recipient=recipient)
        .select_related("statement")
        .first()
    )
    if existing is not None:
        return existing
    capacity = _capacity(actor, recipient)
    if capacity == Capacity.ASSISTANT:
        raise PermissionDenied
    payload = _parse(content, recipient.ballot)
    if payload.get("seat", {}).get("id") != recipient.pk:
        raise DomainError(_("Nội dung cần ký không thuộc ý kiến này."), code="wrong_object")
    _check_answerable(recipient)
    statement = _consume_and_sign(
        actor=actor,
        ballot=recipient.ballot,
        session_key=session_key,
        challenge_id=challenge_id,
        content=content,
    )
    numbers = {q.number: q for q in questions_of(recipient.ballot)}
    with transaction.atomic():
        ballot = _locked(recipient.ballot)
        seat = (
            Recipient.objects.select_for_update()
            .select_related("membership", "user")
            .get(pk=recipient.pk)
        )
        seat.ballot = ballot
        _check_answerable(seat)
        previous = seat.current_answer_id
        answer = Answer.objects.create(
            ballot=ballot,
            recipient=seat,
            signer=actor,
            on_behalf_of=seat.user if capacity == Capacity.SUBSTITUTE else None,
            statement=statement,
            challenge_id=challenge_id,
            supersedes_id=previous,
            attachment_id=payload.get("attachment"),
            prepared_by_id=AnswerDraft.objects.filter(recipient=seat)
            .values_list("prepared_by", flat=True)
            .first(),
        )
        AnswerItem.objects.bulk_create(
            AnswerItem(
                answer=answer,
                question=numbers[int(a["question"])],
                choice=a["choice"],
                comment=a["comment"],
            )
            for a in payload["answers"]
        )
        seat.current_answer = answer
        seat.answered_at = answer.created_at
        seat.save(update_fields=["current_answer", "answered_at"])
        audit_append(
            actor=actor,
            verb="ballots.answer_sign",
            obj=answer,
            body=ballot.body,
            after={
                "ballot": ballot.pk,
                "recipient": seat.pk,
                "on_behalf_of": seat.user_id if capacity == Capacity.SUBSTITUTE else None,
                "supersedes": previous,
                "statement": str(statement.pk),
                "choices": {str(a["question"]): a["choice"] for a in payload["answers"]},
            },
        )
        ledger.ledger_answered(actor=actor, ballot=ballot, recipient=seat)
    return answer


def ballot_seen(*, actor: User, ballot: Ballot) -> None:
    """The user opened the ballot page: the ledger keeps the first opening of their items."""
    if ledger.ledger_installed():
        ledger.ledger_opened(user=actor, ballot=ballot)


# --- Closing -------------------------------------------------------------------------------


def _close_locked(row: Ballot, actor: User | None, reason: str, now: datetime) -> None:
    row.status = MACHINE.target("close", row.status)
    row.closed_at = now
    row.close_reason = reason
    _bump(row, ["status", "closed_at", "close_reason"])
    answered = Recipient.objects.filter(ballot=row, current_answer__isnull=False).count()
    total = Recipient.objects.filter(ballot=row).count()
    _event(row, RouteEvent.Action.CLOSE, actor, reason=reason, at=now)
    audit_append(
        actor=actor,
        verb="ballots.ballot_close",
        obj=row,
        body=row.body,
        after={"reason": reason, "answered": answered, "recipients": total, "closed_at": now},
    )
    ledger.ledger_closed(
        actor=actor,
        ballot=row,
        reason=_("Phiếu đã kết thúc lấy ý kiến (không trả lời)."),
    )
    office = [u for u in (row.follower, row.created_by) if u is not None]
    office += route_holders(row.body, Role.OFFICE_LEADER)
    _notify(
        [u for u in office if perms.is_office(u, row.body)],
        row,
        gettext_lazy("Phiếu lấy ý kiến đã kết thúc: %(title)s"),
        gettext_lazy("Đề nghị Văn phòng tổng hợp, báo cáo kết quả."),
    )


def ballot_close(*, actor: User, ballot: Ballot) -> Ballot:
    """The Office closes the ballot early, which it may only once every member answered."""
    if not perms.can_manage_ballot(actor, ballot):
        raise PermissionDenied
    with transaction.atomic():
        row = _locked(ballot)
        MACHINE.target("close", row.status)
        now = timezone.now()
        missing = Recipient.objects.filter(ballot=row, current_answer__isnull=True).count()
        past = row.deadline_at is not None and row.deadline_at <= now
        if missing and not past:
            raise DomainError(
                _(
                    "Còn %(n)s thành viên chưa trả lời. Phiếu chỉ kết thúc trước hạn khi tất "
                    "cả thành viên đã trả lời."
                )
                % {"n": missing},
                code="not_all_answered",
            )
        reason = Ballot.CloseReason.DEADLINE if past else Ballot.CloseReason.ALL_ANSWERED
        _close_locked(row, actor, reason, now)
    return row


def ballot_close_due(now: datetime | None = None) -> int:
    """Close every open ballot whose deadline has passed; returns how many it closed.

    Idempotent: a ballot closed already (by an earlier scan, another worker, the Office) is
    skipped, so running it again, or after the worker was down for a day, closes each once.
    """
    now = now or timezone.now()
    due = list(
        Ballot.objects.filter(status=OPEN, deadline_at__lte=now)
        .order_by("deadline_at", "pk")
        .values_list("pk", flat=True)
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            row = Ballot.objects.select_for_update().select_related("body").get(pk=pk)
            if row.status != OPEN or row.deadline_at is None or row.deadline_at > now:
                continue
            _close_locked(row, None, Ballot.CloseReason.DEADLINE, now)
            closed += 1
    return closed


# --- The summary report (PAdES, signed by a leader of the Office) ---------------------------


def _check_can_report(actor: User, ballot: Ballot) -> None:
    if not perms.can_sign_report(actor, ballot):
        raise PermissionDenied
    if ballot.status != CLOSED:
        raise InvalidTransition(
            _("Báo cáo tổng hợp được lập khi phiếu đã kết thúc lấy ý kiến và chưa có báo cáo.")
        )


def report_sign_request(
    *, actor: User, ballot: Ballot, session_key: str | None
) -> tuple[StepUpChallenge, Report]:
    """Render the report PDF for the leader to sign and ask for the confirmation of its hash."""
    from ecabinet.accounts.stepup import grouped_hash, stepup_request
    from ecabinet.ballots.report import report_pdf
    from ecabinet.signatures.models import SignatureImage
    from ecabinet.signatures.pdfsign import pdf_sign_content

    _check_can_report(actor, ballot)
    signing_certificate(actor, ballot.body)
    if not SignatureImage.objects.filter(user=actor).exists():
        raise DomainError(
            _("Bạn chưa có ảnh chữ ký. Tải ảnh chữ ký lên trước khi ký báo cáo."),
            code="no_signature_image",
        )
    pdf = report_pdf(ballot, signer=actor)
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(ballot=ballot)
        report.draft_pdf = pdf
        report.draft_sha256 = digest
        report.prepared_by = actor
        report.prepared_at = timezone.now()
        report.save()
        audit_append(
            actor=actor,
            verb="ballots.report_prepare",
            obj=report,
            body=ballot.body,
            after={"ballot": ballot.pk, "pdf_sha256": digest},
        )
    summary = _(
        "Bạn ký: Báo cáo tổng hợp ý kiến thành viên về «%(title)s» (tệp PDF, mã băm %(hash)s)"
    ) % {"title": ballot.title, "hash": grouped_hash(digest, groups=4)}
    challenge = stepup_request(
        actor=actor,
        session_key=session_key,
        purpose="ballot.report",
        content=pdf_sign_content(pdf),
        summary=summary[:2000],
    )
    return challenge, report


def report_sign(
    *, actor: User, ballot: Ballot, session_key: str | None, challenge_id: int
) -> Report:
    """Spend the confirmation and sign the prepared PDF (PAdES B-T, the leader's signature).

    The signed report is kept on the ballot at once; filing a copy into the ballot's dossier
    (text extraction, search) is background work (``tasks.file_report``).
    """
    from ecabinet.accounts.stepup import stepup_consume
    from ecabinet.ballots.tasks import file_report
    from ecabinet.signatures.pdfsign import pdf_sign, pdf_sign_content

    _check_can_report(actor, ballot)
    report = Report.objects.filter(ballot=ballot).first()
    if report is None or not report.draft_pdf:
        raise DomainError(_("Chưa có báo cáo chờ ký. Hãy lập lại báo cáo."), code="no_report")
    pdf = bytes(report.draft_pdf)
    content = pdf_sign_content(pdf)
    certificate = signing_certificate(actor, ballot.body)
    stepup_consume(actor=actor, session_key=session_key, challenge_id=challenge_id, content=content)
    signed = pdf_sign(
        actor=actor,
        certificate=certificate,
        pdf=pdf,
        confirmation_hash=hashlib.sha256(content).hexdigest(),
        reason="Báo cáo tổng hợp ý kiến thành viên",
    )
    digest = hashlib.sha256(signed).hexdigest()
    with transaction.atomic():
        row = _locked(ballot)
        if row.status != CLOSED:
            raise _stale()
        now = timezone.now()
        Report.objects.filter(pk=report.pk).update(
            signed_pdf=signed,
            signed_sha256=digest,
            signed_by=actor,
            signed_at=now,
            draft_pdf=None,
        )
        row.status = MACHINE.target("summarise", row.status)
        _bump(row, ["status"])
        _event(row, RouteEvent.Action.REPORT, actor, at=now)
        audit_append(
            actor=actor,
            verb="ballots.report_sign",
            obj=row,
            body=row.body,
            after={"report": report.pk, "signed_sha256": digest, "status": row.status},
        )
        if row.chair is not None:
            _notify(
                [row.chair],
                row,
                gettext_lazy("Báo cáo tổng hợp ý kiến chờ quyết định: %(title)s"),
            )
        report_id = report.pk
        transaction.on_commit(lambda: file_report.enqueue(report_id), robust=True)
    report.refresh_from_db()
    return report


def report_file(*, report: Report) -> Document | None:
    """File the signed report into the ballot's dossier, once (the worker's task).

    Uploaded in its signer's name, like a paper the Office adds; a report filed already,
    or not signed, is left alone.
    """
    from ecabinet.documents.services import DocumentMeta, DuplicateDocument, document_upload

    if report.document_id is not None or not report.signed_pdf or report.signed_by is None:
        return None
    ballot = report.ballot
    try:
        document = document_upload(
            actor=report.signed_by,
            data=bytes(report.signed_pdf),
            filename=f"bao-cao-tong-hop-y-kien-{ballot.pk}.pdf",
            dossier=ballot.dossier,
            meta=DocumentMeta(
                title="Báo cáo tổng hợp ý kiến thành viên — " + ballot.title,
                summary=ballot.title,
            ),
        )
    except DuplicateDocument as exc:
        document = exc.existing
    with transaction.atomic():
        filed = Report.objects.filter(pk=report.pk, document__isnull=True).update(document=document)
        if filed:
            audit_append(
                actor=None,
                verb="ballots.report_file",
                obj=report,
                body=ballot.body,
                after={"ballot": ballot.pk, "document": document.pk},
            )
    return document


def report_pdf_bytes(*, report: Report) -> bytes:
    """The signed report's bytes."""
    if not report.signed_pdf:
        raise DomainError(_("Báo cáo chưa được ký."), code="not_signed")
    return bytes(report.signed_pdf)


# --- The chair's decision (signed) ---------------------------------------------------------


def decision_request(
    *, actor: User, ballot: Ballot, text: str, session_key: str | None
) -> SignRequest:
    from ecabinet.accounts.stepup import stepup_request
    from ecabinet.signatures.statements import canonical, statement_payload

    if not perms.can_decide_ballot(actor, ballot):
        raise PermissionDenied
    MACHINE.target("decide", ballot.status)
    text = text.strip()
    if not text:
        raise DomainError(_("Cần ghi nội dung quyết định."), code="no_text")
    if len(text) > DECISION_MAX:
        raise DomainError(
            _("Nội dung quyết định dài tối đa %(n)s ký tự.") % {"n": DECISION_MAX}, code="long"
        )
    report = Report.objects.filter(ballot=ballot).first()
    signing_certificate(actor, ballot.body)
    payload = statement_payload(
        signer=actor,
        role=str(_membership(actor, ballot.body).role),
        body=ballot.body,
        object_type=OBJECT_TYPE,
        object_id=ballot.pk,
        choice=DECIDE_CONTENT,
        comment=text,
        documents=(
            {"Báo cáo tổng hợp ý kiến": report.signed_sha256}
            if report is not None and report.signed_sha256
            else {}
        ),
    )
    payload["ballot"] = {"id": ballot.pk, "title": ballot.title, "version": ballot.version}
    content = canonical(payload).decode("utf-8")
    summary = _("Bạn ký quyết định về «%(title)s»: %(text)s") % {
        "title": ballot.title,
        "text": text,
    }
    challenge = stepup_request(
        actor=actor,
        session_key=session_key,
        purpose="ballot.decide",
        content=content.encode("utf-8"),
        summary=summary[:2000],
    )
    return SignRequest(challenge, content)


def decision_record(
    *,
    actor: User,
    ballot: Ballot,
    session_key: str | None,
    challenge_id: int,
    content: str,
) -> Decision:
    """Spend the confirmation, sign the decision and record it; the members are told."""
    if not perms.can_decide_ballot(actor, ballot):
        raise PermissionDenied
    MACHINE.target("decide", ballot.status)
    payload = _parse(content, ballot)
    statement = _consume_and_sign(
        actor=actor,
        ballot=ballot,
        session_key=session_key,
        challenge_id=challenge_id,
        content=content,
    )
    with transaction.atomic():
        row = _locked(ballot)
        if row.version != payload.get("ballot", {}).get("version"):
            raise _stale()
        now = timezone.now()
        row.status = MACHINE.target("decide", row.status)
        _bump(row, ["status"])
        decision = Decision.objects.create(
            ballot=row,
            text=str(payload["comment"]),
            statement=statement,
            decided_by=actor,
            decided_at=now,
        )
        _event(row, RouteEvent.Action.DECIDE, actor, role=Role.CHAIR, at=now)
        audit_append(
            actor=actor,
            verb="ballots.decision_record",
            obj=row,
            body=row.body,
            after={"status": row.status, "statement": str(statement.pk), "text": decision.text},
        )
        users = [r.user for r in Recipient.objects.filter(ballot=row).select_related("user")]
        users += [u for u in (row.follower, row.created_by) if u is not None]
        _notify(users, row, gettext_lazy("Đã có quyết định về phiếu lấy ý kiến: %(title)s"))
    return decision


# --- Assistants ----------------------------------------------------------------------------


def assistant_add(*, actor: User, body: Body, assistant: Membership) -> Assistant:
    """A member names someone of the body to prepare their draft answers."""
    principal = perms.membership_of(actor, body)
    if principal is None or not perms.can_name_assistants(actor, body, principal):
        raise PermissionDenied
    if assistant.body_id != body.pk or not assistant.is_active or not assistant.user.is_active:
        raise DomainError(
            _("Trợ lý phải là người đang làm việc trong cơ quan."), code="bad_assistant"
        )
    if assistant.pk == principal.pk:
        raise DomainError(_("Không thể tự chỉ định mình làm trợ lý."), code="self")
    if holds_seat(assistant):
        raise DomainError(
            _("Thành viên có quyền biểu quyết không làm trợ lý cho thành viên khác."),
            code="seat",
        )
    try:
        with transaction.atomic():
            row = Assistant.objects.create(
                body=body, principal=principal, assistant=assistant, created_by=actor
            )
            audit_append(
                actor=actor,
                verb="ballots.assistant_add",
                obj=row,
                body=body,
                after={"principal": principal.pk, "assistant": assistant.pk},
            )
    except IntegrityError:
        raise DomainError(
            _("%(name)s đã là trợ lý của bạn.") % {"name": assistant.user}, code="duplicate"
        ) from None
    return row


def assistant_revoke(*, actor: User, assistant: Assistant) -> Assistant:
    if assistant.principal.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        row = Assistant.objects.select_for_update().get(pk=assistant.pk)
        if row.revoked_at is not None:
            return row
        row.revoked_at = timezone.now()
        row.revoked_by = actor
        row.save(update_fields=["revoked_at", "revoked_by"])
        audit_append(
            actor=actor,
            verb="ballots.assistant_revoke",
            obj=row,
            body=row.body,
            after={"principal": row.principal_id, "assistant": row.assistant_id},
        )
    return row
