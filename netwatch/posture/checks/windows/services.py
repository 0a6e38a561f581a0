"""Windows services that expose the machine (Telnet, FTP, SNMP, remote registry, Print Spooler)."""

from __future__ import annotations

from pydantic import Field, field_validator

from netwatch.core.settings import StrictModel
from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    CONTROL,
    POLICIES,
    START_DISABLED,
    WindowsDataError,
    joined,
    registry_dword,
    registry_value,
    service_start,
    shown,
    start_text,
    value_source,
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
    evidence: list[Evidence] = []
    enabled: list[str] = []
    for service in ctx.params_as(RiskyServicesParams).services:
        start, source = service_start(ctx, service)
        evidence.append(Evidence(source, start_text(start), NOT_INSTALLED_OR_DISABLED))
        if start not in (None, START_DISABLED):
            enabled.append(service)
    if enabled:
        return failed(*evidence, reason=msg("not disabled: {names}", names=", ".join(enabled)))
    return passed(*evidence)


PRODUCT_OPTIONS = f"{CONTROL}\\ProductOptions"
PRODUCT_TYPES = {"WinNT": "workstation", "ServerNT": "server", "LanmanNT": "domain controller"}
ROLE_NAMES = {
    "workstation": msg("workstation"),
    "server": msg("server"),
    "domain controller": msg("domain controller"),
}
NOT_INSTALLED_OR_DISABLED = msg("not installed or Start=4 (disabled)")
POINT_AND_PRINT = f"{POLICIES}\\Windows NT\\Printers\\PointAndPrint"


class PrintSpoolerParams(StrictModel):
    """Whether this server is meant to share printers."""

    print_server: bool = Field(
        False,
        description="The server shares printers, so its Print Spooler stays on and it is judged "
        "like a workstation, by the Point and Print restrictions (never for a domain controller).",
    )


def _point_and_print(ctx: CheckContext) -> tuple[bool, Evidence]:
    """Only administrators install printer drivers, or users are warned and elevated.

    RestrictDriverInstallationToAdministrators unset means 1 since the August 2021 updates;
    with it 0, NoWarningNoElevationOnInstall and UpdatePromptSettings must stay 0 (unset).
    """
    restrict = registry_dword(ctx, POINT_AND_PRINT, "RestrictDriverInstallationToAdministrators")
    no_warning = registry_dword(ctx, POINT_AND_PRINT, "NoWarningNoElevationOnInstall")
    no_prompt = registry_dword(ctx, POINT_AND_PRINT, "UpdatePromptSettings")
    safe = restrict != 0 or (no_warning in (None, 0) and no_prompt in (None, 0))
    return safe, Evidence(
        value_source(POINT_AND_PRINT, "RestrictDriverInstallationToAdministrators"),
        msg(
            "{restrict}, NoWarningNoElevationOnInstall={no_warning}, "
            "UpdatePromptSettings={no_prompt}",
            restrict=shown(restrict, 1),
            no_warning=shown(no_warning, 0),
            no_prompt=shown(no_prompt, 0),
        ),
        msg("RestrictDriverInstallationToAdministrators=1 (or unset), or prompts left on (both 0)"),
    )


@check("windows.services.print_spooler", params=PrintSpoolerParams)
@windows_check(needs_registry=True)
def print_spooler(ctx: CheckContext) -> Outcome:
    """The Print Spooler is disabled on servers and domain controllers (PrintNightmare).

    A workstation needs its spooler to print, so there (and on a declared print server)
    the check judges the Point and Print restrictions that close PrintNightmare instead.
    """
    product = registry_value(ctx, PRODUCT_OPTIONS, "ProductType")
    role = PRODUCT_TYPES.get(str(product))
    product_evidence = Evidence(
        value_source(PRODUCT_OPTIONS, "ProductType"),
        msg("{value} ({meaning})", value=str(product), meaning=ROLE_NAMES[role])
        if role
        else repr(product),
        msg("`WinNT`, `ServerNT` or `LanmanNT`"),
    )
    if role is None:
        raise WindowsDataError(
            msg("unknown `ProductType` {value}", value=repr(product)), product_evidence
        )
    start, source = service_start(ctx, "Spooler")
    off = start in (None, START_DISABLED)
    spooler = Evidence(source, start_text(start), NOT_INSTALLED_OR_DISABLED)
    keeps_spooler = role == "workstation" or (
        role == "server" and ctx.params_as(PrintSpoolerParams).print_server
    )
    if off:
        return passed(product_evidence, spooler)
    if not keeps_spooler:
        return failed(
            product_evidence,
            spooler,
            reason=msg("`Print Spooler` not disabled on a {role}", role=ROLE_NAMES[role]),
        )
    safe, restrictions = _point_and_print(ctx)
    reason = (
        msg(
            "a workstation needs the `Print Spooler` to print; "
            "judged by the `Point and Print` restrictions"
        )
        if role == "workstation"
        else msg("declared print server; judged by the `Point and Print` restrictions")
    )
    if safe:
        return passed(product_evidence, spooler, restrictions, reason=reason)
    return failed(
        product_evidence,
        spooler,
        restrictions,
        reason=joined(
            [msg("users can install printer drivers without elevation (PrintNightmare)"), reason]
        ),
    )
