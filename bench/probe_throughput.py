#!/usr/bin/env python3
"""Benchmark: 1,000 HTTP probes with netwatch against Debian's prometheus-blackbox-exporter.

Part A (throughput). Starts one local HTTP target (an asyncio server in a
subprocess answering 200 "ok" on any path), then probes it 1,000 times with:

- blackbox_exporter: ``/probe?target=http://127.0.0.1:PORT/pathI&module=http_2xx``
  requests sent at concurrency C by the client driver of this script;
- ``netwatch serve``: the same requests, same client, same concurrency, against its
  ``/probe`` endpoint (config: ``services: []``, ``probe_modules.http_2xx``,
  ``server.max_concurrent_requests`` = 2 x C, at most 64);
- ``netwatch check``: one whole process (interpreter start-up, imports, config, probes,
  JSON output) probing 1,000 configured http services with
  ``collectors.services.max_concurrency`` = C;
- netwatch agent round (in-process, warm): the services collector's own path in a
  process that is already running. A child Python (``bench/_probe_round.py``) loads the
  same config with ``load_config``, builds the jobs with ``build_jobs``, warms up with
  ``run_once`` on the first ``--warmup`` jobs, then times ONE ``run_once`` of all the
  jobs at concurrency C (``perf_counter``; CPU from ``getrusage(RUSAGE_SELF)``, every
  thread) around just that call.

Per contender it reports the wall time, the CPU seconds of the exporter process (for
the agent round: of the timed call), probes per second and the successful probes
(``probe_success`` / ``netwatch_probe_success`` parsed from each response, or the
results of ``netwatch check`` and of the agent round), plus the CPU of the client
driver and of the target server.

Part B (background cost). Runs ``netwatch serve`` with 200 configured http services
on the same target (default interval, 30 s) next to a ``netwatch serve`` with
``services: []``, and reports the CPU of each over a measured window as a
percentage of one core.

Every target is 127.0.0.1, and every netwatch config lists its services explicitly,
so nothing probes the host's real gateway or resolvers. Every collector but
``services`` is disabled in those configs (scheduled ones such as ``software`` and
``posture`` run subprocesses that would land in the measured windows). All subprocesses are
stopped on exit, including on Ctrl-C and SIGTERM.

Usage::

    python bench/probe_throughput.py [--probes 1000] [--concurrency 32] [--rounds 3]
                                     [--window 120] [--json]

This is a benchmark, not a test: it asserts nothing and only prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from _common import (
    HOST,
    Server,
    cpu_seconds,
    fmt,
    free_port,
    loadavg_1m,
    log_tail,
    median_min_max,
    netwatch_next_to_python,
    peak_rss_mb,
    ratio,
    rusage_cpu_seconds,
    rusage_peak_rss_mb,
    signals_as_interrupt,
    start,
    stop,
    tool_version,
    wait_ready,
)

BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
REQUEST_TIMEOUT = 30.0
CHECK_TIMEOUT = 300.0
PROBE_TIMEOUT = "5s"  # per-probe limit, the same for both exporters
SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds: 10"  # as Prometheus sends
COUNT_PATH = b"/__bench_count"  # the target answers its request count here (not counted)
TARGET_LIFETIME = 3 * 3600.0  # the target server exits by itself after this long
MAX_HEADERS = 100
MAX_BODY = 4 * 1024 * 1024
MAX_CHUNKS = 10_000
BLACKBOX_SUCCESS = re.compile(rb"^probe_success (\S+)$", re.MULTILINE)
NETWATCH_SUCCESS = re.compile(rb"^netwatch_probe_success\{[^}]*\} (\S+)$", re.MULTILINE)

BLACKBOX_NAME = "blackbox_exporter /probe"
SERVE_NAME = "netwatch serve /probe"
CHECK_NAME = "netwatch check"
AGENT_NAME = "netwatch agent round (in-process, warm)"
ROUND_HELPER = Path(__file__).resolve().with_name("_probe_round.py")


# --------------------------------------------------------------------------------------
# The HTTP target (runs in its own process: ``probe_throughput.py --serve-target PORT``)


class _OkProtocol(asyncio.Protocol):
    """Answers one request per connection with 200 "ok" and closes."""

    served = 0
    _RESPONSE = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\nok"
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        if b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > 65536:
                self.transport.close()
            return
        request_line = self.buffer.split(b"\r\n", 1)[0].split(b" ")
        if len(request_line) > 1 and request_line[1] == COUNT_PATH:
            body = str(_OkProtocol.served).encode()
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                % (len(body), body)
            )
        else:
            _OkProtocol.served += 1
            self.transport.write(self._RESPONSE)
        self.transport.close()


async def _serve_target(port: int, lifetime: float) -> None:
    """Serve until the parent goes away or ``lifetime`` seconds have passed."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_OkProtocol, HOST, port, backlog=4096, reuse_address=True)
    parent = os.getppid()
    deadline = loop.time() + lifetime
    async with server:
        while loop.time() < deadline and os.getppid() == parent:
            await asyncio.sleep(1.0)


