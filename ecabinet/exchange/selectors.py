"""Reads of the outbox, scoped to a body and to who may see it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Count, QuerySet
from django.http import Http404

from ecabinet.exchange.models import OutgoingMessage
from ecabinet.exchange.permissions import can_view_outbox

if TYPE_CHECKING:
    from ecabinet.bodies.models import Body
    from ecabinet.bodies.permissions import AnyUser


def outbox_list_for(
    user: AnyUser, body: Body, *, status: str | None = None
) -> QuerySet[OutgoingMessage]:
    """The body's outgoing messages, newest first (empty for those who may not see them).

    The sealed message itself is not loaded: a list never needs it.
    """
    if not can_view_outbox(user, body):
        return OutgoingMessage.objects.none()
    qs = OutgoingMessage.objects.filter(body=body).defer("sealed_message")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("created_by")


def outbox_counts(user: AnyUser, body: Body) -> dict[str, int]:
    """Number of messages per status (every status present, zero when none)."""
    counts = dict.fromkeys(OutgoingMessage.Status.values, 0)
    if not can_view_outbox(user, body):
        return counts
    rows = (
        OutgoingMessage.objects.filter(body=body)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts.update(dict(rows))
    return counts


def outgoing_for_subject(
    body: Body, subject_type: str, subject_id: str
) -> QuerySet[OutgoingMessage]:
    """The messages of one issued object (for the issuing app's own page; no permission
    check: the caller has already decided who sees that object)."""
    return (
        OutgoingMessage.objects.filter(body=body, subject_type=subject_type, subject_id=subject_id)
        .defer("sealed_message")
        .order_by("recipient_name")
    )


def outgoing_get(user: AnyUser, body: Body, message_id: UUID | str) -> OutgoingMessage:
    """One message of the body's outbox; 404 when it is not there or cannot be seen."""
    found = outbox_list_for(user, body).filter(pk=message_id).first()
    if found is None:
        raise Http404
    return found
