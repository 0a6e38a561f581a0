"""Linux file permissions: account and sudo files, SSH host keys, world-writable system files.

Modes are read with ``stat``/``find`` through the command runner (see ``_filemodes``),
which works the same on the running system and on a mounted image.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, field_validator

from netwatch.core.settings import StrictModel
from netwatch.facts.files import UnreadableFile
from netwatch.facts.packages import DPKG_STATUS, RPM_DATABASE, Package, PackageQueryError
from netwatch.hostaccess.commands import CommandError
from netwatch.hostaccess.confine import os_problem
from netwatch.i18n import Message, msg
from netwatch.posture.checks._filemodes import (
    FileMode,
    FileModeError,
    command_path,
    file_modes,
    host_key_modes,
    system_path,
)
from netwatch.posture.checks._linux_host import unit_cited
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers.logindefs import LoginDefs, home_mode
from netwatch.posture.registry import check


def _either(names: tuple[str, ...]) -> str | Message:
    """``root or shadow``: the names joined with a translated "or"."""
    joined: str | Message = names[0]
    for name in names[1:]:
        joined = msg("{first} or {second}", first=joined, second=name)
    return joined


@dataclass(frozen=True)
class _Rule:
    """The loosest acceptable mode of a file, and the groups allowed to own it (empty: any)."""

    path: str
    mode: int
    groups: tuple[str, ...] = ()

    def expected(self) -> Message:
        mode = f"{self.mode:04o}"
        if self.groups:
            return msg(
                "mode {mode} or stricter, owner root, group {groups}",
                mode=mode,
                groups=_either(self.groups),
            )
        return msg("mode {mode} or stricter, owner root", mode=mode)

    def met_by(self, found: FileMode) -> bool:
        group_ok = not self.groups or found.gid == 0 or found.group in self.groups
        return found.uid == 0 and found.within(self.mode) and group_ok


CRITICAL_FILES = (
    _Rule("/etc/passwd", 0o644),
    _Rule("/etc/group", 0o644),
    _Rule("/etc/shadow", 0o640, ("root", "shadow")),
    _Rule("/etc/gshadow", 0o640, ("root", "shadow")),
    _Rule("/etc/sudoers", 0o440, ("root",)),
)


@check("linux.files.critical_permissions")
def critical_permissions(ctx: CheckContext) -> Outcome:
    """passwd/group 0644, shadow/gshadow 0640 (root or shadow group), sudoers 0440, all root's."""
    try:
        modes = file_modes(ctx, [rule.path for rule in CRITICAL_FILES])
    except FileModeError as exc:
        return error(exc.message)
    checked = [(rule, modes[rule.path]) for rule in CRITICAL_FILES if rule.path in modes]
    if not checked:
        names = ", ".join(rule.path for rule in CRITICAL_FILES)
        return not_applicable(msg("none of {paths} exists", paths=names))
    evidence = [Evidence(rule.path, found.describe(), rule.expected()) for rule, found in checked]
    verdicts = [rule.met_by(found) for rule, found in checked]
    bad = [item for item, ok in zip(evidence, verdicts, strict=True) if not ok]
    return failed(*bad) if bad else passed(*evidence)


HOST_KEY_EXPECTED = msg("mode 0600 (or 0640 with group `ssh_keys`), owner root")


def _host_key_ok(found: FileMode) -> bool:
    if found.uid != 0:
        return False
    return found.within(0o600) or (found.within(0o640) and found.group == "ssh_keys")


@check("linux.files.ssh_host_keys")
def ssh_host_keys(ctx: CheckContext) -> Outcome:
    """Every /etc/ssh/ssh_host_*_key is 0600 root (0640 with group ssh_keys on RHEL)."""
    try:
        keys = host_key_modes(ctx)
    except FileModeError as exc:
        return error(exc.message)
    if not keys:
        return not_applicable(
            msg("no SSH private host keys (`/etc/ssh/ssh_host_*_key`) on this host")
        )
    evidence = [Evidence(key.path, key.describe(), HOST_KEY_EXPECTED) for key in keys]
    bad = [item for item, key in zip(evidence, keys, strict=True) if not _host_key_ok(key)]
    return failed(*bad) if bad else passed(*evidence)


