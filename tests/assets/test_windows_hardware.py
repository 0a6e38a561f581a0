"""The Windows hardware reader on the recorded Windows hosts (the posture recordings).

windows-hardened is a Vietnamese Windows 11 desktop (Dell OptiPlex, domain member,
Microsoft 365); windows-weak the English Windows 10 laptop KETOAN-PC (Lenovo ThinkPad,
OEM Windows, Office 2016 volume KMS) and windows-weak-vi the same laptop on Vietnamese
Windows, read without the rights Win32_Tpm needs.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from netwatch.assets import windows
from netwatch.assets.model import (
    AntivirusProduct,
    Firmware,
    Gpu,
    Hardware,
    LocalAccount,
    Membership,
    MemoryModule,
    Monitor,
    OfficeLicence,
    PhysicalDisk,
    Printer,
    SystemIdentity,
    Tpm,
    Usage,
    WindowsLicence,
)
from netwatch.assets.windows import windows_hardware
from netwatch.facts.host import HostFacts
from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.commands import CommandResult
from netwatch.posture.checks._powershell import (
    PowerShellError,
    batch_argv,
    batch_script,
    declared_queries,
)
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import POSTURE_FIXTURES, recorded_host
from tests.helpers.powershell import Parts, batch_recording, load_parts
from tests.helpers.recorded import RecordedCommands

HOSTS = ("windows-hardened", "windows-weak", "windows-weak-vi")
GIB8 = 8 * 1024**3
HARDENED_SID = "S-1-5-21-3623811015-3361044348-30300820"

DELL = Hardware(
    system=SystemIdentity(manufacturer="Dell Inc.", model="OptiPlex 7010", serial="8QK7HV3",
                          uuid="4c4c4544-0051-4b10-8037-b8c04f485633", chassis="desktop"),
    firmware=Firmware(vendor="Dell Inc.", version="1.14.1", date="2024-04-10", uefi=True,
                      secure_boot=True),
    tpm=Tpm(present=True, version="2.0", manufacturer="Nuvoton"),
    memory_modules=[
        MemoryModule(slot=f"DIMM{n}", size=GIB8, speed_mts=3200, manufacturer="SK Hynix",
                     part_number="HMA81GU6DJR8N-XN", serial=serial)
        for n, serial in ((1, "2B4C1F7A"), (2, "2B4C1E90"))
    ],
    disks=[
        PhysicalDisk(name="PhysicalDisk0", model="PC SN740 NVMe WD 512GB",
                     serial="E823_8FA6_BF53_0001_001B_448B_4A5C_2F71", size=512110190592,
                     kind="ssd", bus="nvme", health="ok"),
        PhysicalDisk(name="PhysicalDisk1", model="ST1000DM010-2EP102", serial="ZN1K2M8Q",
                     size=1000204886016, kind="hdd", bus="sata", health="ok"),
    ],
    monitors=[Monitor(maker="Dell", model="DELL P2422H", serial="5KJ6TK3", year=2023)],
    printers=[
        Printer(name="Máy in phòng Văn thư", default=True, connection="network",
                driver="HP LaserJet Pro M404-M405 PCL 6 (V3)", location="Tầng 2 - Phòng Văn thư"),
        Printer(name="Microsoft Print to PDF", connection="virtual",
                driver="Microsoft Print To PDF"),
        Printer(name="\\\\print.vpubnd.local\\Máy in màu Tầng 3", connection="network",
                driver="Canon Generic Plus UFR II", location="Tầng 3 - Phòng Tổng hợp"),
    ],
    gpus=[Gpu(name="Intel(R) UHD Graphics 770", vendor="Intel Corporation")],
    windows_licence=WindowsLicence(product="Windows(R), Professional edition",
                                   status="licensed", channel="volume_mak"),
    office_licences=[OfficeLicence(product="Microsoft 365 Apps for enterprise",
                                   version="16.0.17628.20144", channel="subscription")],
    antivirus=[AntivirusProduct(name="Windows Defender", enabled=True, up_to_date=True),
               AntivirusProduct(name="Bkav Pro", enabled=False, up_to_date=True)],
    membership=Membership(domain="vpubnd.local", joined=True),
    local_accounts=[
        LocalAccount(name="qtv-kt01", enabled=False, last_logon="2024-03-02T08:41:17Z",
                     administrator=True),
        *(LocalAccount(name=name, enabled=False, last_logon=None, administrator=False)
          for name in ("DefaultAccount", "Guest", "WDAGUtilityAccount")),
    ],
    usage=Usage(last_user="VPUBND\\nguyen.thi.lan"),
)  # fmt: skip


def thinkpad(guest: str, tpm: Tpm | None, needs_privilege: list[str]) -> Hardware:
    """KETOAN-PC as its English and Vietnamese recordings show it."""
    accounts = (("Administrator", True, "2024-06-03T02:14:55Z", True),
                ("DefaultAccount", False, None, False), (guest, True, None, False),
                ("ketoan", True, "2024-06-20T01:12:40Z", True),
                ("nhanvien", True, "2024-05-28T07:30:02Z", True),
                ("WDAGUtilityAccount", False, None, False))  # fmt: skip
    return Hardware(
        system=SystemIdentity(manufacturer="LENOVO", model="ThinkPad T14 Gen 2i (20W000T9VA)",
                              serial="PF3A7K2M", uuid="7b1c2f40-2a7e-11b2-a85c-e4a1c3d5f678",
                              chassis="laptop"),
        firmware=Firmware(vendor="LENOVO", version="N34ET59W (1.59 )", date="2023-08-17",
                          uefi=True, secure_boot=False),
        tpm=tpm,
        memory_modules=[
            MemoryModule(slot="ChannelA-DIMM0", size=GIB8, speed_mts=3200,
                         manufacturer="Samsung", part_number="M471A1K43EB1-CWE",
                         serial="40A1B2C3"),
            MemoryModule(slot="ChannelB-DIMM0", size=GIB8, speed_mts=3200,
                         manufacturer="Micron", part_number="MT40A1G16KD-062E:E", serial=None),
        ],
        disks=[
            PhysicalDisk(name="PhysicalDisk0", model="SAMSUNG MZVLB512HBJQ-000L7",
                         serial="0025_3885_01B2_9C41", size=512110190592, kind="ssd",
                         bus="nvme", health="ok"),
            PhysicalDisk(name="PhysicalDisk1", model="WD Elements 25A2",
                         serial="575834314138375A4B363532", size=1000170586112,
                         kind="unknown", bus="usb", health="warning"),
        ],
        monitors=[Monitor(maker="BOE", model="BOE08E8", serial=None, year=2020),
                  Monitor(maker="Samsung", model="S24R35x", serial="H4ZR800123", year=2021)],
        printers=[
            Printer(name="Canon LBP2900", default=True, connection="local",
                    driver="Canon LBP2900", location=None),
            Printer(name="Fax", connection="virtual", driver="Microsoft Shared Fax Driver",
                    location=None),
            Printer(name="Máy in phòng Kế toán", connection="network",
                    driver="Brother HL-L2321D series", location="Phòng Kế toán"),
            Printer(name="Microsoft Print to PDF", connection="virtual",
                    driver="Microsoft Print To PDF", location=None),
        ],
        gpus=[Gpu(name="Intel(R) Iris(R) Xe Graphics", vendor="Intel Corporation")],
        windows_licence=WindowsLicence(product="Windows(R), Professional edition",
                                       status="licensed", channel="oem"),
        office_licences=[OfficeLicence(product="Office 16, Office16ProPlusVL_KMS_Client edition",
                                       version=None, status="licensed", channel="volume_kms")],
        antivirus=[AntivirusProduct(name="Windows Defender", enabled=False, up_to_date=False),
                   AntivirusProduct(name="Bkav Pro", enabled=False, up_to_date=False)],
        membership=Membership(workgroup="WORKGROUP", joined=False),
        local_accounts=[
            LocalAccount(name=name, enabled=enabled, last_logon=last, administrator=admin)
            for name, enabled, last, admin in accounts
        ],
        usage=Usage(last_user="KETOAN-PC\\ketoan"),
        needs_privilege=needs_privilege,
    )  # fmt: skip


STM = Tpm(present=True, version="2.0", manufacturer="STMicroelectronics")
EXPECTED = {
    "windows-hardened": DELL,
    "windows-weak": thinkpad("Guest", STM, []),
    "windows-weak-vi": thinkpad("Khách", None, ["tpm"]),
}
# The Hardware fields each part of the hardware query, and each shared query, feeds.
FEEDS = {
    "computer": {"system", "membership", "usage"},
    "product": {"system"},
    "bios": {"system", "firmware"},
    "enclosure": {"system"},
    "secure_boot": {"firmware"},
    "tpm": {"tpm"},
    "memory": {"memory_modules"},
    "disks": {"disks"},
    "monitors": {"monitors"},
    "printers": {"printers"},
    "gpus": {"gpus"},
    "licences": {"windows_licence", "office_licences"},
    "office_c2r": {"office_licences"},
    "local_users": {"local_accounts"},
    "last_logon": {"usage"},
}
SHARED = {"administrators": {"local_accounts"}, "antivirus_products": {"antivirus"}}
DENIED = {"error": "Truy nhập bị từ chối.", "code": "AccessDenied", "type": "CimException"}
KEY_NAMES = re.compile(r"\b(PartialProductKey|OA3xOriginalProductKey|ProductKey|ProductKeyID|"
                       r"DigitalProductId|BackupProductKeyDefault)\b", re.IGNORECASE)  # fmt: skip
PRODUCT_KEY = re.compile(r"\b[0-9A-Z]{5}(-[0-9A-Z]{5}){4}\b")


def read(parts: Parts) -> Hardware:
    """The reader's Hardware for a batch answering ``parts``."""
    commands = RecordedCommands(batch_recording(parts))
    return windows_hardware(HostFacts(HostAccess(commands=commands, live=True)))


