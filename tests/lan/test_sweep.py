"""The sweep: frames, schedule and fallback parsing; then real sweeps in the namespace LAN.

Every sweep runs inside the lab's scanner namespace (``python -m netwatch.lan.sweep``
prints the SweepResult as JSON); nothing is sent from the test's own namespace.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from netwatch.hostaccess import CommandResult, CommandRunner, FileReader
from netwatch.lan.arp import (
    ARP_REPLY_BPF,
    ARP_REPLY_FILTER,
    MAX_BURST,
    Schedule,
    mac_bytes,
    parse_reply,
    request_frame,
)
from netwatch.lan.fallback import NeighbourError, parse_ip_neigh, parse_proc_arp, read_neighbours
from netwatch.lan.settings import SweepSettings
from netwatch.lan.vendors import LOCALLY_ADMINISTERED, VendorLookup
from tests.lan.netns_lab import SCANNER_INTERFACE, Lab, lab_mac, unprivileged_user

# --- frames ------------------------------------------------------------------------------


def test_request_frame_is_a_broadcast_arp_request() -> None:
    from scapy.layers.l2 import ARP, Ether

    frame = request_frame(
        mac_bytes("02:00:c6:12:00:02"), IPv4Address("198.18.0.2"), IPv4Address("198.18.0.77")
    )
    packet = Ether(frame)
    assert packet[Ether].dst == "ff:ff:ff:ff:ff:ff"
    assert packet[Ether].src == "02:00:c6:12:00:02"
    assert (packet[ARP].op, packet[ARP].hwsrc, packet[ARP].psrc, packet[ARP].pdst) == (
        1, "02:00:c6:12:00:02", "198.18.0.2", "198.18.0.77",
    )  # fmt: skip


def test_parse_reply_reads_sender_of_replies_only() -> None:
    from scapy.layers.l2 import ARP, Dot1Q, Ether

    reply = bytes(Ether(dst="02:00:c6:12:00:02", src="02:00:c6:12:00:0a")
                  / ARP(op=2, hwsrc="02:00:c6:12:00:0a", psrc="198.18.0.10", pdst="198.18.0.2"))  # fmt: skip
    assert parse_reply(reply) == (IPv4Address("198.18.0.10").packed, mac_bytes("02:00:c6:12:00:0a"))
    request = bytes(Ether() / ARP(op=1, psrc="198.18.0.10", pdst="198.18.0.2"))
    assert parse_reply(request) is None
    assert parse_reply(reply[:30]) is None
    assert parse_reply(bytes(Ether() / Dot1Q() / ARP(op=2))) is None


def test_builtin_filter_is_what_libpcap_compiles() -> None:
    try:
        from scapy.arch.common import compile_filter

        program = compile_filter(ARP_REPLY_FILTER, linktype=1)
    except ImportError:
        pytest.skip("libpcap is not installed")
    compiled = [program.bf_insns[i] for i in range(program.bf_len)]
    assert [(i.code, i.jt, i.jf, i.k & 0xFFFFFFFF) for i in compiled] == list(ARP_REPLY_BPF)


# --- schedule ----------------------------------------------------------------------------


def simulate(
    schedule: Schedule,
    answers: dict[int, float],
    start: float = 0.0,
    stall: tuple[float, float] | None = None,
) -> list[tuple[float, int]]:
    """Drive ``schedule`` with a fake clock; ``answers``: address -> reply delay after each request."""
    now, sent, pending = start, [], []
    while not schedule.finished(now):
        index = schedule.take(now)
        if index is not None:
            sent.append((now, index))
            if index in answers:
                pending.append((now + answers[index], index))
            continue
        wake = min([schedule.wake(now) or float("inf"), *(t for t, _ in pending)])
        if stall and stall[0] <= wake < stall[1]:
            wake = stall[1]
        now = max(now, wake)
        for entry in [p for p in pending if p[0] <= now]:
            pending.remove(entry)
            schedule.answer(entry[1])
    return sent


def test_schedule_paces_and_retries_silent_addresses_like_arp_scan() -> None:
    schedule = Schedule(5, interval=0.002, retries=3, backoff=1.5, host_timeout=0.5, now=10.0)
    sent = simulate(schedule, {1: 0.001, 3: 0.001}, start=10.0)
    assert [i for _, i in sent[:5]] == [0, 1, 2, 3, 4]  # first pass in order
    assert [round(t - 10.0, 3) for t, _ in sent[:5]] == [0.0, 0.002, 0.004, 0.006, 0.008]
    tries = Counter(i for _, i in sent)
    assert tries == {0: 3, 2: 3, 4: 3, 1: 1, 3: 1}
    times = [t for t, i in sent if i == 0]
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [0.5, 0.75]  # host timeout, then times the backoff
    assert schedule.answered == 2 and schedule.expired == 3 and schedule.done == 5


def test_schedule_ends_after_the_last_timeout_or_when_all_answered() -> None:
    schedule = Schedule(2, interval=0.002, retries=2, backoff=1.5, host_timeout=0.5, now=0.0)
    assert [schedule.take(0.0), schedule.take(0.001), schedule.take(0.002)] == [0, None, 1]
    assert schedule.take(0.499) is None and schedule.wake(0.499) == 0.5
    assert [schedule.take(0.5), schedule.take(0.502)] == [0, 1]
    assert schedule.wake(0.6) == pytest.approx(1.25)  # first final timeout
    assert not schedule.finished(1.251) and schedule.done == 1
    assert schedule.finished(1.2521) and schedule.expired == 2
    everyone = Schedule(3, interval=0.002, retries=2, backoff=1.5, host_timeout=0.5, now=0.0)
    sent = simulate(everyone, {0: 0.0001, 1: 0.0001, 2: 0.0001})
    assert len(sent) == 3 and everyone.finished(0.0041)


def test_schedule_counts_late_and_duplicate_answers_once() -> None:
    schedule = Schedule(1, interval=0.002, retries=1, backoff=1.5, host_timeout=0.5, now=0.0)
    assert schedule.take(0.0) == 0
    assert schedule.finished(0.6) and schedule.expired == 1
    assert schedule.answer(0) and not schedule.answer(0)
    assert (schedule.answered, schedule.expired, schedule.done) == (1, 0, 1)


def test_schedule_catches_up_after_a_stall_without_a_long_burst() -> None:
    schedule = Schedule(200, interval=0.002, retries=1, backoff=1.5, host_timeout=0.5, now=0.0)
    sent = simulate(schedule, {}, stall=(0.1, 0.13))
    assert max(Counter(t for t, _ in sent).values()) == MAX_BURST
    made_up = (MAX_BURST - 1) * 0.002  # the burst makes up for 3 of the 15 missed slots
    assert sent[-1][0] == pytest.approx(199 * 0.002 + 0.030 - made_up)


def test_settings_defaults_and_validation() -> None:
    settings = SweepSettings()
    assert (settings.interval, settings.retries, settings.backoff) == (0.002, 2, 1.5)
    assert (settings.host_timeout, settings.timeout, settings.mode) == (0.5, 60.0, "auto")
    assert settings.final_wait == 0.75
    assert SweepSettings(interval="1ms", timeout="5s", mode="arp").model_dump()["interval"] == "1ms"
    for bad in (
        {"retries": 0},
        {"interval": 0.002},
        {"mode": "icmp"},
        {"timeout": "soon"},
        {"jitter": "1ms"},
    ):
        with pytest.raises(ValidationError):
            SweepSettings(**bad)


# --- neighbour table ---------------------------------------------------------------------

PROC_ARP = """\
IP address       HW type     Flags       HW address            Mask     Device
198.18.0.10      0x1         0x2         02:00:C6:12:00:0A     *        lan0
198.18.0.11      0x1         0x0         00:00:00:00:00:00     *        lan0
198.18.0.12      0x1         0x6         02:00:c6:12:00:0c     *        lan0
"""

IP_NEIGH = json.dumps([
    {"dst": "198.18.0.10", "dev": "lan0", "lladdr": "02:00:C6:12:00:0A", "state": ["REACHABLE"]},
    {"dst": "198.18.0.11", "dev": "lan0", "state": ["FAILED"]},
    {"dst": "198.18.0.12", "dev": "lan0", "lladdr": "02:00:c6:12:00:0c", "state": ["FAILED"]},
    {"dst": "198.18.0.13", "dev": "lan0", "lladdr": "02:00:c6:12:00:0d", "state": ["STALE"]},
])  # fmt: skip


def test_neighbour_table_parsers_keep_complete_entries() -> None:
    assert parse_proc_arp(PROC_ARP) == {
        ("lan0", "198.18.0.10"): "02:00:c6:12:00:0a",
        ("lan0", "198.18.0.12"): "02:00:c6:12:00:0c",
    }
    assert parse_ip_neigh(IP_NEIGH) == {
        ("lan0", "198.18.0.10"): "02:00:c6:12:00:0a",
        ("lan0", "198.18.0.13"): "02:00:c6:12:00:0d",
    }


class FakeRunner(CommandRunner):
    def __init__(self, result: CommandResult) -> None:
        super().__init__()
        self.result = result

    def run(self, argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        assert list(argv) == ["ip", "-j", "-4", "neigh", "show"]
        return self.result


def test_read_neighbours_from_proc_else_ip_neigh(tmp_path: Path) -> None:
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/arp").write_text(PROC_ARP)
    assert len(read_neighbours(FileReader(tmp_path))) == 2
    empty = FileReader(tmp_path / "nothing")
    good = FakeRunner(CommandResult(("ip",), 0, IP_NEIGH, ""))
    assert len(read_neighbours(empty, good)) == 2
    bad = FakeRunner(CommandResult(("ip",), 255, "", "Cannot open netlink socket"))
    with pytest.raises(NeighbourError, match="Cannot open netlink socket"):
        read_neighbours(empty, bad)


# --- in the namespace LAN ----------------------------------------------------------------


def sweep_in_lab(lab: Lab, *args: str, user: str | None = None) -> dict[str, Any]:
    done = lab.run_in_scanner([sys.executable, "-m", "netwatch.lan.sweep", *args], user=user)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no scapy warnings either
    return json.loads(done.stdout)


def pairs(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(seen["ip"], seen["mac"]) for seen in result["observations"]}


def expected(lab: Lab) -> set[tuple[str, str]]:
    return {(host.ip, host.mac) for host in lab.hosts}


@pytest.fixture(scope="module")
def quiet_user() -> str:
    return unprivileged_user()


def test_arp_sweep_finds_every_host_with_its_mac(lab: Lab) -> None:
    result = sweep_in_lab(lab)  # defaults: the scanner's private networks
    assert len(lab.hosts) == 55
    assert result["method"] == "arp" and result["notes"] == []
    assert result["subnets"] == ["198.18.0.0/24"] and result["interfaces"] == [SCANNER_INTERFACE]
    assert pairs(result) == expected(lab)
    assert {seen["interface"] for seen in result["observations"]} == {SCANNER_INTERFACE}
    assert all(
        seen["method"] == "arp" and seen["seen_at"] >= result["started_at"]
        for seen in result["observations"]
    )
    ips = [seen["ip"] for seen in result["observations"]]
    assert ips == [host.ip for host in lab.hosts]  # sorted by IP
    assert result["duration"] < 5  # 253 addresses: ~0.5s of requests, retries, 0.75s final wait
    lookup = VendorLookup(None)
    assert {lookup.vendor(mac) for _, mac in pairs(result)} == {LOCALLY_ADMINISTERED}


def test_conflict_and_changed_mac_are_seen(lab: Lab) -> None:
    first, second = lab.hosts[0], lab.hosts[1]
    intruder = lab.add_host(first.ip, "02:00:00:00:be:ef")
    moved = lab.set_mac(second.name, "02:00:00:00:ca:fe")
    try:
        result = sweep_in_lab(lab, "198.18.0.0/24", "--interface", SCANNER_INTERFACE)
        assert {mac for ip, mac in pairs(result) if ip == first.ip} == {first.mac, intruder.mac}
        assert {mac for ip, mac in pairs(result) if ip == second.ip} == {moved.mac}
    finally:
        lab.remove_host(intruder.name)
        lab.set_mac(second.name, second.mac)


RESPONDER = r"""
import json, socket, sys, time
interface, ip, mac, lifetime = sys.argv[1], socket.inet_aton(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(":", "")), float(sys.argv[4])
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
sock.bind((interface, 0x0806))
sock.settimeout(0.1)
print("ready", flush=True)
requests, end = [], time.monotonic() + lifetime
while time.monotonic() < end and len(requests) < 3:
    try:
        frame = sock.recv(2048)
    except TimeoutError:
        continue
    if frame[20:22] != b"\x00\x01" or frame[38:42] != ip:
        continue
    requests.append(time.monotonic())
    if len(requests) % 2 == 0:  # answers every second request only
        sock.send(frame[6:12] + mac + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + mac + ip + frame[22:32])
