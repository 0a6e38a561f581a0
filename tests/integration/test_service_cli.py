"""``netwatch service`` end to end, as a subprocess, on a machine without systemd as PID 1.

Nothing here fakes systemctl: the plans are checked as printed (--dry-run), and the
commands that would change the machine must refuse, changing nothing, because systemd
is not running. The unit's reload commands are run against a real agent.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from netwatch.install.default_config import DEFAULT_CONFIG
from netwatch.install.request import ServiceRequest
from netwatch.install.systemd import SYSTEMD_RUNNING, unit_text
from tests.conftest import netwatch_argv, wait_until

no_systemd = pytest.mark.skipif(
    SYSTEMD_RUNNING.exists(), reason="systemd runs this machine: the test would install for real"
)


def netwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=60)


def plan_lines(stdout: str) -> list[str]:
    """The numbered lines of a printed plan."""
    return [line for line in stdout.splitlines() if line[:3].strip().rstrip(".").isdigit()]


def test_install_dry_run_lists_exactly_the_steps_and_changes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "netwatch.yaml"
    units = tmp_path / "units"
    result = netwatch(
        "service", "install", "--dry-run", "-c", str(config), "--unit-dir", str(units)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert plan_lines(result.stdout) == [
        " 1. check /run/systemd/system exists    # systemd runs this machine",
        " 2. run   useradd --system --user-group --no-create-home --home-dir /var/lib/netwatch "
        "--shell /usr/sbin/nologin --comment 'netwatch monitoring agent' netwatch    "
        "# the service's own user (exit 9: it exists already, fine)",
        f" 3. write {config} (mode 640, group netwatch, {len(DEFAULT_CONFIG.encode())} bytes)    "
        "# no config yet: the "
        "embedded defaults (an existing file is never replaced)",
        f" 4. write {units}/netwatch.service (mode 644, "
        f"{len(unit_text(ServiceRequest(tuple(netwatch_argv()), config, 8934)))} bytes)    "
        "# the hardened unit",
        " 5. run   systemctl daemon-reload    # systemd reads the new unit",
        " 6. run   systemctl enable netwatch.service    # start at boot",
        " 7. run   systemctl try-restart netwatch.service    # a running agent moves to the new unit",
    ]
    # The files it would write follow the plan, the unit with its ExecStart.
    assert f"--- {config} ---\n# netwatch agent configuration" in result.stdout
    assert f"--- {units}/netwatch.service ---\n" in result.stdout
    assert f"serve --config {config}\n" in result.stdout
    assert not config.exists() and not units.exists()


def test_the_default_config_written_is_valid(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    result = netwatch("service", "install", "--dry-run", "-c", str(config))
    text = result.stdout.split(f"--- {config} ---\n", 1)[1].split("\n--- ", 1)[0]
    config.write_text(text)
    check = netwatch("config", "check", str(config))
    assert check.returncode == 0, check.stderr


def test_lan_discovery_in_the_config_gives_cap_net_raw(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("server:\n  listen: 127.0.0.1:9999\ncollectors:\n  lan:\n    enabled: true\n")
    result = netwatch("service", "install", "--dry-run", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "AmbientCapabilities=CAP_NET_RAW\n" in result.stdout
    assert "AF_NETLINK AF_PACKET\n" in result.stdout
    assert f"--- {config} ---" not in result.stdout  # an existing config is kept


def test_bad_allow_from_is_a_usage_error(tmp_path: Path) -> None:
    result = netwatch("service", "install", "--dry-run", "-c", str(tmp_path / "x.yaml"),
                      "--allow-from", "10.0.0.5, 10.0.0.0/33")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("netwatch: error: --allow-from: '10.0.0.0/33' is not an IP ")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_allow_from_on_linux_is_validated_and_noted(tmp_path: Path) -> None:
    result = netwatch("service", "install", "--dry-run", "-c", str(tmp_path / "x.yaml"),
                      "--allow-from", "10.0.0.5,fd00::/8")  # fmt: skip
    assert result.returncode == 0
    assert result.stderr.startswith("netwatch: note: --allow-from sets the Windows firewall rule")


def test_bad_config_exits_2_with_the_located_message(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("server:\n  listen: 127.0.0.1:8934\n  colour: blue\n")
    result = netwatch("service", "install", "--dry-run", "-c", str(config))
    assert result.returncode == 2
    assert (
        result.stderr == f"netwatch: config error: {config}: line 3: server.colour: unknown key\n"
    )
    assert result.stdout == ""


@no_systemd
def test_install_without_systemd_exits_3_and_changes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    units = tmp_path / "units"
    result = netwatch("service", "install", "-c", str(config), "--unit-dir", str(units))
    assert result.returncode == 3
    assert result.stderr == (
        "netwatch: error: systemd is not running on this machine (no /run/systemd/system): "
        "nothing was changed; see the plan with --dry-run\n"
    )
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@no_systemd
@pytest.mark.parametrize("command", [["start"], ["reload"], ["stop"], ["uninstall", "--purge"]])
def test_other_commands_without_systemd_exit_3(command: list[str]) -> None:
    result = netwatch("service", *command)
    assert result.returncode == 3
    assert result.stderr.startswith("netwatch: error: systemd is not running on this machine")
    assert len(result.stderr.splitlines()) == 1


@no_systemd
def test_status_without_systemd_is_unknown_exit_4() -> None:
    result = netwatch("service", "status")
    assert result.returncode == 4
    assert result.stdout == (
        "netwatch: unknown: systemd is not running on this machine (no /run/systemd/system)\n"
    )


def test_uninstall_dry_run_keeps_config_unless_purge(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("server:\n  colour: blue\n")  # a broken config does not block removal
    units = tmp_path / "units"
    args = ("service", "uninstall", "--dry-run", "-c", str(config), "--unit-dir", str(units))
    keep = netwatch(*args)
    assert keep.returncode == 0, keep.stderr
    assert [line.split("#")[0].strip() for line in plan_lines(keep.stdout)] == [
        "1. check /run/systemd/system exists",
        "2. run   systemctl stop netwatch.service",
        "3. run   systemctl disable netwatch.service",
        f"4. remove {units}/netwatch.service",
        "5. run   systemctl daemon-reload",
        "6. run   systemctl reset-failed netwatch.service",
    ]
    purge = netwatch(*args, "--purge")
    assert [line.split("#")[0].strip() for line in plan_lines(purge.stdout)][6:] == [
        f"7. remove {config}",
        "8. remove /var/lib/netwatch",
        "9. remove /var/log/netwatch",
        "10. run   userdel netwatch",
    ]
    assert config.exists()


def test_start_reload_and_stop_dry_run(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    check = f"run   {shlex.join(netwatch_argv('config', 'check', str(config)))}"
    start = netwatch("service", "start", "--dry-run", "-c", str(config))
    assert start.returncode == 0
    assert [line.split("#")[0].strip() for line in plan_lines(start.stdout)] == [
        "1. check /run/systemd/system exists",
        f"2. {check}",
        "3. run   systemctl reset-failed netwatch.service",
        "4. run   systemctl start netwatch.service",
    ]
    reload = netwatch("service", "reload", "--dry-run", "-c", str(config))
    assert reload.returncode == 0
    assert [line.split("#")[0].strip() for line in plan_lines(reload.stdout)] == [
        "1. check /run/systemd/system exists",
        f"2. {check}",
        "3. run   systemctl reload netwatch.service",
    ]
    stop = netwatch("service", "stop", "--dry-run")
    assert [line.split("#")[0].strip() for line in plan_lines(stop.stdout)] == [
        "1. check /run/systemd/system exists",
        "2. run   systemctl stop netwatch.service",
    ]


def reload_commands(config: Path, main_pid: int) -> list[list[str]]:
    """The unit's ExecReload lines as argv, $MAINPID filled in as systemd does."""
    unit = unit_text(ServiceRequest(tuple(netwatch_argv()), config, 8934))
    lines = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecReload=")]
    return [[str(main_pid) if w == "$MAINPID" else w for w in shlex.split(line)] for line in lines]


