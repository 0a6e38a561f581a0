"""The HTTP exporter in-process, with the real live collectors plus broken test collectors.

The scheduled collectors (posture checks, software inventory) are left out: they are
not about the HTTP layer, and waiting for their first run made every test 2 s slower.
"""

from __future__ import annotations

import gzip
import http.client
import shutil
import threading
import time
from collections.abc import Iterator

import pytest
from prometheus_client.core import Metric
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from netwatch.agent import build_collectors
from netwatch.collectors.registry import builtin_specs
from netwatch.engine import Engine, EngineCollector
from netwatch.exporter.routes import AgentState
from netwatch.exporter.server import AgentHTTPServer
from netwatch.hostaccess import HostAccess
from tests.conftest import http_get, offline_config, promtool_check_metrics


class Raising:
    def collect(self) -> Iterator[Metric]:
        raise RuntimeError("broken on purpose")


class Sleeping:
    def __init__(self) -> None:
        self.release = threading.Event()

    def collect(self) -> Iterator[Metric]:
        self.release.wait(60)
        return iter(())


@pytest.fixture
def agent() -> Iterator[tuple[str, AgentState, Sleeping]]:
    sleeper = Sleeping()
    live = [spec for spec in builtin_specs() if not spec.scheduled]
    collectors = build_collectors(offline_config(), HostAccess(), live) + [
        EngineCollector("raiser", Raising()),
        EngineCollector("sleeper", sleeper, timeout=0.5),
    ]
    engine = Engine(collectors)
    state = AgentState(engine, scrape_timeout=10, max_scrapes=2)
    server = AgentHTTPServer("127.0.0.1", 0, state)
    engine.start()
    server.start()
    yield f"http://127.0.0.1:{server.port}", state, sleeper
    sleeper.release.set()
    server.stop()
    engine.stop()


def parse(body: bytes) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_broken_collectors_leave_everything_else_served(agent) -> None:
    url, _, _ = agent
    start = time.monotonic()
    status, headers, body = http_get(f"{url}/metrics")
    elapsed = time.monotonic() - start
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    metrics = parse(body)
    success = {dict(k)["collector"]: v for k, v in metrics["netwatch_collector_success"].items()}
    assert success["raiser"] == 0 and success["sleeper"] == 0
    for name in ("build", "host", "cpu", "memory", "filesystem", "network", "users"):
        assert success[name] == 1, name
    assert metrics["netwatch_host_info"]
    assert metrics["netwatch_memory_total_bytes"][()] > 0
    assert any(dict(k)["mountpoint"] == "/" for k in metrics["netwatch_filesystem_size_bytes"])
    assert elapsed < 2.0, f"scrape took {elapsed:.2f}s with a hung collector (timeout 0.5s)"
    # The sleeper is still hung: the next scrape fails it at once instead of waiting again.
    start = time.monotonic()
    status, _, body = http_get(f"{url}/metrics")
    assert time.monotonic() - start < 0.5
    assert (
        parse(body)["netwatch_collector_failures_total"][
            (("collector", "sleeper"), ("reason", "timeout"))
        ]
        == 2
    )


def test_openmetrics_on_request(agent) -> None:
    url, _, _ = agent
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    status, headers, body = http_get(f"{url}/metrics", {"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    text = body.decode()
    assert "# TYPE netwatch_host info" in text
    assert text.endswith("# EOF\n")


def test_gzip_when_accepted(agent) -> None:
    url, _, _ = agent
    status, headers, body = http_get(f"{url}/metrics", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert b"netwatch_build_info" in gzip.decompress(body)


def test_scrape_timeout_header_bounds_the_scrape(agent) -> None:
    url, state, sleeper = agent
    state.engine = Engine([EngineCollector("sleeper2", Sleeping(), timeout=30)])
    start = time.monotonic()
    status, _, body = http_get(f"{url}/metrics", {"X-Prometheus-Scrape-Timeout-Seconds": "1"})
    elapsed = time.monotonic() - start
    assert status == 200
    assert 0.3 < elapsed < 1.0, f"budget is header minus 0.5s margin, took {elapsed:.2f}s"
    assert parse(body)["netwatch_collector_success"][(("collector", "sleeper2"),)] == 0


@pytest.mark.parametrize(
    ("path", "headers", "status", "text"),
    [
        ("/", {}, 200, '<a href="/metrics">'),
        ("/-/healthy", {}, 200, "OK"),
        ("/nope", {}, 404, "not found"),
        ("/metrics", {"X-Prometheus-Scrape-Timeout-Seconds": "soon"}, 400, "must be a number"),
        ("/metrics", {"X-Prometheus-Scrape-Timeout-Seconds": "-3"}, 400, "must be positive"),
    ],
)
def test_endpoints_and_bad_requests(agent, path, headers, status, text) -> None:
    url, _, _ = agent
    got_status, _, body = http_get(f"{url}{path}", headers)
    assert got_status == status
    assert text in body.decode()


def test_only_get_and_head(agent) -> None:
    url, _, _ = agent
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("POST", "/metrics", body=b"x=1")
    response = connection.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "GET, HEAD"
    connection.close()


def test_scrapes_queue_for_a_slot_and_health_is_never_starved(agent) -> None:
    url, state, _ = agent
    slow = Sleeping()
    state.engine = Engine([EngineCollector("slow", slow, timeout=3)])
    results: list[int] = []

    def scrape() -> None:
        results.append(http_get(f"{url}/metrics")[0])

    threads = [threading.Thread(target=scrape) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    # Both scrape slots are taken: health checks and the landing page still answer at once.
    start = time.monotonic()
    assert http_get(f"{url}/-/healthy")[0] == 200
    assert http_get(f"{url}/")[0] == 200
    assert time.monotonic() - start < 1.0
    # A third scrape waits for a slot until its budget (1 s less the 0.5 s margin) runs out.
    status, headers, body = http_get(f"{url}/metrics", {"X-Prometheus-Scrape-Timeout-Seconds": "1"})
    assert status == 503 and headers["Retry-After"] == "1"
    assert b"every scrape slot stayed busy" in body
    # A scrape that arrives while a slot is busy but frees in time is served, not refused.
    waiting: list[int] = []
    late = threading.Thread(target=lambda: waiting.append(http_get(f"{url}/metrics")[0]))
    late.start()
    time.sleep(0.3)
    slow.release.set()
    for thread in [*threads, late]:
        thread.join(10)
    assert sorted(results) == [200, 200] and waiting == [200]


def test_openmetrics_output_parses(agent) -> None:
    url, _, _ = agent
    accept = "application/openmetrics-text; version=1.0.0"
    _, _, body = http_get(f"{url}/metrics", {"Accept": accept})
    names = {family.name for family in openmetrics_families(body.decode())}
    assert {"netwatch_host", "netwatch_collector_failures", "netwatch_cpu_seconds"} <= names


def test_promtool_check_metrics_is_silent(agent) -> None:
    assert shutil.which("promtool"), "promtool missing: tests/run.sh installs Debian's prometheus"
    url, _, _ = agent
    _, _, body = http_get(f"{url}/metrics")
    result = promtool_check_metrics(body)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == b"" and result.stderr == b""
