"""A Linux host's hardware identity from ``/sys`` and CUPS's files, read-only, no tools.

Every read goes through :class:`~netwatch.hostaccess.files.Files`, so the same code reads
the running system (root ``/``) or a fixture tree. Sources:

- the system, BIOS and chassis: ``/sys/class/dmi/id`` (the serial and UUID are root only);
- UEFI and Secure Boot: ``/sys/firmware/efi`` and its ``SecureBoot`` variable;
- the TPM: ``/sys/class/tpm/tpm*``;
- RAM modules: the raw SMBIOS table ``/sys/firmware/dmi/tables/DMI`` (root only: Linux
  has no unprivileged source for DIMMs);
- disks: ``/sys/block`` (model, serial, size, rotational flag, bus from the device path);
- monitors: ``/sys/class/drm/*/edid``; GPUs: PCI display controllers in ``/sys/bus/pci``,
  named from ``/usr/share/misc/pci.ids`` when the host has it;
- printers: ``/etc/cups/printers.conf`` (root only on most systems).

A field whose file the reader may not open (``PermissionError``, as for a non-root user)
is None and named in ``needs_privilege``; a missing file is simply None. Disk health is
always None: no SMART data is readable without privileges or a tool (NVMe controllers in
``/sys/class/nvme`` expose none, and ATA SMART needs an ioctl on the device node).
Without a ``/sys`` (a disk image's is empty) only the printers are read.
``collected_at`` is left to the caller.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable

from netwatch.assets.cups import parse_printers_conf
from netwatch.assets.edid import parse_edid
from netwatch.assets.linux_accounts import local_accounts, membership
from netwatch.assets.model import (
    DiskKind,
    Firmware,
    Gpu,
    Hardware,
    MemoryModule,
    Monitor,
    PhysicalDisk,
    Printer,
    SystemIdentity,
    Tpm,
    Usage,
)
from netwatch.assets.smbios import memory_devices
from netwatch.hostaccess.files import READ_FLAGS, Files

DMI = "/sys/class/dmi/id"
DMI_TABLE = "/sys/firmware/dmi/tables/DMI"
EFI = "/sys/firmware/efi"
SECURE_BOOT_VAR = f"{EFI}/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
PRINTERS_CONF = "/etc/cups/printers.conf"
PCI_IDS = "/usr/share/misc/pci.ids"
MAX_BINARY_BYTES = 1024 * 1024  # an SMBIOS table or an EDID with its extensions
SECTOR = 512  # /sys/block/*/size counts 512-byte sectors whatever the disk's own

SKIPPED_BLOCK = re.compile(r"(loop|ram|zram|dm-|md|sr|nbd|fd)\d")
VIRTUAL_SYSTEM = re.compile(
    r"\b(qemu|kvm|vmware|virtualbox|innotek|xen|bochs|parallels|openstack)\b|"
    r"^virtual machine$|google compute engine",
    re.IGNORECASE,
)
VIRTUAL_DISK = re.compile(r"\b(qemu|vbox|vmware|virtual)\b", re.IGNORECASE)
PLACEHOLDERS = frozenset(
    {
        "",
        "to be filled by o.e.m.",
        "default string",
        "system manufacturer",
        "system product name",
        "system serial number",
        "not specified",
        "not applicable",
        "none",
        "n/a",
        "unknown",
        "0",
        "00000000",
        "0123456789",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "03000200-0400-0500-0006-000700080009",
    }
)
# SMBIOS chassis types (DSP0134 7.4.1) by the kind of machine they mean.
CHASSIS = {
    1: "other",
    3: "desktop",
    4: "desktop",
    5: "desktop",
    6: "desktop",
    7: "desktop",
    8: "laptop",
    9: "laptop",
    10: "laptop",
    11: "handheld",
    12: "docking station",
    13: "all-in-one",
    14: "laptop",
    15: "desktop",
    16: "desktop",
    17: "server",
    18: "expansion chassis",
    19: "expansion chassis",
    20: "expansion chassis",
    21: "expansion chassis",
    22: "storage",
    23: "server",
    24: "desktop",
    25: "server",
    26: "server",
    27: "server",
    28: "server",
    29: "server",
    30: "tablet",
    31: "laptop",
    32: "tablet",
    33: "embedded",
    34: "embedded",
    35: "desktop",
    36: "desktop",
}
PCI_VENDORS = {
    0x8086: "Intel",
    0x1002: "AMD",
    0x10DE: "NVIDIA",
    0x102B: "Matrox",
    0x1A03: "ASPEED",
    0x15AD: "VMware",
    0x1AF4: "Red Hat",
    0x1234: "QEMU",
    0x1414: "Microsoft",
    0x80EE: "VirtualBox",
    0x1013: "Cirrus Logic",
}
TPM_VENDORS = {
    "IFX": "Infineon",
    "STM": "STMicroelectronics",
    "NTC": "Nuvoton",
    "INTC": "Intel",
    "AMD": "AMD",
    "ATML": "Atmel",
    "BRCM": "Broadcom",
    "MSFT": "Microsoft",
    "NSM": "National Semiconductor",
}


class SysReader:
    """Reads ``/sys`` through :class:`Files`, noting each field a missing privilege hides."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.needs_privilege: set[str] = set()

    def text(self, path: str, field: str | None = None) -> str | None:
        """The stripped text of ``path``; None when missing, unreadable or empty."""
        try:
            return self.files.read_text(path).strip() or None
        except PermissionError:
            self.denied(field)
        except OSError:
            pass
        return None

    def data(self, path: str, field: str | None = None) -> bytes | None:
        """The bytes of the regular file ``path`` (an EDID, the SMBIOS table), or None."""
        try:
            handle = os.open(self.files.path(path), READ_FLAGS)
            with os.fdopen(handle, "rb") as stream:
                if not stat.S_ISREG(os.fstat(handle).st_mode):
                    return None
                return stream.read(MAX_BINARY_BYTES)
        except PermissionError:
            self.denied(field)
        except OSError:
            pass
        return None

    def denied(self, field: str | None) -> None:
        """Note that reading ``field`` needs root."""
        if field:
            self.needs_privilege.add(field)

    def real_path(self, path: str) -> str:
        """Where ``path`` leads (sysfs links resolved), relative to the root; '' if nowhere."""
        try:
            target = os.path.realpath(self.files.path(path))
        except OSError:
            return ""
        return "/" + os.path.relpath(target, os.path.realpath(self.files.root))