DEFAULT_SYSTEM_DIRS = (
    "/etc",  # includes /etc/systemd and /etc/cron.*
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/lib/systemd/system",
)

FIND_TIMEOUT = 15.0


class WorldWritableParams(StrictModel):
    """Where to look for world-writable files, and how much to report."""

    paths: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SYSTEM_DIRS),
        min_length=1,
        description="Absolute directories searched (each on its own file system: find -xdev).",
    )
    max_files: int = Field(
        20000,
        ge=1,
        le=1_000_000,
        description="Read at most this many world-writable files from find's output; the walk "
        "itself is bounded by a 15 s timeout.",
    )
    max_report: int = Field(20, ge=1, le=1000, description="List at most this many paths.")

    @field_validator("paths")
    @classmethod
    def _absolute_paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or ".." in path.split("/"):
                raise ValueError(f"{path!r}: use an absolute path without '..'")
            if any(ord(c) < 32 for c in path):
                raise ValueError(f"{path!r}: control characters are not allowed")
        return value


def _find_problems(stderr: str, start_dirs: list[str]) -> tuple[list[str], list[str]]:
    """Split find's complaints into missing start directories and real problems."""
    missing: list[str] = []
    problems: list[str] = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        named = [d for d in start_dirs if line.startswith(f"find: '{d}': No such file")]
        (missing if named else problems).append(named[0] if named else line.strip())
    return missing, problems


@check("linux.files.world_writable", params=WorldWritableParams)
def world_writable(ctx: CheckContext) -> Outcome:
    """No regular file writable by others under the system directories (find -perm -0002)."""
    params = ctx.params_as(WorldWritableParams)
    start_dirs = [command_path(ctx, path) for path in params.paths]
    argv = ["find", *start_dirs, "-xdev", "-type", "f", "-perm", "-0002", "-print"]
    source = f"command: {' '.join(argv)}"
    try:
        result = ctx.access.commands.run(argv, timeout=FIND_TIMEOUT)
    except CommandError as exc:
        return error(exc.message)
    missing, problems = _find_problems(result.stderr, start_dirs)
    if len(set(missing)) == len(set(start_dirs)):
        return not_applicable(msg("none of {paths} exists", paths=", ".join(params.paths)))
    lines = [line for line in result.stdout.splitlines() if line]
    found = list(dict.fromkeys(system_path(ctx, line) for line in lines[: params.max_files]))
    if not found:
        if problems:
            return error(msg("`find` could not search everything: {problem}", problem=problems[0]))
        searched = ", ".join(params.paths)
        observed = msg("no world-writable regular files in {paths}", paths=searched)
        return passed(Evidence(source, observed, msg("none")))
    count: str | Message = str(len(found))
    if len(lines) > params.max_files:
        count = msg("more than {limit}", limit=str(params.max_files))
    shown = found[: params.max_report]
    summary_text = msg("{count} world-writable regular files", count=count)
    if len(found) > len(shown):
        summary_text = msg(
            "{text} ({count} more not listed)",
            text=summary_text,
            count=str(len(found) - len(shown)),
        )
    if problems:
        summary_text = msg(
            "{text}; `find` could not search everything: {problem}",
            text=summary_text,
            problem=problems[0],
        )
    summary = Evidence(source, summary_text, msg("none"))
    expected = msg("not writable by others (no o+w)")
    writable = msg("writable by everyone")
    return failed(summary, *(Evidence(path, writable, expected) for path in shown))


@dataclass(frozen=True)
class _IntegrityTool:
    """A file integrity tool: its packages, its database files and what runs it regularly."""

    name: str
    packages: tuple[str, ...]
    databases: tuple[str, ...]
    jobs: tuple[str, ...]
    units: tuple[str, ...]


