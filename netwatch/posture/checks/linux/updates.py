"""Linux updates: automatic security updates, pending security updates and a supported release."""

from __future__ import annotations

import configparser
import datetime as dt
import re
from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.facts.os_release import OsRelease
from netwatch.facts.packages import DpkgStatus
from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandError
from netwatch.posture.checks._eol import EOL_TABLE, eol_table
from netwatch.posture.checks._linux_host import (
    first_line,
    plural,
    run_command,
    unit_cited,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers.apt import APT_CONF_DIR, read_apt_config
from netwatch.posture.parsers.aptsources import Source, read_sources
from netwatch.posture.registry import check

UPDATES_TIMEOUT = 60.0

MAX_LISTED = 10


def _today(ctx: CheckContext) -> dt.date:
    return dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc).date()


def _family_or_reason(release: OsRelease | None) -> tuple[str | None, str]:
    """The package family (debian/rhel), or None with the reason why the check cannot apply."""
    if release is None:
        return None, "no /etc/os-release: the distribution is unknown"
    family = release.family
    if family is None:
        name = release.get("ID") or "unknown"
        return None, f"distribution {name!r} is neither Debian/Ubuntu-like nor RHEL-like"
    return family, ""


UNATTENDED_KEY = "APT::Periodic::Unattended-Upgrade"

PERIODIC_ENABLE_KEY = "APT::Periodic::Enable"

DNF_AUTOMATIC_CONF = "/etc/dnf/automatic.conf"

_OFF_VALUES = {"", "0", "false", "no", "off"}

_YES_VALUES = {"1", "yes", "true", "on"}


def _debian_automatic(files: Files, packages: DpkgStatus | None) -> Outcome:
    if packages is None:
        return not_applicable("no /var/lib/dpkg/status: cannot tell which packages are installed")
    package = packages.get("unattended-upgrades")
    if package is None or not package.installed:
        observed = f"unattended-upgrades: {package.status}" if package else "not installed"
        source = package.source if package else "/var/lib/dpkg/status"
        return failed(Evidence(source, observed, "unattended-upgrades installed"))
    installed = Evidence(
        package.source,
        f"unattended-upgrades {package.version} installed",
        "unattended-upgrades installed",
    )
    config = read_apt_config(files)
    if config.refused is not None:
        observed = f"APT refuses its configuration, so no upgrade runs: {config.refused}"
        return failed(installed, Evidence(APT_CONF_DIR, observed, "a configuration APT can read"))
    enable = config.find(PERIODIC_ENABLE_KEY)
    if enable is not None and enable.value.strip().lower() in _OFF_VALUES:
        observed = f'{enable.key} "{enable.value}": periodic APT jobs are switched off'
        return failed(installed, Evidence(enable.source, observed, 'unset or "1"'))
    setting = config.find(UNATTENDED_KEY)
    expected = f'{UNATTENDED_KEY} "1" (or another non-zero interval)'
    if setting is None:
        observed = f"{UNATTENDED_KEY} not set (default: off)"
        return failed(installed, Evidence(APT_CONF_DIR, observed, expected))
    evidence = Evidence(setting.source, f'{setting.key} "{setting.value}"', expected)
    if setting.value.strip().lower() in _OFF_VALUES:
        return failed(installed, evidence)
    return passed(installed, evidence)


def _rhel_automatic(ctx: CheckContext) -> Outcome:
    text = ctx.access.files.read_text_or_none(DNF_AUTOMATIC_CONF)
    expected = "dnf-automatic installed, applying updates from an enabled timer"
    if text is None:
        return failed(
            Evidence(DNF_AUTOMATIC_CONF, "missing: dnf-automatic not installed", expected)
        )
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text, source=DNF_AUTOMATIC_CONF)
    except configparser.Error as exc:
        return error(f"{DNF_AUTOMATIC_CONF}: cannot parse: {first_line(str(exc))}")
    apply = parser.get("commands", "apply_updates", fallback="no").strip().lower()
    config = Evidence(
        f"{DNF_AUTOMATIC_CONF} [commands]", f"apply_updates = {apply}", "apply_updates = yes"
    )
    install = ctx.facts.unit("dnf-automatic-install.timer")
    if install.enabled:
        source, state = unit_cited(install)
        return passed(Evidence(source, f"{state} (installs updates)", expected))
    timer = ctx.facts.unit("dnf-automatic.timer")
    source, state = unit_cited(timer)
    evidence = Evidence(source, state, "dnf-automatic.timer enabled")
    if not timer.enabled:
        return failed(config, evidence)
    return passed(config, evidence) if apply in _YES_VALUES else failed(config, evidence)


