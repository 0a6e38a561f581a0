"""netwatch.exe (packaging/windows/build_exe.py) on the lab's recorded Windows hosts.

tests/run.sh builds it before the tests (``NETWATCH_WINDOWS_EXE``); without it these
tests skip and say so. The executable runs as it would on an office PC: no Python of
the lab's on its path, with only the lab's ``ProcessPrng`` shim (Wine 8 lacks it)
copied beside it, as beside the lab's python.exe; the artefact itself carries none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from netwatch.config.render import render_schema
from tests.conftest import free_port, promtool_check_metrics
from tests.windows.test_posture_in_the_lab import COMPARED, expected_verdicts
from tests.winlab.build import wine_env
from tests.winlab.lab import LOCALES, WinLab, windows_path

REPO = Path(__file__).resolve().parents[2]
SHIM = "bcryptprimitives.dll"
TIMEOUT = 180.0
WAIT = 90.0
POSTURE_RAN = b'netwatch_collector_last_run_timestamp_seconds{collector="posture"}'


@pytest.fixture(scope="session")
def netwatch_exe(winlab: WinLab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built netwatch.exe with the lab's shim beside it."""
    built = os.environ.get("NETWATCH_WINDOWS_EXE")
    if not built:
        pytest.skip("NETWATCH_WINDOWS_EXE is not set: run packaging/windows/build_exe.py "
                    "first (tests/run.sh does)")  # fmt: skip
    contents = (Path(built).parent / "contents.txt").read_text(encoding="utf-8").split()
    assert SHIM not in contents, "the lab's ProcessPrng shim must not ship in netwatch.exe"
    folder = tmp_path_factory.mktemp("exe")
    shutil.copy2(built, folder / "netwatch.exe")
    shutil.copy2(winlab.root / "python" / SHIM, folder / SHIM)
    return folder / "netwatch.exe"


def _env(winlab: WinLab, host: str, codepage: str = "cp1252") -> dict[str, str]:
    return {
        **wine_env(winlab.prefix(host)),
        "NETWATCH_PS_MODE": "replay",
        "NETWATCH_PS_REPLAY": windows_path(winlab.replay_folder(host)),
        "NETWATCH_PS_LOG": windows_path(winlab.launches_log(host)),
        "LANG": LOCALES[codepage],
        "LC_ALL": LOCALES[codepage],
    }


def run_exe(
    winlab: WinLab, exe: Path, *args: str, host: str = "windows-hardened"
) -> subprocess.CompletedProcess[str]:
    """``netwatch.exe ARGS`` on ``host``; stdout and stderr are pipes (UTF-8)."""
    return subprocess.run(["wine", str(exe), *args], env=_env(winlab, host),
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT,
                          check=False, encoding="utf-8", errors="replace")  # fmt: skip