def serve_target(port: int) -> int:
    """Entry point of the target-server subprocess."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve_target(port, TARGET_LIFETIME))
    return 0


# --------------------------------------------------------------------------------------
# The client driver: asyncio, HTTP/1.1 keep-alive, one connection per worker


class _ClosedEarly(ConnectionError):
    """The server closed a reused connection before answering (safe to retry once)."""


class KeepAliveClient:
    """One HTTP/1.1 keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        """Close the connection, if open."""
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with suppress(OSError, asyncio.TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path``; returns (status, body). Retries once only if a reused
        connection was closed before any response byte arrived."""
        for attempt in range(2):
            reused = self.writer is not None
            if not reused:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            assert self.reader is not None and self.writer is not None
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                f"User-Agent: netwatch-bench/1\r\nAccept: text/plain;version=0.0.4\r\n"
                f"{SCRAPE_TIMEOUT_HEADER}\r\n\r\n"
            ).encode()
            try:
                self.writer.write(request)
                await self.writer.drain()
                return await self._read_response(self.reader)
            except (_ClosedEarly, ConnectionResetError, BrokenPipeError):
                await self.close()
                if not reused or attempt:
                    raise
        raise AssertionError("not reached")

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readline()
        if not status_line:
            raise _ClosedEarly("connection closed before the response")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ValueError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionError("connection closed inside the headers")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ValueError("too many response headers")
        keep_alive = parts[0] == b"HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:
            body = await _read_to_close(reader)
            keep_alive = False
        if not keep_alive:
            await self.close()
        return status, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body (trailers skipped)."""
    body = bytearray()
    for _ in range(MAX_CHUNKS):
        size = int((await reader.readline()).split(b";")[0].strip(), 16)
        if size == 0:
            for _ in range(MAX_HEADERS):
                if (await reader.readline()).strip() == b"":
                    return bytes(body)
            raise ValueError("too many trailer lines")
        body += await reader.readexactly(size)
        await reader.readexactly(2)
        if len(body) > MAX_BODY:
            raise ValueError("response body too large")
    raise ValueError("too many chunks")


async def _read_to_close(reader: asyncio.StreamReader) -> bytes:
    """A body delimited by the connection closing."""
    body = bytearray()
    while len(body) <= MAX_BODY:
        chunk = await reader.read(65536)
        if not chunk:
            return bytes(body)
        body += chunk
    raise ValueError("response body too large")


@dataclass
class DriveOutcome:
    """What the client driver saw for one batch of /probe requests."""

    ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)


async def _drive(
    port: int, paths: Sequence[str], concurrency: int, success: re.Pattern[bytes],
    fresh: bool = False,
) -> DriveOutcome:  # fmt: skip
    """Send every path with ``concurrency`` workers; ``fresh``: a new connection per request."""
    outcome = DriveOutcome()
    pending = iter(paths)  # shared by the workers; asyncio runs one at a time

    async def worker() -> None:
        client = KeepAliveClient(port)
        try:
            for path in pending:
                try:
                    status, body = await asyncio.wait_for(client.get(path), REQUEST_TIMEOUT)
                except (OSError, ValueError, asyncio.TimeoutError,
                        asyncio.IncompleteReadError) as exc:  # fmt: skip
                    outcome.failures[type(exc).__name__] += 1
                    await client.close()
                    continue
                if fresh:
                    await client.close()
                if status != 200:
                    outcome.failures[f"HTTP {status}"] += 1
                    continue
                match = success.search(body)
                if match is None:
                    outcome.failures["no success metric in the body"] += 1
                elif float(match[1]) != 1.0:
                    outcome.failures["probe reported failure"] += 1
                else:
                    outcome.ok += 1
        finally:
            await client.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcome


def probe_paths(target_port: int, count: int, prefix: str = "path") -> list[str]:
    """The /probe request paths for ``count`` probes of the target, one path each."""
    return [
        "/probe?" + urlencode(
            {"target": f"http://{HOST}:{target_port}/{prefix}{i}", "module": "http_2xx"}
        )
        for i in range(count)
    ]  # fmt: skip


# --------------------------------------------------------------------------------------
# Processes


@dataclass
class Proc(Server):
    """A subprocess under test (or the target server), logging to a file."""

    ready_path: str = "/-/healthy"


