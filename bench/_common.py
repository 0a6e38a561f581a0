"""Plumbing shared by the benchmark scripts under ``bench/`` (not a benchmark itself).

- loopback servers under test: a free port, start with a log file, readiness polling,
  stop (SIGTERM, then SIGKILL);
- CPU seconds and peak RSS of a process (psutil, /proc) or from an rusage;
- SIGINT/SIGTERM as KeyboardInterrupt, so ``finally`` blocks stop the children;
- table cells, ratios and min/median/max of repeated measurements;
- tool version strings and the ``netwatch`` command to benchmark.

``bench/_probe_round.py`` does not import this module: it reports its own peak RSS,
which the import would raise by about 0.6 MB.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, TypeVar

import psutil

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0

T = TypeVar("T")

# --------------------------------------------------------------------------------------
# Servers under test on the loopback address


def free_port() -> int:
    """A TCP port on the loopback address that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A long-running subprocess under test (or a helper server), logging to a file."""

    name: str
    argv: list[str]
    port: int
    proc: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        """The process id (the process must have been started)."""
        assert self.proc is not None
        return self.proc.pid


def start(server: Server, log_dir: Path) -> None:
    """Launch the server in its own session, logging to a file under ``log_dir``."""
    log_path = log_dir / f"{server.name.replace(' ', '_')}.log"
    server.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
    server.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        server.argv, stdin=subprocess.DEVNULL, stdout=server.log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def log_tail(server: Server, lines: int = 20) -> str:
    """The last lines the server logged, for error messages."""
    if server.log is None:
        return ""
    server.log.flush()
    return "\n".join(Path(server.log.name).read_text(errors="replace").splitlines()[-lines:])


def wait_ready(server: Server, poll: Callable[[], object], timeout: float = READY_TIMEOUT) -> None:
    """Call ``poll`` every 0.1 s until it returns None (ready); fail if the process exits
    or time runs out. Anything else ``poll`` returns, or an OSError, RuntimeError or
    HTTPException it raises, is the reason it is not ready yet."""
    assert server.proc is not None
    deadline = time.monotonic() + timeout
    last_error: object = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}:\n{log_tail(server)}"
            )
        try:
            last_error = poll()
            if last_error is None:
                return
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            last_error = exc
        time.sleep(0.1)
    raise RuntimeError(
        f"{server.name} not ready after {timeout:.0f}s ({last_error}):\n{log_tail(server)}"
    )


def stop(server: Server) -> None:
    """Terminate the server (SIGTERM, then SIGKILL) and reap it; safe to call twice."""
    popen = server.proc
    if popen is not None and popen.poll() is None:
        popen.terminate()
        try:
            popen.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(STOP_TIMEOUT)
    if server.log is not None and not server.log.closed:
        server.log.close()


@contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """Make SIGINT and SIGTERM raise KeyboardInterrupt so ``finally`` stops the children.

    SIGINT is set explicitly because a parent (e.g. a non-interactive shell running us
    in the background) may have left it ignored.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# --------------------------------------------------------------------------------------
# CPU and memory


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its reaped children (psutil cpu_times)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set size) from /proc/PID/status, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmHWM for pid {pid}")


def rusage_cpu_seconds(usage: resource.struct_rusage) -> float:
    """User + system CPU seconds of an rusage (``getrusage``, ``os.wait4``)."""
    return usage.ru_utime + usage.ru_stime


def rusage_peak_rss_mb(usage: resource.struct_rusage) -> float:
    """``ru_maxrss`` (KiB on Linux) in MB (10^6 bytes)."""
    return usage.ru_maxrss * 1024 / 1e6


def loadavg_1m() -> float:
    """The 1-minute load average, rounded to 2 decimals (recorded before a benchmark)."""
    return round(os.getloadavg()[0], 2)


# --------------------------------------------------------------------------------------
# Figures


def median_min_max(values: Iterable[float]) -> tuple[float, float, float]:
    """Median, minimum and maximum of repeated measurements."""
    data = list(values)
    return statistics.median(data), min(data), max(data)


def fmt(value: float | None, spec: str) -> str:
    """``value`` formatted with the format ``spec`` (e.g. ``".2f"``), or "n/a" if None."""
    return "n/a" if value is None else format(value, spec)


def ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> str:
    """``numerator / denominator`` as e.g. "1.23×"; "n/a" if missing or dividing by 0."""
    if numerator is None or not denominator:
        return "n/a"
    return f"{numerator / denominator:.{digits}f}×"


def comparison_table(
    header: tuple[str, str, str],
    rows: Iterable[tuple[str, Callable[[T], float | None], str]],
    first: T,
    second: T,
    ratio_of: Callable[[float | None, float | None], str],
) -> list[str]:
    """Markdown lines: ``| Metric | first | second | ratio |`` and one row per
    (label, getter, format spec); ``ratio_of(first value, second value)`` fills the
    last column."""
    lines = [f"| Metric | {header[0]} | {header[1]} | {header[2]} |", "|---|---:|---:|---:|"]
    for label, get, spec in rows:
        a, b = get(first), get(second)
        lines.append(f"| {label} | {fmt(a, spec)} | {fmt(b, spec)} | {ratio_of(a, b)} |")
    return lines


# --------------------------------------------------------------------------------------
# Tools


def tool_version(argv: list[str]) -> str:
    """First output line (stdout, else stderr) of a version command; "?" if it fails."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            argv, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def netwatch_on_path() -> str:
    """The ``netwatch`` command found on PATH."""
    return shutil.which("netwatch") or "netwatch"


def netwatch_next_to_python() -> str:
    """The ``netwatch`` console script next to this interpreter, else the one on PATH.

    Preferring the interpreter's own bin directory skips a pyenv shim, whose start-up
    would be counted in figures of short-lived ``netwatch`` processes.
    """
    sibling = Path(sys.executable).parent / "netwatch"
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return str(sibling)
    return netwatch_on_path()


def proc_status(pid: int) -> dict[str, str]:
    """The fields of /proc/PID/status (e.g. ``Threads``, ``VmRSS``), values as text."""
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def status_mb(fields: dict[str, str], key: str) -> float:
    """A ``kB`` field of /proc/PID/status (``VmRSS``, ``VmHWM``) in MB (10^6 bytes)."""
    return int(fields[key].split()[0]) * 1024 / 1e6


def open_files_limit(pid: int) -> str:
    """The process's "Max open files" limit from /proc/PID/limits, as "soft/hard"."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return f"{soft}/{hard}"
    return "?"


def percentile(values: Iterable[float], pct: int) -> float | None:
    """The ``pct``-th percentile (inclusive method; 50 = median); None without values."""
    data = sorted(values)
    if len(data) < 2:
        return data[0] if data else None
    return statistics.quantiles(data, n=100, method="inclusive")[pct - 1]


@contextmanager
def serving(server: http.server.HTTPServer) -> Iterator[int]:
    """``server`` answering on a thread of its own while in the block; yields its port."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def save_json(results: object, path: Path | None) -> None:
    """Write a benchmark's results as indented JSON to ``path`` when one is given."""
    if path:
        path.write_text(json.dumps(results, indent=2) + "\n")
