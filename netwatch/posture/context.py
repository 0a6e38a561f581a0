"""What a check function receives: host access, its parameters, the platform and the time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from netwatch.hostaccess import HostAccess

P = TypeVar("P", bound=BaseModel)
T = TypeVar("T")


class RunFacts:
    """Facts shared by the checks of one run, each produced once (thread-safe).

    A fact that failed to be produced fails the same way for every check that asks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, tuple[bool, Any]] = {}

    def get(self, key: str, produce: Callable[[], T]) -> T:
        """The fact ``key``, produced by ``produce`` on the first request of the run."""
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._done:
                try:
                    self._done[key] = (True, produce())
                except Exception as exc:  # noqa: BLE001 - replayed to every asking check
                    self._done[key] = (False, exc)
            ok, value = self._done[key]
        if not ok:
            raise value
        return cast(T, value)  # facts of all types share one cache


@dataclass(frozen=True)
class CheckContext:
    """Read-only view of the machine for one check.

    ``live`` is False when auditing a mounted image (``--root``): commands and
    the running kernel then describe the auditing machine, not the image, so
    checks must read files only or say not_applicable.
    """

    access: HostAccess
    platform: str
    params: BaseModel | None = None
    now: float = field(default_factory=time.time)
    facts: RunFacts = field(default_factory=RunFacts)

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
