"""Every write of the resolutions app, one service per step of the journey.

Each service checks permission, locks the resolution row, checks the transition in
``transitions.MACHINE`` and the version the user saw (so that two people acting at once
cannot overwrite each other unseen), mutates, appends its audit event and its page event,
and notifies in the same transaction. Ledger items (tracking) are written in the same
transaction too (``ledger.py``).

Signing and issuance are in ``signing.py`` and ``issuance.py``: they take the frozen
version from ``selectors.version_to_sign`` and move the resolution on with ``MACHINE``
("sign", "issue").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body, DocumentType, Membership
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.core.calendar import add_working_days
from ecabinet.core.dates import VN_TZ, format_decree_datetime
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.notifications.services import notification_send_each
from ecabinet.resolutions import ledger, selectors
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.content import Content, clean_content, content_hash, one_line
from ecabinet.resolutions.drafting import chair_of, content_from_ballot, content_from_meeting
from ecabinet.resolutions.models import (
    MAX_CONSULT_WORKING_DAYS,
    Consultation,
    ConsultationComment,
    ConsultationRecipient,
    Resolution,
    ResolutionEvent,
    ResolutionVersion,
)
from ecabinet.resolutions.transitions import MACHINE

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.ballots.models import Ballot
    from ecabinet.meetings.models import Meeting

NOTATION = "NQ"
REASON_MAX = 1000
NOTE_MAX = 300
MESSAGE_MAX = 2000
COMMENT_MAX = 4000
EXPLANATION_MAX = 4000


# --- Small helpers -------------------------------------------------------------------------


def _locked(resolution: Resolution) -> Resolution:
    # Lock the row alone and read the versions afterwards: under PostgreSQL a row re-read
    # after waiting for the lock is joined with the statement's older snapshot, where a
    # version just saved by the other transaction does not exist yet.
    return (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("body")
        .get(pk=resolution.pk)
    )


def _stale(current: int, seen: int) -> DomainError:
    return DomainError(
        _(
            "Dự thảo đã có phiên bản %(current)s do người khác lưu trong khi bạn sửa phiên bản "
            "%(seen)s. Không có gì bị ghi đè: nội dung bạn nhập vẫn còn trên trang. Hãy xem "
            "phần khác nhau rồi sửa lại trên phiên bản mới."
        )
        % {"current": current, "seen": seen},
        code="stale",
    )


def _event(
    resolution: Resolution,
    action: str,
    actor: User | None,
    *,
    version_number: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> ResolutionEvent:
    return ResolutionEvent.objects.create(
        resolution=resolution,
        action=action,
        actor=actor,
        version_number=version_number,
        reason=reason,
        at=at or timezone.now(),
    )


def _bump(resolution: Resolution, fields: list[str]) -> None:
    resolution.version += 1
    resolution.save(update_fields=[*fields, "version"])


def _notify(
    users: Sequence[User],
    resolution: Resolution,
    title: Promise,
    text: str = "",
    *,
    url: str | None = None,
) -> None:
    """Notify each user once, in their own language (``title`` may use ``%(title)s``)."""
    notification_send_each(
        users,
        title=title,
        values={"title": resolution.title},
        text=text,
        url=url or reverse("resolutions:detail", kwargs={"pk": resolution.pk}),
        body=resolution.body,
    )


def _clean_reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(missing, code="no_reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("Lý do dài tối đa %(n)s ký tự.") % {"n": REASON_MAX}, code="too_long")
    return reason


def _not_editable(resolution: Resolution) -> InvalidTransition:
    if resolution.status == t.AWAITING_SIGNATURE:
        return InvalidTransition(
            _(
                "Nghị quyết đã trình ký: phiên bản trình ký không được sửa. Nếu cần sửa, đề "
                "nghị Chủ tọa trả lại dự thảo."
            )
        )
    if resolution.status in (t.SIGNED, t.ISSUED):
        return InvalidTransition(
            _(
                "Nghị quyết đã ký không bao giờ được sửa. Việc sửa đổi, bãi bỏ được thực hiện "
                "bằng một nghị quyết mới."
            )
        )
    return InvalidTransition(_("Dự thảo nghị quyết đã bị hủy."))


def _chair(body: Body) -> Membership:
    chair = chair_of(body)
    if chair is None:
        raise DomainError(
            _("%(body)s chưa có Chủ tọa đang hoạt động để ký nghị quyết.") % {"body": body.name},
            code="no_chair",
        )
    return chair


def _document_type(body: Body) -> DocumentType:
    row = DocumentType.objects.filter(body=body, abbreviation=NOTATION, is_active=True).first()
    if row is None:
        raise DomainError(
            _(
                "Danh mục loại văn bản của %(body)s chưa có loại Nghị quyết (chữ viết tắt NQ). "
                "Hãy thêm vào danh mục rồi soạn lại."
            )
            % {"body": body.name},
            code="no_document_type",
        )
    return row


def _with_chair(content: Content, chair: Membership) -> Content:
    """The signature block always names the body's current chair (the Office sets the lines
    of authority and title)."""
    return replace(
        content, signer=replace(content.signer, name=chair.user.full_name, user_id=chair.user_id)
    )


# --- Drafting ------------------------------------------------------------------------------


def _create(
    *,
    actor: User,
    body: Body,
    source: str,
    content: Content,
    meeting: Meeting | None = None,
    ballot: Ballot | None = None,
) -> Resolution:
    content = clean_content(content)
    document_type = _document_type(body)
    chair = _chair(body)
    content = _with_chair(content, chair)
    data = content.to_json()
    sha256 = content_hash(data)
    try:
        with transaction.atomic():
            resolution = Resolution.objects.create(
                body=body,
                document_type=document_type,
                title=content.title,
                summary=content.summary,
                source=source,
                meeting=meeting,
                ballot=ballot,
                signer=chair.user,
                created_by=actor,
            )
            version = ResolutionVersion.objects.create(
                resolution=resolution,
                number=1,
                content=data,
                sha256=sha256,
                author=actor,
                note=str(Resolution.Source(source).label),
            )
            resolution.current_version = version
            resolution.save(update_fields=["current_version"])
            _event(resolution, ResolutionEvent.Action.CREATE, actor, version_number=1)
            audit_append(
                actor=actor,
                verb="resolutions.resolution_create",
                obj=resolution,
                body=body,
                after={
                    "source": source,
                    "meeting": meeting.pk if meeting is not None else None,
                    "ballot": ballot.pk if ballot is not None else None,
                    "title": content.title,
                    "version": 1,
                    "sha256": sha256,
                    "sections": [s.key for s in content.sections],
                },
            )
    except IntegrityError:
        # Another draft of the same source was created between our check and the insert.
        raise _already_drafted() from None
    return resolution


def _already_drafted() -> DomainError:
    return DomainError(
        _("Đã có dự thảo nghị quyết cho nội dung này. Hãy mở dự thảo đó để tiếp tục."),
        code="duplicate",
    )


def resolution_create_from_meeting(*, actor: User, meeting: Meeting) -> Resolution:
    """The Office drafts the session resolution of a closed meeting from its conclusions:
    one section per concluded agenda item (drafting.content_from_meeting)."""
    from ecabinet.meetings.models import Conclusion
    from ecabinet.meetings.transitions import CLOSED

    body = meeting.body
    if not perms.can_draft_resolution(actor, body):
        raise PermissionDenied
    if meeting.status != CLOSED:
        raise DomainError(
            _("Chỉ soạn nghị quyết từ phiên họp đã kết thúc."), code="meeting_not_closed"
        )
    if not Conclusion.objects.filter(item__meeting=meeting).exists():
        raise DomainError(
            _("Phiên họp chưa có kết luận nào để đưa vào nghị quyết."), code="no_conclusions"
        )
    if Resolution.objects.filter(meeting=meeting).exclude(status=t.CANCELLED).exists():
        raise _already_drafted()
    content = content_from_meeting(meeting, _chair(body))
    return _create(
        actor=actor,
        body=body,
        source=Resolution.Source.MEETING,
        content=content,
        meeting=meeting,
    )


def resolution_create_from_ballot(*, actor: User, ballot: Ballot) -> Resolution:
    """The Office drafts a resolution from a decided ballot: one section per question with
    its outcome, then the chair's decision (drafting.content_from_ballot)."""
    from ecabinet.ballots.transitions import DECIDED

    body = ballot.body
    if not perms.can_draft_resolution(actor, body):
        raise PermissionDenied
    if ballot.status != DECIDED:
        raise DomainError(
            _("Chỉ soạn nghị quyết từ phiếu lấy ý kiến đã có quyết định của Chủ tọa."),
            code="ballot_not_decided",
        )
    if Resolution.objects.filter(ballot=ballot).exclude(status=t.CANCELLED).exists():
        raise _already_drafted()
    content = content_from_ballot(ballot, _chair(body))
    return _create(
        actor=actor,
        body=body,
        source=Resolution.Source.BALLOT,
        content=content,
        ballot=ballot,
    )


