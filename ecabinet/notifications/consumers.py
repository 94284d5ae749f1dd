"""Live unread-notification count over a WebSocket (/ws/thong-bao/).

A fully logged-in user's connections join the group ``user_group(user.pk)``; services push
``UnreadCountEvent``s to it after commit (services.py). Anonymous and half-logged-in
(password only) connections are refused.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ecabinet.accounts.session import second_factor_satisfied
from ecabinet.notifications.events import UnreadCountEvent, unread_count_event


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


class NotificationCountConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        # Channels does not run the second-factor middleware: a session that has passed
        # only the password step must not get a live channel either.
        if session is None or not await database_sync_to_async(second_factor_satisfied)(
            user, session
        ):
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(unread_count_event(await self._unread(user.pk)))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        """The client has nothing to say; ignore whatever it sends."""

    async def notification_count(self, event: UnreadCountEvent) -> None:
        await self.send_json(unread_count_event(int(event["unread"])))

    async def _unread(self, user_id: int) -> int:
        from ecabinet.notifications.selectors import unread_count

        # database_sync_to_async also closes stale connections around the query.
        count: int = await database_sync_to_async(unread_count)(user_id)
        return count
