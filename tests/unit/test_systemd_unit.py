"""The generated systemd unit: what it promises, checked by systemd's own tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from netwatch.cli.errors import ExitCode
from netwatch.core.errors import UsageError
from netwatch.core.selfcommand import netwatch_argv
from netwatch.install.request import (
    STATUS_NOT_INSTALLED,
    STATUS_RUNNING,
    STATUS_STOPPED,
    ServiceRequest,
)
from netwatch.install.steps import Command, RemovePath, Require, WriteFile
from netwatch.install.systemd import (
    CONFIG_ERROR_EXIT,
    SystemdBackend,
    exec_line,
    quote_word,
    status_of,
    unit_text,
)

REPO = Path(__file__).resolve().parents[2]
CONFIG = Path("/etc/netwatch/netwatch.yaml")
# The highest `systemd-analyze security` exposure the unit may have (0 best, 10 worst):
# 2.2 with LAN discovery off and 2.6 with it on (systemd 252), docs/service.md.
MAX_EXPOSURE = 3.0
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def request(lan: bool = False, program: tuple[str, ...] | None = None) -> ServiceRequest:
    argv = program if program is not None else tuple(netwatch_argv())
    return ServiceRequest(argv, CONFIG, 8934, lan_discovery=lan)


def directives(text: str) -> dict[str, list[str]]:
    """``Section.Key`` -> every value given, in order (systemd allows a key more than once)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key}", []).append(value)
    return found


def one(unit: dict[str, list[str]], key: str) -> str:
    values = unit[key]
    assert len(values) == 1, f"{key} given {len(values)} times"
    return values[0]


@pytest.mark.parametrize("lan", [False, True])
def test_the_unit_keeps_the_issues_promises(lan: bool) -> None:
    unit = directives(unit_text(request(lan)))
    program = exec_line(netwatch_argv())
    assert one(unit, "Service.User") == one(unit, "Service.Group") == "netwatch"
    assert one(unit, "Service.ProtectSystem") == "strict"
    assert one(unit, "Service.ProtectHome") == "read-only"
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectKernelTunables", "ProtectControlGroups",
                "RestrictSUIDSGID", "LockPersonality", "RestrictRealtime"):  # fmt: skip
        assert one(unit, f"Service.{key}") == "yes", key
    assert one(unit, "Service.StateDirectory") == one(unit, "Service.LogsDirectory") == "netwatch"
    assert one(unit, "Service.SystemCallArchitectures") == "native"
    assert int(one(unit, "Service.LimitNOFILE")) >= 65536
    # Restart on failure, never in a loop on a bad config.
    assert one(unit, "Service.Restart") == "on-failure"
    assert one(unit, "Service.RestartPreventExitStatus") == str(int(ExitCode.USAGE))
    assert int(one(unit, "Unit.StartLimitBurst")) * 5 < int(one(unit, "Unit.StartLimitIntervalSec"))
    assert one(unit, "Service.RestartSec") == "5s"
    assert one(unit, "Service.ExecStartPre") == f"{program} config check {CONFIG}"
    assert one(unit, "Service.ExecStart") == f"{program} serve --config {CONFIG}"
    # Reload: the check first (a failing check ends the reload), then the agent's SIGHUP.
    assert unit["Service.ExecReload"] == [
        f"{program} config check {CONFIG}",
        "/bin/kill -HUP $MAINPID",
    ]
    assert one(unit, "Install.WantedBy") == "multi-user.target"


def test_capabilities_and_raw_sockets_only_with_lan_discovery() -> None:
    off = directives(unit_text(request(lan=False)))
    assert one(off, "Service.CapabilityBoundingSet") == ""  # the empty set, see systemd.exec(5)
    assert "Service.AmbientCapabilities" not in off
    assert one(off, "Service.RestrictAddressFamilies").split() == [
        "AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"
    ]  # fmt: skip
    on = directives(unit_text(request(lan=True)))
    assert one(on, "Service.CapabilityBoundingSet") == "CAP_NET_RAW"
    assert one(on, "Service.AmbientCapabilities") == "CAP_NET_RAW"
    assert one(on, "Service.RestrictAddressFamilies").split()[-1] == "AF_PACKET"


