"""The Linux hardware collector on the fixture /sys trees of four machines, and on this host."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from netwatch.assets.linux import disk_bus, iso_date, linux_hardware, pci_names, vpd_serial
from netwatch.assets.model import (
    Firmware,
    Gpu,
    Hardware,
    MemoryModule,
    Monitor,
    PhysicalDisk,
    Printer,
    SystemIdentity,
    Tpm,
)
from netwatch.hostaccess import FileReader
from tests.assets import sysfixtures

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sys"
GiB = 1 << 30

EXPECTED = {
    "desktop": Hardware(
        system=SystemIdentity(
            manufacturer="Dell Inc.",
            model="OptiPlex 7090",
            serial="7XK2QH3",
            uuid="4c4c4544-0058-4b10-8032-b7c04f514833",
            chassis="desktop",
        ),
        firmware=Firmware(
            vendor="Dell Inc.", version="1.19.0", date="2023-09-12", uefi=True, secure_boot=True
        ),
        tpm=Tpm(present=True, version="2.0", manufacturer=None),
        memory_modules=[
            MemoryModule(
                slot="DIMM1",
                size=16 * GiB,
                speed_mts=3200,
                manufacturer="Samsung",
                part_number="M378A2G43AB3-CWE",
                serial="4A1B2C3D",
            ),
            MemoryModule(
                slot="DIMM2",
                size=16 * GiB,
                speed_mts=3200,
                manufacturer="Samsung",
                part_number="M378A2G43AB3-CWE",
                serial="4A1B2C3E",
            ),
        ],
        disks=[
            PhysicalDisk(
                name="nvme0n1",
                model="PC SN730 NVMe WDC 512GB",
                serial="21104E800123",
                size=1000215216 * 512,
                kind="ssd",
                bus="nvme",
            ),
            PhysicalDisk(
                name="sda",
                model="ST1000DM010-2EP1",
                serial="Z9A1B2C3",
                size=1953525168 * 512,
                kind="hdd",
                bus="sata",
            ),
        ],
        monitors=[
            Monitor(
                maker="Dell",
                model="DELL P2422H",
                serial="3C8JNH3",
                year=2022,
                connector="card0-DP-1",
            ),
            Monitor(
                maker="Samsung",
                model="S24R35x",
                serial="1296783920",
                year=2020,
                connector="card0-HDMI-A-1",
            ),
        ],
        printers=[
            Printer(
                name="Office_LaserJet",
                default=True,
                connection="network",
                driver="HP LaserJet Pro M404-M405, hpcups 3.22.10",
                location="Phong Ke toan, tang 2",
            ),
            Printer(
                name="Label_QL800",
                default=False,
                connection="local",
                driver="Brother QL-800 CUPS",
                location="Reception desk",
            ),
            Printer(
                name="Accounting_Share",
                default=False,
                connection="network",
                driver="Generic PCL Laser Printer",
                location=None,
            ),
        ],
        gpus=[Gpu(name="CometLake-S GT2 [UHD Graphics 630]", vendor="Intel")],
        needs_privilege=[],
    ),
    "laptop": Hardware(
        system=SystemIdentity(
            manufacturer="LENOVO",
            model="ThinkPad T14 Gen 2i (20W000Q1GE)",
            serial="PF3ABCDE",
            uuid="5e3c1a2b-7d4f-11eb-8c3a-e4a8df2b6c11",
            chassis="laptop",
        ),
        firmware=Firmware(
            vendor="LENOVO",
            version="R1MET59W (1.29 )",
            date="2023-06-15",
            uefi=True,
            secure_boot=False,
        ),
        tpm=Tpm(present=True, version="2.0", manufacturer=None),
        memory_modules=[
            MemoryModule(
                slot="ChannelA-DIMM0",
                size=8 * GiB,
                speed_mts=3200,
                manufacturer="Samsung",
                part_number="M471A1K43DB1-CWE",
                serial=None,
            ),
            MemoryModule(
                slot="ChannelB-DIMM0",
                size=16 * GiB,
                speed_mts=3200,
                manufacturer="Crucial Technology",
                part_number="CT16G4SFRA32A.M16FRS",
                serial="E71F2A3B",
            ),
        ],
        disks=[
            PhysicalDisk(
                name="nvme0n1",
                model="SAMSUNG MZVLB512HBJQ-000L7",
                serial="S4ENNF0N123456",
                size=1000215216 * 512,
                kind="ssd",
                bus="nvme",
            ),
        ],
        monitors=[
            Monitor(maker="BOE", model="BOE08B3", serial=None, year=2021, connector="card0-eDP-1")
        ],
        printers=[
            Printer(
                name="PDF",
                default=True,
                connection="virtual",
                driver="Generic CUPS-PDF Printer (w/ options)",
                location=None,
            ),
            Printer(
                name="Canon_MF643Cdw",
                default=False,
                connection="network",
                driver="Canon MF643C/643Cdw - IPP Everywhere",
                location="Meeting room",
            ),
        ],
        gpus=[Gpu(name="TigerLake-LP GT2 [Iris Xe Graphics]", vendor="Intel")],
        needs_privilege=[],
    ),
    "server": Hardware(
        system=SystemIdentity(
            manufacturer="HPE",
            model="ProLiant DL380 Gen10",
            serial="CZJ0310ABC",
            uuid="30373237-3132-5a43-4a30-333130414243",
            chassis="server",
        ),
        firmware=Firmware(
            vendor="HPE", version="U30", date="2023-03-09", uefi=False, secure_boot=None
        ),
        tpm=Tpm(present=False),
        memory_modules=[
            MemoryModule(
                slot="PROC 1 DIMM 8",
                size=32 * GiB,
                speed_mts=2933,
                manufacturer="HPE",
                part_number="P00924-B21",
                serial=None,
            ),
            MemoryModule(
                slot="PROC 1 DIMM 10",
                size=32 * GiB,
                speed_mts=2933,
                manufacturer="HPE",
                part_number="P00924-B21",
                serial=None,
            ),
        ],
        disks=[
            PhysicalDisk(
                name="sda",
                model="MB001000GWFGF",
                serial="WCC6Y1A2B3C4",
                size=1953525168 * 512,
                kind="hdd",
                bus="sata",
            ),
            PhysicalDisk(
                name="sdb",
                model="VK000480GWSRR",
                serial="S455NY0M812345",
                size=937703088 * 512,
                kind="ssd",
                bus="sata",
            ),
        ],
        monitors=[],
        printers=[],
        gpus=[Gpu(name="Matrox device 0x0538", vendor="Matrox")],
        needs_privilege=[],
    ),
    "vm": Hardware(
        system=SystemIdentity(
            manufacturer="QEMU",
            model="Standard PC (Q35 + ICH9, 2009)",
            serial=None,
            uuid="6a1f0c2e-9b3d-4e5f-8a7b-1c2d3e4f5a6b",
            chassis="virtual",
        ),
        firmware=Firmware(
            vendor="SeaBIOS",
            version="1.16.3-debian-1.16.3-2",
            date="2014-04-01",
            uefi=False,
            secure_boot=None,
        ),
        tpm=Tpm(present=False),
        memory_modules=[
            MemoryModule(
                slot="DIMM 0",
                size=4 * GiB,
                speed_mts=None,
                manufacturer="QEMU",
                part_number=None,
                serial=None,
            )
        ],
        disks=[
            PhysicalDisk(
                name="vda",
                model=None,
                serial=None,
                size=83886080 * 512,
                kind="unknown",
                bus="virtio",
            )
        ],
        monitors=[],
        printers=[],
        gpus=[Gpu(name="Red Hat device 0x1050", vendor="Red Hat")],
        needs_privilege=[],
    ),
}


class NonRootReader(FileReader):
    """What a non-root user meets: opening a root-only file raises PermissionError."""

    ROOT_ONLY = (
        "/sys/class/dmi/id/product_serial",
        "/sys/class/dmi/id/product_uuid",
        "/sys/firmware/dmi/tables/DMI",
        "/etc/cups/printers.conf",
        "/sys/block/sda/device/vpd_pg80",
    )

    def path(self, system_path: str) -> Path:
        if system_path in self.ROOT_ONLY:
            raise PermissionError(13, "Permission denied", system_path)
        return super().path(system_path)


@pytest.mark.parametrize("machine", sorted(EXPECTED))
def test_fixture_machine(machine: str) -> None:
    found = linux_hardware(FileReader(FIXTURES / machine))
    expected = EXPECTED[machine]
    for field in Hardware.model_fields:
        assert getattr(found, field) == getattr(expected, field), field
    assert found == expected


def test_root_only_files_are_named_not_guessed() -> None:
    found = linux_hardware(NonRootReader(FIXTURES / "desktop"))
    assert found.needs_privilege == [
        "disks.serial",
        "memory_modules",
        "printers",
        "system.serial",
        "system.uuid",
    ]
    assert found.system is not None and (found.system.serial, found.system.uuid) == (None, None)
    assert found.memory_modules == [] and found.printers == []
    assert [d.serial for d in found.disks] == ["21104E800123", None]
    assert found.system.model == "OptiPlex 7090", "what is readable is still read"


def test_no_secret_of_a_device_uri_in_the_document() -> None:
    document = linux_hardware(FileReader(FIXTURES / "desktop")).model_dump_json()
    assert "Secr3t" not in document and "ketoan" not in document


def test_an_image_without_sys_reads_only_its_printers(tmp_path: Path) -> None:
    conf = tmp_path / "etc/cups/printers.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("<DefaultPrinter P>\nDeviceURI usb://X/Y\n</DefaultPrinter>\n")
    found = linux_hardware(FileReader(tmp_path))
    assert found == Hardware(printers=[Printer(name="P", default=True, connection="local")])
    assert found.system is None and found.firmware is None and found.tpm is None


def test_fixture_trees_match_their_generator(tmp_path: Path) -> None:
    sysfixtures.build(tmp_path)

    def listing(root: Path) -> dict[str, bytes | str]:
        entries: dict[str, bytes | str] = {}
        for path in sorted(root.rglob("*")):
            key = str(path.relative_to(root))
            if path.is_symlink():
                entries[key] = "-> " + os.readlink(path)
            elif path.is_file():
                entries[key] = path.read_bytes()
        return entries

    assert listing(tmp_path) == listing(FIXTURES), "run python -m tests.assets.sysfixtures"


@pytest.mark.parametrize(
    ("path", "bus"),
    [
        (
            "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdb",
            "usb",
        ),
        ("/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1", "nvme"),
        ("/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", "sata"),
        ("/sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vda", "virtio"),
        ("/sys/devices/pci0000:00/0000:00:1a.0/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0", "mmc"),
        (
            "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/host0/target0:2:0/0:2:0:0/block/sda",
            "scsi",
        ),
        ("/sys/devices/vbd-51712/block/xvda", "xen"),
        ("/sys/devices/virtual/block/md0", None),
        ("", None),
    ],
)
def test_disk_bus_from_the_device_path(path: str, bus: str | None) -> None:
    assert disk_bus(path) == bus


def test_small_decoders() -> None:
    assert iso_date("09/12/2023") == "2023-09-12"
    assert iso_date("12/31/99") == "1999-12-31" and iso_date("01/02/05") == "2005-01-02"
    assert (
        iso_date("13/01/2020") is None and iso_date("2023-09-12") is None and iso_date(None) is None
    )
    assert vpd_serial(b"\x00\x80\x00\x0c    ABC123  ") == "ABC123"
    assert vpd_serial(b"\x00\x83\x00\x02ab") is None and vpd_serial(b"\x00") is None
    ids = "1234  Vendor A\n\t0001  Thing\n\t\t1 2  sub\n5678  Vendor B\n\t0001  Other\nC 03  Display\n\t01  x\n"
    assert pci_names(ids, [(0x5678, 0x0001), (0x1234, 0x0002)]) == (
        {0x5678: "Vendor B", 0x1234: "Vendor A"},
        {(0x5678, 0x0001): "Other"},
    )


def test_this_host() -> None:
    reader = FileReader(Path("/"))
    started = time.perf_counter()
    found = linux_hardware(reader)
    elapsed = time.perf_counter() - started
    assert isinstance(found, Hardware) and elapsed < 10
    assert Hardware.model_validate_json(found.model_dump_json()) == found
    for disk in found.disks:
        assert isinstance(disk.name, str) and disk.kind in ("ssd", "hdd", "unknown")
        assert disk.size is None or disk.size > 0
    assert all(isinstance(name, str) for name in found.needs_privilege)
