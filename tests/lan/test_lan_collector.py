"""The lan collector with constructed sweeps: metric families, /sd, and a real ``netwatch serve``.

Agent checks only ever connect to 127.0.0.1: every other IP of a constructed
sweep is filtered out before the TCP check.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netwatch.collectors.catalogue import catalogue
from netwatch.collectors.lan import LanCollector, LanSettings
from netwatch.config.loader import parse_config_text
from netwatch.core.yamlfile import ConfigError
from netwatch.engine import Engine, EngineCollector
from netwatch.exporter.routes import AgentState
from netwatch.exporter.server import AgentHTTPServer
from netwatch.lan.model import Observation, SweepResult
from netwatch.lan.sd import agents_listening
from netwatch.lan.state import load_state
from tests.conftest import ServeProcess, free_port, http_get, wait_until

REPO = Path(__file__).parents[2]
SUBNET = "198.18.0.0/24"
PRINTER, CAMERA, VISITOR, AGENT = (
    "02:00:c6:12:00:0a", "02:00:c6:12:00:0b", "02:00:c6:12:00:0c", "02:00:7f:00:00:01",
)  # fmt: skip
DEVICES_YAML = f"""devices:
  - mac: "{PRINTER}"
    name: Máy in phòng Văn thư
  - mac: "{CAMERA}"
    name: Camera cổng chính
  - mac: "{AGENT}"
    name: Máy trạm có agent
