"""The Windows service in the lab: Wine's service control manager runs netwatch.winservice.

Windows Python carries out WindowsServiceBackend's plans step by step (as the CLI's
run_plan would) and reads the result back from the service manager (pywin32) and the
registry (winreg); /metrics is fetched from Linux. Wine's sc.exe lacks ``config`` and
``failureflag`` (and keeps no recovery actions): those two steps are expected to fail
here, and docs/windows.md gives the check on a real Windows.
"""

from __future__ import annotations

import json
import ntpath
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from netwatch.winservice import RELOAD_CONTROL, SERVICE_ARGUMENT
from tests.winlab.lab import WinLab, windows_path

HOST = "windows-hardened"
ALLOW_FROM = "10.0.0.5"
WINE_LACKS = {("sc.exe", "config"), ("sc.exe", "failureflag")}
# Wine's sc.exe exits 1 where Windows' exits 1062 (not running), which the plan accepts.
WINE_STOP_OF_A_STOPPED_SERVICE = {("sc.exe", "stop")}
WAIT = 90.0

PLAN = """\
import json, sys
from pathlib import Path
from netwatch.install.request import ServiceRequest
from netwatch.install.steps import StepFailed, run_plan
from netwatch.install.windows import WindowsServiceBackend

action, config, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
backend = WindowsServiceBackend()
request = ServiceRequest(program=(sys.executable, "-m", "netwatch"),
                         config_path=config, listen_port=port, allow_from=(sys.argv[4],),
                         purge=True)
if action == "install":
    steps = backend.install(request)
elif action == "uninstall":
    steps = backend.uninstall(request)
else:
    steps = getattr(backend, action)()
done = []
for step in steps:
    try:
        run_plan([step])
    except StepFailed as exc:
        done.append({"argv": list(getattr(step, "argv", ())), "error": str(exc)})
    else:
        done.append({"argv": list(getattr(step, "argv", ())), "error": None})
print(json.dumps(done))
"""

QUERY = """\
import json, os, winreg
import win32service
from netwatch.install.windows import WindowsServiceBackend
from netwatch.winservice import EVENT_LOG_KEY, SERVICE_NAME

def values(path):
    try:
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path.removeprefix("HKLM\\\\"))
    except OSError:
        return None
    found, index = {}, 0
    while True:
        try:
            name, data, _ = winreg.EnumValue(key, index)
        except OSError:
            return found
        found[name], index = data, index + 1

status = WindowsServiceBackend().status()
config = None
if status.code != 4:
    manager = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_CONNECT)
    service = win32service.OpenService(manager, SERVICE_NAME, win32service.SERVICE_QUERY_CONFIG)
    kind, start, _, image, _, _, _, account, display = win32service.QueryServiceConfig(service)
    config = {"type": kind, "start": start, "image": image, "account": account,
              "display": display}
state_dir = os.path.join(os.environ["PROGRAMDATA"], "netwatch")
print(json.dumps({
    "code": status.code, "text": status.text, "config": config,
    "event_source": values(EVENT_LOG_KEY),
    "state_dir": sorted(os.listdir(state_dir)) if os.path.isdir(state_dir) else None,
}))
"""

CONTROL = """\
import sys, win32service
from netwatch.winservice import SERVICE_NAME
manager = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_CONNECT)
service = win32service.OpenService(manager, SERVICE_NAME, win32service.SERVICE_USER_DEFINED_CONTROL)
print(win32service.ControlService(service, int(sys.argv[1]))[1])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _metrics(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            return str(reply.read().decode("utf-8"))
    except OSError:
        return ""


def _wait_for(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(1)
    pytest.fail(f"{what} within {WAIT:g} s")


class Lab:
    """Scripts run by Windows Python on the service's host."""

    def __init__(self, winlab: WinLab, folder: Path, port: int) -> None:
        self.winlab, self.folder, self.port = winlab, folder, port
        self.config = folder / "netwatch.yaml"
        for name, text in (("plan.py", PLAN), ("query.py", QUERY), ("control.py", CONTROL)):
            (folder / name).write_text(text, encoding="utf-8")

    def _json(self, script: str, *args: str) -> object:
        result = self.winlab.python_run([windows_path(self.folder / script), *args], host=HOST)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
        return json.loads(result.stdout.decode("utf-8"))

    def plan(self, action: str) -> list[dict[str, object]]:
        done = self._json("plan.py", action, windows_path(self.config), str(self.port), ALLOW_FROM)
        assert isinstance(done, list)
        return done

    def query(self) -> dict[str, object]:
        found = self._json("query.py")
        assert isinstance(found, dict)
        return found

    def control(self, code: int) -> subprocess.CompletedProcess[bytes]:
        return self.winlab.python_run([windows_path(self.folder / "control.py"), str(code)],
                                      host=HOST)  # fmt: skip


def _failed(done: list[dict[str, object]]) -> set[tuple[str, ...]]:
    """(program, first argument) of the steps that failed, e.g. ("sc.exe", "config")."""
    failed = set()
    for step in done:
        if step["error"] is not None:
            argv = step["argv"]
            assert isinstance(argv, list) and argv, step
            failed.add((ntpath.basename(argv[0]).lower(), argv[1]))
    return failed


