"""Metric specifications: one declaration gives the name, type, help and labels.

Collectors build their metric families from these specs, and the README's
metrics reference is generated from the same catalogue, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)

MetricKind = Literal["gauge", "counter", "info"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric family as exposed, e.g. ``netwatch_network_receive_bytes_total``."""

    name: str
    kind: MetricKind
    help: str
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"counter {self.name} must end in _total")
        if self.kind == "info" and not self.name.endswith("_info"):
            raise ValueError(f"info metric {self.name} must end in _info")
        if "type" in self.labels:
            raise ValueError(f"{self.name}: a label named 'type' is not allowed")

    def family(self) -> Metric:
        """A fresh, empty family to add samples to."""
        if self.kind == "counter":
            return CounterMetricFamily(self.name[: -len("_total")], self.help, labels=self.labels)
        if self.kind == "info":
            return InfoMetricFamily(self.name[: -len("_info")], self.help, labels=self.labels)
        return GaugeMetricFamily(self.name, self.help, labels=self.labels)

    def single(self, value: float, *label_values: str) -> Metric:
        """A family holding exactly one gauge or counter sample."""
        family = self.family()
        family.add_metric(list(label_values), value)
        return family
