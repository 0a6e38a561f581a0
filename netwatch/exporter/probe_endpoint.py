"""The blackbox-style ``/probe?target=...&module=...`` endpoint."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs

from prometheus_client.core import Metric

from netwatch.probes.base import run_probe
from netwatch.probes.loop import LoopThread
from netwatch.probes.metrics import result_families
from netwatch.probes.targets import display_target

DEFAULT_MODULE = "http_2xx"
MAX_TARGET_LENGTH = 2048


class ProbeRequestError(ValueError):
    """The /probe query string is unusable; the message says what to fix."""


class ProbeEndpoint:
    """Runs one probe per request with a module from ``probe_modules``."""

    def __init__(self, modules: dict[str, Any], default_timeout: float) -> None:
        self.modules = modules
        self.default_timeout = default_timeout
        self._loop: LoopThread | None = None
        self._lock = threading.Lock()

    def _probe_loop(self) -> LoopThread:
        with self._lock:
            if self._loop is None:
                self._loop = LoopThread()
            return self._loop

    def close(self) -> None:
        """Stop the probe loop thread, if one was started."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.close()

    def _single(self, query: dict[str, list[str]], name: str, default: str | None) -> str:
        values = query.get(name, [])
        if len(values) > 1:
            raise ProbeRequestError(f"parameter {name!r} given {len(values)} times")
        if not values:
            if default is None:
                raise ProbeRequestError(f"missing parameter {name!r}, e.g. /probe?{name}=...")
            return default
        return values[0]

    def handle(self, query_string: str, budget: float) -> list[Metric]:
        """Probe the requested target within ``budget`` seconds and return its families."""
        query = parse_qs(query_string, keep_blank_values=True)
        target = self._single(query, "target", None).strip()
        if not target or len(target) > MAX_TARGET_LENGTH:
            raise ProbeRequestError("parameter 'target' must be 1-2048 characters")
        name = self._single(query, "module", DEFAULT_MODULE)
        module = self.modules.get(name)
        if module is None:
            known = ", ".join(sorted(self.modules)) or "none"
            raise ProbeRequestError(f"unknown module {name!r}; configured modules: {known}")
        service = self._single(query, "service", display_target(target))
        timeout = min(module.timeout or self.default_timeout, budget)
        probe = run_probe(module.prober_impl(), target, module.params(), timeout)
        # run_probe ends itself at ``timeout``; the extra second only guards the wait.
        result = self._probe_loop().run(probe, timeout + 1.0)
        return result_families([(service, module.prober, result)])
