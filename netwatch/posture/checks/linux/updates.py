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
from netwatch.hostaccess.confine import os_problem
from netwatch.i18n import Message, msg
from netwatch.posture.checks._eol import EOL_TABLE, eol_table
from netwatch.posture.checks._linux_host import (
    OutputError,
    first_line,
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


NO_OS_RELEASE = msg("no `/etc/os-release`: the distribution is unknown")


def _family_or_reason(release: OsRelease | None) -> tuple[str | None, str | Message]:
    """The package family (debian/rhel), or None with the reason why the check cannot apply."""
    if release is None:
        return None, NO_OS_RELEASE
    family = release.family
    if family is None:
        name = release.get("ID") or "unknown"
        return None, msg(
            "distribution {name} is neither Debian/Ubuntu-like nor RHEL-like", name=repr(name)
        )
    return family, ""


UNATTENDED_KEY = "APT::Periodic::Unattended-Upgrade"

PERIODIC_ENABLE_KEY = "APT::Periodic::Enable"

DNF_AUTOMATIC_CONF = "/etc/dnf/automatic.conf"

_OFF_VALUES = {"", "0", "false", "no", "off"}

_YES_VALUES = {"1", "yes", "true", "on"}


def _debian_automatic(files: Files, packages: DpkgStatus | None) -> Outcome:
    if packages is None:
        return not_applicable(
            msg("no /var/lib/dpkg/status: cannot tell which packages are installed")
        )
    package = packages.get("unattended-upgrades")
    wanted = msg("{package} installed", package="unattended-upgrades")
    if package is None or not package.installed:
        observed: str | Message = (
            f"unattended-upgrades: {package.status}" if package else msg("not installed")
        )
        source = package.source if package else "/var/lib/dpkg/status"
        return failed(Evidence(source, observed, wanted))
    installed = Evidence(
        package.source,
        msg("{package} installed", package=f"unattended-upgrades {package.version}"),
        wanted,
    )
    config = read_apt_config(files)
    if config.refused is not None:
        observed = msg(
            "APT refuses its configuration, so no upgrade runs: {problem}", problem=config.refused
        )
        readable = msg("a configuration APT can read")
        return failed(installed, Evidence(APT_CONF_DIR, observed, readable))
    enable = config.find(PERIODIC_ENABLE_KEY)
    if enable is not None and enable.value.strip().lower() in _OFF_VALUES:
        observed = msg(
            "{setting}: periodic APT jobs are switched off",
            setting=f'{enable.key} "{enable.value}"',
        )
        return failed(installed, Evidence(enable.source, observed, msg('unset or "1"')))
    setting = config.find(UNATTENDED_KEY)
    expected = msg('{key} "1" (or another non-zero interval)', key=UNATTENDED_KEY)
    if setting is None:
        observed = msg("{key} not set (default: off)", key=UNATTENDED_KEY)
        return failed(installed, Evidence(APT_CONF_DIR, observed, expected))
    evidence = Evidence(setting.source, f'{setting.key} "{setting.value}"', expected)
    if setting.value.strip().lower() in _OFF_VALUES:
        return failed(installed, evidence)
    return passed(installed, evidence)


def _rhel_automatic(ctx: CheckContext) -> Outcome:
    text = ctx.access.files.read_text_or_none(DNF_AUTOMATIC_CONF)
    expected = msg("`dnf-automatic` installed, applying updates from an enabled timer")
    if text is None:
        missing = msg("missing: dnf-automatic not installed")
        return failed(Evidence(DNF_AUTOMATIC_CONF, missing, expected))
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text, source=DNF_AUTOMATIC_CONF)
    except configparser.Error as exc:
        return error(
            msg(
                "{path}: cannot parse: {problem}",
                path=DNF_AUTOMATIC_CONF,
                problem=first_line(str(exc)),
            )
        )
    apply = parser.get("commands", "apply_updates", fallback="no").strip().lower()
    section = msg("{path}, section {section}", path=DNF_AUTOMATIC_CONF, section="[commands]")
    config = Evidence(section, f"apply_updates = {apply}", "apply_updates = yes")
    install = ctx.facts.unit("dnf-automatic-install.timer")
    if install.enabled:
        source, state = unit_cited(install)
        return passed(Evidence(source, msg("{state} (installs updates)", state=state), expected))
    timer = ctx.facts.unit("dnf-automatic.timer")
    source, state = unit_cited(timer)
    evidence = Evidence(source, state, msg("{unit} enabled", unit="dnf-automatic.timer"))
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
    """Security and other upgrades in ``apt-get -s upgrade`` output; OutputError if odd."""
    if not _APT_SUMMARY.search(stdout):
        raise OutputError(msg("no upgrade summary line in the output"))
    security: list[str] = []
    other = 0
    for line in stdout.splitlines():
        if not line.startswith("Inst "):
            continue
        match = _APT_INST.match(line)
        if match is None:
            raise OutputError(msg("unexpected line {line}", line=repr(line[:120])))
        if "-security" in match["origins"].lower():
            old = f"{match['old']} -> " if match["old"] else ""
            security.append(f"{match['name']} {old}{match['new']}")
        else:
            other += 1
    return _Pending(security, other)


