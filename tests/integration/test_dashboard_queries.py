"""Every query of every shipped dashboard, sent as Grafana sends it, against the office lab.

The lab (tests/helpers/office_lab.py) runs three offices of real agents, each office with
its own Prometheus remote-writing into one VictoriaMetrics. Each dashboard's variables are
resolved the way Grafana resolves them (chained ``label_values`` queries, "All", regex
escaping) and every panel target is sent to an office Prometheus and to VictoriaMetrics.
The answer must be what the lab set up: which hosts are down, which services, which
certificates, which checks fail, which devices are unknown or in conflict. A panel added
without an entry in ``EXPECTED`` fails ``test_every_panel_query_has_an_expectation``.
"""

from __future__ import annotations

import functools
import json
import math
import platform
import subprocess
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from dashboards.generate import BUILDERS
from dashboards.interpolate import PanelQuery, queries, resolve
from netwatch import __version__
from netwatch.assets.collect import read_hardware
from netwatch.assets.fingerprint import Component, unread
from netwatch.assets.model import Hardware
from netwatch.facts.host import host_facts
from netwatch.hostaccess import HostAccess
from tests.conftest import http_get, wait_until
from tests.helpers.office_lab import Agent, LabFacts, OfficeLab, lab_fixture

office_lab = lab_fixture(scope="module")

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
RANGE_SECONDS, STEP_SECONDS = 120, 5
# A veth pair inside the test's own network namespace, for the host dashboard's network
# panels (loopback is excluded by default); the address is on the first end.
PAIR = ("nwlab0", "nwlab1")
PAIR_ADDRESS = "198.18.0.2"


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float

    def key(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.labels.get(name, "") for name in names)


@dataclass(frozen=True)
class View:
    """One data source as a dashboard sees it: which agents are behind it, and how."""

    name: str
    url: str
    central: bool  # series carry the office label (VictoriaMetrics) or not (office Prometheus)
    agents: tuple[Agent, ...]
    host: Agent  # the host dashboard's instance
    chosen_office: str | None = None

    def office(self, agent: Agent) -> str:
        return agent.office if self.central else ""

    @property
    def alive(self) -> list[Agent]:
        return [agent for agent in self.agents if agent.alive]


Check = Callable[[View, list[Sample]], None]


# --- Expectation builders ---------------------------------------------------------------


