"""The agent's HTTP server fed arbitrary bytes and near-valid requests over a real socket.

One server on loopback for the module. Each example sends raw bytes (random, or requests
built from real and hostile methods, targets, versions, headers, lengths, chunked bodies,
several pipelined, some cut short), sometimes half-closes, and reads until the server
closes or a second passes. Every reply must be well-framed HTTP/1.1 with no 5xx other
than 501, 503 or 505 and nothing after a ``Connection: close`` reply; the server must
answer ``/-/healthy`` on a new connection after each example, log no unexpected error,
and be left with no open connection at the end.

Sends packets on loopback only: run it in a network namespace, as tests/run.sh does.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client.core import GaugeMetricFamily, Metric

from netwatch.engine import Engine, EngineCollector
from netwatch.exporter.http11 import Limits
from netwatch.exporter.routes import AgentState
from netwatch.exporter.server import AgentHTTPServer
from tests.conftest import http_get, wait_until

pytestmark = pytest.mark.integration

LIMITS = Limits(header_timeout=0.5, idle_timeout=0.5, body_timeout=0.5)
READ_FOR = 1.0
ALLOWED_5XX = {501, 503, 505}
STATUS_LINE = re.compile(rb"HTTP/1\.1 \d{3} ")


class Constant:
    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("http_fuzz_value", "A constant.", value=1)


class Recorder(logging.Handler):
    """Keeps the server's log records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def errors(self) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.levelno >= logging.WARNING and "error while serving" in r.getMessage()
        ]


@pytest.fixture(scope="module")
def log() -> Iterator[Recorder]:
    logger = logging.getLogger("netwatch.http")
    recorder = Recorder()
    logger.addHandler(recorder)
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield recorder
    logger.removeHandler(recorder)
    logger.setLevel(level)


@pytest.fixture(scope="module")
def server(log: Recorder) -> Iterator[AgentHTTPServer]:
    engine = Engine([EngineCollector("constant", Constant())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2), limits=LIMITS,
                            max_connections=64)  # fmt: skip
    engine.start()
    agent.start()
    yield agent
    agent.stop()
    engine.stop()


# --- requests -------------------------------------------------------------------------

METHODS = (b"GET", b"GET", b"HEAD", b"POST", b"PUT", b"OPTIONS", b"CONNECT", b"TRACE", b"PRI",
           b"get", b"G\x00T", b"GET\xff", b"")  # fmt: skip
TARGETS = (
    b"/metrics", b"/metrics", b"/-/healthy", b"/", b"/sd", b"/probe?target=127.0.0.1&module=x",
    b"*", b"http://[/metrics", b"http://host/metrics", b"//x", b"/%00", b"/\xc3\xa9", b"/a b",
    b"/metrics?" + b"a" * 9000, b"/\r", b"",
)  # fmt: skip
VERSIONS = (b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.10",
            b"http/1.1", b"HTTP/1", b"", b"HTTP/1.1 x")  # fmt: skip
NAMES = (b"Host", b"Host", b"Content-Length", b"Content-Length", b"Transfer-Encoding",
         b"Connection", b"Authorization", b"Accept", b"Accept-Encoding",
         b"X-Prometheus-Scrape-Timeout-Seconds", b"Expect", b"Upgrade", b"X a", b"", b"X\x00",
         b"\xc3\xa9", b" Host")  # fmt: skip
