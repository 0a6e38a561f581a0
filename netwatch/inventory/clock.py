"""The host's clock: its configured time source, an SNTP offset against it, the OS sync state.

The offset comes from one SNTP query (RFC 4330, the ntp prober's packet code) to the source
the host is configured with, so it does not need an NTP service to be running. The sync state
is what the OS says: ``adjtimex(2)`` on Linux, ``w32tm /query /status`` on Windows.
"""

from __future__ import annotations

import ctypes
import ntpath
import os
import re
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.commands import CommandError, Commands
from netwatch.hostaccess.files import Files
from netwatch.hostaccess.winregistry import RegistryReader
from netwatch.probes.netutil import split_host_port
from netwatch.probes.ntp import (
    DEFAULT_PORT,
    offset_and_delay,
    parse_reply,
    request,
    synchronised,
)
from netwatch.probes.result import ProbeFailure

CHRONY_FILES = ("/etc/chrony/chrony.conf", "/etc/chrony.conf")
NTPD_FILES = ("/etc/ntpsec/ntp.conf", "/etc/ntp.conf")
OPENNTPD_FILE = "/etc/openntpd/ntpd.conf"
TIMESYNCD_FILE = "/etc/systemd/timesyncd.conf"
TIMESYNCD_DROPINS = (
    "/usr/lib/systemd/timesyncd.conf.d",
    "/etc/systemd/timesyncd.conf.d",
    "/run/systemd/timesyncd.conf.d",
)
W32TIME_PARAMETERS = r"HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters"
W32TIME_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters"
GROUP_POLICY_HISTORY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Group Policy\History"
TCPIP_PARAMETERS = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
W32TM_STATUS = ("/query", "/status")
W32TIME_NOT_STARTED = "0x80070426"  # w32tm's error when the Windows Time service is stopped

_NTP_DIRECTIVES = frozenset({"server", "pool", "peer"})
_OPENNTPD_DIRECTIVES = frozenset({"server", "servers"})
_REFERENCE_CLOCK = re.compile(r"^127\.127\.\d+\.\d+$")  # ntpd's pseudo-addresses of local clocks
_MAX_ADDRESSES = 2  # addresses tried per server name (a pool name resolves to several)
STA_UNSYNC = 0x40  # struct timex status bit: the clock is not synchronised
_MICROSECONDS = 1e-6


class ClockError(Exception):
    """A time source or the OS did not give a usable answer; the message says why."""


@dataclass(frozen=True)
class TimeSources:
    """The time servers (HOST or HOST:PORT) the host is configured with, and where from."""

    servers: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class SntpAnswer:
    """One valid SNTP reply: the local clock minus the server's, and the exchange's facts."""

    server: str
    address: str
    offset: float
    delay: float
    stratum: int


@dataclass(frozen=True)
class SyncStatus:
    """What the OS says of its clock; the error bounds only where the OS keeps them."""

    synchronized: bool
    max_error: float | None = None
    estimated_error: float | None = None


# --- Linux configuration files ----------------------------------------------------------


def ntp_conf_servers(text: str, directives: Iterable[str] = _NTP_DIRECTIVES) -> list[str]:
    """Servers named by ``server``/``pool``/``peer`` lines (chrony.conf, ntp.conf).

    ntpd's reference clocks (127.127.t.u) are not servers and are left out; chrony's
    ``port N`` option gives HOST:N.
    """
    wanted = frozenset(directives)
    servers: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or words[0].lower() not in wanted or _REFERENCE_CLOCK.match(words[1]):
            continue
        host, options = words[1], words[2:]
        port = options[options.index("port") + 1] if "port" in options[:-1] else ""
        if port.isdigit():
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if host not in servers:
            servers.append(host)
    return servers


def chrony_included_dirs(text: str) -> list[tuple[str, str]]:
    """``(directory, suffix)`` of chrony's ``sourcedir`` (.sources) and ``confdir`` (.conf)."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] in ("sourcedir", "confdir"):
            suffix = ".sources" if words[0] == "sourcedir" else ".conf"
            found.extend((directory, suffix) for directory in words[1:])
    return found


def timesyncd_servers(texts: Iterable[str]) -> list[str]:
    """``NTP=`` of timesyncd.conf and its drop-ins (later files win; empty resets), else
    ``FallbackNTP=``."""
    chosen: dict[str, list[str]] = {"NTP": [], "FallbackNTP": []}
    for text in texts:
        section = ""
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]").strip()
                continue
            key, sep, value = line.partition("=")
            if sep and section == "Time" and key.strip() in chosen:
                chosen[key.strip()] = value.split()
    return chosen["NTP"] or chosen["FallbackNTP"]


def _read_dir(files: Files, directory: str, suffix: str) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of the files ending in ``suffix`` in ``directory``, by name."""
    try:
        names = list(files.list_dir(directory))
    except OSError:
        return
    for name in names:
        path = f"{directory.rstrip('/')}/{name}"
        text = files.read_text_or_none(path) if name.endswith(suffix) else None
        if text is not None:
            yield path, text