INTEGRITY_TOOLS = (
    _IntegrityTool(
        "AIDE",
        ("aide", "aide-common"),
        ("/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz"),
        ("/etc/cron.daily/aide", "/etc/cron.daily/dailyaidecheck", "/etc/cron.d/aide"),
        ("dailyaidecheck.timer", "aidecheck.timer"),
    ),
    _IntegrityTool(
        "Tripwire", ("tripwire",), ("/var/lib/tripwire",), ("/etc/cron.daily/tripwire",), ()
    ),
    _IntegrityTool(
        "Samhain", ("samhain",), ("/var/lib/samhain/samhain_file",), (), ("samhain.service",)
    ),
    _IntegrityTool(
        "Wazuh/OSSEC syscheck",
        ("wazuh-agent", "wazuh-manager", "ossec-hids-agent", "ossec-hids"),
        ("/var/ossec/queue/fim/db/fim.db", "/var/ossec/queue/syscheck"),
        (),
        ("wazuh-agent.service", "wazuh-manager.service", "ossec.service"),
    ),
)
AIDE_NEW_DB = "/var/lib/aide/aide.db.new"
_COMPLETE = (
    msg("database initialised"),
    msg("runs regularly"),
)  # the observations of a working tool


def _integrity_state(
    ctx: CheckContext, tool: _IntegrityTool, installed: dict[str, Package]
) -> list[Evidence] | None:
    """Evidence of an installed tool (None when it is not installed); the first item is
    the package, then its database and its schedule, each found or missing."""
    package = next((installed[name] for name in tool.packages if name in installed), None)
    if package is None:
        return None
    files = ctx.access.files
    observed = msg("{package} installed", package=f"{package.name} {package.version}")
    found = [Evidence(package.source, observed, msg("{tool} installed", tool=tool.name))]
    database = next((path for path in tool.databases if files.exists(path)), None)
    initialised = msg("an initialised database")
    if database:
        found.append(Evidence(database, _COMPLETE[0], initialised))
    else:
        observed = msg("no database")
        if tool.name == "AIDE" and files.exists(AIDE_NEW_DB):
            observed = msg(
                "only {path}: `aide --init` ran but its output was never moved into place",
                path=AIDE_NEW_DB,
            )
        found.append(Evidence(tool.databases[0], observed, initialised))
    units = (ctx.facts.unit(name) for name in tool.units)
    schedule = next((path for path in tool.jobs if files.exists(path)), None) or next(
        (unit_cited(unit)[0] for unit in units if unit.enabled), None
    )
    expected = msg("a cron job or an enabled timer/service")
    if schedule:
        found.append(Evidence(schedule, _COMPLETE[1], expected))
    else:
        where = ", ".join([*tool.jobs, *tool.units])
        found.append(Evidence(where, msg("no cron job or enabled timer"), expected))
    return found


@check("linux.files.integrity_tool")
def integrity_tool(ctx: CheckContext) -> Outcome:
    """A file integrity tool (AIDE, Tripwire, Samhain, or Wazuh/OSSEC syscheck) is installed
    (dpkg or rpm), its database is initialised (AIDE: /var/lib/aide/aide.db, not only
    aide.db.new) and it runs regularly (a cron job such as /etc/cron.daily/aide or
    dailyaidecheck, or an enabled timer or daemon unit). One complete tool passes.
    """
    try:
        installed = {package.name: package for package in ctx.facts.packages}
    except PackageQueryError as exc:
        return error(exc.message)
    states = [s for s in (_integrity_state(ctx, tool, installed) for tool in INTEGRITY_TOOLS) if s]
    for state in states:
        if all(item.observed in _COMPLETE for item in state[1:]):
            return passed(*state)
    if states:
        return failed(*(item for state in states for item in state))
    names = ", ".join(tool.name for tool in INTEGRITY_TOOLS)
    return failed(
        Evidence(
            f"{DPKG_STATUS}, {RPM_DATABASE}",
            msg("none of {tools} installed", tools=names),
            msg("AIDE installed, initialised and scheduled"),
        )
    )


LOGIN_DEFS_FILE = "/etc/login.defs"
PASSWD_FILE = "/etc/passwd"
NO_LOGIN_SHELLS = ("nologin", "false", "sync", "shutdown", "halt")
HOME_LIMIT = 0o750
HOME_EXPECTED = msg("mode 0750 or stricter (no group write, nothing for others), owned by the user")


