"""Small helpers for the meetings templates."""

from __future__ import annotations

from django import template

from ecabinet.meetings.models import Invitation, ItemDocument, Meeting

register = template.Library()

_MEETING_BADGES: dict[str, str] = {
    Meeting.Status.DRAFT: "",
    Meeting.Status.SCHEDULED: "badge-warning",
    Meeting.Status.DOCUMENTS_PUBLISHED: "badge-ok",
    Meeting.Status.IN_SESSION: "badge-ok",
    Meeting.Status.ADJOURNED: "badge-warning",
    Meeting.Status.CLOSED: "badge-success",
    Meeting.Status.CANCELLED: "badge-danger",
}
_PAPER_BADGES: dict[str, str] = {
    ItemDocument.Status.SUBMITTED: "badge-warning",
    ItemDocument.Status.APPROVED: "badge-ok",
    ItemDocument.Status.RETURNED: "badge-danger",
}
_ANSWER_BADGES: dict[str, str] = {
    Invitation.Response.PENDING: "badge-warning",
    Invitation.Response.ACCEPTED: "badge-ok",
    Invitation.Response.DECLINED: "badge-danger",
    Invitation.Response.SUBSTITUTED: "",
}


@register.filter
def meeting_badge(status: str) -> str:
    """The badge class of a meeting status."""
    return _MEETING_BADGES.get(status, "")


@register.filter
def paper_badge(status: str) -> str:
    return _PAPER_BADGES.get(status, "")


@register.filter
def answer_badge(response: str) -> str:
    return _ANSWER_BADGES.get(response, "")


@register.filter
def seat_range(count: int) -> range:
    """``range(count)`` for drawing a room's seats."""
    return range(max(0, min(int(count or 0), 60)))