def _chrony(files: Files) -> TimeSources | None:
    for path in CHRONY_FILES:
        text = files.read_text_or_none(path)
        if text is None:
            continue
        servers = ntp_conf_servers(text)
        for directory, suffix in chrony_included_dirs(text):
            for _, included in _read_dir(files, directory, suffix):
                servers.extend(s for s in ntp_conf_servers(included) if s not in servers)
        return TimeSources(tuple(servers), path) if servers else None
    return None


def _ntpd(files: Files) -> TimeSources | None:
    for path, directives in [(p, _NTP_DIRECTIVES) for p in NTPD_FILES] + [
        (OPENNTPD_FILE, _OPENNTPD_DIRECTIVES)
    ]:
        text = files.read_text_or_none(path)
        servers = ntp_conf_servers(text, directives) if text is not None else []
        if servers:
            return TimeSources(tuple(servers), path)
    return None


def _timesyncd(files: Files) -> TimeSources | None:
    texts = [files.read_text_or_none(TIMESYNCD_FILE) or ""]
    dropins = sorted(
        (name, text)
        for directory in TIMESYNCD_DROPINS
        for name, text in (
            (p.rsplit("/", 1)[1], t) for p, t in _read_dir(files, directory, ".conf")
        )
    )
    servers = timesyncd_servers(texts + [text for _, text in dropins])
    return TimeSources(tuple(servers), TIMESYNCD_FILE) if servers else None


def linux_sources(files: Files) -> TimeSources | None:
    """The servers of chrony, ntpd (ntpsec, openntpd) or systemd-timesyncd, the first found."""
    for finder in (_chrony, _ntpd, _timesyncd):
        found = finder(files)
        if found is not None:
            return found
    return None


# --- Windows registry ---------------------------------------------------------------------


def _domain_controller(registry: RegistryReader) -> str | None:
    """The DC the host last took group policy from, else its AD domain's DNS name."""
    dc_name = registry.values(GROUP_POLICY_HISTORY).get("DCName")
    if isinstance(dc_name, str) and dc_name.strip("\\ "):
        return dc_name.strip("\\ ")
    domain = registry.values(TCPIP_PARAMETERS).get("Domain")
    return domain.strip() if isinstance(domain, str) and domain.strip() else None


def windows_sources(registry: RegistryReader) -> TimeSources | None:
    """W32Time's sources: NtpServer for Type NTP, the domain controller for NT5DS, both for
    AllSync (group policy values override the service's own)."""
    values = {**registry.values(W32TIME_PARAMETERS), **registry.values(W32TIME_POLICY)}
    kind = str(values.get("Type", "")).strip().upper()
    servers: list[str] = []
    if kind in ("NTP", "ALLSYNC"):
        listed = values.get("NtpServer")
        text = " ".join(listed) if isinstance(listed, list) else str(listed or "")
        servers = [entry.split(",", 1)[0] for entry in text.split() if entry.split(",", 1)[0]]
    if kind in ("NT5DS", "ALLSYNC"):
        dc = _domain_controller(registry)
        servers += [dc] if dc else []
    origin = f"{W32TIME_PARAMETERS} (Type {kind or 'unset'})"
    return TimeSources(tuple(servers), origin) if servers else None


def configured_sources(access: HostAccess) -> TimeSources | None:
    """The host's configured time sources: the registry on Windows, config files elsewhere."""
    if access.registry is not None:
        return windows_sources(access.registry)
    return linux_sources(access.files)


# --- SNTP ---------------------------------------------------------------------------------


def query(server: str, timeout: float) -> SntpAnswer:
    """Ask ``server`` (HOST or HOST:PORT) for the time; ClockError when no valid answer.

    A valid answer is a server reply (mode 4) to our request (originate echoed), from a
    synchronised server: leap indicator not 3, stratum 1 to 15.
    """
    try:
        host, port = split_host_port(server, DEFAULT_PORT)
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (ProbeFailure, OSError) as exc:
        raise ClockError(f"{server}: {exc}") from exc
    errors = []
    for family, kind, proto, _, address in addresses[:_MAX_ADDRESSES]:
        try:
            return _exchange(server, family, kind, proto, address, timeout)
        except ClockError as exc:
            errors.append(str(exc))
    raise ClockError("; ".join(errors))