def _login_users(ctx: CheckContext) -> tuple[list[tuple[str, int, str]], int]:
    """(name, uid, home) of accounts with uid >= UID_MIN and a login shell, and UID_MIN."""
    defs = ctx.facts.login_defs
    uid_min = (defs or LoginDefs(LOGIN_DEFS_FILE, {})).number("UID_MIN", 1000).value
    return [
        (user.name, user.uid, user.home)
        for user in ctx.facts.users or ()
        if user.uid >= uid_min
        and user.shell.rsplit("/", 1)[-1] not in NO_LOGIN_SHELLS
        and user.home.startswith("/")
    ], uid_min


@check("linux.files.home_permissions")
def home_permissions(ctx: CheckContext) -> Outcome:
    """Home directories of login accounts (uid >= UID_MIN, a login shell): owned by the
    user, no group write, nothing for others; and the mode useradd gives new homes
    (login.defs HOME_MODE, else 0777 & ~UMASK) is as strict."""
    try:
        users, uid_min = _login_users(ctx)
        defs = ctx.facts.login_defs
    except UnreadableFile as exc:
        return error(exc.message)
    except OSError as exc:
        return error(msg("cannot read the accounts: {problem}", problem=os_problem(exc)))
    new_mode = home_mode(defs)
    source = LOGIN_DEFS_FILE
    for name in ("HOME_MODE", "UMASK"):
        definition = defs.get(name) if defs else None
        if definition is not None:
            source = definition.source
            break
    new_home = Evidence(
        source,
        msg("`useradd` creates homes with mode {mode}", mode=f"{new_mode:04o}"),
        msg("mode {mode} or stricter", mode="0750"),
    )
    verdicts = [(new_mode & ~HOME_LIMIT & 0o777 == 0, new_home)]
    if users:
        try:
            modes = file_modes(ctx, sorted({home for _, _, home in users}))
        except FileModeError as exc:
            return error(exc.message)
        for name, uid, home in users:
            found = modes.get(home)
            if found is None:
                continue
            ok = found.uid == uid and found.within(HOME_LIMIT)
            observed = msg("{name}: {mode}", name=name, mode=found.describe())
            if found.uid != uid:
                observed = msg("{text} (not owned by {name})", text=observed, name=name)
            verdicts.append((ok, Evidence(home, observed, HOME_EXPECTED)))
    if not users:
        observed = msg("no account with uid >= {uid} and a login shell", uid=str(uid_min))
        verdicts.append((True, Evidence(PASSWD_FILE, observed)))
    bad = [evidence for ok, evidence in verdicts if not ok]
    return failed(*bad) if bad else passed(*(evidence for _, evidence in verdicts))


CRON_PATHS = (
    "/etc/crontab",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/etc/cron.d",
)
CRON_ALLOW = ("/etc/cron.allow", "/etc/at.allow")
CRON_EXPECTED = msg("owner root, not writable by group or others")


@check("linux.files.cron_permissions")
def cron_permissions(ctx: CheckContext) -> Outcome:
    """/etc/crontab and /etc/cron.{hourly,daily,weekly,monthly,d}, and cron.allow/at.allow
    when present: owned by root and not writable by group or others (what they hold
    runs as root)."""
    try:
        modes = file_modes(ctx, [*CRON_PATHS, *CRON_ALLOW])
    except FileModeError as exc:
        return error(exc.message)
    if not any(path in modes for path in CRON_PATHS):
        return not_applicable(
            msg("no `/etc/crontab` or `/etc/cron.*` directories: cron is not installed")
        )
    verdicts = [
        (
            found.uid == 0 and found.mode & 0o022 == 0,
            Evidence(path, found.describe(), CRON_EXPECTED),
        )
        for path in (*CRON_PATHS, *CRON_ALLOW)
        if (found := modes.get(path)) is not None
    ]
    bad = [evidence for ok, evidence in verdicts if not ok]
    return failed(*bad) if bad else passed(*(evidence for _, evidence in verdicts))