def test_the_units_reload_runs_the_check_then_the_agents_sighup_reload(
    serve_factory, tmp_path: Path
) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("services: []\n")
    serve = serve_factory("-c", str(config))
    check, hup = reload_commands(config, serve.process.pid)
    assert hup[0] == "/bin/kill"

    config.write_text("services: []\nserver:\n  colour: blue\n")
    failed = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2  # systemd stops here: the agent is never signalled
    assert "line 3: server.colour: unknown key" in failed.stderr

    config.write_text("services: []\ncollectors:\n  users:\n    enabled: false\n")
    for argv in (check, hup):
        assert subprocess.run(argv, capture_output=True, timeout=60).returncode == 0
    assert wait_until(lambda: "configuration reloaded" in serve.log(), timeout=10), serve.log()
    assert "reload rejected" not in serve.log()
    assert serve.process.poll() is None


def test_service_unit_prints_what_install_writes(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    result = netwatch("service", "unit", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout == unit_text(ServiceRequest(tuple(netwatch_argv()), config, 8934))
    dry_run = netwatch("service", "install", "--dry-run", "-c", str(config))
    assert dry_run.stdout.endswith(f"netwatch.service ---\n{result.stdout}")


def test_service_unit_lan_flag_does_not_read_the_config(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text("server:\n  colour: blue\n")  # would be exit 2 if it were read
    on = netwatch("service", "unit", "-c", str(config), "--lan")
    assert on.returncode == 0, on.stderr
    assert "AmbientCapabilities=CAP_NET_RAW\n" in on.stdout
    off = netwatch("service", "unit", "-c", str(config), "--no-lan")
    assert off.stdout == unit_text(ServiceRequest(tuple(netwatch_argv()), config, 0))