def host_parts(host: str) -> Parts:
    return load_parts(POSTURE_FIXTURES / f"{host}.windows.powershell.json")


def changed(host: str, **answers: Any) -> Parts:
    """``host``'s answers with some parts (or shared queries) answered otherwise: an error
    object, or the objects the part returns."""
    parts = host_parts(host)
    hardware = json.loads(parts["hardware"]["out"])
    for name, value in answers.items():
        if name in SHARED:
            parts[name] = {"out": json.dumps(value, ensure_ascii=False)}
        else:
            single = isinstance(value, dict) and "error" not in value
            hardware[name] = [value] if single else value
    parts["hardware"] = {"out": json.dumps(hardware, ensure_ascii=False)}
    return parts


@pytest.mark.parametrize("field", sorted(Hardware.model_fields))
@pytest.mark.parametrize("host", HOSTS)
def test_each_recorded_host_field_by_field(host: str, field: str) -> None:
    found = windows_hardware(HostFacts(recorded_host(host)))
    assert getattr(found, field) == getattr(EXPECTED[host], field)


def test_the_queries_join_the_one_batch_the_posture_checks_run() -> None:
    names = {q.name for q in declared_queries()}
    assert {"hardware", *SHARED} <= names
    assert all(f" {name} = {{ " in windows.HARDWARE_QUERY.script for name in FEEDS)
    for host in HOSTS:
        assert set(json.loads(host_parts(host)["hardware"]["out"])) == set(FEEDS), host
    # Within Windows' command line, with room to spare.
    assert len(" ".join(batch_argv())) < 8000


