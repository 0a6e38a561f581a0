"""remote_write throughput into one VictoriaMetrics for a province (issue 13).

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/province_write.py --exposition expo --interval 30s

A province of ``--offices`` offices x ``--hosts`` hosts: a static exporter in this
process serves every synthetic host (``bench/_synth.py``, replaying ``defaults.prom``
recorded by ``bench/series_count.py --save``; counters grow, gauges wobble, some hosts
down) on one loopback port at ``/metrics/HOST``. ``--districts`` real Prometheus servers
share the targets (an ``office`` label per ``--hosts`` targets), evaluate the shipped
rules and remote-write into one real VictoriaMetrics with the ``remote_write`` settings
of ``configs/prometheus/province/prometheus-district.yml`` (its relabelling and queue;
its URL, TLS and password replaced by the loopback VictoriaMetrics).

After ``--warmup`` seconds, it measures over ``--measure`` seconds: samples VictoriaMetrics
inserted per second (``vm_rows_inserted_total``), its CPU (% of one core) and RSS, the
CPU of the Prometheus servers and of this process (the exporter), and the remote_write
backlog (samples pending, seconds behind, failed samples). Then VictoriaMetrics flushes
and reports its bytes on disk per sample.
"""

from __future__ import annotations

import argparse
import http.server
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import yaml
from _common import (
    HOST,
    cpu_seconds,
    loadavg_1m,
    proc_status,
    save_json,
    serving,
    signals_as_interrupt,
    status_mb,
    stop,
    tool_version,
)
from _synth import Office, load
from _tsdb import (
    PROMETHEUS,
    VICTORIA_VERSION,
    http_get,
    metric_sum,
    start_prometheus,
    start_victoria,
    victoria_storage,
)

REPO = Path(__file__).resolve().parents[1]
DISTRICT = REPO / "configs/prometheus/province/prometheus-district.yml"
RULES = REPO / "configs/prometheus/rules"


