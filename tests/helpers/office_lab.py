"""A province in miniature on loopback: three offices, their Prometheus servers, one VictoriaMetrics.

Each office runs its own real Prometheus (external label ``office``, the shipped rule
files, 1 s scrapes) over real ``netwatch serve`` agents, and every office Prometheus
remote-writes into one real VictoriaMetrics. The agents probe loopback servers started
here (a portal, a closed port, TLS certificates expiring and expired, a DNS server),
run posture checks under policies written here, sweep a recorded LAN, read their clock
from loopback SNTP responders, and one sees a nearly full disk in a mount namespace of
its own. Two agents are killed once scraped, one of them the only agent of its office.

What was set up is plain data (:class:`LabFacts`), for query checks to compare with::

    office_lab = lab_fixture(scope="module")   # at module level of a test file

    def test_something(office_lab: OfficeLab) -> None:
        facts = office_lab.facts
        query(facts.victoria_metrics_url, "up")

Shipped rule files are used with one change: each group's ``interval`` becomes the lab's
1 s, so recording rules have results seconds after start instead of up to 30 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from netwatch.core.selfcommand import netwatch_argv
from tests.conftest import ServeProcess, free_port, http_get, wait_until
from tests.helpers.certs import TestCA
from tests.helpers.processes import start_process, stop_process
from tests.integration.test_prometheus import query
from tests.probes.dns_servers import DnsServer
from tests.probes.http_servers import running_server
from tests.probes.ntp_servers import NtpResponder
from tests.probes.tcp_servers import ServerThread, banner, server_context

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "configs" / "prometheus" / "rules"
RULE_FILES = ("netwatch-recording.yml", "netwatch-alerts.yml")
JOB = "netwatch"
SUBNET = "198.18.0.0/24"
DAY = 86400.0
CLOCK_OUTLIER_SHIFT = 4.0  # the outlier's time source runs this far ahead
DISK_SIZE_KIB = 8192
DISK_FILL_KIB = 7680  # 93.75 % used
START_TIMEOUT = 30.0
READY_TIMEOUT = 90.0


# --- The facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A service an agent probes: ``kind`` is the prober, ``up`` what the probe must say."""

    name: str
    kind: str
    target: str
    up: bool


@dataclass(frozen=True)
class Certificate:
    """A certificate an agent's tls prober sees: ``not_after`` is Unix time."""

    service: str
    target: str
    not_after: float
    expired: bool

    @property
    def days_left(self) -> float:
        """Days until expiry from now (negative once expired)."""
        return (self.not_after - time.time()) / DAY


@dataclass(frozen=True)
class PostureCheck:
    """One check of a host's policy, with the severity the policy gives it."""

    check: str
    severity: str
    category: str


@dataclass(frozen=True)
class Posture:
    """What the posture collector of an agent reports.

    ``enabled`` False: the collector is off (no posture series at all). ``enabled`` and not
    ``ran``: the collector is on but its runs never finish (they time out), so there is
    ``netwatch_collector_success{collector="posture"} 0`` and no result.
    """

    enabled: bool
    ran: bool
    policy: str | None = None
    failing: tuple[PostureCheck, ...] = ()
    waived: tuple[PostureCheck, ...] = ()
    passing: tuple[PostureCheck, ...] = ()


@dataclass(frozen=True)
class LanDevice:
    """A device of an office's recorded sweep; ``conflict``: its IP answers with two MACs."""

    ip: str
    mac: str
    known: bool
    name: str
    conflict: bool


@dataclass(frozen=True)
class Disk:
    """A nearly full filesystem: one device mounted at two mountpoints."""

    device: str
    fstype: str
    mountpoints: tuple[str, ...]
    used_ratio: float


@dataclass(frozen=True)
class Agent:
    """One ``netwatch serve`` of the lab, as Prometheus labels it."""

    office: str
    job: str
    instance: str
    address: str
    alive: bool
    services: tuple[Service, ...]
    certificates: tuple[Certificate, ...]
    posture: Posture
    lan_devices: tuple[LanDevice, ...]
    clock_offset: float  # what netwatch_clock_offset_seconds must say (local minus source)
    disk: Disk | None


