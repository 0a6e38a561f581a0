"""What `netwatch service` is asked to do, and what every OS backend provides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from netwatch.install.steps import Step

# `netwatch service status` exit codes, as LSB init scripts report status.
STATUS_RUNNING = 0
STATUS_STOPPED = 3
STATUS_NOT_INSTALLED = 4  # LSB: "status unknown"; also when no service manager answers


@dataclass(frozen=True)
class ServiceRequest:
    """Everything a backend needs to install or remove the agent's service."""

    program: tuple[str, ...]  # argv prefix that starts this netwatch (core.selfcommand)
    config_path: Path  # the config file the service runs with
    listen_port: int  # the port /metrics listens on (for the firewall rule)
    allow_from: tuple[str, ...] = ()  # addresses allowed to reach the port (Windows firewall)
    lan_discovery: bool = False  # collectors.lan enabled: the service needs raw sockets
    purge: bool = False  # uninstall only: also remove the config, state and logs


@dataclass(frozen=True)
class ServiceStatus:
    """One line for the officer and the LSB-style exit code."""

    code: int
    text: str


class ServiceBackend(Protocol):
    """One operating system's service manager, as plans of fixed steps."""

    def install(self, request: ServiceRequest) -> list[Step]: ...

    def uninstall(self, request: ServiceRequest) -> list[Step]: ...

    def start(self) -> list[Step]: ...

    def stop(self) -> list[Step]: ...

    def reload(self) -> list[Step]: ...

    def status(self) -> ServiceStatus: ...