def known(value: str | None) -> str | None:
    """``value`` unless it is a placeholder firmware writes in place of a real one."""
    return None if value is None or value.lower() in PLACEHOLDERS else value


def is_virtual(*names: str | None) -> bool:
    """True when a DMI vendor or product name is a hypervisor's."""
    return any(name and VIRTUAL_SYSTEM.search(name) for name in names)


def chassis_kind(code: str | None, virtual: bool) -> str | None:
    """The kind of machine: 'virtual' for a VM, else the SMBIOS chassis type's meaning."""
    if virtual:
        return "virtual"
    return CHASSIS.get(int(code)) if code and code.isdigit() else None


def system_identity(reader: SysReader) -> SystemIdentity:
    """Maker, model, serial, UUID and chassis from the DMI attributes."""
    vendor = known(reader.text(f"{DMI}/sys_vendor"))
    product = known(reader.text(f"{DMI}/product_name"))
    version = known(reader.text(f"{DMI}/product_version"))
    if vendor == "LENOVO" and product and version:
        product = f"{version} ({product})"  # Lenovo's name is the version; the machine type
    virtual = is_virtual(vendor, product, reader.text(f"{DMI}/bios_vendor"))
    uuid = known(reader.text(f"{DMI}/product_uuid", "system.uuid"))
    return SystemIdentity(
        manufacturer=vendor,
        model=product,
        serial=known(reader.text(f"{DMI}/product_serial", "system.serial")),
        uuid=uuid.lower() if uuid else None,
        chassis=chassis_kind(reader.text(f"{DMI}/chassis_type"), virtual),
    )


def iso_date(text: str | None) -> str | None:
    """A DMI date (MM/DD/YYYY, or MM/DD/YY from old firmware) as YYYY-MM-DD; None if odd."""
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4}|\d{2})", text or "")
    if not match:
        return None
    month, day, year = (int(part) for part in match.groups())
    if year < 100:
        year += 1900 if year >= 80 else 2000
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def secure_boot(reader: SysReader) -> bool | None:
    """The SecureBoot variable: 4 attribute bytes, then 1 (on) or 0; None when unreadable."""
    value = reader.data(SECURE_BOOT_VAR, "firmware.secure_boot")
    if value is None or len(value) < 5:
        return None
    return value[4] == 1


def firmware(reader: SysReader) -> Firmware:
    """BIOS or UEFI: vendor, version, date, and Secure Boot when UEFI."""
    uefi = reader.files.exists(EFI)
    return Firmware(
        vendor=known(reader.text(f"{DMI}/bios_vendor")),
        version=known(reader.text(f"{DMI}/bios_version")),
        date=iso_date(reader.text(f"{DMI}/bios_date")),
        uefi=uefi,
        secure_boot=secure_boot(reader) if uefi else None,
    )


