"""``netwatch scan`` and ``netwatch sd`` end to end on the namespace LAN (tests/lan/netns_lab.py).

Every sweep runs inside the lab's scanner namespace; nothing is sent from the
root namespace. Tests that change the lab (a MAC, an extra host) undo it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from netwatch.lan.state import load_state
from tests.lan.netns_lab import Lab, LabHost, unprivileged_user

NETWORK = "198.18.0.0/24"


def write_known(path: Path, hosts: list[LabHost]) -> Path:
    lines = ["devices:"]
    for host in hosts:
        lines += [f'  - mac: "{host.mac.upper()}"', f"    name: Máy {host.ip}", "    kind: desktop"]
    path.write_text("\n".join(lines) + "\n")
    return path


def scan(lab: Lab, *args: str, user: str | None = None) -> tuple[int, dict]:
    argv = [sys.executable, "-m", "netwatch", "scan", NETWORK, "--format", "json", *args]
    done = lab.run_in_scanner(argv, user=user)
    assert done.returncode in (0, 1), f"exit {done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def pairs(report: dict) -> set[tuple[str, str]]:
    return {(row["ip"], row["mac"]) for row in report["devices"]}


def row(report: dict, ip: str, mac: str) -> dict:
    return next(r for r in report["devices"] if (r["ip"], r["mac"]) == (ip, mac))


def test_every_host_found_with_its_mac(lab: Lab, tmp_path: Path) -> None:
    known = write_known(tmp_path / "devices.yaml", lab.hosts)
    code, report = scan(lab, "--known-devices", str(known))
    assert pairs(report) == {(host.ip, host.mac) for host in lab.hosts}
    assert len(lab.hosts) >= 50
    assert (report["method"], report["privileged"]) == ("arp", True)
    assert report["summary"]["unknown"] == 0 and report["conflicts"] == []
    assert code == 0
    first = lab.hosts[0]
    assert row(report, first.ip, first.mac)["name"] == f"Máy {first.ip}"


def test_an_unknown_host_is_flagged(lab: Lab, tmp_path: Path) -> None:
    stranger = lab.hosts[7]
    known = write_known(tmp_path / "devices.yaml", [h for h in lab.hosts if h != stranger])
    code, report = scan(lab, "--known-devices", str(known))
    assert code == 1
    assert [(r["ip"], r["mac"]) for r in report["devices"] if not r["known"]] == [
        (stranger.ip, stranger.mac)
    ]
    assert report["summary"]["unknown"] == 1


def test_a_changed_mac_is_reported(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "lan-state.json"
    host = lab.hosts[3]
    scan(lab, "--state", str(state))
    new_mac = "02:00:de:ad:be:ef"
    lab.set_mac(host.name, new_mac)
    try:
        _, report = scan(lab, "--state", str(state))
    finally:
        lab.set_mac(host.name, host.mac)
    changes = [e for e in report["events"] if e["kind"] == "changed_mac"]
    assert [(e["ip"], e["mac"], e["previous_mac"]) for e in changes] == [
        (host.ip, new_mac, host.mac)
    ]
    assert row(report, host.ip, new_mac)["flags"] == ["new", "changed_mac"]
    flagged = [r for r in report["devices"] if r["flags"]]
    assert len(flagged) == 1, "only the changed host is flagged"
    # Back to the original card: arpwatch's flip-flop.
    _, report = scan(lab, "--state", str(state))
    assert [(e["kind"], e["ip"], e["mac"]) for e in report["events"]] == [
        ("flip_flop", host.ip, host.mac)
    ]


def test_two_hosts_claiming_one_ip_are_a_conflict(lab: Lab, tmp_path: Path) -> None:
    victim = lab.hosts[5]
    known = write_known(tmp_path / "devices.yaml", lab.hosts)
    intruder = lab.add_host(victim.ip, "02:00:ba:d0:00:01")
    try:
        code, report = scan(lab, "--known-devices", str(known))
    finally:
        lab.remove_host(intruder.name)
    assert code == 1
    assert report["conflicts"] == [{"ip": victim.ip, "macs": sorted([victim.mac, intruder.mac])}]
    assert "conflict" in row(report, victim.ip, victim.mac)["flags"]
    assert "conflict" in row(report, victim.ip, intruder.mac)["flags"]
    conflicts = [e for e in report["events"] if e["kind"] == "ip_conflict"]
    assert [e["ip"] for e in conflicts] == [victim.ip]


def test_state_survives_a_restart(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "lan-state.json"
    _, first = scan(lab, "--state", str(state))
    assert all(r["flags"] == ["new"] for r in first["devices"])
    _, second = scan(lab, "--state", str(state))
    assert second["events"] == []
    firsts = {r["mac"]: r["first_seen"] for r in first["devices"]}
    assert {r["mac"]: r["first_seen"] for r in second["devices"]} == firsts
    # ISO 8601 UTC times (whole seconds) order as text: seen again in the second sweep
    assert all(
        r["last_seen"] >= second["scanned_at"] >= firsts[r["mac"]] for r in second["devices"]
    )


def test_a_corrupted_state_is_set_aside_with_one_warning(lab: Lab, tmp_path: Path) -> None:
    state = tmp_path / "lan-state.json"
    state.write_text('{"schema_version": 1, "devices": {"02:00:c6')  # cut short
    argv = [sys.executable, "-m", "netwatch", "scan", NETWORK, "--format", "json",
            "--state", str(state)]  # fmt: skip
    done = lab.run_in_scanner(argv)
    assert done.returncode == 1
    [warning] = done.stderr.strip().splitlines()
    [aside] = tmp_path.glob("lan-state.json.corrupt-*")
    assert f"moved it to {aside} and started afresh" in warning
    report = json.loads(done.stdout)
    assert all(r["flags"] == ["new"] for r in report["devices"])
    assert load_state(state).devices.keys() == {r["mac"] for r in report["devices"]}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory an unprivileged user can write (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="netwatch-lan-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


COLLECT_ONCE = """
import sys
from netwatch.collectors.lan import LanCollector, LanSettings
settings = LanSettings.model_validate(
    {"enabled": True, "cidrs": [sys.argv[1]], "state_file": sys.argv[2]}
)
for family in LanCollector(settings).collect():
    for sample in family.samples:
        if sample.name in ("netwatch_lan_sweep_privileged", "netwatch_lan_sweep_success"):
            print(sample.name, sample.value)
