"""Linux logging: time synchronisation and the audit daemon."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.facts.packages import PackageQueryError
from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandError
from netwatch.i18n import Message, msg
from netwatch.posture.checks._filemodes import (
    FileMode,
    FileModeError,
    command_path,
    file_modes,
    system_path,
)
from netwatch.posture.checks._linux_host import (
    OFFLINE_NOTE,
    UNIT_FILES,
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
from netwatch.posture.registry import check

TIMEDATECTL = ["timedatectl", "show", "-p", "NTPSynchronized", "-p", "NTP"]

CHRONYC = ["chronyc", "-n", "tracking"]

TIME_UNITS = (
    "systemd-timesyncd.service",
    "chrony.service",
    "chronyd.service",
    "ntp.service",
    "ntpd.service",
    "ntpsec.service",
    "openntpd.service",
)


def _key_values(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines())
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


def _timedatectl(ctx: CheckContext) -> Outcome | Evidence | Message | None:
    """pass when timedatectl reports sync, else the evidence seen; a str says why it could
    not answer (e.g. no systemd running), None that it is not installed.
    """
    if ctx.access.commands.which("timedatectl") is None:
        return None
    result = run_command(ctx, TIMEDATECTL)
    if result.returncode != 0:
        detail = first_line(result.stderr) or _exit_status(result.returncode)
        return msg("{command} could not answer: {detail}", command="timedatectl", detail=detail)
    values = _key_values(result.stdout)
    if "NTP" not in values or "NTPSynchronized" not in values:
        return _unexpected("timedatectl", first_line(result.stdout))
    observed = f"NTP={values['NTP']}, NTPSynchronized={values['NTPSynchronized']}"
    evidence = Evidence(
        f"command: {' '.join(TIMEDATECTL)}", observed, "NTP=yes, NTPSynchronized=yes"
    )
    synced = values["NTP"] == "yes" and values["NTPSynchronized"] == "yes"
    return passed(evidence) if synced else evidence


def _chronyc(ctx: CheckContext) -> Outcome | Evidence | None:
    """pass when chronyd tracks a source (Leap status Normal); else the evidence seen."""
    if ctx.access.commands.which("chronyc") is None:
        return None
    source = f"command: {' '.join(CHRONYC)}"
    result = run_command(ctx, CHRONYC)
    if result.returncode != 0:
        detail = first_line(result.stderr or result.stdout) or _exit_status(result.returncode)
        observed = msg("`chronyd` not answering: {detail}", detail=detail)
        return Evidence(source, observed, "Leap status : Normal")
    values = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    }
    if "Leap status" not in values:
        return _unexpected("chronyc", first_line(result.stdout))
    evidence = Evidence(source, f"Leap status : {values['Leap status']}", "Leap status : Normal")
    return passed(evidence) if values["Leap status"] == "Normal" else evidence


def _exit_status(code: int) -> Message:
    return msg("exit status {code}", code=str(code))


def _unexpected(command: str, output: str) -> Outcome:
    return error(
        msg("{command}: unexpected output {output}", command=command, output=repr(output[:80]))
    )


def _noted(text: str | Message, note: str | Message) -> Message:
    return msg("{text} ({note})", text=text, note=note)


def _time_sync_from_config(ctx: CheckContext, note: str | Message) -> Outcome:
    units = [ctx.facts.unit(name) for name in TIME_UNITS]
    enabled = next((unit for unit in units if unit.enabled), None)
    if enabled is not None:
        source, state = unit_cited(enabled)
        observed = msg(
            "{state}; synchronisation itself not observed ({note})", state=state, note=note
        )
        return passed(Evidence(source, observed, msg("a time synchronisation service enabled")))
    expected = msg(
        "{first} or {second} or {third}",
        first=TIME_UNITS[0],
        second=TIME_UNITS[1],
        third=TIME_UNITS[2],
    )
    found = [unit_cited(unit) for unit in units if unit.state != "not-found"]
    if not found:
        observed = msg("no time synchronisation service installed or enabled ({note})", note=note)
        return failed(Evidence(UNIT_FILES, observed, expected))
    return failed(*(Evidence(source, _noted(state, note), expected) for source, state in found))


@check("linux.logging.time_sync")
def time_sync(ctx: CheckContext) -> Outcome:
    """Live: timedatectl (NTP=yes and NTPSynchronized=yes) or chronyc (Leap status Normal);
    either one passing is enough. Offline, or when neither tool can answer (not installed,
    systemd not running): a time service enabled as ``systemctl is-enabled`` says
    (``facts.unit``), and the evidence says it was read from configuration.
    """
    if not ctx.live:
        return _time_sync_from_config(ctx, OFFLINE_NOTE)
    seen: list[Evidence] = []
    notes: list[Message] = []
    for probe in (_timedatectl, _chronyc):
        try:
            found = probe(ctx)
        except CommandError as exc:
            return error(exc.message)
        if isinstance(found, Outcome):
            return found
        if isinstance(found, Evidence):
            seen.append(found)
        elif found is not None:
            notes.append(found)
    if seen:
        return failed(*seen)
    note = notes[0] if notes else msg("`timedatectl` and `chronyc` not available")
    return _time_sync_from_config(ctx, _from_config(note))


def _from_config(note: str | Message) -> Message:
    return msg("{note}; read from configuration", note=note)


AUDIT_RULES_DIR = "/etc/audit/rules.d"

AUDIT_RULES = "/etc/audit/audit.rules"

# Every state word ``systemctl is-active`` / ``is-enabled`` can print.
_ACTIVE_STATES = frozenset(
    [
        "active",
        "reloading",
        "inactive",
        "failed",
        "activating",
        "deactivating",
        "maintenance",
        "refreshing",
        "unknown",
    ]
)

_ENABLED_STATES = frozenset(
    [
        "enabled",
        "enabled-runtime",
        "linked",
        "linked-runtime",
        "alias",
        "masked",
        "masked-runtime",
        "static",
        "indirect",
        "disabled",
        "generated",
        "transient",
        "bad",
        "not-found",
    ]
)

_RULE_PREFIXES = ("-a ", "-A ", "-w ")


def _auditd_live(ctx: CheckContext) -> tuple[bool, list[Evidence]] | Message:
    """``systemctl is-active``/``is-enabled auditd``: running and enabled, with evidence;
    a message when systemctl cannot answer (no systemd running). OutputError on odd output.
    """
    states: list[str] = []
    evidence: list[Evidence] = []
    for verb, known, wanted in (
        ("is-active", _ACTIVE_STATES, "active"),
        ("is-enabled", _ENABLED_STATES, "enabled"),
    ):
        argv = ["systemctl", verb, "auditd"]
        result = run_command(ctx, argv)
        state, detail = first_line(result.stdout), first_line(result.stderr)
        if not state and result.returncode != 0:
            if verb == "is-active":  # is-active always prints a state when systemd runs
                return msg(
                    "{command} could not answer: {detail}",
                    command="systemctl",
                    detail=detail or _exit_status(result.returncode),
                )
            state = "not-found"  # is-enabled explains a missing unit on stderr only
        if state not in known:
            command, output = f"systemctl {verb}", repr(state[:80])
            odd = msg("{command}: unexpected output {output}", command=command, output=output)
            raise OutputError(odd)
        states.append(state)
        observed = f"{state} ({detail})" if detail else state
        evidence.append(Evidence(f"command: {' '.join(argv)}", observed, wanted))
    running = states[0] == "active" and states[1] in ("enabled", "enabled-runtime")
    return running, evidence


def _audit_rules(files: Files) -> tuple[int, str]:
    """Number of audit rules (-a/-A/-w lines) and where the first is; rules.d wins."""
    paths = [
        f"{AUDIT_RULES_DIR}/{name}"
        for name in files.list_dir(AUDIT_RULES_DIR)
        if name.endswith(".rules")
    ]
    for group in (paths, [AUDIT_RULES]):
        count, first = 0, ""
        for path in group:
            for number, line in enumerate((files.read_text_or_none(path) or "").splitlines(), 1):
                if line.strip().startswith(_RULE_PREFIXES):
                    count += 1
                    first = first or f"{path}:{number}"
        if count:
            return count, first
    return 0, ""


def _auditd_installed(ctx: CheckContext) -> tuple[bool, str]:
    """Whether the auditd package is installed or its program is there, and where the
    package's state was read."""
    package = ctx.facts.dpkg.get("auditd") if ctx.facts.dpkg is not None else None
    files = ctx.access.files
    installed = (
        (package is not None and package.installed)
        or files.exists("/usr/sbin/auditd")
        or files.exists("/sbin/auditd")
    )
    return installed, package.source if package else "/var/lib/dpkg/status"