@dataclass(frozen=True)
class Office:
    """An office: its Prometheus (external label ``office: name``) and its agents."""

    name: str
    prometheus_url: str
    agents: tuple[Agent, ...]


@dataclass(frozen=True)
class LabFacts:
    """Everything the lab set up, for queries to be checked against."""

    victoria_metrics_url: str
    offices: tuple[Office, ...]

    def office(self, name: str) -> Office:
        return next(office for office in self.offices if office.name == name)

    def agents(self) -> tuple[Agent, ...]:
        return tuple(agent for office in self.offices for agent in office.agents)

    def agent(self, instance: str) -> Agent:
        return next(agent for agent in self.agents() if agent.instance == instance)


# --- The plan: who runs what ----------------------------------------------------------

KNOWN_DEVICES = {  # office -> MAC -> name in its known-devices file
    "xa-an-binh": {
        "02:00:c6:12:00:0a": "Máy in phòng Văn thư",
        "02:00:c6:12:00:0b": "Camera cổng chính",
        "02:00:c6:12:00:0d": "Máy chủ tệp",
    },
    "xa-binh-minh": {"02:00:c6:13:00:0a": "Máy in phòng Tài chính"},
}
SWEEPS = {  # office -> (ip, mac) answered in its recorded sweep; both use 198.18.0.0/24
    "xa-an-binh": (
        ("198.18.0.10", "02:00:c6:12:00:0a"),
        ("198.18.0.11", "02:00:c6:12:00:0b"),
        ("198.18.0.50", "02:00:c6:12:00:0c"),
        ("198.18.0.77", "02:00:c6:12:00:0d"),
        ("198.18.0.77", "02:00:c6:12:00:0e"),  # the IP conflict
    ),
    "xa-binh-minh": (
        ("198.18.0.10", "02:00:c6:13:00:0a"),
        ("198.18.0.60", "02:00:c6:13:00:0c"),
        ("198.18.0.61", "02:00:c6:13:00:0d"),
    ),
}


@dataclass(frozen=True)
class AgentPlan:
    """How one agent is set up; services are named by the keys of the lab's endpoints."""

    office: str
    instance: str
    alive: bool
    services: tuple[str, ...]
    posture: str | None  # a key of POLICIES, NEVER_FINISHES, or None for posture disabled
    lan: bool = False
    clock_shift: float = 0.0
    disk: bool = False


PORTAL_AND_DOWN = ("portal", "cong-thong-tin")
NEVER_FINISHES = "never-finishes"  # posture on, every run timing out
PLAN = (
    AgentPlan("xa-an-binh", "pc-ketoan-01", alive=True, posture="ketoan", lan=True,
              services=(*PORTAL_AND_DOWN, "mail-cert", "dns-noi-bo")),
    AgentPlan("xa-an-binh", "pc-vanthu-02", alive=True, posture="vanthu", disk=True,
              clock_shift=CLOCK_OUTLIER_SHIFT, services=(*PORTAL_AND_DOWN, "old-portal-cert")),
    AgentPlan("xa-an-binh", "pc-motcua-03", alive=False, posture=None, services=PORTAL_AND_DOWN),
    AgentPlan("xa-binh-minh", "pc-taichinh-01", alive=True, posture="taichinh", lan=True,
              services=(*PORTAL_AND_DOWN, "mail-cert")),
    AgentPlan("xa-binh-minh", "pc-tiepdan-02", alive=True, posture=None, services=("portal",)),
    AgentPlan("xa-binh-minh", "pc-vanphong-03", alive=True, posture=NEVER_FINISHES,
              services=("portal",)),
    AgentPlan("xa-tan-phu", "pc-xa-01", alive=False, posture=None, services=PORTAL_AND_DOWN),
)  # fmt: skip
OFFICES = tuple(dict.fromkeys(plan.office for plan in PLAN))