@pytest.fixture
def lab(winlab: WinLab, tmp_path: Path) -> Iterator[Lab]:
    """A config for the service; the service is uninstalled (purged) afterwards."""
    port = _free_port()
    service_lab = Lab(winlab, tmp_path, port)
    service_lab.config.write_text(
        f"server:\n  listen: 127.0.0.1:{port}\nservices: []\ncollectors:\n"
        "  posture:\n    enabled: false\n  software:\n    enabled: false\n",
        encoding="utf-8",
    )
    yield service_lab
    service_lab.plan("uninstall")


def test_install_start_reload_stop_uninstall(lab: Lab) -> None:
    installed = lab.plan("install")
    assert _failed(installed) == WINE_LACKS, installed
    found = lab.query()
    assert found["code"] == 3, found  # installed, stopped
    config = found["config"]
    assert isinstance(config, dict)
    python = windows_path(lab.winlab.python)
    assert config["image"] == subprocess.list2cmdline(
        [python, "-m", "netwatch", SERVICE_ARGUMENT, "--config", windows_path(lab.config)]
    )  # fmt: skip
    assert config["type"] == 0x10  # its own process
    assert config["start"] == 2  # automatic (the delay is sc config's, which Wine lacks)
    assert config["account"] == "LocalSystem"
    assert config["display"] == "netwatch monitoring agent"
    assert found["event_source"] == {
        "EventMessageFile": r"%SystemRoot%\System32\EventCreate.exe",
        "TypesSupported": 7,
    }
    assert found["state_dir"] == ["README.txt"]

    started = lab.plan("start")
    assert _failed(started) == set(), started
    _wait_for(lambda: 'collector="users"' in _metrics(lab.port), "/metrics not served")
    running = lab.query()
    assert running["code"] == 0 and "running" in str(running["text"]), running

    lab.config.write_text(
        lab.config.read_text(encoding="utf-8") + "  users:\n    enabled: false\n",
        encoding="utf-8",
    )
    sent = lab.control(RELOAD_CONTROL)
    assert sent.returncode == 0, sent.stderr.decode("utf-8", "replace")
    _wait_for(lambda: 'collector="users"' not in _metrics(lab.port) and
              'collector="cpu"' in _metrics(lab.port), "the reload did not apply")  # fmt: skip

    stopped = lab.plan("stop")
    assert _failed(stopped) == set(), stopped
    _wait_for(lambda: lab.query()["code"] == 3, "the service did not stop")
    assert _metrics(lab.port) == ""

    removed = lab.plan("uninstall")
    assert _failed(removed) == WINE_STOP_OF_A_STOPPED_SERVICE, removed
    gone = lab.query()
    assert gone["code"] == 4, gone
    assert gone["event_source"] is None
    assert gone["state_dir"] is None  # purged


def test_the_service_command_refuses_to_run_outside_the_service_manager(
    winlab: WinLab, tmp_path: Path
) -> None:
    result = winlab.python_run(["-m", "netwatch", SERVICE_ARGUMENT, "--config",
                                windows_path(tmp_path / "netwatch.yaml")], host=HOST)  # fmt: skip
    assert result.returncode == 2
    assert b"run by the Windows service manager" in result.stderr


def test_the_cli_plans_the_windows_service_on_windows_python(
    winlab: WinLab, tmp_path: Path
) -> None:
    """``netwatch service ...`` itself on Windows: the Windows backend, its tools by full
    path, the firewall rule for --allow-from, the config check before a start."""
    config = windows_path(tmp_path / "netwatch.yaml")
    install = winlab.netwatch("service", "install", "--dry-run", "-c", config,
                              "--allow-from", "10.0.0.5,10.0.1.0/24", host=HOST)  # fmt: skip
    out = install.stdout.decode("utf-8", "replace")
    assert install.returncode == 0, install.stderr.decode("utf-8", "replace")
    steps = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert any('sc.exe create netwatch binPath= "' in s for s in steps), out  # cmd quoting
    assert any("start= delayed-auto" in s for s in steps), out
    assert any("sc.exe failure netwatch reset= 86400" in s for s in steps), out
    assert any("remoteip=10.0.0.5,10.0.1.0/24" in s for s in steps), out
    assert any("icacls.exe" in s and "*S-1-5-32-544:(OI)(CI)F" in s for s in steps), out
    assert f"{SERVICE_ARGUMENT} --config" in out
    assert "--- " + config + " ---" in out  # no config yet: the defaults are written

    start = winlab.netwatch("service", "start", "--dry-run", "-c", config, host=HOST)
    lines = start.stdout.decode("utf-8", "replace").splitlines()
    assert start.returncode == 0
    assert "config check" in lines[1] and "sc.exe start netwatch" in lines[2], lines

    refused = winlab.netwatch("service", "install", "--dry-run", "-c", config,
                              "--allow-from", "0.0.0.0/0", host=HOST)  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.decode("utf-8", "replace").startswith("netwatch: error: --allow-from")
    unit = winlab.netwatch("service", "unit", host=HOST)
    assert unit.returncode == 2 and b"Traceback" not in unit.stderr
    status = winlab.netwatch("service", "status", host=HOST)
    assert status.returncode == 4, status.stdout
