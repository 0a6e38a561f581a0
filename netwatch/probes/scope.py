"""The scope of one /probe request: its target rules and, when asked, its debug trail.

The endpoint enters a scope around the probe; :func:`netwatch.probes.netutil.resolve`
checks every host and address against it, and probers :func:`note` their steps.
Probes of the configured ``services:`` run outside any scope: the admin wrote their
targets, so no rule applies and nothing is noted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from netwatch.core.secrets import mask_text
from netwatch.probes.result import ProbeFailure
from netwatch.probes.rules import TargetDenied, TargetRules


@dataclass
class ProbeScope:
    """Rules for one probe and what it recorded."""

    rules: TargetRules
    # Lines of the debug trail; None when the request did not ask for it.
    trail: list[str] | None = None
    # How many hosts passed the rules so far; a denial before any is the requested target's.
    passed: int = 0
    # Why the requested target itself was refused (not a redirect's).
    target_denied: str | None = None
    started: float = field(default_factory=time.perf_counter)


_current: ContextVar[ProbeScope | None] = ContextVar("netwatch_probe_scope", default=None)


@contextmanager
def probe_scope(scope: ProbeScope) -> Iterator[ProbeScope]:
    """Run the probes started inside the block under ``scope``."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def note(text: str) -> None:
    """Add a step to the debug trail of the current scope (secrets masked), if one is kept."""
    scope = _current.get()
    if scope is not None and scope.trail is not None:
        scope.trail.append(f"{time.perf_counter() - scope.started:7.3f}s {mask_text(text)}")


def _denied(scope: ProbeScope, error: TargetDenied) -> ProbeFailure:
    """The failure for a refused host: English in the trail and ``target_denied``, the
    message for readers (kept as masked English when masking changed it)."""
    message = mask_text(str(error))
    if scope.passed == 0:
        scope.target_denied = message
    note(f"refused: {message}")
    return ProbeFailure("denied", error.message if message == str(error) else message)


def check_host(host: str) -> None:
    """Refuse ``host`` before resolving it when the current scope's rules already can."""
    scope = _current.get()
    if scope is None:
        return
    try:
        scope.rules.check_host(host)
    except TargetDenied as exc:
        raise _denied(scope, exc) from None


def check_addresses(host: str, addresses: Sequence[str]) -> None:
    """Refuse unless the current scope's rules allow every address ``host`` resolved to."""
    scope = _current.get()
    if scope is None:
        return
    try:
        scope.rules.check_addresses(host, addresses)
    except TargetDenied as exc:
        raise _denied(scope, exc) from None
    scope.passed += 1