def _auditd_from_config(ctx: CheckContext, note: Message) -> tuple[bool, list[Evidence]]:
    installed, package_source = _auditd_installed(ctx)
    if not installed:
        observed = msg("{package} not installed ({note})", package="auditd", note=note)
        return False, [
            Evidence(package_source, observed, msg("{package} installed", package="auditd"))
        ]
    unit = ctx.facts.unit("auditd.service")
    source, state = unit_cited(unit)
    enabled = msg("{unit} enabled", unit="auditd.service")
    return unit.enabled, [Evidence(source, _noted(state, note), enabled)]


@check("linux.logging.auditd")
def auditd(ctx: CheckContext) -> Outcome:
    """Live: ``systemctl is-active`` and ``is-enabled`` auditd. Offline, or when systemctl
    is missing or cannot answer (systemd not running): auditd installed (dpkg status or
    the binary) and enabled as ``systemctl is-enabled`` says (``facts.unit``). In both cases
    /etc/audit/rules.d/*.rules (or audit.rules) must hold at least one -a/-A/-w rule.
    """
    files = ctx.access.files
    state: tuple[bool, list[Evidence]] | Message = OFFLINE_NOTE
    if ctx.live:
        state = msg("{command} not available", command="systemctl")
        if ctx.access.commands.which("systemctl") is not None:
            try:
                state = _auditd_live(ctx)
            except (CommandError, OutputError) as exc:
                return error(exc.message)
    if isinstance(state, Message):
        note = state if not ctx.live else _from_config(state)
        state = _auditd_from_config(ctx, note)
    running, evidence = state
    if not running:
        return failed(*evidence)
    count, first = _audit_rules(files)
    if not count:
        rules = Evidence(
            f"{AUDIT_RULES_DIR}/*.rules, {AUDIT_RULES}",
            msg("no -a/-A/-w rules"),
            msg("at least one audit rule"),
        )
        return failed(*evidence, rules, reason=msg("no audit rules"))
    observed = (
        msg("1 audit rule (-a/-A/-w), the first on this line")
        if count == 1
        else msg("{count} audit rules (-a/-A/-w), the first on this line", count=str(count))
    )
    rules = Evidence(first, observed, msg("at least one audit rule"))
    return passed(*evidence, rules)