def test_posture_and_hardware_share_one_powershell_launch() -> None:
    access = recorded_host("windows-weak")
    launches: list[list[str]] = []
    run = access.commands.run

    def counted(argv: list[str] | tuple[str, ...], timeout: float | None = None) -> CommandResult:
        launches.append(list(argv))
        return run(argv, timeout=timeout)

    access.commands.run = counted  # type: ignore[method-assign]
    facts = HostFacts(access)
    run_policy(load_policy(None), access, platform="windows", facts=facts)
    assert windows_hardware(facts) == EXPECTED["windows-weak"]
    assert sum(1 for argv in launches if argv[-1] == batch_argv()[-1]) == 1


@pytest.mark.parametrize("part", sorted(FEEDS))
def test_a_failing_part_empties_only_what_it_feeds(part: str) -> None:
    expected = EXPECTED["windows-weak"]
    failure = {"error": "Lỗi chung", "code": "Failed", "type": "CimException"}
    found = read(changed("windows-weak", **{part: failure}))
    for field in Hardware.model_fields:
        if field not in (*FEEDS[part], "unread"):
            assert getattr(found, field) == getattr(expected, field), field
    assert found.needs_privilege == []
    # A list it fed says it was not read: an empty list is not "no parts" (no false removal).
    assert set(found.unread) == set(FEEDS[part]) & windows.LIST_FIELDS