def http_get(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    """A plain GET on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "netwatch-bench/1"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def http_ready(proc: Proc) -> str | None:
    """None once the ready path answers 200, else why not."""
    status, _ = http_get(proc.port, proc.ready_path, timeout=5.0)
    return None if status == 200 else f"HTTP {status}"


def wait_http_ready(proc: Proc) -> None:
    """Poll the ready path until it answers 200; fail if the process exits or time runs out."""
    wait_ready(proc, partial(http_ready, proc))


def target_count(port: int) -> int:
    """Requests the target server has answered so far (excluding count requests)."""
    status, body = http_get(port, COUNT_PATH.decode(), timeout=5.0)
    if status != 200:
        raise RuntimeError(f"target count: HTTP {status}")
    return int(body)


# --------------------------------------------------------------------------------------
# Configs


def write_blackbox_config(path: Path) -> None:
    """blackbox.yml with the http_2xx module (the Debian default plus an explicit timeout)."""
    path.write_text(f"modules:\n  http_2xx:\n    prober: http\n    timeout: {PROBE_TIMEOUT}\n")


def netwatch_collectors(netwatch: str) -> list[str]:
    """The collector names this netwatch knows, from ``netwatch config schema``."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [netwatch, "config", "schema"], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{netwatch} config schema exited with {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")  # fmt: skip
    schema = json.loads(done.stdout)
    return list(schema["$defs"]["CollectorsConfig"]["properties"])


def netwatch_config(
    listen: str,
    services: list[dict[str, Any]],
    collectors: Sequence[str],
    max_requests: int = 4,
    max_concurrency: int = 32,
) -> dict[str, Any]:
    """A netwatch config with an explicit services list (never discovery).

    Every collector but ``services`` is disabled: the scheduled ones (``software``,
    ``posture``, ...) run subprocesses at start-up and on their own intervals, which would
    land in the measured windows and have nothing to do with probing.
    """
    disabled = {name: {"enabled": False} for name in collectors if name != "services"}
    return {
        "server": {"listen": listen, "max_concurrent_requests": max_requests},
        "collectors": {
            **disabled,
            "services": {
                "max_concurrency": max_concurrency,
                "probe_timeout": PROBE_TIMEOUT,
                "discover": False,
            },  # fmt: skip
        },
        "services": services,
        "probe_modules": {
            "http_2xx": {
                "prober": "http",
                "timeout": PROBE_TIMEOUT,
                "allowed_targets": [HOST],
            }
        },
    }


def http_services(target_port: int, count: int) -> list[dict[str, Any]]:
    """``count`` http services, each on its own path of the local target."""
    return [
        {"name": f"svc-{i:04d}", "prober": "http", "target": f"http://{HOST}:{target_port}/path{i}"}
        for i in range(count)
    ]


def write_config(path: Path, config: dict[str, Any]) -> Path:
    """Write a config as JSON, which is valid YAML."""
    path.write_text(json.dumps(config, indent=1) + "\n")
    return path


# --------------------------------------------------------------------------------------
# Measurements


@dataclass
class Run:
    """One contender's batch of probes in one round."""

    contender: str
    round: int
    wall_s: float
    exporter_cpu_s: float
    client_cpu_s: float | None
    target_cpu_s: float
    ok: int
    target_hits: int
    failures: dict[str, int]
    peak_rss_mb: float | None = None  # short-lived children only (check, agent round)


@dataclass
class Summary:
    """Medians over the rounds for one contender."""

    contender: str
    probes: int
    rounds: int
    wall_s: float
    wall_s_range: tuple[float, float]
    probes_per_s: float
    exporter_cpu_s: float
    exporter_cpu_ms_per_probe: float
    client_cpu_s: float | None
    target_cpu_s: float
    ok_worst_round: int
    target_hits_worst_round: int
    failures: dict[str, int]
    peak_rss_mb: float | None = None


def measure_exporter(
    name: str, exporter: Proc, target: Proc, paths: Sequence[str], concurrency: int,
    success: re.Pattern[bytes], round_no: int, fresh: bool,
) -> Run:  # fmt: skip
    """Drive one batch of /probe requests at an exporter and record its figures."""
    hits_before = target_count(target.port)
    exporter_before, target_before = cpu_seconds(exporter.pid), cpu_seconds(target.pid)
    client_before = time.process_time()
    begin = time.perf_counter()
    outcome = asyncio.run(_drive(exporter.port, paths, concurrency, success, fresh))
    wall = time.perf_counter() - begin
    client_cpu = time.process_time() - client_before
    exporter_cpu = cpu_seconds(exporter.pid) - exporter_before
    target_cpu = cpu_seconds(target.pid) - target_before
    if exporter.proc is not None and exporter.proc.poll() is not None:
        raise RuntimeError(f"{name} exited during the run:\n{log_tail(exporter)}")
    return Run(name, round_no, wall, exporter_cpu, client_cpu, target_cpu, outcome.ok,
               target_count(target.port) - hits_before, dict(outcome.failures))  # fmt: skip


