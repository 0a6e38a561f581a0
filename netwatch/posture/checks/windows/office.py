"""Microsoft Office: macros in files from the internet."""

from __future__ import annotations

import re
from dataclasses import dataclass

from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    dword,
    registry,
    registry_value,
    signed_in_users,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, not_applicable, passed
from netwatch.posture.registry import check

CLICK_TO_RUN = "HKLM\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration"
# Office installed by Windows Installer (MSI) leaves an Uninstall key per suite:
# "Office16.PROPLUS" (2016), "Office15.STANDARD" (2013), 32-bit ones under WOW6432Node.
UNINSTALL_ROOTS = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
)
MSI_SUITE = re.compile(r"Office(1[56])\.[A-Za-z]+")
APPS = ("word", "excel", "powerpoint")
BLOCK = "blockcontentexecutionfrominternet"
VBA_WARNINGS = "VBAWarnings"
ENABLE_ALL_MACROS = 1
# Microsoft 365 Apps block macros in files from the internet when no policy says otherwise
# from Version 2208 (build 15601) on every channel; Version 2206 on Current Channel was the
# first. Volume-licensed (LTSC 2021, 2019) and MSI (2016, 2013) builds stay below it.
DEFAULT_BLOCK_BUILD = 15601


@dataclass(frozen=True)
class Office:
    """The installed Office: registry version (16.0), build text and where it was read."""

    version: str
    build: str
    source: str

    @property
    def blocks_by_default(self) -> bool:
        """Internet macros are blocked when no policy is set (Microsoft 365 Apps 2208+)."""
        match = re.fullmatch(r"16\.0\.([0-9]{1,6})\.[0-9]{1,6}", self.build)
        return match is not None and int(match.group(1)) >= DEFAULT_BLOCK_BUILD

    def describe(self) -> Message:
        """Evidence text."""
        if self.blocks_by_default:
            return msg(
                "Office {version} build {build} (blocks internet macros by default)",
                version=self.version,
                build=self.build or "?",
            )
        return msg(
            "Office {version} build {build} (does not block internet macros by default)",
            version=self.version,
            build=self.build or "?",
        )


def installed_office(ctx: CheckContext) -> Office | None:
    """Click-to-Run Office (Microsoft 365 Apps, 2019, 2021), else the newest MSI suite."""
    build = registry_value(ctx, CLICK_TO_RUN, "VersionToReport")
    if build:
        return Office("16.0", str(build), value_source(CLICK_TO_RUN, "VersionToReport"))
    suites = [
        (match.group(1), f"{root}\\{name}")
        for root in UNINSTALL_ROOTS
        for name in registry(ctx).subkeys(root)
        if (match := MSI_SUITE.fullmatch(name))
    ]
    if not suites:
        return None
    major, key = max(suites)
    version = registry_value(ctx, key, "DisplayVersion")
    return Office(f"{major}.0", str(version or ""), value_source(key, "DisplayVersion"))


def _app_verdict(ctx: CheckContext, sid: str, office: Office, app: str) -> tuple[bool, Evidence]:
    """Whether one user's app blocks internet macros: policy, else the build's default.

    "Enable all macros" (VBAWarnings=1), by policy or in the user's Trust Center, runs
    them whatever the block says.
    """
    policy_key = (
        f"HKU\\{sid}\\Software\\Policies\\Microsoft\\Office\\{office.version}\\{app}\\Security"
    )
    user_key = f"HKU\\{sid}\\Software\\Microsoft\\Office\\{office.version}\\{app}\\Security"
    policy = {name.lower(): data for name, data in registry(ctx).values(policy_key).items()}
    own = {name.lower(): data for name, data in registry(ctx).values(user_key).items()}
    block = dword(policy, policy_key, BLOCK)
    by_policy = VBA_WARNINGS.lower() in policy
    warnings = dword(
        policy if by_policy else own, policy_key if by_policy else user_key, VBA_WARNINGS.lower()
    )
    blocked = (office.blocks_by_default if block is None else block == 1) and (
        warnings != ENABLE_ALL_MACROS
    )
    default = msg("blocked") if office.blocks_by_default else msg("not blocked")
    block_text = (
        msg("not set (default: {default})", default=default)
        if block is None
        else msg("{value} by Group Policy", value=block)
    )
    observed = msg(
        "{app}: {name}={block}, `VBAWarnings`={warnings}",
        app=app,
        name=BLOCK,
        block=block_text,
        warnings=msg("not set (2)") if warnings is None else str(warnings),
    )
    if warnings is not None:
        origin = msg("Group Policy") if by_policy else msg("user setting")
        observed = msg("{text} ({origin})", text=observed, origin=origin)
    return blocked, Evidence(
        value_source(policy_key, BLOCK),
        observed,
        msg("{name}=1 (or the default of a build that blocks), `VBAWarnings` not 1", name=BLOCK),
    )


@check("windows.office.internet_macros_blocked")
@windows_check(needs_registry=True)
def office_internet_macros_blocked(ctx: CheckContext) -> Outcome:
    """Word, Excel and PowerPoint block macros in files from the internet for every signed-in user.

    The policies are per user, so the loaded hives (users signed in now) are read.
    """
    office = installed_office(ctx)
    if office is None:
        return not_applicable(
            msg("Microsoft Office is not installed"),
            Evidence(
                value_source(CLICK_TO_RUN, "VersionToReport"),
                msg("not set"),
                msg("Office installed"),
            ),
        )
    installed = Evidence(office.source, office.describe(), msg("Office installed"))
    users = signed_in_users(ctx)
    if not users:
        if office.blocks_by_default:
            return passed(installed, reason=msg("no user signed in; this build blocks by default"))
        return failed(
            installed,
            reason=msg("no user signed in, and this Office does not block by default"),
        )
    results = [(sid, app, *_app_verdict(ctx, sid, office, app)) for sid in users for app in APPS]
    evidence = [installed, *(item for _sid, _app, _ok, item in results)]
    open_apps = {
        sid: ", ".join(app for who, app, ok, _item in results if who == sid and not ok)
        for sid in users
    }
    if any(open_apps.values()):
        return failed(
            *evidence,
            reason=msg(
                "internet macros can run: {users}",
                users="; ".join(f"{sid} ({apps})" for sid, apps in open_apps.items() if apps),
            ),
        )
    return passed(*evidence)