AUDITCTL_LIST = ["auditctl", "-l"]

AUDITCTL_STATUS = ["auditctl", "-s"]


class AuditRequirement(StrictModel):
    """A group of events that the loaded audit rules must record."""

    name: str = Field(min_length=1, description="What the group is, for the evidence.")
    watches: list[str] = Field(
        default_factory=list,
        description="Paths whose changes must be recorded (-w PATH -p w/a, or -F path=/dir= "
        "with a write permission); 'PATH:x' asks for executions instead.",
    )
    syscalls: list[str] = Field(
        default_factory=list,
        description="System calls an '-a always,exit' rule must name (-S, or -S all).",
    )


def _default_requirements() -> list[AuditRequirement]:
    return [
        AuditRequirement(
            name="identity",
            watches=["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"],
        ),
        AuditRequirement(
            name="logins", watches=["/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog"]
        ),
        AuditRequirement(name="time", syscalls=["adjtimex", "settimeofday", "clock_settime"]),
        AuditRequirement(name="sudo", watches=["/usr/bin/sudo:x"]),
        AuditRequirement(name="modules", syscalls=["init_module", "finit_module", "delete_module"]),
    ]


class AuditRulesParams(StrictModel):
    """The events the audit rules must cover."""

    required: list[AuditRequirement] = Field(
        default_factory=_default_requirements,
        description="Groups of watched paths and system calls; each must be covered.",
    )


def _version_order(char: str) -> int:
    if char.isdigit():
        return 0
    if char.isalpha() and char.isascii():
        return ord(char)
    return -1 if char == "~" else ord(char) + 256