print(json.dumps(requests), flush=True)
"""


def test_retry_reaches_a_host_that_ignores_the_first_request(lab: Lab) -> None:
    ip = "198.18.0.240"
    host = lab.add_host(ip, lab_mac(ip))
    subprocess.run(["ip", "-n", host.name, "link", "set", "eth0", "arp", "off"], check=True)
    responder = subprocess.Popen(
        ["ip", "netns", "exec", host.name, sys.executable, "-c", RESPONDER, "eth0", ip, host.mac, "6"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert responder.stdout and responder.stdout.readline().strip() == "ready"
        target = [f"{ip}/32", "--interface", SCANNER_INTERFACE]
        found = sweep_in_lab(lab, *target)  # request 1 ignored, 2 answered
        missed = sweep_in_lab(lab, *target, "--retries", "1")  # request 3 ignored
        requests = json.loads(responder.communicate(timeout=20)[0])
    finally:
        responder.kill()
        lab.remove_host(host.name)
    assert pairs(found) == {(ip, host.mac)}
    assert pairs(missed) == set()
    assert len(requests) == 3
    assert requests[1] - requests[0] == pytest.approx(0.5, abs=0.1)  # the host timeout
    assert missed["duration"] == pytest.approx(0.5, abs=0.3)  # one request, one timeout


def test_requests_are_paced(lab: Lab) -> None:
    result = sweep_in_lab(
        lab, "198.18.0.0/26", "--interface", SCANNER_INTERFACE, "--interval", "10ms"
    )
    assert pairs(result) == {pair for pair in expected(lab) if int(pair[0].split(".")[3]) < 63}
    assert result["duration"] >= 61 * 0.010  # 61 addresses (.2 is the scanner) at 10ms


@pytest.mark.parametrize("mode", ["arp", "neighbour"])
def test_overall_timeout_is_a_hard_cap(lab: Lab, mode: str) -> None:
    start = time.monotonic()
    result = sweep_in_lab(lab, "--interval", "20ms", "--timeout", "1s", "--mode", mode)  # needs ~8s
    wall = time.monotonic() - start
    assert result["duration"] < 1.3
    assert wall < 5
    assert any("overall timeout" in note for note in result["notes"])
    assert 0 < len(pairs(result)) < 55 and pairs(result) <= expected(lab)


def test_unprivileged_run_falls_back_to_the_neighbour_table(lab: Lab, quiet_user: str) -> None:
    for _ in range(2):  # the second run meets complete entries the first one left
        result = sweep_in_lab(lab, user=quiet_user)
        assert result["method"] == "neighbour"
        assert any(
            "no raw-socket privilege" in note and "CAP_NET_RAW" in note for note in result["notes"]
        )
        assert any("IP conflicts are not visible" in note for note in result["notes"])
        assert pairs(result) == expected(lab)
        assert {seen["method"] for seen in result["observations"]} == {"neighbour"}


def test_fallback_leaves_out_a_host_gone_behind_a_stale_entry(lab: Lab, quiet_user: str) -> None:
    ip = "198.18.0.250"
    host = lab.add_host(ip, lab_mac(ip))
    try:
        assert (ip, host.mac) in pairs(sweep_in_lab(lab, user=quiet_user))
    finally:
        lab.remove_host(host.name)
    neighbours = lab.run_in_scanner(["ip", "neigh", "show", ip]).stdout
    assert host.mac in neighbours  # the kernel still remembers it
    assert ip not in {seen_ip for seen_ip, _ in pairs(sweep_in_lab(lab, user=quiet_user))}


REACH = """
import json, sys, time
from netwatch.lan.fallback import Reachability
pinged, connected, absent = sys.argv[1:4]
reach = Reachability()
assert reach.icmp, "ICMP echo should be allowed"
reach.echo(pinged)
reach.connect(connected, 445)
reach.echo(absent)
reach.connect(absent, 445)
end = time.monotonic() + 1.5
while time.monotonic() < end:
    reach.poll(0.1)
