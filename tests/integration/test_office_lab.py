"""The office lab's plumbing against its live servers: offices stay apart in VictoriaMetrics,
through federation, and through the shipped district remote_write section.

Every assertion compares what a server answers with what the lab set up (its facts).
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import free_port, wait_until
from tests.helpers.certs import TestCA
from tests.helpers.office_lab import (
    ROOT,
    Agent,
    OfficeLab,
    answers,
    lab_fixture,
    start_prometheus,
    victoria_metrics_argv,
)
from tests.helpers.processes import start_process, stop_process
from tests.integration.test_prometheus import query

PROVINCE = ROOT / "configs" / "prometheus" / "province"
WAIT = 60.0

office_lab = lab_fixture(scope="module")


def by(results: list[dict[str, Any]], *labels: str) -> dict[tuple[str, ...], float]:
    """An instant vector as {label values: value}."""
    return {
        tuple(r["metric"].get(label, "") for label in labels): float(r["value"][1]) for r in results
    }


def expected_up(agents: tuple[Agent, ...] | list[Agent]) -> dict[tuple[str, ...], float]:
    return {(a.instance,): 1.0 if a.alive else 0.0 for a in agents}


def expected_down_services(lab: OfficeLab) -> dict[tuple[str, ...], float]:
    """(office, service, target) -> how many live agents see the service down."""
    counts: dict[tuple[str, ...], float] = {}
    for agent in lab.facts.agents():
        for service in agent.services:
            if agent.alive and not service.up:
                key = (agent.office, service.name, service.target)
                counts[key] = counts.get(key, 0.0) + 1
    return counts


def test_remote_write_keeps_each_office_apart(office_lab: OfficeLab) -> None:
    facts = office_lab.facts
    vm = facts.victoria_metrics_url
    for office in facts.offices:
        in_office = by(query(office.prometheus_url, 'up{job="netwatch"}'), "instance")
        in_vm = by(query(vm, f'up{{job="netwatch",office="{office.name}"}}'), "instance")
        assert in_office == in_vm == expected_up(office.agents), office.name
    assert by(query(vm, "count by (office) (up)"), "office") == {
        (office.name,): len(office.agents) for office in facts.offices
    }
    # The office whose only agent is down is still there, as a down host.
    assert by(query(vm, "count by (office) (up == 0)"), "office") == {
        ("xa-an-binh",): 1,
        ("xa-tan-phu",): 1,
    }
    # One service name, two offices: two series, never one merged count.
    down = expected_down_services(office_lab)
    assert ("xa-an-binh", "cong-thong-tin") in {k[:2] for k in down}
    assert ("xa-binh-minh", "cong-thong-tin") in {k[:2] for k in down}
    recorded = query(vm, "netwatch:probe_failing_agents:count")
    assert by(recorded, "office", "service", "target") == down
    raw = query(vm, "count by (office, service) (netwatch_probe_success == 0)")
    assert by(raw, "office", "service") == {
        ("xa-an-binh", "cong-thong-tin"): 2,
        ("xa-an-binh", "old-portal-cert"): 1,
        ("xa-binh-minh", "cong-thong-tin"): 1,
    }


def test_victoria_metrics_shows_every_fact_the_lab_set_up(office_lab: OfficeLab) -> None:
    """The facts are what the servers show: services, certificates, posture, LAN, clock, disk."""
    vm = office_lab.facts.victoria_metrics_url
    alive = [a for a in office_lab.facts.agents() if a.alive]
    success = by(query(vm, "netwatch_probe_success"), "office", "instance", "service")
    assert success == {
        (a.office, a.instance, s.name): 1.0 if s.up else 0.0 for a in alive for s in a.services
    }
    expiry = by(
        query(vm, "netwatch_probe_tls_cert_expiry_timestamp_seconds"),
        "office",
        "instance",
        "service",
    )
    certificates = {(a.office, a.instance, c.service): c for a in alive for c in a.certificates}
    assert expiry.keys() == certificates.keys()
    for key, cert in certificates.items():
        assert expiry[key] == pytest.approx(cert.not_after, abs=1), key
    assert {k for k, c in certificates.items() if c.expired} == {
        ("xa-an-binh", "pc-vanthu-02", "old-portal-cert")
    }
    checks = query(vm, "netwatch_posture_check_result == 1")
    posture = {
        (r["metric"]["instance"], r["metric"]["check"]): (
            r["metric"]["result"],
            r["metric"]["severity"],
        )
        for r in checks
    }
    wanted = {}
    for agent in alive:
        for result, group in (
            ("fail", agent.posture.failing),
            ("waived", agent.posture.waived),
            ("pass", agent.posture.passing),
        ):
            wanted.update({(agent.instance, c.check): (result, c.severity) for c in group})
    assert posture == wanted
    assert {i for i, _ in posture} == {a.instance for a in alive if a.posture.ran}
    collector = by(query(vm, 'netwatch_collector_success{collector="posture"}'), "instance")
    assert collector == {(a.instance,): float(a.posture.ran) for a in alive if a.posture.enabled}
    assert ("critical", "fail") in {(s, r) for r, s in posture.values()}
    devices = query(vm, "netwatch_lan_device_info")
    seen = {
        (r["metric"]["office"], r["metric"]["ip"], r["metric"]["mac"], r["metric"]["known"])
        for r in devices
    }
    assert seen == {
        (a.office, d.ip, d.mac, "true" if d.known else "false")
        for a in alive
        for d in a.lan_devices
    }
    conflicts = by(query(vm, "netwatch_lan_ip_conflict == 1"), "office", "ip")
    assert conflicts == {(a.office, d.ip): 1.0 for a in alive for d in a.lan_devices if d.conflict}
    offsets = by(query(vm, "netwatch_clock_offset_seconds"), "instance")
    assert offsets.keys() == {(a.instance,) for a in alive}
    for agent in alive:
        assert offsets[agent.instance,] == pytest.approx(agent.clock_offset, abs=0.25)
    [disk_agent] = [a for a in alive if a.disk]
    assert disk_agent.disk is not None
    ratio = by(query(vm, "netwatch:filesystem_avail:ratio < 0.1"), "instance", "device")
    assert ratio == {
        (disk_agent.instance, disk_agent.disk.device): pytest.approx(1 - disk_agent.disk.used_ratio)
    }
    mounts = query(vm, f'netwatch_filesystem_avail_bytes{{device="{disk_agent.disk.device}"}}')
    assert {r["metric"]["mountpoint"] for r in mounts} == set(disk_agent.disk.mountpoints)


def federation_config(lab: OfficeLab) -> dict[str, Any]:
    """The shipped federation config pointed at the lab's office Prometheus servers.

    The lab's office servers speak plain HTTP without auth on loopback, so the transport
    settings (scheme, TLS files, basic auth) go, and the 60 s scrape interval becomes
    1 s; what decides which series and labels come across (honor_labels, /federate, the
    match[] selectors) is the shipped one.
    """
    config: dict[str, Any] = yaml.safe_load(
        (PROVINCE / "prometheus-federation.yml").read_text(encoding="utf-8")
    )
    config["global"].update(scrape_interval="1s", scrape_timeout="1s")
    [job] = config["scrape_configs"]
    for transport in ("scheme", "tls_config", "basic_auth"):
        job.pop(transport)
    targets = [urllib.parse.urlsplit(o.prometheus_url).netloc for o in lab.facts.offices]
    job["static_configs"] = [{"targets": targets}]
    return config


def test_federation_keeps_office_job_and_instance(office_lab: OfficeLab, tmp_path: Path) -> None:
    config = federation_config(office_lab)
    assert config["scrape_configs"][0]["honor_labels"] is True
    process, url = start_prometheus(tmp_path / "province", config)
    try:
        expected = {
            (o.name, a.instance): 1.0 if a.alive else 0.0
            for o in office_lab.facts.offices
            for a in o.agents
        }

        def federated() -> dict[tuple[str, ...], float]:
            return by(query(url, 'up{job="netwatch"}'), "office", "instance")

        assert wait_until(lambda: federated() == expected, WAIT, 0.5), (
            federated(),
            (tmp_path / "province" / "prometheus.log").read_text(),
        )
        recorded = query(url, "netwatch:probe_failing_agents:count")
        assert by(recorded, "office", "service", "target") == expected_down_services(office_lab)
        # The federating server's own scrape of each office is a separate job.
        own = by(query(url, 'up{job="federate-offices"}'), "instance")
        assert own == {
            (urllib.parse.urlsplit(o.prometheus_url).netloc,): 1.0 for o in office_lab.facts.offices
        }
        counts = by(query(url, 'count by (office) (up{job="netwatch"})'), "office")
        assert counts == {(o.name,): len(o.agents) for o in office_lab.facts.offices}
    finally:
        stop_process(process)


def shipped_vm_args(folder: Path, port: int, cert: Path, key: Path) -> list[str]:
    """The ARGS of the shipped /etc/default/victoria-metrics with the lab's paths and port."""
    text = (PROVINCE / "victoria-metrics.default").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("ARGS=")]
    replaced = {
        "-storageDataPath": str(folder / "data"),
        "-httpListenAddr": f"127.0.0.1:{port}",
        "-tlsCertFile": str(cert),
        "-tlsKeyFile": str(key),
    }
    [value] = shlex.split(line.removeprefix("ARGS="))  # the shell assignment's one word
    args = []
    for arg in shlex.split(value):
        name = arg.split("=", 1)[0]
        args.append(f"{name}={replaced[name]}" if name in replaced else arg)
    return args


