"""Read a host's hardware for the asset register: Linux from ``/sys``, Windows from CIM.

One entry point for ``netwatch inventory``, the audit and the scheduled hardware collector;
on Windows the answers come from the host's single PowerShell batch. The Windows reader is
imported here, whatever the platform, so that its query is declared before any batch runs
(the audit runs the checks' batch before it reads the inventory).
"""

from __future__ import annotations

from pathlib import Path

from netwatch.assets.linux import linux_hardware
from netwatch.assets.memory import remembered_usage
from netwatch.assets.model import Assignment, Hardware
from netwatch.assets.windows import windows_hardware
from netwatch.facts.host import HostFacts
from netwatch.times import utc_iso


def read_hardware(
    facts: HostFacts, assignment: Assignment | None = None, memory_file: Path | None = None
) -> Hardware:
    """The hardware of the host ``facts`` reads, stamped now, with where it belongs and, from
    the agent's memory at ``memory_file`` when there is one, its most frequent user."""
    if facts.access.registry is not None:
        hardware = windows_hardware(facts)
    else:
        hardware = linux_hardware(facts.access.files)
    extra: dict[str, object] = {"assignment": assignment} if assignment is not None else {}
    last_user = hardware.usage.last_user if hardware.usage else None
    known = remembered_usage(memory_file, last_user) if memory_file else None
    if known is not None:
        extra["usage"] = known
    return hardware.model_copy(update={"collected_at": utc_iso(), **extra})
