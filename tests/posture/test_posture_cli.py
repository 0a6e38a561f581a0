"""``netwatch posture`` and the posture metrics served by a real agent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import http_get, netwatch_argv, promtool_check_metrics, wait_until
from tests.helpers.posture_hosts import POSTURE_FIXTURES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})  # fmt: skip


def test_offline_root_json_in_vietnamese_policy(tmp_path: Path) -> None:
    result = run("posture", "--root", str(POSTURE_FIXTURES / "linux-weak"), "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["root"].endswith("linux-weak")
    by_id = {r["id"]: r for r in document["results"]}
    root_login = by_id["linux.ssh.root_login"]
    assert root_login["result"] == "fail"
    assert root_login["evidence"][0]["source"].startswith("/etc/ssh/sshd_config.d/50-legacy.conf:")
    assert root_login["title"]["vi"].startswith("SSH không cho phép")
    assert root_login["frameworks"]["tcvn-11930-2017"]
    assert by_id["linux.network.listening_ports"]["result"] == "not_applicable"
    assert document["score"]["value"] < 50


def test_table_output_and_vietnamese(tmp_path: Path) -> None:
    result = run("posture", "--root", str(POSTURE_FIXTURES / "linux-hardened"), "--lang", "vi")
    assert "Điểm" in result.stdout and "Bằng chứng" in result.stdout
    assert "SSH không cho phép" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert "'fr' is not allowed; use one of: en, vi" in run("posture", "--lang", "fr").stderr
    assert run("posture", "--lang", "fr").returncode == 2
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\nchecks:\n  linux.nope.x: {}\n")
    result = run("posture", "--policy", str(bad))
    assert result.returncode == 2
    assert f"{bad}: line 3: checks.linux.nope.x: unknown check id" in result.stderr
    missing = run("posture", "--root", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


@pytest.mark.integration
def test_agent_serves_posture_metrics_that_promtool_accepts(serve_factory, tmp_path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("services: []\ncollectors:\n  posture:\n    interval: 1h\n")
    serve = serve_factory("-c", str(config))
    body = b""

    def scored() -> bool:
        nonlocal body
        body = http_get(f"{serve.url}/metrics")[2]
        return b"netwatch_posture_score_ratio " in body

    assert wait_until(scored, timeout=120), serve.log()
    assert b'netwatch_posture_check_result{category="' in body
    assert b'netwatch_collector_success{collector="posture"} 1.0' in body
    check = promtool_check_metrics(body)
    assert check.returncode == 0 and check.stdout == b"" and check.stderr == b"", check
