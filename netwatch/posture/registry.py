"""The check registry: check modules register functions at import, their metadata from
the file beside them (:mod:`netwatch.posture.metadata`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from pydantic import BaseModel

from netwatch.core.plugins import import_plugins
from netwatch.core.yamlfile import ConfigError, ConfigProblem
from netwatch.posture.metadata import check_meta, metadata_source, orphan_entries
from netwatch.posture.model import Check, CheckFunction

DEFAULT_TIMEOUT = 20.0
_CHECKS: dict[str, Check] = {}


def check(
    check_id: str, params: type[BaseModel] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``check_id``.

    The function's module must be the one the id names (``linux.ssh.root_login`` in
    ``checks/linux/ssh.py``); its texts come from that module's YAML file.
    """

    def register(function: CheckFunction) -> CheckFunction:
        existing = _CHECKS.get(check_id)
        if existing is not None and existing.run is not function:
            raise ValueError(f"check {check_id!r} registered twice")
        meta = check_meta(check_id, function.__module__, params, timeout)
        _CHECKS[check_id] = Check(meta, function)
        return function

    return register


@cache
def all_checks() -> tuple[Check, ...]:
    """Every check, sorted by id: the check modules are found by walking
    ``netwatch.posture.checks`` (and extensions' ``checks``) and its subpackages.

    A metadata entry without its check is a :class:`ConfigError` (a misspelt key would
    otherwise leave the check without its texts).
    """
    import_plugins("netwatch.posture.checks", "checks")
    by_module: dict[str, set[str]] = {}
    for found in _CHECKS.values():
        by_module.setdefault(found.run.__module__, set()).add(found.meta.id)
    for module, ids in sorted(by_module.items()):
        orphans = orphan_entries(module, ids)
        if orphans:
            problems = [ConfigProblem(key, "no check of this id in the module") for key in orphans]
            raise ConfigError(metadata_source(module), problems)
    return tuple(sorted(_CHECKS.values(), key=lambda c: c.meta.id))
