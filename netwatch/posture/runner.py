"""Run the checks of a policy concurrently; a check that hangs or raises becomes ``error``."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

from netwatch.core.errors import one_line
from netwatch.facts.host import HostFacts
from netwatch.hostaccess import HostAccess
from netwatch.posture.context import CheckContext
from netwatch.posture.model import CheckResult, Outcome, Status, error
from netwatch.posture.policy import Policy, SelectedCheck

log = logging.getLogger("netwatch.posture")

DEFAULT_CONCURRENCY = 8


def host_platform(access: HostAccess) -> str:
    """``windows`` when a registry is available on Windows, else ``linux``."""
    return "windows" if access.registry is not None and sys.platform == "win32" else "linux"


class _Slot:
    """A check running in its own daemon thread (a hung check cannot block the run)."""

    def __init__(self, selected: SelectedCheck, context: CheckContext) -> None:
        self.selected = selected
        self.context = context
        self.done = threading.Event()
        self.outcome: Outcome | None = None
        self.started = time.monotonic()
        self.finished = 0.0
        self._released = False
        self._lock = threading.Lock()

    def release_once(self, gate: threading.BoundedSemaphore) -> None:
        """Give the concurrency slot back, exactly once (on finish or on timeout)."""
        with self._lock:
            if self._released:
                return
            self._released = True
        gate.release()

    def run(self) -> None:
        try:
            self.outcome = self.selected.check.run(self.context)
            if not isinstance(self.outcome, Outcome):
                self.outcome = error(f"check returned {type(self.outcome).__name__}")
        except Exception as exc:  # noqa: BLE001 - a broken check is an error result
            self.outcome = error(one_line(exc))
        finally:
            self.finished = time.monotonic()
            self.done.set()


def run_policy(
    policy: Policy,
    access: HostAccess,
    platform: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    now: float | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    facts: HostFacts | None = None,
) -> list[CheckResult]:
    """Run every selected check for ``platform``; results sorted by check id.

    The checks share ``facts`` (new facts of ``access`` when none are given): an audit
    passes the facts its inventory has already read.
    """
    chosen_platform = platform or host_platform(access)
    moment = now if now is not None else time.time()
    pending = [s for s in policy.selected if chosen_platform in s.check.meta.platforms]
    gate = threading.BoundedSemaphore(max(1, concurrency))
    slots: list[_Slot] = []
    shared = facts if facts is not None else HostFacts(access)
    for selected in pending:
        context = CheckContext(access, chosen_platform, selected.params, moment, shared)
        slots.append(_Slot(selected, context))
    results: list[CheckResult] = []
    waiting = list(slots)
    started: list[_Slot] = []
    while waiting or started:
        while waiting and gate.acquire(blocking=False):
            slot = waiting.pop(0)
            slot.started = time.monotonic()
            threading.Thread(target=_release_after, args=(slot, gate), daemon=True,
                             name=f"check-{slot.selected.check.meta.id}").start()  # fmt: skip
            started.append(slot)
        for slot in list(started):
            limit = slot.selected.timeout
            if slot.done.is_set() or time.monotonic() - slot.started >= limit:
                started.remove(slot)
                slot.release_once(gate)
                result = _result(policy, slot, limit)
                results.append(result)
                if on_result is not None:
                    on_result(result)
        if started and not any(s.done.is_set() for s in started):
            _wait_any(started)
    return sorted(results, key=lambda r: r.meta.id)


def _release_after(slot: _Slot, gate: threading.BoundedSemaphore) -> None:
    try:
        slot.run()
    finally:
        slot.release_once(gate)


def _wait_any(started: list[_Slot]) -> None:
    """Sleep until a started check finishes or the first deadline passes."""
    deadline = min(s.started + s.selected.timeout for s in started)
    remaining = max(0.0, deadline - time.monotonic())
    started[0].done.wait(min(remaining, 0.05))


def _result(policy: Policy, slot: _Slot, limit: float) -> CheckResult:
    meta = slot.selected.check.meta
    if slot.done.is_set() and slot.outcome is not None:
        outcome = slot.outcome
        duration = slot.finished - slot.started
    else:
        outcome = error(f"did not finish within {limit:g}s")
        duration = limit
        log.warning("check %s timed out after %gs", meta.id, limit)
    if outcome.status is Status.error:
        log.info("check %s could not decide: %s", meta.id, outcome.reason)
    return CheckResult(
        meta=meta,
        severity=slot.selected.severity,
        outcome=outcome,
        duration=duration,
        waiver=policy.waivers.get(meta.id),
        frameworks=policy.mappings(meta.id),
    )
