"""Linux system checks: updates, supported release, time sync, audit daemon, data encryption.

Configuration is read from files below the audited root, so most checks also work on
a mounted image; live state (pending updates, clock sync, running services, block
devices) comes from fixed commands and only when looking at the running system.
"""

from __future__ import annotations

import configparser
import datetime as dt
import re
from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandError, CommandResult
from netwatch.posture.checks._apt import dpkg_packages
from netwatch.posture.checks._eol import EOL_TABLE, OsRelease, eol_table, read_os_release
from netwatch.posture.checks._storage import (
    Chain,
    FstabEntry,
    crypt_source,
    crypttab,
    fstab,
    lsblk_chains,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    CheckMeta,
    Evidence,
    Outcome,
    Severity,
    Text,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.parsers.apt import APT_CONF_DIR, read_apt_config
from netwatch.posture.registry import check

SYSTEMD_ETC = "/etc/systemd/system"
OFFLINE_NOTE = "read from configuration on an offline image"
COMMAND_TIMEOUT = 10.0
UPDATES_TIMEOUT = 60.0
MAX_LISTED = 10


def _today(ctx: CheckContext) -> dt.date:
    return dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc).date()


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _run(ctx: CheckContext, argv: list[str], timeout: float = COMMAND_TIMEOUT) -> CommandResult:
    """Run a fixed command; :class:`CommandError` when it is missing or too slow."""
    return ctx.access.commands.run(argv, timeout=timeout)


def _enabled_units(files: Files) -> dict[str, str]:
    """Units enabled through ``*.wants`` links under /etc/systemd/system: unit -> link."""
    found: dict[str, str] = {}
    for directory in files.list_dir(SYSTEMD_ETC):
        if directory.endswith(".wants"):
            for unit in files.list_dir(f"{SYSTEMD_ETC}/{directory}"):
                found.setdefault(unit, f"{SYSTEMD_ETC}/{directory}/{unit}")
    return found


def _family_or_reason(release: OsRelease | None) -> tuple[str | None, str]:
    """The package family (debian/rhel), or None with the reason why the check cannot apply."""
    if release is None:
        return None, "no /etc/os-release: the distribution is unknown"
    family = release.family
    if family is None:
        name = release.get("ID") or "unknown"
        return None, f"distribution {name!r} is neither Debian/Ubuntu-like nor RHEL-like"
    return family, ""


# --- linux.updates.automatic ------------------------------------------------------------

UNATTENDED_KEY = "APT::Periodic::Unattended-Upgrade"
PERIODIC_ENABLE_KEY = "APT::Periodic::Enable"
DNF_AUTOMATIC_CONF = "/etc/dnf/automatic.conf"
_OFF_VALUES = {"", "0", "false", "no", "off"}
_YES_VALUES = {"1", "yes", "true", "on"}


def _debian_automatic(files: Files) -> Outcome:
    packages = dpkg_packages(files)
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


def _rhel_automatic(files: Files) -> Outcome:
    text = files.read_text_or_none(DNF_AUTOMATIC_CONF)
    expected = "dnf-automatic installed, applying updates from an enabled timer"
    if text is None:
        return failed(
            Evidence(DNF_AUTOMATIC_CONF, "missing: dnf-automatic not installed", expected)
        )
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text, source=DNF_AUTOMATIC_CONF)
    except configparser.Error as exc:
        return error(f"{DNF_AUTOMATIC_CONF}: cannot parse: {_first_line(str(exc))}")
    apply = parser.get("commands", "apply_updates", fallback="no").strip().lower()
    config = Evidence(
        f"{DNF_AUTOMATIC_CONF} [commands]", f"apply_updates = {apply}", "apply_updates = yes"
    )
    units = _enabled_units(files)
    if "dnf-automatic-install.timer" in units:
        return passed(
            Evidence(
                units["dnf-automatic-install.timer"],
                "dnf-automatic-install.timer enabled (installs updates)",
                expected,
            )
        )
    if "dnf-automatic.timer" not in units:
        return failed(
            config,
            Evidence(
                f"{SYSTEMD_ETC}/timers.target.wants",
                "no dnf-automatic timer enabled",
                "dnf-automatic.timer enabled",
            ),
        )
    timer = Evidence(
        units["dnf-automatic.timer"], "dnf-automatic.timer enabled", "dnf-automatic.timer enabled"
    )
    return passed(config, timer) if apply in _YES_VALUES else failed(config, timer)