def test_config_error_exit_is_netwatchs() -> None:
    assert CONFIG_ERROR_EXIT == ExitCode.USAGE


def test_serve_and_config_check_really_exit_2_on_a_bad_config(tmp_path: Path) -> None:
    """RestartPreventExitStatus=2 and the ExecStartPre check rely on this."""
    bad = tmp_path / "netwatch.yaml"
    bad.write_text("server:\n  colour: blue\n")
    for args in (("config", "check", str(bad)), ("serve", "--config", str(bad))):
        result = subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=60)
        assert result.returncode == CONFIG_ERROR_EXIT, (args, result.stderr)
        assert f"{bad}: line 2: server.colour: unknown key" in result.stderr


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("/usr/bin/netwatch", "/usr/bin/netwatch"),
        ("/opt/net watch/bin/python", '"/opt/net watch/bin/python"'),
        ("/srv/100%/a", "/srv/100%%/a"),
        ("/srv/$HOME", "/srv/$$HOME"),
        ('/srv/"q"', '"/srv/\\"q\\""'),
        ("C:\\x", '"C:\\\\x"'),
        ("it's", '"it\'s"'),
        ("", '""'),
        (";", "\\;"),
    ],
)
def test_quote_word(word: str, quoted: str) -> None:
    assert quote_word(word) == quoted


def test_exec_lines_need_an_absolute_program_and_no_control_characters() -> None:
    with pytest.raises(UsageError, match="absolute path"):
        exec_line(["netwatch", "serve"])
    for program in ('/opt/"x"/netwatch', "/opt/$x/netwatch", "/opt/x\\y/netwatch"):
        with pytest.raises(UsageError, match="quotes, backslashes or \\$"):
            exec_line([program, "serve"])
    with pytest.raises(UsageError, match="control character"):
        exec_line(["/usr/bin/netwatch", "serve", "--config", "/etc/a\nb.yaml"])


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120)