def tls_get(base: str, promql: str, context: ssl.SSLContext, password: str) -> tuple[int, bytes]:
    """Status and body of an instant query over HTTPS with basic auth as user netwatch."""
    url = f"{base}/api/v1/query?query={urllib.parse.quote(promql)}"
    token = base64.b64encode(f"netwatch:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def tls_query(
    base: str, promql: str, context: ssl.SSLContext, password: str
) -> list[dict[str, Any]]:
    try:
        status, body = tls_get(base, promql, context, password)
    except OSError:
        return []
    return list(json.loads(body)["data"]["result"]) if status == 200 else []


def test_shipped_district_remote_write_reaches_a_shipped_victoria_metrics(
    office_lab: OfficeLab, tmp_path: Path
) -> None:
    """District config -> VictoriaMetrics as shipped: TLS with the province's CA, basic auth.

    Changed for the lab: the VictoriaMetrics URL, CA and password files (remote_write),
    the scrape job (the lab's plain-HTTP agents of xa-an-binh instead of the TLS one,
    tested in test_prometheus_configs.py) and the 30 s intervals (1 s).
    """
    office = office_lab.facts.office("xa-an-binh")
    ca = TestCA(tmp_path)
    cert = ca.issue("vm")
    password = "test-province-password"
    vm_dir, port = tmp_path / "vm", free_port()
    vm_dir.mkdir()
    argv = victoria_metrics_argv(vm_dir, port)
    argv = [argv[0], *shipped_vm_args(vm_dir, port, cert.cert, cert.key), *argv[4:]]
    env = {**os.environ, "httpAuth_password": password}
    vm = start_process(argv, vm_dir / "vm.log", env=env)

    district = tmp_path / "district"
    (district / "province").mkdir(parents=True)
    (district / "province" / "password").write_text(f"{password}\n", encoding="utf-8")
    (district / "province" / "ca.crt").write_bytes(ca.cert_path.read_bytes())
    (district / "rules").mkdir()
    for rules in office_lab.folder.glob("netwatch-*.yml"):
        (district / "rules" / rules.name).write_bytes(rules.read_bytes())
    config = yaml.safe_load((PROVINCE / "prometheus-district.yml").read_text(encoding="utf-8"))
    assert config["global"]["external_labels"]["office"] == office.name
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(district / "rules" / "*.yml")]
    lab_job = yaml.safe_load((office_lab.folder / office.name / "prometheus.yml").read_text())
    config["scrape_configs"] = lab_job["scrape_configs"]
    [remote] = config["remote_write"]
    remote["url"] = f"https://127.0.0.1:{port}/api/v1/write"
    remote["tls_config"]["ca_file"] = str(district / "province" / "ca.crt")
    remote["basic_auth"]["password_file"] = str(district / "province" / "password")
    process, url = start_prometheus(district, config)
    context = ssl.create_default_context(cafile=str(ca.cert_path))
    base = f"https://127.0.0.1:{port}"
    try:
        expected = {(office.name, a.instance): 1.0 if a.alive else 0.0 for a in office.agents}

        def written() -> dict[tuple[str, ...], float]:
            return by(
                tls_query(base, 'up{job="netwatch"}', context, password), "office", "instance"
            )

        assert wait_until(lambda: written() == expected, WAIT, 0.5), (
            written(),
            (district / "prometheus.log").read_text(),
            (vm_dir / "vm.log").read_text(),
        )
        down = {k: v for k, v in expected_down_services(office_lab).items() if k[0] == office.name}
        assert wait_until(
            lambda: (
                by(
                    tls_query(base, "netwatch:probe_failing_agents:count", context, password),
                    "office",
                    "service",
                    "target",
                )
                == down
            ),
            WAIT,
            0.5,
        )
        # write_relabel_configs keep only netwatch's series, up and ALERTS.
        assert query(url, 'scrape_duration_seconds{job="netwatch"}')
        assert tls_query(base, "scrape_duration_seconds", context, password) == []
        # Only over TLS, and only with the password.
        assert not answers(f"http://127.0.0.1:{port}/api/v1/query?query=up")
        assert tls_get(base, "up", context, "wrong-password")[0] == 401
    finally:
        stop_process(process)
        stop_process(vm)
