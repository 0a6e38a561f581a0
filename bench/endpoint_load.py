#!/usr/bin/env python3
"""Benchmark: netwatch's HTTP endpoint under load, side by side with node_exporter.

Starts ``netwatch serve`` (default collectors but ``services``, a small config file with
one ``/probe`` module) and Debian's ``prometheus-node-exporter`` on free loopback ports,
waits for netwatch's first posture run, then runs each scenario against both agents in
turn (issue 11, "Performance"):

1. ``scrapers``: 50 Prometheus-like scrapers, one kept-alive connection each, 1 scrape/s:
   all at the same instant, then each at a random phase.
2. ``probes``: 4 ``/probe`` requests to a black-holed target kept in flight while
   ``/metrics`` and ``/-/healthy`` are fetched once a second (netwatch only: node_exporter
   has no ``/probe``), against the same agent's idle figures.
3. ``connections``: 500 connections opened at once and held open, idle and then each
   with a partial request line; ``/-/healthy`` checked twice a second; threads and RSS,
   and RSS a minute after they close.
4. ``slowloris``: 2,000 connections each dripping a header byte every 2-4 s; scrapes and
   health checks once a second; threads, RSS, the agent's CPU.
5. ``latency``: median scrape latency and CPU per scrape, new connection per scrape and
   kept alive, plain HTTP and (if ``netwatch serve`` has ``--web-config``) TLS vs TLS.
6. ``memory``: peak RSS (VmHWM) after the first posture run, and at the end.

The load generator is one asyncio loop in this process (raw sockets, a minimal HTTP/1.1
client); it shares the machine's CPUs with both agents. Both agents are always stopped
on exit. Run it without a network::

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/endpoint_load.py [--json | --json-file F] [--scenarios 1,3]

This is a benchmark, not a test: it asserts nothing and only prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import http.client
import ipaddress
import json
import os
import platform
import random
import resource
import shlex
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    Server,
    cpu_seconds,
    fmt,
    free_port,
    loadavg_1m,
    netwatch_next_to_python,
    open_files_limit,
    peak_rss_mb,
    percentile,
    proc_status,
    ratio,
    signals_as_interrupt,
    start,
    status_mb,
    stop,
    tool_version,
    wait_ready,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
SCENARIOS = ("scrapers", "probes", "connections", "slowloris", "latency", "memory")
SCRAPE_HEADERS = (
    "Accept: text/plain;version=0.0.4;q=0.9,*/*;q=0.1\r\n"
    "Accept-Encoding: gzip\r\n"
    "User-Agent: netwatch-bench/1\r\n"
    "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n"
)
SCRAPE_TIMEOUT = 10.0
HEALTH_TIMEOUT = 5.0
HEALTH_WITHIN_MS = 1000.0
CONNECT_TIMEOUT = 5.0
RECONNECT_PAUSE = 1.0
SAMPLE_EVERY = 0.5
BLACKHOLE_TIMEOUT = 10.0
PROBES_IN_FLIGHT = 4
PARTIAL_REQUEST_LINE = b"GET /metrics HT"
SLOWLORIS_PREFIX = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
DRIP_SECONDS = (2.0, 4.0)
# Markers of netwatch's first scheduled posture and software runs (as bench/scrape_latency.py).
STEADY_MARKERS = (
    b"netwatch_posture_last_run_timestamp_seconds ",
    b'netwatch_collector_success{collector="software"}',
)
# The /probe target rule option, if the agent knows it (loopback is denied by default).
TARGET_RULES_OPTION = "allowed_targets"

# --------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client on asyncio streams


class BadReply(Exception):
    """The server's bytes are not an HTTP/1.1 response."""


Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def open_stream(port: int, tls: ssl.SSLContext | None) -> Streams:
    """A TCP (or TLS) connection to the loopback port."""
    return await asyncio.open_connection(HOST, port, ssl=tls, server_hostname=HOST if tls else None)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return bytes(body)
        body += (await reader.readexactly(size + 2))[:-2]


async def exchange(streams: Streams, path: str) -> tuple[int, bool]:
    """Send ``GET path`` and read the whole reply: (status, server closes the connection)."""
    reader, writer = streams
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{SCRAPE_HEADERS}\r\n".encode())
    await writer.drain()
    status, headers, _, closes = await read_reply(reader)
    return status, closes


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes, bool]:
    """One HTTP/1.1 reply: status, headers (names and values lower-case), body, and
    whether the server closes the connection after it."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise BadReply(head[0][:80])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    closes = headers.get("connection") == "close"
    if headers.get("transfer-encoding") == "chunked":
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body, closes = await reader.read(), True
    return int(parts[1]), headers, body, closes


FAILURES: tuple[type[Exception], ...] = (
    asyncio.TimeoutError,  # not an OSError before Python 3.11
    OSError,
    EOFError,
    asyncio.LimitOverrunError,
    BadReply,
    ValueError,
)


def outcome_of(exc: BaseException) -> str:
    """The failure class of an exception raised by a request."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, BadReply | ValueError | asyncio.LimitOverrunError):
        return "bad reply"
    return "connection error"


@dataclass
class RequestStats:
    """Outcomes of a series of requests, and the latency of the 200 replies."""

    total: int
    ok: int
    outcomes: dict[str, int]
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    ok_within_1s: int

    @property
    def failures(self) -> int:
        """Requests not answered with 200."""
        return self.total - self.ok

    def count(self, kind: str) -> int:
        """Failures of one kind: "non-200", "timeout", "connection error", "bad reply"."""
        if kind == "non-200":
            return sum(n for name, n in self.outcomes.items() if name.startswith("HTTP "))
        return self.outcomes.get(kind, 0)