@check(
    CheckMeta(
        id="linux.updates.automatic",
        title=Text(
            "Automatic security updates are configured",
            "Đã cấu hình tự động cài đặt bản vá bảo mật",
        ),
        rationale=Text(
            "A security fix protects a host only once it is installed; installing fixes "
            "automatically closes the gap between a published fix and an exploited machine.",
            "Bản vá bảo mật chỉ bảo vệ máy khi đã được cài đặt; cài đặt tự động giúp rút ngắn "
            "khoảng thời gian từ khi bản vá được công bố đến khi máy có thể bị khai thác.",
        ),
        remediation=Text(
            "Debian/Ubuntu: `apt install unattended-upgrades`, then set "
            'APT::Periodic::Unattended-Upgrade "1"; in /etc/apt/apt.conf.d/20auto-upgrades '
            "(or run `dpkg-reconfigure -plow unattended-upgrades`). RHEL-like: "
            "`dnf install dnf-automatic`, set apply_updates = yes in /etc/dnf/automatic.conf "
            "and run `systemctl enable --now dnf-automatic.timer`.",
            "Debian/Ubuntu: chạy `apt install unattended-upgrades`, rồi đặt "
            'APT::Periodic::Unattended-Upgrade "1"; trong /etc/apt/apt.conf.d/20auto-upgrades '
            "(hoặc chạy `dpkg-reconfigure -plow unattended-upgrades`). Họ RHEL: chạy "
            "`dnf install dnf-automatic`, đặt apply_updates = yes trong /etc/dnf/automatic.conf "
            "và chạy `systemctl enable --now dnf-automatic.timer`.",
        ),
        category="updates",
        severity=Severity.high,
        platforms=("linux",),
    )
)
def automatic_updates(ctx: CheckContext) -> Outcome:
    """Debian/Ubuntu: unattended-upgrades installed and enabled in the APT configuration
    (read as APT reads it: parsers.apt; a configuration APT refuses fails). RHEL-like:
    dnf-automatic applying updates from an enabled timer. Files only: works offline too.
    """
    files = ctx.access.files
    family, reason = _family_or_reason(read_os_release(files))
    if family is None:
        return not_applicable(reason)
    return _debian_automatic(files) if family == "debian" else _rhel_automatic(files)


# --- linux.updates.pending_security -----------------------------------------------------

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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown


@check(
    CheckMeta(
        id="linux.updates.pending_security",
        title=Text(
            "No security updates are waiting to be installed",
            "Không còn bản cập nhật bảo mật nào đang chờ cài đặt",
        ),
        rationale=Text(
            "Every pending security update is a published vulnerability on this host that an "
            "attacker can look up and exploit.",
            "Mỗi bản cập nhật bảo mật chưa cài là một lỗ hổng đã được công bố trên máy này, "
            "kẻ tấn công có thể tra cứu và khai thác.",
        ),
        remediation=Text(
            "Install them: `apt-get update && apt-get upgrade` (Debian/Ubuntu) or "
            "`dnf upgrade --security` (RHEL-like); reboot when the kernel or core libraries "
            "were updated.",
            "Cài đặt các bản cập nhật: `apt-get update && apt-get upgrade` (Debian/Ubuntu) hoặc "
            "`dnf upgrade --security` (họ RHEL); khởi động lại máy khi nhân hoặc các thư viện "
            "lõi được cập nhật.",
        ),
        category="updates",
        severity=Severity.high,
        platforms=("linux",),
        params_model=PendingSecurityParams,
        timeout=UPDATES_TIMEOUT + 15,
    )
)
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
    family, reason = _family_or_reason(read_os_release(ctx.access.files))
    if family is None:
        return not_applicable(reason)
    argv, parse = (
        (APT_SIMULATE, _apt_pending) if family == "debian" else (DNF_SECURITY, _dnf_pending)
    )
    if ctx.access.commands.which(argv[0]) is None:
        return not_applicable(f"{argv[0]} is not installed: cannot list pending updates")
    command = " ".join(argv)
    try:
        result = _run(ctx, argv, timeout=UPDATES_TIMEOUT)
    except CommandError as exc:
        return error(f"{command}: {exc}")
    if result.returncode != 0:
        detail = _first_line(result.stderr) or "no message"
        return error(f"{command} exited with {result.returncode}: {detail}")
    try:
        pending = parse(result.stdout)
    except ValueError as exc:
        return error(f"{command}: unexpected output: {exc}")
    limit = ctx.params_as(PendingSecurityParams).max_pending
    count = len(pending.security)
    others = f" ({_plural(pending.other, 'other update')} pending)" if pending.other else ""
    observed = f"{_plural(count, 'pending security update')}{others}"
    if count:
        observed = f"{observed}: {_listed(pending.security)}"
    evidence = Evidence(f"command: {command}", observed, f"at most {limit}")
    return failed(evidence) if count > limit else passed(evidence)


