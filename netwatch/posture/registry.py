"""The check registry: check modules register functions with metadata at import."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from netwatch.posture.model import Check, CheckFunction, CheckMeta

CHECK_MODULES: tuple[str, ...] = (
    "linux_ssh",
    "linux_accounts",
    "linux_files",
    "linux_firewall",
    "linux_system",
    "windows_network",
    "windows_system",
    "backup",
)

_CHECKS: dict[str, Check] = {}


def check(meta: CheckMeta) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check described by ``meta``."""

    def register(function: CheckFunction) -> CheckFunction:
        existing = _CHECKS.get(meta.id)
        if existing is not None and existing.run is not function:
            raise ValueError(f"check {meta.id!r} registered twice")
        _CHECKS[meta.id] = Check(meta, function)
        return function

    return register


@cache
def all_checks() -> tuple[Check, ...]:
    """Every built-in check, sorted by id."""
    for module in CHECK_MODULES:
        importlib.import_module(f"netwatch.posture.checks.{module}")
    return tuple(sorted(_CHECKS.values(), key=lambda c: c.meta.id))