# Posture: three checks whose outcome the lab decides through the files it points them
# at. Per host: (backup location exists?, newest backup age in days or None for none,
# a world-writable file?, severity overrides, waived checks).
LOCATIONS, RECENT, WRITABLE = (
    "common.backup.locations_exist",
    "common.backup.recent",
    "linux.files.world_writable",
)
CATEGORIES = {LOCATIONS: "backup", RECENT: "backup", WRITABLE: "host"}
DEFAULT_SEVERITY = {LOCATIONS: "high", RECENT: "high", WRITABLE: "high"}


@dataclass(frozen=True)
class PolicyPlan:
    """What a host's files make of the three checks, and its policy's overrides and waivers."""

    backup_exists: bool
    backup_age_days: float | None
    world_writable: bool
    severities: tuple[tuple[str, str], ...] = ()
    waived: tuple[str, ...] = ()

    def outcome(self, check: str) -> str:
        failed = {
            LOCATIONS: not self.backup_exists,
            RECENT: not self.backup_exists
            or self.backup_age_days is None
            or self.backup_age_days > 7,
            WRITABLE: self.world_writable,
        }[check]
        if failed and check in self.waived:
            return "waived"
        return "fail" if failed else "pass"


POLICIES = {
    # critical (severity raised) and high failures
    "ketoan": PolicyPlan(False, None, False, severities=((LOCATIONS, "critical"),)),
    # a stale backup (high) and a waived world-writable file
    "vanthu": PolicyPlan(True, 30.0, True, waived=(WRITABLE,)),
    # only a world-writable file, lowered to medium
    "taichinh": PolicyPlan(True, 0.0, True, severities=((WRITABLE, "medium"),)),
}


# --- Processes ------------------------------------------------------------------------


def binary(name: str, package: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} missing: tests/run.sh installs Debian's {package} package"
    return found


def closed_port(stack: contextlib.ExitStack) -> int:
    """A loopback port bound but never listening (connections are refused) for the lab's life."""
    sock = stack.enter_context(socket.socket())
    sock.bind(("127.0.0.1", 0))
    return int(sock.getsockname()[1])


def lab_rule_files(folder: Path) -> list[Path]:
    """The shipped rule files with every group's interval set to the lab's 1 s."""
    paths = []
    for name in RULE_FILES:
        rules = yaml.safe_load((RULES / name).read_text(encoding="utf-8"))
        for group in rules["groups"]:
            group["interval"] = "1s"
        path = folder / name
        path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), "utf-8")
        paths.append(path)
    return paths


def prometheus_config(
    office: str, agents: list[tuple[str, int]], rules: list[Path], remote_write_url: str
) -> dict[str, Any]:
    """An office Prometheus: 1 s scrapes of its agents under their human instance names."""
    return {
        "global": {
            "scrape_interval": "1s",
            "scrape_timeout": "1s",
            "evaluation_interval": "1s",
            "external_labels": {"office": office},
        },
        "rule_files": [str(path) for path in rules],
        "scrape_configs": [
            {
                "job_name": JOB,
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"instance": instance}}
                    for instance, port in agents
                ],
            }
        ],
        "remote_write": [{"url": remote_write_url, "queue_config": {"batch_send_deadline": "1s"}}],
    }


