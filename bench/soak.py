#!/usr/bin/env python3
"""Soak benchmark: netwatch serving for a long time, side by side with node_exporter.

Issue 12, acceptance: "a 30-minute soak (scrapes every second, services and posture
running) shows flat RSS and no growth in threads, handles or file descriptors".

Starts, on free loopback ports:

- loopback targets served by this process: an HTTP server answering 200, one answering
  only after the probe timeout, a TCP port with an SSH-like banner, a TLS server (HTTP
  inside) with a self-signed certificate, and a closed port;
- ``netwatch serve`` with a config it writes: the default collectors, ``posture`` every
  ``--posture-interval`` (60 s), ``services`` probing those targets every 5-15 s (HTTP,
  HTTPS, TCP, TLS trusted and untrusted, ICMP, DNS and TCP to the closed port) and
  ``probe_modules`` allowed to reach 127.0.0.0/8;
- Debian's ``prometheus-node-exporter`` (default collectors), the anchor.

Both agents are scraped once a second on one kept-alive connection each, with the
headers Prometheus sends (``Accept-Encoding: gzip``, ``X-Prometheus-Scrape-Timeout-
Seconds``; the timeout is ``--scrape-timeout``, 1 s: Prometheus allows no timeout longer
than the interval); netwatch also gets one ``/probe`` request every ``--probe-every``
seconds, cycling through the targets. Every ``--sample`` seconds both processes are
sampled: VmRSS, threads, open file descriptors, direct children, zombies among all
descendants, processes in the tree (the posture child comes and goes) and CPU seconds.

The figures cover the steady part, after ``--warmup`` seconds: "start" is the median of
the first ``--window`` seconds of it, "end" the median of the last ``--window`` seconds
(both shrink to a third of the steady part on short runs), "max" the largest sample and
"slope" the least-squares slope per hour. Verdicts, per agent and measure:

- RSS: end - start <= 2 MB and slope <= 2 MB/h;
- threads: end <= start (no growth) and max <= start + 4;
- file descriptors: end <= start and max <= start + 16;
- processes in the tree, direct children: end <= start and max <= start + 8;
- zombies: 0 at every sample, warm-up included (a child seen in state Z is looked at
  again 1 s later and counts only if it is still a zombie then: reaping takes a moment);
- CPU (own, % of one core per sample interval): end <= 1.5 x start + 0.5;
- scrapes and /probe requests: at most 0.1 % not answered with 200 in time.

Run it without a network (a 30-minute soak takes a little over 30 minutes)::

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/soak.py --duration 1800 [--json-file soak.json]

Exit status: 0 every verdict passed, 1 a verdict failed, 2 bad options, 3 the run
failed (an agent did not start or exited), 130 interrupted. Both agents and the
targets are always stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import gzip
import http.client
import json
import os
import platform
import shlex
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import yaml
from _common import (
    HOST,
    Server,
    free_port,
    log_tail,
    netwatch_next_to_python,
    proc_status,
    signals_as_interrupt,
    start,
    status_mb,
    stop,
    tool_version,
    wait_ready,
)
from endpoint_load import (
    FAILURES,
    git_revision,
    open_stream,
    outcome_of,
    read_reply,
    self_signed,
    table,
)
from prometheus_client.parser import text_string_to_metric_families

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROBE_TIMEOUT = 3.0
SLOW_REPLY = 2 * PROBE_TIMEOUT
BANNER = b"SSH-2.0-OpenSSH_9.2 netwatch-bench\r\n"
ZOMBIE_RECHECK = 1.0
PROGRESS_EVERY = 300.0

# Verdict thresholds (documented in the module docstring).
RSS_GROWTH_MB = 2.0
RSS_SLOPE_MB_PER_H = 2.0
SPIKE_ALLOWANCE = {"threads": 4, "fds": 16, "tree": 8, "children": 8}
CPU_GROWTH_FACTOR = 1.5
CPU_GROWTH_POINTS = 0.5
FAILED_SHARE = 0.001
SHORT_STEADY = 1200.0

# --------------------------------------------------------------------------------------
# Loopback targets


async def _read_head(reader: asyncio.StreamReader) -> None:
    """Read one request head (the targets ignore what it says)."""
    await reader.readuntil(b"\r\n\r\n")


async def _answer_ok(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    await writer.drain()


async def _serve(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """Run one target's handler; a client that goes away early is normal here."""
    try:
        await asyncio.wait_for(handle(reader, writer), 4 * SLOW_REPLY)
    except (OSError, EOFError, asyncio.LimitOverrunError, asyncio.TimeoutError):
        pass  # IncompleteReadError is an EOFError
    except asyncio.CancelledError:
        pass  # the run is over; re-raised, Python 3.11's asyncio logs a traceback for it
    finally:
        writer.close()


