"""Build the fixture ``/sys`` (+ CUPS) trees of four machines under tests/fixtures/sys/.

Run ``python -m tests.assets.sysfixtures`` after changing a machine; the generated trees
(binaries included: EDIDs, SMBIOS tables, EFI variables, SCSI VPD pages) are committed,
and a test checks they still match this script. The layouts follow what Linux shows: the
class and bus directories are symbolic links into ``/sys/devices``.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterable
from pathlib import Path

OUT = Path(__file__).parents[1] / "fixtures" / "sys"
EFI_GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

# EDID pieces: a 1920x1080@60 detailed timing (148.5 MHz) and a range-limits descriptor.
DTD_1080P = bytes.fromhex("023a801871382d40582c45000f282100001e")  # 527x296 mm
DTD_PANEL = bytes.fromhex("023a801871382d40582c450035ae1000001a")  # 309x174 mm, eDP
RANGE_LIMITS = bytes.fromhex("000000fd00384c1e5311010a202020202020")  # no timing formula
DUMMY = bytes([0, 0, 0, 0x10, 0]) + bytes(13)


def checksummed(block: bytes) -> bytes:
    """``block`` (127 bytes) with the byte that makes all 128 add up to 0 modulo 256."""
    return block + bytes([(-sum(block)) % 256])


def text_descriptor(tag: int, text: str) -> bytes:
    """An 18-byte display descriptor: 13 bytes of text, ended by LF and padded with spaces."""
    body = text.encode("ascii")[:13]
    if len(body) < 13:
        body = (body + b"\n").ljust(13, b" ")
    return bytes([0, 0, 0, tag, 0]) + body


def pnp(letters: str) -> bytes:
    """Three PNP letters packed in two big-endian bytes, 5 bits each."""
    a, b, c = (ord(letter) - ord("A") + 1 for letter in letters)
    return struct.pack(">H", (a << 10) | (b << 5) | c)


def edid(
    maker: str,
    product: int,
    serial: int,
    week: int,
    year: int,
    descriptors: Iterable[bytes],
    size_cm: tuple[int, int] = (53, 30),
    extension: bytes | None = None,
    timing: bytes = DTD_1080P,
) -> bytes:
    """An EDID 1.4 base block (and one extension block when given), checksums right."""
    block = bytearray(b"\x00\xff\xff\xff\xff\xff\xff\x00")
    block += pnp(maker) + struct.pack("<HI", product, serial) + bytes([week, year - 1990])
    block += bytes([1, 4, 0xA5, *size_cm, 0x78, 0x3B])  # EDID 1.4, digital, gamma 2.2
    block += bytes.fromhex("ee9ea3544c99260f5054")  # chromaticity (sRGB-like)
    block += bytes.fromhex("a54b00")  # established timings
    block += bytes.fromhex("d1c081c0814081809500b30001010101")  # standard timings
    slots = [timing, *descriptors]
    assert len(slots) == 4, "four 18-byte descriptors"
    for slot in slots:
        block += slot
    block.append(1 if extension else 0)
    base = checksummed(bytes(block))
    return base + (checksummed(extension[:127]) if extension else b"")


def cta_extension() -> bytes:
    """A CTA-861 extension holding one video capability block (the checksum added later)."""
    return bytes([0x02, 0x03, 0x07, 0x80, 0xE2, 0x00, 0x40]).ljust(127, b"\x00")


def smbios(kind: int, handle: int, fields: bytes, strings: Iterable[str] = ()) -> bytes:
    """One SMBIOS structure: header, formatted fields, strings and the double NUL."""
    header = struct.pack("<BBH", kind, 4 + len(fields), handle)
    texts = b"".join(s.encode("latin-1") + b"\x00" for s in strings)
    return header + fields + (texts + b"\x00" if texts else b"\x00\x00")


def bios_info(vendor: str, version: str, date: str) -> bytes:
    """Type 0 (SMBIOS 3.x, 0x1A bytes)."""
    fields = struct.pack(
        "<BBHBBQHBBBBH", 1, 2, 0xF000, 3, 0xFF, 0x0B9A9A80, 0x0F03, 1, 19, 0xFF, 0xFF, 0x20
    )
    return smbios(0, 0x0000, fields, [vendor, version, date])


def system_info(maker: str, product: str, serial: str, uuid: bytes) -> bytes:
    """Type 1 (0x1B bytes): maker, product, serial (index 0 when empty: no string is empty)."""
    serial_ref = 3 if serial else 0
    fields = bytes([1, 2, 0, serial_ref]) + uuid + bytes([6, 0, 0])
    return smbios(1, 0x0001, fields, [maker, product, serial] if serial else [maker, product])


def memory_array(slots: int, max_kb: int, ecc: bool) -> bytes:
    """Type 16 (0x17 bytes): the system board's memory."""
    fields = struct.pack("<BBBIHHQ", 3, 3, 6 if ecc else 3, max_kb, 0xFFFE, slots, 0)
    return smbios(16, 0x1000, fields)


