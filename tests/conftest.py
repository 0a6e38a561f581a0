"""Shared test helpers: free loopback ports and a real ``netwatch serve`` subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netwatch.core.paths import STATE_DIR_VARIABLE
from netwatch.core.selfcommand import netwatch_argv

FIXTURES = Path(__file__).parent / "fixtures"
# What agents started by the tests remember (the hardware memory, the LAN register) goes to
# a folder of this run, never to the machine's /var/lib/netwatch (inherited by subprocesses).
os.environ.setdefault(STATE_DIR_VARIABLE, tempfile.mkdtemp(prefix="netwatch-test-state-"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET (HTTP errors are returned, not raised)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def promtool_check_metrics(body: bytes) -> subprocess.CompletedProcess[bytes]:
    """Debian's ``promtool check metrics`` on an exposition (tests/run.sh installs it)."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: tests/run.sh installs Debian's prometheus"
    return subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                          timeout=30, check=False)  # fmt: skip


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@dataclass
class ServeProcess:
    """A running ``netwatch serve`` subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def start_serve(tmp_path: Path, *args: str) -> ServeProcess:
    """Start ``netwatch serve`` on a free loopback port; wait until /-/healthy answers.

    Without ``-c``, the agent gets a config with an empty services list, so it
    never probes the host's real gateway or DNS resolvers from a test.
    """
    if "-c" not in args:
        config = tmp_path / "no-services.yaml"
        config.write_text("services: []\n")
        args = ("-c", str(config), *args)
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            netwatch_argv("serve", "--listen", f"127.0.0.1:{port}", *args),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    serve = ServeProcess(process, port, log_path)

    def healthy() -> bool:
        try:
            return http_get(f"{serve.url}/-/healthy", timeout=1)[0] == 200
        except OSError:
            return False

    if not wait_until(lambda: healthy() or process.poll() is not None, timeout=20):
        serve.stop()
        raise AssertionError(f"netwatch serve did not come up:\n{serve.log()}")
    if process.poll() is not None:
        raise AssertionError(f"netwatch serve exited with {process.returncode}:\n{serve.log()}")
    return serve


def offline_config(extra: str = "") -> Any:
    """The default config with no services to probe (nothing leaves loopback)."""
    from netwatch.config.loader import parse_config_text

    return parse_config_text("services: []\n" + extra, "test-config")


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator:
    """Start ``netwatch serve`` processes that are stopped after the test."""
    started: list[ServeProcess] = []

    def factory(*args: str) -> ServeProcess:
        serve = start_serve(tmp_path, *args)
        started.append(serve)
        return serve

    yield factory
    for serve in started:
        serve.stop()


@pytest.fixture(autouse=True, scope="session")
def _every_probe_value_has_a_metric() -> Iterator[None]:
    """A value a prober reports without a declared metric fails the run, never vanishes."""
    yield
    from netwatch.probes.metrics import undeclared_values

    assert not undeclared_values, f"declare these in probes/metrics.py: {sorted(undeclared_values)}"


# Lanes: a test's folder gives its marker; the fast lane is `-m "not integration and
# not lan and not winlab and not fuzz"` (bash tests/run.sh --fast).
FOLDER_MARKERS = {
    "integration": "integration",
    "lan": "lan",
    "windows": "winlab",
    "fuzz": "fuzz",
    "packaging": "integration",
    "differential": "integration",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by its folder (tests/integration, tests/lan, tests/windows, tests/fuzz,
    tests/packaging, tests/differential)."""
    tests = Path(__file__).parent
    for item in items:
        parts = Path(str(item.fspath)).relative_to(tests).parts
        marker = FOLDER_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker:
            item.add_marker(marker)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many tests ran on Windows Python in the Windows lab (tests/winlab)."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    skip_reasons: set[str] = set()
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if "winlab" not in getattr(report, "keywords", {}):
                continue
            counted_phase = "call" if outcome == "passed" else report.when
            if report.when == counted_phase:
                counts[outcome] += 1
            if outcome == "skipped" and isinstance(report.longrepr, tuple):
                skip_reasons.add(str(report.longrepr[2]))
    total = sum(counts.values())
    if total:
        terminalreporter.write_line(
            f"Windows lab tests (Windows Python under Wine): {total} run "
            f"({counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped)"
        )
    for reason in sorted(skip_reasons):
        terminalreporter.write_line(reason)