@contextmanager
def child_process(argv: list[str], log: IO[bytes],
                  interactive: bool = False) -> Iterator[subprocess.Popen[bytes]]:  # fmt: skip
    """A short-lived child with stdout piped (stdin too if ``interactive``), killed after
    CHECK_TIMEOUT. Reap it with ``reap()`` inside the block."""
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        argv, stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=log, start_new_session=True,
    )  # fmt: skip
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        proc.kill()  # a no-op once reaped: Popen.send_signal polls first

    timer = threading.Timer(CHECK_TIMEOUT, expire)
    timer.start()
    try:
        yield proc
    finally:
        timer.cancel()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with suppress(OSError):
                    stream.close()
        if proc.returncode is None:
            proc.kill()
            reap(proc)
    if expired.is_set():
        raise RuntimeError(f"{argv[0]} {' '.join(argv[1:2])} ran longer than {CHECK_TIMEOUT:.0f}s")


def reap(proc: subprocess.Popen[bytes]) -> resource.struct_rusage:
    """Wait for the child with ``os.wait4``: its own rusage (CPU, peak RSS), nobody else's."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


@dataclass
class CheckOutcome:
    """One ``netwatch check`` process: wall, CPU and what it reported."""

    wall_s: float
    cpu_s: float
    ok: int
    failures: dict[str, int]
    peak_rss_mb: float


def run_check(argv: list[str], log: IO[bytes]) -> CheckOutcome:
    """Run ``netwatch check --format json`` to completion; CPU and peak RSS from the
    child's own rusage (``wait4``)."""
    begin = time.perf_counter()
    with child_process(argv, log) as proc:
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        usage = reap(proc)
    wall = time.perf_counter() - begin
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} check exited with {proc.returncode}")
    document = json.loads(stdout)
    failures = Counter(
        f"{r['reason']}: {r['detail']}" for r in document["results"] if not r["success"]
    )
    ok = sum(1 for r in document["results"] if r["success"])
    return CheckOutcome(wall, rusage_cpu_seconds(usage), ok, dict(failures),
                        rusage_peak_rss_mb(usage))  # fmt: skip


def measure_check(argv: list[str], target: Proc, log: IO[bytes], round_no: int) -> Run:
    """Run ``netwatch check`` once and record its figures."""
    hits_before = target_count(target.port)
    target_before = cpu_seconds(target.pid)
    outcome = run_check(argv, log)
    target_cpu = cpu_seconds(target.pid) - target_before
    return Run(CHECK_NAME, round_no, outcome.wall_s, outcome.cpu_s, None, target_cpu,
               outcome.ok, target_count(target.port) - hits_before, outcome.failures,
               outcome.peak_rss_mb)  # fmt: skip


def measure_agent_round(argv: list[str], target: Proc, log: IO[bytes], round_no: int,
                        probes: int, concurrency: int, warmup: int) -> Run:  # fmt: skip
    """Start ``bench/_probe_round.py``, let it warm up, then record its one timed round.

    Wall and CPU are the child's own figures around its ``run_once`` call. The target's
    counters are read after the warm-up (the child waits for a line on stdin) and after
    the child has printed its figures, so the warm-up probes are not counted.
    """
    with child_process(argv, log, interactive=True) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        ready = json.loads(proc.stdout.readline() or b"null")
        if not isinstance(ready, dict) or "ready" not in ready:
            raise RuntimeError(f"{ROUND_HELPER.name} did not start (exit {proc.poll()}); see "
                               f"{log.name}")  # fmt: skip
        hits_before = target_count(target.port)
        target_before = cpu_seconds(target.pid)
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        line = proc.stdout.readline()
        target_cpu = cpu_seconds(target.pid) - target_before
        hits = target_count(target.port) - hits_before
        usage = reap(proc)
    if proc.returncode not in (0, 1) or not line:
        raise RuntimeError(f"{ROUND_HELPER.name} exited with {proc.returncode}; see {log.name}")
    doc = json.loads(line)
    if doc["jobs"] != probes or doc["max_concurrency"] != concurrency:
        raise RuntimeError(
            f"{ROUND_HELPER.name} ran {doc['jobs']} jobs at concurrency "
            f"{doc['max_concurrency']}, expected {probes} at {concurrency}"
        )
    failures = dict(doc["failures"])
    if ready["ready"] != warmup:
        failures["warm-up probe failed"] = warmup - int(ready["ready"])
    return Run(AGENT_NAME, round_no, float(doc["wall"]), float(doc["cpu"]), None, target_cpu,
               int(doc["up"]), hits, failures, rusage_peak_rss_mb(usage))  # fmt: skip


