"""Building a host report: from the recorded fixture hosts, offline images and service probes."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest

from netwatch.audit.build import (
    audit_facts,
    build_report,
    host_identity,
    host_inventory,
    offline_inventory,
    probe_services,
)
from netwatch.audit.model import AuditReport, OfficeReport, ServiceRecord
from netwatch.audit.output import report_json
from netwatch.audit.schema import SCHEMA_FILES, schema_text
from netwatch.config.loader import parse_config_text
from netwatch.facts.host import HostFacts
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.policy import load_policy
from netwatch.posture.registry import all_checks
from tests.helpers.audit_reports import (
    REPO,
    assert_valid,
    fixture_report,
    loopback_services,
    with_results,
)
from tests.helpers.posture_hosts import POSTURE_FIXTURES, recorded_host
from tests.posture.test_facts_once import CountingFiles

LINUX_CHECKS = {c.meta.id for c in all_checks() if "linux" in c.meta.platforms}


def test_hardened_and_weak_reports() -> None:
    hardened, weak = fixture_report("linux-hardened"), fixture_report("linux-weak")
    assert {r.id for r in hardened.results} == LINUX_CHECKS
    assert {r.result for r in hardened.results} == {"pass"}
    assert {r.result for r in weak.results} == {"fail"}
    assert (hardened.score.value, hardened.score.band) == (100.0, "good")
    assert weak.score.value == 0.0 and weak.score.band == "poor"
    assert weak.score.failed_by_severity["critical"] >= 1
    for report in (hardened, weak):
        assert report.mode == "live" and report.root is None and report.inventory is None
        assert report.services is None and report.changes is None
        assert report.policy.name == "fixture"
        assert report.policy.sources[0] == "builtin:baseline"
        assert report.generated_at.endswith("Z") and report.agent_version
        assert all(r.evidence for r in report.results)
    root_login = next(r for r in weak.results if r.id == "linux.ssh.root_login")
    assert root_login.title.vi.startswith("SSH không cho phép")
    assert root_login.frameworks["tcvn-11930-2017"]
    framework = next(f for f in weak.frameworks if f.id == "tcvn-11930-2017")
    assert set(root_login.frameworks["tcvn-11930-2017"]) <= set(framework.controls)


def test_reports_validate_against_the_published_schema() -> None:
    weak = fixture_report("linux-weak")
    varied = with_results(weak, linux__ssh__root_login="waived", common__backup__recent="error")
    probed = varied.model_copy(update={"services": [
        ServiceRecord(service="portal", kind="http", target="https://127.0.0.1:8443/",
                      success=False, reason="timeout", cert_days_left=12.5)]})  # fmt: skip
    for report in (fixture_report("linux-hardened"), weak, probed):
        document = json.loads(report_json(report))
        assert document["schema"] == "netwatch-audit-report"
        assert_valid(document, "audit-report")
        assert AuditReport.model_validate(document) == report


def test_published_schema_files_are_current() -> None:
    for name, model in SCHEMA_FILES.items():
        committed = (REPO / "docs" / name).read_text(encoding="utf-8")
        assert committed == schema_text(model), f"run: python -m netwatch.devtools regen ({name})"
    assert set(SCHEMA_FILES.values()) == {AuditReport, OfficeReport}


def test_offline_identity_comes_from_the_image(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").write_text("srv-mot-cua\n")
    (tmp_path / "etc/machine-id").write_text("abc123\n")
    (tmp_path / "etc/os-release").write_text('NAME="Debian GNU/Linux"\nVERSION_ID="12"\n')
    access = HostAccess.for_root(tmp_path)
    identity = host_identity(access, tmp_path)
    assert (identity.hostname, identity.machine_id) == ("srv-mot-cua", "abc123")
    assert (identity.os_name, identity.os_version) == ("Debian GNU/Linux", "12")
    assert identity.kernel == identity.arch == identity.fqdn == ""
    inventory = offline_inventory(access, tmp_path)
    assert inventory is not None and inventory.host is not None
    assert inventory.scope == "files" and inventory.software == []
    assert (inventory.root, inventory.host.hostname) == (str(tmp_path), "srv-mot-cua")


def test_offline_image_without_hostname_is_named_after_its_mount_point() -> None:
    root = POSTURE_FIXTURES / "linux-weak"
    access = HostAccess(files=FileReader(root), registry=None)
    assert host_identity(access, root).hostname == "linux-weak"
    inventory = offline_inventory(access, root)
    assert inventory is not None and inventory.software, "packages from var/lib/dpkg/status"
    assert {p.manager for p in inventory.software} == {"dpkg"}


def test_offline_inventory_of_an_empty_tree_is_none(tmp_path: Path) -> None:
    assert (
        offline_inventory(HostAccess(files=FileReader(tmp_path), registry=None), tmp_path) is None
    )


def audit(source: HostAccess | HostFacts, root: Path | None) -> None:
    """One audit as ``netwatch audit`` runs it: identity, inventory, then the checks."""
    settings = parse_config_text("services: []\n", "test-config")
    identity = host_identity(source, root)
    inventory = host_inventory(source, root, settings)
    report = build_report(load_policy(None), source, identity, root=root, inventory=inventory)
    assert report.inventory is not None and report.inventory.software, "dpkg packages listed"
    assert report.inventory.host is not None and report.inventory.host.os_name == "Debian GNU/Linux"
    assert report.host.os_version == "10" and len(report.results) >= 15


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "live"])
def test_an_audit_reads_os_release_and_dpkg_once(offline: bool) -> None:
    root = POSTURE_FIXTURES / "linux-weak"
    settings = parse_config_text("services: []\n", "test-config")
    shared = CountingFiles(root)
    access = dataclasses.replace(recorded_host("linux-weak"), files=shared, live=not offline)
    audit(audit_facts(access, settings), root if offline else None)
    assert shared.reads["/etc/os-release"] == 1 and shared.reads["/var/lib/dpkg/status"] == 1
    separate = CountingFiles(root)
    audit(dataclasses.replace(access, files=separate), root if offline else None)
    assert separate.reads["/etc/os-release"] == 3, "each step alone reads it again"


def test_no_services_configured_means_no_probes() -> None:
    assert probe_services(parse_config_text("services: []\n", "test-config")) == []


def test_service_probes_on_loopback() -> None:
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        up, down = listening.getsockname()[1], closed.getsockname()[1]
        settings = parse_config_text(loopback_services(up=up, down=down), "test-config")
        records = {r.service: r for r in probe_services(settings)}
    assert records["up"].success and records["up"].kind == "tcp"
    assert not records["down"].success and records["down"].reason
