"""The shipped Grafana dashboards: generated, well-formed, and only querying what exists.

The metric names are the contract between the agent, the recording rules and the
dashboards: renaming a metric, or a label, without updating ``dashboards/`` makes these
tests fail. What the queries answer is checked against a live lab in
tests/integration/test_dashboard_queries.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards import generate
from netwatch.collectors.catalogue import catalogue
from netwatch.core.metrics import MetricSpec

try:  # posture metrics may not be in the catalogue (and README) yet
    from netwatch.collectors.posture import POSTURE_METRICS
except ImportError:  # pragma: no cover - posture collector removed or renamed
    POSTURE_METRICS = ()

DASHBOARDS = Path(__file__).parents[2] / "dashboards"
FILES = sorted(DASHBOARDS.glob("*.json"))
RECORDING_RULES = DASHBOARDS.parent / "configs" / "prometheus" / "rules" / "netwatch-recording.yml"
WALL = DASHBOARDS / "netwatch-wall.json"
HOST = DASHBOARDS / "netwatch-host.json"

GRID_COLUMNS = 24
# The wall display must fit one 1920x1080 screen without scrolling. Grafana's grid
# rows are 30 px high with an 8 px vertical margin, so n rows take 38 * n - 8 px. In
# kiosk mode (how the wall runs: no top bar, no side menu) the canvas is the 1080 px
# viewport minus ~16 px padding top and bottom, about 1048 px: 27 rows (1018 px)
# fit, 28 rows (1056 px) already scroll.
WALL_MAX_ROWS = 27

# Panel types that ship with Grafana: the dashboards need no external plugin.
BUILTIN_PANELS = {
    "alertlist", "annolist", "barchart", "bargauge", "candlestick", "canvas", "dashlist",
    "datagrid", "flamegraph", "gauge", "geomap", "heatmap", "histogram", "logs", "news",
    "nodeGraph", "piechart", "row", "stat", "state-timeline", "status-history", "table",
    "text", "timeseries", "traces", "trend", "xychart",
}  # fmt: skip
# Labels Prometheus attaches to every scraped series, and the office's external label.
TARGET_LABELS = {"office", "job", "instance"}
# Metrics Prometheus itself makes per scrape target, and the shipped recording rules'
# results, with the labels they carry.
PROMETHEUS_METRICS = {
    "up": TARGET_LABELS,
    "netwatch:probe_success:target": TARGET_LABELS | {"service", "kind", "target"},
    "netwatch:filesystem_avail:ratio": TARGET_LABELS | {"device", "fstype"},
}
# Grafana's own variables, usable in any query.
BUILTIN_VARIABLES = {"__rate_interval", "__interval", "__interval_ms", "__range",
                     "__range_s", "__range_ms"}  # fmt: skip
DURATION_VARIABLES = {"__rate_interval", "__interval", "__range"}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
METRIC = re.compile(r"(?<![\w:])(netwatch_[a-zA-Z0-9_:]*)")
RECORDED = re.compile(r"(?<![\w:])(netwatch:[a-zA-Z0-9_:]*)")
SELECTOR = re.compile(r"(?<![\w:])([a-zA-Z_:][\w:]*)\s*\{([^{}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*\"")
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
COUNTER_FUNCTION = re.compile(r"\b(rate|irate|increase|resets)\s*\(\s*(netwatch_\w+)")
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
LEGEND_LABEL = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def metric_specs() -> dict[str, MetricSpec]:
    """Every metric the agent can expose, by name: the catalogue plus posture metrics."""
    specs = {spec.name: spec for _, spec in catalogue()}
    for spec in POSTURE_METRICS:
        specs.setdefault(spec.name, spec)
    return specs


SPECS = metric_specs()


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(where, PromQL, legend) for every panel target and query variable."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if "expr" in target:
                where = f"panel {panel.get('id')} {target.get('refId')}"
                yield where, target["expr"], target.get("legendFormat", "")
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            text = query.get("query", "") if isinstance(query, dict) else query
            yield f"variable {variable['name']}", text, ""


def all_queries() -> list[tuple[str, str, str, str]]:
    return [(path.name, where, expr, legend) for path in FILES for where, expr, legend in
            queries(load(path))]  # fmt: skip


def mask_strings(expr: str) -> str:
    """The expression with every string literal emptied, so its text cannot confuse parsing."""
    return STRING.sub('""', expr)


def label_replace_targets(expr: str) -> set[str]:
    """Labels an expression creates with label_replace / label_join (their 2nd argument)."""
    created = set()
    for match in re.finditer(r"\blabel_(?:replace|join)\s*\(", expr):
        depth, index, commas = 1, match.end(), 0
        while index < len(expr) and depth:
            char = expr[index]
            if char == '"':
                end = STRING.match(expr, index)
                assert end, f"unterminated string in {expr!r}"
                if depth == 1 and commas == 1:
                    created.add(end.group()[1:-1])
                index = end.end()
                continue
            depth += char in "([{"
            depth -= char in ")]}"
            commas += char == "," and depth == 1
            index += 1
    return created


def labels_of(name: str) -> set[str]:
    if name in PROMETHEUS_METRICS:
        return set(PROMETHEUS_METRICS[name])
    return set(SPECS[name].labels) | TARGET_LABELS


def unknown_metrics(expr: str) -> set[str]:
    """netwatch_* names in the expression that no collector exposes."""
    return set(METRIC.findall(mask_strings(expr))) - set(SPECS)


def undeclared_labels(expr: str, legend: str = "") -> list[str]:
    """Problems with the labels an expression and its legend use, as readable strings."""
    problems = []
    masked = mask_strings(expr)
    names: set[str] = set()
    for metric, body in SELECTOR.findall(masked):
        if not (metric.startswith("netwatch_") or metric in PROMETHEUS_METRICS):
            continue
        if metric not in SPECS and metric not in PROMETHEUS_METRICS:
            continue  # reported by unknown_metrics
        names.add(metric)
        for label, _ in MATCHER.findall(body):
            if label not in labels_of(metric):
                problems.append(f"{metric} has no label {label!r}")
    names |= {name for name in METRIC.findall(masked) if name in SPECS}
    names |= {name for name in PROMETHEUS_METRICS if re.search(rf"(?<![\w:]){name}\b", masked)}
    known = set(TARGET_LABELS) | label_replace_targets(expr)
    for name in names:
        known |= labels_of(name)
    for keyword, body in GROUPING.findall(masked):
        for label in filter(None, (part.strip() for part in body.split(","))):
            if label not in known:
                problems.append(f"{keyword} ({label}): no metric in the query has it")
    for label in LEGEND_LABEL.findall(legend):
        if label not in known:
            problems.append(f"legend {{{{{label}}}}}: no metric in the query has it")
    for function, metric in COUNTER_FUNCTION.findall(masked):
        if metric in SPECS and SPECS[metric].kind != "counter":
            problems.append(f"{function}() of {metric}, which is a {SPECS[metric].kind}")
    return problems


def bracket_problems(expr: str) -> list[str]:
    """Unbalanced (), [] or {} outside string literals."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in mask_strings(expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return [f"unexpected {char!r}"]
    return [f"unclosed {char!r}" for char in stack]