async def http_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer 200 at once."""
    await _read_head(reader)
    await _answer_ok(writer)


async def http_slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer 200 after twice the probe timeout (the probe gives up first)."""
    await _read_head(reader)
    await asyncio.sleep(SLOW_REPLY)
    await _answer_ok(writer)


async def tcp_banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send an SSH-like banner, then wait for the client to close."""
    writer.write(BANNER)
    await writer.drain()
    await reader.read()


@dataclass
class Targets:
    """The loopback targets' ports and the TLS server's certificate."""

    http: int
    slow: int
    tcp: int
    tls: int
    closed: int
    cert: Path
    servers: list[asyncio.Server] = field(default_factory=list)

    def close(self) -> None:
        """Stop listening."""
        for server in self.servers:
            server.close()


async def start_targets(tmp: Path) -> Targets:
    """Start the target servers on free loopback ports."""
    cert, key = self_signed(tmp)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    servers = [
        await asyncio.start_server(partial(_serve, handle), HOST, 0, ssl=tls)
        for handle, tls in ((http_ok, None), (http_slow, None), (tcp_banner, None),
                            (http_ok, context))
    ]  # fmt: skip
    ports = [int(s.sockets[0].getsockname()[1]) for s in servers]
    http, slow, tcp, tls = ports
    return Targets(http, slow, tcp, tls, closed=free_port(), cert=cert, servers=servers)


# --------------------------------------------------------------------------------------
# The netwatch config


def services(t: Targets, interval: float) -> list[dict[str, Any]]:
    """The ``services:`` list: every target, some probes meant to fail."""
    trusted = {"tls": {"ca_file": str(t.cert)}}
    fast, slow = f"{interval:g}s", f"{3 * interval:g}s"
    return [
        {"name": "http-ok", "prober": "http", "target": f"http://{HOST}:{t.http}/",
         "interval": fast},
        {"name": "http-slow", "prober": "http", "target": f"http://{HOST}:{t.slow}/",
         "interval": f"{2 * interval:g}s"},
        {"name": "https-ok", "prober": "http", "target": f"https://{HOST}:{t.tls}/",
         "interval": f"{2 * interval:g}s", "http": trusted},
        {"name": "tcp-banner", "prober": "tcp", "target": f"{HOST}:{t.tcp}", "interval": fast,
         "tcp": {"expect": "^SSH-2.0-"}},
        {"name": "tcp-closed", "prober": "tcp", "target": f"{HOST}:{t.closed}",
         "interval": fast},
        {"name": "tls-trusted", "prober": "tls", "target": f"{HOST}:{t.tls}", "interval": slow,
         "tls": trusted},
        {"name": "tls-untrusted", "prober": "tls", "target": f"{HOST}:{t.tls}",
         "interval": slow},
        {"name": "icmp-loopback", "prober": "icmp", "target": HOST, "interval": slow},
        {"name": "dns-closed", "prober": "dns", "target": f"{HOST}:{t.closed}",
         "interval": slow},
    ]  # fmt: skip


def probe_requests(t: Targets) -> list[tuple[str, str, str]]:
    """(module, target's name, target) of the /probe requests, taken in turn."""
    return [
        ("http_2xx", "http-ok", f"http://{HOST}:{t.http}/"),
        ("tcp_connect", "tcp-banner", f"{HOST}:{t.tcp}"),
        ("http_2xx", "http-slow", f"http://{HOST}:{t.slow}/"),
        ("tls", "tls-trusted", f"{HOST}:{t.tls}"),
        ("tcp_connect", "tcp-closed", f"{HOST}:{t.closed}"),
        ("http_2xx", "https-ok", f"https://{HOST}:{t.tls}/"),
    ]


def netwatch_config(t: Targets, args: argparse.Namespace) -> dict[str, Any]:
    """Default collectors, posture every ``--posture-interval``, the services and modules."""
    trusted = {"tls": {"ca_file": str(t.cert)}}
    common = {"timeout": f"{PROBE_TIMEOUT:g}s", "allowed_targets": ["127.0.0.0/8"]}
    return {
        "collectors": {
            "posture": {"interval": f"{args.posture_interval:g}s"},
            "services": {"interval": f"{args.service_interval:g}s",
                         "probe_timeout": f"{PROBE_TIMEOUT:g}s"},
        },
        "services": services(t, args.service_interval),
        "probe_modules": {
            "http_2xx": {"prober": "http", **common, "http": trusted},
            "tcp_connect": {"prober": "tcp", **common},
            "tls": {"prober": "tls", **common, "tls": trusted},
        },
    }  # fmt: skip


# --------------------------------------------------------------------------------------
# A Prometheus-like scraper


@dataclass
class Reply:
    """One answered request."""

    status: int
    body: bytes
    gzipped: bool
    closes: bool

    def text(self) -> str:
        """The body, decompressed."""
        return (gzip.decompress(self.body) if self.gzipped else self.body).decode()


async def request(streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str,
                  scrape_timeout: float) -> Reply:  # fmt: skip
    """Send ``GET path`` with Prometheus's headers and read the whole reply."""
    reader, writer = streams
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n"
        "Accept: text/plain;version=0.0.4;q=0.9,*/*;q=0.1\r\n"
        "Accept-Encoding: gzip\r\nUser-Agent: netwatch-bench-soak/1\r\n"
        f"X-Prometheus-Scrape-Timeout-Seconds: {scrape_timeout:g}\r\n\r\n".encode()
    )
    await writer.drain()
    status, headers, body, closes = await read_reply(reader)
    return Reply(status, body, headers.get("content-encoding") == "gzip", closes)


