"""The Windows service plans, step by step, for an English and a Vietnamese setup.

The same argv on every Windows: groups by SID (Vietnamese Windows names Administrators
"Quản trị viên"), tools by their full path, the service's command line quoted as
CreateProcess reads it back.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from netwatch.core.errors import UsageError
from netwatch.install.request import ServiceRequest
from netwatch.install.steps import Command, RemovePath, WaitFor, WriteFile
from netwatch.install.windows import WindowsHost, WindowsServiceBackend, allowed_addresses
from netwatch.winservice import (
    EVENT_MESSAGE_FILE,
    EventLogHandler,
    configure_service_log,
    service_logging,
)

ENGLISH = WindowsHost(r"C:\ProgramData", r"C:\Windows")
# A venv under a Vietnamese user name, the config in a Vietnamese folder, Windows on D:.
VIETNAMESE = WindowsHost(r"D:\ProgramData", r"D:\Windows", r"C:\Python313\python.exe")
EVENT_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\netwatch"
SERVICE_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\netwatch"


def _commands(steps: list[object]) -> list[tuple[str, ...]]:
    return [step.argv for step in steps if isinstance(step, Command)]


def test_install_from_a_frozen_netwatch_exe_on_english_windows(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\n", encoding="utf-8")
    request = ServiceRequest((r"C:\Program Files\netwatch\netwatch.exe",), config, 8934,
                             ("10.0.0.5", "10.0.0.6/32"))  # fmt: skip
    steps = WindowsServiceBackend(ENGLISH).install(request)
    image = rf'"C:\Program Files\netwatch\netwatch.exe" windows-service --config {config}'
    sc, reg, netsh = (r"C:\Windows\System32\sc.exe", r"C:\Windows\System32\reg.exe",
                      r"C:\Windows\System32\netsh.exe")  # fmt: skip
    assert isinstance(steps[0], WriteFile)
    assert str(steps[0].path) == r"C:\ProgramData\netwatch\README.txt"
    assert not any(isinstance(s, WriteFile) and s.path == config for s in steps)  # kept
    assert _commands(steps) == [
        (r"C:\Windows\System32\icacls.exe", r"C:\ProgramData\netwatch", "/inheritance:r",
         "/grant:r", "*S-1-5-18:(OI)(CI)F", "/grant:r", "*S-1-5-32-544:(OI)(CI)F"),
        (reg, "add", EVENT_KEY, "/v", "EventMessageFile", "/t", "REG_EXPAND_SZ",
         "/d", r"%SystemRoot%\System32\EventCreate.exe", "/f"),
        (reg, "add", EVENT_KEY, "/v", "TypesSupported", "/t", "REG_DWORD", "/d", "7", "/f"),
        (sc, "create", "netwatch", "binPath=", image, "start=", "auto",
         "DisplayName=", "netwatch monitoring agent"),
        (sc, "config", "netwatch", "binPath=", image, "start=", "delayed-auto",
         "DisplayName=", "netwatch monitoring agent"),
        (reg, "delete", SERVICE_KEY, "/v", "Environment", "/f"),
        (sc, "description", "netwatch", "netwatch monitoring agent: host inventory, service "
         "probes and security posture as Prometheus metrics."),
        (sc, "failure", "netwatch", "reset=", "86400",
         "actions=", "restart/5000/restart/30000/restart/60000"),
        (sc, "failureflag", "netwatch", "1"),
        (netsh, "advfirewall", "firewall", "delete", "rule", "name=netwatch"),
        (netsh, "advfirewall", "firewall", "add", "rule", "name=netwatch", "dir=in",
         "action=allow", "protocol=TCP", "localport=8934", "remoteip=10.0.0.5,10.0.0.6"),
    ]  # fmt: skip
    # Accepted exits: the service exists already (updated by sc config), no earlier rule.
    ok = {step.argv[1:4]: step.ok for step in steps if isinstance(step, Command)}
    assert ok[("create", "netwatch", "binPath=")] == (0, 1073)
    assert ok[("advfirewall", "firewall", "delete")] == (0, 1)
    assert ok[("advfirewall", "firewall", "add")] == ok[("config", "netwatch", "binPath=")] == (0,)


def test_install_from_a_venv_on_vietnamese_windows() -> None:
    config = Path(r"D:\Cấu hình\netwatch.yaml")  # absent: the defaults are written
    venv_python = r"C:\Users\Quản trị\netwatch\.venv\Scripts\python.exe"
    request = ServiceRequest((venv_python, "-m", "netwatch"), config, 9100, ("192.168.1.10",))
    steps = WindowsServiceBackend(VIETNAMESE).install(request)
    writes = [step for step in steps if isinstance(step, WriteFile)]
    assert [str(w.path) for w in writes] == [r"D:\ProgramData\netwatch\README.txt", str(config)]
    assert b"netwatch service install" in writes[1].content
    commands = _commands(steps)
    # SIDs, never the localised names; the tools of this Windows.
    assert commands[0] == (
        r"D:\Windows\System32\icacls.exe", r"D:\ProgramData\netwatch", "/inheritance:r",
        "/grant:r", "*S-1-5-18:(OI)(CI)F", "/grant:r", "*S-1-5-32-544:(OI)(CI)F",
    )  # fmt: skip
    image = (
        r'C:\Python313\python.exe -m netwatch windows-service --config "D:\Cấu hình\netwatch.yaml"'
    )
    create = next(c for c in commands if c[1] == "create")
    assert create[4] == image
    # The venv's launcher is not the service's process: the real Python runs, told the venv.
    assert (r"D:\Windows\System32\reg.exe", "add", SERVICE_KEY, "/v", "Environment", "/t",
            "REG_MULTI_SZ", "/d", f"__PYVENV_LAUNCHER__={venv_python}", "/f") in commands  # fmt: skip
    assert commands[-1][-2:] == ("localport=9100", "remoteip=192.168.1.10")


@pytest.mark.parametrize("program", [
    (r"C:\Program Files\netwatch\netwatch.exe",),
    (r"C:\Users\Quản trị\.venv\Scripts\python.exe", "-m", "netwatch"),
])  # fmt: skip
def test_the_image_path_reads_back_as_the_same_argv(program: tuple[str, ...]) -> None:
    config = Path(r"D:\Cấu hình của UBND xã\netwatch.yaml")
    steps = WindowsServiceBackend(ENGLISH).install(ServiceRequest(program, config, 8934))
    image = next(c for c in _commands(steps) if c[1] == "create")[4]
    expected = [*program, "windows-service", "--config", str(config)]
    assert subprocess.list2cmdline(expected) == image
    assert image.startswith(f'"{program[0]}"')  # a path with spaces is quoted


def test_without_allow_from_no_rule_is_added_and_an_old_one_is_removed() -> None:
    request = ServiceRequest((r"C:\netwatch\netwatch.exe",), Path(r"C:\nw.yaml"), 8934)
    commands = _commands(WindowsServiceBackend(ENGLISH).install(request))
    firewall = [c[3:] for c in commands if c[0].endswith("netsh.exe")]
    assert firewall == [("delete", "rule", "name=netwatch")]


@pytest.mark.parametrize(("given", "why"), [
    ("10.0.0.300", "is not an IP address or network"),
    ("any", "is not an IP address or network"),
    ("localsubnet", "is not an IP address or network"),
    ("10.0.0.5;calc.exe", "is not an IP address or network"),
    ("10.0.0.5 10.0.0.6", "is not an IP address or network"),
    ("10.0.0.1/24", "is not an IP address or network"),  # host bits set
    ("0.0.0.0/0", "would not limit who reaches the agent"),
    ("::/0", "would not limit who reaches the agent"),
    ("0.0.0.0", "would not limit who reaches the agent"),
    ("224.0.0.1", "would not limit who reaches the agent"),
])  # fmt: skip
def test_allow_from_refuses_what_is_not_an_address_to_limit_to(given: str, why: str) -> None:
    with pytest.raises(UsageError, match=f"--allow-from: '{given}' {why}"):
        allowed_addresses([given])


def test_allow_from_keeps_addresses_networks_and_ipv6_once_each() -> None:
    given = ["10.0.0.5", "10.0.1.0/24", "fd00::5", "10.0.0.5/32"]
    assert allowed_addresses(given) == "10.0.0.5,10.0.1.0/24,fd00::5"


def test_install_refuses_a_port_that_is_not_a_tcp_port() -> None:
    request = ServiceRequest((r"C:\netwatch.exe",), Path(r"C:\nw.yaml"), 0, ("10.0.0.5",))
    with pytest.raises(UsageError, match="the listen port 0 is not a TCP port"):
        WindowsServiceBackend(ENGLISH).install(request)


def test_uninstall_removes_service_rule_and_event_source_and_with_purge_the_folder() -> None:
    config = Path(r"C:\ProgramData\netwatch\netwatch.yaml")
    backend = WindowsServiceBackend(ENGLISH)
    kept = backend.uninstall(ServiceRequest((r"C:\netwatch.exe",), config, 0))
    sc, netsh, reg = (r"C:\Windows\System32\sc.exe", r"C:\Windows\System32\netsh.exe",
                      r"C:\Windows\System32\reg.exe")  # fmt: skip
    assert [(step.argv, step.ok) for step in kept if isinstance(step, Command)] == [
        ((sc, "stop", "netwatch"), (0, 1060, 1062)),
        ((sc, "delete", "netwatch"), (0, 1060)),
        ((netsh, "advfirewall", "firewall", "delete", "rule", "name=netwatch"), (0, 1)),
        ((reg, "delete", EVENT_KEY, "/f"), (0, 1)),
    ]
    assert not any(isinstance(step, RemovePath) for step in kept)
    assert [type(step) for step in kept[:3]] == [Command, WaitFor, Command]  # stopped, deleted
    purged = backend.uninstall(ServiceRequest((r"C:\netwatch.exe",), config, 0, purge=True))
    assert [str(s.path) for s in purged if isinstance(s, RemovePath)] == [
        str(config), r"C:\ProgramData\netwatch"]  # fmt: skip


def test_start_stop_and_reload_commands() -> None:
    backend = WindowsServiceBackend(ENGLISH)
    sc = r"C:\Windows\System32\sc.exe"
    assert [(s.argv, s.ok) for s in backend.start() if isinstance(s, Command)] == [
        ((sc, "start", "netwatch"), (0, 1056))]  # fmt: skip
    stop = backend.stop()
    assert [(s.argv, s.ok) for s in stop if isinstance(s, Command)] == [
        ((sc, "stop", "netwatch"), (0, 1062))]  # fmt: skip
    assert isinstance(stop[-1], WaitFor) and "has stopped" in stop[-1].describe()
    assert [s.argv for s in backend.reload() if isinstance(s, Command)] == [
        (sc, "control", "netwatch", "128")]  # fmt: skip


def test_the_event_message_file_is_the_one_the_plan_registers() -> None:
    steps = WindowsServiceBackend(ENGLISH).install(
        ServiceRequest((r"C:\netwatch.exe",), Path(r"C:\nw.yaml"), 8934)
    )
    assert EVENT_MESSAGE_FILE in next(c for c in _commands(steps) if "EventMessageFile" in c)


# The Windows Event Log cannot exist on Linux: these writers stand in for ReportEvent.


def test_service_logs_go_to_the_event_log_masked(tmp_path: Path) -> None:
    entries: list[tuple[int, str]] = []
    handler = service_logging(tmp_path / "logs", lambda kind, text: entries.append((kind, text)))
    try:
        assert isinstance(handler, EventLogHandler)
        logging.getLogger("netwatch.test").error("probe of https://admin:hunter2@portal/ failed")
        logging.getLogger("netwatch.test").warning("slow")
    finally:
        logging.getLogger("netwatch").handlers.clear()
    assert entries[0][0] == 4 and "netwatch service starting" in entries[0][1]
    assert entries[1][0] == 1 and "hunter2" not in entries[1][1]
    assert entries[1][1].startswith("ERROR netwatch.test: probe of https://")
    assert entries[2] == (2, "WARNING netwatch.test: slow")
    assert not (tmp_path / "logs").exists()


def test_without_the_event_log_service_logs_go_to_a_rotating_file(tmp_path: Path) -> None:
    def refused(kind: int, text: str) -> None:
        raise OSError(1722, "ReportEvent: The RPC server is unavailable.")

    handler = service_logging(tmp_path / "logs", refused)
    try:
        configure_service_log(handler, "info", "json", 10)
        logging.getLogger("netwatch.test").error("token=abcdef123456 refused")
        handler.flush()
    finally:
        logging.getLogger("netwatch").handlers.clear()
        handler.close()
    lines = (tmp_path / "logs" / "netwatch.log").read_text(encoding="utf-8").splitlines()
    assert (
        "the Event Log is unavailable (OSError: [Errno 1722] ReportEvent: The RPC server"
        in lines[0]
    )
    assert '"level": "error"' in lines[1] and "abcdef123456" not in lines[1]