reach.close()
print(json.dumps(sorted(reach.answered)))
"""


def test_reachability_counts_echo_replies_and_refused_connects(lab: Lab, quiet_user: str) -> None:
    setting = "net.ipv4.ping_group_range"
    before = lab.run_in_scanner(["sysctl", "-n", setting]).stdout.split()
    assert lab.run_in_scanner(["sysctl", "-w", f"{setting}=0 2147483647"]).returncode == 0
    try:
        pinged, connected = lab.hosts[10].ip, lab.hosts[11].ip
        done = lab.run_in_scanner(
            [sys.executable, "-c", REACH, pinged, connected, "198.18.0.254"], user=quiet_user
        )
    finally:
        lab.run_in_scanner(["sysctl", "-w", f"{setting}={' '.join(before)}"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == sorted([pinged, connected])


def test_mode_arp_without_privilege_is_an_error(lab: Lab, quiet_user: str) -> None:
    done = lab.run_in_scanner(
        [sys.executable, "-m", "netwatch.lan.sweep", "--mode", "arp"], user=quiet_user
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: raw ARP needs root or CAP_NET_RAW")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["198.18.0.0/33"], "error: invalid CIDR '198.18.0.0/33'"),
        (["--interface", "eth9"], "error: unknown interface 'eth9' (this host has: lan0, lo)"),
        (["198.18.0.0/16"], "error: 198.18.0.0/16 has 65536 addresses, more than the /22 cap"),
        (["10.0.0.0/24"], "error: 10.0.0.0/24 is not inside the network of any up interface"),
        (["--interval", "fast"], "error: interval: Value error, invalid duration 'fast'"),
    ],
)
def test_bad_input_exits_2_with_one_line(lab: Lab, args: list[str], message: str) -> None:
    done = lab.run_in_scanner([sys.executable, "-m", "netwatch.lan.sweep", *args])
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
    assert done.stdout == ""


WITHOUT_LIBPCAP = """
import json, sys
import scapy.arch.linux
def no_libpcap(*args, **kwargs):
    raise ImportError("libpcap is not available. Cannot compile filter !")
scapy.arch.linux.compile_filter = no_libpcap
from netwatch.lan.settings import SweepSettings
from netwatch.lan.sweep import sweep
from netwatch.lan.targets import choose_networks
result = sweep(choose_networks(["198.18.0.0/24"], "lan0"), SweepSettings(mode="arp"))
print(json.dumps([[seen.ip, seen.mac] for seen in result.observations]))
"""


def test_without_libpcap_the_builtin_filter_is_attached(lab: Lab) -> None:
    done = lab.run_in_scanner([sys.executable, "-c", WITHOUT_LIBPCAP])
    assert done.returncode == 0, done.stderr
    assert {tuple(pair) for pair in json.loads(done.stdout)} == expected(lab)
