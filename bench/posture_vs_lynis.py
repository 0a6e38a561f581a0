#!/usr/bin/env python3
"""Benchmark: all checks of ``netwatch posture`` against Debian's ``lynis audit system --quick``.

Runs both tools on this machine in one session, alternating (ABBA order, so neither
always runs on a warmer page cache), ``--rounds`` times each, and reports per tool:

- median wall time;
- median CPU seconds: user + system of the tool and all of its descendants, from
  ``getrusage(RUSAGE_CHILDREN)`` deltas;
- the ratio lynis / netwatch;
- forks (processes and threads) started during each run, from the ``processes``
  counter of /proc/stat, so system-wide;
- how many checks each tool ran (netwatch: results in its JSON; lynis:
  ``tests_executed`` in its report file, cross-checked against "Tests performed");
- lynis's warnings and suggestions.

Both tools only read the machine:

- netwatch runs ``netwatch posture --format json`` (built-in baseline policy).
- lynis runs with ``--no-log`` (log to /dev/null), ``--report-file`` in a temporary
  directory (not /var/log/lynis-report.dat) and an extra profile that sets
  ``refresh-repositories=no``; without it lynis runs ``apt-get update`` as root
  (test PKGS-7392), which rewrites /var/lib/apt/lists. lynis still creates and
  deletes its PID file /var/run/lynis.pid and temporary files /tmp/lynis.*.

Each run gets a timeout (lynis: 10 minutes); a run that hits it is recorded as hung
and its whole process group gets SIGTERM (lynis then removes its PID and temporary
files), then SIGKILL after 5 s. Children are always killed on exit, including on
Ctrl-C and SIGTERM.

Usage::

    python bench/posture_vs_lynis.py [--rounds 3] [--json] [--keep DIR]

This is a benchmark, not a test: it asserts nothing and only prints figures.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import psutil
from _common import (
    comparison_table,
    loadavg_1m,
    median_min_max,
    netwatch_on_path,
    ratio,
    signals_as_interrupt,
    tool_version,
)

LYNIS = "/usr/sbin/lynis"
LYNIS_PIDFILE = Path("/var/run/lynis.pid")
LYNIS_TIMEOUT = 600.0
NETWATCH_TIMEOUT = 300.0
KILL_GRACE = 5.0
PR_SET_CHILD_SUBREAPER = 36
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TESTS_PERFORMED = re.compile(r"Tests performed\s*:\s*(\d+)")
HARDENING_INDEX = re.compile(r"Hardening index\s*:\s*(\d+)")


@dataclass
class Run:
    """One timed run of one tool."""

    tool: str
    round: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    returncode: int | None
    hung: bool
    forks: int | None
    checks: int | None = None
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        """User + system CPU seconds of the tool and its descendants."""
        return self.cpu_user_s + self.cpu_sys_s


@dataclass
class Summary:
    """Medians of one tool's runs, as printed and as JSON."""

    tool: str
    runs: int
    hung: int
    wall_median_s: float
    wall_min_s: float
    wall_max_s: float
    cpu_median_s: float
    cpu_user_median_s: float
    cpu_sys_median_s: float
    forks_median: float | None
    checks: int | None


@dataclass
class Tool:
    """A command under test: how to run it and how to read its result."""

    name: str
    argv: list[str]
    timeout: float
    ok_codes: tuple[int, ...]
    parse: Callable[[Path, Path], tuple[int | None, dict[str, object]]]


def set_subreaper() -> bool:
    """Adopt orphaned descendants (Linux prctl), so their CPU is counted and none is left."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def forks_since_boot() -> int | None:
    """The ``processes`` counter of /proc/stat: forks (processes and threads) since boot."""
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("processes "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def difference(before: int | None, after: int | None) -> int | None:
    """``after - before``, or None when either reading is missing."""
    return None if before is None or after is None else after - before


def kill_group(pgid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal every process left in the process group (the tool runs in its own session)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_hung(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group first (lynis traps it and deletes its PID and temp files), then KILL."""
    kill_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(KILL_GRACE)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        proc.wait(KILL_GRACE)


def kill_descendants() -> None:
    """SIGKILL any child of this process (including adopted orphans) and reap it."""
    for child in psutil.Process().children(recursive=True):
        with suppress(psutil.NoSuchProcess):
            child.kill()
    reap_orphans(wait=KILL_GRACE)


