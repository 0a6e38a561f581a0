"""The check registry: check packs register functions with metadata at import."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from netwatch.core.plugins import import_plugins
from netwatch.posture.model import Check, CheckFunction, CheckMeta

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
    """Every check, sorted by id: the check packs are the public modules of
    ``netwatch.posture.checks`` (and extensions' ``checks``), found by walking it."""
    import_plugins("netwatch.posture.checks", "checks")
    return tuple(sorted(_CHECKS.values(), key=lambda c: c.meta.id))