def _exchange(
    server: str, family: int, kind: int, proto: int, address: tuple[Any, ...], timeout: float
) -> SntpAnswer:
    """One request and its reply over UDP, timed with a monotonic clock."""
    where = f"{server} ({address[0]})"
    with socket.socket(family, kind, proto) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            sent_at, sent_clock = time.time(), time.perf_counter()
            sent = request(sent_at)
            sock.send(sent)
            data = sock.recv(1024)
            received_at = sent_at + time.perf_counter() - sent_clock
        except TimeoutError as exc:
            raise ClockError(f"{where}: no answer within {timeout:g}s") from exc
        except OSError as exc:
            raise ClockError(f"{where}: {exc.strerror or exc}") from exc
    try:
        reply = parse_reply(data, sent)
    except ProbeFailure as exc:
        raise ClockError(f"{where}: {exc.detail}") from exc
    if not synchronised(reply):
        raise ClockError(
            f"{where}: server clock not synchronised (leap indicator {reply.leap}, "
            f"stratum {reply.stratum})"
        )
    ahead, delay = offset_and_delay(reply, sent_at, received_at)
    return SntpAnswer(server, str(address[0]), -ahead, delay, reply.stratum)


# --- OS sync state ------------------------------------------------------------------------


def timex_status(status: int, max_error_us: int, estimated_error_us: int) -> SyncStatus:
    """The sync state from ``struct timex`` fields (errors in microseconds)."""
    return SyncStatus(
        synchronized=not status & STA_UNSYNC,
        max_error=max_error_us * _MICROSECONDS,
        estimated_error=estimated_error_us * _MICROSECONDS,
    )


if sys.platform == "linux":

    class _Timex(ctypes.Structure):
        """glibc's ``struct timex`` (sys/timex.h); natural alignment gives its padding."""

        _fields_ = [
            ("modes", ctypes.c_uint),
            ("offset", ctypes.c_long),
            ("freq", ctypes.c_long),
            ("maxerror", ctypes.c_long),
            ("esterror", ctypes.c_long),
            ("status", ctypes.c_int),
            ("constant", ctypes.c_long),
            ("precision", ctypes.c_long),
            ("tolerance", ctypes.c_long),
            ("time_sec", ctypes.c_long),
            ("time_usec", ctypes.c_long),
            ("tick", ctypes.c_long),
            ("ppsfreq", ctypes.c_long),
            ("jitter", ctypes.c_long),
            ("shift", ctypes.c_int),
            ("stabil", ctypes.c_long),
            ("jitcnt", ctypes.c_long),
            ("calcnt", ctypes.c_long),
            ("errcnt", ctypes.c_long),
            ("stbcnt", ctypes.c_long),
            ("tai", ctypes.c_int),
            ("_reserved", ctypes.c_int * 11),
        ]

    def adjtimex_status() -> SyncStatus:
        """Read (modes 0: change nothing) the kernel clock state with adjtimex(2)."""
        libc = ctypes.CDLL(None, use_errno=True)
        timex = _Timex()
        if libc.adjtimex(ctypes.byref(timex)) < 0:
            code = ctypes.get_errno()
            raise ClockError(f"adjtimex: {os.strerror(code)}")
        return timex_status(timex.status, timex.maxerror, timex.esterror)


def parse_w32tm_status(text: str) -> SyncStatus:
    """The sync state from ``w32tm /query /status``: its first line is the leap indicator
    (``Leap Indicator: 3(not synchronized)``); 3 means not synchronised."""
    lines = [line for line in text.splitlines() if line.strip()]
    match = re.search(r":\s*(\d)", lines[0]) if lines else None
    if match is None:
        first = lines[0].strip() if lines else "nothing"
        raise ClockError(f"w32tm /query /status: no leap indicator in {first[:80]!r}")
    return SyncStatus(synchronized=match.group(1) != "3")


def w32tm_path() -> str:
    """``%SystemRoot%\\System32\\w32tm.exe``."""
    return ntpath.join(os.environ.get("SYSTEMROOT") or "C:\\Windows", "System32", "w32tm.exe")


def windows_sync_status(commands: Commands, timeout: float) -> SyncStatus:
    """W32Time's state; a stopped Windows Time service is not synchronised."""
    try:
        result = commands.run([w32tm_path(), *W32TM_STATUS], timeout=timeout)
    except CommandError as exc:
        raise ClockError(str(exc)) from exc
    if result.returncode != 0:
        if W32TIME_NOT_STARTED in result.stdout + result.stderr:
            return SyncStatus(synchronized=False)
        output = (result.stderr or result.stdout).strip()[:200]
        raise ClockError(f"w32tm /query /status exited {result.returncode}: {output}")
    return parse_w32tm_status(result.stdout)


def sync_status(access: HostAccess, timeout: float) -> SyncStatus:
    """The running OS's clock sync state (W32Time on Windows, adjtimex on Linux)."""
    if sys.platform == "win32":
        return windows_sync_status(access.commands, timeout)
    if sys.platform == "linux":
        return adjtimex_status()
    raise ClockError(f"no clock sync state on {sys.platform}")
