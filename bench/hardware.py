"""How long the hardware reading takes: on this machine and on the four fixture machines.

    .venv/bin/python bench/hardware.py [--runs 50]

Times ``read_hardware`` (the daily collector's and the inventory's reader) on this host's
real ``/sys``, and ``linux_hardware`` on each fixture tree (tests/fixtures/sys: desktop,
laptop, server, VM), and prints the median and the slowest run in milliseconds as a
markdown table. The Windows reader is timed in the Windows lab (bench/windows_lab.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netwatch.assets.collect import read_hardware  # noqa: E402
from netwatch.assets.linux import linux_hardware  # noqa: E402
from netwatch.facts.host import host_facts  # noqa: E402
from netwatch.hostaccess import FileReader, HostAccess  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "sys"


def timed(read: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, slowest) milliseconds of ``runs`` calls."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        read()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    cases: dict[str, Callable[[], object]] = {
        "this machine (read_hardware, /sys)": lambda: read_hardware(host_facts(HostAccess()))
    }
    for machine in sorted(p.name for p in FIXTURES.iterdir()):
        cases[f"fixture {machine}"] = lambda m=machine: linux_hardware(FileReader(FIXTURES / m))
    print(f"| reading | median ms | slowest ms ({runs} runs) |\n| --- | ---: | ---: |")
    for name, read in cases.items():
        median, slowest = timed(read, runs)
        print(f"| {name} | {median:.2f} | {slowest:.2f} |")


if __name__ == "__main__":
    main()
