"""The Linux backend: a hardened systemd unit for the agent, and the plans around it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from netwatch.core.errors import UsageError
from netwatch.hostaccess.commands import CommandError, CommandRunner
from netwatch.install.default_config import DEFAULT_CONFIG
from netwatch.install.request import (
    STATUS_NOT_INSTALLED,
    STATUS_RUNNING,
    STATUS_STOPPED,
    ServiceRequest,
    ServiceStatus,
)
from netwatch.install.steps import Command, RemovePath, Require, Step, WriteFile

UNIT_NAME = "netwatch.service"
SERVICE_USER = "netwatch"
DEFAULT_UNIT_DIR = Path("/etc/systemd/system")
SYSTEMD_RUNNING = Path("/run/systemd/system")  # sd_booted(): systemd is PID 1
STATE_DIR = Path("/var/lib/netwatch")  # StateDirectory=netwatch
LOGS_DIR = Path("/var/log/netwatch")  # LogsDirectory=netwatch
CONFIG_ERROR_EXIT = 2  # netwatch's exit code for a bad config (cli.errors.ExitCode.USAGE)
RESTART_SEC = 5
START_LIMIT_INTERVAL = 300  # seconds: at most START_LIMIT_BURST starts in this window
START_LIMIT_BURST = 5
OPEN_FILES = 65536  # service.OPEN_FILES_WANTED: one file per connection
STATUS_TIMEOUT = 10.0
USERADD_EXISTS = 9  # useradd: the user already exists
USERDEL_MISSING = 6  # userdel: no such user

_NEEDS_QUOTES = re.compile(r"[\s\"'\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE_PROGRAM = re.compile(r"[\"'\\$]")


def quote_word(word: str) -> str:
    """One argument as systemd reads it back from an Exec line (systemd.syntax(7) quoting).

    ``%`` (specifiers) and ``$`` (variables) are doubled so they stay literal.
    """
    if _CONTROL.search(word):
        raise UsageError(f"{word!r} contains a control character, which systemd cannot take")
    if word == ";":
        return "\\;"
    text = word.replace("%", "%%").replace("$", "$$")
    if text and not _NEEDS_QUOTES.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_line(argv: Sequence[str]) -> str:
    """argv as the value of ExecStart= and its kin.

    systemd takes the program's path literally (no variables) and refuses one with
    quotes or backslashes, so those and ``$`` are refused here too.
    """
    if not argv or not argv[0].startswith("/"):
        raise UsageError(f"the service needs netwatch's absolute path, not {argv[:1]!r}")
    if _UNSAFE_PROGRAM.search(argv[0]):
        raise UsageError(
            f"systemd cannot run a program whose path contains quotes, backslashes or $: "
            f"{argv[0]!r}; install netwatch elsewhere"
        )
    return " ".join(quote_word(word) for word in argv)


def unit_text(request: ServiceRequest) -> str:
    """The unit file for ``request``: a dedicated user, a read-only view of the system,
    and CAP_NET_RAW only when LAN discovery is on."""
    config = str(request.config_path)
    check = exec_line([*request.program, "config", "check", config])
    serve = exec_line([*request.program, "serve", "--config", config])
    families = "AF_INET AF_INET6 AF_UNIX AF_NETLINK" + (
        " AF_PACKET" if request.lan_discovery else ""
    )
    if request.lan_discovery:
        capabilities = (
            "# LAN discovery is on (collectors.lan): raw ARP needs CAP_NET_RAW, nothing else.\n"
            "CapabilityBoundingSet=CAP_NET_RAW\n"
            "AmbientCapabilities=CAP_NET_RAW\n"
        )
    else:
        capabilities = "# No capabilities at all (LAN discovery is off).\nCapabilityBoundingSet=\n"
    return f"""\
# netwatch agent, from `netwatch service install` or the netwatch package.
# Local changes belong in a drop-in (systemctl edit netwatch): a reinstall or an
# upgrade rewrites this file. What each setting is for: docs/service.md.
[Unit]
Description=netwatch office monitoring agent
After=network-online.target
Wants=network-online.target
# A service that keeps failing (a bad config, a port in use) stops being restarted.
StartLimitIntervalSec={START_LIMIT_INTERVAL}
StartLimitBurst={START_LIMIT_BURST}

[Service]
Type=simple
User={SERVICE_USER}
Group={SERVICE_USER}
# The config is checked before every start and every reload: a bad file fails the
# start (or the reload, and the running agent keeps its config).
ExecStartPre={check}
ExecStart={serve}
ExecReload={check}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec={RESTART_SEC}s
RestartPreventExitStatus={CONFIG_ERROR_EXIT}
TimeoutStopSec=30s
StateDirectory=netwatch
StateDirectoryMode=0750
LogsDirectory=netwatch
LogsDirectoryMode=0750
UMask=0077
LimitNOFILE={OPEN_FILES}
{capabilities}NoNewPrivileges=yes
# The system is read-only to the agent; the posture checks only read it.
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
RestrictAddressFamilies={families}