def reap_orphans(wait: float = 0.0) -> None:
    """Reap adopted descendants that have exited (their CPU then lands in RUSAGE_CHILDREN)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.05)


def run_once(tool: Tool, round_no: int, workdir: Path) -> Run:
    """Run ``tool`` to completion (or its timeout) and measure wall time and CPU."""
    stdout_path, stderr_path = workdir / f"{tool.name}.out", workdir / f"{tool.name}.err"
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    forks_before = forks_since_boot()
    hung = False
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            tool.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            cwd=workdir, start_new_session=True,
        )  # fmt: skip
        try:
            try:
                proc.wait(tool.timeout)
            except subprocess.TimeoutExpired:
                hung = True
                stop_hung(proc)
            wall = time.perf_counter() - start
        finally:
            kill_group(proc.pid)  # stragglers a tool left behind in its group
            if proc.poll() is None:
                proc.kill()
                proc.wait(KILL_GRACE)
            reap_orphans(wait=0.2)
    forks_after = forks_since_boot()
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = Run(
        tool=tool.name,
        round=round_no,
        wall_s=wall,
        cpu_user_s=usage_after.ru_utime - usage_before.ru_utime,
        cpu_sys_s=usage_after.ru_stime - usage_before.ru_stime,
        returncode=proc.returncode,
        hung=hung,
        forks=difference(forks_before, forks_after),
    )
    if hung:
        result.detail["error"] = f"no exit within {tool.timeout:g}s; process group stopped"
        if tool.name == "lynis":
            remove_stale_pidfile(proc.pid)
    elif proc.returncode not in tool.ok_codes:
        tail = stderr_path.read_text(errors="replace").strip().splitlines()[-3:]
        result.detail["error"] = f"exit code {proc.returncode}: {' | '.join(tail)}"
    else:
        result.checks, result.detail = tool.parse(stdout_path, workdir)
    return result


def remove_stale_pidfile(pid: int) -> None:
    """Delete /var/run/lynis.pid only if it names the lynis run this script killed."""
    try:
        if LYNIS_PIDFILE.read_text().strip() == str(pid):
            LYNIS_PIDFILE.unlink()
    except OSError:
        pass


def parse_netwatch(stdout: Path, workdir: Path) -> tuple[int | None, dict[str, object]]:
    """Number of check results and counts per result from ``netwatch posture --format json``."""
    document = json.loads(stdout.read_text())
    results = document["results"]
    counts = Counter(r["result"] for r in results)
    failed = sorted(r["id"] for r in results if r["result"] == "fail")
    return len(results), {"counts": dict(counts), "failed": failed,
                          "score": document["score"]["value"]}  # fmt: skip


def parse_lynis(stdout: Path, workdir: Path) -> tuple[int | None, dict[str, object]]:
    """Tests executed/skipped, warnings and suggestions from lynis's report file and screen."""
    report = (workdir / "lynis-report.dat").read_text(errors="replace")
    screen = ANSI.sub("", stdout.read_text(errors="replace"))
    values: dict[str, str] = {}
    findings: dict[str, list[dict[str, str]]] = {"warning": [], "suggestion": []}
    for line in report.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key in ("warning[]", "suggestion[]"):
            test_id, _, rest = value.partition("|")
            findings[key[:-2]].append({"id": test_id, "text": rest.split("|")[0]})
        else:
            values[key] = value
    executed = [t for t in values.get("tests_executed", "").split("|") if t]
    skipped = [t for t in values.get("tests_skipped", "").split("|") if t]
    performed = TESTS_PERFORMED.search(screen)
    hardening = HARDENING_INDEX.search(screen)
    return len(executed), {
        "tests_performed_screen": int(performed.group(1)) if performed else None,
        "tests_skipped": len(skipped),
        "hardening_index": int(hardening.group(1)) if hardening else None,
        "exceptions": screen.count("Exception found!"),
        "warnings": findings["warning"],
        "suggestions": findings["suggestion"],
    }