def tpm_version(reader: SysReader, device: str) -> str | None:
    """'2.0' or '1.2' from ``tpm_version_major`` (Linux 5.6+), else the caps or description."""
    major = reader.text(f"{device}/tpm_version_major")
    if major in ("1", "2"):
        return "2.0" if major == "2" else "1.2"
    for name in ("caps", "device/caps", "device/description"):
        match = re.search(r"\b(1\.2|2\.0)\b", reader.text(f"{device}/{name}") or "")
        if match:
            return match.group(1)
    return None


def tpm_manufacturer(reader: SysReader, device: str) -> str | None:
    """The maker a TPM 1.2 names in its caps (``Manufacturer: 0x49465800`` is 'IFX')."""
    for name in ("caps", "device/caps"):
        match = re.search(
            r"Manufacturer:\s*0x([0-9a-fA-F]{8})", reader.text(f"{device}/{name}") or ""
        )
        if match:
            code = bytes.fromhex(match.group(1)).rstrip(b"\x00 ").decode("ascii", "replace")
            return TPM_VENDORS.get(code, code)
    return None


def tpm(reader: SysReader) -> Tpm:
    """The first TPM the kernel sees; present False when it sees none."""
    devices = [
        name for name in reader.files.list_dir("/sys/class/tpm") if re.fullmatch(r"tpm\d+", name)
    ]
    if not devices:
        return Tpm(present=False)
    device = f"/sys/class/tpm/{devices[0]}"
    return Tpm(
        present=True,
        version=tpm_version(reader, device),
        manufacturer=tpm_manufacturer(reader, device),
    )


def memory_modules(reader: SysReader) -> list[MemoryModule]:
    """The populated DIMM slots from the SMBIOS table (root only)."""
    table = reader.data(DMI_TABLE, "memory_modules")
    if table is None:
        return []
    return [
        MemoryModule(
            slot=device.slot,
            size=device.size,
            speed_mts=device.speed_mts,
            manufacturer=device.manufacturer,
            part_number=device.part_number,
            serial=device.serial,
        )
        for device in memory_devices(table)
    ]


def disk_bus(device_path: str) -> str | None:
    """The bus a block device hangs off, from its path under ``/sys/devices``."""
    parts = device_path.split("/")
    patterns = (
        ("usb", r"usb\d+"),
        ("nvme", r"nvme"),
        ("sata", r"ata\d+"),
        ("virtio", r"virtio\d+"),
        ("mmc", r"mmc\d+"),
        ("xen", r"vbd-\d+"),
        ("scsi", r"host\d+"),
    )
    for bus, pattern in patterns:
        if any(re.fullmatch(pattern, part) for part in parts):
            return bus
    return None


def vpd_serial(page: bytes | None) -> str | None:
    """The unit serial number from a SCSI VPD page 0x80 (ATA disks have one too, via libata)."""
    if page is None or len(page) < 4 or page[1] != 0x80:
        return None
    length = int.from_bytes(page[2:4], "big")
    return known(page[4 : 4 + length].decode("ascii", "replace").strip(" \x00")) or None


def disk_model(reader: SysReader, block: str) -> str | None:
    """The model (NVMe, SCSI/SATA, with the vendor where it says more than 'ATA'; MMC name)."""
    model = reader.text(f"{block}/device/model") or reader.text(f"{block}/device/name")
    vendor = reader.text(f"{block}/device/vendor")
    if model and vendor and vendor != "ATA" and not model.startswith(vendor):
        return f"{vendor} {model}"
    return model


def disk_kind(rotational: str | None, bus: str | None, model: str | None) -> DiskKind:
    """'ssd' or 'hdd' from the rotational flag, 'unknown' for a VM's disk (the flag is made up)."""
    if bus == "virtio" or (model and VIRTUAL_DISK.search(model)):
        return "unknown"
    kinds: dict[str | None, DiskKind] = {"0": "ssd", "1": "hdd"}
    return kinds.get(rotational, "unknown")


def physical_disk(reader: SysReader, name: str) -> PhysicalDisk | None:
    """One disk of ``/sys/block``; None when it holds no medium (an empty card reader)."""
    block = f"/sys/block/{name}"
    sectors = reader.text(f"{block}/size")
    if not sectors or not sectors.isdigit() or int(sectors) == 0:
        return None
    bus = disk_bus(reader.real_path(block))
    model = disk_model(reader, block)
    serial = (
        known(reader.text(f"{block}/device/serial", "disks.serial"))
        or known(reader.text(f"{block}/serial", "disks.serial"))
        or vpd_serial(reader.data(f"{block}/device/vpd_pg80", "disks.serial"))
    )
    return PhysicalDisk(
        name=name,
        model=model,
        serial=serial,
        size=int(sectors) * SECTOR,
        kind=disk_kind(reader.text(f"{block}/queue/rotational"), bus, model),
        bus=bus,
    )


