"""Linux kernel hardening: sysctls (ASLR, reverse-path filtering, ICMP redirects) and the
USB storage driver.

Live, a sysctl's value is the running one in /proc/sys; on an image (``--root``) it is
what systemd-sysctl would set at boot (:mod:`netwatch.posture.parsers.sysctl`), or the
kernel's default when nothing sets it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.hostaccess import Files
from netwatch.hostaccess.confine import UnsafeFileError
from netwatch.i18n import Message, msg
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, error, failed, passed
from netwatch.posture.parsers.sysctl import SysctlConfig, dotted, load_sysctl, normalize_key
from netwatch.posture.registry import check

PROC_SYS = "/proc/sys"
PROC_SYS_LIMIT = 4096
PROC_MODULES_LIMIT = 1024 * 1024
SYSCTL_SOURCES = "/etc/sysctl.d, /run/sysctl.d, /usr/lib/sysctl.d"
# What the kernel starts with when nothing sets a key (Debian's kernels, x86-64).
KERNEL_DEFAULTS = {
    "kernel/randomize_va_space": 2,
    "net/ipv4/conf/all/rp_filter": 0,
    "net/ipv4/conf/default/rp_filter": 0,
    "net/ipv4/conf/all/accept_redirects": 1,
    "net/ipv4/conf/default/accept_redirects": 1,
    "net/ipv4/conf/all/secure_redirects": 1,
    "net/ipv4/conf/default/secure_redirects": 1,
    "net/ipv4/conf/all/send_redirects": 1,
    "net/ipv4/conf/default/send_redirects": 1,
    "net/ipv6/conf/all/accept_redirects": 1,
    "net/ipv6/conf/default/accept_redirects": 1,
    "net/ipv6/conf/all/disable_ipv6": 0,
}
# A number the kernel could hold (an int): longer digit runs are not a number here.
_INTEGER = re.compile(r"\s*([+-]?[0-9]{1,18})(?:\s|$)")


@dataclass(frozen=True)
class KernelValue:
    """A sysctl as the check sees it: its number (None when absent) and where it was read."""

    key: str
    number: int | None
    source: str
    observed: str | Message


def _sysctl_config(ctx: CheckContext) -> SysctlConfig:
    return ctx.facts.get("sysctl", lambda: load_sysctl(ctx.access.files))


def _read_proc(files: Files, path: str, limit: int) -> str | None:
    """A /proc file, None when absent (a sysctl read asks the kernel for ``limit`` bytes
    at once: the default 16 MiB fails with ENOMEM)."""
    try:
        return files.read_text(path, limit=limit)
    except UnsafeFileError:
        raise
    except OSError:
        return None


def _live_value(files: Files, key: str) -> KernelValue:
    path = f"{PROC_SYS}/{key}"
    text = _read_proc(files, path, PROC_SYS_LIMIT)
    if text is None:
        return KernelValue(key, None, path, msg("not present in the running kernel"))
    value = text.strip()
    found = _INTEGER.match(value)
    return KernelValue(key, int(found.group(1)) if found else None, path, value)


def _configured_value(config: SysctlConfig, key: str) -> KernelValue:
    default = KERNEL_DEFAULTS[key]
    entry = config.effective(key)
    if entry is None or entry.value is None:
        observed = msg("not set at boot (kernel default {default})", default=str(default))
        return KernelValue(key, default, SYSCTL_SOURCES, observed)
    found = _INTEGER.match(entry.value)
    if found is None:
        observed = msg(
            "{value}: not a number, the kernel refuses it (default {default} stays)",
            value=repr(entry.value),
            default=str(default),
        )
        return KernelValue(key, default, entry.source, observed)
    return KernelValue(key, int(found.group(1)), entry.source, entry.value)


def kernel_values(ctx: CheckContext, keys: list[str]) -> list[KernelValue]:
    """The running values (live) or the values boot sets (image) of ``keys`` (any spelling)."""
    names = [normalize_key(key) for key in keys]
    if ctx.live:
        return [_live_value(ctx.access.files, name) for name in names]
    config = _sysctl_config(ctx)
    return [_configured_value(config, name) for name in names]


def _evidence(value: KernelValue, expected: str | Message) -> Evidence:
    label = dotted(value.key)
    observed = msg("{key} = {value}", key=label, value=value.observed)
    return Evidence(value.source, observed, msg("{key} {wanted}", key=label, wanted=expected))


def _judge(values: list[KernelValue], allowed: set[int], expected: str | Message) -> Outcome:
    missing = [dotted(value.key) for value in values if value.number is None]
    if missing:  # only live: an image's unset key has the kernel's default
        return error(msg("cannot read {keys} from {path}", keys=", ".join(missing), path=PROC_SYS))
    evidence = [_evidence(value, expected) for value in values]
    bad = [
        item for item, value in zip(evidence, values, strict=True) if value.number not in allowed
    ]
    return failed(*bad) if bad else passed(*evidence)


def _read(ctx: CheckContext, keys: list[str]) -> list[KernelValue] | Outcome:
    try:
        return kernel_values(ctx, keys)
    except (UnsafeFileError, OSError) as exc:
        return error(msg("`sysctl` configuration unreadable: {problem}", problem=str(exc)))


@check("linux.kernel.aslr")
def aslr(ctx: CheckContext) -> Outcome:
    """kernel.randomize_va_space = 2 (stack, libraries, heap and brk randomised)."""
    values = _read(ctx, ["kernel.randomize_va_space"])
    if isinstance(values, Outcome):
        return values
    return _judge(values, {2}, "= 2")


class RpFilterParams(StrictModel):
    """Which reverse-path filtering modes pass."""

    allow_loose: bool = Field(
        True,
        description="Also pass loose mode (2, RFC 3704: the source must be routable through "
        "some interface), Ubuntu's default and what multi-homed or VPN hosts need; false "
        "passes strict mode (1) only, as the CIS benchmarks do.",
    )


RP_FILTER_KEYS = ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"]


@check("linux.kernel.rp_filter", params=RpFilterParams)
def rp_filter(ctx: CheckContext) -> Outcome:
    """net.ipv4.conf.all.rp_filter and .default.rp_filter are 1 (strict), or 2 (loose) when
    allowed. The kernel filters an interface by the larger of ``all`` and its own value,
    so ``all`` covers the existing interfaces and ``default`` those created later.
    """
    params = ctx.params_as(RpFilterParams)
    values = _read(ctx, RP_FILTER_KEYS)
    if isinstance(values, Outcome):
        return values
    if params.allow_loose:
        return _judge(values, {1, 2}, msg("= 1 (strict) or 2 (loose)"))
    return _judge(values, {1}, msg("= 1 (strict)"))


IPV4_REDIRECT_KEYS = [
    f"net.ipv4.conf.{scope}.{name}"
    for name in ("accept_redirects", "secure_redirects", "send_redirects")
    for scope in ("all", "default")
]
IPV6_REDIRECT_KEYS = [
    "net.ipv6.conf.all.accept_redirects",
    "net.ipv6.conf.default.accept_redirects",
]


@check("linux.kernel.redirects")
def redirects(ctx: CheckContext) -> Outcome:
    """ICMP redirects are neither accepted nor sent: accept_redirects, secure_redirects and
    send_redirects 0 for ``all`` and ``default`` (IPv4), accept_redirects 0 for IPv6 unless
    IPv6 is off (no /proc/sys/net/ipv6 live, disable_ipv6 = 1 set at boot on an image).
    A host accepts redirects on an interface when ``all`` or the interface's own value is
    1, hence both.
    """
    values = _read(ctx, [*IPV4_REDIRECT_KEYS, "net.ipv6.conf.all.disable_ipv6"])
    if isinstance(values, Outcome):
        return values
    *ipv4, ipv6_off = values
    notes: list[Evidence] = []
    if ipv6_off.number is None or ipv6_off.number == 1:
        observed = msg("IPv6 off ({value})", value=ipv6_off.observed)
        notes.append(Evidence(ipv6_off.source, observed, msg("IPv6 redirects")))
    else:
        ipv6 = _read(ctx, IPV6_REDIRECT_KEYS)
        if isinstance(ipv6, Outcome):
            return ipv6
        ipv4.extend(ipv6)
    outcome = _judge(ipv4, {0}, "= 0")
    if not notes or outcome.status.value == "error":
        return outcome
    return Outcome(outcome.status, (*outcome.evidence, *notes), outcome.reason)


MODPROBE_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
)
USB_STORAGE = "usb_storage"
PROC_MODULES = "/proc/modules"
_REFUSING_COMMANDS = frozenset(
    ["false", "true", "/bin/false", "/bin/true", "/usr/bin/false", "/usr/bin/true"]
)


@dataclass(frozen=True)
class ModprobeRule:
    """An ``install`` or ``blacklist`` line: the module pattern, the command, the line."""

    verb: str
    module: str
    command: str
    source: str


def _underscores(name: str) -> str:
    """kmod's module name: ``-`` becomes ``_`` (not inside ``[...]``)."""
    out, in_brackets = [], False
    for char in name:
        in_brackets = (in_brackets or char == "[") and char != "]"
        out.append("_" if char == "-" and not in_brackets else char)
    return "".join(out)


