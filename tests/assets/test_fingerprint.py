"""Hardware changes between two fingerprints: what counts as a change and what does not."""

from __future__ import annotations

from typing import Any

import pytest

from netwatch.assets.fingerprint import (
    CHANGE_KINDS,
    COMPONENTS,
    POSSIBLE_CHANGES,
    HardwareChange,
    fingerprint,
    hardware_changes,
    remembered,
)
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

GIB = 1024**3
DIMM_A = MemoryModule(slot="DIMM A1", size=8 * GIB, speed_mts=3200, manufacturer="Samsung",
                      part_number="M471A1K43DB1", serial="11111111")  # fmt: skip
DIMM_B = MemoryModule(slot="DIMM B1", size=8 * GIB, speed_mts=3200, manufacturer="Samsung",
                      part_number="M471A1K43DB1", serial="22222222")  # fmt: skip
SSD = PhysicalDisk(name="nvme0n1", model="Samsung SSD 980 500GB", serial="S64DNX0R1",
                   size=500_107_862_016, kind="ssd", bus="nvme", health="ok")  # fmt: skip
MONITOR = Monitor(maker="Dell", model="P2419H", serial="CN0ABC", year=2020, connector="HDMI-A-1")


def desktop(**changes: Any) -> Hardware:
    """A Dell desktop; ``changes`` replace whole fields."""
    fields: dict[str, Any] = {
        "system": SystemIdentity(manufacturer="Dell Inc.", model="OptiPlex 7090",
                                 serial="5CG1234", uuid="4c4c4544-0001", chassis="desktop"),
        "firmware": Firmware(vendor="Dell Inc.", version="1.12.0", date="2023-03-01",
                             uefi=True, secure_boot=True),
        "tpm": Tpm(present=True, version="2.0", manufacturer="IFX"),
        "memory_modules": [DIMM_A, DIMM_B],
        "disks": [SSD],
        "monitors": [MONITOR],
        "gpus": [Gpu(name="UHD Graphics 750", vendor="Intel")],
        "printers": [Printer(name="HP-LaserJet", default=True, connection="network")],
    }  # fmt: skip
    fields.update(changes)
    return Hardware(**fields)


def test_the_same_machine_read_twice_has_no_change() -> None:
    assert hardware_changes(desktop(), desktop()) == []


def test_a_ram_module_removed() -> None:
    assert hardware_changes(desktop(), desktop(memory_modules=[DIMM_A])) == [
        HardwareChange(component="memory", change="removed",
                       before="DIMM B1: 8 GiB Samsung M471A1K43DB1 S/N 22222222")
    ]  # fmt: skip


def test_ram_modules_moved_between_slots_is_not_a_change() -> None:
    moved = [DIMM_A.model_copy(update={"slot": "DIMM B1"}),
             DIMM_B.model_copy(update={"slot": "DIMM A1"})]  # fmt: skip
    assert hardware_changes(desktop(), desktop(memory_modules=moved)) == []
    assert hardware_changes(desktop(), desktop(memory_modules=[DIMM_B, DIMM_A])) == []


def test_a_ram_module_swapped_for_another_of_the_same_size_is_a_replacement() -> None:
    other = DIMM_B.model_copy(update={"serial": "33333333"})
    changes = hardware_changes(desktop(), desktop(memory_modules=[DIMM_A, other]))
    assert [(c.component, c.change) for c in changes] == [("memory", "replaced")]
    assert "22222222" in (changes[0].before or "") and "33333333" in (changes[0].after or "")


def test_a_disk_swapped_in_the_same_slot() -> None:
    swapped = SSD.model_copy(update={"serial": "S64DNX0R9"})
    assert hardware_changes(desktop(), desktop(disks=[swapped])) == [
        HardwareChange(component="disk", change="replaced",
                       before="Samsung SSD 980 500GB 466 GiB S/N S64DNX0R1 (nvme0n1)",
                       after="Samsung SSD 980 500GB 466 GiB S/N S64DNX0R9 (nvme0n1)")
    ]  # fmt: skip


def test_a_renamed_disk_health_and_usb_sticks_are_not_changes() -> None:
    renamed = SSD.model_copy(update={"name": "nvme1n1", "health": "warning"})
    stick = PhysicalDisk(name="sdb", model="Cruzer", serial="X1", size=16 * GIB, bus="usb")
    assert hardware_changes(desktop(), desktop(disks=[renamed, stick])) == []


def test_a_new_monitor_and_a_monitor_gone() -> None:
    second = Monitor(maker="LG", model="24MK430H", serial="ZZ9", connector="DP-1")
    assert hardware_changes(desktop(), desktop(monitors=[MONITOR, second])) == [
        HardwareChange(component="monitor", change="added", after="LG 24MK430H S/N ZZ9")
    ]
    assert hardware_changes(desktop(), desktop(monitors=[])) == [
        HardwareChange(component="monitor", change="removed", before="Dell P2419H S/N CN0ABC")
    ]