@dataclass
class Tally:
    """Outcomes and 200-reply latencies as they come in."""

    outcomes: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def record(self, outcome: str, ms: float) -> None:
        """Count one request; keep its latency if it was answered with 200."""
        self.outcomes[outcome] += 1
        if outcome == "ok":
            self.latencies_ms.append(ms)

    def stats(self) -> RequestStats:
        """The summary figures."""
        lat = self.latencies_ms
        return RequestStats(
            total=sum(self.outcomes.values()),
            ok=self.outcomes["ok"],
            outcomes=dict(self.outcomes),
            p50_ms=percentile(lat, 50),
            p99_ms=percentile(lat, 99),
            max_ms=max(lat) if lat else None,
            ok_within_1s=sum(1 for ms in lat if ms <= HEALTH_WITHIN_MS),
        )


class KeptAlive:
    """One client connection reused for every request, reopened when it fails or closes."""

    def __init__(self, port: int, tls: ssl.SSLContext | None) -> None:
        self.port, self.tls = port, tls
        self.streams: Streams | None = None

    async def get(self, path: str, timeout: float) -> tuple[str, float]:
        """(outcome, milliseconds) of one GET; the connection is opened if needed."""
        begin = time.perf_counter()
        try:
            status, closes = await asyncio.wait_for(self._get(path), timeout)
        except FAILURES as exc:
            self.close()
            return outcome_of(exc), (time.perf_counter() - begin) * 1000
        if closes:
            self.close()
        return ("ok" if status == 200 else f"HTTP {status}"), (time.perf_counter() - begin) * 1000

    async def _get(self, path: str) -> tuple[int, bool]:
        if self.streams is None:
            self.streams = await open_stream(self.port, self.tls)
        return await exchange(self.streams, path)

    def close(self) -> None:
        """Close the connection, if open."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def fetch_once(
    port: int, tls: ssl.SSLContext | None, path: str, timeout: float
) -> tuple[str, float]:
    """(outcome, milliseconds) of one GET on a new connection, connecting included."""
    client = KeptAlive(port, tls)
    try:
        return await client.get(path, timeout)
    finally:
        client.close()


async def sleep_until(when: float) -> None:
    """Sleep until the event loop's clock reads ``when``."""
    await asyncio.sleep(max(0.0, when - asyncio.get_running_loop().time()))


async def monitor(
    port: int, path: str, tally: Tally, interval: float, duration: float, timeout: float
) -> None:
    """One GET every ``interval`` on a new connection, each on its own: a slow reply
    does not delay the next request (requests pile up when the agent starves)."""
    begin = asyncio.get_running_loop().time()

    async def one() -> None:
        tally.record(*await fetch_once(port, None, path, timeout))

    tasks = []
    for i in range(max(1, round(duration / interval))):
        await sleep_until(begin + i * interval)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)


# --------------------------------------------------------------------------------------
# Agents


@dataclass
class Agent(Server):
    """One agent under test."""

    tls: ssl.SSLContext | None = None


def get_sync(agent: Agent, path: str = "/metrics") -> tuple[int, bytes]:
    """(status, body) of one blocking GET, for start-up polling before the load begins."""
    if agent.tls is None:
        conn: http.client.HTTPConnection = http.client.HTTPConnection(HOST, agent.port, timeout=5)
    else:
        conn = http.client.HTTPSConnection(HOST, agent.port, timeout=5, context=agent.tls)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def answers(agent: Agent) -> object:
    """None once /metrics answers 200 (a poll for :func:`_common.wait_ready`)."""
    status, _ = get_sync(agent)
    return None if status == 200 else f"HTTP {status}"


def steady(agent: Agent) -> object:
    """None once netwatch's first posture and software runs are in /metrics (a poll)."""
    status, body = get_sync(agent)
    if status != 200:
        return f"HTTP {status}"
    return None if all(m in body for m in STEADY_MARKERS) else "first posture run pending"


class ProcessWatch:
    """Samples an agent's thread count and RSS in the background."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.threads_max = 0
        self.rss_max_mb = 0.0
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        """Read /proc/PID/status once."""
        fields = proc_status(self.pid)
        self.threads_max = max(self.threads_max, int(fields["Threads"]))
        self.rss_max_mb = max(self.rss_max_mb, status_mb(fields, "VmRSS"))

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_EVERY)

    def __enter__(self) -> ProcessWatch:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.sample()


def rss_mb(pid: int) -> float:
    """VmRSS of the process in MB."""
    return status_mb(proc_status(pid), "VmRSS")


def threads(pid: int) -> int:
    """Threads of the process."""
    return int(proc_status(pid)["Threads"])


class GeneratorCpu:
    """CPU use of this process (the load generator) over a block, in % of one CPU."""

    def __enter__(self) -> GeneratorCpu:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()
        self.percent = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.wall
        self.percent = 100 * (time.process_time() - self.cpu) / wall if wall else 0.0


# --------------------------------------------------------------------------------------
# Scenario 1: scrapers


@dataclass
class ScrapersResult:
    """50 scrapers at one scrape a second against one agent."""

    phase: str
    scrapes: RequestStats
    agent_cpu_s: float
    generator_cpu_pct: float


async def scrapers(
    agent: Agent, count: int, duration: float, phase: str, seed: int
) -> ScrapersResult:
    """``count`` scrapers, each with one kept-alive connection, scraping once a second;
    ``phase`` "aligned": all at the same instant, "random": each at its own random phase
    (as Prometheus spreads targets). A scrape still running at a tick skips it (as
    Prometheus does)."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    tally = Tally()
    end = loop.time() + 1.0 + duration

    async def scraper(offset: float) -> None:
        client = KeptAlive(agent.port, None)
        tick = loop.time() + offset
        try:
            while tick < end:
                await sleep_until(tick)
                tally.record(*await client.get("/metrics", SCRAPE_TIMEOUT))
                while tick <= loop.time():
                    tick += 1.0
        finally:
            client.close()

    cpu_before = cpu_seconds(agent.pid)
    with GeneratorCpu() as gen:
        offsets = [1.0 + (rng.random() if phase == "random" else 0.0) for _ in range(count)]
        await asyncio.gather(*(scraper(offset) for offset in offsets))
    return ScrapersResult(phase, tally.stats(), cpu_seconds(agent.pid) - cpu_before, gen.percent)


