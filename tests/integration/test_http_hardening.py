"""The HTTP server against malformed requests, slow clients and connection floods.

Each case replays, as raw bytes on a real socket, a request that the old stdlib
server mishandled (issue 11), and checks the answer and that the server keeps serving.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
from collections.abc import Iterator

import bcrypt
import pytest
from prometheus_client.core import GaugeMetricFamily, Metric

from netwatch.engine import Engine, EngineCollector
from netwatch.exporter.http11 import Limits
from netwatch.exporter.probe_endpoint import ProbeEndpoint
from netwatch.exporter.routes import AgentState
from netwatch.exporter.server import AgentHTTPServer
from netwatch.probes.config import module_model
from netwatch.webconfig import WebConfigSource
from tests.conftest import http_get, wait_until

LIMITS = Limits(header_timeout=1.0, idle_timeout=1.5, body_timeout=1.0)


class Quick:
    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("hardening_test_value", "A constant.", value=1)


@pytest.fixture
def server() -> Iterator[AgentHTTPServer]:
    engine = Engine([EngineCollector("quick", Quick())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2), limits=LIMITS,
                            max_connections=16)  # fmt: skip
    engine.start()
    agent.start()
    yield agent
    agent.stop()
    engine.stop()


def exchange(port: int, data: bytes, wait: float = 3.0) -> bytes:
    """Send ``data`` and read until the server closes the connection or ``wait`` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
        return received


def responses(raw: bytes) -> list[int]:
    """Status codes of the responses in ``raw``, in order."""
    return [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", raw)]


def healthy(server: AgentHTTPServer) -> bool:
    return http_get(f"http://127.0.0.1:{server.port}/-/healthy", timeout=2)[0] == 200


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET http://[/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 400),
        (b"HELLO\r\n\r\n", 400),
        (b"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 65536 + b"\r\n\r\n", 431),
        (b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n", 413),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /metr\xffics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n0\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
        ),
    ],
)
def test_malformed_requests_get_a_status_line(server, raw: bytes, status: int) -> None:
    reply = exchange(server.port, raw)
    assert responses(reply) == [status], reply[:300]
    assert b"Connection: close" in reply
    assert healthy(server)


def test_http09_is_answered_at_once() -> None:
    engine = Engine([EngineCollector("quick", Quick())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2),
                            limits=Limits(header_timeout=10))  # fmt: skip
    agent.start()
    try:
        start = time.monotonic()
        reply = exchange(agent.port, b"GET /\r\n", wait=5)
        assert responses(reply) == [400]
        assert time.monotonic() - start < 1.0, "HTTP/0.9 must not wait for the header deadline"
    finally:
        agent.stop()


def test_a_body_is_read_not_taken_for_the_next_request(server) -> None:
    smuggled = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = (
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
        b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ) % (len(smuggled), smuggled)
    assert responses(exchange(server.port, raw)) == [405, 200]


def test_expect_100_continue_is_answered(server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\n\r\n")  # fmt: skip
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"hello")
        assert responses(sock.recv(4096)) == [405]


