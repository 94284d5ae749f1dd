"""A WebSocket test client over asgiref's ApplicationCommunicator.

Channels' own ``channels.testing.WebsocketCommunicator`` cannot be imported without Daphne
(the package's ``__init__`` imports its live-server test case, which needs Daphne; django/channels
issue #1942), and ecabinet serves with uvicorn. This is the same small protocol: connect,
send and receive JSON frames, disconnect.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class WebsocketClient(ApplicationCommunicator):  # type: ignore[misc]
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80),
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 3) -> tuple[bool, int | None]:
        """(True, None) when accepted; (False, close code) when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, None

    async def receive_json_from(self, timeout: float = 3) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def disconnect(self, code: int = 1000, timeout: float = 3) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
