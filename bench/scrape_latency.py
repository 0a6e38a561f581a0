#!/usr/bin/env python3
"""Benchmark: netwatch's /metrics scrape against Debian's prometheus-node-exporter.

Starts both exporters on free loopback ports, warms them up, then scrapes
``/metrics`` alternately (a new HTTP connection per scrape, ``Accept-Encoding:
gzip`` like Prometheus) and reports per exporter: median and p90 scrape latency,
peak RSS (VmHWM), CPU seconds per 100 scrapes, response size and sample count.
It also times ``netwatch --help``. Both exporters are always stopped on exit.

Usage::

    python bench/scrape_latency.py [--scrapes 300] [--json]

Cross-check of the ``--help`` timing with hyperfine::

    hyperfine --warmup 3 --runs 20 'netwatch --help'

This is a benchmark, not a test: it asserts nothing and only prints figures.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from _common import (
    HOST,
    Server,
    comparison_table,
    cpu_seconds,
    free_port,
    loadavg_1m,
    netwatch_on_path,
    peak_rss_mb,
    percentile,
    ratio,
    signals_as_interrupt,
    start,
    stop,
    tool_version,
    wait_ready,
)

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
REQUEST_TIMEOUT = 30.0
HYPERFINE_HINT = "hyperfine --warmup 3 --runs 20 'netwatch --help'"


@dataclass
class Target(Server):
    """One exporter under test and the figures collected for it."""

    latencies_ms: list[float] = field(default_factory=list)
    wire_bytes: int = 0
    body_bytes: int = 0
    samples: int = 0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def url(self) -> str:
        """The scrape URL."""
        return f"http://{HOST}:{self.port}/metrics"


@dataclass
class Scrape:
    """The result of one scrape."""

    seconds: float
    wire_bytes: int
    body: bytes


@dataclass
class Result:
    """Summary figures of one exporter, as printed and as JSON."""

    name: str
    median_ms: float
    p90_ms: float | None
    peak_rss_mb: float
    cpu_s_per_100: float
    wire_bytes: int
    body_bytes: int
    samples: int
    help_median_s: float | None = None


def scrape(port: int, timeout: float = REQUEST_TIMEOUT) -> Scrape:
    """GET /metrics on a fresh connection, reading the whole body; timed end to end."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(
            "GET",
            "/metrics",
            headers={
                "Accept": "text/plain;version=0.0.4;q=0.9,*/*;q=0.1",
                "Accept-Encoding": "gzip",
                "User-Agent": "netwatch-bench/1",
            },
        )
        response = conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"port {port}: HTTP {response.status} {raw[:200]!r}")
        encoding = response.getheader("Content-Encoding", "")
    finally:
        conn.close()
    body = gzip.decompress(raw) if "gzip" in encoding else raw
    return Scrape(elapsed, len(raw), body)


def count_samples(body: bytes) -> int:
    """Number of sample lines (non-empty, non-comment) in a text exposition."""
    return sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))


def scrape_ready(target: Target) -> None:
    """Ready once /metrics answers 200 (``scrape`` raises otherwise)."""
    scrape(target.port, timeout=5.0)


STEADY_MARKERS = (b"netwatch_posture_last_run_timestamp_seconds ",
                  b'netwatch_collector_success{collector="software"}')  # fmt: skip


def wait_steady(target: Target, timeout: float = 180.0) -> None:
    """Wait until netwatch's scheduled collectors finished their first run (steady state).

    An agent runs its posture checks and software inventory once at start and
    then every 15 minutes / hour; measuring during that first run would charge
    its one-off cost to the scrapes.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = scrape(target.port, timeout=10.0).body
        if all(marker in body for marker in STEADY_MARKERS):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{target.name}: scheduled collectors did not finish within {timeout:.0f}s")


def time_command(argv: list[str], runs: int, warmup: int = 2) -> float:
    """Median wall time in seconds of running ``argv`` to completion ``runs`` times."""
    times = []
    for i in range(warmup + runs):
        begin = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=60, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - begin
        if done.returncode != 0:
            raise RuntimeError(f"{argv} exited with {done.returncode}")
        if i >= warmup:
            times.append(elapsed)
    return statistics.median(times)


def measure(targets: Sequence[Target], scrapes: int, warmup: int) -> None:
    """Warm up, then scrape alternately ``scrapes`` times each, recording all figures."""
    for _ in range(warmup):
        for target in targets:
            scrape(target.port)
    pids = [t.proc.pid for t in targets if t.proc is not None]
    cpu_before = [cpu_seconds(pid) for pid in pids]
    last: dict[str, Scrape] = {}
    for i in range(scrapes):
        order = targets if i % 2 == 0 else list(reversed(targets))  # ABBA: no order bias
        for target in order:
            result = scrape(target.port)
            target.latencies_ms.append(result.seconds * 1000)
            last[target.name] = result
    for target, pid, before in zip(targets, pids, cpu_before, strict=True):
        target.cpu_seconds = cpu_seconds(pid) - before
        target.peak_rss_mb = peak_rss_mb(pid)
        final = last[target.name]
        target.wire_bytes = final.wire_bytes
        target.body_bytes = len(final.body)
        target.samples = count_samples(final.body)


def summarize(target: Target, scrapes: int) -> Result:
    """Collapse a target's raw measurements into the reported figures."""
    return Result(
        name=target.name,
        median_ms=statistics.median(target.latencies_ms),
        p90_ms=percentile(target.latencies_ms, 90),
        peak_rss_mb=target.peak_rss_mb,
        cpu_s_per_100=target.cpu_seconds * 100 / scrapes,
        wire_bytes=target.wire_bytes,
        body_bytes=target.body_bytes,
        samples=target.samples,
    )