# --- linux.updates.os_supported ---------------------------------------------------------


@check(
    CheckMeta(
        id="linux.updates.os_supported",
        title=Text(
            "The OS release still receives security support",
            "Phiên bản hệ điều hành vẫn còn được hỗ trợ bảo mật",
        ),
        rationale=Text(
            "A release past its end of support gets no more security fixes, so every newly "
            "found vulnerability stays open for good.",
            "Phiên bản đã hết hạn hỗ trợ không còn nhận bản vá bảo mật, nên mọi lỗ hổng mới "
            "phát hiện sẽ tồn tại mãi mãi trên máy.",
        ),
        remediation=Text(
            "Upgrade to a supported release (e.g. Debian 12 or later, Ubuntu 24.04 LTS, "
            "RHEL 9), or enrol the host in the vendor's paid extended support and record a "
            "waiver until its end date.",
            "Nâng cấp lên phiên bản còn được hỗ trợ (ví dụ Debian 12 trở lên, Ubuntu 24.04 LTS, "
            "RHEL 9), hoặc đăng ký gói hỗ trợ mở rộng có phí của nhà cung cấp và ghi nhận "
            "ngoại lệ (waiver) đến ngày kết thúc của gói đó.",
        ),
        category="updates",
        severity=Severity.critical,
        platforms=("linux",),
    )
)
def os_supported(ctx: CheckContext) -> Outcome:
    """ID and VERSION_ID of os-release against the end-of-life table (data/eol.yaml).

    Fails after the date a host stops getting security fixes without an extra contract;
    paid extended support, where the vendor offers it, is shown in the evidence.
    """
    release = read_os_release(ctx.access.files)
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


# --- linux.logging.time_sync ------------------------------------------------------------

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
    result = _run(ctx, TIMEDATECTL)
    if result.returncode != 0:
        detail = _first_line(result.stderr) or f"exit status {result.returncode}"
        return f"timedatectl could not answer: {detail}"
    values = _key_values(result.stdout)
    if "NTP" not in values or "NTPSynchronized" not in values:
        return error(f"timedatectl: unexpected output {_first_line(result.stdout)[:80]!r}")
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
    result = _run(ctx, CHRONYC)
    if result.returncode != 0:
        detail = _first_line(result.stderr or result.stdout) or f"exit status {result.returncode}"
        return Evidence(source, f"chronyd not answering: {detail}", "Leap status : Normal")
    values = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    }
    if "Leap status" not in values:
        return error(f"chronyc: unexpected output {_first_line(result.stdout)[:80]!r}")
    evidence = Evidence(source, f"Leap status : {values['Leap status']}", "Leap status : Normal")
    return passed(evidence) if values["Leap status"] == "Normal" else evidence


def _time_sync_from_config(files: Files, note: str) -> Outcome:
    units = _enabled_units(files)
    enabled = [unit for unit in TIME_UNITS if unit in units]
    if not enabled:
        observed = f"no time synchronisation service enabled ({note})"
        return failed(Evidence(f"{SYSTEMD_ETC}/*.wants", observed, " or ".join(TIME_UNITS[:3])))
    unit = enabled[0]
    observed = f"{unit} enabled; synchronisation itself not observed ({note})"
    return passed(Evidence(units[unit], observed, "a time synchronisation service enabled"))


@check(
    CheckMeta(
        id="linux.logging.time_sync",
        title=Text(
            "The system clock is synchronised with a time source",
            "Đồng hồ hệ thống được đồng bộ với nguồn thời gian chuẩn",
        ),
        rationale=Text(
            "Log timestamps must be right to reconstruct an incident across machines; "
            "Kerberos and TLS certificate checks also fail on a drifting clock.",
            "Dấu thời gian trong nhật ký phải chính xác để truy vết sự cố trên nhiều máy; "
            "xác thực Kerberos và kiểm tra chứng chỉ TLS cũng bị lỗi khi đồng hồ sai lệch.",
        ),
        remediation=Text(
            "Enable time synchronisation with the office or national NTP servers: "
            "`timedatectl set-ntp true` (systemd-timesyncd, servers in NTP= of "
            "/etc/systemd/timesyncd.conf), or install chrony with server lines in "
            "/etc/chrony/chrony.conf.",
            "Bật đồng bộ thời gian với máy chủ NTP của cơ quan hoặc máy chủ NTP quốc gia: chạy "
            "`timedatectl set-ntp true` (systemd-timesyncd, khai báo máy chủ tại NTP= trong "
            "/etc/systemd/timesyncd.conf), hoặc cài chrony và thêm các dòng server vào "
            "/etc/chrony/chrony.conf.",
        ),
        category="logging",
        severity=Severity.medium,
        platforms=("linux",),
    )
)
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