@check("linux.updates.automatic")
def automatic_updates(ctx: CheckContext) -> Outcome:
    """Debian/Ubuntu: unattended-upgrades installed and enabled in the APT configuration
    (read as APT reads it: parsers.apt; a configuration APT refuses fails). RHEL-like:
    dnf-automatic applying updates from an enabled timer. Files only: works offline too.
    """
    files = ctx.access.files
    family, reason = _family_or_reason(ctx.facts.os_release)
    if family is None:
        return not_applicable(reason)
    if family == "debian":
        return _debian_automatic(files, ctx.facts.dpkg)
    return _rhel_automatic(ctx)


APT_SIMULATE = ["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"]

DNF_SECURITY = ["dnf", "-q", "updateinfo", "list", "--security"]

_APT_SUMMARY = re.compile(r"^\d+ upgraded, \d+ newly installed", re.MULTILINE)

_APT_INST = re.compile(
    r"^Inst (?P<name>\S+) (?:\[(?P<old>[^\]]*)\] )?\((?P<new>\S+)(?P<origins>.*?) \[[^\]]+\]\)"
)


class PendingSecurityParams(StrictModel):
    """Parameters of linux.updates.pending_security."""

    max_pending: int = Field(
        0, ge=0, description="How many pending security updates are tolerated."
    )


@dataclass(frozen=True)
class _Pending:
    security: list[str]
    other: int


def _apt_pending(stdout: str) -> _Pending:
    """Security and other upgrades in ``apt-get -s upgrade`` output; ValueError if odd."""
    if not _APT_SUMMARY.search(stdout):
        raise ValueError("no upgrade summary line in the output")
    security: list[str] = []
    other = 0
    for line in stdout.splitlines():
        if not line.startswith("Inst "):
            continue
        match = _APT_INST.match(line)
        if match is None:
            raise ValueError(f"unexpected line {line[:120]!r}")
        if "-security" in match["origins"].lower():
            old = f"{match['old']} -> " if match["old"] else ""
            security.append(f"{match['name']} {old}{match['new']}")
        else:
            other += 1
    return _Pending(security, other)


def _dnf_pending(stdout: str) -> _Pending:
    """Packages in ``dnf -q updateinfo list --security`` output; ValueError if odd."""
    packages: list[str] = []
    for line in stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or "sec." not in parts[1].lower():
            raise ValueError(f"unexpected line {line[:120]!r}")
        if parts[2] not in packages:
            packages.append(parts[2])
    return _Pending(packages, 0)


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown


@check("linux.updates.pending_security", params=PendingSecurityParams, timeout=UPDATES_TIMEOUT + 15)
def pending_security_updates(ctx: CheckContext) -> Outcome:
    """Count pending security updates with the package manager's read-only simulation.

    Debian/Ubuntu: ``apt-get -s upgrade`` (no root, no lock), counting ``Inst`` lines whose
    origin is a ``-security`` suite. RHEL-like: ``dnf updateinfo list --security``.
    Needs the running system: not_applicable on an offline image.
    """
    if not ctx.live:
        return not_applicable(
            "pending updates are computed by the running system's package manager; "
            "this is an offline image"
        )
    family, reason = _family_or_reason(ctx.facts.os_release)
    if family is None:
        return not_applicable(reason)
    argv, parse = (
        (APT_SIMULATE, _apt_pending) if family == "debian" else (DNF_SECURITY, _dnf_pending)
    )
    if ctx.access.commands.which(argv[0]) is None:
        return not_applicable(f"{argv[0]} is not installed: cannot list pending updates")
    command = " ".join(argv)
    try:
        result = run_command(ctx, argv, timeout=UPDATES_TIMEOUT)
    except CommandError as exc:
        return error(f"{command}: {exc}")
    if result.returncode != 0:
        detail = first_line(result.stderr) or "no message"
        return error(f"{command} exited with {result.returncode}: {detail}")
    try:
        pending = parse(result.stdout)
    except ValueError as exc:
        return error(f"{command}: unexpected output: {exc}")
    limit = ctx.params_as(PendingSecurityParams).max_pending
    count = len(pending.security)
    others = f" ({plural(pending.other, 'other update')} pending)" if pending.other else ""
    observed = f"{plural(count, 'pending security update')}{others}"
    if count:
        observed = f"{observed}: {_listed(pending.security)}"
    evidence = Evidence(f"command: {command}", observed, f"at most {limit}")
    return failed(evidence) if count > limit else passed(evidence)