def rectangles_overlap(a: dict[str, int], b: dict[str, int]) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])  # fmt: skip


def concrete(expr: str) -> str:
    """The expression with Grafana variables replaced, ready for a PromQL parser."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return "5m" if name in DURATION_VARIABLES else "x"

    return VARIABLE.sub(value, expr)


# ---------------------------------------------------------------------------
# The checker itself: a renamed metric or label must be caught.


def test_checker_catches_renamed_metrics_and_labels() -> None:
    assert unknown_metrics("rate(netwatch_cpu_usage_percent[5m])") == {"netwatch_cpu_usage_percent"}
    assert unknown_metrics('label_replace(up, "x", "netwatch_not_a_metric", "", "")') == set()
    assert undeclared_labels('netwatch_probe_success{type="http"}') == [
        "netwatch_probe_success has no label 'type'"
    ]
    assert undeclared_labels("sum by (mountpoint) (netwatch_probe_success)")
    assert undeclared_labels("netwatch_load1", "{{device}}")
    assert undeclared_labels("rate(netwatch_load1[5m])")
    assert not undeclared_labels(
        'label_replace(netwatch_probe_success == 0, "reason", "unknown", "", "")',
        "{{service}} {{reason}} {{instance}}",
    )
    assert bracket_problems('sum(rate(x{a="(}"}[5m]))') == []
    assert bracket_problems("sum(rate(x[5m)") == ["unexpected ')'"]


# ---------------------------------------------------------------------------
# Every dashboard file.


def test_dashboards_are_generated_and_current(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON files are exactly what ``python -m dashboards.generate`` writes."""
    assert {path.name for path in FILES} == set(generate.BUILDERS)
    assert generate.main(["--check"]) == 0, capsys.readouterr().out


