"""Windows removable storage: the USB mass-storage driver and removable-media policy."""

from __future__ import annotations

from netwatch.i18n import Message, msg
from netwatch.posture.checks._windows import (
    POLICIES,
    START_DISABLED,
    joined,
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

DRIVER_DISABLED = msg("Start=4 (disabled)")
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
        Evidence(start_source, start_text(start), DRIVER_DISABLED),
        Evidence(value_source(REMOVABLE_POLICY, "Deny_All"), shown(deny_all, 0), "1"),
        Evidence(
            value_source(REMOVABLE_DISKS, "Deny_Read"),
            msg(
                "Deny_Read={read}, Deny_Write={write}",
                read=shown(deny_read, 0),
                write=shown(deny_write, 0),
            ),
            msg("both 1"),
        ),
    )
    blocked = (
        start in (None, START_DISABLED) or deny_all == 1 or (deny_read == 1 and deny_write == 1)
    )
    if blocked:
        return passed(*evidence)
    return failed(*evidence, reason=msg("USB disks can be read and written"))


# Deny_Write or Deny_All on the Removable Disks class covers every removable disk, whatever
# its bus (USB sticks and disks, memory cards in built-in readers).
REMOVABLE_DENIES = (
    (REMOVABLE_POLICY, "Deny_All", msg("all removable storage denied")),
    (REMOVABLE_DISKS, "Deny_All", msg("removable disks denied")),
    (REMOVABLE_DISKS, "Deny_Write", msg("writing to removable disks denied")),
)


@check("windows.storage.removable_media_policy")
@windows_check(needs_registry=True)
def removable_media_policy(ctx: CheckContext) -> Outcome:
    """Nothing can be copied to a removable disk: the Removable Storage Access policy denies
    writing (or everything), or the USB mass-storage driver cannot load.

    The driver alone passes: it stops USB sticks and disks, which carry almost every copy
    out of an office; the evidence then says memory-card readers are not covered by it.
    """
    evidence: list[Evidence] = []
    denied: list[Message] = []
    for key, name, meaning in REMOVABLE_DENIES:
        value = registry_dword(ctx, key, name)
        evidence.append(Evidence(value_source(key, name), shown(value, 0), "1"))
        if value == 1:
            denied.append(meaning)
    if denied:
        return passed(*evidence, reason=msg("Group Policy: {denied}", denied=joined(denied)))
    start, start_source = service_start(ctx, "USBSTOR")
    evidence.append(Evidence(start_source, start_text(start), DRIVER_DISABLED))
    if start in (None, START_DISABLED):
        return passed(
            *evidence,
            reason=msg(
                "USB storage driver disabled; memory cards in built-in readers are not "
                "covered by it, only by the policy"
            ),
        )
    return failed(*evidence, reason=msg("documents can be copied to USB and other removable disks"))
