"""What an asset register is made of, as the inventory document carries it (``hardware``).

One typed definition for the collectors (Linux ``/sys``, Windows CIM), the audit report's
inventory, the change memory and the office register. Strict (a number in a text field is
an error) and open (a newer netwatch's extra keys load); a field that could not be read is
None and, when the reason is a missing privilege, named in ``needs_privilege``. Product
keys and passwords are never collected: there is no field for them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

DiskKind = Literal["ssd", "hdd", "unknown"]
PrinterConnection = Literal["network", "local", "virtual", "unknown"]
ActivationStatus = Literal["licensed", "unlicensed", "grace", "notification", "unknown"]
LicenceChannel = Literal["oem", "retail", "volume_kms", "volume_mak", "subscription", "unknown"]


class OpenRecord(BaseModel):
    """Typed where netwatch writes, open to keys it does not (strict: no coercion).

    Serialised as written: a key the document did not have stays absent, not null.
    """

    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False, frozen=True)

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}


class SystemIdentity(OpenRecord):
    """The machine as its maker names it (DMI / ``Win32_ComputerSystemProduct``)."""

    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    uuid: str | None = None
    chassis: str | None = Field(None, description="desktop, laptop, server, virtual, ...")


class Firmware(OpenRecord):
    """BIOS or UEFI; ``date`` is ISO 8601 (YYYY-MM-DD)."""

    vendor: str | None = None
    version: str | None = None
    date: str | None = None
    uefi: bool | None = None
    secure_boot: bool | None = Field(None, description="None: not UEFI, or not readable.")


class Tpm(OpenRecord):
    present: bool | None = None
    version: str | None = Field(None, description="'2.0', '1.2'")
    manufacturer: str | None = None


class MemoryModule(OpenRecord):
    """One RAM module (``size`` bytes, ``speed_mts`` MT/s)."""

    slot: str = ""
    size: int | None = Field(None, ge=0)
    speed_mts: int | None = Field(None, ge=0)
    manufacturer: str | None = None
    part_number: str | None = None
    serial: str | None = None


class PhysicalDisk(OpenRecord):
    """A physical disk (``size`` bytes); ``health`` as SMART or the OS reports it."""

    name: str = ""
    model: str | None = None
    serial: str | None = None
    size: int | None = Field(None, ge=0)
    kind: DiskKind = "unknown"
    bus: str | None = Field(None, description="sata, nvme, usb, virtio, scsi, ...")
    health: str | None = Field(None, description="'ok', 'warning', 'failing'; None: unread")


class Monitor(OpenRecord):
    """A display from its EDID: maker (PNP id decoded where known), model, serial."""

    maker: str | None = None
    model: str | None = None
    serial: str | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    connector: str | None = None


class Printer(OpenRecord):
    name: str = ""
    default: bool = False
    connection: PrinterConnection = "unknown"
    driver: str | None = None
    location: str | None = None


class Gpu(OpenRecord):
    name: str | None = None
    vendor: str | None = None


class WindowsLicence(OpenRecord):
    """Windows activation: status and channel, never a product key (none is collected)."""

    product: str | None = None
    status: ActivationStatus = "unknown"
    channel: LicenceChannel = "unknown"


class OfficeLicence(OpenRecord):
    product: str | None = None
    version: str | None = None
    status: ActivationStatus = "unknown"
    channel: LicenceChannel = "unknown"


class AntivirusProduct(OpenRecord):
    """An antivirus product as Windows Security Center (or the package list) names it."""

    name: str = ""
    enabled: bool | None = None
    up_to_date: bool | None = None


class LocalAccount(OpenRecord):
    """A local account; ``last_logon`` ISO 8601 UTC or None (never, or not readable)."""

    name: str = ""
    enabled: bool | None = None
    last_logon: str | None = None
    administrator: bool | None = None


class Membership(OpenRecord):
    """Domain or workgroup membership."""

    domain: str | None = None
    workgroup: str | None = None
    joined: bool | None = Field(None, description="True: a domain member.")


class Usage(OpenRecord):
    """Who uses the machine: the last signed-in user and the most frequent one the agent
    has seen over its memory (``since``: ISO 8601 start of that memory)."""

    last_user: str | None = None
    frequent_user: str | None = None
    since: str | None = None


class Assignment(OpenRecord):
    """Where the asset belongs, from the config or the office's asset CSV (not the machine)."""

    asset_tag: str | None = None
    department: str | None = None
    room: str | None = None
    owner: str | None = None
    purchase_date: str | None = Field(None, description="ISO date")


class Hardware(OpenRecord):
    """The ``hardware`` section of the inventory document."""

    collected_at: str | None = None
    system: SystemIdentity | None = None
    firmware: Firmware | None = None
    tpm: Tpm | None = None
    memory_modules: list[MemoryModule] = Field(default_factory=list)
    disks: list[PhysicalDisk] = Field(default_factory=list)
    monitors: list[Monitor] = Field(default_factory=list)
    printers: list[Printer] = Field(default_factory=list)
    gpus: list[Gpu] = Field(default_factory=list)
    windows_licence: WindowsLicence | None = None
    office_licences: list[OfficeLicence] = Field(default_factory=list)
    antivirus: list[AntivirusProduct] = Field(default_factory=list)
    membership: Membership | None = None
    local_accounts: list[LocalAccount] = Field(default_factory=list)
    usage: Usage | None = None
    assignment: Assignment | None = None
    needs_privilege: list[str] = Field(
        default_factory=list,
        description="Fields left empty because reading them needs root (Linux) or an "
        "administrator (Windows).",
    )
    unread: list[str] = Field(
        default_factory=list,
        description="Fields left empty because their source failed for another reason (a "
        "query that did not answer): an empty list there says nothing about the parts.",
    )