def _verrevcmp(left: str, right: str) -> int:
    """Debian's version comparison of two strings (gnulib filevercmp's core)."""
    i = j = 0
    while i < len(left) or j < len(right):
        while (i < len(left) and not left[i].isdigit()) or (
            j < len(right) and not right[j].isdigit()
        ):
            a = _version_order(left[i]) if i < len(left) else 0
            b = _version_order(right[j]) if j < len(right) else 0
            if a != b:
                return a - b
            i, j = i + 1, j + 1
        while i < len(left) and left[i] == "0":
            i += 1
        while j < len(right) and right[j] == "0":
            j += 1
        first_diff = 0
        while i < len(left) and left[i].isdigit() and j < len(right) and right[j].isdigit():
            first_diff = first_diff or ord(left[i]) - ord(right[j])
            i, j = i + 1, j + 1
        if i < len(left) and left[i].isdigit():
            return 1
        if j < len(right) and right[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


_FILE_SUFFIX = re.compile(r"(?:\.[A-Za-z~][A-Za-z0-9~]*)*$")


def _filevercmp(left: str, right: str) -> int:
    """``ls -v`` order: names without their suffixes, then whole names (gnulib filevercmp)."""
    if left == right:
        return 0
    stem_left = left[: _FILE_SUFFIX.search(left).start()]  # type: ignore[union-attr]
    stem_right = right[: _FILE_SUFFIX.search(right).start()]  # type: ignore[union-attr]
    result = _verrevcmp(stem_left, stem_right) if stem_left != stem_right else 0
    return result or _verrevcmp(left, right) or (-1 if left < right else 1)


@dataclass(frozen=True)
class AuditRuleLine:
    """One rule line auditctl would load, and where it came from."""

    text: str
    source: str


def augenrules_lines(files: Files) -> list[AuditRuleLine] | None:
    """The lines augenrules writes from /etc/audit/rules.d (None without the directory):
    the ``*.rules`` files in ``ls -v`` order, comments and empty lines dropped, the last
    ``-D``, ``-b`` and ``-f`` first and the last ``-e`` at the end.
    """
    if not files.exists(AUDIT_RULES_DIR):
        return None
    names = [
        name
        for name in files.list_dir(AUDIT_RULES_DIR)
        if name.endswith(".rules") and not name.startswith(".")
    ]
    head: dict[str, AuditRuleLine] = {}
    rules: list[AuditRuleLine] = []
    for name in sorted(names, key=functools.cmp_to_key(_filevercmp)):
        path = f"{AUDIT_RULES_DIR}/{name}"
        for number, raw in enumerate((files.read_text_or_none(path) or "").split("\n"), 1):
            line = raw.removesuffix("\r")
            item = AuditRuleLine(line, f"{path}:{number}")
            stripped = line.lstrip()
            if not line or stripped.startswith("#"):
                continue
            special = next((o for o in ("-e", "-f", "-b") if stripped.startswith(o)), None)
            if stripped.startswith("-D") and not stripped[2:].strip():
                special = "-D"
            if special:
                head[special] = item
            else:
                rules.append(item)
    top = [head[o] for o in ("-D", "-b", "-f") if o in head]
    return [*top, *rules, *([head["-e"]] if "-e" in head else [])]


def audit_rules_file(files: Files) -> list[AuditRuleLine]:
    """The lines of /etc/audit/audit.rules (what auditctl -R loads without rules.d)."""
    text = files.read_text_or_none(AUDIT_RULES) or ""
    return [AuditRuleLine(line, f"{AUDIT_RULES}:{n}") for n, line in enumerate(text.split("\n"), 1)]


def startup_audit_rules(files: Files) -> list[AuditRuleLine]:
    """The lines auditd's start loads: augenrules' output when rules.d exists, else audit.rules."""
    lines = augenrules_lines(files)
    return audit_rules_file(files) if lines is None else lines


def _last_enable(lines: list[AuditRuleLine]) -> tuple[str, str]:
    """The value of the last ``-e`` line and where it is."""
    for line in reversed(lines):
        words = line.text.split()
        if words[:1] == ["-e"]:
            return (words[1] if len(words) > 1 else ""), line.source
    return "", f"{AUDIT_RULES_DIR}/*.rules"


@dataclass(frozen=True)
class AuditRule:
    """A loaded rule: a watch (path, perms) or an always,exit syscall rule."""

    source: str
    watch: str = ""
    perms: str = ""
    syscalls: frozenset[str] = frozenset()
    fields: tuple[tuple[str, str], ...] = ()


def _options(words: list[str]) -> list[tuple[str, str]]:
    """``-w /x -p wa`` and ``-w/x`` alike, as (option, value) pairs."""
    pairs: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) == 2:
            value = words[index + 1] if index + 1 < len(words) else ""
            pairs.append((word, value))
            index += 2
        elif word.startswith("-") and not word.startswith("--"):
            pairs.append((word[:2], word[2:]))
            index += 1
        else:
            index += 1
    return pairs


def parse_audit_rule(line: AuditRuleLine) -> AuditRule | None:
    """A watch or an always,exit rule from an auditctl line; None for anything else."""
    pairs = _options(line.text.split())
    options = dict(pairs)
    if "-w" in options:
        return AuditRule(line.source, watch=options["-w"], perms=options.get("-p", "rwxa"))
    action = options.get("-a") or options.get("-A")
    if action is None or set(action.split(",")) != {"always", "exit"}:
        return None
    syscalls = frozenset(s for o, v in pairs if o == "-S" for s in v.split(","))
    fields = tuple(
        (name, value)
        for o, v in pairs
        if o == "-F"
        for name, sep, value in [v.partition("=")]
        if sep and not name.endswith(("!", "<", ">"))
    )
    return AuditRule(line.source, syscalls=syscalls or frozenset(["all"]), fields=fields)


def _under(path: str, top: str) -> bool:
    top = top.rstrip("/") or "/"
    return path == top or path.startswith(top.rstrip("/") + "/")


