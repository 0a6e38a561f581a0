"""netwatch's commands on Windows Python: serve, audit, inventory and posture to a pipe.

Under Wine, psutil's memory call fails the way broken performance counters make it
fail on office PCs (``PdhAddEnglishCounterW failed``), so these runs also prove that
a failing item is recorded and never aborts a command.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.inventory.osinfo import windows_os_info
from netwatch.inventory.software import gather_packages
from tests.conftest import promtool_check_metrics
from tests.helpers.webconfig import cheap_hash, make_pki, tls_section, write_web_config
from tests.winlab.build import wine_env
from tests.winlab.lab import FIXTURES, WinLab, windows_path

INVENTORY_HOSTS = ("win11-23h2-vi", "win10-22h2-en", "server2019-en")
REGISTRY_FIELDS = ("os_family", "os_id", "os_name", "os_version", "kernel", "machine_id")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("codepage", ["cp1252", "cp1258"])
def test_inventory_json_to_a_pipe_is_valid_utf8_on_any_code_page(
    winlab: WinLab, codepage: str
) -> None:
    result = winlab.netwatch("inventory", "--format", "json", host="win11-23h2-vi",
                             codepage=codepage)  # fmt: skip
    assert result.returncode == 0, _text(result)
    inventory = json.loads(result.stdout.decode("utf-8"))
    assert inventory["host"]["os_family"] == "windows"
    names = {p["name"] for p in inventory["software"]}
    assert "Microsoft Office Language Interface Pack 2016 - Vietnamese/Tiếng Việt" in names
    # Broken performance counters (psutil's memory call) are recorded, not fatal; so is
    # the hardware of this registry-only recording, which has no PowerShell answers.
    assert inventory["memory"] is None and inventory["hardware"] is None
    errors = {error["item"]: error["error"] for error in inventory["errors"]}
    assert errors.pop("memory") == (
        "RuntimeError: PdhAddEnglishCounterW failed. Performance counters may be disabled."
    )
    assert errors.pop("hardware").startswith("PowerShellError: ")
    assert errors == {}
    assert inventory["cpu"]["logical_cores"] >= 1


@pytest.mark.parametrize("host", INVENTORY_HOSTS)
def test_inventory_reads_the_recorded_registry_through_winreg(winlab: WinLab, host: str) -> None:
    result = winlab.netwatch("inventory", "--format", "json", host=host)
    assert result.returncode == 0, _text(result)
    inventory = json.loads(result.stdout.decode("utf-8"))
    recorded = RecordedRegistry.from_file(FIXTURES / "windows" / f"{host}.json")
    access = HostAccess(files=FileReader("/nonexistent"), registry=recorded)
    expected = asdict(windows_os_info(access, "h", "h", "AMD64"))
    for field in REGISTRY_FIELDS:
        assert inventory["host"][field] == expected[field], field
    lab_software = {(p["name"], p["version"]) for p in inventory["software"]}
    recorded_software = {(p.name, p.version) for p in gather_packages(access, 10.0)}
    assert recorded_software <= lab_software


@pytest.mark.parametrize("codepage", ["cp1252", "cp1258"])
def test_vietnamese_posture_table_to_a_pipe(winlab: WinLab, codepage: str) -> None:
    result = winlab.netwatch("posture", "--lang", "vi", host="windows-weak-vi", codepage=codepage)
    assert result.returncode == 1, _text(result)
    table = result.stdout.decode("utf-8")
    assert "Tình trạng an toàn thông tin" in table
    assert "Kém" in table


def test_audit_in_vietnamese_writes_json_html_and_markdown(winlab: WinLab, tmp_path: Path) -> None:
    result = winlab.netwatch("audit", "--lang", "vi", "--output", windows_path(tmp_path),
                             host="windows-weak-vi", codepage="cp1258")  # fmt: skip
    assert result.returncode == 1, _text(result)
    (report_file,) = tmp_path.glob("*.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["host"]["os_family"] == "windows"
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses["windows.uac.enabled"] == "fail"
    assert statuses["windows.accounts.guest_disabled"] == "fail"
    (html,) = tmp_path.glob("*.html")
    (markdown,) = tmp_path.glob("*.md")
    uac = "Kiểm soát tài khoản người dùng (UAC) được bật và yêu cầu quản trị viên xác nhận"
    assert uac in html.read_text(encoding="utf-8")
    assert uac in markdown.read_text(encoding="utf-8")
    assert "PdhAddEnglishCounterW failed" in html.read_text(encoding="utf-8")
    assert any(e["item"] == "memory" for e in report["inventory"]["errors"])


def test_serve_answers_promtool_clean_metrics_with_os_family_windows(
    winlab: WinLab, tmp_path: Path
) -> None:
    port = _free_port()
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\ncollectors:\n  posture:\n    interval: 1h\n", encoding="utf-8")
    winlab.prefix("windows-hardened")
    env = {**wine_env(winlab.prefix("windows-hardened")), "NETWATCH_PS_MODE": "replay",
           "NETWATCH_PS_REPLAY": windows_path(winlab.replay_folder("windows-hardened")),
           "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}  # fmt: skip
    argv = ["wine", str(winlab.python), "-m", "netwatch", "serve", "-c", windows_path(config),
            "--listen", f"127.0.0.1:{port}"]  # fmt: skip
    agent = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    body = b""
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                    body = r.read()
            except OSError:
                body = b""
            if b"netwatch_posture_score_ratio " in body:
                break
            time.sleep(0.5)
    finally:
        agent.terminate()
        _out, err = agent.communicate(timeout=30)
    assert b"netwatch_posture_score_ratio " in body, err.decode("utf-8", "replace")
    text = body.decode("utf-8")
    assert 'os_family="windows"' in text
    assert 'netwatch_collector_success{collector="posture"} 1.0' in text
    # psutil's memory call fails under Wine as with broken performance counters: the
    # collector reports it and the rest is served.
    assert 'netwatch_collector_success{collector="memory"} 0.0' in text
    assert 'netwatch_collector_success{collector="cpu"} 1.0' in text
    checked = promtool_check_metrics(body)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_serve_over_mtls_and_basic_auth_on_windows_python(winlab: WinLab, tmp_path: Path) -> None:
    """The asyncio server, TLS with client certificates and bcrypt on Windows Python."""
    pki = make_pki(tmp_path)
    web = write_web_config(
        tmp_path,
        tls_section("RequireAndVerifyClientCert")
        + f"basic_auth_users:\n  prometheus: '{cheap_hash('s3cret')}'\n",
    )
    port = _free_port()
    config = tmp_path / "netwatch.yaml"
    config.write_text(
        "services: []\ncollectors:\n  posture:\n    enabled: false\n  software:\n"
        "    enabled: false\n",
        encoding="utf-8",
    )
    env = {**wine_env(winlab.prefix("windows-hardened")), "LANG": "en_US.UTF-8"}
    argv = ["wine", str(winlab.python), "-m", "netwatch", "serve", "-c", windows_path(config),
            "--web-config", windows_path(web), "--listen", f"0.0.0.0:{port}"]  # fmt: skip
    agent = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    client = ssl.create_default_context(cafile=str(pki.ca.cert_path))
    client.load_cert_chain(str(pki.client.cert), str(pki.client.key))
    url = f"https://127.0.0.1:{port}/metrics"

    def get(password: str, context: ssl.SSLContext = client) -> int:
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and status != 200:
            try:
                status = get("s3cret")
            except OSError:
                time.sleep(0.5)
        assert status == 200, "the agent did not answer over mTLS within 90 s"
        assert get("wrong") == 401
        anonymous = ssl.create_default_context(cafile=str(pki.ca.cert_path))
        with pytest.raises(OSError):
            get("s3cret", anonymous)  # no client certificate
        with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
            plain.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            assert not plain.recv(100).startswith(b"HTTP/1.1 200")
        assert get("s3cret") == 200, "the agent keeps serving"
    finally:
        agent.terminate()
        agent.communicate(timeout=30)
