"""Windows Update: automatic updates, the age of the last installed patch, a supported release."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field, Strict

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import parse_yaml, validate_model
from netwatch.i18n import Message, msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    SECONDS_PER_DAY,
    START_DISABLED,
    UnreadableValue,
    WindowsDataError,
    as_list,
    as_object,
    command_source,
    day_text,
    dword,
    joined,
    parse_date,
    registry,
    registry_value,
    run_powershell,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    passed,
)
from netwatch.posture.registry import check

AU_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"

# AUOptions that download updates without asking. Unset: Windows 10/11 download and
# install automatically. 2 (notify before download) and 5 (local admin chooses) do not.
AUTOMATIC_OPTIONS = {
    3: msg("download automatically, notify to install"),
    4: msg("download automatically, install on a schedule"),
    7: msg("download automatically, notify to install and restart"),
}

NO_AUTO_UPDATE_DEFAULT = 0


@check("windows.updates.automatic")
@windows_check(needs_registry=True)
def updates_automatic(ctx: CheckContext) -> Outcome:
    """Automatic Updates is not switched off by policy and the update service can run."""
    values = registry(ctx).values(AU_KEY)
    no_auto = dword(values, AU_KEY, "NoAutoUpdate")
    options = dword(values, AU_KEY, "AUOptions")
    start, start_source = service_start(ctx, "wuauserv")
    options_text = (
        msg("not set (Windows default: download and install automatically)")
        if options is None
        else msg(
            "{value} ({meaning})",
            value=options,
            meaning=AUTOMATIC_OPTIONS.get(options, msg("updates not downloaded automatically")),
        )
    )
    evidence = (
        Evidence(
            value_source(AU_KEY, "NoAutoUpdate"),
            shown(no_auto, NO_AUTO_UPDATE_DEFAULT),
            msg("0 or not set"),
        ),
        Evidence(value_source(AU_KEY, "AUOptions"), options_text, msg("3, 4, 7 or not set")),
        Evidence(start_source, start_text(start), msg("Start=2 or 3 (not disabled)")),
    )
    problems: list[Message] = []
    if no_auto == 1:
        problems.append(msg("automatic updates turned off by policy"))
    if options is not None and options not in AUTOMATIC_OPTIONS:
        problems.append(msg("AUOptions={value} does not download automatically", value=options))
    if start is None or start == START_DISABLED:
        problems.append(msg("the `Windows Update` service is disabled or missing"))
    if problems:
        return failed(*evidence, reason=joined(problems))
    return passed(*evidence)


# Now comes from the examined machine's own clock, in the same answer as the install dates.
PATCH_QUERY = powershell_query(
    "hotfixes",
    "[pscustomobject]@{Now = [DateTime]::UtcNow; HotFixes = @(Get-CimInstance "
    "Win32_QuickFixEngineering | Select-Object HotFixID,InstalledOn)}",
    "Win32_QuickFixEngineering",
)


class PatchAgeParams(StrictModel):
    """How long ago the last update may have been installed."""

    max_age_days: int = Field(
        45, ge=1, description="Maximum days since the newest installed update (hotfix)."
    )


@check("windows.updates.last_patch_age", params=PatchAgeParams, timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def updates_last_patch_age(ctx: CheckContext) -> Outcome:
    """The newest hotfix was installed at most ``max_age_days`` ago (by the machine's clock)."""
    max_age = ctx.params_as(PatchAgeParams).max_age_days
    answer = as_object(run_powershell(ctx, PATCH_QUERY), "Win32_QuickFixEngineering")
    source = command_source(PATCH_QUERY.script)
    try:
        now = parse_date(answer.get("Now"))
        dated = [
            (when, str(fix.get("HotFixID") or "?"))
            for fix in as_list(answer.get("HotFixes"))
            if (when := parse_date(fix.get("InstalledOn"))) is not None
        ]
    except UnreadableValue as exc:
        raise WindowsDataError(
            msg("{what}: {problem}", what="Win32_QuickFixEngineering", problem=exc.message)
        ) from None
    if now is None:
        raise WindowsDataError(
            msg("Win32_QuickFixEngineering: the machine's clock was not reported")
        )
    within = msg("within {maximum} days", maximum=max_age)
    if not answer.get("HotFixes"):
        return failed(Evidence(source, msg("no installed update listed"), within))
    if not dated:
        return error(
            msg("no installed update has an install date"),
            Evidence(source, msg("`InstalledOn` empty for every update")),
        )
    newest, hotfix = max(dated)
    age = int((now - newest).total_seconds() // SECONDS_PER_DAY)
    evidence = Evidence(
        source,
        msg(
            "newest {hotfix} installed {installed}, {age} days before {now}",
            hotfix=hotfix,
            installed=day_text(newest),
            age=age,
            now=day_text(now),
        ),
        within,
    )
    return failed(evidence) if age > max_age else passed(evidence)


# --- end of support -------------------------------------------------------------------

CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
WINDOWS_EOL_TABLE = "netwatch/posture/data/windows_eol.yaml"
Date = Annotated[dt.date, Strict()]


class WindowsRelease(StrictModel):
    """The support dates of one build, by servicing track (see data/windows_eol.yaml)."""

    name: str = Field(min_length=1)
    end: Date
    enterprise: Date | None = None
    ltsc: Date | None = None
    iot_ltsc: Date | None = None
    esu: Date | None = None

    def end_for(self, track: str) -> dt.date:
        """The last day of updates on ``track``, falling back to the track above it."""
        tracks = {"iot_ltsc": self.iot_ltsc, "ltsc": self.ltsc, "enterprise": self.enterprise}
        names = list(tracks)
        below = names[names.index(track) :] if track in tracks else []
        for name in below:
            date = tracks[name]
            if date is not None:
                return date
        return self.end


class WindowsEditions(StrictModel):
    """EditionIDs of the servicing tracks with their own dates; any other is ``end``'s."""

    enterprise: list[str]
    ltsc: list[str]
    iot_ltsc: list[str]

    def track(self, edition: str) -> str:
        """The servicing track of an EditionID (case-insensitive)."""
        for name in ("iot_ltsc", "ltsc", "enterprise"):
            if edition.lower() in {e.lower() for e in getattr(self, name)}:
                return name
        return "end"


class WindowsLifecycle(StrictModel):
    """data/windows_eol.yaml: client and server releases by CurrentBuild."""

    editions: WindowsEditions
    client: dict[str, WindowsRelease] = Field(min_length=1)
    server: dict[str, WindowsRelease] = Field(min_length=1)


def parse_windows_lifecycle(text: str, source: str = WINDOWS_EOL_TABLE) -> WindowsLifecycle:
    """Validate the Windows lifecycle table; a bad one is a ConfigError naming the line."""
    data, lines = parse_yaml(text, source)
    return validate_model(WindowsLifecycle, data, lines, source)


@cache
def windows_lifecycle() -> WindowsLifecycle:
    """The built-in Windows lifecycle table shipped with netwatch."""
    resource = resources.files("netwatch.posture").joinpath("data/windows_eol.yaml")
    return parse_windows_lifecycle(resource.read_text(encoding="utf-8"))


class OsSupportedParams(StrictModel):
    """Extended Security Updates the office has bought, if any."""

    esu_until: Date | None = Field(
        None,
        description="Last day of the Extended Security Updates the office bought for this "
        "machine (e.g. 2026-10-13 for a year of Windows 10 ESU); empty: none.",
    )


TRACK_TEXT = {
    "end": "Home/Pro",
    "enterprise": "Enterprise/Education",
    "ltsc": "Enterprise LTSC",
    "iot_ltsc": "IoT Enterprise LTSC",
}


def _today(ctx: CheckContext) -> dt.date:
    return dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc).date()


def _text(ctx: CheckContext, name: str) -> str:
    value = registry_value(ctx, CURRENT_VERSION, name)
    return str(value).strip() if isinstance(value, (str, int)) else ""


@check("windows.updates.os_supported", params=OsSupportedParams)
@windows_check(needs_registry=True)
def updates_os_supported(ctx: CheckContext) -> Outcome:
    """CurrentBuild and EditionID against the Windows lifecycle table (data/windows_eol.yaml).

    Fails from the day after the release's last security update on its edition's
    servicing track, unless the office declares Extended Security Updates
    (``esu_until``) for a release Microsoft sells them for.
    """
    esu_until = ctx.params_as(OsSupportedParams).esu_until
    build = _text(ctx, "CurrentBuild") or _text(ctx, "CurrentBuildNumber")
    edition, installation = _text(ctx, "EditionID"), _text(ctx, "InstallationType")
    source = value_source(CURRENT_VERSION, "CurrentBuild")
    if not build.isdigit():
        raise WindowsDataError(
            msg("the Windows build is not readable"),
            Evidence(source, repr(build) if build else msg("not set"), msg("a build number")),
        )
    server = installation.lower().startswith(("server", "nano")) or edition.lower().startswith(
        "server"
    )
    table = windows_lifecycle()
    releases = table.server if server else table.client
    track = "end" if server else table.editions.track(edition)
    ubr = _text(ctx, "UBR")
    display = _text(ctx, "DisplayVersion") or _text(ctx, "ReleaseId")
    number = f"{build}.{ubr}" if ubr else build
    described = msg(
        "build {build}, EditionID={edition}, InstallationType={installation}",
        build=f"{number} ({display})" if display else number,
        edition=edition or msg("not set"),
        installation=installation or msg("not set"),
    )
    today = _today(ctx)
    expected = msg("a release supported on {day}", day=today.isoformat())
    release = releases.get(build)
    if release is None:
        newest = max(int(key) for key in releases)
        if int(build) > newest:
            return passed(
                Evidence(source, described, expected),
                reason=msg(
                    "newer than every release in {table} (its support goes on)",
                    table=WINDOWS_EOL_TABLE,
                ),
            )
        raise WindowsDataError(
            msg(
                "build {build} is not a release listed in {table}",
                build=build,
                table=WINDOWS_EOL_TABLE,
            ),
            Evidence(source, described, expected),
        )
    end = release.end_for(track)
    edition_text = "" if server else f" {TRACK_TEXT[track]}"
    label = f"{release.name}{edition_text}"
    if today <= end:
        return passed(
            Evidence(
                source,
                msg(
                    "{described}: {label}, supported until {day}",
                    described=described,
                    label=label,
                    day=end.isoformat(),
                ),
                expected,
            )
        )
    observed = msg(
        "{described}: {label}, support ended {day}",
        described=described,
        label=label,
        day=end.isoformat(),
    )
    evidence = [Evidence(source, observed, expected)]
    reason = msg("{label}: security updates ended {day}", label=label, day=end.isoformat())
    if esu_until is None:
        return failed(*evidence, reason=reason)
    esu_source = f"{WINDOWS_EOL_TABLE}: {'server' if server else 'client'} {build} esu"
    if release.esu is None or track in ("ltsc", "iot_ltsc"):
        evidence.append(
            Evidence(
                esu_source,
                msg("no Extended Security Updates for {label}", label=label),
                msg("an ESU programme"),
            )
        )
        return failed(*evidence, reason=joined([reason, msg("Microsoft sells no ESU for it")]))
    covered = min(esu_until, release.esu)
    evidence.append(
        Evidence(
            esu_source,
            msg(
                "ESU declared until {declared}; Microsoft sells it until {sold}",
                declared=esu_until.isoformat(),
                sold=release.esu.isoformat(),
            ),
            msg("ESU running on {day}", day=today.isoformat()),
        )
    )
    if today <= covered:
        return passed(*evidence, reason=msg("{label} gets Extended Security Updates", label=label))
    return failed(
        *evidence, reason=joined([reason, msg("the ESU ended {day}", day=covered.isoformat())])
    )