def summarize(runs: list[Run]) -> Summary:
    """Medians over the completed runs (hung runs are counted, not averaged in)."""
    done = [r for r in runs if not r.hung and "error" not in r.detail] or runs
    forks = [r.forks for r in done if r.forks is not None]
    checks = [r.checks for r in done if r.checks is not None]
    wall_median, wall_min, wall_max = median_min_max(r.wall_s for r in done)
    return Summary(
        tool=runs[0].tool,
        runs=len(runs),
        hung=sum(r.hung for r in runs),
        wall_median_s=wall_median,
        wall_min_s=wall_min,
        wall_max_s=wall_max,
        cpu_median_s=statistics.median(r.cpu_s for r in done),
        cpu_user_median_s=statistics.median(r.cpu_user_s for r in done),
        cpu_sys_median_s=statistics.median(r.cpu_sys_s for r in done),
        forks_median=statistics.median(forks) if forks else None,
        checks=checks[-1] if checks else None,
    )


def markdown(nw: Summary, ly: Summary) -> str:
    """The results as a Markdown table with lynis/netwatch ratios."""
    rows: list[tuple[str, Callable[[Summary], float | None], str]] = [
        ("Wall time, median (s)", lambda s: s.wall_median_s, ".2f"),
        ("Wall time, min (s)", lambda s: s.wall_min_s, ".2f"),
        ("Wall time, max (s)", lambda s: s.wall_max_s, ".2f"),
        ("CPU user + sys, median (s)", lambda s: s.cpu_median_s, ".2f"),
        ("CPU user, median (s)", lambda s: s.cpu_user_median_s, ".2f"),
        ("CPU sys, median (s)", lambda s: s.cpu_sys_median_s, ".2f"),
        ("Forks, processes + threads (system-wide, median)", lambda s: s.forks_median, ",.0f"),
        ("Checks / tests run", lambda s: s.checks, ",.0f"),
    ]
    lines = comparison_table(("netwatch", "lynis", "lynis / netwatch"), rows, nw, ly,
                             lambda a, b: ratio(b, a, digits=1))  # fmt: skip
    lines.append(f"| Runs (hung) | {nw.runs} ({nw.hung}) | {ly.runs} ({ly.hung}) | |")
    return "\n".join(lines)


def netwatch_version(command: str) -> str:
    """``netwatch version`` output, else the installed distribution's version."""
    text = tool_version([command, "version"])
    if text != "?":
        return text
    try:
        return metadata.version("netwatch")
    except metadata.PackageNotFoundError:
        return "?"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each tool, alternating (default: 3)")  # fmt: skip
    parser.add_argument("--netwatch", default=netwatch_on_path(),
                        help="netwatch command (default: the one on PATH)")  # fmt: skip
    parser.add_argument("--lynis", default=LYNIS, help=f"lynis command (default: {LYNIS})")
    parser.add_argument("--lynis-timeout", type=float, default=LYNIS_TIMEOUT,
                        help=f"seconds before a lynis run counts as hung "
                             f"(default: {LYNIS_TIMEOUT:g})")  # fmt: skip
    parser.add_argument("--netwatch-timeout", type=float, default=NETWATCH_TIMEOUT,
                        help=f"seconds before a netwatch run counts as hung "
                             f"(default: {NETWATCH_TIMEOUT:g})")  # fmt: skip
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy the last run's outputs and lynis report to DIR")  # fmt: skip
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of the Markdown table")  # fmt: skip
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.lynis_timeout <= 0 or args.netwatch_timeout <= 0:
        parser.error("--rounds must be >= 1 and the timeouts > 0")
    return args


