"""Audit reports of the posture fixture hosts, and helpers to save and vary them."""

from __future__ import annotations

import json
import os
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from netwatch.audit.build import build_report
from netwatch.audit.model import AuditReport, HostIdentity, OfficeReport, WaiverInfo
from netwatch.audit.output import report_json
from netwatch.posture.policy import Policy, load_policy
from tests.helpers.posture_hosts import POSTURE_FIXTURES, recorded_host

REPO = Path(__file__).parents[2]
DAY = 86400.0
IDENTITIES = {
    "linux-hardened": HostIdentity(hostname="srv-hardened", os_family="linux",
                                   os_name="Debian GNU/Linux", os_version="12",
                                   machine_id="0123456789abcdef0123456789abcdef"),
    "linux-weak": HostIdentity(hostname="pc-weak", os_family="linux", os_name="Ubuntu",
                               os_version="20.04", machine_id="fedcba9876543210fedcba9876543210"),
}  # fmt: skip
POLICY_YAML = (
    "name: fixture\nextends: builtin:baseline\nchecks:\n"
    "  common.backup.locations_exist: {params: {paths: [/srv/backup, /mnt/offline-usb]}}\n"
    "  common.backup.recent: {params: {paths: [/srv/backup, /mnt/offline-usb]}}\n"
)


def age_backups() -> None:
    """Fresh backups on the hardened host, a 40-day-old one on the weak host."""
    now = time.time()
    for fresh in ("srv/backup/daily/files-latest.tar.zst", "mnt/offline-usb/weekly.tar.zst"):
        os.utime(POSTURE_FIXTURES / "linux-hardened" / fresh, (now - DAY, now - DAY))
    stale = POSTURE_FIXTURES / "linux-weak/srv/backup/files-2024-01-01.tar.gz"
    os.utime(stale, (now - 40 * DAY, now - 40 * DAY))


@cache
def fixture_policy() -> Policy:
    """The baseline plus the fixture hosts' backup locations."""
    age_backups()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fixture-policy.yaml"
        path.write_text(POLICY_YAML, encoding="utf-8")
        return load_policy(path)


@cache
def fixture_report(host: str, office: str = "UBND xã Thanh Bình") -> AuditReport:
    """The audit of a recorded fixture host (live mode, no inventory)."""
    return build_report(fixture_policy(), recorded_host(host), IDENTITIES[host], office=office)


def save(report: AuditReport | OfficeReport, path: Path) -> Path:
    """Write ``report`` as its JSON document."""
    path.write_text(report_json(report), encoding="utf-8")
    return path


def with_results(report: AuditReport, **results: str | None) -> AuditReport:
    """``report`` with the given checks' results changed (None removes the check).

    ``expired`` stands for a failure whose waiver has expired, ``waived`` for a
    failure under a valid waiver; keyword names use ``__`` for the dots of ids.
    """
    wanted = {key.replace("__", "."): value for key, value in results.items()}
    records = []
    for record in report.results:
        if record.id not in wanted:
            records.append(record)
            continue
        result = wanted[record.id]
        if result is None:
            continue
        status = "fail" if result in ("waived", "expired") else result
        waiver = None
        if result in ("waived", "expired"):
            waiver = WaiverInfo(check=record.id, reason="legacy software", approver="Phó chánh VP",
                                expires="2026-01-01", expired=result == "expired")  # fmt: skip
        label = "fail" if result == "expired" else result
        records.append(record.model_copy(update={"result": label, "status": status,
                                                 "waiver": waiver}))  # fmt: skip
    return report.model_copy(update={"results": records})


def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for the published schema ``docs/<name>.schema.json``."""
    schema = json.loads((REPO / "docs" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def assert_valid(document: Any, name: str) -> None:
    """Fail with every schema violation of ``document``."""
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in schema_validator(name).iter_errors(document)]  # fmt: skip
    assert errors == []


def loopback_services(**ports: int) -> str:
    """Config text probing ``name=port`` TCP services on 127.0.0.1 (never another address)."""
    items = "".join(f"  - {{name: {name}, prober: tcp, target: '127.0.0.1:{port}', timeout: 2s}}\n"
                    for name, port in ports.items())  # fmt: skip
    return f"services:\n{items}"


def listing(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its content."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file()}  # fmt: skip