def test_chunked_body_is_read_too(server) -> None:
    raw = (
        b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
        b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert responses(exchange(server.port, raw)) == [200, 200]


def test_keep_alive_serves_several_requests(server) -> None:
    raw = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 3
    raw += b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    reply = exchange(server.port, raw)
    assert responses(reply) == [200, 200, 200, 200]
    assert reply.count(b"hardening_test_value 1.0") == 3


def test_slow_headers_get_408_at_the_deadline(server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /metrics HTTP/1.1\r\n")
        for _ in range(4):
            time.sleep(0.4)
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        reply = sock.recv(4096)
        elapsed = time.monotonic() - start
    assert responses(reply) == [408]
    assert 0.9 < elapsed < 2.5


def test_silent_and_idle_connections_are_closed(server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as silent:
        start = time.monotonic()
        assert silent.recv(10) == b""
        assert 0.9 < time.monotonic() - start < 2.0, "a new connection gets the header deadline"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as idle:
        idle.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        assert responses(idle.recv(4096)) == [200]
        start = time.monotonic()
        assert idle.recv(10) == b""
        assert 1.3 < time.monotonic() - start < 2.5, "a kept-alive one gets the idle timeout"


def test_connection_cap_makes_room_for_new_clients(server, caplog) -> None:
    hogs = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(40)]
    try:
        for sock in hogs:
            sock.sendall(b"GET /metrics HTTP/1.1\r\n")  # a slowloris: never finishes
        time.sleep(0.2)
        assert all(healthy(server) for _ in range(20))
        assert server.connections <= server.max_connections
    finally:
        for sock in hogs:
            sock.close()
    # Connections closed at the cap end quietly: no "Exception in callback" traceback.
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


def test_stopping_with_connections_open_logs_no_traceback(caplog) -> None:
    engine = Engine([EngineCollector("quick", Quick())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2), limits=LIMITS)
    agent.start()
    kept = socket.create_connection(("127.0.0.1", agent.port))
    half = socket.create_connection(("127.0.0.1", agent.port))
    try:
        kept.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        half.sendall(b"GET /metrics HT")
        assert wait_until(lambda: agent.connections == 2)
        agent.stop()
        assert kept.recv(10) == b"" and half.recv(10) == b""
    finally:
        kept.close()
        half.close()
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


def test_methods_and_paths(server) -> None:
    raw = (
        b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET http://example.org/-/healthy?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert responses(exchange(server.port, raw)) == [405, 404, 200]


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port whose connections are accepted by the kernel and never answered."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def test_slow_probes_never_starve_scrapes_or_health(black_hole: int) -> None:
    module = module_model()(prober="http", timeout="5s", allowed_targets=["127.0.0.1"])
    probe = ProbeEndpoint({"http_2xx": module}, 5.0)
    engine = Engine([EngineCollector("quick", Quick())])
    state = AgentState(engine, 10, 2, probe, max_probes=4)
    agent = AgentHTTPServer("127.0.0.1", 0, state)
    engine.start()
    agent.start()
    url = f"http://127.0.0.1:{agent.port}"
    target = f"{url}/probe?module=http_2xx&target=http://127.0.0.1:{black_hole}/"
    probes: list[int] = []
    slow = [
        threading.Thread(target=lambda: probes.append(http_get(target, timeout=15)[0]))
        for _ in range(4)
    ]
    try:
        for thread in slow:
            thread.start()
        time.sleep(0.5)
        for _ in range(10):
            start = time.monotonic()
            assert http_get(f"{url}/metrics", timeout=2)[0] == 200
            assert http_get(f"{url}/-/healthy", timeout=2)[0] == 200
            assert time.monotonic() - start < 1.0
        # The probe slots are full: a fifth probe is refused at once, scrapes go on.
        status, headers, body = http_get(target, timeout=2)
        assert status == 503 and headers["Retry-After"] == "1" and b"probes already running" in body
        for thread in slow:
            thread.join(15)
        assert probes == [200, 200, 200, 200]
    finally:
        agent.stop()
        engine.stop()


def test_a_client_that_never_reads_is_dropped_at_the_send_timeout() -> None:
    class Big:
        def collect(self) -> Iterator[Metric]:
            family = GaugeMetricFamily("hardening_big", "Many series.", labels=["n"])
            for n in range(50000):
                family.add_metric([str(n)], n)
            yield family

    engine = Engine([EngineCollector("big", Big())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2),
                            limits=Limits(send_timeout=1.0))  # fmt: skip
    agent.start()
    try:
        with socket.create_connection(("127.0.0.1", agent.port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 20)
            assert wait_until(lambda: agent.connections == 1, timeout=5)
            assert wait_until(lambda: agent.connections == 0, timeout=15), "never dropped"
        assert healthy(agent)
    finally:
        agent.stop()


def test_replies_are_not_held_back_by_nagle(server) -> None:
    # With TLS, Nagle's algorithm held each reply 40 ms behind the session tickets.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\n")
        assert wait_until(lambda: server.connections == 1)
        (connection,) = server._connections.values()
        accepted = connection._writer.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_password_guessing_cannot_lock_out_a_verified_login(tmp_path) -> None:
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(10)).decode()
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    engine = Engine([EngineCollector("quick", Quick())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2), WebConfigSource(web),
                            max_connections=64)  # fmt: skip
    agent.start()
    url = f"http://127.0.0.1:{agent.port}/metrics"

    def login(password: str) -> int:
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        return http_get(url, {"Authorization": f"Basic {token}"}, timeout=20)[0]

    try:
        assert login("s3cret") == 200  # bcrypt once; then the verified login is cached
        stop = threading.Event()
        guesses: list[int] = []

        def guess() -> None:
            while not stop.is_set():
                guesses.append(login("wrong"))

        attackers = [threading.Thread(target=guess) for _ in range(30)]
        for thread in attackers:
            thread.start()
        time.sleep(1.0)
        answers = [login("s3cret") for _ in range(10)]
        stop.set()
        for thread in attackers:
            thread.join(30)
        assert answers == [200] * 10
        assert set(guesses) <= {401, 429} and 429 in guesses and 401 in guesses
    finally:
        agent.stop()


def test_an_endpoint_that_raises_gets_500_and_the_server_goes_on() -> None:
    class BrokenLan:
        def collect(self) -> Iterator[Metric]:
            return iter(())

        def sd_document(self) -> bytes:
            raise RuntimeError("state went away")

    engine = Engine([EngineCollector("lan", BrokenLan())])
    agent = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 2))
    agent.start()
    try:
        status, _, body = http_get(f"http://127.0.0.1:{agent.port}/sd")
        assert status == 500 and b"internal error" in body
        assert healthy(agent)
    finally:
        agent.stop()
