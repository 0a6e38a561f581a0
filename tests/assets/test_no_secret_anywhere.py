"""Acceptance (issue 16): no product key, password or secret appears in any output.

A recorded Vietnamese Windows host answers the hardware query with secrets planted where a
careless collector would pick them up: a licence's partial and OEM product keys, a printer
port with a user and password, the registry's DigitalProductId. Every output is then
searched: the inventory document, the audit report (JSON, HTML, Markdown), the hardware
collector's metrics, and the office register (XLSX unzipped, CSVs, HTML).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from netwatch.assets.collect import read_hardware
from netwatch.audit.build import build_report
from netwatch.audit.inventory import Inventory
from netwatch.audit.model import HostIdentity
from netwatch.audit.output import report_json
from netwatch.audit.render_html import render_host_html
from netwatch.audit.render_markdown import render_host_markdown
from netwatch.collectors.hardware import HardwareCollector, HardwareSettings
from netwatch.facts.host import host_facts
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.register.build import RegisterRequest, build_register
from tests.helpers.audit_reports import fixture_policy
from tests.helpers.posture_hosts import POSTURE_FIXTURES, merged_recordings
from tests.helpers.powershell import batch_recording, load_parts
from tests.helpers.recorded import RecordedCommands

HOST = "windows-weak-vi"
SECRETS = ("NKJFK-GPHP7-G8C3J-P6JXR-HQRJR", "7RHXQ", "Passw0rd!Ketoan", "A4B1C9D2E7F3")


def planted_host() -> HostAccess:
    """The recorded host, its hardware answer carrying the secrets."""
    fixture_policy()  # the checks' PowerShell queries are declared: the batch is complete
    parts = load_parts(POSTURE_FIXTURES / f"{HOST}.windows.powershell.json")
    answer = json.loads(parts["hardware"]["out"])
    for licence in answer["licences"]:
        licence.update(PartialProductKey=SECRETS[1], OA3xOriginalProductKey=SECRETS[0],
                       ProductKey=SECRETS[0])  # fmt: skip
    answer["printers"][0]["PortName"] = f"smb://ketoan:{SECRETS[2]}@fs01/canon"
    answer["printers"][0]["Password"] = SECRETS[2]
    answer["product"][0]["DigitalProductId"] = SECRETS[3]
    parts["hardware"] = {"out": json.dumps(answer, ensure_ascii=False)}
    return HostAccess(
        files=FileReader(POSTURE_FIXTURES / "empty-root"),
        commands=RecordedCommands(batch_recording(parts)),  # type: ignore[arg-type]
        registry=RecordedRegistry(merged_recordings(HOST, "registry")),
        live=True,
    )


def outputs(tmp_path: Path) -> dict[str, str]:
    """Every output netwatch makes from the host, as text."""
    access = planted_host()
    hardware = read_hardware(host_facts(access))
    assert hardware.windows_licence is not None, "the planted answer is still read"
    inventory = {"schema_version": 1, "collected_at": "2026-12-01T02:00:00Z",
                 "host": {"hostname": "KETOAN-PC"}, "hardware": hardware.model_dump(mode="json")}  # fmt: skip
    identity = HostIdentity(hostname="KETOAN-PC", os_family="windows", os_name="Windows 11")
    report = build_report(fixture_policy(), access, identity, office="UBND xã Thanh Bình",
                          inventory=Inventory.model_validate(inventory))  # fmt: skip
    registry = CollectorRegistry()
    settings = HardwareSettings(memory_file=str(tmp_path / "memory.json"))
    registry.register(HardwareCollector(settings, lambda: hardware, users=lambda: []))  # type: ignore[arg-type]
    found = {
        "inventory JSON": json.dumps(inventory, ensure_ascii=False),
        "audit JSON": report_json(report),
        "audit HTML": render_host_html(report, "vi"),
        "audit Markdown": render_host_markdown(report, "vi"),
        "metrics": generate_latest(registry).decode(),
    }
    source = tmp_path / "ketoan.json"
    source.write_text(found["inventory JSON"], encoding="utf-8")
    result = build_register(RegisterRequest([source], tmp_path / "register", lang="vi", pdf=False))
    for path in result.paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                found[path.name] = "".join(book.read(n).decode("utf-8", "replace")
                                           for n in book.namelist())  # fmt: skip
        else:
            found[path.name] = path.read_text(encoding="utf-8-sig")
    return found


def test_no_planted_secret_in_any_output(tmp_path: Path) -> None:
    found = outputs(tmp_path)
    assert len(found) >= 9, sorted(found)
    leaks = [f"{secret!r} in {name}" for name, text in found.items() for secret in SECRETS
             if secret in text]  # fmt: skip
    assert leaks == []