def test_the_generator_check_names_a_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in generate.rendered().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "netwatch-lan.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(generate, "FOLDER", tmp_path)
    assert generate.main(["--check"]) == 1
    assert "netwatch-lan.json" in capsys.readouterr().out
    assert (tmp_path / "netwatch-lan.json").read_text(encoding="utf-8") == "{}"
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_dashboard_model(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["schemaVersion"] == 41
    assert re.fullmatch(r"netwatch-[a-z]{1,30}", dashboard["uid"]), "uid: fixed, short"
    assert dashboard["title"] and dashboard.get("id") is None
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert {"office", "job"} <= set(variables)
    assert variables["office"]["allValue"] == ".*", "an office Prometheus has no office label"
    for panel in panels(dashboard):
        assert panel["type"] in BUILTIN_PANELS, f"{panel['type']} needs a plugin"
        if panel["type"] == "row":
            continue
        assert panel.get("title") and panel.get("description"), panel.get("id")
        refs = [panel["datasource"]] + [t["datasource"] for t in panel["targets"]]
        assert all(ref == {"type": "prometheus", "uid": "${datasource}"} for ref in refs), (
            f"panel {panel['id']} must use the $datasource variable"
        )
        assert panel["targets"], f"panel {panel['id']} queries nothing"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_panel_has_a_unit_and_a_vietnamese_no_data_text(path: Path) -> None:
    for panel in panels(load(path)):
        if panel["type"] == "row":
            continue
        defaults = panel["fieldConfig"]["defaults"]
        if panel["type"] == "table":
            # Grafana applies defaults to every column: a unit, a mapping or a coloured
            # cell there garbles the label columns ("NaN" for a date unit)
            assert "unit" not in defaults and not defaults.get("mappings"), panel["title"]
            assert defaults["custom"]["cellOptions"]["type"] == "auto", panel["title"]
            numbers = override(panel, "byType", "number")
            assert numbers.get("unit"), f"{panel['title']!r}: no unit for its numbers"
        else:
            assert defaults.get("unit"), f"{panel['title']!r} has no unit"
        no_value = defaults.get("noValue", "")
        assert no_value and not no_value.isascii(), f"{panel['title']!r}: noValue in Vietnamese"


def override(panel: dict[str, Any], matcher: str, options: str) -> dict[str, Any]:
    """The properties a panel's override with this matcher sets ({} when none)."""
    return {
        prop["id"]: prop["value"]
        for item in panel["fieldConfig"]["overrides"]
        if item["matcher"] == {"id": matcher, "options": options}
        for prop in item["properties"]
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_tables_ask_for_instant_table_data_and_graphs_for_ranges(path: Path) -> None:
    for panel in panels(load(path)):
        for target in panel.get("targets", []):
            if panel["type"] == "timeseries":
                assert target["range"] and not target["instant"], panel["title"]
            else:
                assert target["instant"] and not target["range"], panel["title"]
            if panel["type"] == "table":
                assert target["format"] == "table", panel["title"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_links_keep_the_time_range_and_the_variables(path: Path) -> None:
    dashboard = load(path)
    uids = {load(other)["uid"] for other in FILES}
    for link in dashboard["links"]:
        assert link["keepTime"] and link["includeVars"], link["title"]
        assert link["url"].split("/")[2] in uids, link["url"]
    for panel in panels(dashboard):
        for link in panel.get("fieldConfig", {}).get("defaults", {}).get("links", []):
            url = link["url"]
            assert url.split("/")[2].split("?")[0] in uids, url
            for kept in ("${__url_time_range}", "${datasource:queryparam}"):
                assert kept in url, f"{panel['title']!r}: link loses {kept}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_data_links_name_columns_the_table_keeps(path: Path) -> None:
    """A link's ``${__data.fields.X}`` needs column X in the row (not excluded)."""
    for panel in panels(load(path)):
        hidden = {
            name
            for step in panel.get("transformations", [])
            for name, excluded in step["options"].get("excludeByName", {}).items()
            if excluded
        }
        for link in panel.get("fieldConfig", {}).get("defaults", {}).get("links", []):
            for field in re.findall(r"__data\.fields\.(\w+)", link["url"]):
                assert field not in hidden, f"{panel['title']!r}: link needs hidden column {field}"


def test_every_recorded_series_a_dashboard_reads_is_in_the_shipped_rules() -> None:
    rules = yaml.safe_load(RECORDING_RULES.read_text(encoding="utf-8"))
    recorded = {rule["record"] for group in rules["groups"] for rule in group["rules"]}
    used = {name for _, _, expr, _ in QUERIES for name in RECORDED.findall(mask_strings(expr))}
    assert used, "the wall reads recording rules for its expensive queries"
    assert used <= recorded, used - recorded
    assert used <= set(PROMETHEUS_METRICS), "declare their labels in PROMETHEUS_METRICS"


def test_uids_are_unique() -> None:
    uids = [load(path)["uid"] for path in FILES]
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_panel_ids_are_unique(path: Path) -> None:
    ids = [panel["id"] for panel in panels(load(path))]
    assert all(isinstance(i, int) for i in ids)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate panel ids {duplicates}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_grid_fits_24_columns_without_overlap(path: Path) -> None:
    dashboard = load(path)
    layers = [dashboard["panels"]] + [
        p["panels"] for p in dashboard["panels"] if p["type"] == "row" and p.get("panels")
    ]
    for layer in layers:
        for panel in layer:
            pos = panel["gridPos"]
            assert pos["w"] > 0 and pos["h"] > 0 and pos["x"] >= 0 and pos["y"] >= 0, panel["id"]
            assert pos["x"] + pos["w"] <= GRID_COLUMNS, f"panel {panel['id']} is too wide"
        for index, a in enumerate(layer):
            for b in layer[index + 1 :]:
                assert not rectangles_overlap(a["gridPos"], b["gridPos"]), (
                    f"panels {a['id']} {a.get('title')!r} and {b['id']} {b.get('title')!r} overlap"
                )


def test_wall_fits_one_screen_without_scrolling() -> None:
    dashboard = load(WALL)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels(dashboard))
    assert bottom <= WALL_MAX_ROWS, f"wall display is {bottom} rows, at most {WALL_MAX_ROWS} fit"
    assert all(p["type"] != "row" for p in panels(dashboard)), "rows waste wall space"


def test_wall_titles_are_vietnamese() -> None:
    for panel in panels(load(WALL)):
        assert not panel["title"].isascii(), f"{panel['title']!r}: the IT officers read Vietnamese"


def test_host_dashboard_selects_one_instance() -> None:
    dashboard = load(HOST)
    instance = next(v for v in dashboard["templating"]["list"] if v["name"] == "instance")
    assert not instance["multi"] and not instance["includeAll"]
    for where, expr, _ in queries(dashboard):
        if where.startswith("panel"):
            for metric, body in SELECTOR.findall(expr):
                if metric.startswith("netwatch_") or metric == "up":
                    assert 'instance="$instance"' in body, f"{where}: {metric} not per host"


# ---------------------------------------------------------------------------
# Every PromQL expression.

QUERIES = all_queries()
QUERY_IDS = [f"{file}:{where}" for file, where, _, _ in QUERIES]


@pytest.mark.parametrize(("file", "where", "expr", "legend"), QUERIES, ids=QUERY_IDS)
def test_expression_uses_catalogued_metrics_and_labels(
    file: str, where: str, expr: str, legend: str
) -> None:
    assert not unknown_metrics(expr), f"not in the metric catalogue: {unknown_metrics(expr)}"
    assert not bracket_problems(expr)
    assert not undeclared_labels(expr, legend)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_expressions_use_only_defined_variables(path: Path) -> None:
    dashboard = load(path)
    defined = {v["name"] for v in dashboard["templating"]["list"]} | BUILTIN_VARIABLES
    for where, expr, _ in queries(dashboard):
        used = {a or b for a, b in VARIABLE.findall(expr)}
        assert used <= defined, f"{where}: undefined variables {used - defined}"


def test_every_metric_family_group_is_on_a_dashboard() -> None:
    """Each collector's data shows somewhere (not every metric: info-only ones may not)."""
    text = " ".join(expr for _, _, expr, _ in QUERIES)
    for prefix in ("collector", "host", "cpu", "memory", "filesystem", "network", "probe",
                   "posture", "lan", "clock", "users", "build", "software", "hardware"):  # fmt: skip
        assert f"netwatch_{prefix}_" in text, prefix


def test_promtool_parses_every_expression(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool missing (Debian package prometheus)")
    rules = [
        {"record": f"netwatch_dashboard:query_{index}", "expr": concrete(expr)}
        for index, (_, where, expr, _) in enumerate(QUERIES)
        if where.startswith("panel")
    ]
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboards", "rules": rules}]}))
    run = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
