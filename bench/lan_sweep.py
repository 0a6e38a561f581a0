#!/usr/bin/env python3
"""Benchmark: netwatch's ARP sweep against Debian's arp-scan and nmap -sn, in one namespace LAN.

Builds the lab of ``tests/lan/netns_lab.py`` twice (needs root, ``ip netns``):

- a /24 (198.18.0.0/24) with 60 live hosts at .10 to .69;
- a /22 (198.18.0.0/22) with the same 60 hosts spread evenly over its 1022 addresses.

In each, from the scanner namespace (interface ``lan0``), it runs in turn, ``--rounds``
times, rotating the order every round:

- netwatch, one-shot: ``python -m netwatch.lan.sweep CIDR --interface lan0``
  (netwatch's defaults: 2ms interval, 2 requests per silent address, 500ms
  timeout, backoff 1.5), timed from process start to exit;
- netwatch, as the agent runs it: ``sweep()`` called in a Python process that has
  already swept once (scapy imported, as in the agent's collector after its
  first run), timed around the call;
- ``arp-scan --interface lan0 CIDR`` (its defaults: the same pacing and retries);
- ``nmap -sn -n CIDR`` (ARP ping on a local Ethernet; ``-n``: no DNS).

It reports the median wall time of each, netwatch's own ``SweepResult.duration``
(socket opening, with the scapy import in the one-shot case, to result), and how
many of the 60 hosts each found with the right MAC (plus anything else it
reported). Nothing is sent from the root namespace: every tool runs inside the
scanner namespace.

Usage::

    sudo python bench/lan_sweep.py [--rounds 5] [--json]

This is a benchmark, not a test: it asserts nothing and only prints figures.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import platform
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import median_min_max, tool_version  # noqa: E402

from tests.lan.netns_lab import SCANNER_INTERFACE, Lab  # noqa: E402

HOSTS = 60
_LINE = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+([0-9a-f:]{17})\s", re.MULTILINE)
_NMAP_HOST = re.compile(
    r"Nmap scan report for (\S+)\nHost is up[^\n]*\n(?:MAC Address: ([0-9A-F:]{17}))?"
)


@dataclass
class Runs:
    """Measurements of one tool on one network."""

    tool: str
    command: str
    walls: list[float] = field(default_factory=list)
    sweeps: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        wall_median, wall_min, wall_max = median_min_max(self.walls)
        return {
            "tool": self.tool,
            "command": self.command,
            "wall_median_s": round(wall_median, 3),
            "wall_min_s": round(wall_min, 3),
            "wall_max_s": round(wall_max, 3),
            "sweep_median_s": round(statistics.median(self.sweeps), 3) if self.sweeps else None,
            "found_min": min(self.found),
            "found_max": max(self.found),
            "extra_max": max(self.extra),
        }


def parse_netwatch(stdout: str) -> tuple[set[tuple[str, str]], float]:
    result = json.loads(stdout)
    pairs = {(seen["ip"], seen["mac"]) for seen in result["observations"]}
    return pairs, float(result["duration"])


def parse_arp_scan(stdout: str) -> set[tuple[str, str]]:
    return set(_LINE.findall(stdout))


def parse_nmap(stdout: str, scanner_ip: str) -> set[tuple[str, str]]:
    return {(ip, (mac or "").lower()) for ip, mac in _NMAP_HOST.findall(stdout) if ip != scanner_ip}


WARM = """
import json, sys, time
from netwatch.lan.settings import SweepSettings
from netwatch.lan.sweep import sweep
from netwatch.lan.targets import choose_networks
networks = choose_networks([sys.argv[1]], sys.argv[2])
sweep(networks, SweepSettings())
start = time.monotonic()
result = sweep(networks, SweepSettings())
wall = time.monotonic() - start
seen = [{"ip": o.ip, "mac": o.mac} for o in result.observations]
print(json.dumps({"observations": seen, "duration": result.duration, "wall": wall}))
"""


def commands(cidr: str) -> dict[str, list[str]]:
    return {
        "netwatch (one-shot)": [
            sys.executable, "-m", "netwatch.lan.sweep", cidr, "--interface", SCANNER_INTERFACE,
        ],
        "netwatch (agent, warm)": [sys.executable, "-c", WARM, cidr, SCANNER_INTERFACE],
        "arp-scan": ["arp-scan", "--interface", SCANNER_INTERFACE, cidr],
        "nmap -sn": ["nmap", "-sn", "-n", cidr],
    }  # fmt: skip


def display(tool: str, argv: list[str]) -> str:
    if "warm" in tool:
        return "sweep(choose_networks([CIDR], 'lan0'), SweepSettings()), second call in a process"
    return " ".join(argv).replace(sys.executable, "python")


def measure(lab: Lab, cidr: str, rounds: int) -> list[Runs]:
    expected = {(host.ip, host.mac) for host in lab.hosts}
    argvs = commands(cidr)
    runs = {tool: Runs(tool, display(tool, argv)) for tool, argv in argvs.items()}
    tools = list(argvs)
    for round_number in range(rounds):
        order = tools[round_number % len(tools) :] + tools[: round_number % len(tools)]
        for tool in order:
            start = time.monotonic()
            done = lab.run_in_scanner(argvs[tool], timeout=600)
            wall = time.monotonic() - start
            if done.returncode:
                raise SystemExit(f"{tool} failed ({done.returncode}): {done.stderr[-2000:]}")
            if tool.startswith("netwatch"):
                pairs, sweep = parse_netwatch(done.stdout)
                runs[tool].sweeps.append(sweep)
                if "warm" in tool:
                    wall = json.loads(done.stdout)["wall"]
            elif tool == "arp-scan":
                pairs = parse_arp_scan(done.stdout)
            else:
                pairs = parse_nmap(done.stdout, lab.scanner_ip)
            runs[tool].walls.append(wall)
            runs[tool].found.append(len(pairs & expected))
            runs[tool].extra.append(len(pairs - expected))
    return list(runs.values())


def spread(network: ipaddress.IPv4Network, count: int) -> list[str]:
    """``count`` addresses evenly spread over the usable addresses, skipping .0-.9."""
    usable = [ip for ip in network.hosts() if int(ip) - int(network.network_address) >= 10]
    step = len(usable) / count
    return [str(usable[int(i * step)]) for i in range(count)]


def versions() -> dict[str, str]:
    import scapy

    return {
        "python": platform.python_version(),
        "scapy": scapy.__version__,
        "arp-scan": tool_version(["arp-scan", "--version"]),
        "nmap": tool_version(["nmap", "--version"]),
        "kernel": platform.release(),
    }


def table(results: dict[str, list[Runs]]) -> str:
    lines = [
        "| Network | Tool | Wall median (s) | Wall min–max (s) | Sweep median (s) "
        f"| Hosts found (of {HOSTS}) | Other replies |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for network, runs in results.items():
        for run in runs:
            s = run.summary()
            found = (f"{s['found_min']}" if s["found_min"] == s["found_max"]
                     else f"{s['found_min']}–{s['found_max']}")  # fmt: skip
            sweep = f"{s['sweep_median_s']:.3f}" if s["sweep_median_s"] is not None else "—"
            lines.append(
                f"| {network} | {run.tool} | {s['wall_median_s']:.3f} "
                f"| {s['wall_min_s']:.3f}–{s['wall_max_s']:.3f} | {sweep} | {found} "
                f"| {s['extra_max']} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, list[Runs]] = {}
    with Lab(hosts=HOSTS, network="198.18.0.0/24", prefix="nwbench") as lab:
        results["/24"] = measure(lab, "198.18.0.0/24", args.rounds)
    network = ipaddress.IPv4Network("198.18.0.0/22")
    with Lab(network=str(network), prefix="nwbench", host_ips=spread(network, HOSTS)) as lab:
        results["/22"] = measure(lab, str(network), args.rounds)
    if args.json:
        print(json.dumps({
            "versions": versions(),
            "rounds": args.rounds,
            "results": {net: [run.summary() | {"raw": asdict(run)} for run in runs]
                        for net, runs in results.items()},
        }, indent=2))  # fmt: skip
    else:
        print(json.dumps(versions()))
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