def summarize(runs: Sequence[Run], probes: int) -> Summary:
    """Medians over the rounds of one contender."""
    wall, wall_min, wall_max = median_min_max(r.wall_s for r in runs)
    cpu = statistics.median(r.exporter_cpu_s for r in runs)
    clients = [r.client_cpu_s for r in runs if r.client_cpu_s is not None]
    failures: Counter[str] = Counter()
    for run in runs:
        failures.update(run.failures)
    return Summary(
        contender=runs[0].contender, probes=probes, rounds=len(runs), wall_s=wall,
        wall_s_range=(wall_min, wall_max), probes_per_s=probes / wall,
        exporter_cpu_s=cpu, exporter_cpu_ms_per_probe=cpu * 1000 / probes,
        client_cpu_s=statistics.median(clients) if clients else None,
        target_cpu_s=statistics.median(r.target_cpu_s for r in runs),
        ok_worst_round=min(r.ok for r in runs),
        target_hits_worst_round=min(r.target_hits for r in runs), failures=dict(failures),
    )  # fmt: skip


@dataclass
class Background:
    """CPU of one ``netwatch serve`` over the measured window."""

    name: str
    services: int
    window_s: float
    cpu_s: float
    pct_one_core: float
    probes_in_window: int | None
    up_at_end: int | None
    peak_rss_mb: float


def count_up(port: int) -> int:
    """Services whose latest probe succeeded, from one /metrics scrape."""
    status, body = http_get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics: HTTP {status}")
    return sum(1 for m in NETWATCH_SUCCESS.finditer(body) if float(m[1]) == 1.0)


def wait_first_round(target: Proc, hits_before: int, expected: int, timeout: float) -> None:
    """Wait until the target has seen ``expected`` more requests (the first probe round)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target_count(target.port) - hits_before >= expected:
            return
        time.sleep(0.25)
    raise RuntimeError(f"the first round of {expected} probes did not finish in {timeout:.0f}s")


# --------------------------------------------------------------------------------------
# Output


RATIO_LABELS = {SERVE_NAME: "serve / blackbox", CHECK_NAME: "check / blackbox",
                AGENT_NAME: "agent round / blackbox"}  # fmt: skip


def markdown_throughput(bb: Summary, *others: Summary) -> str:
    """Part A as a Markdown table with netwatch/blackbox ratios."""
    rows: list[tuple[str, Callable[[Summary], float | None], str]] = [
        (f"Wall time for {bb.probes:,} probes, median (s)", lambda s: s.wall_s, ".3f"),
        ("Probes per second", lambda s: s.probes_per_s, ",.0f"),
        ("Exporter CPU, user+system (s)", lambda s: s.exporter_cpu_s, ".3f"),
        ("Exporter CPU per probe (ms)", lambda s: s.exporter_cpu_ms_per_probe, ".2f"),
        ("Client driver CPU (s)", lambda s: s.client_cpu_s, ".3f"),
        ("Target server CPU (s)", lambda s: s.target_cpu_s, ".3f"),
        ("Peak RSS of the exporter (MB)", lambda s: s.peak_rss_mb, ".1f"),
    ]
    every = (bb, *others)
    blanks = " |" * len(others)
    lines = [
        "| Metric | " + " | ".join(s.contender for s in every) + " | "
        + " | ".join(RATIO_LABELS.get(s.contender, s.contender) for s in others) + " |",
        "|---|" + "---:|" * (len(every) + len(others)),
    ]  # fmt: skip
    for label, get, spec in rows:
        values = [get(s) for s in every]
        lines.append(f"| {label} | " + " | ".join(fmt(v, spec) for v in values) + " | "
                     + " | ".join(ratio(v, values[0]) for v in values[1:]) + " |")  # fmt: skip
    ok = " | ".join(f"{s.ok_worst_round:,} / {s.probes:,}" for s in every)
    lines.append(f"| Successful probes (worst round) | {ok} |{blanks}")
    hits = " | ".join(f"{s.target_hits_worst_round:,}" for s in every)
    lines.append(f"| Requests seen by the target (worst round) | {hits} |{blanks}")
    return "\n".join(lines)


def markdown_background(loaded: Background, idle: Background) -> str:
    """Part B as a Markdown table."""
    lines = [
        "| netwatch serve | Services | Window (s) | Probes in window | CPU (s) | % of one core "
        "| CPU per probe (ms) | Up at end |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for bg in (loaded, idle):
        per_probe = bg.cpu_s * 1000 / bg.probes_in_window if bg.probes_in_window else None
        lines.append(
            f"| {bg.name} | {bg.services} | {bg.window_s:.0f} | {fmt(bg.probes_in_window, ',')} "
            f"| {bg.cpu_s:.3f} | {bg.pct_one_core:.2f} % | {fmt(per_probe, '.2f')} "
            f"| {fmt(bg.up_at_end, ',')} |"
        )
    added = loaded.pct_one_core - idle.pct_one_core
    lines.append(f"| added by the probes | | | | {loaded.cpu_s - idle.cpu_s:.3f} | "
                 f"{added:.2f} % | | |")  # fmt: skip
    return "\n".join(lines)


def verdicts(bb: Summary, others: Sequence[Summary], loaded: Background | None,
             idle: Background | None) -> list[str]:  # fmt: skip
    """The issue's targets, stated as met / not met, for each netwatch contender."""
    lines = []
    for s in others:
        all_ok = s.ok_worst_round == s.probes and bb.ok_worst_round == bb.probes
        time_ok = s.wall_s <= bb.wall_s
        cpu_ok = s.exporter_cpu_s <= bb.exporter_cpu_s
        lines.append(
            f"- {s.contender}: time {s.wall_s:.3f} s vs {bb.wall_s:.3f} s "
            f"({'met' if time_ok else 'NOT met'}); CPU {s.exporter_cpu_s:.3f} s vs "
            f"{bb.exporter_cpu_s:.3f} s ({'met' if cpu_ok else 'NOT met'}); every probe "
            f"succeeded: {'yes' if all_ok else 'NO'}"
        )
    if loaded is not None and idle is not None and (loaded.probes_in_window or 0) < loaded.services:
        lines.append(f"- background: inconclusive, the {loaded.window_s:.0f} s window held "
                     f"{loaded.probes_in_window} probes, less than one full round of "
                     f"{loaded.services}; use --window 30 or more (default 120)")  # fmt: skip
    elif loaded is not None and idle is not None:
        added = loaded.pct_one_core - idle.pct_one_core
        lines.append(f"- background: {loaded.services} services at a 30 s interval add "
                     f"{added:.2f} % of one core ({'met' if added < 5.0 else 'NOT met'}, "
                     "target < 5 %)")  # fmt: skip
    return lines


