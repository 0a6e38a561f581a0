"""Grafana dashboard JSON (schemaVersion 41) from small typed pieces.

Every panel queries the ``$datasource`` variable, carries a unit, a description and a
Vietnamese no-data text; the layout flows panels left to right on Grafana's 24-column
grid. In tables, units, colours and value mappings apply to the value columns only:
Grafana applies a panel's defaults to every column, and a date unit or a coloured
background on a label column garbles it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 41
# Days as a number with a Vietnamese suffix: Grafana's "d" unit turns 10 days into
# "1.4 week", in English.
DAYS = "suffix: ngày"
# Counting panels step by at least a minute, so each point's increase() window holds
# more than one scrape and windows do not overlap.
COUNT_INTERVAL = "1m"
GRID_COLUMNS = 24
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

Json = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """One PromQL target: instant for tables, stats and gauges; a range for time series."""

    expr: str
    legend: str = ""
    instant: bool = True
    table: bool = False


@dataclass(frozen=True)
class Threshold:
    """A colour from ``value`` upwards (``None``: the base colour)."""

    color: str
    value: float | None = None


@dataclass(frozen=True)
class Mapping:
    """A value shown as text, optionally coloured."""

    text: str
    value: float
    color: str | None = None

    def json(self) -> Json:
        result: Json = {"text": self.text}
        if self.color:
            result["color"] = self.color
        return {"type": "value", "options": {_number(self.value): result}}


@dataclass
class Panel:
    """A panel: its kind, words, queries and how its values look.

    Tables: ``columns`` renames (and orders) columns, ``hidden`` hides them (kept in the
    row, so data links can still use them), ``mappings`` apply to ``status_column`` (by
    default the first value column), ``unit``/``decimals``/``thresholds`` to every value column and
    ``column_units`` to the columns named. Stats: ``series_thresholds`` colours one
    series (by its legend) differently from the others.
    """

    kind: str
    title: str
    description: str
    queries: Sequence[Query]
    width: int
    height: int
    unit: str = "none"
    no_value: str = "Không có dữ liệu"
    decimals: int | None = None
    thresholds: Sequence[Threshold] = (Threshold("green"),)
    mappings: Sequence[Mapping] = ()
    columns: dict[str, str] = field(default_factory=dict)
    column_units: dict[str, str] = field(default_factory=dict)
    hidden: Sequence[str] = ()
    links: Sequence[tuple[str, str]] = ()
    color_cells: bool = False
    status_column: str | None = None
    series_thresholds: dict[str, Sequence[Threshold]] = field(default_factory=dict)
    min_interval: str | None = None
    stacked: bool = False
    options: Json = field(default_factory=dict)
    min: float | None = None
    max: float | None = None

    def json(self, panel_id: int, x: int, y: int) -> Json:
        looks = self._looks()
        defaults: Json = {
            "noValue": self.no_value,
            "color": {"mode": "thresholds" if self.kind != "timeseries" else "palette-classic"},
            "links": [
                {"title": title, "url": url, "targetBlank": False} for title, url in self.links
            ],
        }
        if self.kind != "table":
            defaults |= looks | {"mappings": [mapping.json() for mapping in self.mappings]}
        if self.kind == "timeseries":
            defaults["custom"] = {
                "drawStyle": "line",
                "lineWidth": 1,
                "fillOpacity": 20 if self.stacked else 0,
                "showPoints": "never",
                "spanNulls": False,
                "stacking": {"mode": "normal" if self.stacked else "none", "group": "A"},
            }
        if self.kind == "table":
            defaults["custom"] = {"align": "auto", "cellOptions": {"type": "auto"}}
        panel: Json = {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": [_target(query, chr(ord("A") + n)) for n, query in enumerate(self.queries)],
            "fieldConfig": {"defaults": defaults, "overrides": self._overrides()},
            "options": self._options(),
            "transformations": self._transformations(),
        }
        if self.min_interval:
            panel["interval"] = self.min_interval
        return panel

    def _looks(self) -> Json:
        """Unit, decimals, range and thresholds: the panel's defaults, or a table's numbers."""
        looks: Json = {
            "unit": self.unit,
            "thresholds": _steps(self.thresholds),
        }
        for key in ("decimals", "min", "max"):
            if getattr(self, key) is not None:
                looks[key] = getattr(self, key)
        return looks

    def _overrides(self) -> list[Json]:
        overrides = [
            _override("byName", name, thresholds=_steps(steps))
            for name, steps in self.series_thresholds.items()
        ]
        if self.kind != "table":
            return overrides
        numbers = dict(self._looks())
        if self.color_cells:
            numbers["custom.cellOptions"] = {"type": "color-background", "mode": "basic"}
        overrides.append(_override("byType", "number", **numbers))
        if self.mappings:
            status = self.status_column or next(n for n in self.columns if n.startswith("Value"))
            overrides.append(
                _override(
                    "byName",
                    self.columns[status],
                    mappings=[mapping.json() for mapping in self.mappings],
                )  # fmt: skip
            )
        overrides += [
            _override("byName", self.columns.get(column, column), unit=unit)
            for column, unit in self.column_units.items()
        ]
        overrides += [
            _override("byName", self.columns.get(name, name), **{"custom.hidden": True})
            for name in self.hidden
        ]
        return overrides

    def _options(self) -> Json:
        base: Json
        if self.kind == "stat":
            base = {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "colorMode": "background",
                "graphMode": "none",
                "justifyMode": "center",
                "textMode": "value_and_name",
                "orientation": "auto",
            }
        elif self.kind == "bargauge":
            base = {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "orientation": "horizontal",
                "displayMode": "gradient",
                "showUnfilled": True,
                "valueMode": "color",
            }
        elif self.kind == "table":
            base = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}}
        elif self.kind == "timeseries":
            base = {
                "legend": {"displayMode": "table", "placement": "right", "showLegend": True},
                "tooltip": {"mode": "multi", "sort": "desc"},
            }
        else:
            base = {}
        return base | self.options

    def _transformations(self) -> list[Json]:
        if self.kind != "table":
            return []
        steps: list[Json] = []
        if len(self.queries) > 1:
            steps.append({"id": "merge", "options": {}})
        hidden = {"Time": True, "__name__": True}
        order = {name: n for n, name in enumerate(self.columns)}
        steps.append(
            {
                "id": "organize",
                "options": {
                    "excludeByName": hidden,
                    "indexByName": order,
                    "renameByName": dict(self.columns),
                },
            }
        )
        return steps


@dataclass
class Row:
    """A row header; collapsed rows carry their panels inside them."""

    title: str
    panels: Sequence[Panel]
    collapsed: bool = True


@dataclass(frozen=True)
class Variable:
    """A query variable over one label, filled from a PromQL series selector."""

    name: str
    label: str
    description: str
    selector: str
    multi: bool = True
    hidden: bool = False
    all_value: str | None = None

    def json(self) -> Json:
        definition = f"label_values({self.selector}, {self.name})"
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "type": "query",
            "datasource": DATASOURCE,
            "definition": definition,
            "query": {
                "qryType": 1,
                "query": definition,
                "refId": "PrometheusVariableQueryEditor-VariableQuery",
            },
            "current": {},
            "hide": 2 if self.hidden else 0,
            "includeAll": self.multi,
            "multi": self.multi,
            **({"allValue": self.all_value} if self.all_value is not None else {}),
            "options": [],
            "refresh": 2,
            "regex": "",
            "skipUrlSync": False,
            "sort": 1,
        }


DATASOURCE_VARIABLE: Json = {
    "name": "datasource",
    "label": "Nguồn dữ liệu",
    "description": "The Prometheus (or VictoriaMetrics) data source holding netwatch's series.",
    "type": "datasource",
    "query": "prometheus",
    "current": {},
    "hide": 0,
    "includeAll": False,
    "multi": False,
    "options": [],
    "refresh": 1,
    "regex": "",
    "skipUrlSync": False,
}


@dataclass
class Dashboard:
    """A whole dashboard: identity, variables, links and its panels (or rows of panels)."""

    uid: str
    title: str
    description: str
    tags: Sequence[str]
    variables: Sequence[Variable]
    content: Sequence[Panel | Row]
    links: Sequence[tuple[str, str]] = ()
    refresh: str = "1m"
    time_from: str = "now-6h"
    kiosk: bool = False

    def json(self) -> Json:
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["netwatch", *self.tags],
            "editable": True,
            "fiscalYearStartMonth": 0,
            "graphTooltip": 1,
            "id": None,
            "liveNow": False,
            "refresh": self.refresh,
            "schemaVersion": SCHEMA_VERSION,
            "time": {"from": self.time_from, "to": "now"},
            "timepicker": {
                "refresh_intervals": ["30s", "1m", "5m", "15m"],
                **({"hidden": True} if self.kiosk else {}),
            },
            "timezone": "browser",
            "version": 1,
            "annotations": {"list": [_annotations()]},
            "links": [
                {
                    "title": title,
                    "type": "link",
                    "icon": "dashboard",
                    "url": url,
                    "keepTime": True,
                    "includeVars": True,
                    "targetBlank": False,
                    "asDropdown": False,
                    "tags": [],
                    "tooltip": "",
                }
                for title, url in self.links
            ],
            "templating": {
                "list": [DATASOURCE_VARIABLE, *(variable.json() for variable in self.variables)]
            },
            "panels": layout(self.content),
        }


def layout(content: Sequence[Panel | Row]) -> list[Json]:
    """Place panels left to right, wrapping at 24 columns; a row starts a new line."""
    placed: list[Json] = []
    ids = iter(range(1, 10_000))
    y = 0
    loose: list[Panel] = []
    for item in [*content, None]:
        if isinstance(item, Panel):
            loose.append(item)
            continue
        panels, y = _flow(loose, ids, y)
        placed.extend(panels)
        loose = []
        if item is None:
            break
        row: Json = {
            "id": next(ids),
            "type": "row",
            "title": item.title,
            "collapsed": item.collapsed,
            "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": 1},
            "panels": [],
        }
        placed.append(row)
        inner, y = _flow(item.panels, ids, y + 1)
        if item.collapsed:
            row["panels"] = inner
        else:
            placed.extend(inner)
    return placed


def _flow(panels: Sequence[Panel], ids: Iterator[int], top: int) -> tuple[list[Json], int]:
    """Panels of one block laid out in lines; returns them and the first free grid line."""
    placed: list[Json] = []
    x, y, line_height = 0, top, 0
    for panel in panels:
        if panel.width > GRID_COLUMNS:
            raise ValueError(f"panel {panel.title!r} is wider than {GRID_COLUMNS} columns")
        if x + panel.width > GRID_COLUMNS:
            x, y, line_height = 0, y + line_height, 0
        placed.append(panel.json(next(ids), x, y))
        x += panel.width
        line_height = max(line_height, panel.height)
    return placed, y + line_height


def _override(matcher: str, options: str, **properties: Any) -> Json:
    """A field override: ``properties`` (by Grafana's ids) for the fields the matcher picks."""
    return {
        "matcher": {"id": matcher, "options": options},
        "properties": [{"id": key, "value": value} for key, value in properties.items()],
    }


def _steps(thresholds: Sequence[Threshold]) -> Json:
    return {
        "mode": "absolute",
        "steps": [{"color": t.color, "value": t.value} for t in thresholds],
    }


def _target(query: Query, ref_id: str) -> Json:
    return {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "refId": ref_id,
        "range": not query.instant,
        "instant": query.instant,
        "format": "table" if query.table else "time_series",
    }


def _annotations() -> Json:
    return {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
