"""The Windows backend: netwatch as a service of the service control manager, its firewall
rule and its ProgramData folder, as plans of fixed commands (``sc.exe``, ``icacls.exe``,
``reg.exe``, ``netsh.exe`` by their full paths, never a PATH search).

The service runs ``<netwatch> windows-service --config FILE`` (netwatch.winservice), as
LocalSystem, with delayed automatic start and a restart on failure. Groups are named by
SID, never by name: Windows localises group names (Vietnamese Windows calls
Administrators "Quản trị viên").
"""

from __future__ import annotations

import ipaddress
import ntpath
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from netwatch.core.errors import UsageError
from netwatch.install.default_config import DEFAULT_CONFIG
from netwatch.install.request import (
    STATUS_NOT_INSTALLED,
    STATUS_RUNNING,
    STATUS_STOPPED,
    ServiceRequest,
    ServiceStatus,
)
from netwatch.install.steps import Command, RemovePath, Step, WaitFor, WriteFile
from netwatch.winservice import (
    DISPLAY_NAME,
    EVENT_LOG_KEY,
    EVENT_MESSAGE_FILE,
    RELOAD_CONTROL,
    SERVICE_ARGUMENT,
    SERVICE_NAME,
)

FIREWALL_RULE = "netwatch"
SYSTEM_SID = "*S-1-5-18"  # LocalSystem, the service's account
ADMINISTRATORS_SID = "*S-1-5-32-544"  # BUILTIN\Administrators, whatever the display language
# Restart after 5 s, 30 s, then every 60 s; the failure count resets after a day.
RESTART_DELAYS_MS = (5_000, 30_000, 60_000)
FAILURE_RESET_SECONDS = 86_400
SERVICE_KEY = rf"HKLM\SYSTEM\CurrentControlSet\Services\{SERVICE_NAME}"
DESCRIPTION = (
    "netwatch monitoring agent: host inventory, service probes and security posture as "
    "Prometheus metrics."
)
# sc.exe exits with the Win32 error code.
SERVICE_EXISTS = 1073
SERVICE_ALREADY_RUNNING = 1056
SERVICE_DOES_NOT_EXIST = 1060
SERVICE_NOT_ACTIVE = 1062
STOP_WAIT_SECONDS = 60.0  # the agent stops within its 30 s shutdown; Windows waits 20 s by default
NOT_FOUND = 1  # netsh: no rule of that name; reg: no such key
# The Python a venv's python.exe (a launcher) starts is told the venv by this variable.
VENV_LAUNCHER_VARIABLE = "__PYVENV_LAUNCHER__"
README = """\
netwatch service folder (written by `netwatch service install`).

Readable and writable by SYSTEM and Administrators only. It holds the service's state
and, when the Windows Event Log is unavailable, its logs (logs\\netwatch.log, rotated).
`netwatch service uninstall --purge` removes it.
"""


@dataclass(frozen=True)
class WindowsHost:
    """Where things are on this Windows machine, and how this netwatch is started."""

    program_data: str  # %ProgramData%, usually C:\ProgramData
    system_root: str  # %SystemRoot%, usually C:\Windows
    base_python: str | None = None  # the interpreter behind a venv's python.exe, if any

    @classmethod
    def current(cls) -> WindowsHost:
        """This machine's folders; ``base_python`` when this netwatch runs from a venv."""
        in_venv = sys.prefix != sys.base_prefix and not getattr(sys, "frozen", False)
        base = getattr(sys, "_base_executable", None) if in_venv else None
        return cls(
            os.environ.get("PROGRAMDATA", r"C:\ProgramData"),
            os.environ.get("SYSTEMROOT", r"C:\Windows"),
            base if base and base != sys.executable else None,
        )

    @property
    def state_dir(self) -> str:
        return ntpath.join(self.program_data, "netwatch")

    def tool(self, name: str) -> str:
        """The full path of a Windows tool in System32."""
        return ntpath.join(self.system_root, "System32", name)


def allowed_addresses(addresses: Sequence[str]) -> str:
    """``--allow-from`` as netsh's ``remoteip=`` list; UsageError naming a bad address.

    Addresses and networks only: netsh's keywords (``any``, ``localsubnet``) and
    networks that let everyone in are refused, as are multicast and unspecified ones.
    """
    networks = []
    for text in addresses:
        try:
            network = ipaddress.ip_network(text.strip())
        except ValueError:
            raise UsageError(
                f"--allow-from: {text!r} is not an IP address or network (CIDR), "
                "e.g. 10.0.0.5 or 10.0.0.0/24"
            ) from None
        if network.prefixlen == 0 or network.is_multicast or network.is_unspecified:
            raise UsageError(
                f"--allow-from: {text!r} would not limit who reaches the agent: name the "
                "Prometheus server's address"
            )
        single = network.num_addresses == 1
        networks.append(str(network.network_address) if single else str(network))
    return ",".join(dict.fromkeys(networks))