def memory_device(
    handle: int,
    locator: str,
    bank: str,
    size_mb: int,
    speed: int,
    strings: tuple[str, str, str],
    length: int = 0x5C,
    form: int = 0x09,
) -> bytes:
    """Type 17 of ``length`` bytes (0x28: SMBIOS 2.8, 0x54: 3.2, 0x5C: 3.3).

    ``size_mb`` 0 is an empty slot; from 32 GiB the size goes in the extended field.
    ``strings`` are the manufacturer, serial and part number ('' for none).
    """
    size_word, extended = (size_mb, 0) if size_mb < 0x7FFF else (0x7FFF, size_mb)
    speed_word = speed if speed < 0xFFFF else 0xFFFF
    maker, serial, part = strings
    names = list(dict.fromkeys(text for text in (locator, bank, *strings) if text))

    def ref(text: str) -> int:
        return names.index(text) + 1 if text else 0

    fields = struct.pack(
        "<HHHHHBBBBBHHBBBBBIHHHH",
        0x1000,  # the memory array
        0xFFFE,  # no error information
        64,
        64,
        size_word,
        form,
        0,
        ref(locator),
        ref(bank),
        0x1A,  # DDR4
        0x0080,  # synchronous
        speed_word,
        ref(maker),
        ref(serial),
        0,  # no asset tag
        ref(part),
        2 if size_mb else 0,  # rank
        extended,
        speed_word,
        1200,
        1200,
        1200,
    ).ljust(length - 4, b"\x00")
    if length >= 0x5C and speed_word == 0xFFFF:
        fields = fields[: 0x54 - 4] + struct.pack("<II", speed, speed)
    return smbios(17, handle, fields, names)


END_OF_TABLE = smbios(127, 0xFEFF, b"")


def uuid_bytes(text: str) -> bytes:
    """A UUID as SMBIOS 2.6+ stores it: the first three fields little-endian."""
    raw = bytes.fromhex(text.replace("-", ""))
    return raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:]


