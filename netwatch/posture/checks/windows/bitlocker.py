"""BitLocker drive encryption."""

from __future__ import annotations

from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
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


@check("windows.bitlocker.system_drive", timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def bitlocker_system_drive(ctx: CheckContext) -> Outcome:
    """The system volume is fully encrypted and its protection is on."""
    volume = as_object(run_powershell(ctx, BITLOCKER_QUERY), "Get-BitLockerVolume")
    status = to_enum(volume.get("VolumeStatus"), VOLUME_STATUS, "VolumeStatus")
    protection = to_enum(volume.get("ProtectionStatus"), PROTECTION_STATUS, "ProtectionStatus")
    status_name = {v: k for k, v in VOLUME_STATUS.items()}.get(status, "unknown")
    protection_name = {v: k for k, v in PROTECTION_STATUS.items()}.get(protection, "unknown")
    evidence = Evidence(
        f"{command_source(BITLOCKER_QUERY.script)} [{volume.get('MountPoint') or '?'}]",
        f"VolumeStatus={status} ({status_name}), ProtectionStatus={protection} "
        f"({protection_name}), EncryptionPercentage={volume.get('EncryptionPercentage')}",
        "VolumeStatus=1 (FullyEncrypted), ProtectionStatus=1 (On)",
    )
    if status != FULLY_ENCRYPTED or protection != PROTECTION_ON:
        return failed(evidence)
    return passed(evidence)
