"""Remote-control tools (UltraViewer, TeamViewer, AnyDesk, VNC...) installed or running."""

from __future__ import annotations

import fnmatch
import unicodedata

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import msg
from netwatch.posture.checks._windows import (
    registry,
    registry_value,
    signed_in_users,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

UNINSTALL = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"

MACHINE_UNINSTALL = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",  # 32-bit
)

# Product names as their installers register them; brand names are never translated.
DEFAULT_REMOTE_TOOLS = [
    "UltraViewer*",
    "TeamViewer*",
    "AnyDesk*",
    "TightVNC*",
    "UltraVNC*",
    "RealVNC*",
    "VNC Server*",
    "RustDesk*",
    "Chrome Remote Desktop*",
    "Splashtop*",
    "Supremo*",
    "Ammyy*",
    "RemotePC*",
    "LogMeIn*",
    "ScreenConnect*",
    "Radmin*",
    "NoMachine*",
    "DWAgent*",
    "Zoho Assist*",
    "Atera*",
]


class RemoteToolsParams(StrictModel):
    """Which programs count as remote-control tools, and which of them are approved."""

    tools: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REMOTE_TOOLS),
        description="DisplayName patterns of remote-control tools in the uninstall keys "
        "('*' wildcards, case-insensitive).",
    )
    allowed: list[str] = Field(
        default_factory=list,
        description="DisplayName patterns of approved tools (e.g. the IT team's "
        "'TeamViewer Host*'); empty: none is approved.",
    )


def _matches(name: str, patterns: list[str]) -> bool:
    folded = unicodedata.normalize("NFC", name).strip().casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.strip().casefold()) for pattern in patterns)


def _installed(ctx: CheckContext) -> list[tuple[str, str]]:
    """(uninstall key, DisplayName) of every program for the machine and signed-in users."""
    roots = [*MACHINE_UNINSTALL, *(f"HKU\\{sid}\\{UNINSTALL}" for sid in signed_in_users(ctx))]
    programs = []
    for root in roots:
        for name in registry(ctx).subkeys(root):
            key = f"{root}\\{name}"
            display = registry_value(ctx, key, "DisplayName")
            if isinstance(display, str) and display.strip():
                programs.append((key, display.strip()))
    return programs


@check("windows.remote_control.tools", params=RemoteToolsParams)
@windows_check(needs_registry=True)
def remote_control_tools(ctx: CheckContext) -> Outcome:
    """No installed program's DisplayName matches a tool pattern unless it is allowed."""
    params = ctx.params_as(RemoteToolsParams)
    expected = msg("not installed, or allowed by the policy")
    evidence, unapproved = [], []
    for key, display in _installed(ctx):
        if not _matches(display, params.tools):
            continue
        allowed = _matches(display, params.allowed)
        evidence.append(
            Evidence(
                value_source(key, "DisplayName"),
                msg(
                    "{name} ({verdict})",
                    name=display,
                    verdict=msg("allowed") if allowed else msg("not allowed"),
                ),
                expected,
            )
        )
        if not allowed:
            unapproved.append(display)
    if unapproved:
        return failed(*evidence, reason=msg("not approved: {names}", names=", ".join(unapproved)))
    if not evidence:
        evidence.append(
            Evidence(MACHINE_UNINSTALL[0], msg("no remote-control tool listed"), expected)
        )
    return passed(*evidence)
