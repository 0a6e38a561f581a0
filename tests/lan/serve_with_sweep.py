"""Run the netwatch CLI with the lan collector fed by a recorded sweep (tests only).

``python -m tests.lan.serve_with_sweep serve ...``: each sweep re-reads the JSON
file named by ``NETWATCH_TEST_SWEEP`` (``{"method", "subnets", "observations":
[{"ip", "mac"}]}``), and agent checks connect to 127.0.0.1 only, so nothing
leaves loopback whatever IPs the recording holds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import netwatch.collectors.lan as lan_collector
from netwatch.cli.app import main
from netwatch.lan.model import Observation, SweepResult
from netwatch.lan.sd import agents_listening


def recorded_sweep(settings: lan_collector.LanSettings) -> SweepResult:
    data = json.loads(Path(os.environ["NETWATCH_TEST_SWEEP"]).read_text())
    now = time.time()
    observations = tuple(
        Observation(item["ip"], item["mac"], "lan0", now, data["method"])
        for item in data["observations"]
    )
    notes = tuple(data.get("notes", ()))
    return SweepResult(observations, tuple(data["subnets"]), ("lan0",), data["method"], now,
                       0.25, notes)  # fmt: skip


def loopback_agents(ips: Iterable[str], port: int) -> set[str]:
    return agents_listening([ip for ip in ips if ip == "127.0.0.1"], port)


if __name__ == "__main__":
    lan_collector.sweep_configured = recorded_sweep
    lan_collector.agents_listening = loopback_agents
    sys.argv = ["netwatch", *sys.argv[1:]]
    main()
