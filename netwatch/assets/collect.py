"""Read a host's hardware for the asset register: Linux from ``/sys``, Windows from CIM.

One entry point for ``netwatch inventory``, the audit and the scheduled hardware collector;
on Windows the answers come from the host's single PowerShell batch. The Windows reader is
imported here, whatever the platform, so that its query is declared before any batch runs
(the audit runs the checks' batch before it reads the inventory).
"""

from __future__ import annotations

from netwatch.assets.linux import linux_hardware
from netwatch.assets.model import Assignment, Hardware
from netwatch.assets.windows import windows_hardware
from netwatch.facts.host import HostFacts
from netwatch.times import utc_iso


def read_hardware(facts: HostFacts, assignment: Assignment | None = None) -> Hardware:
    """The hardware of the host ``facts`` reads, stamped now, with where it belongs."""
    if facts.access.registry is not None:
        hardware = windows_hardware(facts)
    else:
        hardware = linux_hardware(facts.access.files)
    extra = {"assignment": assignment} if assignment is not None else {}
    return hardware.model_copy(update={"collected_at": utc_iso(), **extra})