def tools(args: argparse.Namespace, workdir: Path) -> tuple[Tool, Tool]:
    """The two commands under test; lynis writes its report and reads its profile in workdir."""
    profile = workdir / "bench.prf"
    profile.write_text("# posture_vs_lynis: never run apt-get update\nrefresh-repositories=no\n")
    profile.chmod(0o600)
    netwatch = Tool("netwatch", [args.netwatch, "posture", "--format", "json"],
                    args.netwatch_timeout, (0, 1), parse_netwatch)  # fmt: skip
    lynis = Tool(
        "lynis",
        [args.lynis, "audit", "system", "--quick", "--no-colour", "--no-log",
         "--report-file", str(workdir / "lynis-report.dat"), "--profile", str(profile)],
        args.lynis_timeout, (0,), parse_lynis,
    )  # fmt: skip
    return netwatch, lynis


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    args = parse_args(argv)
    for command in (args.netwatch, args.lynis):
        if shutil.which(command) is None:
            print(f"not found: {command}", file=sys.stderr)
            return 1
    if LYNIS_PIDFILE.exists():
        print(f"{LYNIS_PIDFILE} exists: another lynis may be running; not starting",
              file=sys.stderr)  # fmt: skip
        return 1
    subreaper = set_subreaper()
    load_before = loadavg_1m()
    runs: dict[str, list[Run]] = {"netwatch": [], "lynis": []}
    with signals_as_interrupt(), tempfile.TemporaryDirectory(prefix="nw-posture-bench-") as tmp:
        workdir = Path(tmp)
        netwatch, lynis = tools(args, workdir)
        try:
            for i in range(args.rounds):
                order = (netwatch, lynis) if i % 2 == 0 else (lynis, netwatch)  # ABBA
                for tool in order:
                    run = run_once(tool, i + 1, workdir)
                    runs[tool.name].append(run)
                    state = "HUNG" if run.hung else run.detail.get("error", "ok")
                    print(f"round {i + 1}: {tool.name:8s} wall {run.wall_s:7.2f} s, "
                          f"cpu {run.cpu_s:7.2f} s, {state}", file=sys.stderr)  # fmt: skip
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for path in workdir.iterdir():
                    shutil.copy2(path, args.keep / path.name)
        except KeyboardInterrupt:
            print("interrupted; killing the children", file=sys.stderr)
            return 130
        finally:
            kill_descendants()

    summaries = {name: summarize(r) for name, r in runs.items()}
    nw, ly = summaries["netwatch"], summaries["lynis"]
    last_lynis = next((r for r in reversed(runs["lynis"]) if r.checks is not None), None)
    last_netwatch = next((r for r in reversed(runs["netwatch"]) if r.checks is not None), None)
    machine = {
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "netwatch": netwatch_version(args.netwatch),
        "lynis": tool_version([args.lynis, "--version"]),
        "loadavg_1m_before": load_before,
        "subreaper": subreaper,
    }
    command = {"rounds": args.rounds, "netwatch": netwatch.argv, "lynis": lynis.argv,
               "timeouts_s": {"netwatch": netwatch.timeout, "lynis": lynis.timeout}}  # fmt: skip
    if args.json:
        payload = {
            "machine": machine,
            "command": command,
            "summary": {k: asdict(v) for k, v in summaries.items()},
            "ratio_lynis_over_netwatch": {
                "wall": ly.wall_median_s / nw.wall_median_s,
                "cpu": ly.cpu_median_s / nw.cpu_median_s if nw.cpu_median_s else None,
            },
            "runs": [asdict(r) for name in runs for r in runs[name]],
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(f"{args.rounds} rounds, alternating (ABBA); {machine['cpus']} CPUs, kernel "
          f"{machine['kernel']}; netwatch {machine['netwatch']}; lynis {machine['lynis']}; "
          f"1-min load before: {load_before}")  # fmt: skip
    for tool in (netwatch, lynis):
        print(f"- {tool.name}: `{' '.join(tool.argv)}`")
    print()
    print(markdown(nw, ly))
    wall_ratio = ly.wall_median_s / nw.wall_median_s
    cpu_ratio = f"{ly.cpu_median_s / nw.cpu_median_s:.1f}x" if nw.cpu_median_s else "n/a"
    verdict = "met" if wall_ratio >= 10 else "not met"
    print(f"\nTarget netwatch >= 10x faster than lynis (median wall time): {wall_ratio:.1f}x, "
          f"{verdict}; CPU: {cpu_ratio}")  # fmt: skip
    if last_netwatch is not None:
        print(f"netwatch results: {last_netwatch.detail.get('counts')}")
    if last_lynis is not None:
        detail = last_lynis.detail
        for kind in ("warnings", "suggestions"):
            items = detail.get(kind)
            assert isinstance(items, list)
            prefixes = Counter(str(item["id"]).split("-")[0] for item in items)
            listed = ", ".join(f"{p} {n}" for p, n in sorted(prefixes.items()))
            print(f"lynis {kind}: {len(items)} ({listed})")
        print(f"lynis tests: {last_lynis.checks} executed (screen: "
              f"{detail.get('tests_performed_screen')}), {detail.get('tests_skipped')} skipped; "
              f"hardening index {detail.get('hardening_index')}; "
              f"{detail.get('exceptions')} exception(s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