def test_help_lists_the_commands(winlab: WinLab, netwatch_exe: Path) -> None:
    done = run_exe(winlab, netwatch_exe, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: netwatch.exe" in done.stdout
    for command in ("serve", "posture", "audit", "service"):
        assert f" {command} " in done.stdout, command


def test_every_plugin_and_setting_is_in_the_executable(winlab: WinLab, netwatch_exe: Path) -> None:
    """Plugins are found by walking packages at run time: the frozen registries must match."""
    done = run_exe(winlab, netwatch_exe, "config", "schema")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(render_schema()), "stale exe or lost plugin"


def test_the_service_command_is_in_the_executable(
    winlab: WinLab, netwatch_exe: Path, tmp_path: Path
) -> None:
    """The ImagePath ``netwatch.exe windows-service --config FILE`` reaches winservice."""
    config = windows_path(tmp_path / "netwatch.yaml")
    done = run_exe(winlab, netwatch_exe, "windows-service", "--config", config)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "run by the Windows service manager" in done.stderr


@pytest.mark.parametrize("host", ["windows-hardened", "windows-weak"])
def test_posture_gives_the_verdicts_of_the_recorded_host(
    winlab: WinLab, netwatch_exe: Path, host: str
) -> None:
    before = winlab.launches(host)
    done = run_exe(winlab, netwatch_exe, "posture", "--format", "json", host=host)
    expected = expected_verdicts(host)
    failed = any(v["status"] == "fail" for v in expected.values())
    assert done.returncode == int(failed), done.stderr
    verdicts = {r["id"]: {k: r[k] for k in COMPARED} for r in json.loads(done.stdout)["results"]}
    assert verdicts == expected
    assert winlab.launches(host) - before == 1, "one PowerShell batch per posture run"


def test_posture_json_to_a_pipe_with_pythonioencoding_set(
    winlab: WinLab, netwatch_exe: Path
) -> None:
    """How serve runs its posture worker: PYTHONIOENCODING=utf-8, stdout a pipe.

    PyInstaller's bootloader ignores PYTHON* variables (pyinstaller/pyinstaller#2032):
    the frozen program must give UTF-8 to the pipe by itself, Vietnamese text included.
    """
    done = subprocess.run(
        ["wine", str(netwatch_exe), "posture", "--lang", "vi", "--format", "json"],
        env={**_env(winlab, "windows-weak-vi"), "PYTHONIOENCODING": "utf-8"},
        stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    document = json.loads(done.stdout.decode("utf-8"))
    assert document["results"]


def test_audit_writes_reports_that_match_the_published_schema(
    winlab: WinLab, netwatch_exe: Path, tmp_path: Path
) -> None:
    done = run_exe(winlab, netwatch_exe, "audit", "--output", windows_path(tmp_path),
                   host="windows-weak")  # fmt: skip
    assert done.returncode == 1, done.stderr
    (report,) = tmp_path.glob("netwatch-audit-*.json")
    document = json.loads(report.read_text(encoding="utf-8"))
    schema = json.loads((REPO / "docs" / "audit-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["host"]["os_family"] == "windows"
    assert {r["id"]: r["status"] for r in document["results"]}["windows.uac.enabled"] == "fail"
    version = run_exe(winlab, netwatch_exe, "version").stdout.split()[-1]
    assert document["agent_version"] == version
    assert (
        report.with_suffix(".html")
        .read_text(encoding="utf-8")
        .lstrip()
        .lower()
        .startswith("<!doctype html")
    )
    assert report.with_suffix(".md").read_text(encoding="utf-8").startswith("#")


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return bytes(reply.read())
    except OSError:
        return b""


def test_serve_answers_promtool_clean_metrics_and_runs_posture_in_itself(
    winlab: WinLab, netwatch_exe: Path, tmp_path: Path
) -> None:
    """The posture worker is netwatch.exe itself (sys.frozen): its results reach /metrics."""
    port = free_port()
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\ncollectors:\n  posture:\n    interval: 1h\n", encoding="utf-8")
    argv = ["wine", str(netwatch_exe), "serve", "-c", windows_path(config),
            "--listen", f"127.0.0.1:{port}"]  # fmt: skip
    env = _env(winlab, "windows-hardened")
    agent = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    body = b""
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and POSTURE_RAN not in body:
            time.sleep(0.5)
            body = _get(f"http://127.0.0.1:{port}/metrics")
    finally:
        # One-file mode: the bootloader's child (the agent) and the posture worker are
        # netwatch.exe too, and keep the pipes; end them all as Task Manager would.
        agent.terminate()
        subprocess.run(["wine", "taskkill", "/f", "/im", "netwatch.exe"], env=env,
                       capture_output=True, timeout=60, check=False)  # fmt: skip
        _out, err = agent.communicate(timeout=30)
    logged = [line for line in err.decode("utf-8", "replace").splitlines() if "netwatch" in line]
    assert POSTURE_RAN in body, logged
    text = body.decode("utf-8")
    assert 'netwatch_collector_success{collector="posture"} 1.0' in text, logged
    assert "netwatch_posture_score_ratio " in text
    assert 'os_family="windows"' in text
    assert 'netwatch_collector_success{collector="cpu"} 1.0' in text
    checked = promtool_check_metrics(body)
    assert checked.returncode == 0, checked.stdout + checked.stderr
