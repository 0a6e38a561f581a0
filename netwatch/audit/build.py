"""Run one host's audit: identity, inventory, posture checks and optional service probes."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from netwatch import __version__
from netwatch.audit.inventory import Inventory, InventoryOs, InventoryPackage, inventory_of
from netwatch.audit.model import (
    AuditReport,
    Bilingual,
    CheckRecord,
    FrameworkInfo,
    HostIdentity,
    PolicyInfo,
    ScoreRecord,
    ServiceRecord,
)
from netwatch.collectors.services import build_jobs
from netwatch.facts.host import HostFacts, host_facts
from netwatch.facts.packages import DPKG_STATUS, Package
from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.confine import UnsafeFileError
from netwatch.inventory.osinfo import OsInfo, gather_os_info, linux_os_info
from netwatch.inventory.snapshot import SCHEMA_VERSION as INVENTORY_SCHEMA_VERSION
from netwatch.inventory.snapshot import gather_inventory
from netwatch.inventory.software import package_record
from netwatch.posture.model import CheckResult
from netwatch.posture.policy import BUILTIN_DIR, BUILTIN_PREFIX, Policy
from netwatch.posture.runner import host_platform, run_policy
from netwatch.posture.score import compute_score
from netwatch.posture.serialize import result_record, score_record
from netwatch.probes.check import run_once, select_services
from netwatch.probes.record import as_record
from netwatch.times import utc_iso

log = logging.getLogger(__name__)

# An audit reads the host through one HostFacts: identity, inventory and the posture
# checks share each fact (os-release, dpkg status, the registry) instead of reading it
# again. Each step takes the facts (or a HostAccess, for new facts of its own).
Source = HostAccess | HostFacts


def audit_facts(access: HostAccess, settings: Any) -> HostFacts:
    """The facts one audit of ``access``'s host shares (the configured package timeout)."""
    return HostFacts(access, package_timeout=settings.collectors.software.timeout)


def audit_platform(access: HostAccess, root: Path | None) -> str:
    """The platform whose checks run: always linux for a mounted disk."""
    return "linux" if root is not None else host_platform(access)


def checks_to_run(policy: Policy, platform: str) -> int:
    """How many of the policy's checks run on ``platform``."""
    return sum(1 for s in policy.selected if platform in s.check.meta.platforms)


def _image_text(access: HostAccess, path: str) -> str | None:
    """A file of the mounted disk; None when missing or refused (a loop, a FIFO: logged)."""
    try:
        return access.files.read_text_or_none(path)
    except UnsafeFileError as exc:
        log.warning("%s left out of the audit: %s", path, exc)
        return None


def image_hostname(access: HostAccess, root: Path) -> str:
    """The mounted system's /etc/hostname, or the mount directory's name when it has none."""
    words = (_image_text(access, "/etc/hostname") or "").split()
    return words[0] if words else (Path(root).resolve().name or "unknown")


def _os_info(facts: HostFacts, root: Path | None) -> OsInfo:
    if root is None:
        return gather_os_info(facts, socket.getfqdn())
    return linux_os_info(facts, image_hostname(facts.access, root), "")


def host_identity(source: Source, root: Path | None = None) -> HostIdentity:
    """Which machine is audited: this host, or the Linux system on the disk at ``root``."""
    fields = asdict(_os_info(host_facts(source), root))
    fields.pop("os_id")
    return HostIdentity(**fields)


def host_inventory(source: Source, root: Path | None, settings: Any) -> Inventory | None:
    """The full inventory live; offline only what files tell (None when they tell nothing)."""
    if root is not None:
        return offline_inventory(source, root)
    document = gather_inventory(
        host_facts(source, package_timeout=settings.collectors.software.timeout),
        exclude_fstypes=list(settings.collectors.filesystem.exclude_fstypes),
        exclude_mountpoints=settings.collectors.filesystem.exclude_mountpoints,
        exclude_interfaces=settings.collectors.network.exclude_interfaces,
        assignment=settings.asset.assignment(),
        memory_file=Path(settings.collectors.hardware.memory_file),
    )
    return inventory_of(document)


def _image_packages(facts: HostFacts) -> list[Package] | None:
    """The installed dpkg packages of the mounted disk; None when there is no status file
    or it is refused (a loop, a FIFO: logged)."""
    try:
        dpkg = facts.dpkg
    except UnsafeFileError as exc:
        log.warning("%s left out of the audit: %s", DPKG_STATUS, exc)
        return None
    return None if dpkg is None else dpkg.installed()


def offline_inventory(source: Source, root: Path) -> Inventory | None:
    """OS release, machine id and dpkg packages read from the files of a mounted disk."""
    facts = host_facts(source)
    files = facts.access.files
    packages = _image_packages(facts)
    known = [files.exists(p) for p in ("/etc/os-release", "/usr/lib/os-release", "/etc/machine-id")]
    if packages is None and not any(known):
        return None
    host = linux_os_info(facts, image_hostname(facts.access, root), "")
    return Inventory(
        schema_version=INVENTORY_SCHEMA_VERSION,
        collected_at=utc_iso(),
        agent_version=__version__,
        scope="files",
        root=str(root),
        host=InventoryOs(**asdict(host)),
        software=[InventoryPackage(**package_record(p)) for p in packages or []],
    )


def probe_services(settings: Any) -> list[ServiceRecord]:
    """Probe the configured services once (discovered gateway and DNS when none are set)."""
    jobs = build_jobs(select_services(settings, [], [], []), settings.collectors.services)
    if not jobs:
        return []
    outcomes = run_once(jobs, settings.collectors.services.max_concurrency)
    now = time.time()
    fields = ServiceRecord.model_fields
    return [
        ServiceRecord(**{k: v for k, v in as_record(job, result, now).items() if k in fields})
        for job, result in outcomes
    ]


def _source(path: str) -> str:
    """A policy file as readers know it: ``builtin:NAME`` for the shipped policies."""
    file = Path(path)
    return f"{BUILTIN_PREFIX}{file.stem}" if file.parent == BUILTIN_DIR else path


def build_report(
    policy: Policy,
    source: Source,
    identity: HostIdentity,
    *,
    root: Path | None = None,
    office: str = "",
    preparer: str = "",
    approver: str = "",
    inventory: Inventory | None = None,
    services: list[ServiceRecord] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> AuditReport:
    """Run the policy's checks on the host ``source`` looks at and assemble the report."""
    started = time.time()
    facts = host_facts(source)
    results = run_policy(policy, facts.access, platform=audit_platform(facts.access, root),
                         now=started, on_result=on_result, facts=facts)  # fmt: skip
    return AuditReport(
        generated_at=utc_iso(started),
        agent_version=__version__,
        office=office,
        preparer=preparer,
        approver=approver,
        mode="offline" if root is not None else "live",
        root=str(root) if root is not None else None,
        host=identity,
        policy=PolicyInfo(
            name=policy.name,
            description=policy.description,
            sources=[_source(s) for s in policy.sources],
        ),  # fmt: skip
        score=ScoreRecord(**score_record(compute_score(results))),
        results=[CheckRecord.model_validate(result_record(r)) for r in results],
        frameworks=[
            FrameworkInfo(
                id=f.id,
                title=Bilingual(**f.title),
                controls={key: Bilingual(**text) for key, text in f.controls.items()},
            )
            for f in policy.frameworks
        ],
        services=services,
        inventory=inventory,
    )