@dataclass
class Client:
    """Requests on one kept-alive connection, reopened when the agent closed it (as
    Prometheus's HTTP client does) or a request failed."""

    port: int
    scrape_timeout: float
    outcomes: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    last_ok: Reply | None = None
    _streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, timeout: float) -> None:
        """One GET; its outcome is counted, a 200 reply kept as ``last_ok``."""
        try:
            reply = await asyncio.wait_for(self._get(path), timeout)
        except FAILURES as exc:
            self.close()
            self.outcomes[outcome_of(exc)] += 1
            return
        if reply.closes:
            self.close()
        if reply.status == 200:
            self.outcomes["ok"] += 1
            self.last_ok = reply
        else:
            self.outcomes[f"HTTP {reply.status}"] += 1

    async def _get(self, path: str) -> Reply:
        if self._streams is not None and self._streams[0].at_eof():
            self.close()
            self.reconnects += 1
        if self._streams is None:
            self._streams = await open_stream(self.port, None)
        return await request(self._streams, path, self.scrape_timeout)

    def close(self) -> None:
        """Close the connection, if open."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def every(
    interval: float, until: float, offset: float, job: Callable[[int], Awaitable[None]]
) -> None:
    """Run ``job(i)`` on ticks ``interval`` apart until the loop's clock reads ``until``;
    a job still running at a tick skips it (as Prometheus does)."""
    loop = asyncio.get_running_loop()
    tick, i = loop.time() + offset, 0
    while tick < until:
        await asyncio.sleep(max(0.0, tick - loop.time()))
        await job(i)
        i += 1
        while tick <= loop.time():
            tick += interval


# --------------------------------------------------------------------------------------
# Sampling the agents


@dataclass
class Sample:
    """One look at an agent's process."""

    t: float
    rss_mb: float
    threads: int
    fds: int
    children: int
    tree: int
    zombies: int
    cpu_s: float
    children_cpu_s: float