def _records(rule: AuditRule, path: str, perm: str) -> bool:
    """True when ``rule`` records ``perm`` (w, a, r or x) access to ``path``."""
    if rule.watch:
        return _under(path, rule.watch) and (
            perm in rule.perms or (perm == "w" and "a" in rule.perms)
        )
    fields = dict(rule.fields)
    target = fields.get("path") == path or ("dir" in fields and _under(path, fields["dir"]))
    perms = fields.get("perm", "rwxa")
    return target and (perm in perms or (perm == "w" and "a" in perms))


def _unmet(requirement: AuditRequirement, rules: list[AuditRule]) -> tuple[list[str], str]:
    """What ``requirement`` misses, and the first rule that covers part of it."""
    missing: list[str] = []
    first = ""
    for item in requirement.watches:
        path, _, perm = item.partition(":")
        covering = next((r for r in rules if _records(r, path, perm or "w")), None)
        if covering is None:
            missing.append(f"-w {path} -p {perm or 'wa'}")
        first = first or (covering.source if covering else "")
    for name in requirement.syscalls:
        covering = next((r for r in rules if {name, "all"} & r.syscalls), None)
        if covering is None:
            missing.append(f"-S {name}")
        first = first or (covering.source if covering else "")
    return missing, first


def _live_audit_rules(ctx: CheckContext) -> tuple[list[AuditRuleLine], str] | None:
    """The kernel's rules from ``auditctl -l``; None when auditctl is missing or refuses."""
    if ctx.access.commands.which("auditctl") is None:
        return None
    result = run_command(ctx, AUDITCTL_LIST)
    if result.returncode != 0:
        return None
    source = f"command: {' '.join(AUDITCTL_LIST)}"
    lines = [AuditRuleLine(line, source) for line in result.stdout.splitlines()]
    enabled = ""
    status = run_command(ctx, AUDITCTL_STATUS)
    for line in status.stdout.splitlines() if status.returncode == 0 else []:
        if line.startswith("enabled "):
            enabled = line.split()[1]
    return lines, enabled


def _immutable_note(enabled: str, source: str) -> Evidence:
    observed = (
        msg("-e 2: rules locked until reboot")
        if enabled == "2"
        else msg(
            "-e {value}: rules can be changed by root without a reboot",
            value=enabled or msg("not set"),
        )
    )
    return Evidence(source, observed, msg("-e 2 (recommended)"))


@check("linux.logging.audit_rules", params=AuditRulesParams)
def audit_rules(ctx: CheckContext) -> Outcome:
    """The audit rules record changes to the identity files, logins, clock changes, sudo
    and kernel modules (the ``required`` parameter). Live, the rules the kernel holds
    (``auditctl -l``, ``-s`` for ``-e``); else, or when auditctl cannot answer, the rules
    auditd loads at start: augenrules' concatenation of /etc/audit/rules.d/*.rules when
    that directory exists, else /etc/audit/audit.rules. ``-e 2`` is reported, not required.
    """
    params = ctx.params_as(AuditRulesParams)
    try:
        live = _live_audit_rules(ctx) if ctx.live else None
    except CommandError as exc:
        return error(exc.message)
    if live is not None:
        lines, enabled = live
        enabled_source = f"command: {' '.join(AUDITCTL_STATUS)}"
    else:
        lines = startup_audit_rules(ctx.access.files)
        enabled, enabled_source = _last_enable(lines)
    rules = [rule for rule in map(parse_audit_rule, lines) if rule is not None]
    lock = _immutable_note(enabled, enabled_source)
    if not rules:
        where = (
            lines[0].source
            if live is not None and lines
            else f"{AUDIT_RULES_DIR}/*.rules, {AUDIT_RULES}"
        )
        nothing = Evidence(
            where,
            msg("no `watch` or `always,exit` rules"),
            msg("rules for {names}", names=", ".join(r.name for r in params.required)),
        )
        return failed(nothing, lock)
    evidence: list[Evidence] = []
    unmet = False
    for requirement in params.required:
        missing, first = _unmet(requirement, rules)
        unmet = unmet or bool(missing)
        observed = (
            msg("{name}: missing {rules}", name=requirement.name, rules=", ".join(missing))
            if missing
            else msg("{name}: recorded", name=requirement.name)
        )
        expected = ", ".join([*requirement.watches, *requirement.syscalls])
        evidence.append(Evidence(first or rules[0].source, observed, expected))
    return failed(*evidence, lock) if unmet else passed(*evidence, lock)


