"""The agent's HTTP(S) listener: an asyncio server on its own event-loop thread.

One thread serves every connection. A connection cap bounds memory: when it is
reached, the connection that has been idle or half-sent the longest makes room
(a slowloris cannot lock out Prometheus); only when every connection is busy is the
new one refused.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import TYPE_CHECKING

from netwatch.exporter.http11 import App, Connection, ConnectionState, Limits
from netwatch.exporter.routes import AgentApp, AgentState

if TYPE_CHECKING:
    from netwatch.webconfig import WebConfigSource

log = logging.getLogger("netwatch.http")

LISTEN_BACKLOG = 512
START_TIMEOUT = 10.0


class AgentHTTPServer:
    """Serves :class:`AgentApp` on ``host:port`` until :meth:`stop`."""

    def __init__(
        self,
        host: str,
        port: int,
        state: AgentState,
        web: WebConfigSource | None = None,
        limits: Limits | None = None,
        max_connections: int = 512,
    ) -> None:
        self.host = host
        self.limits = limits or Limits()
        self.max_connections = max_connections
        self._web = web
        self.app = AgentApp(state, web)
        self._ssl = web.server_ssl_context() if web is not None else None
        self._connections: dict[asyncio.Task[None], Connection] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="http", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._socket = _bind(host, port)

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        return int(self._socket.getsockname()[1])

    @property
    def tls(self) -> bool:
        """True when the listener speaks HTTPS."""
        return self._ssl is not None

    @property
    def connections(self) -> int:
        """Open connections right now."""
        return len(self._connections)

    def start(self) -> None:
        """Start serving in the background."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(START_TIMEOUT)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept,
            sock=self._socket,
            ssl=self._ssl,
            ssl_handshake_timeout=self.limits.header_timeout if self._ssl else None,
            backlog=LISTEN_BACKLOG,
            limit=self.limits.max_header_bytes,
        )

    def stop(self) -> None:
        """Stop listening, close every connection and the loop thread."""
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._stop(), self._loop)
            try:
                future.result(5.0)
            except (TimeoutError, RuntimeError):
                log.warning("HTTP server did not stop within 5 s")
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5.0)
        else:
            self._socket.close()
        self.app.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=2.0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always inside a task
            writer.close()
            return
        if len(self._connections) >= self.max_connections and not self._make_room():
            log.debug("connection cap (%d) reached; refusing a connection", self.max_connections)
            writer.transport.abort()
            return
        _no_delay(writer)
        app: App = self.app
        connection = Connection(reader, writer, app, self.limits, self.app.extra_headers)
        self._connections[task] = connection
        try:
            await connection.serve()
        except asyncio.CancelledError:
            # Closed at the cap or on stop. Ending the task normally matters: a handler task
            # that ends cancelled makes Python 3.11's stream protocol log a traceback.
            writer.transport.abort()
        finally:
            self._connections.pop(task, None)

    def _make_room(self) -> bool:
        """Close the longest-waiting connection that is not being answered."""
        waiting = [
            (connection.since, task)
            for task, connection in self._connections.items()
            if connection.state is not ConnectionState.BUSY
        ]
        if not waiting:
            return False
        _, oldest = min(waiting, key=lambda item: item[0])
        oldest.cancel()
        self._connections.pop(oldest, None)
        return True


def _no_delay(writer: asyncio.StreamWriter) -> None:
    """Send small writes at once: with TLS, Nagle held each reply 40 ms behind the tickets."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            log.debug("could not set TCP_NODELAY", exc_info=True)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, so a busy port fails at once with OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if hasattr(socket, "SO_REUSEADDR") and not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
