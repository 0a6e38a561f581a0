"""Grafana dashboard JSON (schemaVersion 41) from small typed pieces.

Every panel queries the ``$datasource`` variable, carries a unit, a description and a
Vietnamese no-data text; the layout flows panels left to right on Grafana's 24-column
grid. The JSON this writes is what Grafana itself saves, so an exported dashboard diffs
cleanly against a generated one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 41
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
    """A value (or range of values) shown as text, optionally coloured."""

    text: str
    value: float | None = None
    below: float | None = None
    color: str | None = None

    def json(self) -> Json:
        result: Json = {"text": self.text}
        if self.color:
            result["color"] = self.color
        if self.value is not None:
            return {"type": "value", "options": {_number(self.value): result}}
        return {"type": "range", "options": {"from": None, "to": self.below, "result": result}}


@dataclass
class Panel:
    """A panel: its kind, words, queries and how its values look."""

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
    stacked: bool = False
    options: Json = field(default_factory=dict)
    min: float | None = None
    max: float | None = None

    def json(self, panel_id: int, x: int, y: int) -> Json:
        defaults: Json = {
            "unit": self.unit,
            "noValue": self.no_value,
            "color": {"mode": "thresholds" if self.kind != "timeseries" else "palette-classic"},
            "thresholds": {
                "mode": "absolute",
                "steps": [{"color": t.color, "value": t.value} for t in self.thresholds],
            },
            "mappings": [mapping.json() for mapping in self.mappings],
            "links": [
                {"title": title, "url": url, "targetBlank": False} for title, url in self.links
            ],
        }
        for key in ("decimals", "min", "max"):
            if getattr(self, key) is not None:
                defaults[key] = getattr(self, key)
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
            cell = "color-background" if self.color_cells else "auto"
            defaults["custom"] = {"align": "auto", "cellOptions": {"type": cell}}
        return {
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

    def _overrides(self) -> list[Json]:
        return [
            {
                "matcher": {"id": "byName", "options": self.columns.get(column, column)},
                "properties": [{"id": "unit", "value": unit}],
            }
            for column, unit in self.column_units.items()
        ]

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
        hidden = {"Time": True, "__name__": True, **{name: True for name in self.hidden}}
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
            "query": {"qryType": 1, "query": definition, "refId": "variable"},
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
            "style": "dark",
            "time": {"from": self.time_from, "to": "now"},
            "timepicker": {"refresh_intervals": ["30s", "1m", "5m", "15m"]},
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
