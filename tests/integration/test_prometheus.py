"""A real Prometheus on loopback scrapes a real ``netwatch serve``."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, http_get, wait_until


@pytest.fixture
def prometheus(tmp_path: Path, serve_factory) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus missing: tests/run.sh installs Debian's prometheus package"
    agent = serve_factory()
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n"
        "  - job_name: netwatch\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{agent.port}']\n"
    )
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def query(base: str, promql: str) -> list[dict]:
    url = f"{base}/api/v1/query?query={urllib.parse.quote(promql)}"
    try:
        status, _, body = http_get(url, timeout=5)
    except OSError:
        return []
    if status != 200:
        return []
    return json.loads(body)["data"]["result"]


def test_prometheus_reads_host_info_and_collector_success(prometheus: str) -> None:
    assert wait_until(lambda: query(prometheus, "netwatch_host_info"), timeout=60), (
        "Prometheus never stored netwatch_host_info"
    )
    info = query(prometheus, "netwatch_host_info")[0]["metric"]
    assert info["job"] == "netwatch"
    assert info["os_family"] == "linux" and info["hostname"]
    up = query(prometheus, 'up{job="netwatch"}')
    assert up[0]["value"][1] == "1"
    assert wait_until(lambda: len(query(prometheus, "netwatch_collector_success")) >= 7, 30)
    success = {
        r["metric"]["collector"]: r["value"][1]
        for r in query(prometheus, "netwatch_collector_success")
    }
    for name in ("build", "host", "cpu", "memory", "filesystem", "network", "users"):
        assert success[name] == "1", (name, success)
    status, _, body = http_get(f"{prometheus}/api/v1/targets")
    target = json.loads(body)["data"]["activeTargets"][0]
    assert target["health"] == "up" and target["lastError"] == ""