def resolution_edit(
    *,
    actor: User,
    resolution: Resolution,
    base_version: int,
    content: Content,
    note: str = "",
) -> ResolutionVersion:
    """Save the editor's content as the next version.

    ``base_version`` is the number of the version the editor was opened on: when someone
    saved another version meanwhile, nothing is written and the refusal (code ``stale``)
    says so; the page keeps what the user typed. Saving content identical to the current
    version writes nothing and returns the current version.
    """
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    content = clean_content(content)
    note = one_line(note)[:NOTE_MAX]
    with transaction.atomic():
        row = _locked(resolution)
        if row.status not in t.EDITABLE:
            raise _not_editable(row)
        current = row.current_version
        assert current is not None
        if current.number != base_version:
            raise _stale(current.number, base_version)
        chair = _chair(row.body)
        content = _with_chair(content, chair)
        data = content.to_json()
        sha256 = content_hash(data)
        if sha256 == current.sha256:
            return current
        version = ResolutionVersion.objects.create(
            resolution=row,
            number=current.number + 1,
            content=data,
            sha256=sha256,
            author=actor,
            based_on=base_version,
            note=note,
        )
        row.current_version = version
        row.title, row.summary = content.title, content.summary
        row.signer = chair.user
        _bump(row, ["current_version", "title", "summary", "signer"])
        _event(row, ResolutionEvent.Action.EDIT, actor, version_number=version.number, reason=note)
        audit_append(
            actor=actor,
            verb="resolutions.resolution_edit",
            obj=row,
            body=row.body,
            before={"version": current.number, "sha256": current.sha256},
            after={"version": version.number, "sha256": sha256, "note": note},
        )
    return version


