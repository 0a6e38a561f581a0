"""Targets in a loaded config, checked by the probers' own parsing before anything runs.

A service's target (and the clock collector's NTP server) that its prober would refuse
is a config error with its line, for ``config check``, ``serve`` and a reload alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netwatch.config.model import RootConfig
from netwatch.core.yamlfile import ConfigProblem
from netwatch.probes.base import probers
from netwatch.probes.result import ProbeFailure

Lines = dict[tuple[Any, ...], int]


def _refusal(check: Callable[[str], object] | None, target: str) -> str | None:
    """Why ``check`` refuses ``target``; None when it accepts it (or there is no check)."""
    if check is None:
        return None
    try:
        check(target)
    except ProbeFailure as exc:
        return exc.detail
    return None


def _problem(path: tuple[Any, ...], reason: str, lines: Lines) -> ConfigProblem:
    line = lines.get(path) or lines.get(path[:-1])
    return ConfigProblem(".".join(str(part) for part in path), reason, line)


def target_problems(config: RootConfig, lines: Lines) -> list[ConfigProblem]:
    """Every configured target its prober would refuse, with the line it is on."""
    problems = []
    for index, service in enumerate(config.services or []):
        reason = _refusal(service.prober_impl().check_target, service.target)
        if reason is not None:
            why = f"{reason} (prober {service.prober})"
            problems.append(_problem(("services", index, "target"), why, lines))
    clock = getattr(config.collectors, "clock", None)
    server = getattr(clock, "server", None)
    ntp = probers().get("ntp")
    if server and ntp is not None:
        reason = _refusal(ntp.check_target, server)
        if reason is not None:
            problems.append(_problem(("collectors", "clock", "server"), reason, lines))
    return problems
