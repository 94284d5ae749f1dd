"""``{% unread_notification_count as unread %}`` for the header badge."""

from __future__ import annotations

from typing import Any

from django import template

from ecabinet.notifications.selectors import unread_count

register = template.Library()

_ATTR = "_ecabinet_unread_count"


@register.simple_tag(takes_context=True)
def unread_notification_count(context: template.Context) -> int:
    """The request user's unread count, queried at most once per request; 0 when anonymous."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, _ATTR, None)
    if cached is None:
        cached = unread_count(user.pk)
        setattr(request, _ATTR, cached)
    return cached