# --------------------------------------------------------------------------------------
# Scenario 2: black-holed probes


@dataclass
class ProbesResult:
    """/metrics and /-/healthy, idle and with black-holed /probe requests in flight."""

    idle_metrics: RequestStats
    idle_healthy: RequestStats
    loaded_metrics: RequestStats
    loaded_healthy: RequestStats
    probes: RequestStats
    black_holed: bool


def black_hole() -> socket.socket:
    """A loopback listener that never accepts: connections to it are never answered."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(0)
    return sock


async def idle_and_loaded(agent: Agent, duration: float) -> ProbesResult:
    """Fetch /metrics and /-/healthy once a second idle, then with 4 probes in flight."""

    async def watch(metrics: Tally, healthy: Tally) -> None:
        await asyncio.gather(
            monitor(agent.port, "/metrics", metrics, 1.0, duration, SCRAPE_TIMEOUT),
            monitor(agent.port, "/-/healthy", healthy, 1.0, duration, HEALTH_TIMEOUT),
        )

    idle_metrics, idle_healthy = Tally(), Tally()
    await watch(idle_metrics, idle_healthy)
    hole = black_hole()
    url = f"http://{HOST}:{hole.getsockname()[1]}/"
    probes = Tally()

    async def prober() -> None:
        client = KeptAlive(agent.port, None)
        try:
            while True:
                outcome, ms = await client.get(
                    f"/probe?module=http_2xx&target={url}", BLACKHOLE_TIMEOUT + 5
                )
                probes.record(outcome, ms)
                if outcome != "ok":
                    await asyncio.sleep(0.1)  # refused at once: do not spin
        finally:
            client.close()

    loaded_metrics, loaded_healthy = Tally(), Tally()
    in_flight = [asyncio.create_task(prober()) for _ in range(PROBES_IN_FLIGHT)]
    try:
        await asyncio.sleep(1.0)
        await watch(loaded_metrics, loaded_healthy)
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        hole.close()
    probe_stats = probes.stats()
    # A probe answered sooner than its timeout was refused or failed fast: not black-holed.
    held = all(ms >= 800 * BLACKHOLE_TIMEOUT for ms in probes.latencies_ms)
    return ProbesResult(
        idle_metrics.stats(),
        idle_healthy.stats(),
        loaded_metrics.stats(),
        loaded_healthy.stats(),
        probe_stats,
        held,
    )


# --------------------------------------------------------------------------------------
# Scenarios 3 and 4: connections held open


@dataclass
class Holders:
    """What happened to the connections held open against an agent."""

    connects: int = 0
    connect_failures: int = 0
    closed_by_server: int = 0
    open_now: int = 0
    open_min: int | None = None


async def hold_slot(
    port: int,
    prefix: bytes,
    drip: bool,
    holders: Holders,
    rng: random.Random,
    stop: asyncio.Event,
) -> None:
    """Keep one connection open until ``stop`` is set (and the task cancelled): send
    ``prefix``, then (``drip``) a header byte every 2-4 s; reconnect a second after the
    server closes it. ``stop`` is checked because before Python 3.12 ``wait_for`` drops
    a cancellation that arrives just as its awaitable completes."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(open_stream(port, None), CONNECT_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            holders.connect_failures += 1
            await asyncio.sleep(RECONNECT_PAUSE)
            continue
        holders.connects += 1
        holders.open_now += 1
        try:
            writer.write(prefix)
            while not stop.is_set():
                wait = rng.uniform(*DRIP_SECONDS) if drip else None
                try:
                    if await asyncio.wait_for(reader.read(4096), wait) == b"":
                        holders.closed_by_server += 1  # (an answer, e.g. 408, comes first)
                        break
                except asyncio.TimeoutError:
                    writer.write(b"a")
        except OSError:
            holders.closed_by_server += 1
        finally:
            holders.open_now -= 1
            writer.close()
        await asyncio.sleep(RECONNECT_PAUSE)


@dataclass
class HoldResult:
    """One agent with many connections held open."""

    connections: int
    open_at_start: int
    holders: Holders
    checks: dict[str, RequestStats]
    threads_before: int
    threads_max: int
    rss_before_mb: float
    rss_max_mb: float
    agent_cpu_s: float
    generator_cpu_pct: float