def markdown(netwatch: Result, node: Result) -> str:
    """The results as a Markdown table with netwatch/node_exporter ratios."""
    rows: list[tuple[str, Callable[[Result], float | None], str]] = [
        ("/metrics median latency (ms)", lambda r: r.median_ms, ".2f"),
        ("/metrics p90 latency (ms)", lambda r: r.p90_ms, ".2f"),
        ("Peak RSS, VmHWM (MB)", lambda r: r.peak_rss_mb, ".1f"),
        ("CPU seconds per 100 scrapes", lambda r: r.cpu_s_per_100, ".3f"),
        ("Response size, gzip on the wire (bytes)", lambda r: r.wire_bytes, ",.0f"),
        ("Response size, uncompressed (bytes)", lambda r: r.body_bytes, ",.0f"),
        ("Samples (series) per scrape", lambda r: r.samples, ",.0f"),
        ("`--help` wall time, median (s)", lambda r: r.help_median_s, ".3f"),
    ]
    header = ("netwatch", "node_exporter", "netwatch / node_exporter")
    return "\n".join(comparison_table(header, rows, netwatch, node, ratio))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scrapes", type=int, default=300,
                        help="measured scrapes per exporter (default: 300)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=10,
                        help="unmeasured scrapes per exporter first (default: 10)")  # fmt: skip
    parser.add_argument("--help-runs", type=int, default=20,
                        help="runs of `--help` to time (default: 20)")  # fmt: skip
    parser.add_argument("--netwatch", default=netwatch_on_path(),
                        help="netwatch command (default: the one on PATH)")  # fmt: skip
    parser.add_argument("--node-exporter", default=NODE_EXPORTER,
                        help=f"node_exporter binary (default: {NODE_EXPORTER})")  # fmt: skip
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of the Markdown table")  # fmt: skip
    args = parser.parse_args(argv)
    if args.scrapes < 1 or args.warmup < 0 or args.help_runs < 1:
        parser.error("--scrapes and --help-runs must be >= 1, --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    args = parse_args(argv)
    netwatch = Target("netwatch", [], free_port())
    # No service probes: node_exporter does not probe, and a benchmark must not send
    # packets to the host's real gateway or resolvers.
    netwatch.argv = [
        args.netwatch,
        "serve",
        "--listen",
        f"{HOST}:{netwatch.port}",
        "--disable",
        "services",
    ]
    node = Target("node_exporter", [], free_port())
    node.argv = [args.node_exporter, f"--web.listen-address={HOST}:{node.port}"]
    targets = [netwatch, node]
    load_before = loadavg_1m()
    with signals_as_interrupt(), tempfile.TemporaryDirectory(prefix="nw-bench-") as tmp:
        try:
            for target in targets:
                start(target, Path(tmp))
            for target in targets:
                wait_ready(target, partial(scrape_ready, target))
            wait_steady(netwatch)
            measure(targets, args.scrapes, args.warmup)
        except KeyboardInterrupt:
            print("interrupted; stopping the exporters", file=sys.stderr)
            return 130
        except (RuntimeError, OSError, http.client.HTTPException) as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
        finally:
            for target in targets:
                stop(target)

    results = {t.name: summarize(t, args.scrapes) for t in targets}
    results["netwatch"].help_median_s = time_command([args.netwatch, "--help"], args.help_runs)
    results["node_exporter"].help_median_s = time_command(
        [args.node_exporter, "--help"], args.help_runs
    )
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "node_exporter": tool_version([args.node_exporter, "--version"]),
        "kernel": platform.release(),
        "loadavg_1m_before": load_before,
    }
    command = {
        "scrapes_per_exporter": args.scrapes,
        "warmup_per_exporter": args.warmup,
        "help_runs": args.help_runs,
        "netwatch": netwatch.argv,
        "node_exporter": node.argv,
    }
    if args.json:
        payload = {"machine": machine, "command": command,
                   "results": {k: asdict(v) for k, v in results.items()}}  # fmt: skip
        print(json.dumps(payload, indent=2))
    else:
        print(f"{args.scrapes} scrapes per exporter, alternating, after {args.warmup} warm-up "
              f"scrapes each; {machine['cpus']} CPUs, Python {machine['python']}, "
              f"{machine['node_exporter']}; 1-min load before: {load_before}")  # fmt: skip
        for target in targets:
            print(f"- {target.name}: `{' '.join(target.argv)}`")
        print()
        print(markdown(results["netwatch"], results["node_exporter"]))
        print(f"\n`--help`: median of {args.help_runs} runs of `{args.netwatch} --help` and "
              f"`{args.node_exporter} --help`; cross-check: {HYPERFINE_HINT}")  # fmt: skip
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # e.g. during the --help timing; the exporters are already stopped
        sys.exit(130)
