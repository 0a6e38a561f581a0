"""Windows lab figures: one posture run per recorded host, and the agent's RSS on Windows Python.

    .venv/bin/python -m tests.winlab.build        # once (tests/run.sh also does it)
    .venv/bin/python bench/windows_lab.py [--rounds 3]

For each recorded Windows host: wall time of ``netwatch posture --format json`` run by
the official Windows CPython 3.13 under Wine (process start included) and the number of
``powershell.exe`` launches it made (the stand-in counts them). Then ``netwatch serve``
under Windows Python and under Linux Python, side by side: RSS after start-up and after
20 scrapes, as the kernel counts it (/proc, the Wine process includes Wine's own DLLs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from tests.winlab.build import build, default_cache, wine_env  # noqa: E402
from tests.winlab.lab import WinLab, windows_path  # noqa: E402

HOSTS = ("windows-hardened", "windows-weak", "windows-weak-vi")
CONFIG = "services: []\ncollectors:\n  posture:\n    interval: 1h\n"
SCRAPES = 20


def posture_rounds(lab: WinLab, rounds: int) -> list[tuple[str, float, float, float, int]]:
    """Per host: min, median and max wall seconds and PowerShell launches per run."""
    rows = []
    for host in HOSTS:
        lab.prefix(host)
        times, launches = [], []
        for _ in range(rounds):
            before = lab.launches(host)
            started = time.perf_counter()
            result = lab.netwatch("posture", "--format", "json", host=host)
            times.append(time.perf_counter() - started)
            launches.append(lab.launches(host) - before)
            if result.returncode not in (0, 1):
                raise SystemExit(result.stderr.decode("utf-8", "replace"))
        rows.append((host, min(times), statistics.median(times), max(times), max(launches)))
    return rows


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _anonymous_mb(pid: int) -> float:
    """RssAnon of /proc/PID/status in MB: heap and stacks, not mapped program files."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_rss(argv: list[str], env: dict[str, str], port: int) -> tuple[float, float, float]:
    """RSS in MB once /metrics has the posture score and after SCRAPES more scrapes, and
    the anonymous part of the latter."""
    import subprocess

    agent = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                    if b"netwatch_posture_score_ratio " in r.read():
                        break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the agent did not serve the posture score")
        process = psutil.Process(agent.pid)
        ready = process.memory_info().rss / 2**20
        for _ in range(SCRAPES):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                r.read()
        return ready, process.memory_info().rss / 2**20, _anonymous_mb(agent.pid)
    finally:
        agent.terminate()
        agent.communicate(timeout=30)


def bare_rss(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """RSS and its anonymous part, in MB, of a bare interpreter that only sleeps."""
    import subprocess

    sleeper = subprocess.Popen([*argv, "-c", "import time; time.sleep(30)"], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)  # fmt: skip
    try:
        time.sleep(6)
        rss = float(psutil.Process(sleeper.pid).memory_info().rss / 2**20)
        return rss, _anonymous_mb(sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.communicate(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    lab_root = build(default_cache())
    with tempfile.TemporaryDirectory() as work:
        lab = WinLab(lab_root, Path(work))
        try:
            rows = posture_rounds(lab, rounds)
            config = Path(work) / "netwatch.yaml"
            config.write_text(CONFIG, encoding="utf-8")
            port = _free_port()
            replay = windows_path(lab.replay_folder("windows-hardened"))
            windows_env = {**wine_env(lab.prefix("windows-hardened")),
                           "NETWATCH_PS_REPLAY": replay,
                           "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}  # fmt: skip
            windows = serve_rss(["wine", str(lab.python), "-m", "netwatch", "serve", "-c",
                                 windows_path(config), "--listen", f"127.0.0.1:{port}"],
                                windows_env, port)  # fmt: skip
            port = _free_port()
            linux_argv = [sys.executable, "-m", "netwatch", "serve", "-c", str(config),
                          "--listen", f"127.0.0.1:{port}"]  # fmt: skip
            linux = serve_rss(linux_argv, dict(os.environ), port)
            bare_windows = bare_rss(["wine", str(lab.python)], windows_env)
            bare_linux = bare_rss([sys.executable], dict(os.environ))
        finally:
            lab.stop()
    print(f"posture runs on Windows Python under Wine ({rounds} rounds each)")
    print(f"{'host':<18} {'min s':>7} {'median s':>9} {'max s':>7} {'launches':>9}")
    for host, low, mid, high, launches in rows:
        print(f"{host:<18} {low:7.2f} {mid:9.2f} {high:7.2f} {launches:9d}")
    print(f"\nnetwatch serve RSS (MB)   ready   after {SCRAPES} scrapes   of it anonymous")
    print(f"Windows Python (Wine)  {windows[0]:7.1f} {windows[1]:9.1f} {windows[2]:18.1f}")
    print(f"Linux Python           {linux[0]:7.1f} {linux[1]:9.1f} {linux[2]:18.1f}")
    print(f"difference             {windows[0] - linux[0]:+7.1f} {windows[1] - linux[1]:+9.1f} "
          f"{windows[2] - linux[2]:+18.1f}")  # fmt: skip
    print(f"\nbare interpreter RSS (MB): Windows Python (Wine) {bare_windows[0]:.1f} "
          f"(anonymous {bare_windows[1]:.1f}), Linux Python {bare_linux[0]:.1f} "
          f"(anonymous {bare_linux[1]:.1f})")  # fmt: skip
    own_windows, own_linux = windows[1] - bare_windows[0], linux[1] - bare_linux[0]
    print(f"netwatch over its interpreter (MB): Windows {own_windows:.1f}, Linux {own_linux:.1f}, "
          f"difference {own_windows - own_linux:+.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