# --- Consultation --------------------------------------------------------------------------


def consultation_deadline(working_days: int, now: datetime | None = None) -> datetime:
    """``working_days`` working days from now (Vietnamese holidays skipped), at the end of
    the working day in Vietnam, like a ballot's answer deadline."""
    from ecabinet.ballots.services import DEADLINE_TIME, check_deadline

    now = now or timezone.now()
    day = add_working_days(now, working_days).astimezone(VN_TZ).date()
    return check_deadline(datetime.combine(day, DEADLINE_TIME, tzinfo=VN_TZ), now)


def _clean_members(body: Body, members: Sequence[Membership]) -> list[Membership]:
    chosen: dict[int, Membership] = {}
    for m in members:
        if m.body_id != body.pk or not m.is_active or m.role not in VOTING_ROLES:
            raise DomainError(
                _("Chỉ lấy ý kiến các thành viên đang hoạt động của %(body)s.")
                % {"body": body.name},
                code="bad_member",
            )
        chosen[m.pk] = m
    if not chosen:
        raise DomainError(_("Cần chọn ít nhất một thành viên để lấy ý kiến."), code="no_members")
    return sorted(chosen.values(), key=lambda m: (m.precedence, m.pk))


def consultation_open(
    *,
    actor: User,
    resolution: Resolution,
    version: int,
    working_days: int,
    members: Sequence[Membership] | None = None,
    message: str = "",
) -> Consultation:
    """The Office sends the current version (number ``version``, as shown) to the members
    for their opinions, due in ``working_days`` working days (every voting member unless
    ``members`` says otherwise). Each gets a ledger item with the deadline."""
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    if not 1 <= working_days <= MAX_CONSULT_WORKING_DAYS:
        raise DomainError(
            _("Thời hạn góp ý phải từ 1 đến %(n)s ngày làm việc.")
            % {"n": MAX_CONSULT_WORKING_DAYS},
            code="bad_days",
        )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise DomainError(
            _("Lời nhắn dài tối đa %(n)s ký tự.") % {"n": MESSAGE_MAX}, code="too_long"
        )
    body = resolution.body
    chosen = _clean_members(
        body, list(members) if members is not None else list(selectors.voting_members(body))
    )
    now = timezone.now()
    deadline = consultation_deadline(working_days, now)
    with transaction.atomic():
        row = _locked(resolution)
        if row.status == t.CONSULTATION:
            raise InvalidTransition(
                _("Đang có một đợt lấy ý kiến chưa kết thúc. Hãy kết thúc đợt đó trước.")
            )
        if row.status not in t.EDITABLE:
            raise _not_editable(row)
        row.status = MACHINE.target("consult", row.status)
        current = row.current_version
        assert current is not None
        if current.number != version:
            raise _stale(current.number, version)
        number = Consultation.objects.filter(resolution=row).count() + 1
        consultation = Consultation.objects.create(
            resolution=row,
            number=number,
            version=current,
            working_days=working_days,
            deadline_at=deadline,
            message=message,
            sent_by=actor,
            sent_at=now,
        )
        ConsultationRecipient.objects.bulk_create(
            ConsultationRecipient(
                consultation=consultation,
                membership=m,
                user_id=m.user_id,
                role=m.role,
                precedence=m.precedence,
            )
            for m in chosen
        )
        recipients = list(
            ConsultationRecipient.objects.filter(consultation=consultation).select_related(
                "user", "membership"
            )
        )
        _bump(row, ["status"])
        _event(
            row,
            ResolutionEvent.Action.CONSULT,
            actor,
            version_number=current.number,
            at=now,
            reason=f"Hạn góp ý: {format_decree_datetime(deadline, 'vi')}",
        )
        audit_append(
            actor=actor,
            verb="resolutions.consultation_open",
            obj=row,
            body=body,
            after={
                "status": row.status,
                "consultation": number,
                "version": current.number,
                "sha256": current.sha256,
                "working_days": working_days,
                "deadline_at": deadline,
                "members": [r.membership_id for r in recipients],
            },
        )
        consultation.resolution = row
        told = ledger.ledger_assign_consultation(
            actor=actor, resolution=row, consultation=consultation, recipients=recipients
        )
        for recipient in recipients:
            if recipient.user_id in told:
                continue
            _notify(
                [recipient.user],
                row,
                gettext_lazy("Đề nghị góp ý dự thảo nghị quyết: %(title)s"),
                _("Hạn góp ý: %(deadline)s.") % {"deadline": format_decree_datetime(deadline)},
                url=reverse("resolutions:answer", kwargs={"pk": row.pk, "seat": recipient.pk}),
            )
    return consultation