AUDITD_CONF = "/etc/audit/auditd.conf"
AUDITD_LINE_MAX = 158  # auditd reads lines with fgets into 160 bytes: longer ones are skipped
AUDITD_ACTIONS = ("ignore", "syslog", "rotate", "email", "exec", "suspend", "single", "halt")
# auditd's own defaults (clear_config) and the actions its parsers refuse per keyword
AUDITD_DEFAULTS = {
    "space_left_action": "ignore",
    "admin_space_left_action": "ignore",
    "disk_full_action": "ignore",
    "disk_error_action": "syslog",
}
AUDITD_REFUSED = {"disk_full_action": ("email",), "disk_error_action": ("email", "rotate")}


class DiskFullParams(StrictModel):
    """The auditd actions accepted when the audit log's disk runs low, fills or fails."""

    space_left_action: list[str] = Field(
        default_factory=lambda: ["syslog", "email", "exec", "rotate", "single", "halt"],
        description="Accepted at the first warning (space_left): anything that tells "
        "someone or makes room; ignore and suspend fail.",
    )
    admin_space_left_action: list[str] = Field(
        default_factory=lambda: ["exec", "rotate", "single", "halt"],
        description="Accepted at the last warning (admin_space_left); CIS asks for single or halt.",
    )
    disk_full_action: list[str] = Field(
        default_factory=lambda: ["exec", "rotate", "single", "halt"],
        description="Accepted when the disk is full; ignore, syslog and suspend let auditing "
        "stop silently.",
    )
    disk_error_action: list[str] = Field(
        default_factory=lambda: ["syslog", "exec", "single", "halt"],
        description="Accepted on a write error.",
    )


@dataclass(frozen=True)
class AuditdSetting:
    """An action keyword as auditd ends up with it."""

    key: str
    value: str
    source: str


@dataclass(frozen=True)
class AuditdConf:
    """The four disk actions of auditd.conf, or why auditd refuses the file."""

    settings: dict[str, AuditdSetting]
    refused: str | Message = ""


def parse_auditd_conf(text: str, path: str = AUDITD_CONF) -> AuditdConf:
    """auditd.conf as auditd 3.0 (auditd-config.c) reads it: words split at spaces only
    (``key = value [option]``, so ``key=value`` or tabs leave no ``=`` word and auditd
    stops), keywords and action names without case, ``#`` starting a comment only as the
    first word, the last line of a keyword winning, lines over 158 characters skipped.
    An action name auditd does not know, or refuses for that keyword, and ``exec``
    without a program, make auditd refuse the file and not start.
    """
    settings = {
        key: AuditdSetting(key, value, f"{path}: not set (auditd default)")
        for key, value in AUDITD_DEFAULTS.items()
    }
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > AUDITD_LINE_MAX:
            continue
        words = [word for word in line.split(" ") if word]
        if not words or words[0].startswith("#"):
            continue
        where = f"{path}:{number}"
        if len(words) < 3 or words[1] != "=":
            return AuditdConf(
                settings,
                msg(
                    "{where}: auditd stops reading here ({line} is not `key = value`)",
                    where=where,
                    line=repr(line.strip()[:60]),
                ),
            )
        key, value = words[0].lower(), words[2].lower()
        if key not in AUDITD_DEFAULTS:
            continue
        if value not in AUDITD_ACTIONS or value in AUDITD_REFUSED.get(key, ()):
            refused = msg(
                "{where}: auditd refuses {setting}", where=where, setting=f"{key} = {words[2]}"
            )
            return AuditdConf(settings, refused)
        if value == "exec" and len(words) < 4:
            refused = msg("{where}: auditd refuses `exec` without a program", where=where)
            return AuditdConf(settings, refused)
        settings[key] = AuditdSetting(key, value, where)
    return AuditdConf(settings)


@check("linux.logging.auditd_disk_full", params=DiskFullParams)
def auditd_disk_full(ctx: CheckContext) -> Outcome:
    """auditd.conf's space_left_action, admin_space_left_action, disk_full_action and
    disk_error_action are among the accepted actions (parameters), read as auditd reads
    them (:func:`parse_auditd_conf`; an absent keyword has auditd's default: ignore, or
    syslog for disk errors). A file auditd refuses fails: auditd would not start.
    Not applicable without auditd and without its configuration.
    """
    params = ctx.params_as(DiskFullParams)
    files = ctx.access.files
    text = files.read_text_or_none(AUDITD_CONF)
    if text is None:
        if not _auditd_installed(ctx)[0]:
            return not_applicable(
                msg("auditd is not installed and there is no `/etc/audit/auditd.conf`")
            )
        text = ""
    conf = parse_auditd_conf(text)
    if conf.refused:
        return failed(
            Evidence(AUDITD_CONF, conf.refused, msg("a configuration auditd loads")),
            reason=msg("auditd refuses its configuration"),
        )
    evidence: list[Evidence] = []
    bad: list[Evidence] = []
    for key, allowed in params.model_dump().items():
        setting = conf.settings[key]
        item = Evidence(
            setting.source,
            f"{key} = {setting.value.upper()}",
            msg("{key} one of {values}", key=key, values=", ".join(a.upper() for a in allowed)),
        )
        evidence.append(item)
        if setting.value not in [a.lower() for a in allowed]:
            bad.append(item)
    return failed(*bad) if bad else passed(*evidence)