def _dnf_pending(stdout: str) -> _Pending:
    """Packages in ``dnf -q updateinfo list --security`` output; OutputError if odd."""
    packages: list[str] = []
    for line in stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or "sec." not in parts[1].lower():
            raise OutputError(msg("unexpected line {line}", line=repr(line[:120])))
        if parts[2] not in packages:
            packages.append(parts[2])
    return _Pending(packages, 0)


def _listed(items: list[str]) -> str | Message:
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return msg("{items} (and {more} more)", items=shown, more=str(more)) if more > 0 else shown


@check("linux.updates.pending_security", params=PendingSecurityParams, timeout=UPDATES_TIMEOUT + 15)
def pending_security_updates(ctx: CheckContext) -> Outcome:
    """Count pending security updates with the package manager's read-only simulation.

    Debian/Ubuntu: ``apt-get -s upgrade`` (no root, no lock), counting ``Inst`` lines whose
    origin is a ``-security`` suite. RHEL-like: ``dnf updateinfo list --security``.
    Needs the running system: not_applicable on an offline image.
    """
    if not ctx.live:
        return not_applicable(
            msg(
                "pending updates are computed by the running system's package manager; "
                "this is an offline image"
            )
        )
    family, reason = _family_or_reason(ctx.facts.os_release)
    if family is None:
        return not_applicable(reason)
    argv, parse = (
        (APT_SIMULATE, _apt_pending) if family == "debian" else (DNF_SECURITY, _dnf_pending)
    )
    if ctx.access.commands.which(argv[0]) is None:
        return not_applicable(
            msg("{command} is not installed: cannot list pending updates", command=argv[0])
        )
    command = " ".join(argv)
    try:
        result = run_command(ctx, argv, timeout=UPDATES_TIMEOUT)
    except CommandError as exc:
        return error(msg("{command}: {problem}", command=command, problem=exc.message))
    if result.returncode != 0:
        detail = first_line(result.stderr) or msg("no message")
        return error(
            msg(
                "{command} exited with {code}: {detail}",
                command=command,
                code=str(result.returncode),
                detail=detail,
            )
        )
    try:
        pending = parse(result.stdout)
    except OutputError as exc:
        return error(
            msg("{command}: unexpected output: {detail}", command=command, detail=exc.message)
        )
    limit = ctx.params_as(PendingSecurityParams).max_pending
    count = len(pending.security)
    observed = (
        msg("{count} pending security update", count="1")
        if count == 1
        else msg("{count} pending security updates", count=str(count))
    )
    if pending.other:
        others = (
            msg("1 other update")
            if pending.other == 1
            else msg("{count} other updates", count=str(pending.other))
        )
        observed = msg("{text} ({others} pending)", text=observed, others=others)
    if count:
        observed = msg("{text}: {items}", text=observed, items=_listed(pending.security))
    at_most = msg("at most {limit}", limit=str(limit))
    evidence = Evidence(f"command: {command}", observed, at_most)
    return failed(evidence) if count > limit else passed(evidence)


