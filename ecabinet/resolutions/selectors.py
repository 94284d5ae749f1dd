"""Reads of resolutions, scoped to what the user may see (permissions.py explains who).

A resolution of a body the user does not belong to is simply not found (404). Inside the
body: the Office, the chair and the system administrator see every resolution; members with
a seat see those sent to them for opinions; substitutes those of the members they stand in
for; the records clerk those submitted for signature and after; everyone the issued ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.bodies.models import Body, Delegation, IssuingAgency, Membership, Role, Unit
from ecabinet.bodies.permissions import VOTING_ROLES
from ecabinet.bodies.selectors import delegation_active_for
from ecabinet.core.errors import DomainError, InvalidTransition
from ecabinet.core.waiting import WaitingItem
from ecabinet.resolutions import permissions as perms
from ecabinet.resolutions import transitions as t
from ecabinet.resolutions.content import Content, content_hash
from ecabinet.resolutions.models import (
    Consultation,
    ConsultationComment,
    ConsultationRecipient,
    Resolution,
    ResolutionEvent,
    ResolutionVersion,
)

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.ballots.models import Ballot
    from ecabinet.bodies.permissions import AnyUser
    from ecabinet.meetings.models import Meeting


# --- Lists and one resolution --------------------------------------------------------------


def _principal_memberships(user: AnyUser, body: Body, at: datetime) -> list[int]:
    """Memberships the user stands in for now (delegations received, any mandate)."""
    if not user.is_authenticated:
        return []
    return sorted(
        Delegation.objects.filter(
            body=body,
            substitute__user_id=user.pk,
            substitute__is_active=True,
            revoked_at__isnull=True,
            starts_at__lte=at,
            ends_at__gt=at,
        ).values_list("principal_id", flat=True)
    )


def resolution_list_for(user: AnyUser, body: Body) -> QuerySet[Resolution]:
    """The body's resolutions the user may see, newest first."""
    qs = Resolution.objects.filter(body=body).select_related("body", "document_type")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    membership = perms.membership_of(user, body)
    if perms.is_system_admin(user) or perms.can_follow_resolution(
        user, Resolution(body=body), membership
    ):
        return qs
    if membership is None or not membership.is_active:
        return qs.none()
    seen = Q(status=t.ISSUED)
    if membership.role == Role.RECORDS_CLERK:
        seen |= Q(status__in=t.FROZEN)
    if membership.role in VOTING_ROLES:
        seen |= Q(consultations__isnull=False)
    principals = _principal_memberships(user, body, timezone.now())
    if principals:
        seen |= Q(consultations__recipients__membership_id__in=principals)
    return qs.filter(seen).distinct()