JOURNALD_CONF = "/etc/systemd/journald.conf"
JOURNALD_DROPIN_DIRS = (
    "/etc/systemd/journald.conf.d",
    "/run/systemd/journald.conf.d",
    "/usr/local/lib/systemd/journald.conf.d",
    "/usr/lib/systemd/journald.conf.d",
    "/lib/systemd/journald.conf.d",
)
JOURNAL_DIR = "/var/log/journal"
JOURNAL_STORAGE = ("volatile", "persistent", "auto", "none")
SYSLOG_DAEMONS = (
    ("rsyslog", ("rsyslog",), "rsyslog.service"),
    ("syslog-ng", ("syslog-ng-core", "syslog-ng"), "syslog-ng.service"),
)


def journald_files(files: Files) -> list[str]:
    """journald.conf, then its drop-ins (a name in /etc hides it below; by file name)."""
    chosen: dict[str, str] = {}
    for directory in JOURNALD_DROPIN_DIRS:
        for name in files.list_dir(directory):
            if name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    return [JOURNALD_CONF, *(chosen[name] for name in sorted(chosen))]


def journal_storage(files: Files) -> tuple[str, str | None]:
    """Storage= as systemd-journald 252 reads it: the last valid assignment in [Journal]
    over journald.conf and its drop-ins wins (an unknown value is ignored); ``auto`` when
    none. Returns the value and where it was set (None: not set).
    """
    value, source = "auto", None
    for path in journald_files(files):
        section = ""
        for number, raw in enumerate((files.read_text_or_none(path) or "").split("\n"), 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, sep, found = line.partition("=")
            if (
                section == "Journal"
                and sep
                and key.strip() == "Storage"
                and found.strip() in JOURNAL_STORAGE
            ):
                value, source = found.strip(), f"{path}:{number}"
    return value, source


def _syslog_daemon(ctx: CheckContext) -> tuple[bool, list[Evidence]]:
    installed = {package.name for package in ctx.facts.packages}
    evidence: list[Evidence] = []
    for daemon, packages, name in SYSLOG_DAEMONS:
        package = next((item for item in packages if item in installed), None)
        unit = ctx.facts.unit(name)
        source, state = unit_cited(unit)
        if package and unit.enabled:
            observed = msg(
                "{daemon} installed ({package}) and {state}",
                daemon=daemon,
                package=package,
                state=state,
            )
            return True, [Evidence(source, observed, msg("a syslog daemon enabled"))]
        if package or unit.state != "not-found":
            observed = (
                msg("{daemon}: package installed, {state}", daemon=daemon, state=state)
                if package
                else msg("{daemon}: package not installed, {state}", daemon=daemon, state=state)
            )
            evidence.append(Evidence(source, observed, msg("installed and enabled")))
    return False, evidence


@check("linux.logging.persistent_logs")
def persistent_logs(ctx: CheckContext) -> Outcome:
    """Logs survive a reboot: rsyslog or syslog-ng installed (dpkg or rpm) and enabled, or
    the journal kept on disk (Storage=persistent, or auto with /var/log/journal present;
    :func:`journal_storage`).
    """
    try:
        daemon, evidence = _syslog_daemon(ctx)
        storage, source = journal_storage(ctx.access.files)
    except PackageQueryError as exc:
        return error(exc.message)
    if daemon:
        return passed(*evidence)
    on_disk = storage == "persistent" or (
        storage == "auto" and ctx.access.files.exists(JOURNAL_DIR)
    )
    where = (
        msg("journal on disk")
        if on_disk
        else msg("journal in memory only, lost at reboot")
        if storage != "none"
        else msg("journal not kept")
    )
    setting: str | Message = f"Storage={storage}"
    if source is None:
        setting = msg("{setting} by default", setting=setting)
    if storage == "auto":
        setting = (
            msg("{setting} ({path} exists)", setting=setting, path=JOURNAL_DIR)
            if ctx.access.files.exists(JOURNAL_DIR)
            else msg("{setting} ({path} missing)", setting=setting, path=JOURNAL_DIR)
        )
    journal = Evidence(
        source or JOURNALD_CONF,
        msg("{setting}: {where}", setting=setting, where=where),
        msg("Storage=persistent, or rsyslog/syslog-ng enabled"),
    )
    if on_disk:
        return passed(journal, *evidence)
    if not evidence:
        evidence.append(
            Evidence(
                UNIT_FILES,
                msg("no `rsyslog` or `syslog-ng` package or unit file"),
                msg("a syslog daemon enabled"),
            )
        )
    return failed(journal, *evidence)


LOG_DIR = "/var/log"
LOG_FIND_TIMEOUT = 15.0


class LogPermissionsParams(StrictModel):
    """Who may own the files under /var/log, and how far to look."""

    owners: list[str] = Field(
        default_factory=lambda: ["root", "syslog"], description="Accepted owners."
    )
    groups: list[str] = Field(
        default_factory=lambda: ["root", "adm", "utmp", "systemd-journal"],
        description="Accepted groups.",
    )
    max_depth: int = Field(3, ge=1, le=10, description="Directory levels below /var/log read.")
    max_files: int = Field(
        2000, ge=1, le=100_000, description="Judge at most this many files (the rest are counted)."
    )
    max_report: int = Field(20, ge=1, le=1000, description="List at most this many files.")


def _log_limit(found: FileMode) -> int:
    """The loosest mode a log may have: wtmp and lastlog are world-readable by design
    (``last``, ``lastlog``), btmp holds mistyped passwords (0660), others 0660 at most."""
    name = found.path.rsplit("/", 1)[-1]
    if name.startswith(("wtmp", "lastlog")):
        return 0o664
    return 0o660


def _log_problem(found: FileMode, params: LogPermissionsParams) -> Message | None:
    problems: list[Message] = []
    if not found.within(_log_limit(found)):
        problems.append(
            msg("readable or writable by everyone") if found.mode & 0o007 else msg("mode too open")
        )
    if found.user not in params.owners:
        problems.append(msg("owner {user}", user=found.user))
    if found.group not in params.groups:
        problems.append(msg("group {group}", group=found.group))
    if not problems:
        return None
    joined = problems[0]
    for problem in problems[1:]:
        joined = msg("{first}, {second}", first=joined, second=problem)
    return joined


@check("linux.logging.log_permissions", params=LogPermissionsParams)
def log_permissions(ctx: CheckContext) -> Outcome:
    """Files under /var/log (``max_depth`` levels, ``max_files`` of them) are not readable
    or writable by others (0660 at most; wtmp and lastlog 0664, as ``last`` needs) and are
    owned by the accepted owners and groups. Modes come from ``find`` and ``stat`` through
    the command runner (:mod:`_filemodes`); files past the limits are counted, not judged.
    """
    params = ctx.params_as(LogPermissionsParams)
    top = command_path(ctx, LOG_DIR)
    argv = ["find", top, "-xdev", "-maxdepth", str(params.max_depth), "-type", "f", "-print"]
    source = f"command: {' '.join(argv)}"
    try:
        result = ctx.access.commands.run(argv, timeout=LOG_FIND_TIMEOUT)
    except CommandError as exc:
        return error(exc.message)
    if (
        result.returncode != 0
        and "No such file or directory" in result.stderr
        and not result.stdout
    ):
        return not_applicable(msg("{path} does not exist", path=LOG_DIR))
    listed = [system_path(ctx, line) for line in result.stdout.splitlines() if line]
    judged = listed[: params.max_files]
    if not judged:
        return not_applicable(msg("no files under {path}", path=LOG_DIR))
    try:
        modes = file_modes(ctx, judged)
    except FileModeError as exc:
        return error(exc.message)
    bad = [(found, problem) for found in modes.values() if (problem := _log_problem(found, params))]
    skipped = len(listed) - len(judged)
    scope = msg(
        "{count} files checked, {depth} levels deep",
        count=str(len(modes)),
        depth=str(params.max_depth),
    )
    if skipped:
        scope = msg(
            "{scope}; {count} more not checked (`max_files`)", scope=scope, count=str(skipped)
        )
    owners, groups = "/".join(params.owners), "/".join(params.groups)
    expected = msg(
        "0660 or stricter (`wtmp`, `lastlog` 0664), owner {owners}, group {groups}",
        owners=owners,
        groups=groups,
    )
    if not bad:
        return passed(Evidence(source, msg("{scope}: all within limits", scope=scope), expected))
    shown = bad[: params.max_report]
    observed = msg("{scope}: {count} too open or wrongly owned", scope=scope, count=str(len(bad)))
    if len(bad) > len(shown):
        observed = msg(
            "{text} ({count} not listed)", text=observed, count=str(len(bad) - len(shown))
        )
    summary = Evidence(source, observed, expected)
    return failed(
        summary,
        *(
            Evidence(
                found.path,
                msg("{mode}: {problem}", mode=found.describe(), problem=problem),
                expected,
            )
            for found, problem in shown
        ),
    )
