"""The wall's query time on a 300-host office, on Prometheus and VictoriaMetrics (issue 13).

    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/series_count.py --services 10 --lan-devices 250 --save expo
    unshare --net sh -c 'ip link set lo up && exec "$@"' sh \\
        .venv/bin/python bench/office_wall.py --exposition expo --hosts 300

1. Synthesises ``--minutes`` of an office of ``--hosts`` hosts scraped every 30 s from the
   recorded expositions (``services.prom`` for every host, ``lan.prom``, the LAN agent,
   for host 0), varied per host (``bench/_synth.py``), ending now.
2. Backfills it into a real Prometheus with ``promtool tsdb create-blocks-from
   openmetrics``, and the recording rules of ``--rules`` (dependency level by level) with
   ``promtool tsdb create-blocks-from rules`` against that Prometheus; imports the same
   samples into a real VictoriaMetrics (``/api/v1/import/prometheus``) and the recorded
   rule series as Prometheus computed them (``/api/v1/import``), as an office's
   remote_write would carry them.
3. Reads ``--dashboard`` now and times every query of every panel as Grafana sends it:
   variables substituted (``$office`` "", ``$job`` the job, ``$__rate_interval`` and
   ``$__interval`` 1m, ``$__range`` 1h), an instant query where the target says
   ``"instant": true``, else a range query over the last hour at a 30 s step; POST form,
   all at the data's end time. VictoriaMetrics gets ``nocache=1`` (its rollup cache would
   answer repeats). A panel's time is the sum of its targets' (Grafana sends them in
   parallel: an upper bound); p50 and max over ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from _common import (
    loadavg_1m,
    percentile,
    save_json,
    signals_as_interrupt,
    stop,
    tool_version,
)
from _synth import Host, Office, Series, load
from _tsdb import (
    PROMETHEUS,
    PROMTOOL,
    VICTORIA_VERSION,
    api,
    http_post,
    start_prometheus,
    start_victoria,
)

REPO = Path(__file__).resolve().parents[1]
STEP = 30.0
RANGE = 3600.0
TOOL_TIMEOUT = 1800.0
IMPORT_LINES = 200_000
VARIABLES = {"office": "", "__rate_interval": "1m", "__interval": "1m", "__range": "1h",
             "__range_s": "3600", "__interval_ms": "60000"}  # fmt: skip


# --------------------------------------------------------------------------------------
# Data


def backfill_lines(office: Office, start: float, millis: bool) -> Iterator[str]:
    """Every sample, series by series and family by family (OpenMetrics does not
    interleave families), timestamps in seconds (OpenMetrics) or milliseconds (text)."""
    by_name: dict[str, list[tuple[Host, str, Series]]] = {}
    for host in office.hosts:
        for text, series in office.labelled(host):
            by_name.setdefault(series.name, []).append((host, text, series))
    times = list(office.times(start))
    for name in sorted(by_name):
        for host, text, series in by_name[name]:
            for t0 in times:
                t = t0 - office.interval + host.offset
                if name == "up":
                    value = 1.0 if office.is_up(host, t) else 0.0
                elif office.is_up(host, t):
                    value = office.value(host, series, t)
                else:
                    continue
                stamp = f"{round(t * 1000)}" if millis else f"{t:.3f}"
                yield f"{text} {value!r} {stamp}\n"


def run_tool(argv: list[str]) -> float:
    """Run a tool (fixed argv, timeout); its wall time; raise with its output on failure."""
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT,  # noqa: S603
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:4]} exited {done.returncode}: {done.stderr[-2000:]}")
    return time.perf_counter() - began


def recording_levels(rule_files: list[Path]) -> list[list[dict[str, Any]]]:
    """The recording rules of the files, by dependency level (a rule using another
    rule's output comes one level later: promtool backfills from stored data only)."""
    rules = [rule for path in rule_files for group in yaml.safe_load(path.read_text())["groups"]
             for rule in group["rules"] if "record" in rule]  # fmt: skip
    level: dict[str, int] = {}
    while len(level) < len(rules):
        before = len(level)
        for rule in rules:
            used = [r["record"] for r in rules if re.search(rf"\b{re.escape(r['record'])}\b",
                                                            rule["expr"])]  # fmt: skip
            if rule["record"] not in level and all(u in level for u in used):
                level[rule["record"]] = 1 + max((level[u] for u in used), default=-1)
        if len(level) == before:
            raise ValueError(f"recording rules depend on each other in a cycle: {rules}")
    depth = max(level.values(), default=-1) + 1
    return [[r for r in rules if level[r["record"]] == n] for n in range(depth)]


def import_victoria(vm_url: str, lines: Iterator[str]) -> int:
    """POST the Prometheus-text lines to VictoriaMetrics in batches; the line count."""
    batch: list[str] = []
    count = 0
    for line in lines:
        batch.append(line)
        if len(batch) >= IMPORT_LINES:
            http_post(f"{vm_url}/api/v1/import/prometheus", "".join(batch).encode())
            count += len(batch)
            batch = []
    if batch:
        http_post(f"{vm_url}/api/v1/import/prometheus", "".join(batch).encode())
        count += len(batch)
    return count


def copy_rule_series(prom_url: str, vm_url: str, start: float, end: float) -> int:
    """The recording rules' series, as Prometheus stored them, into VictoriaMetrics."""
    data = api(prom_url, "/api/v1/query_range", {"query": '{__name__=~"netwatch:.+"}',
               "start": str(start), "end": str(end), "step": str(STEP)})  # fmt: skip
    lines = [json.dumps({"metric": s["metric"], "values": [float(v) for _, v in s["values"]],
                         "timestamps": [round(float(t) * 1000) for t, _ in s["values"]]})
             for s in data["result"]]  # fmt: skip
    if lines:
        http_post(f"{vm_url}/api/v1/import", "\n".join(lines).encode())
    return len(lines)


# --------------------------------------------------------------------------------------
# Queries


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside rows included."""
    stack = list(reversed(dashboard.get("panels", [])))
    while stack:
        panel = stack.pop()
        yield panel
        stack.extend(reversed(panel.get("panels", [])))


def substitute(expr: str, values: dict[str, str]) -> str:
    """Grafana's variable forms ``$name``, ``${name}``, ``${name:fmt}``, ``[[name]]``."""

    def value(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name not in values:
            raise KeyError(f"no value for variable ${name} in {expr!r}")
        return values[name]

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", value, expr)


def wall_queries(path: Path, job: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """(panel title, [(query, instant)]) for every panel with queries."""
    values = {**VARIABLES, "job": job, "instance": ".*", "datasource": ""}
    found = []
    for panel in panels(json.loads(path.read_text())):
        queries = []
        for target in panel.get("targets", []):
            if target.get("expr") and not target.get("hide"):
                expr = substitute(target["expr"], values)
                if target.get("instant"):
                    queries.append((expr, True))
                if target.get("range") or not target.get("instant"):
                    queries.append((expr, False))
        if queries:
            found.append((f"{panel.get('title', '')} (id {panel.get('id')})", queries))
    return found


def timed_query(
    base: str, expr: str, instant: bool, end: float, extra: dict[str, str]
) -> tuple[float, int]:
    """Seconds one query takes, and the number of series it returns."""
    if instant:
        path, params = "/api/v1/query", {"query": expr, "time": str(end)}
    else:
        aligned = end - end % STEP
        path, params = "/api/v1/query_range", {"query": expr, "start": str(aligned - RANGE),
                                               "end": str(aligned), "step": str(STEP)}  # fmt: skip
    began = time.perf_counter()
    data = api(base, path, {**params, **extra})
    return time.perf_counter() - began, len(data["result"])


def time_wall(
    backends: dict[str, tuple[str, dict[str, str]]],
    queries: list[tuple[str, list[tuple[str, bool]]]],
    end: float,
    rounds: int,
) -> list[dict[str, Any]]:
    """Per panel and backend: p50 and max of the panel's summed query time, series seen."""
    rows = []
    for title, panel_queries in queries:
        row: dict[str, Any] = {"panel": title, "queries": len(panel_queries),
                               "range": sum(not i for _, i in panel_queries)}  # fmt: skip
        for backend, (url, extra) in backends.items():
            totals, series = [], []
            for _ in range(rounds):
                timed = [timed_query(url, q, i, end, extra) for q, i in panel_queries]
                totals.append(sum(t for t, _ in timed))
                series = [n for _, n in timed]
            row[backend] = {"p50": percentile(totals, 50), "max": max(totals), "series": series}
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], backends: list[str]) -> str:
    """The per-panel table, in milliseconds."""
    head = "| panel | queries (range) | " + " | ".join(
        f"{b} p50 ms | {b} max ms" for b in backends) + " | series returned |"  # fmt: skip
    lines = [head, "|---|---:|" + "---:|" * (2 * len(backends)) + "---|"]
    for row in rows:
        cells = " | ".join(f"{row[b]['p50'] * 1000:.1f} | {row[b]['max'] * 1000:.1f}"
                           for b in backends)  # fmt: skip
        lines.append(f"| {row['panel']} | {row['queries']} ({row['range']}) | {cells} | "
                     f"{row[backends[0]]['series']} |")  # fmt: skip
    return "\n".join(lines)


# --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exposition",
        type=Path,
        required=True,
        help="directory with services.prom and lan.prom (series_count --save)",
    )
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--minutes", type=int, default=70, help="history to synthesise (70)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dashboard", type=Path, default=REPO / "dashboards/netwatch-wall.json")
    parser.add_argument(
        "--rules",
        type=Path,
        nargs="*",
        default=sorted((REPO / "configs/prometheus/rules").glob("*.yml")),
    )
    parser.add_argument("--job", default="netwatch")
    parser.add_argument("--json-file", type=Path)
    args = parser.parse_args()  # fmt: skip
    end = float(int(time.time() // STEP * STEP))
    start = end - args.minutes * 60
    recorded = load((args.exposition / "services.prom").read_text())
    lan = args.exposition / "lan.prom"
    first = load(lan.read_text()) if lan.exists() else None
    office = Office(recorded, args.hosts, STEP, args.job, end, first)
    results: dict[str, Any] = {"hosts": args.hosts, "minutes": args.minutes, "end": end,
                               "load_1m_before": loadavg_1m(),
                               "prometheus": tool_version([PROMETHEUS, "--version"]),
                               "victoria_metrics": tool_version(VICTORIA_VERSION)}  # fmt: skip
    servers = []
    with tempfile.TemporaryDirectory() as scratch, signals_as_interrupt():
        work = Path(scratch)
        try:
            data = work / "prom" / "data"
            data.mkdir(parents=True)
            openmetrics = work / "office.om"
            with openmetrics.open("w") as out:
                samples = sum(1 for line in backfill_lines(office, start, False)
                              if out.write(line))  # fmt: skip
                out.write("# EOF\n")
            results["samples"] = samples
            results["openmetrics_bytes"] = openmetrics.stat().st_size
            results["promtool_openmetrics_s"] = run_tool(
                [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(openmetrics),
                 str(data)])  # fmt: skip
            openmetrics.unlink()
            config = "global:\n  scrape_interval: 30s\n"
            prom, prom_url = start_prometheus("prom", config, work)
            servers.append(prom)
            for n, level in enumerate(recording_levels(args.rules)):
                rules = work / f"rules-{n}.yml"
                rules.write_text(yaml.safe_dump({"groups": [{"name": f"level-{n}",
                                                             "rules": level}]}))  # fmt: skip
                run_tool([PROMTOOL, "tsdb", "create-blocks-from", "rules", f"--url={prom_url}",
                          f"--start={int(start)}", f"--end={int(end)}", "--eval-interval=30s",
                          f"--output-dir={data}", str(rules)])  # fmt: skip
                stop(prom)
                prom, prom_url = start_prometheus("prom", config, work)
                servers.append(prom)
            vm, vm_url = start_victoria("vm", work)
            servers.append(vm)
            began = time.perf_counter()
            import_victoria(vm_url, backfill_lines(office, start, True))
            results["rule_series"] = copy_rule_series(prom_url, vm_url, start, end)
            results["victoria_import_s"] = time.perf_counter() - began
            http_post(f"{vm_url}/internal/force_flush", b"")
            time.sleep(2)
            queries = wall_queries(args.dashboard, args.job)
            backends = {"Prometheus": (prom_url, {}), "VictoriaMetrics": (vm_url, {"nocache": "1"})}
            rows = time_wall(backends, queries, end, args.rounds)
        finally:
            for server in reversed(servers):
                stop(server)
    results["panels"] = rows
    results["load_1m_after"] = loadavg_1m()
    print(markdown(rows, list(backends)))
    print(json.dumps({k: v for k, v in results.items() if k != "panels"}, indent=2))
    save_json(results, args.json_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