@pytest.mark.parametrize("query", sorted(SHARED))
def test_a_failing_shared_query_empties_only_what_it_feeds(query: str) -> None:
    parts = host_parts("windows-weak")
    parts[query] = {"error": "Không tìm thấy lớp"}
    found, expected = read(parts), EXPECTED["windows-weak"]
    for field in Hardware.model_fields:
        if field not in (*SHARED[query], "unread"):
            assert getattr(found, field) == getattr(expected, field), field
    assert set(found.unread) == set(SHARED[query]) & windows.LIST_FIELDS - {"local_accounts"}
    if query == "administrators":
        assert {a.administrator for a in found.local_accounts} == {None}


def test_the_hardware_query_failing_leaves_what_the_posture_queries_read() -> None:
    parts = host_parts("windows-hardened")
    parts["hardware"] = {"error": "Không đủ bộ nhớ để hoàn tất thao tác này."}
    found = read(parts)
    unread = sorted(windows.LIST_FIELDS - {"antivirus"})
    assert found == Hardware(antivirus=DELL.antivirus, unread=unread)


def test_a_part_that_is_not_objects_is_unread() -> None:
    found = read(changed("windows-weak", printers=["Canon", 3], memory="16 GB"))
    assert found.printers == [] and found.memory_modules == []
    assert found.disks == EXPECTED["windows-weak"].disks


def test_without_the_bios_the_serial_comes_from_the_product_and_secure_boot_stays() -> None:
    found = read(changed("windows-hardened", bios={"error": "Invalid class"}))
    assert found.system is not None and found.system.serial == "8QK7HV3"
    assert found.firmware == Firmware(uefi=True, secure_boot=True)


def test_a_denied_tpm_is_named_and_nothing_else_is_lost() -> None:
    found = read(host_parts("windows-weak-vi"))
    assert found.tpm is None and found.needs_privilege == ["tpm"]
    assert found.disks == EXPECTED["windows-weak"].disks


def test_a_machine_without_a_tpm() -> None:
    found = read(changed("windows-weak", tpm=[]))
    assert found.tpm == Tpm(present=False)


def test_wmimonitorid_not_supported_means_no_monitor() -> None:
    unsupported = {"error": "Không được hỗ trợ", "code": "NotSupported", "type": "CimException"}
    assert read(changed("windows-weak", monitors=unsupported)).monitors == []
    assert read(changed("windows-weak", gpus=unsupported)).gpus == []


