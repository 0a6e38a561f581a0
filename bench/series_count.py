"""Series per agent: the embedded defaults, and with N services to probe (issue 13).

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/series_count.py --services 10

Starts ``netwatch serve`` twice on loopback: once with the embedded defaults, once with
``--services`` services of mixed kinds (HTTP, TCP, TLS, DNS, ICMP) against servers this
script starts on 127.0.0.1 (an HTTP server answering 200; DNS to a closed port, so its
service fails). It waits for the first posture run and for every service's first
probe, scrapes ``/metrics`` once and prints the number of series (sample lines) by
metric family prefix, as a markdown table. node_exporter's default count is printed
beside it when Debian's prometheus-node-exporter is installed.
"""

from __future__ import annotations

import argparse
import http.server
import shutil
import sys
import tempfile
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import (
    HOST,
    Server,
    free_port,
    netwatch_next_to_python,
    start,
    stop,
    wait_ready,
)

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
KINDS = ("http", "tcp", "tls", "dns", "icmp")


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        """Quiet."""


@contextmanager
def http_target() -> Iterator[int]:
    """An HTTP server on loopback answering 200; yields its port."""
    server = http.server.ThreadingHTTPServer((HOST, 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def services_yaml(count: int, http_port: int, closed_port: int) -> str:
    """``count`` services cycling through KINDS, every 10 s."""
    targets = {
        "http": f"http://{HOST}:{http_port}/",
        "tcp": f"{HOST}:{http_port}",
        "tls": f"{HOST}:{closed_port}",
        "dns": f"{HOST}:{closed_port}",
        "icmp": HOST,
    }
    lines = ["services:"]
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        lines += [f"  - name: svc-{n}", f"    prober: {kind}", f"    target: {targets[kind]}",
                  "    interval: 10s"]  # fmt: skip
        if kind == "dns":
            lines += ["    dns:", "      query_name: example.org"]
    return "\n".join(lines) + "\n"


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=10) as reply:
        return str(reply.read().decode("utf-8"))


def series_by_family(text: str) -> Counter[str]:
    """Sample lines per family prefix (netwatch_probe, netwatch_posture, ...)."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{", 1)[0].split(" ", 1)[0]
            counts["_".join(name.split("_")[:2])] += 1
    return counts


def agent_series(config: Path | None, services: int, work: Path) -> Counter[str]:
    """Series of one agent once posture ran and every service was probed."""
    port = free_port()
    argv = [netwatch_next_to_python(), "serve", "--listen", f"{HOST}:{port}"]
    if config is not None:
        argv += ["--config", str(config)]
    agent = Server(f"netwatch-{services}", argv, port)
    start(agent, work)
    try:

        def ready() -> object:
            text = scrape(port)
            probed = text.count("netwatch_probe_last_run_timestamp_seconds{")
            if "netwatch_posture_score_ratio" not in text or probed < services:
                return f"posture or {services - probed} services not run yet"
            return None

        wait_ready(agent, ready, timeout=240)
        return series_by_family(scrape(port))
    finally:
        stop(agent)


def node_exporter_series(work: Path) -> int | None:
    if not shutil.which(NODE_EXPORTER):
        return None
    port = free_port()
    node = Server("node_exporter", [NODE_EXPORTER, f"--web.listen-address={HOST}:{port}"], port)
    start(node, work)
    try:
        wait_ready(node, lambda: None if scrape(port) else "no reply")
        return sum(series_by_family(scrape(port)).values())
    finally:
        stop(node)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10, help="services to probe (10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, http_target() as http_port:
        work = Path(scratch)
        config = work / "services.yaml"
        config.write_text(services_yaml(args.services, http_port, free_port()))
        defaults = agent_series(None, 0, work)
        with_services = agent_series(config, args.services, work)
        node = node_exporter_series(work)
    families = sorted(set(defaults) | set(with_services))
    print(f"| series | defaults | {args.services} services |")
    print("|---|---:|---:|")
    for family in families:
        print(f"| {family}_* | {defaults[family]} | {with_services[family]} |")
    print(f"| **total** | **{sum(defaults.values())}** | **{sum(with_services.values())}** |")
    if node is not None:
        print(f"\nnode_exporter, default collectors: {node} series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