@check("linux.updates.os_supported")
def os_supported(ctx: CheckContext) -> Outcome:
    """ID and VERSION_ID of os-release against the end-of-life table (data/eol.yaml).

    Fails after the date a host stops getting security fixes without an extra contract;
    paid extended support, where the vendor offers it, is shown in the evidence.
    """
    release = ctx.facts.os_release
    if release is None:
        return not_applicable(NO_OS_RELEASE)
    distro_id, version_id = release.get("ID"), release.get("VERSION_ID")
    distro = eol_table().get(distro_id)
    if distro is None:
        return not_applicable(
            msg(
                "distribution {name} is not in {table}",
                name=repr(distro_id or "unknown"),
                table=EOL_TABLE,
            )
        )
    if not version_id:
        return not_applicable(
            msg("{name}: no `VERSION_ID` (a testing or rolling release)", name=distro.name)
        )
    found = distro.release(version_id)
    if found is None:
        return not_applicable(
            msg(
                "{release} is not in {table}",
                release=f"{distro.name} {version_id}",
                table=EOL_TABLE,
            )
        )
    key, entry = found
    today = _today(ctx)
    label = f"{distro.name} {version_id}" + (f" ({entry.codename})" if entry.codename else "")
    expected = msg("a release supported on {date}", date=today.isoformat())
    source = release.source("VERSION_ID")
    end = entry.end.isoformat()
    if today <= entry.end:
        observed = msg(
            "{release}: supported until {date} ({means})",
            release=label,
            date=end,
            means=distro.end_message,
        )
        return passed(Evidence(source, observed, expected))
    observed = msg(
        "{release}: {means} was {date}", release=label, means=distro.end_message, date=end
    )
    evidence = [Evidence(source, observed, expected)]
    if entry.extended is not None:
        until = entry.extended.isoformat()
        means = distro.extended_means
        extended = (
            msg("paid extended support ({means}) runs until {date}", means=means, date=until)
            if today <= entry.extended
            else msg("paid extended support ({means}) ran until {date}", means=means, date=until)
        )
        evidence.append(
            Evidence(
                f"{EOL_TABLE}: {distro_id} {key}",
                extended,
                msg("a waiver naming the contract, if the host is enrolled"),
            )
        )
    return failed(*evidence)


def _security_suite(release: OsRelease) -> tuple[str, Message] | None:
    """(suite, where it is served) of the distribution's security updates; None if unknown."""
    distro, codename = release.get("ID"), release.get("VERSION_CODENAME")
    version = release.get("VERSION_ID").split(".")[0]
    if not codename:
        return None
    if distro == "debian":
        old = version.isdigit() and int(version) <= 10  # buster and older: <codename>/updates
        suite = f"{codename}/updates" if old else f"{codename}-security"
        return suite, msg("security.debian.org/debian-security or a debian-security mirror")
    if distro == "ubuntu":
        return f"{codename}-security", msg("security.ubuntu.com or an Ubuntu archive mirror")
    return None


def _serves_security(release: OsRelease, source: Source) -> bool:
    """Whether the URI is one that carries the security suite of the distribution."""
    if release.get("ID") == "ubuntu":
        return True
    uri = source.uri.lower().rstrip("/")
    return "debian-security" in uri or "://security.debian.org" in uri


def _why_not(source: Source) -> str | Message:
    return "Enabled: no" if not source.enabled else msg("not a security archive")


@check("linux.updates.security_sources")
def security_sources(ctx: CheckContext) -> Outcome:
    """Debian/Ubuntu: an enabled ``deb`` entry for the release's security suite in the
    lists APT reads (parsers.aptsources: sources.list and sources.list.d ``.list`` and
    deb822 ``.sources`` files, locations from the APT configuration)."""
    release = ctx.facts.os_release
    if release is None or release.get("ID") not in ("debian", "ubuntu"):
        return not_applicable(msg("not Debian or Ubuntu: APT security suites do not apply"))
    wanted = _security_suite(release)
    if wanted is None:
        return not_applicable(
            msg("`os-release` has no `VERSION_CODENAME` (a testing or unknown release)")
        )
    suite, where = wanted
    files = ctx.access.files
    config = read_apt_config(files)
    try:
        lists = read_sources(files, None if config.refused else config)
    except OSError as exc:
        return error(msg("cannot read the APT sources: {problem}", problem=os_problem(exc)))
    expected = msg("{line} from {where}", line=f"deb ... {suite}", where=where)
    accepted = msg("a line APT accepts")
    problems = [Evidence(p.source, p.why, accepted) for p in lists.problems]
    matches = [s for s in lists.sources if s.type == "deb" and s.suite.rstrip("/") == suite]
    good = [s for s in matches if s.enabled and _serves_security(release, s)]
    if good and not problems:
        return passed(*(Evidence(s.source, f"deb {s.uri} {s.suite}", expected) for s in good))
    observed = [
        Evidence(
            s.source,
            msg("{line} ({why})", line=f"deb {s.uri} {s.suite}", why=_why_not(s)),
            expected,
        )
        for s in matches
        if s not in good
    ]
    if not good:
        suites = sorted({s.suite for s in lists.sources if s.type == "deb" and s.enabled})
        read: str | Message = ", ".join(lists.files) or msg("no APT sources list")
        fetched = ", ".join(suites) or msg("nothing")
        observed.insert(0, Evidence(read, msg("APT fetches {suites}", suites=fetched), expected))
    return failed(*observed, *problems)