def zombie_pids(proc: psutil.Process) -> set[int]:
    """Descendants in state Z."""
    found = set()
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() == psutil.STATUS_ZOMBIE:
                found.add(child.pid)
    return found


async def sample(proc: psutil.Process, t: float) -> Sample:
    """Read the process's figures; zombies are looked at twice (see the docstring)."""
    fields = proc_status(proc.pid)
    times = proc.cpu_times()
    descendants = proc.children(recursive=True)
    zombies = zombie_pids(proc)
    if zombies:
        await asyncio.sleep(ZOMBIE_RECHECK)
        zombies &= zombie_pids(proc)
    return Sample(
        t=round(t, 2),
        rss_mb=round(status_mb(fields, "VmRSS"), 3),
        threads=int(fields["Threads"]),
        fds=len(os.listdir(f"/proc/{proc.pid}/fd")),
        children=len(proc.children()),
        tree=1 + len(descendants),
        zombies=len(zombies),
        cpu_s=round(times.user + times.system, 3),
        children_cpu_s=round(times.children_user + times.children_system, 3),
    )


def probe_success_value(text: str) -> float | None:
    """The ``netwatch_probe_success`` (or blackbox's ``probe_success``) of a /probe reply."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name in ("netwatch_probe_success", "probe_success"):
                return float(s.value)
    return None


@dataclass
class AgentState:
    """What netwatch's own metrics said during the run (read from the sampled scrapes)."""

    posture_runs: set[float] = field(default_factory=set)
    service_runs: dict[str, set[float]] = field(default_factory=dict)
    service_success: dict[str, float] = field(default_factory=dict)
    service_failures: dict[str, float] = field(default_factory=dict)
    collector_success: dict[str, float] = field(default_factory=dict)

    def read(self, reply: Reply) -> None:
        """Fold in one /metrics reply."""
        failures: Counter[str] = Counter()
        for family in text_string_to_metric_families(reply.text()):
            for s in family.samples:
                service = s.labels.get("service", "")
                if s.name == "netwatch_posture_last_run_timestamp_seconds":
                    self.posture_runs.add(s.value)
                elif s.name == "netwatch_probe_last_run_timestamp_seconds":
                    self.service_runs.setdefault(service, set()).add(s.value)
                elif s.name == "netwatch_probe_success":
                    self.service_success[service] = s.value
                elif s.name == "netwatch_probe_failures_total":
                    failures[service] += int(s.value)
                elif s.name == "netwatch_collector_success":
                    self.collector_success[s.labels["collector"]] = s.value
        self.service_failures = dict(failures)


# --------------------------------------------------------------------------------------
# The run


@dataclass
class Agent(Server):
    """One agent under test, its scraper and its samples."""

    samples: list[Sample] = field(default_factory=list)
    scraper: Client | None = None