def test_any_denied_query_is_named() -> None:
    registry_denied = {"error": "Requested registry access is not allowed.", "code": "",
                       "type": "SecurityException"}  # fmt: skip
    found = read(changed("windows-hardened", printers=DENIED, licences=DENIED,
                         last_logon=registry_denied))  # fmt: skip
    assert found.printers == [] and found.windows_licence is None
    assert found.needs_privilege == ["office_licences", "printers", "usage", "windows_licence"]
    assert found.usage == Usage(last_user="VPUBND\\nguyen.thi.lan")  # Win32_ComputerSystem's
    # Microsoft 365 is still known from Click-to-Run.
    assert found.office_licences == DELL.office_licences


def test_a_legacy_bios_has_no_secure_boot() -> None:
    boot = {"FirmwareType": "Legacy", "UEFISecureBootEnabled": None}
    found = read(changed("windows-weak", secure_boot=boot))
    assert found.firmware is not None
    assert (found.firmware.uefi, found.firmware.secure_boot) == (False, None)
    assert found.firmware.version == "N34ET59W (1.59 )"


def test_an_unknown_firmware_type_leaves_uefi_and_secure_boot_unknown() -> None:
    found = read(changed("windows-weak", secure_boot={"FirmwareType": None}))
    assert found.firmware is not None
    assert (found.firmware.uefi, found.firmware.secure_boot) == (None, None)


def test_the_whole_batch_failing_raises() -> None:
    commands = RecordedCommands(batch_recording({}, returncode=1, stderr="Access is denied."))
    with pytest.raises(PowerShellError):
        windows_hardware(HostFacts(HostAccess(commands=commands, live=True)))


def test_odd_answers_are_data_not_crashes() -> None:
    found = read(changed(
        "windows-weak",
        memory=[{"DeviceLocator": 7, "Capacity": "lots", "Speed": True, "PartNumber": None}],
        disks={"DeviceId": "2", "MediaType": "SSD", "HealthStatus": 5, "Size": -1},
        computer=["not an object"],
        monitors={"ManufacturerName": [68, 69, 76, 0, 65], "SerialNumberID": "  ",
                           "YearOfManufacture": 1812},
        local_users={"Name": "ketoan", "LastLogon": "/Date(notanumber)/", "SID": None},
    ))  # fmt: skip
    assert found.memory_modules == [MemoryModule(slot="7")]
    assert found.disks == [PhysicalDisk(name="PhysicalDisk2", kind="unknown")]
    assert found.monitors == [Monitor(maker="Dell", model=None, serial=None, year=None)]
    assert found.membership is None
    assert found.local_accounts == [LocalAccount(name="ketoan", enabled=None, last_logon=None,
                                                 administrator=None)]  # fmt: skip


# --- product keys ----------------------------------------------------------------------


def _field_lists(script: str) -> list[str]:
    """Every property list a script asks for (Select-Object and -Property)."""
    return re.findall(r"(?:Select-Object|-Property) ([^|;}]+)", script)


def test_no_query_selects_a_key() -> None:
    script = batch_script([windows.HARDWARE_QUERY])
    lists = _field_lists(script)
    assert any("ProductKeyChannel" in fields for fields in lists)
    for fields in lists:
        assert not KEY_NAMES.search(fields), fields
    # PartialProductKey is only named by the filter, which never returns it.
    for match in re.finditer("PartialProductKey", script):
        assert script[max(0, match.start() - 10) : match.start()].endswith("-Filter '")


def test_a_key_in_an_answer_never_reaches_the_hardware() -> None:
    key = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"
    licences = [
        {"ApplicationID": windows.WINDOWS_APPLICATION, "Name": "Windows(R), Professional edition",
         "Description": "Windows(R) Operating System, RETAIL channel", "LicenseStatus": 1,
         "ProductKeyChannel": "Retail", "PartialProductKey": "3V66T",
         "OA3xOriginalProductKey": key, "ProductKey": key},
    ]  # fmt: skip
    printer = {"Name": "Máy in", "PortName": "http://admin:MatKhau123@192.168.1.9/ipp",
               "Network": False, "Local": True}  # fmt: skip
    found = read(changed("windows-weak", licences=licences, printers=printer))
    assert found.windows_licence == WindowsLicence(
        product="Windows(R), Professional edition", status="licensed", channel="retail"
    )
    assert found.printers[0].connection == "network"
    document = found.model_dump_json()
    for secret in (key, "3V66T", "MatKhau123", "admin:"):
        assert secret not in document


