"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from ecabinet.notifications.models import Notification

if TYPE_CHECKING:
    from ecabinet.accounts.models import User


def notification_list_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    qs = Notification.objects.filter(user=user).select_related("body")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_for(user: User, pk: int) -> Notification:
    """The user's notification ``pk``; 404 for anyone else's (never say that it exists)."""
    notification = Notification.objects.filter(user=user, pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread (uses the (user, read_at) index)."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
