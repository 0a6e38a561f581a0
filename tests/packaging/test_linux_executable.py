"""The Linux single executable (packaging/linux/build_executable.py) works without Python.

"No Python on PATH" here means: the executable runs with a PATH that holds only
symlinks to the compiled (ELF) system tools the posture checks call, so that no
``python``, ``python3`` or Python script (ufw and firewall-cmd are ones) can be found,
and with no PYTHON* variables. The agent's posture worker is the executable itself
(core.selfcommand under sys.frozen): every process of the agent is checked to be it.
tests/packaging/test_deb.py runs the installed package in a root with no Python at all.
"""

from __future__ import annotations

import http.server
import json
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import free_port, http_get, promtool_check_metrics, wait_until

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120
# What the posture checks and the inventory run (netwatch/posture/checks, inventory).
TOOLS = ("ss", "stat", "find", "systemctl", "timedatectl", "lsblk", "dpkg-query", "apt-get",
         "nft", "iptables", "ufw", "firewall-cmd", "chronyc", "rpm")  # fmt: skip
PYTHON_NAMES = ("python", "python3", "python3.11", "python3.13")


def _is_elf(path: str) -> bool:
    with open(path, "rb") as file:
        return file.read(4) == b"\x7fELF"


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has the ELF tools of TOOLS and nothing else."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in TOOLS:
        found = shutil.which(name)
        if found and _is_elf(found):
            (tools / name).symlink_to(found)
    extract = tmp_path / "tmp"
    extract.mkdir()
    env = {"PATH": str(tools), "TMPDIR": str(extract), "LANG": "C.UTF-8"}
    assert not any(shutil.which(name, path=env["PATH"]) for name in PYTHON_NAMES)
    assert all(_is_elf(str(tool)) for tool in tools.iterdir())
    return env


def run(executable: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(executable), *args], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)  # fmt: skip


def test_help_lists_the_commands(executable: Path, bare_env: dict[str, str]) -> None:
    done = run(executable, bare_env, "--help")
    assert done.returncode == 0, done.stderr
    for command in ("serve", "posture", "audit", "config"):
        assert f" {command} " in done.stdout
    assert not list(Path(bare_env["TMPDIR"]).iterdir()), "the one-file extraction was left behind"


def test_every_collector_prober_and_setting_is_in_the_executable(
    executable: Path, bare_env: dict[str, str]
) -> None:
    """Plugins are found by walking packages at run time: the frozen registries must match."""
    from netwatch.config.render import render_schema

    done = run(executable, bare_env, "config", "schema")
    assert done.returncode == 0, done.stderr
    frozen, source = json.loads(done.stdout), json.loads(render_schema())
    assert frozen == source, "the executable is stale or lost a plugin: rebuild packaging/linux"
    collectors = frozen["$defs"]["CollectorsConfig"]["properties"]
    assert {"cpu", "posture", "services", "lan"} <= set(collectors)


def test_posture_runs_the_same_checks_as_the_source(
    executable: Path, bare_env: dict[str, str]
) -> None:
    frozen = run(executable, bare_env, "posture", "--format", "json")
    assert frozen.returncode in (0, 1), frozen.stderr
    source = subprocess.run([sys.executable, "-m", "netwatch", "posture", "--format", "json"],
                            env=bare_env, capture_output=True, text=True, timeout=TIMEOUT,
                            check=False)  # fmt: skip
    results = {r["id"]: r["status"] for r in json.loads(frozen.stdout)["results"]}
    expected = {r["id"]: r["status"] for r in json.loads(source.stdout)["results"]}
    assert results == expected


def test_audit_writes_reports_that_match_the_published_schema(
    executable: Path, bare_env: dict[str, str], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    done = run(executable, bare_env, "audit", "--output", str(reports))
    assert done.returncode in (0, 1), done.stderr
    (report,) = reports.glob("netwatch-audit-*.json")
    document = json.loads(report.read_text(encoding="utf-8"))
    schema = json.loads((REPO / "docs" / "audit-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["results"] and document["inventory"]
    assert document["agent_version"] == run(executable, bare_env, "version").stdout.split()[-1]
    html = report.with_suffix(".html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert report.with_suffix(".md").read_text(encoding="utf-8").startswith("#")


def test_check_probes_a_loopback_server(executable: Path, bare_env: dict[str, str]) -> None:
    """The http and tcp probers (imported only when a probe runs) work frozen."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    try:
        done = run(executable, bare_env, "check", "--url", f"http://{address}/", "--tcp", address,
                   "--format", "json")  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "http" in done.stdout and "tcp" in done.stdout


def _agent_processes(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            queue.extend(int(child) for child in children.read_text().split())
    return found


def test_serve_exports_promtool_clean_metrics_and_stops_cleanly(
    executable: Path, bare_env: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text("services: []\n")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        agent = subprocess.Popen(
            [str(executable), "serve", "--listen", f"127.0.0.1:{port}", "-c", str(config)],
            env=bare_env, stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:

        def posture_done() -> bool:
            try:
                body = http_get(f"{url}/metrics", timeout=5)[2].decode()
            except OSError:
                return False
            return 'netwatch_collector_success{collector="posture"} 1.0' in body

        assert wait_until(posture_done, timeout=60), log.read_text(errors="replace")
        for pid in _agent_processes(agent.pid):
            assert Path(f"/proc/{pid}/exe").resolve() == executable.resolve()
        status, _, body = http_get(f"{url}/metrics")
        assert status == 200
        check = promtool_check_metrics(body)
        assert check.returncode == 0, check.stdout + check.stderr
        agent.send_signal(signal.SIGHUP)  # what `systemctl reload` sends to the main PID
        assert wait_until(lambda: b"configuration reloaded" in log.read_bytes(), timeout=30)
        assert http_get(f"{url}/-/healthy")[0] == 200
    finally:
        agent.send_signal(signal.SIGTERM)
        code = agent.wait(30)
    assert code == 0, log.read_text(errors="replace")
    assert not list(Path(bare_env["TMPDIR"]).iterdir()), "the one-file extraction was left behind"
