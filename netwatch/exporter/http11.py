"""One HTTP/1.1 connection, parsed by h11, with deadlines and size limits.

The protocol side only: it reads a request (head and body) within its limits, hands
it to the application and writes the reply. Every malformed request gets a status
line (400, 413, 431 or 505) and the connection is closed; nothing here raises.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TypeVar

import h11

from netwatch import __version__

log = logging.getLogger("netwatch.http")

SERVER_HEADER = f"netwatch/{__version__}"
READ_CHUNK = 16384
REQUEST_LINE_MAX = 8192
REQUEST_LINE = re.compile(rb"[^ ]+ [^ ]+ HTTP/\d\.\d\Z")


@dataclass(frozen=True)
class Limits:
    """What one connection may cost."""

    header_timeout: float = 10.0
    idle_timeout: float = 120.0
    body_timeout: float = 10.0
    send_timeout: float = 30.0
    max_header_bytes: int = 16384
    max_body_bytes: int = 65536


@dataclass(frozen=True)
class Request:
    """A complete request as the application sees it."""

    method: str
    target: str
    headers: dict[str, str]
    peer: str

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive); repeated headers joined by ', '."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Reply:
    """The application's answer."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


App = Callable[[Request], Awaitable[Reply]]
T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``awaitable`` or asyncio.TimeoutError after ``seconds``.

    asyncio.timeout (3.11+) needs no extra task per read, as wait_for does: on every
    request that is a measurable share of a 4 ms scrape.
    """
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)


class ConnectionState:
    """Where a connection is; the server evicts idle and half-read ones first."""

    IDLE = "idle"
    READING = "reading"
    BUSY = "busy"


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    """A text/plain reply."""
    merged = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    return Reply(status, f"{text}\n".encode(), merged)


TOO_LATE = plain(408, "request not received in time")


class _Closed(Exception):
    """The peer went away, or a deadline passed: close without a reply."""


class _Refused(Exception):
    """Answer with ``reply`` and close the connection."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class Connection:
    """Serves requests on one stream until the peer leaves, a limit is hit or we stop."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        app: App,
        limits: Limits,
        extra_headers: Callable[[], dict[str, str]] = dict,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._app = app
        self._limits = limits
        self._extra_headers = extra_headers
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header_bytes)
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unknown"
        self.state = ConnectionState.IDLE
        self._served = 0
        self._line = bytearray()
        self._check_line = True
        self.since = asyncio.get_running_loop().time()

    def _enter(self, state: str) -> None:
        self.state = state
        self.since = asyncio.get_running_loop().time()

    async def serve(self) -> None:
        """Answer requests until the connection ends; never raises."""
        try:
            while True:
                try:
                    request = await self._read_request()
                except _Refused as refused:
                    await self._send(refused.reply, head_only=False, close=True)
                    return
                self._enter(ConnectionState.BUSY)
                reply = await self._app(request)
                # After a request we could not make sense of, trust nothing more on the stream.
                close = reply.status == 400
                keep_alive = await self._send(reply, request.method == "HEAD", close)
                self._served += 1
                if not keep_alive:
                    return
                self._h11.start_next_cycle()
                self._line = bytearray()
                # A pipelined request already buffered was not seen from its first byte.
                self._check_line = not self._h11.trailing_data[0]
                self._enter(ConnectionState.IDLE)
        except (_Closed, ConnectionError, h11.LocalProtocolError, asyncio.IncompleteReadError):
            return
        except Exception:  # noqa: BLE001 - one bad request must never stop the server
            log.warning("error while serving %s", self.peer, exc_info=log.isEnabledFor(10))
        finally:
            self._writer.close()

    async def _receive(self, timeout: float, late: Reply | None = None) -> None:
        """Feed h11 the next bytes; at ``timeout`` answer ``late`` (or just close)."""
        try:
            data = await within(self._reader.read(READ_CHUNK), timeout)
        except asyncio.TimeoutError:
            raise (_Refused(late) if late is not None else _Closed()) from None
        if self._check_line and not self._request_line_ok(data):
            raise _Refused(plain(400, "bad request: expected METHOD TARGET HTTP/1.x"))
        self._h11.receive_data(data)

    def _request_line_ok(self, data: bytes) -> bool:
        """False once the first line of a request is complete and is not HTTP/1.x.

        h11 would wait for a blank line that an HTTP/0.9 client never sends.
        """
        if len(self._line) < REQUEST_LINE_MAX:
            self._line += data[: REQUEST_LINE_MAX - len(self._line)]
        line, found, _ = bytes(self._line).lstrip(b"\r\n").partition(b"\n")
        if not found:
            return True
        self._check_line = False
        return REQUEST_LINE.match(line.rstrip(b"\r")) is not None

    async def _next_event(self, deadline: float) -> object:
        loop = asyncio.get_running_loop()
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                if status == 400 and "Transfer-Encoding" in str(exc):
                    status = 501
                raise _Refused(plain(status, f"bad request: {exc}")) from None
            if event is h11.NEED_DATA:
                if self._h11.their_state is h11.IDLE and self.state is ConnectionState.IDLE:
                    # Waiting for a request: a new connection gets the header deadline,
                    # a kept-alive one the idle timeout.
                    await self._receive(self._limits.idle_timeout if self._served else
                                        self._limits.header_timeout)  # fmt: skip
                    self._enter(ConnectionState.READING)
                    deadline = loop.time() + self._limits.header_timeout
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise _Refused(TOO_LATE)
                await self._receive(remaining, TOO_LATE)
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise _Closed
            return event

    async def _read_request(self) -> Request:
        loop = asyncio.get_running_loop()
        event = await self._next_event(loop.time() + self._limits.header_timeout)
        if not isinstance(event, h11.Request):
            raise _Refused(plain(400, "bad request: expected a request line"))
        headers: dict[str, str] = {}
        try:
            for name, value in event.headers:
                key = name.decode("ascii").lower()
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
            if event.http_version not in (b"1.0", b"1.1"):
                raise _Refused(plain(505, "only HTTP/1.0 and HTTP/1.1 are supported"))
            method = event.method.decode("ascii")
            target = event.target.decode("ascii")
        except UnicodeDecodeError:
            raise _Refused(plain(400, "bad request: non-ASCII method or target")) from None
        if "content-length" in headers and "transfer-encoding" in headers:
            # RFC 9112 6.1: a request smuggling pattern; never keep such a stream.
            raise _Refused(plain(400, "bad request: both Content-Length and Transfer-Encoding"))
        await self._drain_body(loop.time() + self._limits.body_timeout, headers)
        return Request(method, target, headers, self.peer)

    async def _drain_body(self, deadline: float, headers: dict[str, str]) -> None:
        """Read and discard a request body within the size limit: no desync on keep-alive."""
        length = headers.get("content-length", "")
        limit = self._limits.max_body_bytes
        if length.isascii() and length.isdigit() and (len(length) > 9 or int(length) > limit):
            raise _Refused(plain(413, f"request body larger than {limit} bytes"))
        if self._h11.they_are_waiting_for_100_continue:
            continue_ = h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")
            self._writer.write(self._h11.send(continue_) or b"")
        received = 0
        while True:
            event = await self._next_event(deadline)
            if isinstance(event, h11.EndOfMessage):
                return
            if isinstance(event, h11.Data):
                received += len(event.data)
                if received > self._limits.max_body_bytes:
                    raise _Refused(plain(413, "request body too large"))

    async def _send(self, reply: Reply, head_only: bool, close: bool) -> bool:
        """Write ``reply``; True when the connection can serve another request."""
        headers = {**self._extra_headers(), **reply.headers}
        if close:
            headers["Connection"] = "close"
        fields = [(name, value) for name, value in headers.items()]
        fields += [("Server", SERVER_HEADER), ("Content-Length", str(len(reply.body)))]
        if self._h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return False
        try:
            response = h11.Response(
                status_code=reply.status, headers=fields, reason=reason_phrase(reply.status)
            )
            data = self._h11.send(response)
            if not head_only and reply.body:
                data += self._h11.send(h11.Data(data=reply.body)) or b""
            data += self._h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            # A request h11 could not even frame (their state ERROR): answer by hand.
            data = _raw_reply(reply, fields)
            close = True
        self._writer.write(data or b"")
        try:
            # A client that stops reading must not hold a busy connection for ever.
            if self._writer.transport.get_write_buffer_size():
                await within(self._writer.drain(), self._limits.send_timeout)
        except asyncio.TimeoutError:
            self._writer.transport.abort()
            raise _Closed from None
        return not close and self._h11.states == {h11.CLIENT: h11.DONE, h11.SERVER: h11.DONE}


def _raw_reply(reply: Reply, fields: list[tuple[str, str]]) -> bytes:
    """An HTTP/1.1 response written without h11, for requests h11 rejected outright."""
    reason = reason_phrase(reply.status)
    head = [f"HTTP/1.1 {reply.status} {reason}"]
    head += [f"{name}: {value}" for name, value in fields if name.lower() != "connection"]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


def reason_phrase(status: int) -> str:
    """The standard reason phrase for ``status``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