def opinion_submit(
    *,
    actor: User,
    recipient: ConsultationRecipient,
    choice: str,
    comments: Mapping[str, str] | None = None,
) -> ConsultationRecipient:
    """A member (or their substitute with the "give opinions" mandate) agrees with the draft
    or comments on its sections (key "" for the draft as a whole). The answer may change
    until the deadline; a comment whose text changes loses the Office's earlier handling.
    """
    consultation = recipient.consultation
    resolution = consultation.resolution
    capacity = selectors.capacity_for(actor, recipient)
    if capacity is None:
        raise PermissionDenied
    if choice not in ConsultationRecipient.Choice.values:
        raise DomainError(_("Hãy chọn nhất trí hoặc góp ý."), code="bad_choice")
    content = selectors.content_of(consultation.version)
    places = {"": ("", 0)} | {
        s.key: (s.heading, position) for position, s in enumerate(content.sections, start=1)
    }
    cleaned: dict[str, str] = {}
    for key, text in (comments or {}).items():
        text = (text or "").strip()
        if not text:
            continue
        if key not in places:
            raise DomainError(_("Mục được góp ý không có trong dự thảo."), code="bad_section")
        if len(text) > COMMENT_MAX:
            raise DomainError(
                _("Mỗi ý kiến dài tối đa %(n)s ký tự.") % {"n": COMMENT_MAX}, code="too_long"
            )
        cleaned[key] = text
    if choice == ConsultationRecipient.Choice.AGREE:
        cleaned = {}
    elif not cleaned:
        raise DomainError(
            _("Hãy ghi ít nhất một ý kiến góp ý, hoặc chọn Nhất trí với dự thảo."),
            code="no_comment",
        )
    with transaction.atomic():
        row = _locked(resolution)
        current = Consultation.objects.get(pk=consultation.pk)
        now = timezone.now()
        if current.closed_at is not None:
            raise DomainError(
                _("Văn phòng đã kết thúc lấy ý kiến đợt này, không nhận thêm ý kiến."),
                code="consultation_closed",
            )
        if current.deadline_at <= now:
            raise DomainError(
                _("Đã hết hạn góp ý (%(deadline)s), không nhận thêm ý kiến.")
                % {"deadline": format_decree_datetime(current.deadline_at)},
                code="deadline_passed",
            )
        seat = ConsultationRecipient.objects.select_for_update().get(pk=recipient.pk)
        existing = {c.section_key: c for c in ConsultationComment.objects.filter(recipient=seat)}
        before = {
            "choice": seat.choice,
            "comments": {k: c.text for k, c in existing.items()},
        }
        for key, gone in existing.items():
            if key not in cleaned:
                gone.delete()
        for key, text in cleaned.items():
            heading, position = places[key]
            comment = existing.get(key)
            if comment is None:
                ConsultationComment.objects.create(
                    recipient=seat,
                    section_key=key,
                    section_heading=heading[:300],
                    position=position,
                    text=text,
                    updated_at=now,
                )
            elif comment.text != text:
                comment.text, comment.updated_at = text, now
                comment.handling, comment.explanation = "", ""
                comment.handled_by, comment.handled_at = None, None
                comment.save()
        seat.choice = choice
        seat.answered_by = actor
        seat.on_behalf_of = recipient.user if capacity == selectors.Capacity.SUBSTITUTE else None
        seat.answered_at = now
        seat.version += 1
        seat.save(update_fields=["choice", "answered_by", "on_behalf_of", "answered_at", "version"])
        audit_append(
            actor=actor,
            verb="resolutions.opinion_submit",
            obj=row,
            body=row.body,
            before=before,
            after={
                "consultation": current.number,
                "seat": seat.pk,
                "member": seat.user_id,
                "on_behalf_of": seat.on_behalf_of_id,
                "choice": choice,
                "comments": cleaned,
            },
        )
        ledger.ledger_answered(actor=actor, resolution=row, recipient=seat)
    seat.consultation = consultation
    return seat