"""


def loopback_agents(ips: Iterable[str], port: int) -> set[str]:
    """The real TCP check, restricted to 127.0.0.1."""
    return agents_listening([ip for ip in ips if ip == "127.0.0.1"], port)


class Sweeps:
    """Hands out constructed sweeps in order; raises the ones that are exceptions."""

    def __init__(self, *results: SweepResult | Exception) -> None:
        self.results = list(results)

    def __call__(self, settings: LanSettings) -> SweepResult:
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def sweep(*pairs: tuple[str, str], at: float = 1000.0, method="arp", notes=()) -> SweepResult:
    observations = tuple(Observation(ip, mac, "lan0", at, method) for ip, mac in pairs)
    return SweepResult(observations, (SUBNET,), ("lan0",), method, at, 1.5, tuple(notes))


@pytest.fixture
def settings(tmp_path: Path) -> LanSettings:
    known = tmp_path / "devices.yaml"
    known.write_text(DEVICES_YAML)
    return LanSettings.model_validate({
        "enabled": True, "cidrs": [SUBNET], "known_devices": str(known),
        "state_file": str(tmp_path / "state" / "lan-state.json"), "gone_after": "1h",
    })  # fmt: skip


def values(families) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in families:
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def by_label(series: dict, label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for labels, value in series.items()}


def test_metrics_follow_the_sweeps(settings: LanSettings) -> None:
    sweeps = Sweeps(
        sweep(("198.18.0.10", PRINTER), ("198.18.0.11", CAMERA), ("198.18.0.50", VISITOR)),
        sweep(
            ("198.18.0.10", PRINTER), ("198.18.0.11", CAMERA), ("198.18.0.11", VISITOR), at=2000
        ),  # fmt: skip
        sweep(("198.18.0.10", CAMERA), at=3000 + 3600, method="neighbour"),
    )
    collector = LanCollector(settings, sweep=sweeps, check_agents=loopback_agents)
    first = values(collector.collect())
    info = first["netwatch_lan_device_info"]
    assert len(info) == 3
    printer = dict(next(k for k in info if dict(k)["mac"] == PRINTER))
    assert printer == {"ip": "198.18.0.10", "mac": PRINTER, "vendor": printer["vendor"],
                       "name": "Máy in phòng Văn thư", "known": "true"}  # fmt: skip
    visitor = dict(next(k for k in info if dict(k)["mac"] == VISITOR))
    assert (visitor["name"], visitor["known"]) == ("", "false")
    assert first["netwatch_lan_device_last_seen_timestamp_seconds"][
        (("ip", "198.18.0.50"), ("mac", VISITOR))
    ] == 1000  # fmt: skip
    assert by_label(first["netwatch_lan_devices"], "state") == {
        "known": 2, "unknown": 1, "gone": 0,
    }  # fmt: skip
    assert by_label(first["netwatch_lan_events_total"], "kind") == {
        "new_station": 3, "changed_mac": 0, "flip_flop": 0, "ip_conflict": 0, "gone": 0,
    }  # fmt: skip
    assert first["netwatch_lan_sweep_success"][()] == 1
    assert first["netwatch_lan_sweep_privileged"][()] == 1
    assert first["netwatch_lan_sweep_duration_seconds"][()] == 1.5
    assert first["netwatch_lan_conflicts"][()] == 0
    assert "netwatch_lan_ip_conflict" not in first
    assert first["netwatch_lan_last_sweep_timestamp_seconds"][()] == 1000 + 1.5

    second = values(collector.collect())
    assert second["netwatch_lan_conflicts"][()] == 1
    assert second["netwatch_lan_ip_conflict"] == {(("ip", "198.18.0.11"),): 1}
    assert by_label(second["netwatch_lan_events_total"], "kind")["ip_conflict"] == 1
    assert {dict(k)["ip"] for k in second["netwatch_lan_device_info"]} == {
        "198.18.0.10", "198.18.0.11",
    }  # fmt: skip

    # An hour later only the camera answers, on the printer's IP, through the fallback.
    third = values(collector.collect())
    events = by_label(third["netwatch_lan_events_total"], "kind")
    assert (events["changed_mac"], events["gone"]) == (1, 2)
    assert third["netwatch_lan_sweep_privileged"][()] == 0
    assert by_label(third["netwatch_lan_devices"], "state") == {
        "known": 1, "unknown": 0, "gone": 2,
    }  # fmt: skip
    assert "netwatch_lan_ip_conflict" not in third, "the conflict ended with the sweep"
    [camera] = [dict(labels) for labels in third["netwatch_lan_device_info"]]
    assert (camera["ip"], camera["mac"], camera["name"]) == (
        "198.18.0.10",
        CAMERA,
        "Camera cổng chính",
    )


def test_emitted_families_match_the_catalogue(settings: LanSettings) -> None:
    collector = LanCollector(settings, sweep=Sweeps(sweep(("198.18.0.10", PRINTER))),
                             check_agents=loopback_agents)  # fmt: skip
    families = collector.collect()
    emitted = {
        f.name + ("_total" if f.type == "counter" else "_info" if f.type == "info" else "")
        for f in families
    }
    assert emitted == {spec.name for name, spec in catalogue() if name == "lan"}


def test_a_failed_sweep_keeps_the_devices_and_says_so(settings, caplog) -> None:
    sweeps = Sweeps(
        sweep(("198.18.0.10", PRINTER)),
        RuntimeError("sniffer died"),
        RuntimeError("sniffer died"),
        sweep(("198.18.0.10", PRINTER), at=2000),
    )
    collector = LanCollector(settings, sweep=sweeps, check_agents=loopback_agents)
    collector.collect()
    state_before = Path(settings.state_file).read_bytes()
    with caplog.at_level(logging.INFO, logger="netwatch.lan"):
        failed = values(collector.collect())
        values(collector.collect())
        values(collector.collect())
    assert failed["netwatch_lan_sweep_success"][()] == 0
    assert len(failed["netwatch_lan_device_info"]) == 1, "remembered devices are still served"
    assert failed["netwatch_lan_sweep_privileged"][()] == 1, "from the last completed sweep"
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["LAN sweep failed: RuntimeError: sniffer died",
                        "LAN sweep succeeded again"]  # fmt: skip
    assert state_before != Path(settings.state_file).read_bytes()


def test_events_are_logged_like_arpwatch(settings, caplog) -> None:
    sweeps = Sweeps(sweep(("198.18.0.10", PRINTER)), sweep(("198.18.0.10", VISITOR), at=2000))
    collector = LanCollector(settings, sweep=sweeps, check_agents=loopback_agents)
    with caplog.at_level(logging.INFO, logger="netwatch.lan"):
        collector.collect()
        collector.collect()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("INFO", f"new station: 198.18.0.10 {PRINTER} (Máy in phòng Văn thư)") in lines
    assert ("WARNING", f"changed mac: 198.18.0.10 {VISITOR} (198.18.0.10 moved from "
            f"{PRINTER} to {VISITOR})") in lines  # fmt: skip


def test_counters_and_first_seen_survive_a_restart(settings: LanSettings) -> None:
    LanCollector(settings, sweep=Sweeps(sweep(("198.18.0.10", PRINTER), at=1000)),
                 check_agents=loopback_agents).collect()  # fmt: skip
    restarted = LanCollector(settings, sweep=Sweeps(sweep(("198.18.0.10", PRINTER), at=5000)),
                             check_agents=loopback_agents)  # fmt: skip
    metrics = values(restarted.collect())
    assert by_label(metrics["netwatch_lan_events_total"], "kind")["new_station"] == 1
    state = load_state(Path(settings.state_file))
    assert (state.devices[PRINTER].first_seen, state.devices[PRINTER].last_seen) == (1000, 5000)


def test_a_broken_known_devices_file_fails_the_collector(settings: LanSettings) -> None:
    collector = LanCollector(settings, sweep=Sweeps(), check_agents=loopback_agents)
    Path(settings.known_devices).write_text("devices:\n  - mac: nope\n    name: x\n")
    with pytest.raises(Exception, match=r"line 2: devices.0.mac: invalid MAC address"):
        collector.collect()


@pytest.fixture
def agent_socket() -> Iterator[int]:
    """A listening TCP socket on 127.0.0.1 standing in for another host's agent."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def serve_engine(collectors: list[EngineCollector]) -> tuple[str, AgentHTTPServer, Engine]:
    engine = Engine(collectors)
    server = AgentHTTPServer("127.0.0.1", 0, AgentState(engine, 10, 4))
    engine.start()
    server.start()
    return f"http://127.0.0.1:{server.port}", server, engine


