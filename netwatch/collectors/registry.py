"""The collector registry: each collector module registers a name, settings and factory.

Collector modules are found by walking ``netwatch.collectors`` (and extensions, see
:mod:`netwatch.core.plugins`); a collector's name is its module's name.

Mirrors node_exporter's collector folder: the enable/disable switches and the
config section of each collector derive from its registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import Field

from netwatch.core.collector import AgentConfig, Collector
from netwatch.core.metrics import MetricSpec
from netwatch.core.plugins import import_plugins
from netwatch.core.settings import Duration, StrictModel
from netwatch.hostaccess import HostAccess


class CollectorSettings(StrictModel):
    """Settings every collector has. Live collectors run at scrape time."""

    enabled: bool = Field(True, description="Run this collector.")
    timeout: Duration = Field(5.0, description="Hard limit for one run.")


class ScheduledSettings(CollectorSettings):
    """Settings of collectors that run in the background on their own interval."""

    interval: Duration = Field(60.0, description="Time between two runs.")
    timeout: Duration = Field(30.0, description="Hard limit for one run.")


S = TypeVar("S", bound=CollectorSettings)


@dataclass(frozen=True)
class CollectorSpec(Generic[S]):
    """How to build one collector, and what it exposes.

    ``factory(settings, access, config)`` gets the collector's own settings (an instance
    of ``settings_model``, checked by the type checker), the host-access layer and what
    plugins see of the whole config (for top-level sections such as ``services``).
    """

    name: str
    description: str
    settings_model: type[S]
    factory: Callable[[S, HostAccess, AgentConfig], Collector]
    metrics: tuple[MetricSpec, ...]

    @property
    def scheduled(self) -> bool:
        """True when the collector runs in the background instead of at scrape time."""
        return issubclass(self.settings_model, ScheduledSettings)

    @property
    def default_enabled(self) -> bool:
        """Whether the collector runs when the config does not say."""
        return bool(self.settings_model.model_fields["enabled"].default)


_REGISTRY: dict[str, CollectorSpec[Any]] = {}


def register(spec: CollectorSpec[S]) -> CollectorSpec[S]:
    """Add a collector to the built-in registry (called at module import)."""
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise ValueError(f"collector {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


@cache
def builtin_specs() -> tuple[CollectorSpec[Any], ...]:
    """Import every collector module (found by walking the package) and return the specs.

    Sorted by name; each collector lives in the module of the same name.
    """
    import_plugins("netwatch.collectors", "collectors")
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))