def modprobe_files(files: Files) -> list[str]:
    """The files modprobe reads, in its order (kmod: by name; /etc hides /lib)."""
    chosen: dict[str, str] = {}
    for directory in MODPROBE_DIRS:
        for name in files.list_dir(directory):
            usable = name.endswith(".conf") or name.endswith(".alias")
            if usable and not name.startswith(".") and name not in chosen:
                chosen[name] = f"{directory}/{name}"
    return [chosen[name] for name in sorted(chosen, key=lambda n: n.encode())]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered by their first line."""
    joined: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        joined.append((start, pending + line))
        pending = ""
    if pending:
        joined.append((start, pending))
    return joined


def modprobe_rules(files: Files) -> list[ModprobeRule]:
    """Every ``install`` and ``blacklist`` line, in the order modprobe reads them."""
    rules: list[ModprobeRule] = []
    for path in modprobe_files(files):
        for number, line in _logical_lines(files.read_text_or_none(path) or ""):
            words = line.split(None, 2)
            if len(words) < 2 or words[0] not in ("install", "blacklist"):
                continue
            command = words[2].strip() if len(words) > 2 else ""
            if words[0] == "install" and not command:
                continue  # kmod: a syntax error, ignored
            rules.append(
                ModprobeRule(words[0], _underscores(words[1]), command, f"{path}:{number}")
            )
    return rules


def _refuses(command: str) -> bool:
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and words[0] in _REFUSING_COMMANDS


def _loaded(files: Files, module: str) -> bool | None:
    text = _read_proc(files, PROC_MODULES, PROC_MODULES_LIMIT)
    if text is None:
        return None
    return any(line.split(" ", 1)[0] == module for line in text.splitlines())


@check("linux.kernel.usb_storage")
def usb_storage(ctx: CheckContext) -> Outcome:
    """modprobe runs a refusing command for usb-storage (``install usb-storage /bin/false``
    or ``/bin/true``) in the modprobe.d files as kmod reads them: the first ``install`` whose
    pattern matches wins; ``blacklist`` alone only stops loading by device alias, not an
    explicit ``modprobe usb-storage``. Live, the module must also not be loaded now
    (/proc/modules).
    """
    files = ctx.access.files
    try:
        rules = modprobe_rules(files)
        loaded = _loaded(files, USB_STORAGE) if ctx.live else None
    except (UnsafeFileError, OSError) as exc:
        return error(msg("`modprobe` configuration unreadable: {problem}", problem=str(exc)))
    matching = [rule for rule in rules if fnmatchcase(USB_STORAGE, rule.module)]
    install = next((rule for rule in matching if rule.verb == "install"), None)
    blacklist = next((rule for rule in matching if rule.verb == "blacklist"), None)
    expected = "install usb-storage /bin/false"
    evidence: list[Evidence] = []
    blocked = install is not None and _refuses(install.command)
    if install is not None:
        line: str | Message = f"install {install.module} {install.command}"
        if not blocked:
            line = msg("{line} (this command does not refuse the module)", line=line)
        evidence.append(Evidence(install.source, line, expected))
    if blacklist is not None:
        line = f"blacklist {blacklist.module}"
        if not blocked:
            line = msg(
                "{line} (stops loading by device alias only, not `modprobe usb-storage`)", line=line
            )
        evidence.append(Evidence(blacklist.source, line, expected))
    if install is None and blacklist is None:
        evidence.append(
            Evidence(
                ", ".join(MODPROBE_DIRS[:2]) + ", /lib/modprobe.d",
                msg("no `install` or `blacklist` rule for `usb-storage`"),
                expected,
            )
        )
    if loaded:
        evidence.append(
            Evidence(
                PROC_MODULES, msg("`usb_storage` is loaded now"), msg("`usb_storage` not loaded")
            )
        )
    return passed(*evidence) if blocked and not loaded else failed(*evidence)