async def hold(
    agent: Agent,
    count: int,
    prefix: bytes,
    drip: bool,
    duration: float,
    checks: Sequence[tuple[str, float, float]],
    seed: int,
) -> HoldResult:
    """Open ``count`` connections all at once and wait until they are open (at most
    5 s), then for ``duration`` run the (path, interval, timeout) monitors while sampling
    the agent; then close them all."""
    rng = random.Random(seed)
    holders = Holders()
    stop = asyncio.Event()
    threads_before, rss_before = threads(agent.pid), rss_mb(agent.pid)
    with ProcessWatch(agent.pid) as watch:
        slots = [
            asyncio.create_task(hold_slot(agent.port, prefix, drip, holders, rng, stop))
            for _ in range(count)
        ]
        deadline = asyncio.get_running_loop().time() + CONNECT_TIMEOUT
        while holders.open_now < count and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        open_at_start = holders.open_now
        tallies = {path: Tally() for path, _, _ in checks}

        async def track_open() -> None:
            while True:
                low = holders.open_min
                holders.open_min = holders.open_now if low is None else min(low, holders.open_now)
                await asyncio.sleep(SAMPLE_EVERY)

        tracker = asyncio.create_task(track_open())
        cpu_before = cpu_seconds(agent.pid)
        with GeneratorCpu() as gen:
            await asyncio.gather(
                *(
                    monitor(agent.port, path, tallies[path], interval, duration, timeout)
                    for path, interval, timeout in checks
                )
            )
        agent_cpu = cpu_seconds(agent.pid) - cpu_before
        tracker.cancel()
        stop.set()
        for slot in slots:
            slot.cancel()
        await asyncio.gather(*slots, tracker, return_exceptions=True)
    return HoldResult(
        count,
        open_at_start,
        holders,
        {path: t.stats() for path, t in tallies.items()},
        threads_before,
        watch.threads_max,
        rss_before,
        watch.rss_max_mb,
        agent_cpu,
        gen.percent,
    )


@dataclass
class ConnectionsResult:
    """500 connections held open, idle and with a partial request line."""

    idle: HoldResult
    partial_request_line: HoldResult
    rss_baseline_mb: float
    rss_peak_mb: float
    rss_after_mb: float | None = None
    settle_s: float = 0.0


async def rss_after(agent: Agent, result: ConnectionsResult, closed_at: float) -> None:
    """Record the agent's RSS ``settle_s`` after the connections were closed."""
    await sleep_until(closed_at + result.settle_s)
    result.rss_after_mb = rss_mb(agent.pid)


async def connections(
    agent: Agent, count: int, duration: float, settle: float
) -> tuple[ConnectionsResult, asyncio.Task[None]]:
    """Both variants back to back; the settle reading runs on as the returned task."""
    checks = [("/-/healthy", 0.5, HEALTH_TIMEOUT)]
    baseline = rss_mb(agent.pid)
    idle = await hold(agent, count, b"", False, duration, checks, seed=3)
    await asyncio.sleep(2.0)
    partial = await hold(agent, count, PARTIAL_REQUEST_LINE, False, duration, checks, seed=4)
    closed_at = asyncio.get_running_loop().time()
    result = ConnectionsResult(
        idle, partial, baseline, max(idle.rss_max_mb, partial.rss_max_mb), settle_s=settle
    )
    return result, asyncio.create_task(rss_after(agent, result, closed_at))


def raise_open_files(needed: int) -> str:
    """Raise this process's RLIMIT_NOFILE soft limit to its hard limit; "soft/hard"."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise RuntimeError(f"need {needed} open files, the hard limit is {hard}")
    return f"{soft}/{hard}"


@dataclass
class SlowlorisResult:
    """2,000 slowloris connections."""

    hold: HoldResult
    agent_open_files_limit: str


# --------------------------------------------------------------------------------------
# Scenario 5: latency and CPU per scrape


@dataclass
class LatencyResult:
    """Sequential scrapes of one agent."""

    median_ms: float | None
    p90_ms: float | None
    cpu_ms_per_scrape: float
    failures: int


async def latency(
    agents: Sequence[Agent], scrapes: int, warmup: int, kept_alive: bool
) -> dict[str, LatencyResult]:
    """Scrape the agents alternately (ABBA), one at a time; CPU of each agent. Results
    are keyed "netwatch" and "node_exporter" (TLS or not)."""
    clients = {a.name: KeptAlive(a.port, a.tls) for a in agents}

    async def one(agent: Agent) -> tuple[str, float]:
        if kept_alive:
            return await clients[agent.name].get("/metrics", SCRAPE_TIMEOUT)
        return await fetch_once(agent.port, agent.tls, "/metrics", SCRAPE_TIMEOUT)

    try:
        for _ in range(warmup):
            for agent in agents:
                await one(agent)
        tallies = {a.name: Tally() for a in agents}
        cpu_before = {a.name: cpu_seconds(a.pid) for a in agents}
        for i in range(scrapes):
            for agent in agents if i % 2 == 0 else list(reversed(agents)):
                tallies[agent.name].record(*await one(agent))
        cpu = {a.name: cpu_seconds(a.pid) - cpu_before[a.name] for a in agents}
    finally:
        for client in clients.values():
            client.close()
    results = {}
    for agent in agents:
        stats = tallies[agent.name].stats()
        results[agent.name.removesuffix("-tls")] = LatencyResult(
            stats.p50_ms,
            percentile(tallies[agent.name].latencies_ms, 90),
            1000 * cpu[agent.name] / scrapes,
            stats.failures,
        )
    return results


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed EC certificate for 127.0.0.1 and its key (0600), valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netwatch-bench")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --------------------------------------------------------------------------------------
# Scenario 6: memory


@dataclass
class MemoryResult:
    """Peak RSS (VmHWM)."""

    after_first_posture_run_mb: float
    end_of_run_mb: float | None = None


# --------------------------------------------------------------------------------------
# Running it


def netwatch_config(netwatch: list[str], path: Path) -> bool:
    """Write the netwatch config (one /probe module: http, 10 s timeout); True if the
    module allows loopback targets (only when the agent knows the target rule option)."""
    schema = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*netwatch, "config", "schema"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    module = json.loads(schema).get("$defs", {}).get("ProbeModuleConfig", {})
    rules = TARGET_RULES_OPTION in module.get("properties", {})
    lines = [
        "probe_modules:",
        "  http_2xx:",
        "    prober: http",
        f"    timeout: {BLACKHOLE_TIMEOUT:.0f}s",
    ]
    if rules:
        lines.append(f'    {TARGET_RULES_OPTION}: ["127.0.0.0/8"]')
    path.write_text("\n".join(lines) + "\n")
    return rules


def has_web_config(netwatch: list[str]) -> bool:
    """Whether ``netwatch serve --help`` lists ``--web-config``."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*netwatch, "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    return "--web-config" in done.stdout