@check("linux.updates.os_supported")
def os_supported(ctx: CheckContext) -> Outcome:
    """ID and VERSION_ID of os-release against the end-of-life table (data/eol.yaml).

    Fails after the date a host stops getting security fixes without an extra contract;
    paid extended support, where the vendor offers it, is shown in the evidence.
    """
    release = ctx.facts.os_release
    if release is None:
        return not_applicable("no /etc/os-release: the distribution is unknown")
    distro_id, version_id = release.get("ID"), release.get("VERSION_ID")
    distro = eol_table().get(distro_id)
    if distro is None:
        return not_applicable(f"distribution {distro_id or 'unknown'!r} is not in {EOL_TABLE}")
    if not version_id:
        return not_applicable(f"{distro.name}: no VERSION_ID (a testing or rolling release)")
    found = distro.release(version_id)
    if found is None:
        return not_applicable(f"{distro.name} {version_id} is not in {EOL_TABLE}")
    key, entry = found
    today = _today(ctx)
    label = f"{distro.name} {version_id}" + (f" ({entry.codename})" if entry.codename else "")
    expected = f"a release supported on {today.isoformat()}"
    source = release.source("VERSION_ID")
    if today <= entry.end:
        observed = f"{label}: supported until {entry.end.isoformat()} ({distro.end_means})"
        return passed(Evidence(source, observed, expected))
    evidence = [
        Evidence(source, f"{label}: {distro.end_means} was {entry.end.isoformat()}", expected)
    ]
    if entry.extended is not None:
        state = "runs" if today <= entry.extended else "ran"
        evidence.append(
            Evidence(
                f"{EOL_TABLE}: {distro_id} {key}",
                f"paid extended support ({distro.extended_means}) {state} until "
                f"{entry.extended.isoformat()}",
                "a waiver naming the contract, if the host is enrolled",
            )
        )
    return failed(*evidence)


def _security_suite(release: OsRelease) -> tuple[str, str] | None:
    """(suite, where it is served) of the distribution's security updates; None if unknown."""
    distro, codename = release.get("ID"), release.get("VERSION_CODENAME")
    version = release.get("VERSION_ID").split(".")[0]
    if not codename:
        return None
    if distro == "debian":
        old = version.isdigit() and int(version) <= 10  # buster and older: <codename>/updates
        suite = f"{codename}/updates" if old else f"{codename}-security"
        return suite, "security.debian.org/debian-security or a debian-security mirror"
    if distro == "ubuntu":
        return f"{codename}-security", "security.ubuntu.com or an Ubuntu archive mirror"
    return None


def _serves_security(release: OsRelease, source: Source) -> bool:
    """Whether the URI is one that carries the security suite of the distribution."""
    if release.get("ID") == "ubuntu":
        return True
    uri = source.uri.lower().rstrip("/")
    return "debian-security" in uri or "://security.debian.org" in uri


def _why_not(source: Source) -> str:
    return "Enabled: no" if not source.enabled else "not a security archive"


@check("linux.updates.security_sources")
def security_sources(ctx: CheckContext) -> Outcome:
    """Debian/Ubuntu: an enabled ``deb`` entry for the release's security suite in the
    lists APT reads (parsers.aptsources: sources.list and sources.list.d ``.list`` and
    deb822 ``.sources`` files, locations from the APT configuration)."""
    release = ctx.facts.os_release
    if release is None or release.get("ID") not in ("debian", "ubuntu"):
        return not_applicable("not Debian or Ubuntu: APT security suites do not apply")
    wanted = _security_suite(release)
    if wanted is None:
        return not_applicable("os-release has no VERSION_CODENAME (a testing or unknown release)")
    suite, where = wanted
    files = ctx.access.files
    config = read_apt_config(files)
    try:
        lists = read_sources(files, None if config.refused else config)
    except OSError as exc:
        return error(f"cannot read the APT sources: {exc.strerror or exc}")
    expected = f"deb ... {suite} from {where}"
    problems = [Evidence(p.split(": ", 1)[0], p.split(": ", 1)[1], "a line APT accepts")
                for p in lists.problems]  # fmt: skip
    matches = [s for s in lists.sources if s.type == "deb" and s.suite.rstrip("/") == suite]
    good = [s for s in matches if s.enabled and _serves_security(release, s)]
    if good and not problems:
        return passed(*(Evidence(s.source, f"deb {s.uri} {s.suite}", expected) for s in good))
    observed = [
        Evidence(s.source, f"deb {s.uri} {s.suite} ({_why_not(s)})", expected)
        for s in matches
        if s not in good
    ]
    if not good:
        suites = sorted({s.suite for s in lists.sources if s.type == "deb" and s.enabled})
        read = ", ".join(lists.files) or "no sources list"
        observed.insert(
            0, Evidence(read, f"APT fetches {', '.join(suites) or 'nothing'}", expected)
        )
    return failed(*observed, *problems)
