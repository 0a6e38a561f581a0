"""Series per agent: the embedded defaults, with N services, with LAN on a /24 (issue 13).

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/series_count.py --services 10 --lan-devices 250

Starts ``netwatch serve`` twice on loopback: once with the embedded defaults, once with
``--services`` services of mixed kinds (HTTP, TCP, TLS, DNS, ICMP) against servers this
script starts on 127.0.0.1 (an HTTP server answering 200; DNS to a closed port, so its
service fails). It waits for the first posture run and for every service's first
probe, scrapes ``/metrics`` once and prints the number of series (sample lines) by
metric family prefix, as a markdown table. node_exporter's default count is printed
beside it when Debian's prometheus-node-exporter is installed.

With ``--lan-devices N`` a third agent runs the defaults plus the lan collector, fed by a
recorded sweep of a /24 (``tests/lan/serve_with_sweep.py``; nothing is sent): N devices,
all in the known-devices file but ``--unknown`` of them, and one IP answered by two MACs
(a conflict). ``--save DIR`` keeps each agent's scrape (``defaults.prom``,
``services.prom``, ``lan.prom``) for ``bench/office_wall.py``.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import sys
import tempfile
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
    serving,
    start,
    stop,
    wait_ready,
)

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
KINDS = ("http", "tcp", "tls", "dns", "icmp")
SERVE_WITH_SWEEP = Path(__file__).resolve().parents[1] / "tests" / "lan" / "serve_with_sweep.py"
LAN_SUBNET = "10.20.30"
# MAC prefixes of common office equipment (PCs, printers, switches, phones, cameras).
OUIS = ("00:1b:21", "3c:52:82", "00:1e:0b", "a4:5d:36", "00:17:c8", "b8:27:eb", "00:0c:29",
        "f4:8e:38", "00:26:73", "e4:54:e8")  # fmt: skip


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
    with serving(server) as port:
        yield port


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


def lan_files(work: Path, devices: int, unknown: int) -> tuple[Path, Path]:
    """A recorded sweep of ``devices`` devices on a /24 plus a conflict (one more MAC on the
    first device's IP), and a known-devices file missing the last ``unknown``."""
    pairs = [(f"{LAN_SUBNET}.{n + 2}", f"{OUIS[n % len(OUIS)]}:{n // 256:02x}:{n % 256:02x}:01")
             for n in range(devices)]  # fmt: skip
    sweep = work / "sweep.json"
    observations = [{"ip": ip, "mac": mac} for ip, mac in pairs]
    observations.append({"ip": pairs[0][0], "mac": "02:00:ba:d0:00:01"})
    sweep.write_text(json.dumps({"method": "arp", "subnets": [f"{LAN_SUBNET}.0/24"],
                                 "observations": observations}))  # fmt: skip
    lines = ["devices:"]
    for ip, mac in pairs[: devices - unknown]:
        lines += [f'  - mac: "{mac}"', f"    name: host-{ip.rsplit('.', 1)[1]}",
                  "    kind: desktop"]  # fmt: skip
    known = work / "devices.yaml"
    known.write_text("\n".join(lines) + "\n")
    return sweep, known


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


def agent_scrape(
    name: str, config: Path | None, services: int, work: Path, sweep: Path | None = None
) -> str:
    """One scrape of an agent once posture ran, every service was probed and, with a
    recorded ``sweep``, the lan collector swept."""
    port = free_port()
    command = [sys.executable, str(SERVE_WITH_SWEEP)] if sweep else [netwatch_next_to_python()]
    argv = [*command, "serve", "--listen", f"{HOST}:{port}"]
    if config is not None:
        argv += ["--config", str(config)]
    agent = Server(name, argv, port)
    if sweep is not None:
        os.environ["NETWATCH_TEST_SWEEP"] = str(sweep)  # read by the child
    start(agent, work)
    try:

        def ready() -> object:
            text = scrape(port)
            probed = text.count("netwatch_probe_last_run_timestamp_seconds{")
            if "netwatch_posture_score_ratio" not in text or probed < services:
                return f"posture or {services - probed} services not run yet"
            if sweep is not None and "netwatch_lan_device_info{" not in text:
                return "no sweep yet"
            return None

        wait_ready(agent, ready, timeout=240)
        return scrape(port)
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
    parser.add_argument("--lan-devices", type=int, default=0,
                        help="also an agent with the lan collector on a /24 of this many "
                        "recorded devices (0: no)")  # fmt: skip
    parser.add_argument("--unknown", type=int, default=4, help="unknown LAN devices (4)")
    parser.add_argument("--save", type=Path, help="directory to keep each agent's scrape in")
    args = parser.parse_args()
    scrapes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch, http_target() as http_port:
        work = Path(scratch)
        config = work / "services.yaml"
        config.write_text(services_yaml(args.services, http_port, free_port()))
        scrapes["defaults"] = agent_scrape("netwatch-defaults", None, 0, work)
        scrapes["services"] = agent_scrape("netwatch-services", config, args.services, work)
        if args.lan_devices:
            sweep, known = lan_files(work, args.lan_devices, args.unknown)
            lan_config = work / "lan.yaml"
            lan_config.write_text(f"collectors:\n  lan:\n    enabled: true\n    interval: 5s\n"
                                  f"    known_devices: {known}\n"
                                  f"    state_file: {work / 'lan-state.json'}\n")  # fmt: skip
            scrapes["lan"] = agent_scrape("netwatch-lan", lan_config, 0, work, sweep)
        node = node_exporter_series(work)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for name, text in scrapes.items():
            (args.save / f"{name}.prom").write_text(text)
    counts = {name: series_by_family(text) for name, text in scrapes.items()}
    titles = {"defaults": "defaults", "services": f"{args.services} services",
              "lan": f"defaults + LAN, {args.lan_devices} devices"}  # fmt: skip
    families = sorted(set().union(*counts.values()))
    print("| series | " + " | ".join(titles[name] for name in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for family in families:
        print(f"| {family}_* | " + " | ".join(str(c[family]) for c in counts.values()) + " |")
    print("| **total** | " + " | ".join(f"**{sum(c.values())}**" for c in counts.values()) + " |")
    if node is not None:
        print(f"\nnode_exporter, default collectors: {node} series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