@contextmanager
def static_exporter(office: Office, abandoned: list[int]) -> Iterator[int]:
    """Every host of ``office`` at ``/metrics/INDEX`` on one loopback port (503 while
    the host is down); yields the port. Scrapes Prometheus abandoned go to ``abandoned``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            index = int(self.path.rsplit("/", 1)[1])
            host = office.hosts[index]
            now = time.time()
            if not office.is_up(host, now):
                self.send_error(503)
                return
            body = office.exposition(host, now)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                abandoned.append(index)  # Prometheus gave up (scrape timeout)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    server.request_queue_size = 512
    with serving(server) as port:
        yield port


def district_config(port: int, hosts: range, per_office: int, interval: str, vm: str) -> str:
    """A district Prometheus: the hosts as targets, the shipped rules and remote_write."""
    shipped = yaml.safe_load(DISTRICT.read_text())["remote_write"][0]
    write = {key: shipped[key] for key in ("write_relabel_configs", "queue_config")}
    targets = [{"targets": [f"{HOST}:{port}"],
                "labels": {"host": str(n), "office": f"office-{n // per_office:02d}"}}
               for n in hosts]  # fmt: skip
    config = {
        "global": {"scrape_interval": interval, "scrape_timeout": "10s",
                   "evaluation_interval": interval},
        "rule_files": [str(RULES / "*.yml")],
        "scrape_configs": [{
            "job_name": "netwatch",
            "static_configs": targets,
            "relabel_configs": [
                {"source_labels": ["host"], "target_label": "__metrics_path__",
                 "replacement": "/metrics/$1"},
                {"source_labels": ["host"], "target_label": "instance",
                 "replacement": "pc-$1:8934"},
                {"regex": "host", "action": "labeldrop"},
            ],
        }],
        "remote_write": [{"url": f"{vm}/api/v1/write", **write}],
    }  # fmt: skip
    return yaml.safe_dump(config, sort_keys=False)


def remote_write_state(urls: list[str]) -> dict[str, float]:
    """Sums over the Prometheus servers: samples sent and failed, pending, max lag."""
    state = {"sent": 0.0, "failed": 0.0, "pending": 0.0, "lag_s": 0.0}
    for url in urls:
        text = http_get(f"{url}/metrics", 10).decode()
        state["sent"] += metric_sum(text, "prometheus_remote_storage_samples_total")
        state["failed"] += metric_sum(text, "prometheus_remote_storage_samples_failed_total")
        state["pending"] += metric_sum(text, "prometheus_remote_storage_samples_pending")
        lag = metric_sum(text, "prometheus_remote_storage_highest_timestamp_in_seconds") - (
            metric_sum(text, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds")
        )
        state["lag_s"] = max(state["lag_s"], lag)
    return state


def inserted(vm_url: str) -> float:
    return metric_sum(http_get(f"{vm_url}/metrics", 10).decode(), "vm_rows_inserted_total")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exposition",
        type=Path,
        required=True,
        help="directory with defaults.prom (series_count --save)",
    )
    parser.add_argument("--offices", type=int, default=40)
    parser.add_argument("--hosts", type=int, default=150, help="hosts per office")
    parser.add_argument("--districts", type=int, default=4, help="Prometheus servers")
    parser.add_argument("--interval", default="30s", help="scrape interval (30s)")
    parser.add_argument("--warmup", type=float, default=120)
    parser.add_argument("--measure", type=float, default=240)
    parser.add_argument("--json-file", type=Path)
    args = parser.parse_args()  # fmt: skip
    total = args.offices * args.hosts
    seconds = float(args.interval.rstrip("s"))
    recorded = load((args.exposition / "defaults.prom").read_text())
    office = Office(recorded, total, seconds, "netwatch", time.time() + args.warmup + 600)
    results: dict[str, Any] = {"hosts": total, "interval": args.interval,
                               "districts": args.districts, "load_1m_before": loadavg_1m(),
                               "prometheus": tool_version([PROMETHEUS, "--version"]),
                               "victoria_metrics": tool_version(VICTORIA_VERSION)}  # fmt: skip
    servers = []
    abandoned: list[int] = []
    with (tempfile.TemporaryDirectory() as scratch, signals_as_interrupt(),
          static_exporter(office, abandoned) as port):  # fmt: skip
        work = Path(scratch)
        try:
            vm, vm_url = start_victoria("vm", work)
            servers.append(vm)
            proms = []
            share = -(-total // args.districts)
            for d in range(args.districts):
                hosts = range(d * share, min(total, (d + 1) * share))
                config = district_config(port, hosts, args.hosts, args.interval, vm_url)
                server, url = start_prometheus(f"district-{d}", config, work)
                servers.append(server)
                proms.append((server, url))
            time.sleep(args.warmup)
            me = psutil.Process().pid
            pids = {"victoria": [vm.pid], "prometheus": [s.pid for s, _ in proms], "exporter": [me]}
            cpu0 = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
            rows0, write0, t0 = inserted(vm_url), remote_write_state([u for _, u in proms]), \
                time.monotonic()  # fmt: skip
            peak_lag, peak_pending = 0.0, 0.0
            while time.monotonic() - t0 < args.measure:
                time.sleep(10)
                state = remote_write_state([u for _, u in proms])
                peak_lag = max(peak_lag, state["lag_s"])
                peak_pending = max(peak_pending, state["pending"])
            elapsed = time.monotonic() - t0
            rows1, write1 = inserted(vm_url), remote_write_state([u for _, u in proms])
            cpu1 = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
            results["needed_samples_per_s"] = round(total * (len(recorded) + 1) / seconds)
            results["vm_samples_per_s"] = round((rows1 - rows0) / elapsed)
            results["sent_samples_per_s"] = round((write1["sent"] - write0["sent"]) / elapsed)
            results["failed_samples"] = write1["failed"] - write0["failed"]
            results["peak_pending_samples"] = peak_pending
            results["peak_lag_s"] = round(peak_lag, 1)
            results["cpu_percent_of_one_core"] = {
                k: round(100 * (cpu1[k] - cpu0[k]) / elapsed, 1) for k in pids}  # fmt: skip
            results["vm_rss_mb"] = round(status_mb(proc_status(vm.pid), "VmRSS"), 1)
            results["vm_peak_rss_mb"] = round(status_mb(proc_status(vm.pid), "VmHWM"), 1)
            results["prometheus_rss_mb"] = [round(status_mb(proc_status(s.pid), "VmRSS"), 1)
                                            for s, _ in proms]  # fmt: skip
            storage = victoria_storage(vm_url)
            results["vm_storage"] = storage
            results["vm_bytes_per_sample"] = {
                "samples": round(storage["data_bytes"] / storage["rows"], 3),
                "with_index": round((storage["data_bytes"] + storage["index_bytes"])
                                    / storage["rows"], 3),
            }  # fmt: skip
            results["measured_s"] = round(elapsed, 1)
            results["scrapes_abandoned"] = len(abandoned)
        finally:
            for server in reversed(servers):
                stop(server)
    results["load_1m_after"] = loadavg_1m()
    print(json.dumps(results, indent=2))
    save_json(results, args.json_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