def comment_handle(
    *, actor: User, comment: ConsultationComment, handling: str, explanation: str = ""
) -> ConsultationComment:
    """The Office records how a comment was handled: accepted, partly accepted (explained)
    or not accepted (explained)."""
    resolution = comment.recipient.consultation.resolution
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    if handling not in ConsultationComment.Handling.values or not handling:
        raise DomainError(_("Hãy chọn cách tiếp thu ý kiến."), code="bad_handling")
    explanation = (explanation or "").strip()
    if handling != ConsultationComment.Handling.ACCEPTED and not explanation:
        raise DomainError(
            _("Cần giải trình khi không tiếp thu hoặc chỉ tiếp thu một phần ý kiến."),
            code="no_explanation",
        )
    if len(explanation) > EXPLANATION_MAX:
        raise DomainError(
            _("Giải trình dài tối đa %(n)s ký tự.") % {"n": EXPLANATION_MAX}, code="too_long"
        )
    with transaction.atomic():
        row = _locked(resolution)
        if row.status not in t.EDITABLE:
            raise _not_editable(row)
        current = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
        before = {"handling": current.handling, "explanation": current.explanation}
        current.handling, current.explanation = handling, explanation
        current.handled_by, current.handled_at = actor, timezone.now()
        current.save(update_fields=["handling", "explanation", "handled_by", "handled_at"])
        audit_append(
            actor=actor,
            verb="resolutions.comment_handle",
            obj=row,
            body=row.body,
            before=before,
            after={
                "comment": current.pk,
                "section": current.section_key,
                "handling": handling,
                "explanation": explanation,
            },
        )
    return current


