"""Test servers on 127.0.0.1: an asyncio loop in a background thread and simple handlers."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType

from netwatch.probes.metrics import result_families
from netwatch.probes.result import ProbeResult
from tests.helpers.certs import CertFiles

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ServerThread:
    """Runs asyncio servers on 127.0.0.1 in a thread of their own, so probes run undisturbed."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []

    def __enter__(self) -> ServerThread:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def serve(self, handler: Handler, context: ssl.SSLContext | None = None) -> int:
        """Start a server calling ``handler`` per connection; returns its port."""
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(handler, "127.0.0.1", 0, ssl=context), self.loop
        ).result(10)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def server_context(cert: CertFiles) -> ssl.SSLContext:
    """A TLS server context presenting ``cert``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert.cert, cert.key)
    return context


async def finish(writer: asyncio.StreamWriter) -> None:
    """Close a server-side stream, ignoring a client that already went away."""
    writer.close()
    with contextlib.suppress(OSError):  # ssl.SSLError is an OSError too
        await writer.wait_closed()


def banner(text: bytes, hang_up: bool = False) -> Handler:
    """A handler that sends ``text``, then hangs up or waits for the client to hang up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(text)
            await writer.drain()
            if not hang_up:
                await reader.read()
        except OSError:
            pass
        finally:
            await finish(writer)

    return handle


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Echo every line back, prefixed with ``echo: ``."""
    try:
        while line := await reader.readline():
            writer.write(b"echo: " + line)
            await writer.drain()
    except OSError:
        pass
    finally:
        await finish(writer)


async def black_hole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept, read everything, never answer."""
    try:
        await reader.read()
    except OSError:
        pass
    finally:
        await finish(writer)


def sample(result: ProbeResult, kind: str, name: str, **labels: str) -> float | None:
    """The value of metric ``name`` (service ``svc``) built from ``result``; None if absent."""
    wanted = {"service": "svc", "kind": kind, **labels}
    for family in result_families([("svc", kind, result)], {}):
        for metric in family.samples:
            if metric.name == name and wanted.items() <= metric.labels.items():
                return float(metric.value)
    return None
