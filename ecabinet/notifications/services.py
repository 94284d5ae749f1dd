"""Writes of notifications. Other apps call ``notification_send`` from their own services.

Notifications are not audited: each one is the consequence of an action that is (a ballot
sent, a meeting scheduled), and reading one changes nothing in the body's work. What the
handling-time trace needs (who opened a document, when) is recorded by the tracking app, not
here. See docs/decisions/0401-notifications.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

from ecabinet.notifications.consumers import user_group
from ecabinet.notifications.events import unread_count_event
from ecabinet.notifications.models import Notification, NotificationKind
from ecabinet.notifications.selectors import unread_count
from ecabinet.notifications.tasks import send_notification_email

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body


def _check_local_url(url: str) -> None:
    # Notification links point inside ecabinet: a "javascript:" or external URL in a trusted-
    # looking list would be a phishing or script vector. Django's check also catches the tricks
    # browsers normalise into another host ("/\\evil", "/\t/evil").
    if url and not (
        url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    ):
        raise ValueError(f"notification url must be a local path, got {url!r}")


def push_unread_count(user_id: int) -> None:
    """Send the user's current unread count to their open pages (after commit only)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(user_group(user_id), unread_count_event(unread_count(user_id)))


def notification_send(
    *,
    user: User,
    title: str,
    text: str = "",
    url: str = "",
    kind: str = NotificationKind.INFO,
    body: Body | None = None,
    email: bool = True,
) -> Notification:
    """Notify ``user``: a row now; after commit, a live badge update and (optionally) an e-mail.

    Runs in the caller's transaction when there is one, so a rolled-back action notifies no
    one. The push and the e-mail task are scheduled with ``on_commit(robust=True)``: a channel
    layer or queue outage is logged and never undoes the action that caused the notification.
    """
    title = title.strip()
    if not title:
        raise ValueError("a notification needs a title")
    _check_local_url(url)
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user,
            body=body,
            kind=kind,
            title=title[:300],
            text=text,
            url=url,
        )
        user_id = user.pk
        transaction.on_commit(lambda: push_unread_count(user_id), robust=True)
        if email and user.email:
            notification_id = notification.pk
            transaction.on_commit(
                lambda: send_notification_email.enqueue(notification_id), robust=True
            )
    return notification


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (idempotent: the first reading time stays)."""
    if notification.user_id != user.pk:
        raise PermissionError("a user can only mark their own notifications read")
    if notification.read_at is not None:
        return notification
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: two tabs marking the same notification keep the first time.
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        )
        if updated:
            user_id = user.pk
            transaction.on_commit(lambda: push_unread_count(user_id), robust=True)
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    with transaction.atomic():
        updated = Notification.objects.filter(user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if updated:
            user_id = user.pk
            transaction.on_commit(lambda: push_unread_count(user_id), robust=True)
    return updated


def notification_send_each(
    users: Iterable[User | None],
    *,
    title: str | Promise,
    values: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    text: str | Promise = "",
    url: str = "",
    kind: str = NotificationKind.INFO,
    body: Body | None = None,
) -> None:
    """Notify each active user once (None and repeats are skipped), in their own language.

    ``title``, and ``text`` when it is lazy, are translated in the reader's language and
    formatted with ``values`` (``%(title)s``...); a callable ``values`` is called in that
    language (for dates written the reader's way). A plain ``text`` is sent as it is.
    """
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            mapping = (values() if callable(values) else values) or {}
            notification_send(
                user=user,
                title=str(title) % mapping,
                text=(str(text) % mapping) if isinstance(text, Promise) else text,
                url=url,
                kind=kind,
                body=body,
            )
