"""Real Prometheus and VictoriaMetrics servers for the issue-13 benchmarks (not a benchmark).

- start Debian's ``prometheus`` with a generated config, or ``victoria-metrics``, on a
  free loopback port (``bench/_common.Server``), and wait until they answer;
- query their Prometheus HTTP API (instant and range), read their own ``/metrics``;
- a block directory's size and ``meta.json`` stats.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from _common import HOST, Server, free_port, start, wait_ready

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
VICTORIA = "/usr/bin/victoria-metrics"
# The Debian binary prints no version of its own.
VICTORIA_VERSION = ["dpkg-query", "-W", "victoria-metrics"]
HTTP_TIMEOUT = 120.0


def http_get(url: str, timeout: float = HTTP_TIMEOUT) -> bytes:
    """The body of a GET (raises on a non-2xx status)."""
    with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - loopback
        return bytes(reply.read())


def http_post(url: str, body: bytes, timeout: float = HTTP_TIMEOUT) -> bytes:
    """The body of a POST of ``body`` (raises on a non-2xx status)."""
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
        return bytes(reply.read())


def api(base: str, path: str, params: dict[str, str], timeout: float = HTTP_TIMEOUT) -> Any:
    """``data`` of a Prometheus-API reply (POST form, as Grafana sends); raises on error."""
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(f"{base}{path}", data=body, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - loopback
        answer = json.loads(reply.read())
    if answer.get("status") != "success":
        raise RuntimeError(f"{path} {params}: {answer}")
    return answer["data"]


def metric_sum(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels`` in an exposition."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line[len(name) : len(name) + 1] not in ("{", " "):
            continue
        series, _, value = line.rpartition(" ")
        if all(f'{key}="{val}"' in series for key, val in labels.items()):
            total += float(value)
    return total


def prometheus_config(
    jobs: list[dict[str, Any]], interval: str, remote_write: str | None = None
) -> str:
    """A prometheus.yml scraping ``jobs`` (scrape_config mappings) every ``interval``."""
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "scrape_timeout": "10s",
                   "evaluation_interval": interval},
        "scrape_configs": jobs,
    }  # fmt: skip
    if remote_write is not None:
        config["remote_write"] = [{"url": remote_write}]
    return yaml.safe_dump(config, sort_keys=False)


def start_prometheus(
    name: str, config_text: str, work: Path, extra: tuple[str, ...] = ()
) -> tuple[Server, str]:
    """A Prometheus with ``config_text`` and its TSDB under ``work/name``; (server, URL)."""
    home = work / name
    (home / "data").mkdir(parents=True, exist_ok=True)
    config = home / "prometheus.yml"
    config.write_text(config_text)
    port = free_port()
    argv = [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address={HOST}:{port}", "--web.enable-admin-api",
            "--storage.tsdb.retention.time=30d", *extra]  # fmt: skip
    server = Server(name, argv, port)
    start(server, work)
    url = f"http://{HOST}:{port}"
    wait_ready(server, lambda: None if http_get(f"{url}/-/ready", 2) else "not ready", 120)
    return server, url


def start_victoria(name: str, work: Path, extra: tuple[str, ...] = ()) -> tuple[Server, str]:
    """A VictoriaMetrics with its storage under ``work/name``; (server, URL)."""
    port = free_port()
    argv = [VICTORIA, f"-storageDataPath={work / name}", f"-httpListenAddr={HOST}:{port}",
            "-retentionPeriod=1y", *extra]  # fmt: skip
    server = Server(name, argv, port)
    start(server, work)
    url = f"http://{HOST}:{port}"
    wait_ready(server, lambda: None if http_get(f"{url}/health", 2) else "not ready", 60)
    return server, url


def victoria_storage(url: str) -> dict[str, float]:
    """VictoriaMetrics' own view of its storage after a flush: bytes on disk (samples
    and index) and rows (samples) stored."""
    http_get(f"{url}/internal/force_flush")
    text = http_get(f"{url}/metrics").decode()
    parts = ("storage/big", "storage/small")
    return {
        "data_bytes": sum(metric_sum(text, "vm_data_size_bytes", type=p) for p in parts),
        "index_bytes": metric_sum(text, "vm_data_size_bytes", type="indexdb"),
        "rows": sum(metric_sum(text, "vm_rows", type=p) for p in parts),
        "rows_inserted": metric_sum(text, "vm_rows_inserted_total"),
    }


def dir_bytes(path: Path) -> int:
    """Bytes of the regular files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def block_stats(block: Path) -> dict[str, int]:
    """Sizes (index, chunks, total) and ``meta.json`` stats of one TSDB block."""
    meta = json.loads((block / "meta.json").read_text())
    return {
        "index_bytes": (block / "index").stat().st_size,
        "chunk_bytes": dir_bytes(block / "chunks"),
        "total_bytes": dir_bytes(block),
        "samples": int(meta["stats"]["numSamples"]),
        "series": int(meta["stats"]["numSeries"]),
        "chunks": int(meta["stats"]["numChunks"]),
        "min_time_ms": int(meta["minTime"]),
        "max_time_ms": int(meta["maxTime"]),
    }
