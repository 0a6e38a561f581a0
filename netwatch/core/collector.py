"""What the engine runs: anything that yields fresh metric families on each call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from prometheus_client.core import Metric


class Collector(Protocol):
    """Anything that yields fresh metric families on each call.

    A live collector may also have ``start()`` and ``stop()`` methods for
    background work of its own (the service probes); the engine calls them.
    """

    def collect(self) -> Iterable[Metric]:
        """Gather and return metric families; raise on failure."""
        ...