def answers(agent: Agent) -> object:
    """None once /metrics answers 200 (a poll for :func:`_common.wait_ready`)."""
    conn = http.client.HTTPConnection(HOST, agent.port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        status = conn.getresponse().status
    finally:
        conn.close()
    return None if status == 200 else f"HTTP {status}"


def alive(agent: Agent) -> psutil.Process:
    """The agent's process; RuntimeError with its log tail if it exited."""
    assert agent.proc is not None
    if agent.proc.poll() is not None:
        raise RuntimeError(f"{agent.name} exited with {agent.proc.returncode}:\n{log_tail(agent)}")
    return psutil.Process(agent.pid)


def progress(agents: Sequence[Agent], t: float) -> None:
    """A line on stderr, so a long run shows it is alive."""
    parts = [
        f"{a.name} RSS {a.samples[-1].rss_mb:.1f} MB, {a.samples[-1].threads} threads, "
        f"{a.samples[-1].fds} fds"
        for a in agents
        if a.samples
    ]
    print(f"soak: t={t:.0f}s: " + "; ".join(parts), file=sys.stderr, flush=True)


async def soak(
    args: argparse.Namespace, agents: Sequence[Agent], targets: Targets, state: AgentState
) -> dict[str, Any]:
    """Scrape, probe and sample for ``--duration`` seconds."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    until = began + args.duration
    prober = Client(agents[0].port, args.scrape_timeout)
    requests = probe_requests(targets)
    probe_success: Counter[str] = Counter()
    scrapers = [Client(agent.port, args.scrape_timeout) for agent in agents]
    for agent, scraper in zip(agents, scrapers, strict=True):
        agent.scraper = scraper

    def scrape(client: Client) -> Callable[[int], Awaitable[None]]:
        return lambda _: client.get("/metrics", args.scrape_timeout)

    async def probe(i: int) -> None:
        module, name, target = requests[i % len(requests)]
        before = prober.last_ok
        await prober.get(f"/probe?module={module}&target={target}", PROBE_TIMEOUT + 2)
        if prober.last_ok is not None and prober.last_ok is not before:
            success = probe_success_value(prober.last_ok.text())
            probe_success[f"{module} {name}: success {fmt_value(success)}"] += 1

    async def look(i: int) -> None:
        t = loop.time() - began
        for agent in agents:
            agent.samples.append(await sample(alive(agent), t))
        if scrapers[0].last_ok is not None:
            state.read(scrapers[0].last_ok)
        if i and i % max(1, round(PROGRESS_EVERY / args.sample)) == 0:
            progress(agents, t)

    cpu_before = time.process_time()
    jobs = [every(1.0, until, 0.5 * n, scrape(c)) for n, c in enumerate(scrapers)]
    jobs += [every(args.probe_every, until, 0.25, probe), every(args.sample, until, 0.0, look)]
    try:
        await asyncio.gather(*jobs)
    finally:
        for client in [prober, *scrapers]:
            client.close()
    return {
        "generator_cpu_pct": round(100 * (time.process_time() - cpu_before) / args.duration, 1),
        "probe": {
            "outcomes": dict(prober.outcomes),
            "reconnects": prober.reconnects,
            "answers": dict(sorted(probe_success.items())),
        },
    }


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start the targets and agents, soak, stop everything; the raw results."""
    targets = await start_targets(tmp)
    config = netwatch_config(targets, args)
    config_path = tmp / "netwatch.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    nw_port, node_port = free_port(), free_port()
    agents = [
        Agent("netwatch", [*shlex.split(args.netwatch), "serve", "--listen",
              f"{HOST}:{nw_port}", "--config", str(config_path)], nw_port),
        Agent("node_exporter", [args.node_exporter, f"--web.listen-address={HOST}:{node_port}"],
              node_port),
    ]  # fmt: skip
    state = AgentState()
    try:
        for agent in agents:
            start(agent, tmp)
        for agent in agents:
            await asyncio.to_thread(wait_ready, agent, partial(answers, agent))
        out = await soak(args, agents, targets, state)
    finally:
        for agent in agents:
            stop(agent)
        targets.close()
    out.update(
        steady_s=args.duration - args.warmup,
        argv={a.name: a.argv for a in agents},
        config=config,
        samples={a.name: [asdict(s) for s in a.samples] for a in agents},
        scrapes={a.name: {"outcomes": dict(a.scraper.outcomes),
                          "reconnects": a.scraper.reconnects}
                 for a in agents if a.scraper},
        netwatch_state={
            "posture_runs": len(state.posture_runs),
            "service_runs": {k: len(v) for k, v in sorted(state.service_runs.items())},
            "service_success": dict(sorted(state.service_success.items())),
            "service_failures_total": dict(sorted(state.service_failures.items())),
            "collector_success": dict(sorted(state.collector_success.items())),
        },
    )  # fmt: skip
    return out


# --------------------------------------------------------------------------------------
# Figures and verdicts


@dataclass
class Figures:
    """One measure of one agent over the steady part."""

    start: float
    end: float
    max: float
    slope_per_h: float
    zero_at_every_sample: bool


def slope_per_hour(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour; 0 with fewer than 2."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return 3600 * cov / var if var else 0.0


def cpu_percent(samples: Sequence[Sample]) -> list[tuple[float, float]]:
    """(t, own CPU in % of one core since the previous sample) per sample."""
    return [
        (b.t, 100 * (b.cpu_s - a.cpu_s) / (b.t - a.t))
        for a, b in zip(samples, samples[1:], strict=False)
        if b.t > a.t
    ]


def figures(points: Sequence[tuple[float, float]], begin: float, end: float,
            window: float) -> Figures:  # fmt: skip
    """Start/end medians, max and slope of the (t, value) points in [begin, end];
    whether the value was 0 at every point, warm-up included."""
    steady = [(t, v) for t, v in points if t >= begin]
    first = [v for t, v in steady if t <= begin + window] or [steady[0][1]]
    last = [v for t, v in steady if t >= end - window] or [steady[-1][1]]
    return Figures(
        start=statistics.median_low(first),
        end=statistics.median_low(last),
        max=max(v for _, v in steady),
        slope_per_h=slope_per_hour(steady),
        zero_at_every_sample=all(v == 0 for _, v in points),
    )


MEASURES: tuple[tuple[str, str, str], ...] = (
    # key, label, format
    ("rss_mb", "RSS (MB)", ".2f"),
    ("threads", "threads", ".0f"),
    ("fds", "open file descriptors", ".0f"),
    ("children", "direct children", ".0f"),
    ("tree", "processes in the tree", ".0f"),
    ("zombies", "zombies", ".0f"),
    ("cpu_pct", "CPU, own (% of one core)", ".2f"),
)


def verdict(key: str, f: Figures) -> tuple[bool, str]:
    """(passed, the rule) of one measure."""
    if key == "rss_mb":
        ok = f.end - f.start <= RSS_GROWTH_MB and f.slope_per_h <= RSS_SLOPE_MB_PER_H
        return ok, f"end - start <= {RSS_GROWTH_MB:g} MB and slope <= {RSS_SLOPE_MB_PER_H:g} MB/h"
    if key in SPIKE_ALLOWANCE:
        allow = SPIKE_ALLOWANCE[key]
        return (
            f.end <= f.start and f.max <= f.start + allow,
            f"end <= start, max <= start + {allow}",
        )
    if key == "zombies":
        return f.zero_at_every_sample, "0 at every sample, warm-up included"
    limit = CPU_GROWTH_FACTOR * f.start + CPU_GROWTH_POINTS
    return f.end <= limit, f"end <= {CPU_GROWTH_FACTOR:g} x start + {CPU_GROWTH_POINTS:g}"


def analyse(out: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Figures and verdicts per agent and measure, from the raw samples."""
    steady_s = args.duration - args.warmup
    window = min(args.window, steady_s / 3)
    result: dict[str, Any] = {"window_s": window}
    for name, raw in out["samples"].items():
        samples = [Sample(**s) for s in raw]
        rows = {}
        for key, _, _ in MEASURES:
            if key == "cpu_pct":
                points = cpu_percent(samples)
            else:
                points = [(s.t, float(getattr(s, key))) for s in samples]
            f = figures(points, args.warmup, args.duration, window)
            passed, rule = verdict(key, f)
            rows[key] = {**asdict(f), "passed": passed, "rule": rule}
        steady = [s for s in samples if s.t >= args.warmup]
        rows["cpu_seconds"] = {
            "own": round(steady[-1].cpu_s - steady[0].cpu_s, 2),
            "children": round(steady[-1].children_cpu_s - steady[0].children_cpu_s, 2),
        }
        result[name] = rows
    for kind, counts in [(n, s["outcomes"]) for n, s in out["scrapes"].items()] + [
        ("/probe", out["probe"]["outcomes"])
    ]:
        total = sum(counts.values())
        failed = total - counts.get("ok", 0)
        result.setdefault("requests", {})[kind] = {
            "total": total,
            "failed": failed,
            "passed": total > 0 and failed <= FAILED_SHARE * total,
            "rule": f"answered 200, failures <= {100 * FAILED_SHARE:g} %",
        }
    return result


# --------------------------------------------------------------------------------------
# Output


def measures_md(name: str, rows: dict[str, Any], window: float) -> list[str]:
    """One agent's table."""
    cells = []
    for key, label, spec in MEASURES:
        r = rows[key]
        cells.append((
            label, format(r["start"], spec), format(r["end"], spec),
            format(r["end"] - r["start"], "+" + spec), format(r["max"], spec),
            format(r["slope_per_h"], "+.2f"), ("PASS" if r["passed"] else "FAIL") +
            f" ({r['rule']})",
        ))  # fmt: skip
    head = (
        f"#### {name} (start: median of the first {window:.0f} s after the warm-up, "
        f"end: of the last {window:.0f} s)"
    )
    cpu = rows["cpu_seconds"]
    return (
        ["", head, ""]
        + table(
            ("Measure", "start", "end", "end - start", "max", "slope per hour", "verdict"), cells
        )
        + [
            "",
            f"CPU seconds over the steady part: own {cpu['own']:.1f}, reaped children "
            f"{cpu['children']:.1f}.",
        ]
    )


def requests_md(out: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    """Scrape and /probe outcomes."""
    cells = []
    sources = {**out["scrapes"], "/probe": out["probe"]}
    for kind, r in summary["requests"].items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(sources[kind]["outcomes"].items()))
        label = f"{kind} /metrics" if kind != "/probe" else "netwatch /probe"
        cells.append((
            label, f"{r['total']:,}", f"{r['failed']:,}", outcomes,
            str(sources[kind]["reconnects"]),
            ("PASS" if r["passed"] else "FAIL") + f" ({r['rule']})",
        ))  # fmt: skip
    answers = "; ".join(f"{k} x{v}" for k, v in out["probe"]["answers"].items())
    return (
        ["", "#### Requests over the whole run", ""]
        + table(
            ("Requests", "total", "failed", "outcomes", "reopened idle connections", "verdict"),
            cells,
        )
        + ["", f"/probe answers: {answers or 'none'}."]
    )


def state_md(out: dict[str, Any]) -> list[str]:
    """Posture runs and service probes seen in netwatch's metrics."""
    state = out["netwatch_state"]
    cells = [
        (s["name"], s["prober"], s["target"], s["interval"],
         str(state["service_runs"].get(s["name"], 0)),
         fmt_value(state["service_success"].get(s["name"])),
         fmt_value(state["service_failures_total"].get(s["name"], 0)))
        for s in out["config"]["services"]
    ]  # fmt: skip
    failing = [k for k, v in state["collector_success"].items() if v != 1]
    looks = len(out["samples"]["netwatch"])
    return [
        "",
        f"#### netwatch's work, from its /metrics looked at every sample ({looks} looks): "
        f"{state['posture_runs']} posture runs seen; collectors not succeeding at the last "
        f"look: {', '.join(failing) or 'none'}",
        "",
    ] + table(
        ("Service", "prober", "target", "interval", "looks with a new run", "last success",
         "failures total"), cells,
    )  # fmt: skip


def fmt_value(value: float | None) -> str:
    """A metric value as text ("n/a" if absent)."""
    return "n/a" if value is None else f"{value:g}"


def markdown(out: dict[str, Any], summary: dict[str, Any]) -> str:
    """The report's tables."""
    lines: list[str] = []
    for name in out["samples"]:
        lines += measures_md(name, summary[name], summary["window_s"])
    lines += requests_md(out, summary)
    lines += state_md(out)
    steady = out["steady_s"]
    if steady < SHORT_STEADY:
        lines += ["", f"Note: a steady part of {steady:.0f} s is short for the slope verdicts: "
                  f"0.1 MB of noise in it is {0.1 * 3600 / steady:.1f} MB/h."]  # fmt: skip
    return "\n".join(lines)


def all_passed(summary: dict[str, Any]) -> bool:
    """Whether every verdict passed."""
    rows = [r for name in ("netwatch", "node_exporter") for r in summary[name].values()]
    rows += list(summary["requests"].values())
    return all(r.get("passed", True) for r in rows)


# --------------------------------------------------------------------------------------
# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=float, default=1800, help="seconds of scraping (default: 1800)")
    add("--warmup", type=float, default=120, help="seconds left out of the figures (default: 120)")
    add("--window", type=float, default=300, help="seconds of the start and end medians "
        "(default: 300; at most a third of the steady part)")  # fmt: skip
    add("--sample", type=float, default=10, help="seconds between samples (default: 10)")
    add("--scrape-timeout", type=float, default=1.0, help="scrape timeout sent and applied "
        "(default: 1)")  # fmt: skip
    add("--probe-every", type=float, default=5, help="seconds between /probe requests "
        "(default: 5)")  # fmt: skip
    add("--posture-interval", type=float, default=60, help="seconds between posture runs "
        "(default: 60)")  # fmt: skip
    add("--service-interval", type=float, default=5, help="seconds between probes of the "
        "fastest services; others 2x or 3x (default: 5)")  # fmt: skip
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
    add("--json-file", type=Path, help="write the raw samples, outcomes and figures as JSON")
    args = parser.parse_args(argv)
    if min(args.duration, args.sample, args.scrape_timeout, args.probe_every,
           args.posture_interval, args.service_interval, args.window) <= 0:  # fmt: skip
        parser.error("durations and intervals must be positive")
    if not 0 <= args.warmup < args.duration:
        parser.error("--warmup must be >= 0 and shorter than --duration")
    if (args.duration - args.warmup) / 3 < 2 * args.sample:
        parser.error("the steady part (--duration - --warmup) needs at least 6 samples")
    return args


def machine(args: argparse.Namespace) -> dict[str, Any]:
    """The machine and versions, for the record."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_revision(),
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "kernel": platform.release(),
        "netwatch": tool_version([*shlex.split(args.netwatch), "version"]),
        "node_exporter": tool_version([args.node_exporter, "--version"]),
        "network_interfaces": ",".join(name for _, name in socket.if_nameindex()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak and print the report."""
    args = parse_args(argv)
    command = shlex.join([sys.executable, *sys.argv])
    facts = machine(args)
    with signals_as_interrupt(), tempfile.TemporaryDirectory(prefix="nw-soak-") as tmp:
        try:
            out = asyncio.run(run(args, Path(tmp)))
        except KeyboardInterrupt:
            print("interrupted; the agents are stopped", file=sys.stderr)
            return 130
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
            print(f"soak failed: {exc}", file=sys.stderr)
            return 3
    facts["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    summary = analyse(out, args)
    passed = all_passed(summary)
    if args.json_file is not None:
        payload = {"command": command, "machine": facts, **out, "summary": summary}
        args.json_file.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"Command: `{command}`")
    print(", ".join(f"{k}: {v}" for k, v in facts.items()))
    for name, agent_argv in out["argv"].items():
        print(f"- {name}: `{shlex.join(agent_argv)}`")
    print(
        f"- {args.duration:.0f} s, warm-up {args.warmup:.0f} s, a sample every "
        f"{args.sample:g} s, scrapes every 1 s (timeout {args.scrape_timeout:g} s), /probe "
        f"every {args.probe_every:g} s, posture every {args.posture_interval:g} s; load "
        f"generator and targets: {out['generator_cpu_pct']:.1f} % of one core"
    )
    print(markdown(out, summary))
    print(f"\nOverall: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
