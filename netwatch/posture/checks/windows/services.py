"""Windows services that expose the machine (Telnet, FTP, SNMP, remote registry...)."""

from __future__ import annotations

from pydantic import Field, field_validator

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._windows import (
    START_DISABLED,
    service_start,
    start_text,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

DEFAULT_RISKY_SERVICES = ["RemoteRegistry", "TlntSvr", "FTPSVC", "SNMP", "simptcp"]


class RiskyServicesParams(StrictModel):
    """Services that must be disabled or absent."""

    services: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RISKY_SERVICES),
        description="Service key names (not display names) under "
        "HKLM\\SYSTEM\\CurrentControlSet\\Services that must be disabled or not installed: "
        "RemoteRegistry (remote registry access), TlntSvr (Telnet server), FTPSVC (IIS FTP), "
        "SNMP (SNMP agent), simptcp (Simple TCP/IP Services).",
    )

    @field_validator("services")
    @classmethod
    def _service_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name or not all(c.isalnum() or c in "_-.$" for c in name):
                raise ValueError(f"{name!r} is not a service key name")
        return value


@check("windows.services.risky", params=RiskyServicesParams)
@windows_check(needs_registry=True)
def risky_services(ctx: CheckContext) -> Outcome:
    """Each listed service is absent or disabled (Start=4); manual services can be triggered."""
    evidence, enabled = [], []
    for service in ctx.params_as(RiskyServicesParams).services:
        start, source = service_start(ctx, service)
        evidence.append(Evidence(source, start_text(start), "not installed or Start=4 (disabled)"))
        if start not in (None, START_DISABLED):
            enabled.append(service)
    if enabled:
        return failed(*evidence, reason="not disabled: " + ", ".join(enabled))
    return passed(*evidence)