# --------------------------------------------------------------------------------------
# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=1000,
                        help="probes per contender and round (default: 1000)")  # fmt: skip
    parser.add_argument("--concurrency", "-c", type=int, default=32,
                        help="requests / probes in flight (default: 32; at most 64)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per contender, order rotated; medians reported "
                        "(default: 3)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=100,
                        help="unmeasured /probe requests per exporter first, and warm-up "
                        "probes of the agent round (default: 100)")  # fmt: skip
    parser.add_argument("--window", type=float, default=120.0,
                        help="background-cost window in seconds (default: 120; 0 skips "
                        "part B)")  # fmt: skip
    parser.add_argument(
        "--background-services",
        type=int,
        default=200,
        help="http services for the background-cost run (default: 200)",
    )
    parser.add_argument(
        "--netwatch",
        default=netwatch_next_to_python(),
        help="netwatch command (default: next to this Python, else PATH)",
    )
    parser.add_argument("--blackbox", default=BLACKBOX,
                        help=f"blackbox_exporter binary (default: {BLACKBOX})")  # fmt: skip
    parser.add_argument(
        "--fresh-connections",
        action="store_true",
        help="open a new connection for every /probe request (default: "
        "keep-alive, one connection per client worker, as Prometheus does)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of the Markdown tables")  # fmt: skip
    parser.add_argument("--serve-target", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_target is None:
        if args.probes < 1 or args.rounds < 1 or args.warmup < 0:
            parser.error("--probes and --rounds must be >= 1, --warmup >= 0")
        if not 1 <= args.concurrency <= 64:
            parser.error("--concurrency must be 1-64 (netwatch's max_concurrent_requests limit)")
        if args.window != 0 and args.window < 5:
            parser.error("--window must be 0 (skip) or at least 5 seconds")
        if args.background_services < 1:
            parser.error("--background-services must be >= 1")
    return args


def throughput(args: argparse.Namespace, tmp: Path, procs: list[Proc], target: Proc,
               collectors: Sequence[str]) -> dict[str, Any]:  # fmt: skip
    """Part A: the four contenders, ``args.rounds`` rounds each, order rotated."""
    c = args.concurrency
    bb = Proc("blackbox_exporter", [], free_port())
    bb_config = tmp / "blackbox.yml"
    write_blackbox_config(bb_config)
    bb.argv = [args.blackbox, f"--config.file={bb_config}",
               f"--web.listen-address={HOST}:{bb.port}"]  # fmt: skip
    serve = Proc("netwatch_serve_probe", [], free_port())
    # Headroom above C: netwatch frees a request slot only after the response is sent, so a
    # client that reconnects at once can briefly see C + 1 requests (HTTP 503 at exactly C).
    serve_config = write_config(
        tmp / "serve-probe.yaml",
        netwatch_config(f"{HOST}:{serve.port}", [], collectors, max_requests=min(64, 2 * c)),
    )
    serve.argv = [args.netwatch, "serve", "-c", str(serve_config)]
    check_config = write_config(
        tmp / "check.yaml",
        netwatch_config(
            f"{HOST}:{free_port()}",
            http_services(target.port, args.probes),
            collectors,
            max_concurrency=c,
        ),
    )
    check_argv = [args.netwatch, "check", "-c", str(check_config), "--format", "json"]
    warm_jobs = min(args.warmup, args.probes)
    agent_argv = [sys.executable, str(ROUND_HELPER), str(check_config), str(warm_jobs)]
    one_config = write_config(
        tmp / "check-one.yaml",
        netwatch_config(
            f"{HOST}:{free_port()}", http_services(target.port, 1), collectors, max_concurrency=c
        ),
    )
    one_argv = [args.netwatch, "check", "-c", str(one_config), "--format", "json"]

    procs += [bb, serve]
    for proc in (bb, serve):
        start(proc, tmp)
    for proc in (bb, serve):
        wait_http_ready(proc)
    paths = probe_paths(target.port, args.probes)
    if args.warmup:
        warm = probe_paths(target.port, args.warmup, prefix="warm")
        for proc, pattern in ((bb, BLACKBOX_SUCCESS), (serve, NETWATCH_SUCCESS)):
            asyncio.run(_drive(proc.port, warm, c, pattern, args.fresh_connections))
    check_log = open(tmp / "netwatch_check.log", "wb")  # noqa: SIM115 - closed below
    try:
        fixed = [run_check(one_argv, check_log) for _ in range(max(3, args.rounds))]
        runs: dict[str, list[Run]] = {BLACKBOX_NAME: [], SERVE_NAME: [], CHECK_NAME: [],
                                      AGENT_NAME: []}  # fmt: skip
        steps: list[Callable[[int], Run]] = [
            lambda r: measure_exporter(
                BLACKBOX_NAME, bb, target, paths, c, BLACKBOX_SUCCESS, r, args.fresh_connections
            ),
            lambda r: measure_exporter(
                SERVE_NAME, serve, target, paths, c, NETWATCH_SUCCESS, r, args.fresh_connections
            ),
            lambda r: measure_check(check_argv, target, check_log, r),
            lambda r: measure_agent_round(
                agent_argv, target, check_log, r, args.probes, c, warm_jobs
            ),
        ]
        for round_no in range(args.rounds):
            for i in range(len(steps)):
                run = steps[(round_no + i) % len(steps)](round_no)
                runs[run.contender].append(run)
    finally:
        check_log.close()
    summaries = {name: summarize(rs, args.probes) for name, rs in runs.items()}
    summaries[BLACKBOX_NAME].peak_rss_mb = peak_rss_mb(bb.pid)
    summaries[SERVE_NAME].peak_rss_mb = peak_rss_mb(serve.pid)
    # Short-lived children: the largest ru_maxrss of their own (wait4) over the rounds.
    for name in (CHECK_NAME, AGENT_NAME):
        summaries[name].peak_rss_mb = max(r.peak_rss_mb or 0.0 for r in runs[name])
    stop(bb)
    stop(serve)
    return {
        "summaries": summaries,
        "runs": runs,
        "check_one_service": {
            "wall_s": statistics.median(f.wall_s for f in fixed),
            "cpu_s": statistics.median(f.cpu_s for f in fixed),
            "ok_all_runs": all(f.ok == 1 for f in fixed),
        },
        "argv": {
            BLACKBOX_NAME: bb.argv,
            SERVE_NAME: serve.argv,
            CHECK_NAME: check_argv,
            AGENT_NAME: agent_argv,
        },
    }


def background(args: argparse.Namespace, tmp: Path, procs: list[Proc], target: Proc,
               collectors: Sequence[str]) -> tuple[Background, Background]:  # fmt: skip
    """Part B: CPU of netwatch serve with N services and with none, over the same window."""
    loaded = Proc("netwatch_serve_services", [], free_port())
    loaded_config = write_config(
        tmp / "serve-services.yaml",
        netwatch_config(
            f"{HOST}:{loaded.port}",
            http_services(target.port, args.background_services),
            collectors,
        ),
    )
    loaded.argv = [args.netwatch, "serve", "-c", str(loaded_config)]
    idle = Proc("netwatch_serve_idle", [], free_port())
    idle_config = write_config(tmp / "serve-idle.yaml",
                               netwatch_config(f"{HOST}:{idle.port}", [], collectors))  # fmt: skip
    idle.argv = [args.netwatch, "serve", "-c", str(idle_config)]
    procs += [loaded, idle]
    hits_before = target_count(target.port)
    for proc in (loaded, idle):
        start(proc, tmp)
    for proc in (loaded, idle):
        wait_http_ready(proc)
    wait_first_round(target, hits_before, args.background_services, timeout=60.0)
    time.sleep(1.0)
    hits_start = target_count(target.port)
    cpu_start = {p.name: cpu_seconds(p.pid) for p in (loaded, idle)}
    begin = time.monotonic()
    time.sleep(args.window)
    cpu = {p.name: cpu_seconds(p.pid) - cpu_start[p.name] for p in (loaded, idle)}
    window = time.monotonic() - begin
    hits = target_count(target.port) - hits_start
    up = count_up(loaded.port)  # after the window: the scrape's own CPU is not counted
    results = (
        Background(f"{args.background_services} http services", args.background_services,
                   window, cpu[loaded.name], cpu[loaded.name] * 100 / window, hits, up,
                   peak_rss_mb(loaded.pid)),
        Background("no services (baseline)", 0, window, cpu[idle.name],
                   cpu[idle.name] * 100 / window, None, None, peak_rss_mb(idle.pid)),
    )  # fmt: skip
    stop(loaded)
    stop(idle)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    args = parse_args(argv)
    if args.serve_target is not None:
        return serve_target(args.serve_target)
    load_before = loadavg_1m()
    procs: list[Proc] = []
    bg: tuple[Background, Background] | None = None
    with signals_as_interrupt(), tempfile.TemporaryDirectory(prefix="nw-probe-bench-") as tmp:
        target = Proc("target", [], free_port(), ready_path=COUNT_PATH.decode())
        target.argv = [sys.executable, str(Path(__file__).resolve()), "--serve-target",
                       str(target.port)]  # fmt: skip
        procs.append(target)
        try:
            start(target, Path(tmp))
            wait_http_ready(target)
            collectors = netwatch_collectors(args.netwatch)
            part_a = throughput(args, Path(tmp), procs, target, collectors)
            if args.window:
                bg = background(args, Path(tmp), procs, target, collectors)
        except KeyboardInterrupt:
            print("interrupted; stopping the subprocesses", file=sys.stderr)
            return 130
        except (RuntimeError, OSError, ValueError, http.client.HTTPException,
                subprocess.TimeoutExpired) as exc:  # fmt: skip
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
        finally:
            for proc in reversed(procs):
                stop(proc)

    s = part_a["summaries"]
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "blackbox_exporter": tool_version([args.blackbox, "--version"]),
        "netwatch": tool_version([args.netwatch, "version"]),
        "loadavg_1m_before": load_before,
    }
    options = {k: getattr(args, k) for k in ("probes", "concurrency", "rounds", "warmup",
                                             "window", "background_services",
                                             "fresh_connections")}  # fmt: skip
    others = [s[SERVE_NAME], s[CHECK_NAME], s[AGENT_NAME]]
    lines = verdicts(s[BLACKBOX_NAME], others, *(bg or (None, None)))
    if args.json:
        payload = {
            "machine": machine, "options": options, "argv": part_a["argv"],
            "throughput": {k: asdict(v) for k, v in s.items()},
            "runs": {k: [asdict(r) for r in v] for k, v in part_a["runs"].items()},
            "check_one_service": part_a["check_one_service"],
            "background": [asdict(b) for b in bg] if bg else None,
            "targets": lines,
        }  # fmt: skip
        print(json.dumps(payload, indent=2))
        return 0
    mode = "a new connection per request" if args.fresh_connections else "keep-alive"
    print(f"{args.probes:,} HTTP probes of a local target per contender, concurrency "
          f"{args.concurrency} ({mode}), {args.rounds} rounds (order rotated, medians), after "
          f"{args.warmup} warm-up requests per exporter (and warm-up probes in the agent "
          f"round); {machine['cpus']} CPUs, Python "
          f"{machine['python']}, {machine['blackbox_exporter']}, {machine['netwatch']}; "
          f"1-min load before: {load_before}")  # fmt: skip
    for name, command in part_a["argv"].items():
        print(f"- {name}: `{' '.join(command)}`")
    print()
    print(markdown_throughput(s[BLACKBOX_NAME], *others))
    one = part_a["check_one_service"]
    print(
        "\nWall-time range over the rounds: "
        + "; ".join(
            f"{v.contender} {v.wall_s_range[0]:.3f}–{v.wall_s_range[1]:.3f} s" for v in s.values()
        )
    )
    print(f"`netwatch check` with 1 service (start-up and fixed cost), median: "
          f"{one['wall_s']:.3f} s wall, {one['cpu_s']:.3f} s CPU")  # fmt: skip
    failures = {k: v.failures for k, v in s.items() if v.failures}
    if failures:
        print(f"Failures: {failures}")
    if bg is not None:
        print()
        print(markdown_background(*bg))
    print("\nTargets:")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # outside the guarded block; subprocesses are already stopped
        sys.exit(130)
