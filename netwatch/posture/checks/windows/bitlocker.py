"""BitLocker drive encryption: the system drive and fixed data drives."""

from __future__ import annotations

from typing import Any

from netwatch.i18n import msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    as_list,
    as_object,
    command_source,
    run_powershell,
    to_enum,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.registry import check

BITLOCKER_QUERY = powershell_query(
    "bitlocker_system_drive",
    "Get-BitLockerVolume -MountPoint $env:SystemDrive | "
    "Select-Object MountPoint,VolumeStatus,ProtectionStatus,EncryptionPercentage",
    "Get-BitLockerVolume",
)

VOLUME_STATUS = {
    "FullyDecrypted": 0,
    "FullyEncrypted": 1,
    "EncryptionInProgress": 2,
    "DecryptionInProgress": 3,
    "EncryptionPaused": 4,
    "DecryptionPaused": 5,
}

PROTECTION_STATUS = {"Off": 0, "On": 1, "Unknown": 2}

FULLY_ENCRYPTED, PROTECTION_ON = 1, 1


def volume_evidence(source: str, volume: dict[str, Any]) -> tuple[bool, Evidence]:
    """Whether a Get-BitLockerVolume object is fully encrypted with protection on."""
    status = to_enum(volume.get("VolumeStatus"), VOLUME_STATUS, "VolumeStatus")
    protection = to_enum(volume.get("ProtectionStatus"), PROTECTION_STATUS, "ProtectionStatus")
    status_name = {v: k for k, v in VOLUME_STATUS.items()}.get(status, "unknown")
    protection_name = {v: k for k, v in PROTECTION_STATUS.items()}.get(protection, "unknown")
    evidence = Evidence(
        f"{source} [{volume.get('MountPoint') or '?'}]",
        f"VolumeStatus={status} ({status_name}), ProtectionStatus={protection} "
        f"({protection_name}), EncryptionPercentage={volume.get('EncryptionPercentage')}",
        "VolumeStatus=1 (FullyEncrypted), ProtectionStatus=1 (On)",
    )
    return status == FULLY_ENCRYPTED and protection == PROTECTION_ON, evidence


@check("windows.bitlocker.system_drive", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def bitlocker_system_drive(ctx: CheckContext) -> Outcome:
    """The system volume is fully encrypted and its protection is on."""
    volume = as_object(run_powershell(ctx, BITLOCKER_QUERY), "Get-BitLockerVolume")
    protected, evidence = volume_evidence(command_source(BITLOCKER_QUERY.script), volume)
    return passed(evidence) if protected else failed(evidence)


# Fixed disks (Win32_LogicalDisk DriveType 3) other than the system volume: Get-BitLockerVolume
# calls removable drives "Data" too, and volumes without a drive letter hold no user files.
DATA_DRIVES_QUERY = powershell_query(
    "bitlocker_data_drives",
    "$fixed = @(Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' | "
    "ForEach-Object { $_.DeviceID }); Get-BitLockerVolume | Where-Object { "
    "$_.VolumeType -eq 'Data' -and $fixed -contains $_.MountPoint } | "
    "Select-Object MountPoint,VolumeStatus,ProtectionStatus,EncryptionPercentage",
    "Get-BitLockerVolume (data drives)",
)


@check("windows.bitlocker.data_drives", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def bitlocker_data_drives(ctx: CheckContext) -> Outcome:
    """Every fixed data drive (D:, E:...) is fully encrypted and its protection is on."""
    source = command_source(DATA_DRIVES_QUERY.script)
    volumes = as_list(run_powershell(ctx, DATA_DRIVES_QUERY))
    if not volumes:
        return not_applicable(
            msg("no fixed data drive: only the system drive"),
            Evidence(source, msg("no data volumes")),
        )
    results = [volume_evidence(source, volume) for volume in volumes]
    evidence = [item for _ok, item in results]
    open_drives = [
        str(volume.get("MountPoint") or "?")
        for volume, (ok, _item) in zip(volumes, results, strict=True)
        if not ok
    ]
    if open_drives:
        return failed(
            *evidence,
            reason=msg("not encrypted and protected: {drives}", drives=", ".join(open_drives)),
        )
    return passed(*evidence)
