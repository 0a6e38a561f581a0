"""Linux logging: time synchronisation and the audit daemon."""

from __future__ import annotations

from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandError
from netwatch.posture.checks._linux_host import (
    OFFLINE_NOTE,
    SYSTEMD_ETC,
    enabled_units,
    first_line,
    plural,
    run_command,
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


def _timedatectl(ctx: CheckContext) -> Outcome | Evidence | str | None:
    """pass when timedatectl reports sync, else the evidence seen; a str says why it could
    not answer (e.g. no systemd running), None that it is not installed.
    """
    if ctx.access.commands.which("timedatectl") is None:
        return None
    result = run_command(ctx, TIMEDATECTL)
    if result.returncode != 0:
        detail = first_line(result.stderr) or f"exit status {result.returncode}"
        return f"timedatectl could not answer: {detail}"
    values = _key_values(result.stdout)
    if "NTP" not in values or "NTPSynchronized" not in values:
        return error(f"timedatectl: unexpected output {first_line(result.stdout)[:80]!r}")
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
        detail = first_line(result.stderr or result.stdout) or f"exit status {result.returncode}"
        return Evidence(source, f"chronyd not answering: {detail}", "Leap status : Normal")
    values = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    }
    if "Leap status" not in values:
        return error(f"chronyc: unexpected output {first_line(result.stdout)[:80]!r}")
    evidence = Evidence(source, f"Leap status : {values['Leap status']}", "Leap status : Normal")
    return passed(evidence) if values["Leap status"] == "Normal" else evidence


def _time_sync_from_config(files: Files, note: str) -> Outcome:
    units = enabled_units(files)
    enabled = [unit for unit in TIME_UNITS if unit in units]
    if not enabled:
        observed = f"no time synchronisation service enabled ({note})"
        return failed(Evidence(f"{SYSTEMD_ETC}/*.wants", observed, " or ".join(TIME_UNITS[:3])))
    unit = enabled[0]
    observed = f"{unit} enabled; synchronisation itself not observed ({note})"
    return passed(Evidence(units[unit], observed, "a time synchronisation service enabled"))


@check("linux.logging.time_sync")
def time_sync(ctx: CheckContext) -> Outcome:
    """Live: timedatectl (NTP=yes and NTPSynchronized=yes) or chronyc (Leap status Normal);
    either one passing is enough. Offline, or when neither tool can answer (not installed,
    systemd not running): a time service enabled through a systemd ``.wants`` link, and the
    evidence says it was read from configuration.
    """
    if not ctx.live:
        return _time_sync_from_config(ctx.access.files, OFFLINE_NOTE)
    seen: list[Evidence] = []
    notes: list[str] = []
    for probe in (_timedatectl, _chronyc):
        try:
            found = probe(ctx)
        except CommandError as exc:
            return error(str(exc))
        if isinstance(found, Outcome):
            return found
        if isinstance(found, Evidence):
            seen.append(found)
        elif found is not None:
            notes.append(found)
    if seen:
        return failed(*seen)
    note = "; ".join(notes) or "timedatectl and chronyc not available"
    return _time_sync_from_config(ctx.access.files, f"{note}; read from configuration")


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


def _auditd_live(ctx: CheckContext) -> tuple[bool, list[Evidence]] | str:
    """``systemctl is-active``/``is-enabled auditd``: running and enabled, with evidence;
    a str when systemctl cannot answer (no systemd running). ValueError on odd output.
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
                return f"systemctl could not answer: {detail or f'exit status {result.returncode}'}"
            state = "not-found"  # is-enabled explains a missing unit on stderr only
        if state not in known:
            raise ValueError(f"systemctl {verb}: unexpected output {state[:80]!r}")
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


def _auditd_from_config(ctx: CheckContext, note: str) -> tuple[bool, list[Evidence]]:
    files = ctx.access.files
    package = ctx.facts.dpkg.get("auditd") if ctx.facts.dpkg is not None else None
    installed = (
        (package is not None and package.installed)
        or files.exists("/usr/sbin/auditd")
        or files.exists("/sbin/auditd")
    )
    if not installed:
        return False, [
            Evidence(
                package.source if package else "/var/lib/dpkg/status",
                f"auditd not installed ({note})",
                "auditd installed",
            )
        ]
    link = enabled_units(files).get("auditd.service")
    observed = (
        f"auditd.service enabled ({note})" if link else f"auditd.service not enabled ({note})"
    )
    source = link or f"{SYSTEMD_ETC}/multi-user.target.wants"
    return link is not None, [Evidence(source, observed, "auditd.service enabled")]


@check("linux.logging.auditd")
def auditd(ctx: CheckContext) -> Outcome:
    """Live: ``systemctl is-active`` and ``is-enabled`` auditd. Offline, or when systemctl
    is missing or cannot answer (systemd not running): auditd installed (dpkg status or
    the binary) and enabled through a ``.wants`` link. In both cases
    /etc/audit/rules.d/*.rules (or audit.rules) must hold at least one -a/-A/-w rule.
    """
    files = ctx.access.files
    state: tuple[bool, list[Evidence]] | str = OFFLINE_NOTE
    if ctx.live:
        state = "systemctl not available"
        if ctx.access.commands.which("systemctl") is not None:
            try:
                state = _auditd_live(ctx)
            except (CommandError, ValueError) as exc:
                return error(str(exc))
    if isinstance(state, str):
        note = state if not ctx.live else f"{state}; read from configuration"
        state = _auditd_from_config(ctx, note)
    running, evidence = state
    if not running:
        return failed(*evidence)
    count, first = _audit_rules(files)
    if not count:
        rules = Evidence(
            f"{AUDIT_RULES_DIR}/*.rules, {AUDIT_RULES}",
            "no -a/-A/-w rules",
            "at least one audit rule",
        )
        return failed(*evidence, rules, reason="no audit rules")
    observed = f"{plural(count, 'audit rule')} (-a/-A/-w), the first on this line"
    rules = Evidence(first, observed, "at least one audit rule")
    return passed(*evidence, rules)