def disks(reader: SysReader) -> list[PhysicalDisk]:
    """Physical disks: ``/sys/block`` without loop, RAM, device-mapper, RAID and optical."""
    found = []
    for name in reader.files.list_dir("/sys/block"):
        if SKIPPED_BLOCK.match(name):
            continue
        disk = physical_disk(reader, name)
        if disk is not None:
            found.append(disk)
    return found


def monitors(reader: SysReader) -> list[Monitor]:
    """Connected displays: a DRM connector (``card0-HDMI-A-1``) with a non-empty EDID."""
    found = []
    for connector in reader.files.list_dir("/sys/class/drm"):
        if not re.fullmatch(r"card\d+-.+", connector):
            continue
        data = reader.data(f"/sys/class/drm/{connector}/edid")
        if not data:
            continue
        edid = parse_edid(data)
        code = None
        if edid.manufacturer_id and edid.product_code is not None:
            code = f"{edid.manufacturer_id}{edid.product_code:04X}"
        found.append(
            Monitor(
                maker=edid.manufacturer or edid.manufacturer_id,
                model=edid.model_name or code,
                serial=edid.serial,
                year=edid.year if edid.year and 1990 <= edid.year <= 2100 else None,
                connector=connector,
            )
        )
    return found


def pci_id(text: str | None) -> int | None:
    """An id such as ``0x8086`` as a number, or None."""
    try:
        return int(text, 16) if text else None
    except ValueError:
        return None


def pci_names(
    text: str, wanted: Iterable[tuple[int, int]]
) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """Vendor and device names from a ``pci.ids`` file, only for the ``wanted`` ids."""
    pairs = set(wanted)
    vendors_wanted = {vendor for vendor, _ in pairs}
    vendors: dict[int, str] = {}
    devices: dict[tuple[int, int], str] = {}
    vendor: int | None = None
    for line in text.splitlines():
        if line.startswith("C "):
            break  # the device classes follow the vendors
        match = re.match(r"(\t?)([0-9a-fA-F]{4})  (.+)", line)
        if not match:
            continue
        number = int(match.group(2), 16)
        if not match.group(1):
            vendor = number if number in vendors_wanted else None
            if vendor is not None:
                vendors[vendor] = match.group(3).strip()
        elif vendor is not None and (vendor, number) in pairs:
            devices[(vendor, number)] = match.group(3).strip()
    return vendors, devices


def gpus(reader: SysReader) -> list[Gpu]:
    """PCI display controllers (class 0x03), named from ``pci.ids`` when the host has it."""
    found: list[tuple[int, int]] = []
    for address in reader.files.list_dir("/sys/bus/pci/devices"):
        device = f"/sys/bus/pci/devices/{address}"
        if not (reader.text(f"{device}/class") or "").startswith("0x03"):
            continue
        vendor = pci_id(reader.text(f"{device}/vendor"))
        product = pci_id(reader.text(f"{device}/device"))
        if vendor is not None and product is not None:
            found.append((vendor, product))
    if not found:
        return []
    vendor_names, device_names = pci_names(reader.text(PCI_IDS) or "", found)
    result = []
    for vendor, product in found:
        maker = PCI_VENDORS.get(vendor) or vendor_names.get(vendor) or f"0x{vendor:04x}"
        name = device_names.get((vendor, product), f"{maker} device 0x{product:04x}")
        result.append(Gpu(name=name, vendor=maker))
    return result


def printers(reader: SysReader) -> list[Printer]:
    """CUPS queues from ``printers.conf`` (root only on most systems)."""
    text = reader.text(PRINTERS_CONF, "printers")
    return [
        Printer(
            name=printer.name,
            default=printer.default,
            connection=printer.connection,
            driver=printer.make_model,
            location=printer.location,
        )
        for printer in parse_printers_conf(text or "")
    ]


def linux_hardware(files: Files) -> Hardware:
    """The hardware identity of the Linux host (or image) ``files`` reads."""
    reader = SysReader(files)
    found_printers = printers(reader)
    accounts, last_user = local_accounts(files, reader.needs_privilege)
    usage = Usage(last_user=last_user) if last_user else None
    member = membership(files, reader.needs_privilege)
    if not files.exists("/sys/devices"):
        return Hardware(
            printers=found_printers, local_accounts=accounts, usage=usage, membership=member,
            needs_privilege=sorted(reader.needs_privilege),
        )  # fmt: skip
    return Hardware(
        local_accounts=accounts,
        usage=usage,
        membership=member,
        system=system_identity(reader) if files.exists(DMI) else None,
        firmware=firmware(reader),
        tpm=tpm(reader),
        memory_modules=memory_modules(reader),
        disks=disks(reader),
        monitors=monitors(reader),
        printers=found_printers,
        gpus=gpus(reader),
        needs_privilege=sorted(reader.needs_privilege),
    )
