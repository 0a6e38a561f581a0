"""The CLI through typer's CliRunner, and the import cost of ``netwatch --help``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from netwatch import __version__
from netwatch.cli.app import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0 and result.output == f"netwatch {__version__}\n"


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from netwatch.cli.app import app\n"
        "heavy = [m for m in ('scapy', 'pydantic', 'psutil', 'prometheus_client', 'yaml') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "netwatch", "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    for command in ("serve", "inventory", "config", "version"):
        assert command in result.stdout


def test_inventory_json_has_every_section() -> None:
    result = runner.invoke(app, ["inventory", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["host"]["os_family"] == "linux" and data["host"]["hostname"]
    assert data["cpu"]["logical_cores"] >= 1
    assert data["memory"]["total"] > 0
    assert any(fs["mountpoint"] == "/" for fs in data["filesystems"])
    assert any(p["name"] == "python3" or p["manager"] == "dpkg" for p in data["software"])
    assert len(data["software"]) > 50
    for package in data["software"]:
        assert set(package) == {"name", "version", "arch", "vendor", "manager"}


def test_inventory_table_lists_software() -> None:
    result = runner.invoke(app, ["inventory"])
    assert result.exit_code == 0, result.output
    assert "Installed software" in result.output and "Filesystems" in result.output


def test_bad_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["inventory", "--format", "xml"])
    assert result.exit_code == 2
    assert "xml" in result.output


def test_config_show_defaults_and_file(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("server:\n  scrape_timeout: 20s\n")
    result = runner.invoke(app, ["config", "show", "-c", str(config)])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.output)
    assert shown["server"]["scrape_timeout"] == "20s"
    assert shown["collectors"]["software"]["interval"] == "1h"


def test_config_check_ok_and_refused_listen(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("log:\n  level: debug\n")
    result = runner.invoke(app, ["config", "check", str(good)])
    assert result.exit_code == 0 and result.output == f"{good}: OK\n"
    lan = tmp_path / "lan.yaml"
    lan.write_text("server:\n  listen: 0.0.0.0:8934\n")
    result = runner.invoke(app, ["config", "check", str(lan)])
    assert result.exit_code == 2 and "refusing to serve" in result.output
    lan.write_text("server:\n  listen: 0.0.0.0:8934\n  insecure: true\n")
    assert runner.invoke(app, ["config", "check", str(lan)]).exit_code == 0


def test_config_schema_is_json() -> None:
    result = runner.invoke(app, ["config", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["properties"]) == {
        "server",
        "log",
        "report",
        "asset",
        "collectors",
        "services",
        "probe_modules",
    }


def test_unexpected_errors_have_no_traceback_without_debug(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    result = runner.invoke(app, ["config", "check", str(directory)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_live_unless_a_root_is_given(tmp_path) -> None:
    from netwatch.hostaccess import HostAccess

    assert HostAccess().live and HostAccess.for_root(None).live
    image = HostAccess.for_root(tmp_path)
    assert not image.live and image.registry is None
    assert image.files.root == str(tmp_path)
