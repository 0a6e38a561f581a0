"""Metric specifications: one declaration gives the name, type, help and labels.

Collectors build their metric families from these specs, and the README's
metrics reference is generated from the same catalogue, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)

MetricKind = Literal["gauge", "counter", "info"]

if TYPE_CHECKING:

    class MetricFamily(Metric):
        """What :meth:`MetricSpec.family` returns, for the type checker.

        Gauge, counter and info families all have ``add_metric``: the value is a number,
        or for an info metric the extra labels.
        """

        def add_metric(self, labels: Sequence[str], value: float | dict[str, str]) -> None:
            """Add one sample with these label values."""


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

    def family(self) -> MetricFamily:
        """A fresh, empty family to add samples to."""
        family: Metric
        if self.kind == "counter":
            family = CounterMetricFamily(self.name[: -len("_total")], self.help, labels=self.labels)
        elif self.kind == "info":
            family = InfoMetricFamily(self.name[: -len("_info")], self.help, labels=self.labels)
        else:
            family = GaugeMetricFamily(self.name, self.help, labels=self.labels)
        return cast("MetricFamily", family)

    def single(self, value: float, *label_values: str) -> Metric:
        """A family holding exactly one gauge or counter sample."""
        family = self.family()
        family.add_metric(list(label_values), value)
        return family