# --- linux.logging.auditd ---------------------------------------------------------------

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
        result = _run(ctx, argv)
        state, detail = _first_line(result.stdout), _first_line(result.stderr)
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


def _auditd_from_config(files: Files, note: str) -> tuple[bool, list[Evidence]]:
    packages = dpkg_packages(files) or {}
    package = packages.get("auditd")
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
    link = _enabled_units(files).get("auditd.service")
    observed = (
        f"auditd.service enabled ({note})" if link else f"auditd.service not enabled ({note})"
    )
    source = link or f"{SYSTEMD_ETC}/multi-user.target.wants"
    return link is not None, [Evidence(source, observed, "auditd.service enabled")]


@check(
    CheckMeta(
        id="linux.logging.auditd",
        title=Text(
            "The audit daemon runs with audit rules",
            "Dịch vụ kiểm toán auditd đang chạy và có quy tắc ghi nhận",
        ),
        rationale=Text(
            "auditd records who changed accounts, privileges and key files; without the daemon "
            "and its rules an intrusion leaves no trail to investigate.",
            "auditd ghi lại ai đã thay đổi tài khoản, quyền hạn và các tệp quan trọng; thiếu "
            "dịch vụ này và các quy tắc của nó, vụ xâm nhập sẽ không để lại dấu vết để điều tra.",
        ),
        remediation=Text(
            "`apt install auditd` (or `dnf install audit`), `systemctl enable --now auditd`, "
            "add rules in /etc/audit/rules.d/*.rules (e.g. `-w /etc/passwd -p wa -k identity`) "
            "and load them with `augenrules --load`.",
            "Chạy `apt install auditd` (hoặc `dnf install audit`) và `systemctl enable --now "
            "auditd`, thêm quy tắc vào /etc/audit/rules.d/*.rules (ví dụ `-w /etc/passwd -p wa "
            "-k identity`) rồi nạp bằng `augenrules --load`.",
        ),
        category="logging",
        severity=Severity.medium,
        platforms=("linux",),
    )
)
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
        state = _auditd_from_config(files, note)
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
    observed = f"{_plural(count, 'audit rule')} (-a/-A/-w), the first on this line"
    rules = Evidence(first, observed, "at least one audit rule")
    return passed(*evidence, rules)


# --- linux.data.encryption --------------------------------------------------------------