@pytest.mark.parametrize("host", HOSTS)
def test_recorded_answers_and_hardware_hold_no_key(host: str) -> None:
    answer = host_parts(host)["hardware"]["out"]
    assert not PRODUCT_KEY.search(answer)
    assert not KEY_NAMES.search(answer.replace("ProductKeyChannel", ""))
    assert not PRODUCT_KEY.search(
        windows_hardware(HostFacts(recorded_host(host))).model_dump_json()
    )


# --- decoding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8, 8), ("16", 16), (3200.0, 3200), (-1, None), ("²", None), ("", None), (True, None),
     (None, None), ("1e3", None)],
)  # fmt: skip
def test_numbers(value: Any, expected: int | None) -> None:
    assert windows.number(value) == expected


def test_wmi_strings_stop_at_the_first_zero() -> None:
    assert windows.wmi_string([68, 69, 76, 76, 32, 80, 0, 0]) == "DELL P"
    assert windows.wmi_string([0, 0]) is None
    assert windows.wmi_string("DEL") == "DEL"
    assert windows.wmi_string(None) is None


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("Volume:GVLK", ""), "volume_kms"),
        ((None, "Office 16, VOLUME_KMSCLIENT channel"), "volume_kms"),
        (("Volume:MAK", ""), "volume_mak"),
        (("OEM:NONSLP", ""), "oem"),
        ((None, "Windows(R) Operating System, OEM_DM channel"), "oem"),
        (("Retail", ""), "retail"),
        ((None, "Office 16, TIMEBASED_SUB channel"), "subscription"),
        ((None, None), "unknown"),
    ],
)
def test_licence_channels(names: tuple[str | None, str | None], expected: str) -> None:
    assert windows.channel(*names) == expected


@pytest.mark.parametrize(
    ("release", "expected"),
    [("O365ProPlusRetail", "subscription"), ("HomeBusiness2021Retail", "retail"),
     ("ProPlus2021Volume", "unknown")],
)  # fmt: skip
def test_click_to_run_channels(release: str, expected: str) -> None:
    assert windows.release_channel(release) == expected


def test_an_office_ltsc_volume_install_takes_its_version_from_click_to_run() -> None:
    licences = [{"ApplicationID": windows.OFFICE_APPLICATION, "LicenseStatus": 5,
                 "Name": "Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
                 "Description": "Office 21, VOLUME_KMSCLIENT channel"}]  # fmt: skip
    c2r = {"ProductReleaseIds": "ProPlus2021Volume", "VersionToReport": "16.0.14332.20721"}
    found = read(changed("windows-weak", licences=licences, office_c2r=c2r))
    assert found.windows_licence == WindowsLicence()
    assert found.office_licences == [
        OfficeLicence(product="Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
                      version="16.0.14332.20721", status="notification", channel="volume_kms")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("port", "network", "expected"),
    [("USB001", False, "local"), ("LPT1:", False, "local"), ("IP_10.0.0.5", False, "network"),
     ("WSD-1d2c3b4a-0000-1111-2222-333344445555", False, "network"),
     ("10.0.0.5", False, "network"), ("NE01:", True, "network"),
     ("PORTPROMPT:", False, "virtual"), ("nul:", False, "virtual"),
     ("Microsoft.Office.OneNote_16001.14326.21904.0_x64__8wekyb3d8bbwe", False, "virtual"),
     ("TS003", False, "unknown")],
)  # fmt: skip
def test_printer_connections(port: str, network: bool, expected: str) -> None:
    assert windows.connection({"PortName": port, "Network": network}) == expected