def start_prometheus(folder: Path, config: dict[str, Any]) -> tuple[subprocess.Popen[bytes], str]:
    """A real Prometheus on a free loopback port; returns it and its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    port = free_port()
    process = start_process(
        [
            binary("prometheus", "prometheus"),
            f"--config.file={path}",
            f"--storage.tsdb.path={folder / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        folder / "prometheus.log",
    )
    return process, f"http://127.0.0.1:{port}"


def victoria_metrics_argv(folder: Path, port: int, *extra: str) -> list[str]:
    """VictoriaMetrics single-node on loopback; freshly written samples are queryable at once."""
    return [
        binary("victoria-metrics", "victoria-metrics"),
        f"-httpListenAddr=127.0.0.1:{port}",
        f"-storageDataPath={folder / 'data'}",
        "-retentionPeriod=1d",
        "-search.latencyOffset=0s",  # default 30s hides the newest samples
        "-search.disableCache",
        *extra,
    ]


def answers(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        return http_get(url, headers, timeout=2)[0] == 200
    except OSError:
        return False


# --- The lab --------------------------------------------------------------------------


@dataclass
class OfficeLab:
    """The running lab: its facts, its processes, and a wait until it is all visible."""

    facts: LabFacts
    folder: Path
    agents: dict[str, ServeProcess] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    @contextlib.contextmanager
    def start(cls, folder: Path) -> Iterator[OfficeLab]:
        """Start everything (loopback only) and stop it all at exit; call :meth:`ready`."""
        with contextlib.ExitStack() as stack:
            yield _build(stack, folder)

    def log(self, name: str) -> str:
        """The output of a process of the lab: an instance, an office or victoria-metrics."""
        if name in self.agents:
            return self.agents[name].log()
        path = self.folder / name / ("prometheus.log" if name in OFFICES else "vm.log")
        return path.read_text(errors="replace")

    def missing(self) -> list[str]:
        """What the lab set up but a server does not show yet (empty: all visible)."""
        facts = self.facts
        gaps = []
        for office in facts.offices:
            for server, base, selector in (
                (office.name, office.prometheus_url, ""),
                ("victoria-metrics", facts.victoria_metrics_url, f'office="{office.name}",'),
            ):
                for agent in office.agents:
                    for what, promql in expectations(agent, selector):
                        if not query(base, promql):
                            gaps.append(f"{server}: {agent.instance}: {what} ({promql})")
        return gaps

    def ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until every office Prometheus and VictoriaMetrics show all the lab set up."""
        gaps: list[str] = []

        def none_missing() -> bool:
            gaps[:] = self.missing()
            return not gaps

        if not wait_until(none_missing, timeout, 1.0):
            raise AssertionError(
                f"office lab not ready after {timeout:.0f}s; missing:\n  " + "\n  ".join(gaps)
            )


def expectations(agent: Agent, selector: str) -> list[tuple[str, str]]:
    """(what, PromQL) pairs that each return a sample once ``agent`` is fully visible."""
    labels = f'{selector}job="{agent.job}",instance="{agent.instance}"'
    if not agent.alive:
        return [("seen down", f"up{{{labels}}} == 0")]
    checks = [
        ("up", f"up{{{labels}}} == 1"),
        (
            f"{len(agent.services)} services probed",
            f"count(netwatch_probe_success{{{labels}}}) == {len(agent.services)}",
        ),
        ("clock measured", f"netwatch_clock_offset_seconds{{{labels}}}"),
        ("hardware read", f"netwatch_hardware_collection_timestamp_seconds{{{labels}}}"),
        (
            f"{len(agent.services)} services recorded in the last minute",
            f"count(count_over_time(netwatch:probe_success:target{{{labels}}}[1m]))"
            f" == {len(agent.services)}",
        ),
    ]
    if agent.posture.ran:
        checks.append(("posture ran", f"netwatch_posture_last_run_timestamp_seconds{{{labels}}}"))
    if agent.posture.enabled and not agent.posture.ran:
        failed = f'netwatch_collector_success{{{labels},collector="posture"}} == 0'
        checks.append(("posture run timed out", failed))
    if agent.lan_devices:
        checks.append(("LAN swept", f"netwatch_lan_last_sweep_timestamp_seconds{{{labels}}}"))
    if agent.disk:
        mount = agent.disk.mountpoints[0]
        checks.append(
            ("disk seen", f'netwatch_filesystem_avail_bytes{{{labels},mountpoint="{mount}"}}')
        )
    if agent.certificates:
        checks.append(
            (
                "recorded certificate expiry",
                f'netwatch:tls_cert_expiry:seconds{{{selector}service="{agent.certificates[0].service}"}}',
            )
        )
    return checks


@dataclass
class _Endpoints:
    """The loopback servers the agents probe, by service name per office."""

    services: dict[tuple[str, str], Service]
    certificates: dict[tuple[str, str], Certificate]