class Tree:
    """Writes one machine's files; paths are system paths ('/sys/...')."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def file(self, path: str, content: str | bytes) -> None:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data)

    def attrs(self, directory: str, values: dict[str, str]) -> None:
        """sysfs text attributes: one value and a newline each."""
        for name, value in values.items():
            self.file(f"{directory}/{name}", f"{value}\n")

    def link(self, path: str, target: str) -> None:
        """A relative symbolic link at ``path`` to the system path ``target``."""
        source = self.root / path.lstrip("/")
        source.parent.mkdir(parents=True, exist_ok=True)
        relative = os.path.relpath(self.root / target.lstrip("/"), source.parent)
        source.symlink_to(relative)

    def dmi(self, values: dict[str, str]) -> None:
        self.attrs("/sys/devices/virtual/dmi/id", values)
        self.link("/sys/class/dmi/id", "/sys/devices/virtual/dmi/id")

    def pci(self, address: str, klass: str, vendor: str, device: str) -> str:
        """A PCI function and its /sys/bus/pci/devices link; returns its directory."""
        directory = f"/sys/devices/pci0000:00/{address}"
        self.attrs(directory, {"class": klass, "vendor": vendor, "device": device})
        self.link(f"/sys/bus/pci/devices/{address.rsplit('/', 1)[-1]}", directory)
        return directory

    def block(self, path: str, sectors: int, rotational: int) -> str:
        """The block device at ``path`` and its /sys/block link; returns ``path``."""
        name = path.rsplit("/", 1)[-1]
        self.attrs(path, {"size": str(sectors), "removable": "0"})
        self.attrs(f"{path}/queue", {"rotational": str(rotational)})
        self.link(f"/sys/block/{name}", path)
        return path

    def ata_disk(
        self,
        controller: str,
        port: int,
        name: str,
        sectors: int,
        rotational: int,
        model: str,
        serial: str,
    ) -> None:
        """A SATA disk behind libata: SCSI model (16 characters), vendor 'ATA', VPD page 0x80."""
        host = port - 1
        scsi = f"{controller}/ata{port}/host{host}/target{host}:0:0/{host}:0:0:0"
        self.attrs(scsi, {"vendor": "ATA     ", "model": model[:16].ljust(16), "rev": "0001"})
        ata_serial = serial.rjust(20).encode()
        self.file(f"{scsi}/vpd_pg80", bytes([0, 0x80, 0, len(ata_serial)]) + ata_serial)
        path = self.block(f"{scsi}/block/{name}", sectors, rotational)
        self.link(f"{path}/device", scsi)

    def nvme_disk(self, controller: str, model: str, serial: str, sectors: int) -> None:
        """An NVMe namespace nvme0n1; model and serial live on the controller nvme0."""
        ctrl = f"{controller}/nvme/nvme0"
        self.attrs(
            ctrl, {"model": model.ljust(40), "serial": serial.ljust(20), "firmware_rev": "11170101"}
        )
        path = self.block(f"{ctrl}/nvme0n1", sectors, 0)
        self.link(f"{path}/device", ctrl)

    def virtual_block(self, name: str, sectors: int) -> None:
        """A loop, zram or device-mapper device (not a disk)."""
        path = f"/sys/devices/virtual/block/{name}"
        self.attrs(path, {"size": str(sectors)})
        self.attrs(f"{path}/queue", {"rotational": "0"})
        self.link(f"/sys/block/{name}", path)

    def drm(self, gpu: str, connector: str, edid_data: bytes) -> None:
        """A DRM connector of card0 (edid empty when nothing is plugged in)."""
        path = f"{gpu}/drm/card0/card0-{connector}"
        self.file(f"{path}/edid", edid_data)
        self.attrs(
            path, {"status": "connected" if edid_data else "disconnected", "enabled": "enabled"}
        )
        self.link(f"/sys/class/drm/card0-{connector}", path)
        if not (self.root / "sys/class/drm/card0").is_symlink():
            self.link("/sys/class/drm/card0", f"{gpu}/drm/card0")
            self.file("/sys/class/drm/version", "drm 1.1.0 20060810\n")

    def tpm2(self, platform: str) -> None:
        """A TPM 2.0 (tpm0 and its resource manager tpmrm0)."""
        device = f"/sys/devices/platform/{platform}"
        self.attrs(f"{device}/tpm/tpm0", {"tpm_version_major": "2"})
        self.attrs(f"{device}/tpmrm/tpmrm0", {"dev": "253:65536"})
        self.link("/sys/class/tpm/tpm0", f"{device}/tpm/tpm0")
        self.link("/sys/class/tpm/tpmrm0", f"{device}/tpmrm/tpmrm0")
        self.link(f"{device}/tpm/tpm0/device", device)

    def efi(self, secure_boot: bool) -> None:
        """UEFI firmware and its SecureBoot variable (attributes 0x06, then the value)."""
        self.attrs("/sys/firmware/efi", {"fw_platform_size": "64"})
        value = struct.pack("<I", 0x06) + bytes([1 if secure_boot else 0])
        self.file(f"/sys/firmware/efi/efivars/SecureBoot-{EFI_GLOBAL}", value)


PCI_IDS = """\
# An excerpt of the PCI ID list (pci-ids.ucw.cz) for the fixture machines.
8086  Intel Corporation
\t9a49  TigerLake-LP GT2 [Iris Xe Graphics]
\t\t17aa 22d8  ThinkPad T14 Gen 2i
\t9bc5  CometLake-S GT2 [UHD Graphics 630]
C 03  Display controller
\t00  VGA compatible controller
"""

DESKTOP_PRINTERS = """\
# Printer configuration file for CUPS v2.4.2
# Written by cupsd
# DO NOT EDIT THIS FILE WHEN CUPSD IS RUNNING
NextPrinterId 4
<DefaultPrinter Office_LaserJet>
PrinterId 1
UUID urn:uuid:6f1d3c1e-2b7a-3c55-6a1e-0d7c2b1f9a31
Info HP LaserJet Pro M404dn
Location Phong Ke toan, tang 2
MakeModel HP LaserJet Pro M404-M405, hpcups 3.22.10
DeviceURI ipp://printer-2f.ubnd.local/ipp/print
State Idle
StateTime 1717400000
ConfigTime 1717300000
Type 8425492
Accepting Yes
Shared No
JobSheets none none
QuotaPeriod 0
PageLimit 0
KLimit 0
OpPolicy default
ErrorPolicy retry-job
</DefaultPrinter>
<Printer Label_QL800>
PrinterId 2
UUID urn:uuid:0a4c2e7d-51f3-3b8e-7c2a-9e1b5d3f6c20
Info Brother QL-800
Location Reception desk
MakeModel Brother QL-800 CUPS
DeviceURI usb://Brother/QL-800?serial=000G1Z123456
State Idle
Type 4100
Accepting Yes
Shared No
</Printer>
<Printer Accounting_Share>
PrinterId 3
Info Shared printer of the accounting office
MakeModel Generic PCL Laser Printer
DeviceURI smb://ketoan:Secr3t-Pa55@fileserver.ubnd.local/HP-M404
State Idle
Accepting Yes
</Printer>
"""

LAPTOP_PRINTERS = """\
# Printer configuration file for CUPS v2.4.7
NextPrinterId 3
<DefaultPrinter PDF>
PrinterId 1
Info Print to PDF
MakeModel Generic CUPS-PDF Printer (w/ options)
DeviceURI cups-pdf:/
State Idle
Accepting Yes
</DefaultPrinter>
<Printer Canon_MF643Cdw>
PrinterId 2
Info Canon MF643C/643Cdw
Location Meeting room
MakeModel Canon MF643C/643Cdw - IPP Everywhere
DeviceURI dnssd://Canon%20MF643C%2F643Cdw._ipp._tcp.local/?uuid=6d4ff0ce-6b11-11d8-8020-f80d609e2a11
State Idle
Accepting Yes
</Printer>
"""


def desktop(tree: Tree) -> None:
    """Dell OptiPlex 7090: UEFI, Secure Boot on, TPM 2.0, two DIMMs, NVMe + SATA, two monitors."""
    tree.dmi(
        {
            "sys_vendor": "Dell Inc.",
            "product_name": "OptiPlex 7090",
            "product_version": "",
            "product_serial": "7XK2QH3",
            "product_uuid": "4c4c4544-0058-4b10-8032-b7c04f514833",
            "chassis_type": "3",
            "chassis_vendor": "Dell Inc.",
            "bios_vendor": "Dell Inc.",
            "bios_version": "1.19.0",
            "bios_date": "09/12/2023",
            "board_vendor": "Dell Inc.",
            "board_name": "0G7X8V",
        }
    )
    tree.efi(secure_boot=True)
    tree.tpm2("STM0125:00")
    tree.file(
        "/sys/firmware/dmi/tables/DMI",
        bios_info("Dell Inc.", "1.19.0", "09/12/2023")
        + system_info(
            "Dell Inc.",
            "OptiPlex 7090",
            "7XK2QH3",
            uuid_bytes("4c4c4544-0058-4b10-8032-b7c04f514833"),
        )
        + memory_array(4, 128 * 1024 * 1024, ecc=False)
        + memory_device(
            0x1100,
            "DIMM1",
            "Not Specified",
            16384,
            3200,
            ("Samsung", "4A1B2C3D", "M378A2G43AB3-CWE    "),
        )
        + memory_device(
            0x1101,
            "DIMM2",
            "Not Specified",
            16384,
            3200,
            ("Samsung", "4A1B2C3E", "M378A2G43AB3-CWE    "),
        )
        + memory_device(0x1102, "DIMM3", "Not Specified", 0, 0, ("", "", ""))
        + memory_device(0x1103, "DIMM4", "Not Specified", 0, 0, ("", "", ""))
        + END_OF_TABLE,
    )
    gpu = tree.pci("0000:00:02.0", "0x030000", "0x8086", "0x9bc5")
    tree.pci("0000:00:1f.3", "0x040300", "0x8086", "0xf0c8")
    sata = tree.pci("0000:00:17.0", "0x010601", "0x8086", "0x43d2")
    tree.pci("0000:00:1b.0", "0x060400", "0x8086", "0x43c4")
    nvme = "/sys/devices/pci0000:00/0000:00:1b.0/0000:02:00.0"
    tree.attrs(nvme, {"class": "0x010802", "vendor": "0x15b7", "device": "0x5006"})
    tree.link("/sys/bus/pci/devices/0000:02:00.0", nvme)
    tree.nvme_disk(nvme, "PC SN730 NVMe WDC 512GB", "21104E800123", 1000215216)
    tree.ata_disk(sata, 3, "sda", 1953525168, 1, "ST1000DM010-2EP102", "Z9A1B2C3")
    tree.virtual_block("loop0", 129016)
    tree.drm(
        gpu,
        "DP-1",
        edid(
            "DEL",
            0xA0C4,
            0x4C4A3341,
            14,
            2022,
            [text_descriptor(0xFF, "3C8JNH3"), text_descriptor(0xFC, "DELL P2422H"), RANGE_LIMITS],
        ),
    )
    tree.drm(
        gpu,
        "HDMI-A-1",
        edid(
            "SAM",
            0x0F6B,
            0x4D4B5A30,
            32,
            2020,
            [RANGE_LIMITS, text_descriptor(0xFC, "S24R35x"), DUMMY],
            extension=cta_extension(),
        ),
    )
    tree.drm(gpu, "DP-2", b"")
    tree.file("/usr/share/misc/pci.ids", PCI_IDS)
    tree.file("/etc/cups/printers.conf", DESKTOP_PRINTERS)


def laptop(tree: Tree) -> None:
    """Lenovo ThinkPad T14 Gen 2i: UEFI, Secure Boot off, TPM 2.0, eDP panel, NVMe, LUKS."""
    tree.dmi(
        {
            "sys_vendor": "LENOVO",
            "product_name": "20W000Q1GE",
            "product_version": "ThinkPad T14 Gen 2i",
            "product_family": "ThinkPad T14 Gen 2i",
            "product_serial": "PF3ABCDE",
            "product_uuid": "5E3C1A2B-7D4F-11EB-8C3A-E4A8DF2B6C11",
            "chassis_type": "10",
            "bios_vendor": "LENOVO",
            "bios_version": "R1MET59W (1.29 )",
            "bios_date": "06/15/2023",
        }
    )
    tree.efi(secure_boot=False)
    tree.tpm2("MSFT0101:00")
    tree.file(
        "/sys/firmware/dmi/tables/DMI",
        bios_info("LENOVO", "R1MET59W (1.29 )", "06/15/2023")
        + memory_array(2, 64 * 1024 * 1024, ecc=False)
        + memory_device(
            0x1100,
            "ChannelA-DIMM0",
            "BANK 0",
            8192,
            3200,
            ("Samsung", "00000000", "M471A1K43DB1-CWE"),
            0x54,
            0x0D,
        )
        + memory_device(
            0x1101,
            "ChannelB-DIMM0",
            "BANK 2",
            16384,
            3200,
            ("Crucial Technology", "E71F2A3B", "CT16G4SFRA32A.M16FRS"),
            0x54,
            0x0D,
        )
        + END_OF_TABLE,
    )
    gpu = tree.pci("0000:00:02.0", "0x030000", "0x8086", "0x9a49")
    tree.pci("0000:00:06.0", "0x060400", "0x8086", "0x9a09")
    nvme = "/sys/devices/pci0000:00/0000:00:06.0/0000:04:00.0"
    tree.attrs(nvme, {"class": "0x010802", "vendor": "0x144d", "device": "0xa809"})
    tree.link("/sys/bus/pci/devices/0000:04:00.0", nvme)
    tree.nvme_disk(nvme, "SAMSUNG MZVLB512HBJQ-000L7", "S4ENNF0N123456", 1000215216)
    tree.virtual_block("dm-0", 999176192)
    tree.virtual_block("zram0", 16777216)
    panel = [
        DUMMY,
        text_descriptor(0xFE, "BOE CQ"),
        text_descriptor(0xFE, "NV140FHM-N4B"),
    ]
    tree.drm(
        gpu, "eDP-1", edid("BOE", 0x08B3, 0, 1, 2021, panel, size_cm=(31, 17), timing=DTD_PANEL)
    )
    tree.drm(gpu, "DP-1", b"")
    tree.file("/usr/share/misc/pci.ids", PCI_IDS)
    tree.file("/etc/cups/printers.conf", LAPTOP_PRINTERS)


def server(tree: Tree) -> None:
    """HPE ProLiant DL380 Gen10: legacy BIOS, no TPM, two SATA disks, 32 GiB RDIMMs, Matrox."""
    tree.dmi(
        {
            "sys_vendor": "HPE",
            "product_name": "ProLiant DL380 Gen10",
            "product_serial": "CZJ0310ABC",
            "product_uuid": "30373237-3132-5a43-4a30-333130414243",
            "chassis_type": "23",
            "bios_vendor": "HPE",
            "bios_version": "U30",
            "bios_date": "03/09/2023",
        }
    )
    tree.attrs("/sys/firmware/acpi", {"pm_profile": "4"})
    tree.file(
        "/sys/firmware/dmi/tables/DMI",
        bios_info("HPE", "U30", "03/09/2023")
        + memory_array(24, 3 * 1024 * 1024 * 1024, ecc=True)
        + memory_device(
            0x1100,
            "PROC 1 DIMM 1",
            "Not Specified",
            0,
            0,
            ("UNKNOWN", "Not Specified", "NOT AVAILABLE"),
            0x28,
        )
        + memory_device(
            0x1101,
            "PROC 1 DIMM 8",
            "Not Specified",
            32768,
            2933,
            ("HPE", "Not Specified", "P00924-B21"),
            0x28,
        )
        + memory_device(
            0x1102,
            "PROC 1 DIMM 10",
            "Not Specified",
            32768,
            2933,
            ("HPE", "Not Specified", "P00924-B21"),
            0x28,
        )
        + END_OF_TABLE,
    )
    tree.pci("0000:00:1c.4", "0x060400", "0x8086", "0xa194")
    ilo = "/sys/devices/pci0000:00/0000:00:1c.4/0000:01:00.1"
    tree.attrs(ilo, {"class": "0x030000", "vendor": "0x102b", "device": "0x0538"})
    tree.link("/sys/bus/pci/devices/0000:01:00.1", ilo)
    sata = tree.pci("0000:00:17.0", "0x010601", "0x8086", "0xa186")
    tree.ata_disk(sata, 1, "sda", 1953525168, 1, "MB001000GWFGF", "WCC6Y1A2B3C4")
    tree.ata_disk(sata, 2, "sdb", 937703088, 0, "VK000480GWSRR", "S455NY0M812345")
    tree.drm(ilo, "VGA-1", b"")


def vm(tree: Tree) -> None:
    """QEMU/KVM Q35 with SeaBIOS: no TPM, one virtio disk, a DVD drive, virtio GPU."""
    tree.dmi(
        {
            "sys_vendor": "QEMU",
            "product_name": "Standard PC (Q35 + ICH9, 2009)",
            "product_version": "pc-q35-8.2",
            "product_uuid": "6a1f0c2e-9b3d-4e5f-8a7b-1c2d3e4f5a6b",
            "chassis_type": "1",
            "chassis_vendor": "QEMU",
            "bios_vendor": "SeaBIOS",
            "bios_version": "1.16.3-debian-1.16.3-2",
            "bios_date": "04/01/2014",
        }
    )
    tree.file(
        "/sys/firmware/dmi/tables/DMI",
        bios_info("SeaBIOS", "1.16.3-debian-1.16.3-2", "04/01/2014")
        + system_info(
            "QEMU",
            "Standard PC (Q35 + ICH9, 2009)",
            "",
            uuid_bytes("6a1f0c2e-9b3d-4e5f-8a7b-1c2d3e4f5a6b"),
        )
        + memory_array(1, 8 * 1024 * 1024, ecc=False)
        + memory_device(0x1100, "DIMM 0", "", 4096, 0, ("QEMU", "", ""), 0x28)
        + END_OF_TABLE,
    )
    gpu = tree.pci("0000:00:01.0", "0x030000", "0x1af4", "0x1050")
    tree.pci("0000:00:02.3", "0x060400", "0x1b36", "0x000c")
    disk = "/sys/devices/pci0000:00/0000:00:02.3/0000:04:00.0"
    tree.attrs(disk, {"class": "0x010000", "vendor": "0x1af4", "device": "0x1042"})
    tree.link("/sys/bus/pci/devices/0000:04:00.0", disk)
    vda = tree.block(f"{disk}/virtio2/block/vda", 83886080, 1)
    tree.file(f"{vda}/serial", "")
    ahci = tree.pci("0000:00:1f.2", "0x010601", "0x8086", "0x2922")
    scsi = f"{ahci}/ata1/host0/target0:0:0/0:0:0:0"
    tree.attrs(scsi, {"vendor": "QEMU    ", "model": "QEMU DVD-ROM    "})
    tree.block(f"{scsi}/block/sr0", 2097151, 1)
    tree.drm(gpu, "Virtual-1", b"")


MACHINES = {"desktop": desktop, "laptop": laptop, "server": server, "vm": vm}


def build(out: Path = OUT) -> None:
    """Write every machine's tree under ``out`` (replacing what was there)."""
    for name, make in MACHINES.items():
        root = out / name
        if root.exists():
            shutil.rmtree(root)
        make(Tree(root))


if __name__ == "__main__":
    build()
