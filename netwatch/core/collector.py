"""What the engine runs (collectors) and what plugins see of the configuration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from prometheus_client.core import Metric


class Collector(Protocol):
    """Anything that yields fresh metric families on each call.

    A live collector may also have ``start()`` and ``stop()`` methods for
    background work of its own (the service probes); the engine calls them.
    """

    def collect(self) -> Iterable[Metric]:
        """Gather and return metric families; raise on failure."""
        ...


class AgentConfig(Protocol):
    """What plugins may read of the agent's whole configuration.

    The root model (``netwatch.config.model.RootConfig``) is assembled in the config layer
    from the plugin registries; plugins below it see it through this protocol.
    """

    @property
    def collectors(self) -> Any:
        """The ``collectors:`` section, one attribute per registered collector."""
        ...

    @property
    def asset(self) -> Any:
        """The ``asset:`` section: where the machine belongs (``assignment()``, or None)."""
        ...

    @property
    def services(self) -> Sequence[Any] | None:
        """The ``services:`` list; None when absent (discover the gateway and resolvers)."""
        ...