def _endpoints(stack: contextlib.ExitStack, folder: Path) -> tuple[_Endpoints, dict[str, Any]]:
    """Start the servers; returns what each service name means per office, and TLS params."""
    ca = TestCA(folder)
    servers = stack.enter_context(ServerThread())
    dns = stack.enter_context(DnsServer())
    services: dict[tuple[str, str], Service] = {}
    certificates: dict[tuple[str, str], Certificate] = {}
    for office in OFFICES:
        url = stack.enter_context(running_server())
        services[office, "portal"] = Service("portal", "http", f"{url}/ok", True)
        target = f"127.0.0.1:{closed_port(stack)}"
        services[office, "cong-thong-tin"] = Service("cong-thong-tin", "tcp", target, False)
    for office, name, days in (
        ("xa-an-binh", "mail-cert", 5.0),
        ("xa-an-binh", "old-portal-cert", -3.0),
        ("xa-binh-minh", "mail-cert", 5.0),
    ):
        cert = ca.issue(f"{office}-{name}", days_valid=days)
        port = servers.serve(banner(b"hello\r\n"), server_context(cert))
        target = f"127.0.0.1:{port}"
        services[office, name] = Service(name, "tls", target, days > 0)
        certificates[office, name] = Certificate(name, target, cert.not_after.timestamp(), days < 0)
    services["xa-an-binh", "dns-noi-bo"] = Service("dns-noi-bo", "dns", dns.target, True)
    return _Endpoints(services, certificates), {"tls": {"ca_file": str(ca.cert_path)}}


def _service_config(service: Service, tls: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": service.name, "prober": service.kind, "target": service.target}
    if service.kind == "tls":
        entry["tls"] = tls
    if service.kind == "dns":
        entry["dns"] = {"query_name": "portal.ubnd.local", "query_type": "A"}
    return entry


def _posture(folder: Path, key: str | None) -> tuple[Posture, Path | None]:
    """Write the policy (and the files it points at) of a host; returns its expected result."""
    if key is None:
        return Posture(enabled=False, ran=False), None
    if key == NEVER_FINISHES:
        return Posture(enabled=True, ran=False), None
    plan = POLICIES[key]
    base = folder / f"posture-{key}"
    backup, system = base / "backup", base / "system"
    system.mkdir(parents=True)
    (system / "hosts.conf").write_text("127.0.0.1 localhost\n")
    if plan.backup_exists:
        backup.mkdir()
        if plan.backup_age_days is not None:
            archive = backup / "ketoan-2025.tar"
            archive.write_bytes(b"backup\n")
            stamp = time.time() - plan.backup_age_days * DAY
            os.utime(archive, (stamp, stamp))
    if plan.world_writable:
        shared = system / "shared.conf"
        shared.write_text("writable by all\n")
        shared.chmod(0o666)
    severities = {**DEFAULT_SEVERITY, **dict(plan.severities)}
    policy: dict[str, Any] = {
        "name": f"lab-{key}",
        "extends": "builtin:baseline",
        "include": [LOCATIONS, RECENT, WRITABLE],
        "checks": {
            LOCATIONS: {"params": {"paths": [str(backup)]}},
            RECENT: {"params": {"paths": [str(backup)], "max_age_days": 7}},
            WRITABLE: {"params": {"paths": [str(system)]}},
        },
        "waivers": [
            {
                "check": check,
                "reason": "Máy dùng chung đã được phê duyệt",
                "approver": "Trưởng phòng CNTT",
                "expires": "2099-12-31",
            }
            for check in plan.waived
        ],
    }
    for check, severity in plan.severities:
        policy["checks"][check]["severity"] = severity
    path = base / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), "utf-8")
    by_outcome: dict[str, list[PostureCheck]] = {"fail": [], "waived": [], "pass": []}
    for check in (LOCATIONS, RECENT, WRITABLE):
        by_outcome[plan.outcome(check)].append(
            PostureCheck(check, severities[check], CATEGORIES[check])
        )
    posture = Posture(
        True, True, f"lab-{key}", *(tuple(by_outcome[k]) for k in ("fail", "waived", "pass"))
    )
    return posture, path