def test_a_system_serial_that_changed() -> None:
    board = SystemIdentity(manufacturer="Dell Inc.", model="OptiPlex 7090", serial="9ZZ9999",
                           uuid="4c4c4544-0001")  # fmt: skip
    assert hardware_changes(desktop(), desktop(system=board)) == [
        HardwareChange(component="system", change="changed",
                       before="S/N 5CG1234", after="S/N 9ZZ9999")
    ]  # fmt: skip


def test_firmware_update_and_tpm_removal() -> None:
    after = desktop(
        firmware=Firmware(vendor="Dell Inc.", version="1.14.1", date="2024-01-10"),
        tpm=Tpm(present=False),
    )
    assert hardware_changes(desktop(), after) == [
        HardwareChange(component="firmware", change="changed",
                       before="Dell Inc. 1.12.0 (2023-03-01)",
                       after="Dell Inc. 1.14.1 (2024-01-10)"),
        HardwareChange(component="tpm", change="removed", before="TPM 2.0 IFX"),
    ]  # fmt: skip


def test_gpu_and_printer_added_and_removed() -> None:
    after = desktop(
        gpus=[Gpu(name="UHD Graphics 750", vendor="Intel"), Gpu(name="RTX 3060", vendor="NVIDIA")],
        printers=[],
    )
    assert hardware_changes(desktop(), after) == [
        HardwareChange(component="gpu", change="added", after="NVIDIA RTX 3060"),
        HardwareChange(component="printer", change="removed", before="HP-LaserJet"),
    ]


@pytest.mark.parametrize(
    "unread",
    [
        # Not root: no serial, no UUID, no RAM modules, no printers (reader names them).
        {"system": SystemIdentity(manufacturer="Dell Inc.", model="OptiPlex 7090"),
         "memory_modules": [], "printers": [],
         "needs_privilege": ["memory_modules", "printers", "system.serial", "system.uuid"]},
        # Disk serials hidden; the TPM's presence unknown; a VM-like empty firmware.
        {"disks": [SSD.model_copy(update={"serial": None})], "tpm": Tpm(),
         "firmware": None},
        # A query that failed (not for want of rights): its lists are empty, and say so.
        {"monitors": [], "printers": [], "gpus": [], "unread": ["gpus", "monitors", "printers"]},
    ],
)  # fmt: skip
def test_what_could_not_be_read_is_never_a_change(unread: dict[str, Any]) -> None:
    assert hardware_changes(desktop(), desktop(**unread)) == []
    assert hardware_changes(desktop(**unread), desktop()) == []


def test_the_remembered_fingerprint_keeps_what_a_later_read_could_not_see() -> None:
    first = remembered(None, desktop())
    unprivileged = desktop(
        system=SystemIdentity(manufacturer="Dell Inc.", model="OptiPlex 7090"),
        memory_modules=[],
        printers=[],
        needs_privilege=["memory_modules", "printers", "system.serial"],
    )
    kept = remembered(first, unprivileged)
    assert kept == first
    # ... so a RAM module taken while the agent could not see RAM is caught on the next read.
    assert [c.change for c in hardware_changes(kept, desktop(memory_modules=[DIMM_A]))] == [
        "removed"
    ]


def test_the_fingerprint_is_identity_only_and_round_trips_as_json() -> None:
    print_ = fingerprint(desktop())
    assert print_.disks[0].health is None and print_.printers[0].default is False
    assert print_.firmware is not None and print_.firmware.secure_boot is None
    assert Hardware.model_validate_json(print_.model_dump_json()) == print_


def test_every_reported_change_is_a_possible_one() -> None:
    assert set(POSSIBLE_CHANGES) <= {(c, k) for c in COMPONENTS for k in CHANGE_KINDS}
    everything_new = desktop(
        system=SystemIdentity(serial="X"),
        tpm=Tpm(present=True, version="1.2"),
        memory_modules=[DIMM_A.model_copy(update={"serial": "9"}), DIMM_B],
        disks=[SSD.model_copy(update={"name": "sda", "serial": "Q"})],
        monitors=[MONITOR.model_copy(update={"serial": "N"})],
        gpus=[],
        printers=[Printer(name="Canon")],
    )
    changes = hardware_changes(desktop(), everything_new)
    assert {(c.component, c.change) for c in changes} <= set(POSSIBLE_CHANGES)
    assert {c.component for c in changes} == set(COMPONENTS) - {"firmware"}