@needs_analyze
@pytest.mark.parametrize("lan", [False, True])
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path, lan: bool) -> None:
    path = tmp_path / "netwatch.service"
    path.write_text(unit_text(request(lan)))
    result = analyze("verify", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning either (an unknown key is only a warning)


@needs_analyze
def test_verify_reads_back_paths_with_spaces_percent_and_dollar(tmp_path: Path) -> None:
    """verify fails when the ExecStart program does not exist: the quoting must round-trip."""
    odd = tmp_path / "opt dir %i"
    odd.mkdir()
    (odd / "netwatch").symlink_to(netwatch_argv()[0])
    program = (str(odd / "netwatch"), *netwatch_argv()[1:])
    config = tmp_path / 'etc $HOME %n "q" it\'s\\'
    path = tmp_path / "netwatch.service"
    path.write_text(unit_text(ServiceRequest(program, config, 8934)))
    result = analyze("verify", str(path))
    assert result.returncode == 0, result.stderr
    path.write_text(unit_text(request(program=(str(tmp_path / "missing"),))))
    assert analyze("verify", str(path)).returncode != 0  # the check above can fail


@needs_analyze
@pytest.mark.parametrize("lan", [False, True])
def test_security_exposure_stays_low(tmp_path: Path, lan: bool) -> None:
    path = tmp_path / "netwatch.service"
    path.write_text(unit_text(request(lan)))
    result = analyze("security", "--offline=yes", str(path))
    found = re.search(r"Overall exposure level for netwatch\.service: (\d+\.\d+)", result.stdout)
    if found is None:
        pytest.skip(f"this systemd-analyze has no --offline security check: {result.stderr}")
    assert float(found.group(1)) < MAX_EXPOSURE, result.stdout


def test_install_plan_creates_the_user_and_keeps_an_existing_config(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    backend = SystemdBackend(tmp_path / "units", tmp_path / "run-systemd")
    fresh = backend.install(ServiceRequest(("/usr/bin/netwatch",), config, 8934))
    assert isinstance(fresh[0], Require)
    useradd = fresh[1]
    assert isinstance(useradd, Command) and useradd.argv[0] == "useradd"
    assert {"--system", "--no-create-home", "/usr/sbin/nologin"} <= set(useradd.argv)
    assert useradd.argv[-1] == "netwatch" and useradd.ok == (0, 9)
    written = [s for s in fresh if isinstance(s, WriteFile)]
    assert [(s.path, s.mode, s.group) for s in written] == [
        (config, 0o640, "netwatch"),
        (tmp_path / "units" / "netwatch.service", 0o644, None),
    ]
    assert [s.argv for s in fresh if isinstance(s, Command)][1:] == [
        ("systemctl", "daemon-reload"),
        ("systemctl", "enable", "netwatch.service"),
        ("systemctl", "try-restart", "netwatch.service"),
    ]
    config.write_text("services: []\n")
    again = backend.install(ServiceRequest(("/usr/bin/netwatch",), config, 8934))
    assert config not in [s.path for s in again if isinstance(s, WriteFile)]


def test_uninstall_keeps_config_and_state_unless_purged(tmp_path: Path) -> None:
    backend = SystemdBackend(tmp_path)
    keep = backend.uninstall(ServiceRequest(("/usr/bin/netwatch",), CONFIG, 0))
    assert [s.path for s in keep if isinstance(s, RemovePath)] == [tmp_path / "netwatch.service"]
    purge = backend.uninstall(ServiceRequest(("/usr/bin/netwatch",), CONFIG, 0, purge=True))
    assert [s.path for s in purge if isinstance(s, RemovePath)] == [
        tmp_path / "netwatch.service",
        CONFIG,  # the file only: /etc/netwatch/tls (keys, perhaps the office CA) stays
        Path("/var/lib/netwatch"),
        Path("/var/log/netwatch"),
    ]
    assert purge[-1] == Command(("userdel", "netwatch"), purge[-1].why, (0, 6))  # type: ignore[union-attr]


# `systemctl show --property=LoadState,ActiveState,SubState,Result,UnitFileState` output
# (systemd 252 prints the properties in its own order).
SHOW_RUNNING = "Result=success\nLoadState=loaded\nActiveState=active\nSubState=running\n" \
    "UnitFileState=enabled\n"  # fmt: skip
SHOW_FAILED = "Result=start-limit-hit\nLoadState=loaded\nActiveState=failed\nSubState=failed\n" \
    "UnitFileState=enabled\n"  # fmt: skip
SHOW_MISSING = "Result=success\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n" \
    "UnitFileState=\n"  # fmt: skip


def test_status_codes_follow_lsb() -> None:
    running = status_of(SHOW_RUNNING)
    assert (running.code, running.text) == (STATUS_RUNNING, "active (running), enabled at boot")
    failed = status_of(SHOW_FAILED)
    assert failed.code == STATUS_STOPPED
    assert failed.text == "failed (failed), enabled at boot, last result: start-limit-hit"
    missing = status_of(SHOW_MISSING)
    assert missing.code == STATUS_NOT_INSTALLED and missing.text.startswith("not installed")


def test_status_without_systemd_is_unknown(tmp_path: Path) -> None:
    state = SystemdBackend(tmp_path, tmp_path / "no-systemd").status()
    assert state.code == STATUS_NOT_INSTALLED
    assert state.text.startswith("unknown: systemd is not running")


def test_deploy_unit_is_the_generated_one() -> None:
    """deploy/netwatch.service is the unit for a venv in /opt/netwatch (README)."""
    shipped = (REPO / "deploy" / "netwatch.service").read_text()
    program = ("/opt/netwatch/.venv/bin/netwatch",)
    body = unit_text(ServiceRequest(program, CONFIG, 8934))
    assert shipped.endswith(body)
    assert all(line.startswith("#") for line in shipped[: -len(body)].splitlines())