def _lan(folder: Path, office: str) -> tuple[tuple[LanDevice, ...], dict[str, Any], Path]:
    """Known devices, recorded sweep and collector settings of an office's LAN agent."""
    base = folder / f"lan-{office}"
    base.mkdir()
    known = KNOWN_DEVICES[office]
    (base / "devices.yaml").write_text(
        yaml.safe_dump(
            {"devices": [{"mac": mac, "name": name} for mac, name in known.items()]},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    sweep = base / "sweep.json"
    observations = [{"ip": ip, "mac": mac} for ip, mac in SWEEPS[office]]
    sweep.write_text(
        json.dumps({"method": "arp", "subnets": [SUBNET], "observations": observations})
    )
    ips = [ip for ip, _ in SWEEPS[office]]
    devices = tuple(
        LanDevice(ip, mac, mac in known, known.get(mac, ""), ips.count(ip) > 1)
        for ip, mac in SWEEPS[office]
    )
    settings = {
        "enabled": True,
        "interval": "1h",
        "cidrs": [SUBNET],
        "known_devices": str(base / "devices.yaml"),
        "state_file": str(base / "lan-state.json"),
        "agent_port": free_port(),
    }
    return devices, settings, sweep


def _disk(folder: Path) -> tuple[Disk, list[str], dict[str, Any]]:
    """A tmpfs filled past 90 %, mounted twice, in a mount namespace of the agent's own."""
    base = folder / "disk"
    mounts = (base / "data", base / "data-again")
    for mount in mounts:
        mount.mkdir(parents=True)
    device = "lab-data"
    script = (
        'mount -t tmpfs -o "size=$3k" "$1" "$2" && mount --bind "$2" "$4" '
        '&& fallocate -l "$5k" "$2/fill" && shift 5 && exec "$@"'
    )
    prefix = [
        binary("unshare", "util-linux"),
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "sh",
        device,
        str(mounts[0]),
        str(DISK_SIZE_KIB),
        str(mounts[1]),
        str(DISK_FILL_KIB),
    ]
    from netwatch.collectors.filesystem import FilesystemSettings

    fstypes = [t for t in FilesystemSettings().exclude_fstypes if t != "tmpfs"]
    settings = {
        "exclude_fstypes": fstypes,
        # only / and the lab's disk: no other tmpfs of the machine
        "exclude_mountpoints": f"^(?!/$|{base}(/|$))",
    }
    disk = Disk(device, "tmpfs", tuple(str(m) for m in mounts), DISK_FILL_KIB / DISK_SIZE_KIB)
    return disk, prefix, settings


def _build(stack: contextlib.ExitStack, folder: Path) -> OfficeLab:
    endpoints, tls = _endpoints(stack, folder)
    clocks = {
        shift: stack.enter_context(NtpResponder(shift=shift))
        for shift in {plan.clock_shift for plan in PLAN}
    }
    vm_port = free_port()
    vm_dir = folder / "victoria-metrics"
    vm_dir.mkdir()
    vm = start_process(victoria_metrics_argv(vm_dir, vm_port), vm_dir / "vm.log")
    stack.callback(stop_process, vm)
    vm_url = f"http://127.0.0.1:{vm_port}"

    agents: list[Agent] = []
    serves: dict[str, ServeProcess] = {}
    for plan in PLAN:
        agent_dir = folder / plan.instance
        agent_dir.mkdir()
        services = tuple(endpoints.services[plan.office, name] for name in plan.services)
        certificates = tuple(
            endpoints.certificates[plan.office, name]
            for name in plan.services
            if (plan.office, name) in endpoints.certificates
        )
        posture, policy = _posture(agent_dir, plan.posture)
        collectors: dict[str, Any] = {
            "services": {"interval": "2s"},
            "software": {"enabled": False},
            "clock": {"server": clocks[plan.clock_shift].target, "interval": "1h"},
            "posture": {"enabled": posture.enabled, "interval": "1h", "concurrency": 1},
            # each agent remembers its own hardware: no two agents write one memory file
            "hardware": {"memory_file": str(agent_dir / "hardware-memory.json")},
        }
        if plan.posture == NEVER_FINISHES:
            # far too short for the child process to start: every run times out
            collectors["posture"]["timeout"] = "50ms"
        if policy is not None:
            collectors["posture"]["policy"] = str(policy)
        argv = netwatch_argv("serve")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        devices: tuple[LanDevice, ...] = ()
        if plan.lan:
            devices, collectors["lan"], sweep = _lan(agent_dir, plan.office)
            argv = [sys.executable, "-m", "tests.lan.serve_with_sweep", "serve"]
            env["NETWATCH_TEST_SWEEP"] = str(sweep)
        disk = None
        if plan.disk:
            disk, prefix, collectors["filesystem"] = _disk(agent_dir)
            argv = prefix + argv
        config = agent_dir / "netwatch.yaml"
        config.write_text(
            yaml.safe_dump(
                {"services": [_service_config(s, tls) for s in services], "collectors": collectors},
                allow_unicode=True,
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        port = free_port()
        log_path = agent_dir / "serve.log"
        process = start_process(
            [*argv, "-c", str(config), "--listen", f"127.0.0.1:{port}"], log_path, env=env, cwd=ROOT
        )
        serve = ServeProcess(process, port, log_path)
        stack.callback(serve.stop)
        serves[plan.instance] = serve
        agents.append(
            Agent(
                plan.office,
                JOB,
                plan.instance,
                f"127.0.0.1:{port}",
                plan.alive,
                services,
                certificates,
                posture,
                devices,
                -plan.clock_shift,
                disk,
            )
        )

    rules = lab_rule_files(folder)
    offices = []
    prometheus: dict[str, subprocess.Popen[bytes]] = {}
    for name in OFFICES:
        members = [agent for agent in agents if agent.office == name]
        scrape = [(agent.instance, serves[agent.instance].port) for agent in members]
        settings = prometheus_config(name, scrape, rules, f"{vm_url}/api/v1/write")
        process, url = start_prometheus(folder / name, settings)
        stack.callback(stop_process, process)
        prometheus[name] = process
        offices.append(Office(name, url, tuple(members)))
    lab = OfficeLab(
        LabFacts(vm_url, tuple(offices)), folder, serves, {"victoria-metrics": vm, **prometheus}
    )
    _await_start(lab)
    _kill_the_dead(lab)
    return lab


def _await_start(lab: OfficeLab) -> None:
    """Every process answers on its port (a process that exits fails with its log)."""
    checks: dict[str, Callable[[], bool]] = {
        "victoria-metrics": partial(answers, f"{lab.facts.victoria_metrics_url}/health"),
    }
    for office in lab.facts.offices:
        checks[office.name] = partial(answers, f"{office.prometheus_url}/-/ready")
    for instance, serve in lab.agents.items():
        checks[instance] = partial(answers, f"{serve.url}/-/healthy")
    processes = {**lab.processes, **{k: v.process for k, v in lab.agents.items()}}
    pending = dict(checks)

    def all_up() -> bool:
        for name, check in list(pending.items()):
            if processes[name].poll() is not None:
                raise AssertionError(
                    f"{name} exited with {processes[name].returncode}:\n{lab.log(name)}"
                )
            if check():
                del pending[name]
        return not pending

    if not wait_until(all_up, START_TIMEOUT, 0.2):
        raise AssertionError(
            f"never answered: {sorted(pending)}\n" + "\n".join(lab.log(n) for n in pending)
        )


def _kill_the_dead(lab: OfficeLab) -> None:
    """Kill the agents planned dead once their office Prometheus has scraped them."""
    for office in lab.facts.offices:
        for agent in office.agents:
            if agent.alive:
                continue
            promql = f'up{{instance="{agent.instance}"}} == 1'
            scraped = partial(query, office.prometheus_url, promql)
            if not wait_until(scraped, START_TIMEOUT, 0.2):
                raise AssertionError(f"{office.name} never scraped {agent.instance}")
            serve = lab.agents[agent.instance]
            serve.process.kill()
            serve.process.wait(10)


def lab_fixture(scope: str = "module") -> Any:
    """A pytest fixture (``office_lab = lab_fixture()`` in a test module) yielding a ready lab.

    The scope decides how many tests share one lab; a session-scoped lab shared by several
    modules belongs in a conftest.py.
    """

    @pytest.fixture(scope=scope)  # type: ignore[call-overload,untyped-decorator]
    def office_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfficeLab]:
        with OfficeLab.start(tmp_path_factory.mktemp("office-lab")) as lab:
            lab.ready()
            yield lab

    return office_lab
