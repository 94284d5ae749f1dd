"""Permission matrix of notifications: everyone has their own list, and only their own."""

from __future__ import annotations

from typing import Any

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.notifications.models import Notification


def _members_notification(w: World) -> dict[str, Any]:
    # Belongs to the member: the member may mark it read, anyone else gets 404.
    member = w.user("member")
    assert member is not None
    notification = Notification.objects.create(user=member, kind="info", title="Phiếu mới")
    return {"pk": notification.pk}


CASES = [
    Case("notifications:list", everyone(200, anonymous=302)),
    Case(
        "notifications:mark_read",
        everyone(404, member=302, anonymous=302),
        kwargs=_members_notification,
        method="post",
        note=":members-notification",
    ),
    Case("notifications:mark_all_read", everyone(302), method="post"),
]