VALUES = (
    b"x", b"", b"0", b"5", b"-1", b"+5", b"1e3", b"99999999999999999999", b"5, 5", b"5, 6",
    b"chunked", b"gzip, chunked", b"chunked, gzip", b"identity", b"close", b"keep-alive",
    b"upgrade", b"100-continue", b"application/openmetrics-text; version=1.0.0",
    b"text/plain;version=0.0.4;q=0.5,*/*;q=0.1", b"gzip", b"gzip;q=0, *;q=0", b"br, zstd",
    b"Basic Zm9vOmJhcg==", b"nan", b"inf", b"-inf", b"1e999", b"0.001", b"10", b"a\rb",
    b"a\nb", b"a\x00b", b"\xff\xfe", b"\xc3\xa9", b" lead", b"x" * 20000,
)  # fmt: skip
BODIES = (
    b"", b"hello", b"5\r\nhello\r\n0\r\n\r\n", b"0\r\n\r\n", b"ffffffffffffffffff\r\n",
    b"-1\r\n", b"5;ext=\x00\r\nhello\r\n0\r\n\r\n", b"0\r\nTrailer: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", b"x" * 70000,
)  # fmt: skip
ENDINGS = (b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r", b"\r\r\n")


def _token(choices: tuple[bytes, ...]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(choices), st.sampled_from(choices), st.binary(max_size=12))


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    """One request: a request line, headers and a body, each maybe malformed."""
    space = draw(st.sampled_from([b" ", b" ", b" ", b"  ", b"\t"]))
    line = space.join([draw(_token(METHODS)), draw(_token(TARGETS)), draw(_token(VERSIONS))])
    eol = draw(st.sampled_from(ENDINGS))
    headers = draw(st.lists(st.tuples(_token(NAMES), _token(VALUES)), max_size=6))
    separator = draw(st.sampled_from([b": ", b": ", b":", b" : ", b""]))
    head = [line] + [name + separator + value for name, value in headers]
    return eol.join(head) + eol + eol + draw(_token(BODIES))


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[bytes, bool]:
    """Pipelined requests, maybe cut short; and whether to half-close after sending."""
    data = b"".join(draw(st.lists(requests(), min_size=1, max_size=3)))
    if draw(st.booleans()) and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data, draw(st.booleans())


# --- checks ---------------------------------------------------------------------------


def exchange(port: int, data: bytes, half_close: bool) -> bytes:
    """Send ``data`` and read until the server closes or READ_FOR seconds pass."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=READ_FOR) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server may close before it has read everything
            pass
        deadline = time.monotonic() + READ_FOR
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, OSError):
                break
            if not chunk:
                break
            received += chunk
    return received


def responses(raw: bytes) -> list[tuple[int, dict[bytes, bytes]]]:
    """The responses in ``raw``, each checked to be a complete, framed HTTP/1.1 response.

    A response to HEAD carries no body: one is skipped only when bytes that are not the
    next status line follow its head.
    """
    found = []
    rest = raw
    while rest:
        assert STATUS_LINE.match(rest), f"not an HTTP/1.1 status line: {rest[:120]!r}"
        head, blank, rest = rest.partition(b"\r\n\r\n")
        assert blank, f"an incomplete response head: {head[:200]!r}"
        status_line, *lines = head.split(b"\r\n")
        fields = dict(line.split(b": ", 1) for line in lines)
        headers = {name.lower(): value for name, value in fields.items()}
        assert headers.get(b"server", b"").startswith(b"netwatch/"), head
        length = int(headers[b"content-length"])
        if rest and not STATUS_LINE.match(rest):
            assert len(rest) >= length, f"a body cut short: {head!r}"
            rest = rest[length:]
        found.append((int(status_line[9:12]), headers))
    return found


def assert_served(server: AgentHTTPServer, log: Recorder, data: bytes, half_close: bool) -> None:
    raw = exchange(server.port, data, half_close)
    replies = responses(raw)
    for index, (status, headers) in enumerate(replies):
        assert status < 500 or status in ALLOWED_5XX, f"{status} for {data[:300]!r}"
        if headers.get(b"connection", b"").lower() == b"close":
            assert index == len(replies) - 1, f"a reply after Connection: close: {raw[:600]!r}"
    status, _, _ = http_get(f"http://127.0.0.1:{server.port}/-/healthy", timeout=2)
    assert status == 200, "the server stopped answering health checks"
    assert not log.errors(), log.errors()


@given(st.binary(max_size=3000), st.booleans())
@example(b"", True)
@example(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", True)
@example(b"GET /\r\n", False)
@example(b"\r\n" * 3000, False)
def test_arbitrary_bytes(server: AgentHTTPServer, log: Recorder, data: bytes, close: bool) -> None:
    assert_served(server, log, data, close)


@given(exchanges())
@example((b"GET http://[/metrics HTTP/1.1\r\nHost: x\r\n\r\n", False))
@example((b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n"
          b"Host: x\r\n\r\n", True))  # fmt: skip
@example((b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          b"Content-Length: 3\r\n\r\n0\r\n\r\nabc", True))  # fmt: skip
@example(
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: nan\r\n\r\n", True)
)
@example((b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", True))
@example((b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0, *;q=0\r\n\r\n", True))
def test_near_valid_requests(
    server: AgentHTTPServer, log: Recorder, sent: tuple[bytes, bool]
) -> None:
    assert_served(server, log, *sent)


def test_every_connection_is_closed_at_the_end(server: AgentHTTPServer, log: Recorder) -> None:
    """Runs after the fuzz tests of this module: nothing they opened is left behind."""
    assert wait_until(lambda: server.connections == 0, timeout=2.0), server.connections
    assert not log.errors()