def consultation_close(*, actor: User, resolution: Resolution, note: str = "") -> Consultation:
    """The Office ends the round (before or after the deadline): the draft goes back to
    drafting for revision; open ledger items are withdrawn."""
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    note = one_line(note)[:REASON_MAX]
    with transaction.atomic():
        row = _locked(resolution)
        row.status = MACHINE.target("close_consultation", row.status)
        consultation = Consultation.objects.select_for_update().get(
            resolution=row, closed_at__isnull=True
        )
        now = timezone.now()
        consultation.closed_at, consultation.closed_by, consultation.close_note = now, actor, note
        consultation.save(update_fields=["closed_at", "closed_by", "close_note"])
        _bump(row, ["status"])
        _event(row, ResolutionEvent.Action.CLOSE_CONSULTATION, actor, reason=note, at=now)
        answered = ConsultationRecipient.objects.filter(consultation=consultation).exclude(
            choice=""
        )
        audit_append(
            actor=actor,
            verb="resolutions.consultation_close",
            obj=row,
            body=row.body,
            after={
                "status": row.status,
                "consultation": consultation.number,
                "answered": answered.count(),
                "asked": consultation.recipients.count(),
                "before_deadline": now < consultation.deadline_at,
                "note": note,
            },
        )
        ledger.ledger_withdraw(
            actor=actor,
            resolution=row,
            reason=_("Văn phòng đã kết thúc lấy ý kiến."),
            kind=ledger.KIND_CONSULT,
        )
    consultation.resolution = row
    return consultation


# --- Submission for signature, return, cancellation ----------------------------------------


def resolution_submit(*, actor: User, resolution: Resolution, version: int) -> Resolution:
    """The Office submits the current version (number ``version``, as shown) to the chair.

    The version is frozen with its content hash; the chair gets it in "waiting for me".
    Refused while a consultation is open, while a comment has no recorded handling, or when
    the signature block no longer names the body's chair.
    """
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    with transaction.atomic():
        row = _locked(resolution)
        if row.status == t.CONSULTATION:
            raise InvalidTransition(_("Hãy kết thúc lấy ý kiến trước khi trình ký."))
        if row.status not in t.EDITABLE:
            raise _not_editable(row)
        row.status = MACHINE.target("submit", row.status)
        current = row.current_version
        assert current is not None
        if current.number != version:
            raise _stale(current.number, version)
        if content_hash(current.content) != current.sha256:
            raise DomainError(
                _("Nội dung phiên bản không khớp với mã băm đã ghi nhận."), code="tampered"
            )
        unhandled = selectors.unhandled_comments(row)
        if unhandled:
            raise DomainError(
                ngettext(
                    "Còn %(n)s ý kiến góp ý chưa ghi nhận cách tiếp thu. Hãy ghi nhận trước "
                    "khi trình ký.",
                    "Còn %(n)s ý kiến góp ý chưa ghi nhận cách tiếp thu. Hãy ghi nhận trước "
                    "khi trình ký.",
                    unhandled,
                )
                % {"n": unhandled},
                code="unhandled_comments",
            )
        chair = _chair(row.body)
        if Content.from_json(current.content).signer.user_id != chair.user_id:
            raise DomainError(
                _(
                    "Người ký ghi trong dự thảo không còn là Chủ tọa. Hãy mở trình soạn thảo và "
                    "lưu lại để cập nhật người ký."
                ),
                code="signer_changed",
            )
        now = timezone.now()
        row.submitted_version = current
        row.submitted_sha256 = current.sha256
        row.submitted_at, row.submitted_by = now, actor
        row.signer = chair.user
        _bump(
            row,
            [
                "status",
                "submitted_version",
                "submitted_sha256",
                "submitted_at",
                "submitted_by",
                "signer",
            ],
        )
        _event(row, ResolutionEvent.Action.SUBMIT, actor, version_number=current.number, at=now)
        audit_append(
            actor=actor,
            verb="resolutions.resolution_submit",
            obj=row,
            body=row.body,
            after={
                "status": row.status,
                "version": current.number,
                "sha256": current.sha256,
                "signer": chair.user_id,
            },
        )
        if not ledger.ledger_assign_signature(actor=actor, resolution=row, signer=chair.user):
            _notify([chair.user], row, gettext_lazy("Nghị quyết chờ bạn ký: %(title)s"))
    return row


