"""What a check function receives: host access and facts, parameters, platform and time."""

from __future__ import annotations

import time
from dataclasses import InitVar, dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from netwatch.facts.host import HostFacts
from netwatch.hostaccess import HostAccess

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class CheckContext:
    """Read-only view of the machine for one check.

    ``facts`` are those of the run (``run_facts``), shared by its checks and each produced
    once; new facts of ``access`` when none are given. ``live`` is False when auditing a
    mounted image (``--root``): commands and the running kernel then describe the
    auditing machine, not the image, so checks must read files only or say
    not_applicable.
    """

    access: HostAccess
    platform: str
    params: BaseModel | None = None
    now: float = field(default_factory=time.time)
    run_facts: InitVar[HostFacts | None] = None
    facts: HostFacts = field(init=False, repr=False, compare=False)

    def __post_init__(self, run_facts: HostFacts | None) -> None:
        facts = run_facts if run_facts is not None else HostFacts(self.access)
        if facts.access is not self.access:
            raise ValueError("the run's facts read another host than this check's access")
        object.__setattr__(self, "facts", facts)  # frozen: set once, here

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
