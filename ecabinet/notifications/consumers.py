"""Live unread-notification count over a WebSocket."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


class NotificationCountConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "notification.count", "unread": await self._unread(user.pk)})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification_count(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "notification.count", "unread": event["unread"]})

    @database_sync_to_async
    def _unread(self, user_id: int) -> int:
        from ecabinet.notifications.models import Notification

        return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