def netwatch_agent(name: str, netwatch: list[str], config: Path, web: Path | None) -> Agent:
    """netwatch serve on a free loopback port, services off (no probes of real hosts)."""
    agent = Agent(name, [], free_port())
    agent.argv = [
        *netwatch,
        "serve",
        "--listen",
        f"{HOST}:{agent.port}",
        "--disable",
        "services",
        "--config",
        str(config),
    ]
    if web is not None:
        agent.argv += ["--web-config", str(web)]
    return agent


def node_agent(name: str, node: str, web: Path | None) -> Agent:
    """node_exporter (default collectors) on a free loopback port."""
    agent = Agent(name, [], free_port())
    agent.argv = [node, f"--web.listen-address={HOST}:{agent.port}"]
    if web is not None:
        agent.argv.append(f"--web.config.file={web}")
    return agent


def start_all(agents: Iterable[Agent], tmp: Path) -> None:
    """Start the agents, wait until they answer and netwatch finished its first runs."""
    agents = list(agents)
    for agent in agents:
        start(agent, tmp)
    for agent in agents:
        wait_ready(agent, partial(answers, agent))
        if agent.name.startswith("netwatch"):
            wait_ready(agent, partial(steady, agent), timeout=180.0)


async def tls_latency(
    args: argparse.Namespace, netwatch: list[str], config: Path, tmp: Path
) -> dict[str, dict[str, LatencyResult]]:
    """Scenario 5 over TLS: both agents restarted with one self-signed certificate."""
    cert, key = self_signed(tmp)
    web = tmp / "web-config.yml"
    web.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
    context = ssl.create_default_context(cafile=str(cert))
    pair = [
        netwatch_agent("netwatch-tls", netwatch, config, web),
        node_agent("node_exporter-tls", args.node_exporter, web),
    ]
    for agent in pair:
        agent.tls = context
    try:
        start_all(pair, tmp)
        return {
            "TLS, new connection": await latency(pair, args.latency_scrapes, 10, False),
            "TLS, kept alive": await latency(pair, args.latency_scrapes, 10, True),
        }
    finally:
        for agent in pair:
            stop(agent)


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start the agents, run the chosen scenarios, stop the agents."""
    netwatch = shlex.split(args.netwatch)
    config = tmp / "netwatch.yml"
    rules = netwatch_config(netwatch, config)
    nw = netwatch_agent("netwatch", netwatch, config, None)
    node = node_agent("node_exporter", args.node_exporter, None)
    agents = [nw, node]
    out: dict[str, Any] = {"probe_target_rules": rules}
    settles: dict[str, asyncio.Task[None]] = {}
    try:
        start_all(agents, tmp)
        out["memory"] = {a.name: MemoryResult(peak_rss_mb(a.pid)) for a in agents}
        out["open_files_limit"] = {a.name: open_files_limit(a.pid) for a in agents}
        if "latency" in args.scenarios:
            out["latency"] = {
                "plain, new connection": await latency(agents, args.latency_scrapes, 10, False),
                "plain, kept alive": await latency(agents, args.latency_scrapes, 10, True),
            }
            if has_web_config(netwatch):
                out["latency"].update(await tls_latency(args, netwatch, config, tmp))
            else:
                out["tls_skipped"] = "netwatch serve has no --web-config: TLS not measured"
        if "scrapers" in args.scenarios:
            phases = ("aligned", "random") if args.phase == "both" else (args.phase,)
            out["scrapers"] = {
                phase: {
                    a.name: await scrapers(a, args.scrapers, args.duration, phase, seed=11)
                    for a in agents
                }
                for phase in phases
            }
        if "probes" in args.scenarios:
            out["probes"] = {nw.name: await idle_and_loaded(nw, args.probe_duration)}
        if "connections" in args.scenarios:
            out["connections"] = {}
            for agent in agents:
                result, settles[agent.name] = await connections(
                    agent, args.connections, args.hold, args.settle
                )
                out["connections"][agent.name] = result
        if "slowloris" in args.scenarios:
            out["generator_open_files_limit"] = raise_open_files(args.slowloris + 1000)
            out["slowloris"] = {}
            checks = [("/metrics", 1.0, SCRAPE_TIMEOUT), ("/-/healthy", 1.0, HEALTH_TIMEOUT)]
            for agent in agents:
                if agent.name in settles:
                    await settles.pop(agent.name)  # its RSS settles before new load
                held = await hold(
                    agent,
                    args.slowloris,
                    SLOWLORIS_PREFIX,
                    True,
                    args.slowloris_hold,
                    checks,
                    seed=5,
                )
                out["slowloris"][agent.name] = SlowlorisResult(held, open_files_limit(agent.pid))
        await asyncio.gather(*settles.values())
        for agent in agents:
            out["memory"][agent.name].end_of_run_mb = peak_rss_mb(agent.pid)
    finally:
        for task in settles.values():
            task.cancel()
        for agent in agents:
            stop(agent)
    out["argv"] = {a.name: a.argv for a in agents}
    return out


# --------------------------------------------------------------------------------------
# Output


def table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(columns) + " |", "|---" + "|---:" * (len(columns) - 1) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def share(part: int, whole: int) -> str:
    """ "part/whole (pct %)"."""
    return f"{part}/{whole} ({100 * part / whole:.1f} %)" if whole else "0/0"


def pair_rows(results: dict[str, Any], rows: Sequence[Row]) -> list[str]:
    """netwatch | node_exporter | ratio rows of one scenario."""
    nw, node = results.get("netwatch"), results.get("node_exporter")
    cells = []
    for label, get, spec in rows:
        a = get(nw) if nw is not None else None
        b = get(node) if node is not None else None
        cells.append((label, fmt(a, spec), fmt(b, spec), ratio(a, b)))
    return table(("Metric", "netwatch", "node_exporter", "netwatch / node_exporter"), cells)


Row = tuple[str, Callable[[Any], float | None], str]


def within_1s_pct(stats: RequestStats) -> float | None:
    """Share of requests answered with 200 within one second, in %."""
    return 100 * stats.ok_within_1s / stats.total if stats.total else None


def hold_rows(tag: str, get: Callable[[Any], HoldResult]) -> list[Row]:
    """Rows of one variant of scenario 3."""
    return [
        (
            f"{tag}/-/healthy within 1 s (%)",
            lambda r: within_1s_pct(get(r).checks["/-/healthy"]),
            ".1f",
        ),
        (f"{tag}/-/healthy checks", lambda r: get(r).checks["/-/healthy"].total, ",.0f"),
        (f"{tag}connections open at the start", lambda r: get(r).open_at_start, ",.0f"),
        (f"{tag}/-/healthy p99 (ms)", lambda r: get(r).checks["/-/healthy"].p99_ms, ".1f"),
        (f"{tag}threads, max", lambda r: get(r).threads_max, ",.0f"),
        (
            f"{tag}connections closed by the agent",
            lambda r: get(r).holders.closed_by_server,
            ",.0f",
        ),
        (f"{tag}connect failures", lambda r: get(r).holders.connect_failures, ",.0f"),
    ]


def scrapers_md(res: dict[str, ScrapersResult], phase: str, args: argparse.Namespace) -> list[str]:
    """Scenario 1 table of one phase setting."""
    when = "all at the same instant" if phase == "aligned" else "each at a random phase"
    head = (
        f"#### 1. {args.scrapers} scrapers at 1/s for {args.duration:.0f} s, {when} "
        "(one kept-alive connection each)"
    )
    return ["", head, ""] + pair_rows(res, [
        ("Scrapes", lambda r: r.scrapes.total, ",.0f"),
        ("Failed (all kinds)", lambda r: r.scrapes.failures, ",.0f"),
        ("Failed, % of scrapes", lambda r: 100 * r.scrapes.failures / r.scrapes.total, ".1f"),
        ("- non-200 (e.g. 503)", lambda r: r.scrapes.count("non-200"), ",.0f"),
        ("- timeouts (10 s)", lambda r: r.scrapes.count("timeout"), ",.0f"),
        ("- connection errors", lambda r: r.scrapes.count("connection error"), ",.0f"),
        ("Latency of 200s, p50 (ms)", lambda r: r.scrapes.p50_ms, ".1f"),
        ("Latency of 200s, p99 (ms)", lambda r: r.scrapes.p99_ms, ".1f"),
        ("Agent CPU over the run (s)", lambda r: r.agent_cpu_s, ".1f"),
        ("Load generator CPU (% of one CPU)", lambda r: r.generator_cpu_pct, ".0f"),
    ])  # fmt: skip


def outcomes_cell(stats: RequestStats) -> str:
    """ "ok 3, HTTP 503 2" style summary of outcomes."""
    return ", ".join(f"{name} {n}" for name, n in sorted(stats.outcomes.items())) or "none"


def probes_md(res: ProbesResult, args: argparse.Namespace) -> list[str]:
    """Scenario 2 table (netwatch only)."""
    head = (
        f"#### 2. {PROBES_IN_FLIGHT} black-holed /probe requests in flight (netwatch only; "
        f"{args.probe_duration:.0f} s idle, then {args.probe_duration:.0f} s loaded, "
        "one request a second)"
    )
    rows = []
    for label, idle, loaded in (
        ("/metrics", res.idle_metrics, res.loaded_metrics),
        ("/-/healthy", res.idle_healthy, res.loaded_healthy),
    ):
        rows += [
            (f"{label} answered 200", share(idle.ok, idle.total), share(loaded.ok, loaded.total),
             ""),
            (f"{label} p50 (ms)", fmt(idle.p50_ms, ".1f"), fmt(loaded.p50_ms, ".1f"),
             ratio(loaded.p50_ms, idle.p50_ms)),
            (f"{label} p99 (ms)", fmt(idle.p99_ms, ".1f"), fmt(loaded.p99_ms, ".1f"),
             ratio(loaded.p99_ms, idle.p99_ms)),
            (f"{label} outcomes", outcomes_cell(idle), outcomes_cell(loaded), ""),
        ]  # fmt: skip
    median_s = None if res.probes.p50_ms is None else res.probes.p50_ms / 1000
    rows.append(("/probe replies; median seconds of the 200s", "",
                 f"{outcomes_cell(res.probes)}; {fmt(median_s, '.1f')} s", ""))  # fmt: skip
    lines = ["", head, ""] + table(("Metric", "idle", "4 probes in flight", "loaded / idle"), rows)
    if not res.black_holed:
        lines += [
            "",
            f"Note: some probes ended before their {BLACKHOLE_TIMEOUT:.0f} s timeout: the "
            "module may refuse loopback targets; the load was lighter than meant.",
        ]
    return lines


def connections_md(res: dict[str, ConnectionsResult], args: argparse.Namespace) -> list[str]:
    """Scenario 3 table."""
    head = (
        f"#### 3. {args.connections} connections held open ({args.hold:.0f} s each variant; "
        "/-/healthy twice a second on a new connection; RSS read "
        f"{args.settle:.0f} s after the close)"
    )
    rows = hold_rows("idle: ", lambda r: r.idle) + hold_rows(
        "partial request line: ", lambda r: r.partial_request_line
    )
    rows += [
        ("RSS before (MB)", lambda r: r.rss_baseline_mb, ".1f"),
        ("RSS peak (MB)", lambda r: r.rss_peak_mb, ".1f"),
        (f"RSS {args.settle:.0f} s after the close (MB)", lambda r: r.rss_after_mb, ".1f"),
        ("RSS after - before (MB)", lambda r: None if r.rss_after_mb is None
         else r.rss_after_mb - r.rss_baseline_mb, "+.1f"),
    ]  # fmt: skip
    return ["", head, ""] + pair_rows(res, rows)


def slowloris_md(out: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """Scenario 4 table and the open-files limits."""
    res: dict[str, SlowlorisResult] = out["slowloris"]
    head = (
        f"#### 4. {args.slowloris:,} slowloris connections ({args.slowloris_hold:.0f} s; a "
        "header byte every 2-4 s; /metrics and /-/healthy once a second, new connection each)"
    )
    lines = ["", head, ""] + pair_rows(res, [
        ("/metrics answered 200 (%)", lambda r: 100 * r.hold.checks["/metrics"].ok
         / max(1, r.hold.checks["/metrics"].total), ".1f"),
        ("/metrics requests", lambda r: r.hold.checks["/metrics"].total, ",.0f"),
        ("/metrics p50 (ms)", lambda r: r.hold.checks["/metrics"].p50_ms, ".1f"),
        ("/metrics p99 (ms)", lambda r: r.hold.checks["/metrics"].p99_ms, ".1f"),
        ("/-/healthy within 1 s (%)", lambda r: within_1s_pct(r.hold.checks["/-/healthy"]),
         ".1f"),
        ("Threads before", lambda r: r.hold.threads_before, ",.0f"),
        ("Threads, max", lambda r: r.hold.threads_max, ",.0f"),
        ("RSS before (MB)", lambda r: r.hold.rss_before_mb, ".1f"),
        ("RSS, max (MB)", lambda r: r.hold.rss_max_mb, ".1f"),
        ("Slowloris connections open at the start", lambda r: r.hold.open_at_start, ",.0f"),
        ("Slowloris connections open, lowest", lambda r: r.hold.holders.open_min, ",.0f"),
        ("Connections made (with reconnects)", lambda r: r.hold.holders.connects, ",.0f"),
        ("Connections closed by the agent", lambda r: r.hold.holders.closed_by_server, ",.0f"),
        ("Connect failures", lambda r: r.hold.holders.connect_failures, ",.0f"),
        ("Agent CPU during the hold (s)", lambda r: r.hold.agent_cpu_s, ".1f"),
        ("Load generator CPU (% of one CPU)", lambda r: r.hold.generator_cpu_pct, ".0f"),
    ])  # fmt: skip
    limits = ", ".join(f"{k} {v.agent_open_files_limit}" for k, v in res.items())
    lines += ["", f"Open-files limit (soft/hard): {limits}; load generator "
              f"{out['generator_open_files_limit']}."]  # fmt: skip
    return lines


def latency_rows(mode: str) -> list[Row]:
    """Rows of one mode of scenario 5 (rows read ``{mode: LatencyResult}`` per agent)."""
    return [
        (f"{mode}: median (ms)", lambda r: r[mode].median_ms, ".2f"),
        (f"{mode}: p90 (ms)", lambda r: r[mode].p90_ms, ".2f"),
        (f"{mode}: CPU per scrape (ms)", lambda r: r[mode].cpu_ms_per_scrape, ".2f"),
    ]


def latency_md(out: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """Scenario 5 table (plain and, if measured, TLS)."""
    head = (
        f"#### 5. Scrape latency and CPU per scrape ({args.latency_scrapes} sequential "
        "scrapes per agent and mode, alternating, after 10 warm-up scrapes)"
    )
    modes: dict[str, dict[str, LatencyResult]] = out["latency"]
    rows: list[Row] = []
    for mode in modes:
        rows += latency_rows(mode)
    by_agent = {name: {m: modes[m][name] for m in modes} for name in ("netwatch", "node_exporter")}
    lines = ["", head, ""] + pair_rows(by_agent, rows)
    if "tls_skipped" in out:
        lines += ["", f"{out['tls_skipped']}."]
    return lines


def memory_md(res: dict[str, MemoryResult]) -> list[str]:
    """Scenario 6 table."""
    return ["", "#### 6. Peak RSS (VmHWM)", ""] + pair_rows(res, [
        ("After the first posture run (MB)", lambda r: r.after_first_posture_run_mb, ".1f"),
        ("At the end of the run (MB)", lambda r: r.end_of_run_mb, ".1f"),
    ])  # fmt: skip


def markdown(out: dict[str, Any], args: argparse.Namespace) -> str:
    """All scenario tables, in scenario order."""
    lines: list[str] = []
    if "scrapers" in out:
        for phase, res in out["scrapers"].items():
            lines += scrapers_md(res, phase, args)
    if "probes" in out:
        lines += probes_md(out["probes"]["netwatch"], args)
    if "connections" in out:
        lines += connections_md(out["connections"], args)
    if "slowloris" in out:
        lines += slowloris_md(out, args)
    if "latency" in out:
        lines += latency_md(out, args)
    lines += memory_md(out["memory"])
    return "\n".join(lines)


def git_revision() -> str:
    """The checkout's commit (short), for the record."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
        cwd=Path(__file__).parent,
    )
    return done.stdout.strip() or "?"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated names or numbers 1-6 (default: all: {','.join(SCENARIOS)})",
    )
    add(
        "--duration",
        type=float,
        default=30,
        help="scenario 1 seconds per agent and phase setting (default: 30)",
    )
    add("--scrapers", type=int, default=50, help="scenario 1 scrapers (default: 50)")
    add(
        "--phase",
        choices=("aligned", "random", "both"),
        default="both",
        help="scenario 1: scrapers all at the same instant, each at a random phase, or both "
        "in turn (default: both)",
    )
    add(
        "--probe-duration",
        type=float,
        default=20,
        help="scenario 2 seconds, idle and loaded each (default: 20)",
    )
    add("--connections", type=int, default=500, help="scenario 3 connections (default: 500)")
    add("--hold", type=float, default=30, help="scenario 3 seconds per variant (default: 30)")
    add(
        "--settle",
        type=float,
        default=60,
        help="scenario 3 seconds after the close until RSS is read (default: 60)",
    )
    add("--slowloris", type=int, default=2000, help="scenario 4 connections (default: 2000)")
    add("--slowloris-hold", type=float, default=20, help="scenario 4 seconds (default: 20)")
    add(
        "--latency-scrapes",
        type=int,
        default=200,
        help="scenario 5 scrapes per agent and mode (default: 200)",
    )
    add(
        "--netwatch",
        default=netwatch_next_to_python(),
        help="netwatch command, split like a shell would (default: the one next to python)",
    )
    add(
        "--node-exporter",
        default=NODE_EXPORTER,
        help=f"node_exporter binary (default: {NODE_EXPORTER})",
    )
    add("--json", action="store_true", help="print JSON instead of Markdown tables")
    add("--json-file", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    chosen = []
    for item in filter(None, (s.strip() for s in args.scenarios.split(","))):
        if item.isdigit() and 1 <= int(item) <= len(SCENARIOS):
            chosen.append(SCENARIOS[int(item) - 1])
        elif item in SCENARIOS:
            chosen.append(item)
        else:
            parser.error(f"--scenarios: unknown scenario {item!r}; use 1-6 or {SCENARIOS}")
    args.scenarios = chosen
    if min(args.duration, args.probe_duration, args.hold, args.slowloris_hold) <= 0:
        parser.error("durations must be positive")
    if min(args.scrapers, args.connections, args.slowloris, args.latency_scrapes) < 1:
        parser.error("counts must be >= 1")
    if args.settle < 0:
        parser.error("--settle must be >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    args = parse_args(argv)
    machine = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_revision(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "node_exporter": tool_version([args.node_exporter, "--version"]),
        "netwatch": tool_version([*shlex.split(args.netwatch), "version"]),
        "loadavg_1m_before": loadavg_1m(),
    }
    if os.environ.get("PYTHONPATH"):
        machine["PYTHONPATH"] = os.environ["PYTHONPATH"]
    with signals_as_interrupt(), tempfile.TemporaryDirectory(prefix="nw-load-") as tmp:
        try:
            began = time.monotonic()
            out = asyncio.run(run(args, Path(tmp)))
            machine["wall_seconds"] = round(time.monotonic() - began)
        except KeyboardInterrupt:
            print("interrupted; the agents are stopped", file=sys.stderr)
            return 130
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
    payload = json.dumps(
        {"machine": machine, "scenarios": args.scenarios, **out}, indent=2, default=asdict
    )
    if args.json_file is not None:
        args.json_file.write_text(payload + "\n")
    if args.json:
        print(payload)
        return 0
    print(", ".join(f"{k}: {v}" for k, v in machine.items()))
    for name, argv_ in out["argv"].items():
        print(f"- {name}: `{' '.join(argv_)}`")
    rules = (
        "loopback allowed via " + TARGET_RULES_OPTION
        if out["probe_target_rules"]
        else ("no target rule option in this netwatch")
    )
    print(f"- /probe module http_2xx: http prober, {BLACKHOLE_TIMEOUT:.0f} s timeout ({rules})")
    print(markdown(out, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
