"""One warm in-process probe round, as the netwatch agent's services collector runs it.

A helper of ``bench/probe_throughput.py`` (not meant to be run by hand)::

    python bench/_probe_round.py CONFIG WARMUP

1. Loads CONFIG with ``netwatch.config.loader.load_config`` and builds the jobs with
   ``build_jobs(config.services, config.collectors.services)``, as the collector does.
2. Warms up: ``run_once`` on the first WARMUP jobs (imports, TLS contexts, the event
   loop machinery), not measured.
3. Prints ``{"ready": WARMUP_UP}`` and waits for one line on stdin, so the caller can
   read the target's counters between the warm-up and the measured round.
4. Times ONE ``run_once(all jobs, max_concurrency=collectors.services.max_concurrency,
   progress=False)``: wall with ``time.perf_counter``, CPU with
   ``resource.getrusage(RUSAGE_SELF)`` (user + system, every thread of the process),
   around just that call.
5. Prints ``{"wall", "cpu", "up", "jobs", "max_concurrency", "failures",
   "peak_rss_kib"}`` as one JSON line; exits 0 when every probe succeeded, else 1.

Process start-up, imports, config loading and job building are outside the timed
call, as blackbox_exporter's own start-up is outside its figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter


def _cpu() -> float:
    # Not bench/_common.py's rusage_cpu_seconds: importing that module would add to the
    # peak RSS this process reports.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    """Run the warm-up and the measured round; print the figures."""
    if len(argv) != 2:
        print("usage: _probe_round.py CONFIG WARMUP", file=sys.stderr)
        return 2
    config_path, warmup = argv[0], int(argv[1])

    from netwatch.collectors.services import build_jobs
    from netwatch.config.loader import load_config
    from netwatch.probes.check import run_once

    config = load_config(config_path)
    if config.services is None:  # never fall back to discovery (the host's real gateway)
        print(f"{config_path}: list the services explicitly", file=sys.stderr)
        return 2
    settings = config.collectors.services
    jobs = build_jobs(config.services, settings)
    concurrency = settings.max_concurrency

    warm = run_once(jobs[:warmup], concurrency, progress=False) if warmup else []
    print(json.dumps({"ready": sum(1 for _, r in warm if r.success)}), flush=True)
    sys.stdin.readline()

    cpu_before = _cpu()
    begin = time.perf_counter()
    outcomes = run_once(jobs, max_concurrency=concurrency, progress=False)
    wall = time.perf_counter() - begin
    cpu = _cpu() - cpu_before

    up = sum(1 for _, result in outcomes if result.success)
    failures = Counter(f"{r.reason}: {r.detail}" for _, r in outcomes if not r.success)
    print(json.dumps({
        "wall": wall, "cpu": cpu, "up": up, "jobs": len(jobs),
        "max_concurrency": concurrency, "failures": dict(failures),
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }), flush=True)  # fmt: skip
    return 0 if up == len(jobs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