def image_path(request: ServiceRequest, host: WindowsHost) -> tuple[str, tuple[str, ...]]:
    """The service's command line (the registry's ImagePath) and its environment.

    A venv's python.exe is a launcher that runs the real interpreter as a child, which
    the service manager would not know: the service runs the real interpreter, told the
    venv as the launcher would tell it.
    """
    program = list(request.program)
    environment: tuple[str, ...] = ()
    if host.base_python is not None and program and program[0] != host.base_python:
        environment = (f"{VENV_LAUNCHER_VARIABLE}={program[0]}",)
        program[0] = host.base_python
    argv = [*program, SERVICE_ARGUMENT, "--config", str(request.config_path)]
    return subprocess.list2cmdline(argv), environment


class WindowsServiceBackend:
    """The Windows service control manager (implements ``ServiceBackend``)."""

    def __init__(self, host: WindowsHost | None = None) -> None:
        self.host = host or WindowsHost.current()

    def _sc(self, *args: str, why: str, ok: tuple[int, ...] = (0,)) -> Command:
        return Command((self.host.tool("sc.exe"), *args), why, ok)

    def _reg(self, *args: str, why: str, ok: tuple[int, ...] = (0,)) -> Command:
        return Command((self.host.tool("reg.exe"), *args), why, ok)

    def _firewall(self, *args: str, why: str, ok: tuple[int, ...] = (0,)) -> Command:
        return Command((self.host.tool("netsh.exe"), "advfirewall", "firewall", *args), why, ok)

    def _delete_rule(self) -> Command:
        return self._firewall("delete", "rule", f"name={FIREWALL_RULE}",
                              why=f"no earlier rule (exit {NOT_FOUND}: none)",
                              ok=(0, NOT_FOUND))  # fmt: skip

    def install(self, request: ServiceRequest) -> list[Step]:
        """The folder (locked down), the Event Log source, the service with its start type
        and recovery actions, and the firewall rule for ``allow_from``."""
        if not 0 < request.listen_port < 65536:
            raise UsageError(f"the listen port {request.listen_port} is not a TCP port")
        remote = allowed_addresses(request.allow_from) if request.allow_from else ""
        command_line, environment = image_path(request, self.host)
        state = self.host.state_dir
        steps: list[Step] = [
            WriteFile(
                Path(ntpath.join(state, "README.txt")),
                README.encode(),
                0o644,
                "the service's folder",
            ),  # fmt: skip
        ]
        if not request.config_path.exists():
            steps.append(
                WriteFile(
                    request.config_path,
                    DEFAULT_CONFIG.encode(),
                    0o644,
                    "no config yet: the embedded defaults (an existing file is never replaced)",
                )
            )
        steps += [
            Command(
                (self.host.tool("icacls.exe"), state, "/inheritance:r",
                 "/grant:r", f"{SYSTEM_SID}:(OI)(CI)F",
                 "/grant:r", f"{ADMINISTRATORS_SID}:(OI)(CI)F"),
                "only SYSTEM and Administrators may use the folder (SIDs: names are localised)",
            ),
            self._reg("add", EVENT_LOG_KEY, "/v", "EventMessageFile", "/t", "REG_EXPAND_SZ",
                      "/d", EVENT_MESSAGE_FILE, "/f", why="the Event Log source for its logs"),
            self._reg("add", EVENT_LOG_KEY, "/v", "TypesSupported", "/t", "REG_DWORD",
                      "/d", "7", "/f", why="errors, warnings and information"),
            self._sc("create", SERVICE_NAME, "binPath=", command_line, "start=", "auto",
                     "DisplayName=", DISPLAY_NAME,
                     why=f"register the service (exit {SERVICE_EXISTS}: it exists, updated next)",
                     ok=(0, SERVICE_EXISTS)),
            self._sc("config", SERVICE_NAME, "binPath=", command_line, "start=", "delayed-auto",
                     "DisplayName=", DISPLAY_NAME, why="this netwatch; delayed automatic start"),
        ]  # fmt: skip
        if environment:
            steps.append(self._reg("add", SERVICE_KEY, "/v", "Environment", "/t", "REG_MULTI_SZ",
                                   "/d", environment[0], "/f",
                                   why="the service's Python runs in this venv"))  # fmt: skip
        else:
            steps.append(self._reg("delete", SERVICE_KEY, "/v", "Environment", "/f",
                                   why=f"no venv of an earlier install (exit {NOT_FOUND}: none)",
                                   ok=(0, NOT_FOUND)))  # fmt: skip
        actions = "/".join(f"restart/{delay}" for delay in RESTART_DELAYS_MS)
        steps += [
            self._sc("description", SERVICE_NAME, DESCRIPTION, why="what it is, in services.msc"),
            self._sc("failure", SERVICE_NAME, "reset=", str(FAILURE_RESET_SECONDS),
                     "actions=", actions, why="restart after a crash: 5 s, 30 s, then 60 s"),
            self._sc("failureflag", SERVICE_NAME, "1",
                     why="restart also when it stops with an error (e.g. over server.max_rss)"),
            self._delete_rule(),
        ]  # fmt: skip
        if remote:
            steps.append(self._firewall("add", "rule", f"name={FIREWALL_RULE}", "dir=in",
                                        "action=allow", "protocol=TCP",
                                        f"localport={request.listen_port}", f"remoteip={remote}",
                                        why="only these addresses reach its port"))  # fmt: skip
        return steps

    def uninstall(self, request: ServiceRequest) -> list[Step]:
        """Stop and delete the service, its firewall rule and Event Log source; with
        ``purge`` also the config and the ProgramData folder."""
        steps: list[Step] = [
            self._sc("stop", SERVICE_NAME,
                     why=f"stop the agent (exit {SERVICE_DOES_NOT_EXIST}/{SERVICE_NOT_ACTIVE}: "
                     "not installed or not running)",
                     ok=(0, SERVICE_DOES_NOT_EXIST, SERVICE_NOT_ACTIVE)),
            _stopped(),
            self._sc("delete", SERVICE_NAME,
                     why=f"remove the service (exit {SERVICE_DOES_NOT_EXIST}: gone already)",
                     ok=(0, SERVICE_DOES_NOT_EXIST)),
            self._firewall("delete", "rule", f"name={FIREWALL_RULE}",
                           why=f"remove the firewall rule (exit {NOT_FOUND}: none)",
                           ok=(0, NOT_FOUND)),
            self._reg("delete", EVENT_LOG_KEY, "/f",
                      why=f"remove the Event Log source (exit {NOT_FOUND}: none)",
                      ok=(0, NOT_FOUND)),
        ]  # fmt: skip
        if request.purge:
            steps += [
                RemovePath(request.config_path, "--purge: the config"),
                RemovePath(Path(self.host.state_dir), "--purge: the state and the logs"),
            ]
        return steps

    def start(self) -> list[Step]:
        """Start the agent."""
        return [self._sc("start", SERVICE_NAME,
                         why=f"start the agent (exit {SERVICE_ALREADY_RUNNING}: running already)",
                         ok=(0, SERVICE_ALREADY_RUNNING))]  # fmt: skip

    def stop(self) -> list[Step]:
        """Stop the agent; it starts again at boot while installed."""
        return [self._sc("stop", SERVICE_NAME,
                         why=f"stop the agent (exit {SERVICE_NOT_ACTIVE}: not running)",
                         ok=(0, SERVICE_NOT_ACTIVE)),
                _stopped()]  # fmt: skip

    def reload(self) -> list[Step]:
        """Re-read the config file in the running agent (what SIGHUP does on Linux)."""
        return [self._sc("control", SERVICE_NAME, str(RELOAD_CONTROL),
                         why="the service's reload control code")]  # fmt: skip

    def status(self) -> ServiceStatus:
        """The service manager's view of the service, in one line."""
        from netwatch.winservice import query_state

        state = query_state()
        if state is None:
            return ServiceStatus(STATUS_NOT_INSTALLED, f"not installed (no service {SERVICE_NAME})")
        name, pid = state
        if name == "running":
            return ServiceStatus(STATUS_RUNNING, f"running (service {SERVICE_NAME}, pid {pid})")
        return ServiceStatus(STATUS_STOPPED, f"{name} (service {SERVICE_NAME})")


def _stopped() -> WaitFor:
    """Wait until the service has stopped (or is not installed): ``sc stop`` only asks."""

    def done() -> bool:
        from netwatch.winservice import query_state

        state = query_state()
        return state is None or state[0] == "stopped"

    return WaitFor(done, f"service {SERVICE_NAME} has stopped", STOP_WAIT_SECONDS,
                   why="its files are free for an upgrade or removal")  # fmt: skip