def resolution_return(*, actor: User, resolution: Resolution, reason: str) -> Resolution:
    """The chair returns the resolution awaiting their signature to the Office, with a reason.

    The frozen version is released (it stays in the history); the draft is editable again.
    """
    if not (
        perms.is_chair(actor, resolution.body)
        and getattr(actor, "pk", None) == resolution.signer_id
    ):
        raise PermissionDenied
    reason = _clean_reason(reason, _("Cần ghi lý do trả lại."))
    with transaction.atomic():
        row = _locked(resolution)
        row.status = MACHINE.target("return", row.status)
        frozen = row.submitted_version
        assert frozen is not None
        before = {"version": frozen.number, "sha256": row.submitted_sha256}
        submitter = row.submitted_by
        row.submitted_version, row.submitted_sha256 = None, ""
        row.submitted_at, row.submitted_by = None, None
        _bump(
            row,
            ["status", "submitted_version", "submitted_sha256", "submitted_at", "submitted_by"],
        )
        _event(
            row, ResolutionEvent.Action.RETURN, actor, version_number=frozen.number, reason=reason
        )
        audit_append(
            actor=actor,
            verb="resolutions.resolution_return",
            obj=row,
            body=row.body,
            before=before,
            after={"status": row.status, "reason": reason},
        )
        ledger.ledger_signature_handled(actor=actor, resolution=row)
        users = [u for u in (submitter, row.created_by) if u is not None]
        _notify(users, row, gettext_lazy("Chủ tọa trả lại dự thảo nghị quyết: %(title)s"), reason)
    return row


def resolution_cancel(*, actor: User, resolution: Resolution, reason: str) -> Resolution:
    """The Office abandons a draft (before submission), with a reason; an open consultation
    ends with it. The source may then be drafted again."""
    if not perms.can_manage_resolution(actor, resolution):
        raise PermissionDenied
    reason = _clean_reason(reason, _("Cần ghi lý do hủy dự thảo."))
    with transaction.atomic():
        row = _locked(resolution)
        if row.status not in t.EDITABLE:
            raise _not_editable(row)
        row.status = MACHINE.target("cancel", row.status)
        now = timezone.now()
        Consultation.objects.filter(resolution=row, closed_at__isnull=True).update(
            closed_at=now, closed_by=actor, close_note=reason[:1000]
        )
        row.cancelled_at, row.cancel_reason = now, reason
        _bump(row, ["status", "cancelled_at", "cancel_reason"])
        _event(row, ResolutionEvent.Action.CANCEL, actor, reason=reason, at=now)
        audit_append(
            actor=actor,
            verb="resolutions.resolution_cancel",
            obj=row,
            body=row.body,
            after={"status": row.status, "reason": reason},
        )
        ledger.ledger_withdraw(actor=actor, resolution=row, reason=reason)
    return row


def resolution_seen(*, actor: User, resolution: Resolution) -> None:
    """The user opened the resolution's page: their ledger items on it count as opened."""
    ledger.ledger_opened(user=actor, resolution=resolution)
