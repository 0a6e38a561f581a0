"""The metric catalogue: every family the agent can expose, rendered for the README.

``python -m netwatch.collectors.catalogue`` prints the Markdown reference; a test
fails when the README's copy differs or when the agent emits an uncatalogued metric.
"""

from __future__ import annotations

from netwatch.collectors.registry import builtin_specs
from netwatch.core.metrics import MetricSpec
from netwatch.engine.engine import ENGINE_METRICS


def catalogue() -> list[tuple[str, MetricSpec]]:
    """(collector name, spec) for every metric, engine metrics first."""
    rows = [("(engine)", spec) for spec in ENGINE_METRICS]
    for collector in builtin_specs():
        rows.extend((collector.name, spec) for spec in collector.metrics)
    return rows


def render_markdown() -> str:
    """The metrics reference as a Markdown table."""
    lines = [
        "| Metric | Type | Labels | Collector | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for collector, spec in catalogue():
        labels = ", ".join(f"`{label}`" for label in spec.labels) or "-"
        lines.append(f"| `{spec.name}` | {spec.kind} | {labels} | {collector} | {spec.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