def test_sd_endpoint_lists_agents_in_process(tmp_path, agent_socket: int) -> None:
    settings = LanSettings.model_validate({
        "enabled": True, "state_file": str(tmp_path / "s.json"), "agent_port": agent_socket,
    })  # fmt: skip
    sweeps = Sweeps(sweep(("127.0.0.1", AGENT), ("198.18.0.10", PRINTER)))
    collector = LanCollector(settings, sweep=sweeps, check_agents=loopback_agents)
    url, server, engine = serve_engine([EngineCollector("lan", collector, 10, 3600)])
    try:
        assert wait_until(lambda: http_get(f"{url}/sd")[2] != b"[]\n")
        status, headers, body = http_get(f"{url}/sd")
    finally:
        server.stop()
        engine.stop()
    assert status == 200 and headers["Content-Type"] == "application/json"
    [group] = json.loads(body)
    assert group["targets"] == [f"127.0.0.1:{agent_socket}"]
    labels = group["labels"]
    assert set(labels) == {"__meta_netwatch_mac", "__meta_netwatch_vendor", "__meta_netwatch_name",
                           "__meta_netwatch_owner", "__meta_netwatch_location",
                           "__meta_netwatch_kind", "__meta_netwatch_known"}  # fmt: skip
    assert (labels["__meta_netwatch_mac"], labels["__meta_netwatch_known"]) == (AGENT, "false")


def test_sd_endpoint_without_the_lan_collector_is_404() -> None:
    url, server, engine = serve_engine([])
    try:
        status, _, body = http_get(f"{url}/sd")
    finally:
        server.stop()
        engine.stop()
    assert status == 404 and b"collectors.lan.enabled: true" in body


def start_serve_with_sweep(tmp_path: Path, sweep_file: Path, config: Path) -> ServeProcess:
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.lan.serve_with_sweep", "serve", "-c", str(config),
             "--listen", f"127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NETWATCH_TEST_SWEEP": str(sweep_file)},
        )  # fmt: skip
    serve = ServeProcess(process, port, log_path)

    def lan_ran() -> bool:
        try:
            body = http_get(f"{serve.url}/metrics", timeout=2)[2]
        except OSError:
            return False
        return b'netwatch_collector_success{collector="lan"}' in body

    if not wait_until(lambda: lan_ran() or process.poll() is not None, timeout=30):
        serve.stop()
        raise AssertionError(f"netwatch serve did not come up:\n{serve.log()}")
    assert process.poll() is None, serve.log()
    return serve


def write_sweep(path: Path, pairs: list[tuple[str, str]], method: str = "arp") -> None:
    observations = [{"ip": ip, "mac": mac} for ip, mac in pairs]
    path.write_text(json.dumps({"method": method, "subnets": [SUBNET, "127.0.0.0/8"],
                                "observations": observations}))  # fmt: skip


def scrape(serve: ServeProcess) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    status, _, body = http_get(f"{serve.url}/metrics")
    assert status == 200
    return values(text_string_to_metric_families(body.decode()))


