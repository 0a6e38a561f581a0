"""Windows event logs large enough to keep the evidence an investigation needs."""

from __future__ import annotations

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    POLICIES,
    SERVICES,
    joined,
    registry_dword,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

EVENTLOG_SERVICE = f"{SERVICES}\\EventLog"

EVENTLOG_POLICY = f"{POLICIES}\\Windows\\EventLog"

DEFAULT_LOG_KB = 20480  # MaxSize unset: 20 MB for Application, Security and System


class EventLogParams(StrictModel):
    """Minimum sizes of the classic event logs, in KB."""

    application_kb: int = Field(32768, ge=1, description="Minimum Application log size (KB).")
    security_kb: int = Field(196608, ge=1, description="Minimum Security log size (KB).")
    system_kb: int = Field(32768, ge=1, description="Minimum System log size (KB).")


@check("windows.eventlog.sizes", params=EventLogParams)
@windows_check(needs_registry=True)
def eventlog_sizes(ctx: CheckContext) -> Outcome:
    """Each log's maximum size (Group Policy in KB, else the service's value in bytes)."""
    params = ctx.params_as(EventLogParams)
    minimums = {
        "Application": params.application_kb,
        "Security": params.security_kb,
        "System": params.system_kb,
    }
    evidence: list[Evidence] = []
    small: list[Message] = []
    for log, minimum in minimums.items():
        policy_key, local_key = f"{EVENTLOG_POLICY}\\{log}", f"{EVENTLOG_SERVICE}\\{log}"
        policy = registry_dword(ctx, policy_key, "MaxSize")
        if policy is not None:
            size_kb, source = policy, policy_key
            observed: Message = msg("{size} KB, Group Policy", size=policy)
        else:
            local = registry_dword(ctx, local_key, "MaxSize")
            size_kb = DEFAULT_LOG_KB if local is None else local // 1024
            source = local_key
            observed = (
                msg("not set (Windows default {size} KB)", size=DEFAULT_LOG_KB)
                if local is None
                else msg("{size} bytes ({kb} KB)", size=local, kb=size_kb)
            )
        expected = msg("at least {minimum} KB", minimum=minimum)
        evidence.append(Evidence(value_source(source, "MaxSize"), observed, expected))
        if size_kb < minimum:
            small.append(
                msg("{log} {size} KB < {minimum} KB", log=log, size=size_kb, minimum=minimum)
            )
    if small:
        return failed(*evidence, reason=joined(small))
    return passed(*evidence)