def resolution_for(user: AnyUser, pk: int) -> Resolution:
    """A resolution the user may see; 404 otherwise (never 403 for another body's)."""
    resolution = (
        Resolution.objects.select_related(
            "body",
            "document_type",
            "signer",
            "meeting",
            "ballot",
            "current_version",
            "submitted_version",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if resolution is None or not user.is_authenticated or not user.is_active:
        raise Http404
    if perms.is_system_admin(user):
        return resolution
    if resolution_list_for(user, resolution.body).filter(pk=pk).exists():
        return resolution
    raise Http404


def content_of(version: ResolutionVersion) -> Content:
    return Content.from_json(version.content)


def versions_of(resolution: Resolution) -> list[ResolutionVersion]:
    """Every version, newest first."""
    return list(
        ResolutionVersion.objects.filter(resolution=resolution)
        .select_related("author")
        .order_by("-number")
    )


def version_of(resolution: Resolution, number: int) -> ResolutionVersion:
    version = (
        ResolutionVersion.objects.filter(resolution=resolution, number=number)
        .select_related("author")
        .first()
    )
    if version is None:
        raise Http404
    return version


def events_of(resolution: Resolution) -> list[ResolutionEvent]:
    return list(
        ResolutionEvent.objects.filter(resolution=resolution)
        .select_related("actor")
        .order_by("at", "pk")
    )


def shown_version_for(user: AnyUser, resolution: Resolution) -> ResolutionVersion | None:
    """The version the user reads on the resolution's page: the current one for those who
    follow it; the frozen one once submitted; otherwise the last one sent for opinions."""
    if perms.can_follow_resolution(user, resolution):
        return resolution.current_version
    if resolution.status in t.FROZEN:
        return resolution.submitted_version
    consultation = (
        Consultation.objects.filter(resolution=resolution)
        .select_related("version")
        .order_by("-number")
        .first()
    )
    return consultation.version if consultation is not None else None


# --- Sources of a new draft ----------------------------------------------------------------


def _live_resolutions(field_name: str) -> Exists:
    return Exists(
        Resolution.objects.filter(**{field_name: OuterRef("pk")}).exclude(status=t.CANCELLED)
    )


def meetings_to_draft(body: Body) -> QuerySet[Meeting]:
    """Closed meetings of the body with at least one conclusion and no live resolution."""
    from ecabinet.meetings.models import Conclusion, Meeting
    from ecabinet.meetings.transitions import CLOSED

    concluded = Exists(Conclusion.objects.filter(item__meeting=OuterRef("pk")))
    return (
        Meeting.objects.filter(body=body, status=CLOSED)
        .filter(concluded)
        .exclude(_live_resolutions("meeting"))
        .order_by("-starts_at", "-pk")
    )


def ballots_to_draft(body: Body) -> QuerySet[Ballot]:
    """Decided ballots of the body with no live resolution."""
    from ecabinet.ballots.models import Ballot
    from ecabinet.ballots.transitions import DECIDED

    return (
        Ballot.objects.filter(body=body, status=DECIDED)
        .exclude(_live_resolutions("ballot"))
        .select_related("decision")
        .order_by("-created_at", "-pk")
    )


# --- Editor choices ------------------------------------------------------------------------


def voting_members(body: Body) -> QuerySet[Membership]:
    """Every active voting member of the body (chair, vice chairs, members), by precedence."""
    return (
        Membership.objects.filter(
            body=body, is_active=True, user__is_active=True, role__in=VOTING_ROLES
        )
        .select_related("user", "title")
        .order_by("precedence", "user__full_name", "pk")
    )


def unit_choices(body: Body) -> QuerySet[Unit]:
    return Unit.objects.filter(body=body, is_active=True).order_by("order", "name", "pk")


def agency_choices(body: Body) -> QuerySet[IssuingAgency]:
    return IssuingAgency.objects.filter(body=body, is_active=True).order_by("order", "name", "pk")


# --- Consultation --------------------------------------------------------------------------


def open_consultation(resolution: Resolution) -> Consultation | None:
    return (
        Consultation.objects.filter(resolution=resolution, closed_at__isnull=True)
        .select_related("version", "sent_by")
        .first()
    )


def consultations_of(resolution: Resolution) -> list[Consultation]:
    """Every round, newest first."""
    return list(
        Consultation.objects.filter(resolution=resolution)
        .select_related("version", "sent_by", "closed_by")
        .order_by("-number")
    )


def consultation_of(resolution: Resolution, number: int) -> Consultation:
    consultation = (
        Consultation.objects.filter(resolution=resolution, number=number)
        .select_related("version", "sent_by", "closed_by")
        .first()
    )
    if consultation is None:
        raise Http404
    consultation.resolution = resolution
    return consultation


class Capacity(StrEnum):
    SELF = "self"
    SUBSTITUTE = "substitute"


def capacity_for(
    user: AnyUser, recipient: ConsultationRecipient, at: datetime | None = None
) -> Capacity | None:
    """How ``user`` may answer the seat: as the member, as their substitute holding the
    "give opinions" mandate, or not at all (bodies.selectors.mandate_of, read from the seat).
    """
    if not user.is_authenticated or not user.is_active:
        return None
    membership = recipient.membership
    if not membership.is_active:
        return None
    delegation = delegation_active_for(membership, at or timezone.now())
    handed_over = delegation is not None and delegation.can_give_opinions
    if recipient.user_id == user.pk:
        return Capacity.SELF if membership.role in VOTING_ROLES and not handed_over else None
    if handed_over and delegation is not None and delegation.substitute.user_id == user.pk:
        return Capacity.SUBSTITUTE
    return None


@dataclass(frozen=True)
class Seat:
    recipient: ConsultationRecipient
    capacity: Capacity


def seats_for(user: AnyUser, consultation: Consultation) -> list[Seat]:
    """The seats of the consultation the user may answer, in order of precedence."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    principals = _principal_memberships(user, consultation.resolution.body, now)
    rows = (
        ConsultationRecipient.objects.filter(consultation=consultation)
        .filter(Q(user_id=user.pk) | Q(membership_id__in=principals))
        .select_related("user", "membership", "answered_by")
        .order_by("precedence", "pk")
    )
    seats = []
    for recipient in rows:
        recipient.consultation = consultation
        capacity = capacity_for(user, recipient, now)
        if capacity is not None:
            seats.append(Seat(recipient, capacity))
    return seats


def own_seat(user: AnyUser, consultation: Consultation) -> ConsultationRecipient | None:
    if not user.is_authenticated:
        return None
    recipient = (
        ConsultationRecipient.objects.filter(consultation=consultation, user_id=user.pk)
        .select_related("user", "membership")
        .first()
    )
    if recipient is not None:
        recipient.consultation = consultation
    return recipient


def recipient_of(resolution: Resolution, pk: int) -> ConsultationRecipient:
    """A seat of one of the resolution's consultations; 404 for anything else."""
    recipient = (
        ConsultationRecipient.objects.filter(consultation__resolution=resolution, pk=pk)
        .select_related(
            "user", "membership", "membership__title", "answered_by", "on_behalf_of", "consultation"
        )
        .select_related("consultation__version")
        .first()
    )
    if recipient is None:
        raise Http404
    recipient.consultation.resolution = resolution
    return recipient


def comments_of(recipient: ConsultationRecipient) -> dict[str, ConsultationComment]:
    """The seat's comments by section key ("" for the comment on the whole draft)."""
    return {
        c.section_key: c
        for c in ConsultationComment.objects.filter(recipient=recipient).select_related(
            "handled_by"
        )
    }


def is_answerable(consultation: Consultation, now: datetime | None = None) -> bool:
    return consultation.closed_at is None and consultation.deadline_at > (now or timezone.now())


def not_answering_reason(user: AnyUser, recipient: ConsultationRecipient) -> str:
    """Why the seat cannot be answered now (for the page), or ""."""
    consultation = recipient.consultation
    if consultation.closed_at is not None:
        return _("Văn phòng đã kết thúc lấy ý kiến đợt này, không nhận thêm ý kiến.")
    if consultation.deadline_at <= timezone.now():
        return _("Đã hết hạn góp ý, không nhận thêm ý kiến.")
    if not recipient.membership.is_active:
        return _("Bạn không còn là thành viên của cơ quan nên không thể góp ý.")
    delegation = delegation_active_for(recipient.membership, timezone.now())
    if (
        recipient.user_id == getattr(user, "pk", None)
        and delegation is not None
        and delegation.can_give_opinions
    ):
        return _(
            "Bạn đã ủy quyền cho ý kiến cho %(name)s đến %(until)s: người được ủy quyền "
            "góp ý thay bạn."
        ) % {"name": delegation.substitute.user, "until": timezone.localtime(delegation.ends_at)}
    return ""


@dataclass
class CommentGroup:
    """The comments on one section (or on the whole draft: ``key`` empty)."""

    key: str
    heading: str
    comments: list[ConsultationComment] = field(default_factory=list)

    @property
    def unhandled(self) -> int:
        return sum(1 for c in self.comments if not c.handling)


@dataclass
class Overview:
    consultation: Consultation
    recipients: list[ConsultationRecipient]
    groups: list[CommentGroup]

    @property
    def answered(self) -> list[ConsultationRecipient]:
        return [r for r in self.recipients if r.choice]

    @property
    def not_answered(self) -> list[ConsultationRecipient]:
        return [r for r in self.recipients if not r.choice]

    @property
    def agreed(self) -> int:
        return sum(1 for r in self.recipients if r.choice == ConsultationRecipient.Choice.AGREE)

    @property
    def commented(self) -> int:
        return sum(1 for r in self.recipients if r.choice == ConsultationRecipient.Choice.COMMENT)

    @property
    def unhandled(self) -> int:
        return sum(g.unhandled for g in self.groups)


def consultation_overview(consultation: Consultation) -> Overview:
    """Who answered and who did not, and the comments grouped per section in the order of
    the version sent (comments on the whole draft first). Two queries."""
    recipients = list(
        ConsultationRecipient.objects.filter(consultation=consultation)
        .select_related("user", "membership__title", "answered_by", "on_behalf_of")
        .order_by("precedence", "pk")
    )
    comments = list(
        ConsultationComment.objects.filter(recipient__consultation=consultation)
        .select_related("recipient__user", "recipient__membership__title", "handled_by")
        .order_by("position", "recipient__precedence", "pk")
    )
    content = content_of(consultation.version)
    groups: dict[str, CommentGroup] = {"": CommentGroup("", _("Ý kiến chung về dự thảo"))}
    for section in content.sections:
        groups[section.key] = CommentGroup(section.key, section.heading or section.key)
    for comment in comments:
        group = groups.get(comment.section_key)
        if group is None:
            group = groups[comment.section_key] = CommentGroup(
                comment.section_key, comment.section_heading or comment.section_key
            )
        group.comments.append(comment)
    return Overview(
        consultation=consultation,
        recipients=recipients,
        groups=[g for g in groups.values() if g.comments],
    )


def unhandled_comments(resolution: Resolution) -> int:
    """Comments of every round whose handling the Office has not yet recorded."""
    return ConsultationComment.objects.filter(
        recipient__consultation__resolution=resolution, handling=""
    ).count()


# --- Signing (the issuance step's entry point) ---------------------------------------------


def version_to_sign(resolution: Resolution) -> ResolutionVersion:
    """The frozen version the chair signs: the one submitted, checked against its hash.

    Raises ``InvalidTransition`` unless the resolution awaits signature, and ``DomainError``
    (code ``tampered``) if the stored content no longer matches the hash recorded at
    submission. The signing step renders exactly this version (``content_of``) and must
    check, under its own lock, that ``submitted_version_id`` and ``submitted_sha256`` are
    still the ones it showed the chair.
    """
    row = (
        Resolution.objects.select_related("submitted_version", "body", "signer")
        .filter(pk=resolution.pk)
        .first()
    )
    if row is None or row.status != t.AWAITING_SIGNATURE or row.submitted_version is None:
        raise InvalidTransition(_("Nghị quyết không ở trạng thái chờ ký."))
    version = row.submitted_version
    if not (content_hash(version.content) == version.sha256 == row.submitted_sha256):
        raise DomainError(
            _("Nội dung trình ký không khớp với mã băm đã ghi nhận. Không thể ký."),
            code="tampered",
        )
    return version


# --- Waiting for me (when the ledger is not installed) -------------------------------------


def consultations_waiting_for(user: User) -> list[WaitingItem]:
    """Open consultations the user still has to answer (own seat or as substitute)."""
    from ecabinet.ballots.selectors import time_left_text

    if not user.is_authenticated or user.pk is None:
        return []
    now = timezone.now()
    recipients = (
        ConsultationRecipient.objects.filter(
            consultation__closed_at__isnull=True,
            consultation__deadline_at__gt=now,
            consultation__resolution__body__is_active=True,
            choice="",
            membership__is_active=True,
        )
        .filter(
            Q(user=user)
            | Q(
                membership__delegations_given__substitute__user=user,
                membership__delegations_given__revoked_at__isnull=True,
                membership__delegations_given__starts_at__lte=now,
                membership__delegations_given__ends_at__gt=now,
                membership__delegations_given__can_give_opinions=True,
            )
        )
        .select_related("consultation__resolution__body", "user")
        .distinct()
    )
    items = []
    for recipient in recipients:
        resolution = recipient.consultation.resolution
        mine = recipient.user_id == user.pk
        if mine and capacity_for(user, recipient, now) is None:
            continue
        items.append(
            WaitingItem(
                title=resolution.title
                if mine
                else _("%(title)s (góp ý thay %(name)s)")
                % {"title": resolution.title, "name": recipient.user},
                url=reverse(
                    "resolutions:answer", kwargs={"pk": resolution.pk, "seat": recipient.pk}
                ),
                body_name=resolution.body.short_name or resolution.body.name,
                detail=time_left_text(recipient.consultation.deadline_at, now),
                due_at=recipient.consultation.deadline_at,
            )
        )
    return items


def signatures_waiting_for(user: User) -> list[WaitingItem]:
    """Resolutions awaiting the user's signature (they are the body's chair and signer)."""
    if not user.is_authenticated or user.pk is None:
        return []
    rows = Resolution.objects.filter(
        status=t.AWAITING_SIGNATURE,
        signer=user,
        body__is_active=True,
        body__memberships__user=user,
        body__memberships__role=Role.CHAIR,
        body__memberships__is_active=True,
    ).select_related("body")
    return [
        WaitingItem(
            title=r.title,
            url=reverse("resolutions:detail", kwargs={"pk": r.pk}),
            body_name=r.body.short_name or r.body.name,
            detail=_("Nghị quyết chờ ký"),
        )
        for r in rows
    ]