@pytest.mark.integration
def test_real_serve_exposes_lan_metrics_and_sd(tmp_path: Path) -> None:
    state_file = tmp_path / "lan-state.json"
    known = tmp_path / "devices.yaml"
    known.write_text(DEVICES_YAML)
    sweep_file = tmp_path / "sweep.json"
    write_sweep(sweep_file, [("127.0.0.1", AGENT), ("198.18.0.10", PRINTER),
                             ("198.18.0.50", VISITOR)])  # fmt: skip
    config = tmp_path / "netwatch.yaml"
    agent_port = free_port()  # another host's agent, played by a socket on 127.0.0.1
    config.write_text(
        "services: []\ncollectors:\n  lan:\n    enabled: true\n    interval: 1s\n"
        f"    known_devices: {known}\n    state_file: {state_file}\n"
        f"    agent_port: {agent_port}\n"
    )
    with socket.socket() as agent:
        agent.bind(("127.0.0.1", agent_port))
        agent.listen(16)
        serve = start_serve_with_sweep(tmp_path, sweep_file, config)
        try:
            metrics = scrape(serve)
            assert by_label(metrics["netwatch_collector_success"], "collector")["lan"] == 1
            info = metrics["netwatch_lan_device_info"]
            assert {(dict(k)["ip"], dict(k)["known"]) for k in info} == {
                ("127.0.0.1", "true"), ("198.18.0.10", "true"), ("198.18.0.50", "false"),
            }  # fmt: skip
            assert by_label(metrics["netwatch_lan_devices"], "state")["unknown"] == 1
            status, headers, body = http_get(f"{serve.url}/sd")
            assert status == 200 and headers["Content-Type"] == "application/json"
            [group] = json.loads(body)
            assert group["targets"] == [f"127.0.0.1:{agent_port}"]
            assert group["labels"]["__meta_netwatch_name"] == "Máy trạm có agent"
            assert group["labels"]["__meta_netwatch_known"] == "true"

            # The visitor's IP now answers with the printer's MAC: a MAC change.
            write_sweep(sweep_file, [("127.0.0.1", AGENT), ("198.18.0.50", PRINTER)])
            assert wait_until(lambda: by_label(scrape(serve)["netwatch_lan_events_total"],
                                               "kind")["changed_mac"] == 1)  # fmt: skip
            if shutil.which("promtool"):
                body = http_get(f"{serve.url}/metrics")[2]
                check = subprocess.run(["promtool", "check", "metrics"], input=body,
                                       capture_output=True, timeout=30)  # fmt: skip
                assert check.returncode == 0 and check.stdout + check.stderr == b"", check
        finally:
            assert serve.stop() == 0, serve.log()
        before = by_label(scrape_file_state(state_file), "kind")

        # A restarted agent continues the counters from the state file.
        serve = start_serve_with_sweep(tmp_path, sweep_file, config)
        try:
            events = by_label(scrape(serve)["netwatch_lan_events_total"], "kind")
        finally:
            serve.stop()
    assert events == before and events["new_station"] == 3 and events["changed_mac"] == 1


def scrape_file_state(path: Path) -> dict[tuple[tuple[str, str], ...], float]:
    totals = load_state(path).events_total
    return {(("kind", kind),): count for kind, count in totals.items()}


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("cidrs: [10.0.0.0/33]", "line 3: collectors.lan.cidrs: invalid IPv4 subnet '10.0.0.0/33'"),
        ("cidrs: [10.0.0.0/16]", "line 2: collectors.lan: cidrs: 10.0.0.0/16 has 65536 addresses, "
         "more than the /22 cap"),
        ("max_prefix: 8", "line 3: collectors.lan.max_prefix: Input should be greater than or equal to 16"),
        ("sweep: {retries: 0}", "line 3: collectors.lan.sweep.retries: Input should be greater than or equal to 1"),
    ],
)  # fmt: skip
def test_settings_are_checked_when_the_config_loads(yaml_text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_text(f"collectors:\n  lan:\n    {yaml_text}\n", "netwatch.yaml")
    assert caught.value.lines()[0].startswith(f"netwatch.yaml: {expected}"), caught.value.lines()


def test_vendor_overrides_name_devices_and_are_checked(tmp_path: Path) -> None:
    vendors = tmp_path / "vendors.yaml"
    vendors.write_text(f'"{PRINTER[:8]}": "Văn phòng UBND"\n')
    settings = LanSettings.model_validate({
        "enabled": True, "state_file": str(tmp_path / "s.json"), "vendors_file": str(vendors),
    })  # fmt: skip
    collector = LanCollector(settings, sweep=Sweeps(sweep(("198.18.0.10", PRINTER))),
                             check_agents=loopback_agents)  # fmt: skip
    [labels] = values(collector.collect())["netwatch_lan_device_info"]
    assert dict(labels)["vendor"] == "Văn phòng UBND"
    vendors.write_text("not a mapping\n")
    with pytest.raises(ConfigError, match="collectors.lan.vendors_file: .*expected a mapping"):
        parse_config_text(f"collectors:\n  lan:\n    vendors_file: {vendors}\n", "netwatch.yaml")