[Install]
WantedBy=multi-user.target
"""


def _systemctl(*args: str, why: str, ok: tuple[int, ...] = (0,)) -> Command:
    return Command(("systemctl", *args), why, ok)


class SystemdBackend:
    """systemd as netwatch's service manager (implements ``ServiceBackend``)."""

    def __init__(
        self, unit_dir: Path = DEFAULT_UNIT_DIR, systemd_running: Path = SYSTEMD_RUNNING
    ) -> None:
        self.unit_path = unit_dir / UNIT_NAME
        self._running = systemd_running

    def _require_systemd(self) -> Require:
        return Require(
            self._running,
            "systemd runs this machine",
            f"systemd is not running on this machine (no {self._running}): "
            "nothing was changed; see the plan with --dry-run",
        )

    def install(self, request: ServiceRequest) -> list[Step]:
        """Create the user, write a default config when there is none, write and enable
        the unit; a running agent is restarted onto the new unit."""
        steps: list[Step] = [
            self._require_systemd(),
            Command(
                (
                    "useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", str(STATE_DIR), "--shell", "/usr/sbin/nologin",
                    "--comment", "netwatch monitoring agent", SERVICE_USER,
                ),
                f"the service's own user (exit {USERADD_EXISTS}: it exists already, fine)",
                (0, USERADD_EXISTS),
            ),
        ]  # fmt: skip
        if not request.config_path.exists():
            steps.append(
                WriteFile(
                    request.config_path,
                    DEFAULT_CONFIG.encode(),
                    0o640,
                    "no config yet: the embedded defaults (an existing file is never replaced)",
                    group=SERVICE_USER,
                )
            )
        steps += [
            WriteFile(self.unit_path, unit_text(request).encode(), 0o644, "the hardened unit"),
            _systemctl("daemon-reload", why="systemd reads the new unit"),
            _systemctl("enable", UNIT_NAME, why="start at boot"),
            _systemctl("try-restart", UNIT_NAME, why="a running agent moves to the new unit"),
        ]
        return steps

    def uninstall(self, request: ServiceRequest) -> list[Step]:
        """Stop, disable and remove the unit; with ``purge`` also the config, state, logs
        and the user (never other files in the config's folder, such as TLS keys)."""
        steps: list[Step] = [
            self._require_systemd(),
            _systemctl("stop", UNIT_NAME, why="stop the agent (exit 5: not loaded, fine)",
                       ok=(0, 5)),
            _systemctl("disable", UNIT_NAME, why="no start at boot (exit 1: not installed)",
                       ok=(0, 1)),
            RemovePath(self.unit_path, "the unit"),
            _systemctl("daemon-reload", why="systemd forgets the unit"),
            _systemctl("reset-failed", UNIT_NAME, why="clear a failed state (exit 1: none)",
                       ok=(0, 1)),
        ]  # fmt: skip
        if request.purge:
            steps += [
                RemovePath(request.config_path, "--purge: the config"),
                RemovePath(STATE_DIR, "--purge: the state (LAN device register)"),
                RemovePath(LOGS_DIR, "--purge: the logs"),
                Command(
                    ("userdel", SERVICE_USER),
                    f"--purge: the service's user (exit {USERDEL_MISSING}: gone already)",
                    (0, USERDEL_MISSING),
                ),
            ]
        return steps

    def start(self) -> list[Step]:
        """Start the agent (a start limit hit earlier is cleared first)."""
        return [
            self._require_systemd(),
            _systemctl("reset-failed", UNIT_NAME, why="clear an earlier start limit (exit 1: "
                       "none)", ok=(0, 1)),
            _systemctl("start", UNIT_NAME, why="start the agent (its config is checked first)"),
        ]  # fmt: skip

    def stop(self) -> list[Step]:
        """Stop the agent; it starts again at boot while enabled."""
        return [self._require_systemd(), _systemctl("stop", UNIT_NAME, why="stop the agent")]

    def reload(self) -> list[Step]:
        """Re-read the config in the running agent (the unit checks it, then sends SIGHUP)."""
        return [self._require_systemd(), _systemctl("reload", UNIT_NAME, why="re-read the "
                "config (a bad file is refused; the agent keeps the running one)")]  # fmt: skip

    def status(self) -> ServiceStatus:
        """One line and the LSB code from systemctl's view of the unit."""
        if not self._running.exists():
            return ServiceStatus(
                STATUS_NOT_INSTALLED, f"unknown: systemd is not running on this machine "
                f"(no {self._running})"
            )  # fmt: skip
        argv = ["systemctl", "show", "--property=LoadState,ActiveState,SubState,Result,"
                "UnitFileState", UNIT_NAME]  # fmt: skip
        try:
            result = CommandRunner().run(argv, timeout=STATUS_TIMEOUT)
        except CommandError as exc:
            return ServiceStatus(STATUS_NOT_INSTALLED, f"unknown: {exc}")
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            return ServiceStatus(
                STATUS_NOT_INSTALLED, f"unknown: {detail[-1] if detail else 'systemctl failed'}"
            )
        return status_of(result.stdout)


def status_of(show_output: str) -> ServiceStatus:
    """Read ``systemctl show --property=...`` output (``Name=value`` lines)."""
    properties = dict(
        line.split("=", 1) for line in show_output.splitlines() if "=" in line
    )  # fmt: skip
    if properties.get("LoadState") != "loaded":
        return ServiceStatus(STATUS_NOT_INSTALLED, f"not installed ({UNIT_NAME} is not loaded)")
    active, sub = properties.get("ActiveState", "unknown"), properties.get("SubState", "")
    boot = properties.get("UnitFileState", "")
    text = f"{active} ({sub})" + (f", {boot} at boot" if boot else "")
    result = properties.get("Result", "success")
    if active in ("active", "reloading"):
        return ServiceStatus(STATUS_RUNNING, text)
    if result != "success":
        text += f", last result: {result}"
    return ServiceStatus(STATUS_STOPPED, text)