LSBLK = ["lsblk", "-J", "-o", "NAME,TYPE,MOUNTPOINT,FSTYPE"]
_NOT_ON_DISK = {"tmpfs", "ramfs", "nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "glusterfs", "ceph"}


class DataEncryptionParams(StrictModel):
    """Parameters of linux.data.encryption."""

    data_mounts: tuple[str, ...] = Field(
        ("/home", "/srv", "/var/lib/mysql", "/data"),
        description="Mount points holding data that must be on encrypted volumes; only those "
        "present in /etc/fstab (or mounted) are checked.",
    )


def _from_config(
    files: Files, mountpoint: str, entry: FstabEntry, note: str
) -> tuple[bool, Evidence]:
    """Whether an fstab entry sits on a device opened from /etc/crypttab."""
    declared = crypt_source(files, entry.device, crypttab(files))
    expected = "a dm-crypt/LUKS device listed in /etc/crypttab"
    if declared:
        observed = f"{mountpoint} on {entry.device}, opened from {declared} ({note})"
        return True, Evidence(entry.source, observed, expected)
    observed = f"{mountpoint} on {entry.device} ({entry.fstype}): not an encrypted device ({note})"
    return False, Evidence(entry.source, observed, expected)


def _from_lsblk(mountpoint: str, chains: list[Chain]) -> tuple[bool, Evidence]:
    """Whether every device chain under ``mountpoint`` has a ``crypt`` layer."""
    described = "; ".join(" > ".join(f"{name} [{kind}]" for name, kind in c) for c in chains)
    encrypted = all(any(kind == "crypt" for _, kind in chain) for chain in chains)
    observed = f"{mountpoint} on {described}" + ("" if encrypted else ": no crypt layer")
    return encrypted, Evidence(f"command: {' '.join(LSBLK)}", observed, "a crypt layer below it")


def _lsblk(ctx: CheckContext) -> dict[str, list[Chain]] | Outcome:
    """Mounted block devices from lsblk; empty when not live or no lsblk; error when odd."""
    if not ctx.live or ctx.access.commands.which("lsblk") is None:
        return {}
    try:
        result = _run(ctx, LSBLK)
    except CommandError as exc:
        return error(str(exc))
    if result.returncode != 0:
        return error(f"lsblk exited with {result.returncode}: {_first_line(result.stderr)}")
    try:
        return lsblk_chains(result.stdout)
    except ValueError as exc:
        return error(f"lsblk: unexpected output: {_first_line(str(exc))}")


def _judge(
    files: Files,
    chains: dict[str, list[Chain]],
    mounts: dict[str, FstabEntry],
    mountpoint: str,
    note: str,
) -> tuple[bool, Evidence] | None:
    """Whether ``mountpoint`` is encrypted: from lsblk when mounted, else from the files."""
    if mountpoint in chains:
        return _from_lsblk(mountpoint, chains[mountpoint])
    if mountpoint in mounts:
        return _from_config(files, mountpoint, mounts[mountpoint], note)
    return None


@check(
    CheckMeta(
        id="linux.data.encryption",
        title=Text("Data volumes are encrypted", "Các phân vùng chứa dữ liệu được mã hóa"),
        rationale=Text(
            "A stolen, lost or discarded disk exposes every file on it unless the volume is "
            "encrypted at rest.",
            "Ổ đĩa bị đánh cắp, thất lạc hoặc thải bỏ sẽ làm lộ toàn bộ dữ liệu trên đó nếu "
            "phân vùng không được mã hóa khi lưu trữ.",
        ),
        remediation=Text(
            "Put data file systems (/home, /srv, database directories) on LUKS volumes: "
            "`cryptsetup luksFormat`, an /etc/crypttab entry and the /dev/mapper device in "
            "/etc/fstab; move the data over, then wipe the old partition.",
            "Đặt các hệ thống tệp chứa dữ liệu (/home, /srv, thư mục cơ sở dữ liệu) trên phân "
            "vùng LUKS: chạy `cryptsetup luksFormat`, thêm mục vào /etc/crypttab và khai báo "
            "thiết bị /dev/mapper trong /etc/fstab; chuyển dữ liệu sang rồi xóa sạch phân vùng cũ.",
        ),
        category="data",
        severity=Severity.high,
        platforms=("linux",),
        params_model=DataEncryptionParams,
    )
)
def data_encryption(ctx: CheckContext) -> Outcome:
    """Data mounts must sit on dm-crypt (LUKS) devices.

    The data mounts are the ``data_mounts`` parameter's mount points found in /etc/fstab
    (or, live, mounted now); network and memory file systems are skipped. A mount that
    is mounted is judged from ``lsblk`` (a ``crypt`` device anywhere between the disk and
    the file system); otherwise from the files: its fstab device is /dev/mapper/<name> with
    <name> in /etc/crypttab, or an LVM volume whose physical volumes (per /etc/lvm/backup)
    all are. With no separate data mount, data lives on the root file system, which must
    then be encrypted ("data on unencrypted root filesystem" otherwise).
    """
    files = ctx.access.files
    chains = _lsblk(ctx)
    if isinstance(chains, Outcome):
        return chains
    table = fstab(files)
    note = OFFLINE_NOTE if not ctx.live else "read from /etc/fstab and /etc/crypttab"
    wanted = [m.rstrip("/") or "/" for m in ctx.params_as(DataEncryptionParams).data_mounts]
    local = [
        m for m in wanted if (table[m].fstype not in _NOT_ON_DISK if m in table else m in chains)
    ]
    verdicts = [v for m in local if (v := _judge(files, chains, table, m, note)) is not None]
    if verdicts:
        items = [item for _, item in verdicts]
        return passed(*items) if all(ok for ok, _ in verdicts) else failed(*items)
    root = _judge(files, chains, table, "/", note)
    if root is None:
        return not_applicable(
            "no data mount and the root file system is neither in /etc/fstab nor a block "
            "device (a container or network root)"
        )
    encrypted, evidence = root
    if encrypted:
        return passed(evidence)
    return failed(evidence, reason="data on unencrypted root filesystem")
