"""The register's input: host audit reports or inventory documents, one per machine.

A file is an audit report (``schema: netwatch-audit-report``, read by netwatch.audit.load)
or the ``netwatch inventory --format json`` document; anything else is one line naming the
file. Several reports of one machine: the newest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netwatch.assets.model import Hardware
from netwatch.audit.inventory import Inventory
from netwatch.audit.load import ReportFileError, json_path, load_host_report, read_json
from netwatch.core.yamlfile import printable
from netwatch.times import parse_utc


@dataclass(frozen=True)
class HostFacts:
    """What the register knows of one machine, from one report file."""

    source: str
    hostname: str
    os_name: str
    os_version: str
    reported_at: str
    inventory: Inventory

    @property
    def hardware(self) -> Hardware:
        """The hardware section (empty when the report has none)."""
        return self.inventory.hardware or Hardware()

    @property
    def ram_total(self) -> int | None:
        """Bytes of RAM: the modules' sum when they were read, else what the OS sees."""
        sizes = [m.size for m in self.hardware.memory_modules if m.size is not None]
        if sizes:
            return sum(sizes)
        memory = self.inventory.memory
        return memory.total if memory else None

    @property
    def cpu(self) -> str | None:
        """The CPU model the inventory read."""
        cpu = self.inventory.cpu
        return cpu.model if cpu else None


def _fail(path: Path, problem: str) -> ReportFileError:
    return ReportFileError(printable(f"{path}: {problem}"))


def load_host(path: Path) -> HostFacts:
    """One machine's facts from an audit report or an inventory document."""
    data = read_json(path)
    if isinstance(data, dict) and "schema" in data:
        report = load_host_report(path)
        host = report.host
        inventory = report.inventory or Inventory()
        return HostFacts(str(path), host.hostname, host.os_name, host.os_version,
                         report.generated_at, inventory)  # fmt: skip
    return _inventory(path, data)


def _inventory(path: Path, data: Any) -> HostFacts:
    """The machine of the inventory document ``data``, or a ReportFileError naming the file."""
    if not isinstance(data, dict) or not isinstance(data.get("host"), dict):
        raise _fail(path, "not a netwatch audit report or inventory document "
                          "(no \"schema\" field and no \"host\" object)")  # fmt: skip
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        more = len(exc.errors()) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        where = json_path(tuple(error["loc"]))
        raise _fail(path, f"invalid inventory at {where}: {error['msg']}{extra}") from None
    os, collected_at = inventory.host, inventory.collected_at or ""
    if os is None or not os.hostname:
        raise _fail(path, "invalid inventory at host.hostname: required field missing")
    try:
        parse_utc(collected_at)
    except ValueError:
        raise _fail(path, f"invalid inventory at collected_at: not an ISO 8601 time "
                          f"(got {inventory.collected_at!r})") from None  # fmt: skip
    return HostFacts(str(path), os.hostname, os.os_name or "", os.os_version or "",
                     collected_at, inventory)  # fmt: skip


def newest_per_host(hosts: list[HostFacts]) -> tuple[list[HostFacts], list[HostFacts]]:
    """One entry per hostname (the newest; the later file on a tie), sorted by hostname,
    and the entries left out."""
    best: dict[str, HostFacts] = {}
    for host in hosts:
        key = host.hostname.casefold()
        chosen = best.get(key)
        if chosen is None or parse_utc(host.reported_at) >= parse_utc(chosen.reported_at):
            best[key] = host
    kept = sorted(best.values(), key=lambda h: h.hostname.casefold())
    return kept, [h for h in hosts if best[h.hostname.casefold()] is not h]