def keys(samples: Iterable[Sample], names: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {sample.key(names) for sample in samples}


def rows(
    names: tuple[str, ...],
    required: Callable[[View], set[tuple[str, ...]]],
    value: Callable[[View, tuple[str, ...]], float] | None = None,
    allowed: Callable[[View], set[tuple[str, ...]]] | None = None,
    ok: Callable[[float], bool] | None = None,
    tolerance: float = 1e-6,
) -> Check:
    """Rows keyed by ``names``: exactly ``required`` (plus any of ``allowed``), with values."""

    def check(view: View, samples: list[Sample]) -> None:
        want = required(view)
        got = keys(samples, names)
        extra = got - want - (allowed(view) if allowed else set())
        assert want <= got and not extra, f"missing {want - got}, unexpected {extra}"
        for sample in samples:
            key = sample.key(names)
            if value is not None and key in want:
                expected = value(view, key)
                assert abs(sample.value - expected) <= tolerance, (key, sample.value, expected)
            if ok is not None:
                assert ok(sample.value), (key, sample.value)

    return check


def number(expected: Callable[[View], float], tolerance: float = 1e-6) -> Check:
    """One series whose value is ``expected``."""

    def check(view: View, samples: list[Sample]) -> None:
        assert len(samples) == 1, samples
        assert abs(samples[0].value - expected(view)) <= tolerance, (samples[0], expected(view))

    return check


def nothing_when_down(check: Check) -> Check:
    """``check`` on the host dashboard's host; no data at all when that host is down."""

    def wrapped(view: View, samples: list[Sample]) -> None:
        if view.host.alive:
            check(view, samples)
        else:
            assert samples == [], samples

    return wrapped


def host_value(ok: Callable[[float], bool]) -> Check:
    """One series for the host dashboard's host, its value passing ``ok``."""

    def check(view: View, samples: list[Sample]) -> None:
        assert len(samples) == 1 and ok(samples[0].value), samples

    return nothing_when_down(check)


def host_rows(
    names: tuple[str, ...], required: set[tuple[str, ...]], ok: Callable[[float], bool]
) -> Check:
    def check(view: View, samples: list[Sample]) -> None:
        assert required <= keys(samples, names), (required, keys(samples, names))
        assert all(ok(sample.value) for sample in samples), samples

    return nothing_when_down(check)


def holds(condition: Callable[[View, list[Sample]], bool]) -> Check:
    """A check that ``condition`` is true of the answer."""

    def check(view: View, samples: list[Sample]) -> None:
        assert condition(view, samples), samples

    return check


def between(low: float, high: float) -> Callable[[float], bool]:
    return lambda value: low <= value <= high


# --- Facts of the lab, as each view sees them ------------------------------------------


def services(view: View, up: bool | None = None, alive: bool = True) -> set[tuple[str, ...]]:
    """(office, instance, service, kind, target) probed by the view's agents."""
    return {
        (view.office(agent), agent.instance, service.name, service.kind, service.target)
        for agent in (view.alive if alive else view.agents)
        for service in agent.services
        if up is None or service.up is up
    }


def by_service(view: View, up: bool | None = None, alive: bool = True) -> set[tuple[str, ...]]:
    return {(office, name, target) for office, _, name, _, target in services(view, up, alive)}


def agents_probing(view: View, key: tuple[str, ...], up: bool | None = None) -> float:
    """How many live agents probe the (office, service, target) ``key`` (and see it ``up``)."""
    return float(sum(
        (office, name, target) == key
        for office, _, name, _, target in services(view, up)
    ))  # fmt: skip


def hosts_failing(view: View) -> dict[tuple[str, ...], int]:
    """Hosts failing each critical or high check, by (office, check, severity)."""
    counts: dict[tuple[str, ...], int] = {}
    for office, _, check, severity, _ in failing(view, "critical") | failing(view, "high"):
        counts[office, check, severity] = counts.get((office, check, severity), 0) + 1
    return counts


def certificates(view: View) -> dict[tuple[str, ...], float]:
    """Days left per (office, service, target), the earliest certificate when several."""
    days: dict[tuple[str, ...], float] = {}
    for agent in view.alive:
        for cert in agent.certificates:
            key = (view.office(agent), cert.service, cert.target)
            days[key] = min(days.get(key, math.inf), cert.days_left)
    return days


def certificate_seen(view: View) -> dict[tuple[str, ...], float]:
    """Days left per (office, service, target, instance)."""
    return {
        (view.office(agent), cert.service, cert.target, agent.instance): cert.days_left
        for agent in view.alive
        for cert in agent.certificates
    }


def failing(view: View, severity: str | None = None) -> set[tuple[str, ...]]:
    """(office, instance, check, severity, category) of failing posture checks."""
    return {
        (view.office(agent), agent.instance, check.check, check.severity, check.category)
        for agent in view.alive
        for check in agent.posture.failing
        if severity is None or check.severity == severity
    }


def waived(view: View) -> set[tuple[str, ...]]:
    return {
        (view.office(agent), agent.instance, check.check, check.severity)
        for agent in view.alive
        for check in agent.posture.waived
    }


def devices(view: View) -> list[tuple[str, Any]]:
    """(office as seen, device) for every device of the view's sweeping agents."""
    return [(view.office(a), d) for a in view.alive for d in a.lan_devices]


def unknown_devices(view: View) -> set[tuple[str, ...]]:
    return {(office, d.ip, d.mac) for office, d in devices(view) if not d.known}


def conflicts(view: View) -> set[tuple[str, ...]]:
    return {(office, d.ip, d.mac) for office, d in devices(view) if d.conflict}


def hosts(view: View, agents: Iterable[Agent]) -> set[tuple[str, ...]]:
    return {(view.office(agent), agent.instance) for agent in agents}


def posture_hosts(view: View) -> set[tuple[str, ...]]:
    return hosts(view, (a for a in view.alive if a.posture.ran))


def posture_stuck(view: View) -> set[tuple[str, ...]]:
    """(office, instance, "posture") of hosts whose posture collector runs but never finishes."""
    return {
        (view.office(agent), agent.instance, "posture")
        for agent in view.alive
        if agent.posture.enabled and not agent.posture.ran
    }


def offices(view: View) -> list[str]:
    return sorted({agent.office for agent in view.agents})


def per_office(count: Callable[[Agent], int]) -> Check:
    """One value per office of the view: ``count`` summed over its agents."""

    def check(view: View, samples: list[Sample]) -> None:
        got = {sample.labels.get("office", ""): sample.value for sample in samples}
        want = {office: 0 for office in offices(view)}
        for agent in view.agents:
            want[agent.office] += count(agent)
        assert got == want

    return check


def clock_outliers(view: View) -> set[tuple[str, ...]]:
    return hosts(view, (a for a in view.alive if abs(a.clock_offset) > 1))


def disks(view: View) -> set[tuple[str, ...]]:
    return {
        (view.office(agent), agent.instance, agent.disk.device)
        for agent in view.alive
        if agent.disk is not None
    }


def real_disk_nearly_full(view: View, samples: list[Sample]) -> set[tuple[str, ...]]:
    """Rows for this machine's own filesystems, allowed only when really below 10 % free."""
    allowed = set()
    for sample in samples:
        device = sample.labels.get("device", "")
        for part in psutil.disk_partitions(all=True):
            if part.device == device and psutil.disk_usage(part.mountpoint).percent > 85:
                allowed.add(sample.key(("office", "instance", "device")))
    return allowed


def disk_rows(ok: Callable[[float], bool]) -> Check:
    def check(view: View, samples: list[Sample]) -> None:
        rows(("office", "instance", "device"), disks,
             allowed=lambda v: real_disk_nearly_full(v, samples), ok=ok)(view, samples)  # fmt: skip

    return check


def count_of(fn: Callable[[View], Iterable[Any]]) -> Check:
    return number(lambda view: len(set(fn(view))))


@functools.cache
def machine() -> Hardware:
    """This machine's hardware as netwatch reads it: the lab's agents read the same /sys."""
    return read_hardware(host_facts(HostAccess()))


Reading = dict[tuple[str, ...], float]


def identity(hardware: Hardware) -> Reading:
    """The hardware_info row: maker, model, chassis, firmware; none when nothing is known."""
    system, firmware = hardware.system, hardware.firmware
    labels = (
        (system and system.manufacturer) or "",
        (system and system.model) or "",
        (system and system.chassis) or "",
        (firmware and firmware.vendor) or "",
        (firmware and firmware.version) or "",
    )
    return {labels: 1.0} if any(labels) else {}


def secure_boot(hardware: Hardware) -> Reading:
    enabled = hardware.firmware.secure_boot if hardware.firmware else None
    return {} if enabled is None else {(): float(enabled)}


def tpm(hardware: Hardware) -> Reading:
    """TPM present (0 or 1) with its version where the host has one; none when unread."""
    if hardware.tpm is None or hardware.tpm.present is None:
        return {}
    version = (hardware.tpm.present and hardware.tpm.version) or ""
    return {(version,): float(hardware.tpm.present)}


def windows_activation(hardware: Hardware) -> Reading:
    licence = hardware.windows_licence
    if licence is None or licence.status == "unknown":
        return {}
    return {(licence.channel,): float(licence.status == "licensed")}


def office_activation(hardware: Hardware) -> Reading:
    """Per Office product: activated when any of its licences is."""
    products: Reading = {}
    for licence in hardware.office_licences:
        if licence.status != "unknown":
            key = (licence.product or "",)
            products[key] = max(products.get(key, 0.0), float(licence.status == "licensed"))
    return products


def parts(
    component: Component, items: Callable[[Hardware], list[Any]]
) -> Callable[[Hardware], Reading]:
    """How many parts of ``component`` were read; none when the list could not be read."""
    return lambda h: {} if unread(h, component) else {(): float(len(items(h)))}


def ram_installed(hardware: Hardware) -> Reading:
    sizes = [m.size for m in hardware.memory_modules if m.size is not None]
    return {} if unread(hardware, "memory") or not sizes else {(): float(sum(sizes))}


# --- What each panel target must answer ------------------------------------------------

SERVICE_ROW = ("office", "instance", "service", "kind", "target")
SERVICE_KEY = ("office", "service", "target")
DEVICE_ROW = ("office", "ip", "mac")
HOST_ROW = ("office", "instance")
NOW_SECONDS = between(-5, 900)
RATIO = between(0, 1)
EVENT_KINDS = {
    (kind,) for kind in ("new_station", "changed_mac", "flip_flop", "ip_conflict", "gone")
}


def wall() -> dict[tuple[str, str], Check]:
    def cert_count(expired: bool) -> Check:
        return number(
            lambda v: sum((d < 0) is expired and d < 14 for d in certificates(v).values())
        )

    def lan_table(view: View, samples: list[Sample]) -> None:
        names = ("office", "problem", "ip", "mac")
        want = {(o, "Thiết bị lạ", ip, mac) for o, ip, mac in unknown_devices(view)}
        want |= {(o, "Xung đột IP", ip, mac) for o, ip, mac in conflicts(view)}
        assert keys(samples, names) == want

    def down_hosts(view: View, samples: list[Sample]) -> None:
        rows(HOST_ROW, lambda v: hosts(v, (a for a in v.agents if not a.alive)))(view, samples)
        assert all(sample.labels.get("hostname") == platform.node() for sample in samples)

    def never_ran(view: View) -> set[tuple[str, ...]]:
        return hosts(view, (a for a in view.alive if not a.posture.ran))

    return {
        ("Máy trạm / máy chủ", "A"): number(lambda v: len(v.alive)),
        ("Máy trạm / máy chủ", "B"): number(lambda v: len(v.agents) - len(v.alive)),
        ("Dịch vụ ngừng", "A"): count_of(lambda v: by_service(v, up=False)),
        ("Chứng thư số", "A"): cert_count(expired=True),
        ("Chứng thư số", "B"): cert_count(expired=False),
        ("Lỗi an ninh nghiêm trọng / cao", "A"): count_of(lambda v: failing(v, "critical")),
        ("Lỗi an ninh nghiêm trọng / cao", "B"): count_of(lambda v: failing(v, "high")),
        ("Mạng LAN", "A"): count_of(unknown_devices),
        ("Mạng LAN", "B"): count_of(lambda v: {(o, ip) for o, ip, _ in conflicts(v)}),
        ("Ổ đĩa đầy", "A"): holds(lambda v, s: len(s) == 1 and s[0].value >= len(disks(v))),
        ("Lệch giờ", "A"): count_of(clock_outliers),
        ("Máy mất kết nối", "A"): down_hosts,
        ("Dịch vụ đang ngừng", "A"): rows(
            SERVICE_KEY, lambda v: by_service(v, up=False),
            value=lambda v, k: agents_probing(v, k, up=False),
        ),
        ("Dịch vụ đang ngừng", "B"): rows(
            SERVICE_KEY, lambda v: by_service(v, up=False),
            value=lambda v, k: agents_probing(v, k),
        ),
        # every service the lab takes down has never been up
        ("Dịch vụ đang ngừng", "C"): rows(
            SERVICE_KEY, lambda v: by_service(v, up=False), value=lambda v, k: -1.0
        ),
        ("Chứng thư số hết hạn / sắp hết hạn", "A"): rows(
            ("office", "service", "target"),
            lambda v: {k for k, d in certificates(v).items() if d < 14},
            value=lambda v, k: certificates(v)[k], tolerance=0.01,
        ),
        ("Kiểm tra an ninh không đạt (nghiêm trọng, cao)", "A"): rows(
            ("office", "check", "severity"), lambda v: set(hosts_failing(v)),
            value=lambda v, k: hosts_failing(v)[k],
        ),
        ("Máy có điểm an ninh thấp nhất", "A"): rows(HOST_ROW, posture_hosts, ok=RATIO),
        ("Kiểm tra an ninh chưa chạy / quá cũ", "A"): rows(
            HOST_ROW, never_ran, value=lambda v, k: -1.0
        ),
        ("Thiết bị lạ và xung đột IP", "A"): lan_table,
        ("Ổ đĩa sắp đầy", "A"): disk_rows(between(0, 0.1)),
        ("Đồng hồ lệch", "A"): rows(
            HOST_ROW, clock_outliers,
            value=lambda v, k: next(a.clock_offset for a in v.alive if a.instance == k[1]),
            tolerance=0.5,
        ),
        ("Bộ thu thập đang lỗi", "A"): rows(("office", "instance", "collector"), posture_stuck),
    }  # fmt: skip


def host() -> dict[tuple[str, str], Check]:
    me = host_value
    memory = psutil.virtual_memory().total
    swap = psutil.swap_memory().total
    users = psutil.users()

    def info(view: View, samples: list[Sample]) -> None:
        assert len(samples) == 1, samples
        labels = samples[0].labels
        assert labels["hostname"] == platform.node() and labels["os_family"] == "linux"
        assert labels.get("model"), "the CPU model is joined in"

    def interfaces(view: View, samples: list[Sample]) -> None:
        want = {(name, mac_of(name), "1500") for name in PAIR}
        assert keys(samples, ("device", "mac", "mtu")) == want
        assert [s.value for s in samples] == [1.0, 1.0]

    def addresses(view: View, samples: list[Sample]) -> None:
        assert {(s.labels["device"], s.labels["address"], s.labels["prefix"]) for s in samples} >= {
            (PAIR[0], PAIR_ADDRESS, "24")
        }

    def filesystems(column: str) -> Check:
        def check(view: View, samples: list[Sample]) -> None:
            mounts = {s.labels["mountpoint"]: s.value for s in samples}
            assert "/" in mounts, mounts
            usage = psutil.disk_usage("/")
            expected = {"A": usage.total, "B": usage.free, "C": usage.percent / 100}[column]
            tolerance = {"A": 0.01 * usage.total, "B": 0.05 * usage.total, "C": 0.05}[column]
            assert abs(mounts["/"] - expected) <= tolerance, (mounts["/"], expected)

        return nothing_when_down(check)

    def service_rows(
        up_values: bool, kind: str | None = None, ok: Callable[[float], bool] = NOW_SECONDS
    ) -> Check:
        def check(view: View, samples: list[Sample]) -> None:
            want = {(s.name, s.kind) for s in view.host.services if kind is None or s.kind == kind}
            assert keys(samples, ("service", "kind")) == want
            for sample in samples:
                if up_values:
                    service = next(
                        s for s in view.host.services if s.name == sample.labels["service"]
                    )
                    assert sample.value == float(service.up), sample
                else:
                    assert ok(sample.value), sample

        return nothing_when_down(check)

    def failures(view: View, samples: list[Sample]) -> None:
        down = {s.name for s in view.host.services if not s.up}
        got = {s.labels["service"] for s in samples}
        assert got == down, (got, down)

    def severity_count(severity: str) -> Check:
        def check(view: View, samples: list[Sample]) -> None:
            if not view.host.posture.ran:
                assert samples == []
                return
            want = sum(c.severity == severity for c in view.host.posture.failing)
            assert [s.value for s in samples] == [want]

        return nothing_when_down(check)

    def not_passing(view: View, samples: list[Sample]) -> None:
        posture = view.host.posture
        want = {(c.check, c.severity, c.category, "fail") for c in posture.failing}
        want |= {(c.check, c.severity, c.category, "waived") for c in posture.waived}
        assert keys(samples, ("check", "severity", "category", "result")) == want

    def posture_value(ok: Callable[[float], bool]) -> Check:
        def check(view: View, samples: list[Sample]) -> None:
            if view.host.posture.ran:
                assert len(samples) == 1 and ok(samples[0].value), samples
            else:
                assert samples == []

        return nothing_when_down(check)

    def policy(view: View, samples: list[Sample]) -> None:
        assert [s.labels["policy"] for s in samples] == (
            [view.host.posture.policy] if view.host.posture.ran else []
        )

    def as_read(names: tuple[str, ...], expected: Callable[[Hardware], Reading]) -> Check:
        """The host's rows keyed by ``names``, exactly as ``expected`` of this machine."""

        def check(view: View, samples: list[Sample]) -> None:
            got = {sample.key(names): sample.value for sample in samples}
            assert len(got) == len(samples) and got == expected(machine()), (samples, machine())

        return nothing_when_down(check)

    def collectors(view: View, samples: list[Sample], column: str) -> None:
        names = {s.labels["collector"] for s in samples}
        assert {"host", "cpu", "memory", "filesystem", "network", "services", "clock"} <= names
        if column == "A":
            assert all(s.value == 1 for s in samples), samples

    return {
        ("Thông tin máy", "A"): nothing_when_down(info),
        ("Trạng thái agent", "A"): lambda v, s: number(lambda _: float(v.host.alive))(v, s),
        ("Thời gian chạy liên tục", "A"): me(lambda x: abs(x - (time.time() - psutil.boot_time())) < 120),
        ("Lõi CPU", "A"): me(lambda x: x == psutil.cpu_count()),
        ("Lõi CPU", "B"): me(lambda x: x == psutil.cpu_count(logical=False)),
        ("Bộ nhớ", "A"): me(lambda x: x == memory),
        ("Người dùng đăng nhập", "A"): me(lambda x: x == len({u.name for u in users})),
        ("Người dùng đăng nhập", "B"): me(lambda x: x == len(users)),
        ("Phiên bản agent", "A"): nothing_when_down(
            holds(lambda v, s: [x.labels["version"] for x in s] == [__version__])
        ),
        # the lab switches the software collector off (a dpkg listing per agent is slow)
        ("Phần mềm đã cài", "A"): holds(lambda v, s: s == []),
        ("Mức dùng CPU", "A"): me(RATIO),
        ("Tải hệ thống (load)", "A"): me(between(0, 1000)),
        ("Tải hệ thống (load)", "B"): me(between(0, 1000)),
        ("Tải hệ thống (load)", "C"): me(between(0, 1000)),
        ("Bộ nhớ đang dùng", "A"): me(between(1, memory)),
        ("Bộ nhớ đang dùng", "B"): me(between(0, swap)),
        ("CPU theo chế độ", "A"): host_rows(("mode",), {("user",), ("system",)}, between(0, 1.05)),
        ("Ổ đĩa", "A"): filesystems("A"),
        ("Ổ đĩa", "B"): filesystems("B"),
        ("Ổ đĩa", "C"): filesystems("C"),
        ("Lưu lượng mạng", "A"): host_rows(("device",), {(name,) for name in PAIR}, between(0, 1e9)),
        ("Lưu lượng mạng", "B"): host_rows(("device",), {(name,) for name in PAIR}, between(0, 1e9)),
        **{("Lỗi và gói tin bị bỏ", ref): host_rows(("device",), {(name,) for name in PAIR}, between(0, 0))
           for ref in "ABCD"},
        ("Giao diện mạng", "A"): nothing_when_down(interfaces),
        ("Địa chỉ IP", "A"): nothing_when_down(addresses),
        ("Trạng thái dịch vụ", "A"): service_rows(up_values=True),
        ("Trạng thái dịch vụ", "B"): service_rows(up_values=False, ok=between(0, 5)),
        ("Trạng thái dịch vụ", "C"): service_rows(up_values=False, kind="http", ok=lambda x: x == 200),
        ("Thời gian phản hồi", "A"): service_rows(up_values=False, ok=between(0, 5)),
        ("Lỗi đo kiểm theo nguyên nhân", "A"): nothing_when_down(failures),
        ("Điểm an ninh", "A"): posture_value(RATIO),
        ("Lần chạy cuối", "A"): posture_value(NOW_SECONDS),
        ("Không đạt theo mức độ", "A"): severity_count("critical"),
        ("Không đạt theo mức độ", "B"): severity_count("high"),
        ("Không đạt theo mức độ", "C"): severity_count("medium"),
        ("Miễn trừ đã hết hạn", "A"): posture_value(lambda x: x == 0),
        ("Chính sách", "A"): nothing_when_down(policy),
        ("Kiểm tra chưa đạt", "A"): nothing_when_down(not_passing),
        ("Độ lệch đồng hồ", "A"): nothing_when_down(
            holds(lambda v, s: len(s) == 1 and abs(s[0].value - v.host.clock_offset) < 0.5)
        ),
        **{("Bộ thu thập", ref): nothing_when_down(lambda v, s, ref=ref: collectors(v, s, ref))
           for ref in "ABC"},
        ("Định danh phần cứng", "A"): as_read(
            ("manufacturer", "model", "chassis", "firmware_vendor", "firmware_version"), identity
        ),
        ("Secure Boot và TPM", "A"): as_read((), secure_boot),
        ("Secure Boot và TPM", "B"): as_read(("version",), tpm),
        ("Kích hoạt bản quyền", "A"): as_read(("channel",), windows_activation),
        ("Kích hoạt bản quyền", "B"): as_read(("product",), office_activation),
        ("Bộ phận", "A"): as_read((), parts("memory", lambda h: h.memory_modules)),
        ("Bộ phận", "B"): as_read((), parts("disk", lambda h: h.disks)),
        ("Bộ phận", "C"): as_read((), parts("monitor", lambda h: h.monitors)),
        ("Bộ phận", "D"): as_read((), parts("printer", lambda h: h.printers)),
        ("RAM lắp đặt", "A"): as_read((), ram_installed),
        ("Thu thập và thay đổi", "A"): me(NOW_SECONDS),
        # each agent's first reading is its baseline: nothing has changed yet
        ("Thu thập và thay đổi", "B"): holds(lambda v, s: s == []),
        ("Thay đổi phần cứng gần đây", "A"): holds(lambda v, s: s == []),
    }  # fmt: skip


def services_board() -> dict[tuple[str, str], Check]:
    def certs(view: View) -> set[tuple[str, ...]]:
        return set(certificate_seen(view))

    return {
        ("Dịch vụ theo máy kiểm tra", "A"): rows(
            SERVICE_ROW, services,
            value=lambda v, k: float(any(
                s.up for a in v.alive for s in a.services if (a.instance, s.name) == (k[1], k[2])
            )),
        ),
        ("Dịch vụ theo máy kiểm tra", "B"): rows(SERVICE_ROW, services, ok=between(0, 5)),
        ("Dịch vụ theo máy kiểm tra", "C"): rows(
            SERVICE_ROW, lambda v: {k for k in services(v) if k[3] == "http"}, ok=lambda x: x == 200
        ),
        ("Dịch vụ theo máy kiểm tra", "D"): rows(
            SERVICE_ROW, lambda v: services(v, up=True), ok=NOW_SECONDS
        ),
        ("Tỉ lệ sẵn sàng", "A"): rows(
            ("office", "service", "target"), by_service,
            value=lambda v, k: float(k in by_service(v, up=True)),
            allowed=lambda v: by_service(v, alive=False),
        ),
        ("Độ trễ theo giai đoạn", "A"): holds(
            lambda v, s: bool(s) == bool(v.alive)
            and keys(s, ("office", "service", "target")) <= by_service(v, alive=False)
            and all(0 <= x.value <= 5 for x in s)
        ),
        ("Thời gian phản hồi theo máy kiểm tra", "A"): rows(
            SERVICE_ROW, lambda v: services(v, up=True),
            allowed=lambda v: services(v, alive=False), ok=between(0, 5),
        ),
        ("Mã trạng thái HTTP", "A"): rows(
            SERVICE_ROW, lambda v: {k for k in services(v) if k[3] == "http"},
            ok=lambda x: x == 200,
        ),
        ("Chứng thư số", "A"): rows(
            ("office", "service", "target", "instance"), certs,
            value=lambda v, k: certificate_seen(v)[k], tolerance=0.01,
        ),
        ("Lỗi đo kiểm theo nguyên nhân", "A"): rows(
            ("office", "service", "target"), lambda v: by_service(v, up=False),
            allowed=lambda v: by_service(v, up=False, alive=False), ok=between(0, 1000),
        ),
    }  # fmt: skip


def posture_board() -> dict[tuple[str, str], Check]:
    severities = ("critical", "high", "medium", "low")

    def by_category(view: View, samples: list[Sample]) -> None:
        want: dict[str, int] = {}
        for *_, category in failing(view):
            want[category] = want.get(category, 0) + 1
        assert {s.labels["category"]: s.value for s in samples} == want

    def over_time(view: View, samples: list[Sample]) -> None:
        got = {s.labels["severity"]: s.value for s in samples}
        for severity in severities:
            assert got.get(severity, 0) == len(failing(view, severity)), (severity, got)

    def ages(view: View, samples: list[Sample]) -> None:
        never = hosts(view, (a for a in view.alive if not a.posture.ran))
        rows(HOST_ROW, lambda v: hosts(v, v.alive))(view, samples)
        for sample in samples:
            if sample.key(HOST_ROW) in never:
                assert sample.value == -1, sample
            else:
                assert NOW_SECONDS(sample.value), sample

    failing_rows = ("office", "instance", "check", "severity", "category")
    return {
        ("Điểm an ninh theo máy", "A"): rows(HOST_ROW, posture_hosts, ok=RATIO),
        **{("Kiểm tra không đạt theo mức độ", ref): count_of(lambda v, s=s: failing(v, s))
           for ref, s in zip("ABCD", severities, strict=True)},
        ("Không đạt theo nhóm", "A"): by_category,
        ("Máy chưa chạy / kết quả cũ", "A"): ages,
        ("Kiểm tra không đạt", "A"): rows(failing_rows, failing),
        ("Miễn trừ", "A"): rows(("office", "instance", "check", "severity"), waived),
        ("Miễn trừ đã hết hạn", "A"): number(lambda v: 0),
        # the lab is younger than the time range: everything failing is new
        ("Mới không đạt trong khoảng thời gian", "A"): rows(failing_rows, failing),
        ("Điểm an ninh theo thời gian", "A"): rows(HOST_ROW, posture_hosts, ok=RATIO),
        ("Số kiểm tra không đạt theo thời gian", "A"): over_time,
    }  # fmt: skip


def lan_board() -> dict[tuple[str, str], Check]:
    def state(known: bool) -> Check:
        return number(lambda v: len({(o, d.mac) for o, d in devices(v) if d.known is known}))

    def device_list(view: View, samples: list[Sample]) -> None:
        want = {(o, d.ip, d.mac, str(d.known).lower(), d.name) for o, d in devices(view)}
        assert keys(samples, ("office", "ip", "mac", "known", "name")) == want
        now_ms = time.time() * 1000
        assert all(now_ms - 900_000 <= s.value <= now_ms + 5000 for s in samples), samples

    def sweeps(view: View, samples: list[Sample]) -> None:
        assert keys(samples, HOST_ROW) == hosts(view, (a for a in view.alive if a.lan_devices))
        assert all(NOW_SECONDS(s.value) for s in samples)

    def new_stations(view: View, samples: list[Sample]) -> None:
        # Prometheus's increase() ignores a counter's first value, VictoriaMetrics' counts it
        assert len(samples) == 1
        assert samples[0].value in (0, len({(o, d.mac) for o, d in devices(view)})), samples

    return {
        ("Thiết bị", "A"): state(True),
        ("Thiết bị", "B"): state(False),
        ("Thiết bị", "C"): number(lambda v: 0),
        ("Số IP xung đột", "A"): count_of(lambda v: {(o, ip) for o, ip, _ in conflicts(v)}),
        ("Lần quét cuối", "A"): sweeps,
        ("Sự kiện trong khoảng thời gian", "A"): new_stations,
        ("Sự kiện trong khoảng thời gian", "B"): number(lambda v: 0),
        ("Sự kiện trong khoảng thời gian", "C"): holds(lambda v, s: len(s) == 1 and 0 <= s[0].value <= len(conflicts(v))),
        ("Thiết bị lạ", "A"): rows(DEVICE_ROW, unknown_devices, ok=lambda x: x > 1e12),
        ("Xung đột IP", "A"): rows(DEVICE_ROW, conflicts),
        ("Sự kiện theo loại", "A"): holds(lambda v, s: keys(s, ("kind",)) <= EVENT_KINDS and all(x.value >= 0 for x in s)),
        ("Danh sách thiết bị", "A"): device_list,
    }  # fmt: skip


def province() -> dict[tuple[str, str], Check]:
    def trend(count: Callable[[View], dict[str, int]]) -> Check:
        def check(view: View, samples: list[Sample]) -> None:
            want = {office: n for office, n in count(view).items() if n}
            assert {s.labels["office"]: s.value for s in samples} == want

        return check

    def down_by_office(view: View) -> dict[str, int]:
        counts = {office: 0 for office in offices(view)}
        for agent in view.agents:
            counts[agent.office] += not agent.alive
        return counts

    def services_down_by_office(view: View, alive: bool) -> dict[str, int]:
        counts = {office: 0 for office in offices(view)}
        for office, _, _ in by_service(view, up=False, alive=alive):
            counts[office] += 1
        return counts

    def services_by_office(view: View, samples: list[Sample]) -> None:
        """Services seen down by the live agents; a dead agent's last probes may still
        count until their series go stale (as in "Tỉ lệ sẵn sàng")."""
        seen = {s.labels["office"]: s.value for s in samples}
        least = services_down_by_office(view, alive=True)
        most = services_down_by_office(view, alive=False)
        assert {o for o, n in least.items() if n} <= set(seen), seen
        assert all(least[o] <= n <= most[o] for o, n in seen.items()), (seen, least, most)

    return {
        ("Toàn tỉnh", "A"): number(lambda v: len(offices(v))),
        ("Toàn tỉnh", "B"): number(lambda v: len(v.alive)),
        ("Toàn tỉnh", "C"): number(lambda v: len(v.agents) - len(v.alive)),
        ("Các cơ quan", "A"): per_office(lambda a: int(a.alive)),
        ("Các cơ quan", "B"): per_office(lambda a: int(not a.alive)),
        ("Các cơ quan", "C"): services_by_office,
        ("Các cơ quan", "D"): per_office(
            lambda a: sum(c.severity == "critical" for c in a.posture.failing) if a.alive else 0
        ),
        ("Các cơ quan", "E"): per_office(
            lambda a: sum(not d.known for d in a.lan_devices) if a.alive else 0
        ),
        ("Máy mất kết nối theo cơ quan", "A"): trend(down_by_office),
        ("Dịch vụ ngừng theo cơ quan", "A"): services_by_office,
    }  # fmt: skip


EXPECTED: dict[str, dict[tuple[str, str], Check]] = {
    "netwatch-wall": wall(),
    "netwatch-host": host(),
    "netwatch-services": services_board(),
    "netwatch-posture": posture_board(),
    "netwatch-lan": lan_board(),
    "netwatch-province": province(),
}
CENTRAL_ONLY = {"netwatch-province"}


# --- Running the queries ----------------------------------------------------------------


def get(base: str, path: str, params: dict[str, str]) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    status, _, body = http_get(url, timeout=30)
    answer = json.loads(body)
    assert status == 200 and answer["status"] == "success", (url, answer)
    return answer["data"]


def label_values_of(base: str) -> Callable[[str, str], list[str]]:
    def label_values(selector: str, label: str) -> list[str]:
        now = time.time()
        data = get(base, f"/api/v1/label/{label}/values",
                   {"match[]": selector, "start": str(now - 3600), "end": str(now)})  # fmt: skip
        return [str(value) for value in data]

    return label_values


def run(base: str, query: PanelQuery) -> list[Sample]:
    """What the panel shows now: an instant query, or the last point of a range query."""
    now = time.time()
    if query.instant:
        data = get(base, "/api/v1/query", {"query": query.expr, "time": str(now)})
        return [Sample(r["metric"], float(r["value"][1])) for r in data["result"]]
    data = get(base, "/api/v1/query_range", {
        "query": query.expr, "start": str(now - RANGE_SECONDS), "end": str(now),
        "step": str(STEP_SECONDS)})  # fmt: skip
    return [
        Sample(r["metric"], float(r["values"][-1][1]))
        for r in data["result"]
        if float(r["values"][-1][0]) >= now - 2 * STEP_SECONDS
    ]


def mac_of(interface: str) -> str:
    """An interface's MAC as ``ip`` reports it in this network namespace (/sys shows another)."""
    shown = subprocess.run(["ip", "-json", "link", "show", interface], capture_output=True,
                           text=True, timeout=10, check=True)  # fmt: skip
    return str(json.loads(shown.stdout)[0]["address"])


def load(name: str) -> dict[str, Any]:
    return json.loads((DASHBOARDS / name).read_text(encoding="utf-8"))


def views(facts: LabFacts) -> list[View]:
    first = facts.offices[0]
    everyone = facts.agents()
    sweeper = next(a for a in first.agents if a.alive and a.lan_devices)
    return [
        View(f"prometheus of {first.name}", first.prometheus_url, False, first.agents, sweeper),
        *(
            View(f"prometheus of {office.name}", office.prometheus_url, False, office.agents,
                 office.agents[0])
            for office in facts.offices[1:]
        ),
        View("victoria-metrics, all offices", facts.victoria_metrics_url, True, everyone, sweeper),
        View(f"victoria-metrics, {first.name}", facts.victoria_metrics_url, True, first.agents,
             next(a for a in first.agents if a.disk), chosen_office=first.name),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def lab_views(veth_pair: None, office_lab: OfficeLab) -> list[View]:
    """The views, once range queries see the lab too (VictoriaMetrics answers instant
    queries about a just-written series some seconds before range queries)."""
    everyone = office_lab.facts.agents()
    down = PanelQuery("", "", "", 'count(up{job="netwatch"} == 0)', instant=False)

    def ranges_see_the_lab() -> bool:
        samples = run(office_lab.facts.victoria_metrics_url, down)
        return [s.value for s in samples] == [sum(not a.alive for a in everyone)]

    assert wait_until(ranges_see_the_lab, 60, 1.0), "range queries never saw the lab"
    return views(office_lab.facts)


@pytest.fixture(scope="module")
def veth_pair() -> Iterator[None]:
    """Two linked interfaces in the test's network namespace, one with a 198.18.0.0/24 address.

    Nothing leaves the namespace: both ends are here. The agents report them.
    """
    commands = [
        ["ip", "link", "add", PAIR[0], "type", "veth", "peer", "name", PAIR[1]],
        ["ip", "address", "add", f"{PAIR_ADDRESS}/24", "dev", PAIR[0]],
        ["ip", "link", "set", PAIR[0], "up"],
        ["ip", "link", "set", PAIR[1], "up"],
    ]
    for argv in commands:
        subprocess.run(argv, check=True, timeout=10, capture_output=True)
    yield
    subprocess.run(["ip", "link", "del", PAIR[0]], timeout=10, capture_output=True)


def test_every_panel_query_has_an_expectation() -> None:
    for name in BUILDERS:
        dashboard = load(name)
        targets = {(q.panel, q.ref_id) for q in queries(dashboard, {})}
        expected = set(EXPECTED[dashboard["uid"]])
        assert targets == expected, (
            f"{name}: no expectation for {targets - expected}; stale {expected - targets}"
        )


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_panel_answers_what_the_lab_set_up(name: str, lab_views: list[View]) -> None:
    dashboard = load(name)
    failures = []
    checked = 0
    for view in lab_views:
        if dashboard["uid"] in CENTRAL_ONLY and not view.central:
            continue
        chosen: dict[str, str | list[str]] = {}
        if dashboard["uid"] == "netwatch-host":
            chosen["instance"] = view.host.instance
        if view.chosen_office:
            chosen["office"] = [view.chosen_office]
        values = resolve(dashboard, label_values_of(view.url), chosen)
        for query in queries(dashboard, values):
            try:
                EXPECTED[dashboard["uid"]][query.panel, query.ref_id](view, run(view.url, query))
                checked += 1
            except AssertionError as error:
                failures.append(
                    f"[{view.name}] {query.panel} {query.ref_id}: {error}\n    {query.expr}"
                )
    assert not failures, f"{len(failures)} wrong answers:\n" + "\n".join(failures)
    assert checked


def test_variables_list_every_office_even_when_all_its_agents_are_down(
    office_lab: OfficeLab,
) -> None:
    facts = office_lab.facts
    values = resolve(load("netwatch-wall.json"), label_values_of(facts.victoria_metrics_url), {})
    assert values["office"] == ".*"
    label_values = label_values_of(facts.victoria_metrics_url)
    assert sorted(
        label_values('up{job=~"netwatch|netwatch-lan|netwatch-files"}', "office")
    ) == sorted(office.name for office in facts.offices)
    assert values["job"] == "netwatch"
