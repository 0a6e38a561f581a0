"""The real ``netwatch`` command's options: help, choices, --version, config show, --output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from netwatch import __version__
from netwatch.core.selfcommand import netwatch_argv

COMMANDS = [
    [], ["serve"], ["inventory"], ["check"], ["posture"], ["scan"], ["sd"], ["audit"],
    ["version"], ["config"], ["config", "check"], ["config", "show"], ["config", "schema"],
    ["report"], ["report", "merge"], ["report", "render"], ["service"], ["service", "install"],
    ["tls"], ["web-config"], ["hash-password"],
]  # fmt: skip


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        netwatch_argv(*args), capture_output=True, text=True, timeout=120, env=environment
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "netwatch")
def test_help_shows_no_python_types(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert not re.search(r"<[a-z][^>]*>|list\[|\bbool\b", result.stdout), result.stdout
    help_line = next(line for line in result.stdout.splitlines() if "--help" in line)
    assert re.search(r"--help\s+-h\s+Show this message", help_line), help_line


def test_help_names_values_for_people() -> None:
    merge = run("report", "merge", "--help").stdout
    assert "FILE..." in merge and re.search(r"--output\s+-o\s+DIR", merge)
    assert re.search(r"--lang\s+en\|vi", merge)
    audit = run("audit", "--help").stdout
    assert re.search(r"--fail-on\s+critical\|high\|medium\|low", audit)
    assert re.search(r"--services\s+Also probe", audit)  # a flag: no value shown
    inventory = run("inventory", "--help").stdout
    assert re.search(r"--software\s+full\|summary\|none", inventory)


def test_version_option() -> None:
    for flag in ("--version", "-V"):
        result = run(flag)
        assert (result.returncode, result.stdout) == (0, f"netwatch {__version__}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "--fail-on", "severe"],
         "'severe' is not allowed; use one of: critical, high, medium, low"),
        (["audit", "--lang", "fr"], "'fr' is not allowed; use one of: en, vi"),
        (["posture", "--lang", "fr"], "'fr' is not allowed; use one of: en, vi"),
        (["report", "render", "x.json", "-o", "out", "--lang", "de"],
         "'de' is not allowed; use one of: en, vi"),
        (["inventory", "--software", "some"],
         "'some' is not allowed; use one of: full, summary, none"),
    ],
)  # fmt: skip
def test_a_value_outside_a_choice_is_one_clear_line(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())
    assert message in text and "Value error" not in text


def test_config_show_prints_effective_values_and_only_probers_in_use(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(
        "server:\n  max_rss: null\n"
        "services:\n"
        "  - {name: portal, prober: http, target: 'https://portal.ubnd.local/'}\n"
        "  - {name: ssh, prober: tcp, target: 'app01.ubnd.local:22', timeout: 3s}\n"
    )
    result = run("config", "show", "--config", str(config))
    assert result.returncode == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    portal, ssh = shown["services"]
    assert (portal["timeout"], portal["interval"], ssh["timeout"]) == ("5s", "30s", "3s")
    assert portal["http"]["method"] == "GET" and portal["http"]["tls"]["verify"] is True
    assert set(portal) == {"name", "prober", "target", "timeout", "interval", "labels", "http"}
    assert set(ssh) == {"name", "prober", "target", "timeout", "interval", "labels", "tcp"}
    assert shown["probe_modules"]["http_2xx"]["timeout"] == "5s"
    assert set(shown["probe_modules"]["http_2xx"]) == {"prober", "timeout", "http"}
    # The null the user wrote stays; unset settings (web_config, clock server) are left out.
    assert shown["server"]["max_rss"] is None and "web_config" not in shown["server"]
    assert "server" not in shown["collectors"]["clock"]
    assert result.stdout.count("null") == 1
    # What config show prints is itself a valid config meaning the same.
    again = tmp_path / "shown.yaml"
    again.write_text(result.stdout)
    assert run("config", "check", str(again)).returncode == 0
    assert run("config", "show", "--config", str(again)).stdout == result.stdout


def test_config_show_defaults_are_short_and_without_null() -> None:
    result = run("config", "show")
    assert result.returncode == 0 and "null" not in result.stdout
    assert "services" not in yaml.safe_load(result.stdout)  # absent: discovered at start


def test_audit_output_under_a_file_fails_before_any_check(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file, not a folder\n")
    result = run("audit", "--output", str(blocker / "office"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"netwatch: error: --output {blocker / 'office'}: {blocker} is not a directory\n"
    )


def test_audit_output_in_an_unwritable_folder_fails_before_any_check() -> None:
    with tempfile.TemporaryDirectory() as folder:  # in /tmp, which every user may enter
        Path(folder).chmod(0o755)
        locked = Path(folder) / "locked"
        locked.mkdir(mode=0o555)
        argv = netwatch_argv("audit", "--output", str(locked / "reports"))
        if os.geteuid() == 0:  # root may write anywhere: run as nobody, as an officer would
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"netwatch: error: --output {locked / 'reports'}: cannot create it in {locked}: "
        "permission denied\n"
    )


def test_inventory_software_summary_and_none() -> None:
    summary = json.loads(run("inventory", "--format", "json", "--software", "summary").stdout)
    assert "software" not in summary and sum(summary["software_counts"].values()) > 50
    none = json.loads(run("inventory", "--format", "json", "--software", "none").stdout)
    assert "software" not in none and "software_counts" not in none
    table = run("inventory", "--software", "none").stdout
    assert "Installed software" not in table and "not listed (--software none)" in table
