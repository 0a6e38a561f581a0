"""TSDB bytes per agent per day, from a real run (issue 13).

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/tsdb_bytes.py --agents 4 --duration 1500

Starts ``--agents`` ``netwatch serve`` agents with the embedded defaults and Debian's
node_exporter (the anchor) on loopback, and three real Prometheus servers: one scraping
the agents every 30 s (the shipped interval) and remote-writing into a real
VictoriaMetrics, one scraping them every 15 s, one scraping node_exporter every 30 s.
After ``--duration`` seconds each Prometheus writes its head into a block (admin API
snapshot), whose index and chunk sizes and sample count give bytes per sample and per
series; VictoriaMetrics reports its own storage size for the 30 s data after a flush.
Bytes per agent per day = chunk bytes per sample x samples per day + index bytes per
series x series x blocks per day (Prometheus compacts 2 h blocks up to 10 % of the
retention; 18 h blocks with the default 15 d, so 24/18 index copies a day).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    Server,
    free_port,
    loadavg_1m,
    netwatch_next_to_python,
    save_json,
    signals_as_interrupt,
    start,
    stop,
    tool_version,
    wait_ready,
)
from _tsdb import (
    PROMETHEUS,
    VICTORIA_VERSION,
    api,
    block_stats,
    http_get,
    prometheus_config,
    start_prometheus,
    start_victoria,
    victoria_storage,
)

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
INDEX_COPIES_PER_DAY = 24 / 18


def start_agents(count: int, work: Path) -> list[Server]:
    """``count`` agents with the embedded defaults, once each answers /metrics."""
    agents = []
    for n in range(count):
        port = free_port()
        agent = Server(f"netwatch-{n}", [netwatch_next_to_python(), "serve", "--listen",
                                         f"{HOST}:{port}"], port)  # fmt: skip
        start(agent, work)
        agents.append(agent)
    for agent in agents:
        wait_ready(agent, partial(answers, f"http://{HOST}:{agent.port}/metrics"))
    return agents


def answers(url: str) -> str | None:
    """None once ``url`` answers (readiness poll)."""
    return None if http_get(url, 5) else "no reply"


def snapshot(url: str, data: Path) -> dict[str, int]:
    """Write the head into a block (admin API) and return its stats."""
    name = api(url, "/api/v1/admin/tsdb/snapshot", {})["name"]
    [block] = [p for p in (data / "snapshots" / name).iterdir() if p.is_dir()]
    return block_stats(block)


def per_day(stats: dict[str, int], interval: float, hosts: int) -> dict[str, float]:
    """Bytes per sample and per host per day from one snapshot block."""
    series_per_host = stats["series"] / hosts
    samples_per_day = series_per_host * 86400 / interval
    chunk_per_sample = stats["chunk_bytes"] / stats["samples"]
    index_per_series = stats["index_bytes"] / stats["series"]
    return {
        "series_per_host": series_per_host,
        "bytes_per_sample_all": stats["total_bytes"] / stats["samples"],
        "chunk_bytes_per_sample": chunk_per_sample,
        "index_bytes_per_series": index_per_series,
        "mb_per_host_day": (chunk_per_sample * samples_per_day
                            + index_per_series * series_per_host * INDEX_COPIES_PER_DAY) / 1e6,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=4, help="agents to run (4)")
    parser.add_argument("--duration", type=float, default=1500, help="seconds of scraping")
    parser.add_argument("--json-file", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    servers: list[Server] = []
    results: dict[str, Any] = {"load_1m_before": loadavg_1m(), "agents": args.agents,
                               "duration_s": args.duration,
                               "prometheus": tool_version([PROMETHEUS, "--version"]),
                               "victoria_metrics": tool_version(VICTORIA_VERSION)}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch, signals_as_interrupt():
        work = Path(scratch)
        try:
            agents = start_agents(args.agents, work)
            servers += agents
            node_port = free_port()
            node = Server("node_exporter", [NODE_EXPORTER, f"--web.listen-address={HOST}:"
                                            f"{node_port}"], node_port)  # fmt: skip
            start(node, work)
            servers.append(node)
            vm, vm_url = start_victoria("vm", work)
            servers.append(vm)
            targets = [f"{HOST}:{a.port}" for a in agents]
            job = {"job_name": "netwatch", "static_configs": [{"targets": targets}]}
            setups = {
                "netwatch_30s": (job, "30s", f"{vm_url}/api/v1/write", 30.0, args.agents),
                "netwatch_15s": (job, "15s", None, 15.0, args.agents),
                "node_exporter_30s": ({"job_name": "node", "static_configs": [
                    {"targets": [f"{HOST}:{node.port}"]}]}, "30s", None, 30.0, 1),
            }  # fmt: skip
            proms = {}
            for name, (scrape, interval, write, _, _) in setups.items():
                server, url = start_prometheus(name, prometheus_config([scrape], interval, write),
                                               work)  # fmt: skip
                servers.append(server)
                proms[name] = url
            time.sleep(args.duration)
            for name, (_, _, _, seconds, hosts) in setups.items():
                up = api(proms[name], "/api/v1/query", {"query": "min(up)"})["result"]
                stats = snapshot(proms[name], work / name / "data")
                results[name] = {**stats, "min_up": up[0]["value"][1] if up else None,
                                 **per_day(stats, seconds, hosts)}  # fmt: skip
            time.sleep(35)  # the last remote_write batch
            vm_stats = victoria_storage(vm_url)
            vm_stats["bytes_per_sample"] = (vm_stats["data_bytes"] + vm_stats["index_bytes"]) / max(
                vm_stats["rows"], 1)  # fmt: skip
            vm_stats["mb_per_host_day"] = (vm_stats["bytes_per_sample"]
                                           * results["netwatch_30s"]["series_per_host"]
                                           * 2880 / 1e6)  # fmt: skip
            results["victoria_metrics_30s"] = vm_stats
        finally:
            for server in reversed(servers):
                stop(server)
    results["load_1m_after"] = loadavg_1m()
    print(json.dumps(results, indent=2))
    save_json(results, args.json_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