"""


def test_an_unprivileged_run_uses_the_fallback_and_says_so(lab: Lab, shared_dir: Path) -> None:
    user = unprivileged_user()
    _, report = scan(lab, user=user)
    assert (report["method"], report["privileged"]) == ("neighbour", False)
    assert any("CAP_NET_RAW" in note for note in report["notes"])
    assert pairs(report) == {(host.ip, host.mac) for host in lab.hosts}

    argv = [sys.executable, "-c", COLLECT_ONCE, NETWORK, str(shared_dir / "lan-state.json")]
    done = lab.run_in_scanner(argv, user=user)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [
        "netwatch_lan_sweep_success 1.0", "netwatch_lan_sweep_privileged 0.0",
    ]  # fmt: skip


def test_sd_writes_the_hosts_running_an_agent(lab: Lab, shared_dir: Path) -> None:
    agent = lab.hosts[2]
    listener = subprocess.Popen(
        ["ip", "netns", "exec", agent.name, sys.executable, "-c",
         "import socket, time\ns = socket.create_server(('0.0.0.0', 8934))\n"
         "print('ready', flush=True)\ntime.sleep(300)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert listener.stdout is not None and listener.stdout.readline() == "ready\n"
        output = shared_dir / "targets.json"
        done = lab.run_in_scanner(
            [sys.executable, "-m", "netwatch", "sd", "--output", str(output), NETWORK]
        )
    finally:
        listener.kill()
        listener.wait(10)
    assert done.returncode == 0, done.stderr
    assert f"wrote 1 targets to {output}" in done.stderr
    [group] = json.loads(output.read_text())
    assert group["targets"] == [f"{agent.ip}:8934"]
    assert group["labels"]["__meta_netwatch_mac"] == agent.mac
    assert oct(output.stat().st_mode & 0o777) == "0o644"
    assert not [p for p in os.listdir(shared_dir) if p.endswith(".tmp")]


def test_bad_input_is_one_line_and_exit_2(lab: Lab, tmp_path: Path) -> None:
    bad_known = tmp_path / "devices.yaml"
    bad_known.write_text('devices:\n  - mac: "02:00"\n    name: x\n')
    for argv, message in [
        (["198.18.0.0/33"], "invalid CIDR"),
        (["10.0.0.0/8"], "more than the /22 cap"),
        (["--interface", "nosuch0", NETWORK], "unknown interface 'nosuch0'"),
        (["--known-devices", str(bad_known), NETWORK], "line 2: devices.0.mac: invalid MAC"),
    ]:
        done = lab.run_in_scanner([sys.executable, "-m", "netwatch", "scan", *argv])
        assert done.returncode == 2, (argv, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
