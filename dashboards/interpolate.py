"""The queries Grafana sends for a dashboard: every panel target with its variables filled in.

Grafana's Prometheus data source formats a variable by its kind: a single-value variable
is inserted as it is; a multi-value one (or "All" without a custom all value) has each
value regex-escaped and joined as ``(a|b)``; "All" with a custom all value inserts that
value. ``$__rate_interval``, ``$__interval`` and ``$__range`` become durations. The lab
tests and the wall benchmark both send exactly these strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
LabelValues = Callable[[str, str], list[str]]  # (series selector, label) -> values
ALL = "$__all"
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::(\w+))?\}|(\w+))")
LABEL_VALUES = re.compile(r"label_values\((.*),\s*(\w+)\)$", re.DOTALL)
REGEX_SPECIAL = re.compile(r"([\^$*+?.()|{}\[\]'])")


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel, as Grafana would send it."""

    dashboard: str
    panel: str
    ref_id: str
    expr: str
    instant: bool


def panels(dashboard: Json) -> Iterator[Json]:
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def variables(dashboard: Json) -> list[Json]:
    return [v for v in dashboard["templating"]["list"] if v["type"] == "query"]


def resolve(
    dashboard: Json, label_values: LabelValues, chosen: Mapping[str, str | list[str]]
) -> dict[str, str]:
    """Every query variable's text as Grafana inserts it.

    Variables are resolved in order, each one's selector filled with those before it
    (Grafana's chained variables). ``chosen`` picks values; a variable not in it is "All"
    when it allows that, else its first value.
    """
    resolved: dict[str, str] = {}
    for variable in variables(dashboard):
        match = LABEL_VALUES.match(variable["query"]["query"])
        if match is None:
            raise ValueError(f"variable {variable['name']}: not label_values(selector, label)")
        selector = fill(match.group(1), resolved)
        options = sorted(set(label_values(selector, match.group(2))))
        picked = chosen.get(variable["name"], ALL if variable["includeAll"] else options[:1])
        resolved[variable["name"]] = format_value(variable, picked, options)
    return resolved


def format_value(variable: Json, picked: str | list[str], options: list[str]) -> str:
    """The text Grafana's Prometheus data source puts in a query for this choice."""
    if picked == ALL or picked == [ALL]:
        if variable.get("allValue") is not None:
            return str(variable["allValue"])
        picked = options
    values = [picked] if isinstance(picked, str) else list(picked)
    if not variable["multi"] and not variable["includeAll"]:
        return values[0] if values else ""
    escaped = [REGEX_SPECIAL.sub(r"\\\\\1", value.replace("\\", "\\\\\\\\")) for value in values]
    return escaped[0] if len(escaped) == 1 else f"({'|'.join(escaped)})"


def fill(expr: str, values: Mapping[str, str], interval: str = "1m", range_: str = "1h") -> str:
    """``expr`` with variables replaced; unknown ones are left for the caller to notice."""
    builtins = {"__rate_interval": interval, "__interval": interval, "__range": range_}

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in builtins:
            return builtins[name]
        return values.get(name, match.group(0))

    return VARIABLE.sub(value, expr)


def queries(
    dashboard: Json, values: Mapping[str, str], interval: str = "1m", range_: str = "1h"
) -> list[PanelQuery]:
    """Every panel target of ``dashboard`` with ``values`` (from :func:`resolve`) filled in."""
    return [
        PanelQuery(
            dashboard["uid"],
            panel["title"],
            target["refId"],
            fill(target["expr"], values, interval, range_),
            bool(target.get("instant")),
        )
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]
