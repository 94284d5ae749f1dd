"""Background work of notifications, run by the task worker (``ecabinet db_worker``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from ecabinet.notifications.models import Notification

logger = logging.getLogger(__name__)


@task()
def send_notification_email(notification_id: int) -> str:
    """E-mail a copy of a notification to its user, at most once.

    Takes an id and tolerates a notification deleted meanwhile. The row is claimed by setting
    ``emailed_at`` with a conditional update before the mail goes out, so two workers (or a
    retried task) never both send it; if sending fails the claim is released and the error
    re-raised, so the task shows as failed and can be retried. A crash between the claim and
    the send loses that one e-mail rather than sending it twice; the in-app notification is
    unaffected. Returns what happened: "sent", "missing", "already-sent" or "no-address".
    """
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    if notification.emailed_at is not None:
        return "already-sent"
    user = notification.user
    if not user.email or not user.is_active:
        return "no-address"
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return "already-sent"
    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "notification": notification,
                "user": user,
                "link": _absolute(notification.url),
            }
            subject = render_to_string("notifications/email/subject.txt", context)
            message = render_to_string("notifications/email/body.txt", context)
        send_mail(
            " ".join(subject.split()),
            message,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("e-mail for notification %s failed", notification_id)
        raise
    return "sent"


def _absolute(url: str) -> str:
    """The notification's link as an absolute URL when the site's address is configured."""
    base = settings.ECABINET_BASE_URL.rstrip("/")
    if not url:
        return base + "/" if base else ""
    return base + url if base else ""
