"""Reads of the audit trail, scoped to one body and to those allowed to see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ecabinet.audit.models import AuditEvent
from ecabinet.audit.permissions import can_view_audit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body


@dataclass(frozen=True)
class AuditFilters:
    """What the audit trail page filters on; empty values filter nothing.

    ``verb`` matches the verb itself or, as a prefix, every verb of that family
    ("ballot" matches "ballot.send"). Dates are calendar days in the current time zone,
    both inclusive.
    """

    verb: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_list_for(
    user: User | AnonymousUser, body: Body, *, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent]:
    """The body's events, newest first (empty for anyone without AUDIT_VIEW there)."""
    if not can_view_audit(user, body):
        return AuditEvent.objects.none()
    filters = filters or AuditFilters()
    events = AuditEvent.objects.filter(body_id=body.pk)
    if filters.verb:
        verb = filters.verb.rstrip(".")
        events = events.filter(Q(verb=verb) | Q(verb__startswith=f"{verb}."))
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    # Bounds on the indexed timestamp rather than a __date lookup, which would convert every
    # row's time zone and could not use the index.
    if filters.date_from:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return events.order_by("-seq")


def audit_event_of_body(user: User | AnonymousUser, body: Body, seq: int) -> AuditEvent:
    """One event of this body by sequence number; 404 for another body's or a missing one.

    Callers check ``can_view_audit`` first so that a member without it gets 403.
    """
    event = audit_event_list_for(user, body).filter(seq=seq).first()
    if event is None:
        raise Http404
    return event
