"""What a check function receives: host access and facts, parameters, platform and time."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from netwatch.facts.host import HostFacts
from netwatch.hostaccess import HostAccess

P = TypeVar("P", bound=BaseModel)

# The name the runner still creates a run's facts by (posture/runner.py).
RunFacts = HostFacts


@dataclass(frozen=True)
class CheckContext:
    """Read-only view of the machine for one check.

    ``facts`` are shared by the checks of a run, each produced once; facts created
    without a host are bound to ``access`` here. ``live`` is False when auditing a
    mounted image (``--root``): commands and the running kernel then describe the
    auditing machine, not the image, so checks must read files only or say
    not_applicable.
    """

    access: HostAccess
    platform: str
    params: BaseModel | None = None
    now: float = field(default_factory=time.time)
    facts: HostFacts = field(default_factory=HostFacts)

    def __post_init__(self) -> None:
        self.facts.bind(self.access)

    @property
    def live(self) -> bool:
        """True when the checks look at the running system."""
        return self.access.live

    def params_as(self, model: type[P]) -> P:
        """The check's parameters as ``model``; its defaults when run without a policy."""
        return self.params if isinstance(self.params, model) else model()

    def param(self, name: str) -> Any:
        """A parameter of the check (from its params model, as set by the policy)."""
        if self.params is None:
            raise KeyError(f"this check has no parameter {name!r}")
        return getattr(self.params, name)
