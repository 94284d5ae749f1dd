"""The real ASGI application (HTTP and WebSockets) served by uvicorn in a background thread.

Django's LiveServerTestCase serves WSGI only, so it cannot answer a WebSocket handshake; this
runs ``ecabinet.asgi.application`` the way production does, on a free port of 127.0.0.1.
See docs/decisions/0500-browser-tests.md.
"""

from __future__ import annotations

import gc
import socket
import threading
import time
from typing import Any

import uvicorn
from asgiref.sync import sync_to_async
from django.db import connections

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        # Channels runs consumers' database work in asgiref's process-wide executor thread,
        # which outlives this server. With CONN_MAX_AGE (the PostgreSQL shape) its connection
        # would stay open and keep pytest-django from dropping the test database. Running the
        # close through sync_to_async from this loop lands on that same thread.
        await sync_to_async(connections.close_all)()


class LiveASGIServer:
    """Serve ``app`` on 127.0.0.1 until :meth:`stop`; ``url`` has no trailing slash."""

    def __init__(self, app: Any) -> None:
        # Bind before starting so the port is ours: no race between choosing and listening.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.port,
            # Channels' router has no lifespan handler; production runs the same way.
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"uvicorn-{self.port}", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # SystemExit included: start() and stop() report it
            self._error = exc

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"uvicorn exited during startup: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"uvicorn did not start within {STARTUP_TIMEOUT} s")
            time.sleep(0.01)
        # "started" is set once the listening socket is handed to the loop; prove it answers.
        with socket.create_connection((self.host, self.port), timeout=STARTUP_TIMEOUT):
            pass

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT)
        if self._thread.is_alive():
            # A client kept a connection open past the graceful timeout: cut it.
            self._server.force_exit = True
            self._thread.join(SHUTDOWN_TIMEOUT)
        self._sock.close()
        if self._thread.is_alive():
            raise RuntimeError(f"uvicorn on port {self.port} did not stop")
        # Django opens a connection in each request's thread. A DatabaseWrapper refers to
        # itself (wrapper.ops.connection, ...), so when that thread ends its connection stays
        # open until the cycle collector runs; with CONN_MAX_AGE nothing closes it sooner, and
        # PostgreSQL then refuses to drop the test database. Collect now.
        gc.collect()
        if self._error is not None:
            raise RuntimeError(f"uvicorn failed while serving: {self._error!r}")
