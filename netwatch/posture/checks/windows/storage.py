"""Windows removable storage: the USB mass-storage driver and removable-media policy."""

from __future__ import annotations

from netwatch.posture.checks._windows import (
    POLICIES,
    START_DISABLED,
    registry_dword,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

REMOVABLE_POLICY = f"{POLICIES}\\Windows\\RemovableStorageDevices"


REMOVABLE_DISKS = f"{REMOVABLE_POLICY}\\{{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}}"


@check("windows.storage.usb_mass_storage")
@windows_check(needs_registry=True)
def usb_mass_storage(ctx: CheckContext) -> Outcome:
    """USBSTOR is disabled, all removable storage is denied, or removable disks are denied."""
    start, start_source = service_start(ctx, "USBSTOR")
    deny_all = registry_dword(ctx, REMOVABLE_POLICY, "Deny_All")
    deny_read = registry_dword(ctx, REMOVABLE_DISKS, "Deny_Read")
    deny_write = registry_dword(ctx, REMOVABLE_DISKS, "Deny_Write")
    evidence = (
        Evidence(start_source, start_text(start), "Start=4 (disabled)"),
        Evidence(value_source(REMOVABLE_POLICY, "Deny_All"), shown(deny_all, 0), "1"),
        Evidence(
            value_source(REMOVABLE_DISKS, "Deny_Read"),
            f"Deny_Read={shown(deny_read, 0)}, Deny_Write={shown(deny_write, 0)}",
            "both 1",
        ),
    )
    blocked = (
        start in (None, START_DISABLED) or deny_all == 1 or (deny_read == 1 and deny_write == 1)
    )
    if blocked:
        return passed(*evidence)
    return failed(*evidence, reason="USB disks can be read and written")
