"""A Windows host's hardware identity, licences and users, from CIM and the registry.

Everything is read by one query, ``hardware``, of the one PowerShell batch the posture
checks share (:mod:`netwatch.posture.checks._powershell`), plus two of their own queries
(Security Center's antivirus products, the Administrators group). Importing this module
declares the query, so it must be imported before the host's batch runs.

The query has parts (a CIM class, a registry key...), each in its own try/catch: a part
that fails leaves its fields None (or its list empty) and the others are read. A part
Windows refuses for want of rights (told by the CIM error code or the exception's type,
never the localised message) is named in ``needs_privilege``.

Product keys never leave Windows: the licensing part asks CIM for named properties only,
none of them a key, and keeps only those.
``collected_at`` is left to the caller.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from netwatch.assets.edid import PNP_MAKERS
from netwatch.assets.linux import TPM_VENDORS, chassis_kind, is_virtual, known
from netwatch.assets.model import (
    ActivationStatus,
    AntivirusProduct,
    DiskKind,
    Firmware,
    Gpu,
    Hardware,
    LicenceChannel,
    LocalAccount,
    Membership,
    MemoryModule,
    Monitor,
    OfficeLicence,
    PhysicalDisk,
    Printer,
    PrinterConnection,
    SystemIdentity,
    Tpm,
    Usage,
    WindowsLicence,
)
from netwatch.facts.host import HostFacts
from netwatch.posture.checks._powershell import (
    BatchAnswer,
    PowerShellError,
    PowerShellQuery,
    powershell_query,
)
from netwatch.posture.checks._windows import (
    NotJsonError,
    WindowsDataError,
    as_list,
    parse_date,
    parse_json,
    sid_of,
)
from netwatch.posture.checks.windows.accounts import ADMINS_QUERY
from netwatch.posture.checks.windows.defender import AV_QUERY

log = logging.getLogger("netwatch.assets")

WINDOWS_APPLICATION = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APPLICATION = "0ff1ce15-a989-479d-af46-f275c6370663"
# Named properties only (CIM never sends the others); the filter names the key, never reads it.
_LICENCE_FIELDS = "ApplicationID,Name,Description,LicenseStatus,ProductKeyChannel,LicenseIsAddon"
_HKLM = "HKLM:\\SOFTWARE\\Microsoft"
# Each part of the one query: what it reads (a pipeline whose objects are its answer).
PARTS = {
    "computer": "Get-CimInstance Win32_ComputerSystem | "
    "Select-Object Manufacturer,Model,Domain,Workgroup,PartOfDomain,UserName",
    "product": "Get-CimInstance Win32_ComputerSystemProduct | "
    "Select-Object Vendor,Name,Version,IdentifyingNumber,UUID",
    "bios": "Get-CimInstance Win32_BIOS | Select-Object Manufacturer,SMBIOSBIOSVersion,"
    "SerialNumber,@{n='ReleaseDate';e={if ($_.ReleaseDate) "
    "{$_.ReleaseDate.ToString('yyyy-MM-dd')}}}",
    "enclosure": "Get-CimInstance Win32_SystemEnclosure | Select-Object ChassisTypes",
    "secure_boot": "[pscustomobject]@{FirmwareType=$env:firmware_type;UEFISecureBootEnabled="
    "(Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State' "
    "-ErrorAction Ignore).UEFISecureBootEnabled}",
    "tpm": "Get-CimInstance -Namespace root/cimv2/Security/MicrosoftTpm Win32_Tpm | "
    "Select-Object SpecVersion,ManufacturerIdTxt",
    "memory": "Get-CimInstance Win32_PhysicalMemory | Select-Object "
    "DeviceLocator,Capacity,Speed,Manufacturer,PartNumber,SerialNumber",
    "disks": "Get-CimInstance -Namespace root/Microsoft/Windows/Storage MSFT_PhysicalDisk | "
    "Select-Object DeviceId,FriendlyName,SerialNumber,Size,MediaType,BusType,HealthStatus",
    "monitors": "Get-CimInstance -Namespace root/wmi WmiMonitorID | Select-Object "
    "ManufacturerName,ProductCodeID,UserFriendlyName,SerialNumberID,YearOfManufacture",
    "printers": "Get-CimInstance Win32_Printer | "
    "Select-Object Name,Default,Network,PortName,DriverName,Location",
    "gpus": "Get-CimInstance Win32_VideoController | Select-Object Name,AdapterCompatibility",
    "licences": "Get-CimInstance SoftwareLicensingProduct -Filter 'PartialProductKey IS NOT "
    f"NULL' -Property {_LICENCE_FIELDS} | Where-Object {{ $_.ApplicationID -in "
    f"'{WINDOWS_APPLICATION}','{OFFICE_APPLICATION}' }} | Select-Object {_LICENCE_FIELDS}",
    "office_c2r": f"Get-ItemProperty '{_HKLM}\\Office\\ClickToRun\\Configuration' "
    "-ErrorAction Ignore | Select-Object ProductReleaseIds,VersionToReport",
    "local_users": "Get-LocalUser | "
    "Select-Object Name,Enabled,LastLogon,@{n='SID';e={$_.SID.Value}}",
    "last_logon": f"Get-ItemProperty '{_HKLM}\\Windows\\CurrentVersion\\Authentication"
    "\\LogonUI' -ErrorAction Ignore | Select-Object LastLoggedOnUser,LastLoggedOnSAMUser",
}


def parts_script(parts: dict[str, str]) -> str:
    """One pipeline answering every part as a list of objects, or its error: the message,
    the CIM error code and the exception's type (a refusal is told apart without reading
    the localised message)."""
    blocks = "; ".join(f"{name} = {{ {script} }}" for name, script in parts.items())
    return (
        f"$parts = [ordered]@{{ {blocks} }}; $answers = [ordered]@{{}}; "
        "foreach ($name in @($parts.Keys)) { $read = $parts[$name]; "
        "try { $answers[$name] = @(& $read) } catch { $answers[$name] = @{ "
        "error = $_.Exception.Message; code = [string]$_.Exception.NativeErrorCode; "
        "type = $_.Exception.GetType().Name } } }; $answers"
    )


HARDWARE_QUERY = powershell_query("hardware", parts_script(PARTS), "hardware (CIM, registry)")
DENIED_CODES = frozenset({"AccessDenied"})
# Fields that are lists: an empty one must say whether it was read (a None field says so).
LIST_FIELDS = frozenset(
    name
    for name, field in Hardware.model_fields.items()
    if field.annotation is not None and getattr(field.annotation, "__origin__", None) is list
) - {"needs_privilege", "unread"}
DENIED_TYPES = frozenset({"UnauthorizedAccessException", "SecurityException"})

# SoftwareLicensingProduct.LicenseStatus.
STATUSES: dict[int, ActivationStatus] = {
    0: "unlicensed", 1: "licensed", 2: "grace", 3: "grace", 4: "grace", 5: "notification",
    6: "grace",
}  # fmt: skip
# ProductKeyChannel, else the channel the Description names ("..., OEM_DM channel").
CHANNELS: tuple[tuple[str, LicenceChannel], ...] = (
    ("volume:gvlk", "volume_kms"), ("volume_kms", "volume_kms"), ("volume:mak", "volume_mak"),
    ("volume_mak", "volume_mak"), ("oem", "oem"), ("retail", "retail"),
    ("timebased_sub", "subscription"), ("subscription", "subscription"),
)  # fmt: skip
# Click-to-Run product ids of the common suites (others are shown as the id).
OFFICE_PRODUCTS = {
    "o365proplusretail": "Microsoft 365 Apps for enterprise",
    "o365businessretail": "Microsoft 365 Apps for business",
    "o365homepremretail": "Microsoft 365 Family",
    "proplus2024volume": "Office LTSC Professional Plus 2024",
    "proplus2021volume": "Office LTSC Professional Plus 2021",
    "standard2021volume": "Office LTSC Standard 2021",
    "proplus2019volume": "Office Professional Plus 2019",
    "homebusiness2021retail": "Office Home & Business 2021",
    "homebusiness2019retail": "Office Home & Business 2019",
}
# MSFT_PhysicalDisk enums.
MEDIA_TYPES: dict[int, DiskKind] = {3: "hdd", 4: "ssd"}
BUS_TYPES = {
    1: "scsi", 2: "atapi", 3: "ata", 6: "fibre channel", 7: "usb", 8: "raid", 9: "iscsi",
    10: "sas", 11: "sata", 12: "sd", 13: "mmc", 14: "virtual", 15: "virtual", 16: "spaces",
    17: "nvme",
}  # fmt: skip
HEALTH = {0: "ok", 1: "warning", 2: "failing"}
# Printer ports: Windows' own virtual printers, and local cables.
VIRTUAL_PORT = re.compile(r"^(portprompt:|file:|nul:|shrfax:|xps|microsoft\.office\.onenote)", re.I)
LOCAL_PORT = re.compile(r"^(usb|lpt|com|dot4)\d*", re.I)
NETWORK_PORT = re.compile(r"^(ip_|wsd|\\\\|https?://|\d{1,3}(\.\d{1,3}){3})", re.I)

Items = list[dict[str, Any]]
UNREAD = object()  # a query or part that gave no answer


class Answers:
    """The batch's answers as lists of objects, noting each one refused for want of rights."""

    def __init__(self, batch: BatchAnswer) -> None:
        self.batch = batch
        self.needs_privilege: set[str] = set()
        self.unread: set[str] = set()
        parts = self._parsed(HARDWARE_QUERY)
        self.parts: dict[str, Any] = parts if isinstance(parts, dict) else {}

    def _parsed(self, query: PowerShellQuery) -> Any:
        """What ``query`` printed, parsed; ``UNREAD`` when it failed."""
        try:
            return parse_json(self.batch.output_of(query) or "")
        except (PowerShellError, NotJsonError) as exc:
            log.debug("%s: %s", query.label, exc)
            return UNREAD

    def items(self, part: str, field: str) -> Items | None:
        """The objects a part of the hardware query returned; None when it failed or was
        refused (then ``field`` needs a privilege)."""
        return self._objects(self.parts.get(part, UNREAD), part, field)

    def query_items(self, query: PowerShellQuery, field: str) -> Items | None:
        """The objects a query of its own (shared with the posture checks) returned."""
        return self._objects(self._parsed(query), query.label, field)

    def _objects(self, answer: Any, what: str, field: str) -> Items | None:
        if answer is UNREAD:
            self.unread.add(field)
            return None
        if isinstance(answer, dict) and "error" in answer:
            log.debug("%s: %s", what, answer.get("error"))
            if answer.get("code") in DENIED_CODES or answer.get("type") in DENIED_TYPES:
                self.needs_privilege.add(field)
                return None
            if answer.get("code") == "NotSupported" and what == "monitors":
                return []  # WmiMonitorID's answer on a machine without an EDID
            self.unread.add(field)
            return None
        try:
            return as_list(answer)
        except WindowsDataError:
            log.debug("%s: not a list of objects", what)
            self.unread.add(field)
            return None

    def first(self, part: str, field: str) -> dict[str, Any] | None:
        """The first object a part returned (None: none, failed or refused)."""
        items = self.items(part, field)
        return items[0] if items else None


def text(value: Any) -> str | None:
    """A text property, stripped (NULs too); None when empty or not text."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip(" \t\r\n\x00") or None


def number(value: Any) -> int | None:
    """A non-negative whole number (JSON number or its digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,20}", value.strip()):
        return int(value.strip())
    return None


def enum_code(value: Any) -> int:
    """An enum's number; -1 when absent or not a number."""
    found = number(value)
    return -1 if found is None else found


def flag(value: Any) -> bool | None:
    """A Boolean property; None when absent or not a Boolean."""
    return value if isinstance(value, bool) else None


def wmi_string(value: Any) -> str | None:
    """A WmiMonitorID string: UInt16 character codes, padded with zeros."""
    if not isinstance(value, list):
        return text(value)
    chars = []
    for code in value:
        if not isinstance(code, int) or isinstance(code, bool) or code == 0:
            break
        if 0x20 <= code < 0xD800:
            chars.append(chr(code))
    return text("".join(chars))


def iso_moment(value: Any) -> str | None:
    """A PowerShell date as ISO 8601 UTC (``2024-06-19T08:12:40Z``); None when unreadable."""
    try:
        moment = parse_date(value)
    except ValueError:
        return None
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def iso_day(value: Any) -> str | None:
    """A ``YYYY-MM-DD`` date; None when it is not one."""
    day = text(value)
    try:
        return dt.date.fromisoformat(day).isoformat() if day else None
    except ValueError:
        return None


# --- identity --------------------------------------------------------------------------


def system_identity(answers: Answers) -> SystemIdentity | None:
    """Maker, model, serial, UUID and chassis (None when no source answered)."""
    computer = answers.first("computer", "system")
    product = answers.first("product", "system")
    bios = answers.first("bios", "system")
    enclosure = answers.first("enclosure", "system")
    if not (computer or product or bios or enclosure):
        return None
    computer, product, bios = computer or {}, product or {}, bios or {}
    maker = known(text(product.get("Vendor"))) or known(text(computer.get("Manufacturer")))
    model = known(text(product.get("Name"))) or known(text(computer.get("Model")))
    version = known(text(product.get("Version")))
    if maker and maker.upper() == "LENOVO" and model and version:
        model = f"{version} ({model})"  # Lenovo's name is the version; the machine type
    uuid = known(text(product.get("UUID")))
    codes = (enclosure or {}).get("ChassisTypes")
    code = number(codes[0] if isinstance(codes, list) and codes else codes)
    return SystemIdentity(
        manufacturer=maker,
        model=model,
        serial=known(text(bios.get("SerialNumber")))
        or known(text(product.get("IdentifyingNumber"))),
        uuid=uuid.lower() if uuid else None,
        chassis=chassis_kind(str(code) if code is not None else None,
                             is_virtual(maker, model, text(bios.get("Manufacturer")))),
    )  # fmt: skip


def firmware(answers: Answers) -> Firmware | None:
    """BIOS or UEFI: vendor, version, date, and Secure Boot when UEFI."""
    bios = answers.first("bios", "firmware")
    boot = answers.first("secure_boot", "firmware.secure_boot")
    if bios is None and boot is None:
        return None
    kind = (text((boot or {}).get("FirmwareType")) or "").lower()
    uefi = {"uefi": True, "legacy": False}.get(kind)
    enabled = number((boot or {}).get("UEFISecureBootEnabled"))
    bios = bios or {}
    return Firmware(
        vendor=known(text(bios.get("Manufacturer"))),
        version=known(text(bios.get("SMBIOSBIOSVersion"))),
        date=iso_day(bios.get("ReleaseDate")),
        uefi=uefi,
        secure_boot=enabled == 1 if uefi and enabled in (0, 1) else None,
    )


def tpm(answers: Answers) -> Tpm | None:
    """The TPM Windows sees (admin only); present False when it sees none."""
    items = answers.items("tpm", "tpm")
    if items is None:
        return None
    if not items:
        return Tpm(present=False)
    spec = text(items[0].get("SpecVersion")) or ""
    code = text(items[0].get("ManufacturerIdTxt"))
    return Tpm(
        present=True,
        version=spec.split(",")[0].strip() or None,
        manufacturer=TPM_VENDORS.get(code, code) if code else None,
    )


# --- parts -----------------------------------------------------------------------------


def memory_modules(answers: Answers) -> list[MemoryModule]:
    """The populated RAM slots."""
    return [
        MemoryModule(
            slot=text(item.get("DeviceLocator")) or "",
            size=number(item.get("Capacity")),
            speed_mts=number(item.get("Speed")),
            manufacturer=known(text(item.get("Manufacturer"))),
            part_number=known(text(item.get("PartNumber"))),
            serial=known(text(item.get("SerialNumber"))),
        )
        for item in answers.items("memory", "memory_modules") or []
    ]


def disks(answers: Answers) -> list[PhysicalDisk]:
    """Physical disks as Storage Management sees them, with their health."""
    found = []
    for item in answers.items("disks", "disks") or []:
        found.append(
            PhysicalDisk(
                name=f"PhysicalDisk{text(item.get('DeviceId')) or ''}",
                model=text(item.get("FriendlyName")),
                serial=known((text(item.get("SerialNumber")) or "").rstrip(".")),
                size=number(item.get("Size")),
                kind=MEDIA_TYPES.get(enum_code(item.get("MediaType")), "unknown"),
                bus=BUS_TYPES.get(enum_code(item.get("BusType"))),
                health=HEALTH.get(enum_code(item.get("HealthStatus"))),
            )
        )
    return found


def monitors(answers: Answers) -> list[Monitor]:
    """Displays from their EDID as WmiMonitorID decodes it."""
    found = []
    for item in answers.items("monitors", "monitors") or []:
        code = wmi_string(item.get("ManufacturerName"))
        product = wmi_string(item.get("ProductCodeID"))
        year = number(item.get("YearOfManufacture"))
        found.append(
            Monitor(
                maker=PNP_MAKERS.get(code or "", code),
                model=wmi_string(item.get("UserFriendlyName")) or (
                    f"{code}{product}" if code and product else None),
                serial=known(wmi_string(item.get("SerialNumberID"))),
                year=year if year and 1990 <= year <= 2100 else None,
            )
        )  # fmt: skip
    return found


def connection(item: dict[str, Any]) -> PrinterConnection:
    """Network (a shared or TCP/IP printer), local (a cable), or virtual (PDF, XPS, fax)."""
    port = text(item.get("PortName")) or ""
    if VIRTUAL_PORT.match(port):
        return "virtual"
    if flag(item.get("Network")) or NETWORK_PORT.match(port):
        return "network"
    if LOCAL_PORT.match(port):
        return "local"
    return "unknown"


def printers(answers: Answers) -> list[Printer]:
    """Installed printers (names, driver, location; never a port's address or a password)."""
    return [
        Printer(
            name=text(item.get("Name")) or "",
            default=flag(item.get("Default")) is True,
            connection=connection(item),
            driver=text(item.get("DriverName")),
            location=text(item.get("Location")),
        )
        for item in answers.items("printers", "printers") or []
    ]


def gpus(answers: Answers) -> list[Gpu]:
    """Display adapters."""
    return [
        Gpu(name=text(item.get("Name")), vendor=text(item.get("AdapterCompatibility")))
        for item in answers.items("gpus", "gpus") or []
        if text(item.get("Name"))
    ]


# --- licences --------------------------------------------------------------------------


def channel(*names: str | None) -> LicenceChannel:
    """The licence channel a ProductKeyChannel or Description names."""
    for name in names:
        lowered = (name or "").lower()
        for marker, found in CHANNELS:
            if marker in lowered:
                return found
    return "unknown"


def activation(item: dict[str, Any]) -> tuple[ActivationStatus, LicenceChannel]:
    """Status and channel of a SoftwareLicensingProduct."""
    status = STATUSES.get(enum_code(item.get("LicenseStatus")), "unknown")
    return status, channel(text(item.get("ProductKeyChannel")), text(item.get("Description")))


def licence_items(answers: Answers, application: str, field: str) -> Items | None:
    """The installed (keyed, not add-on) licences of one application; None when unread."""
    items = answers.items("licences", field)
    if items is None:
        return None
    return [
        item
        for item in items
        if (text(item.get("ApplicationID")) or "").lower() == application
        and flag(item.get("LicenseIsAddon")) is not True
    ]


def windows_licence(answers: Answers) -> WindowsLicence | None:
    """Windows activation; None when the licensing service did not answer."""
    items = licence_items(answers, WINDOWS_APPLICATION, "windows_licence")
    if items is None:
        return None
    if not items:
        return WindowsLicence()
    item = next((i for i in items if enum_code(i.get("LicenseStatus")) == 1), items[0])
    status, found = activation(item)
    return WindowsLicence(product=text(item.get("Name")), status=status, channel=found)


def release_channel(release: str) -> LicenceChannel:
    """A Click-to-Run product's channel (a Volume one is KMS or MAK: only the service knows)."""
    lowered = release.lower()
    if lowered.startswith("o365") or "subscription" in lowered:
        return "subscription"
    return "retail" if lowered.endswith("retail") else "unknown"


def click_to_run_licences(answers: Answers) -> list[OfficeLicence]:
    """Click-to-Run suites (Microsoft 365 activates outside Windows' licensing service)."""
    config = answers.first("office_c2r", "office_licences") or {}
    version = text(config.get("VersionToReport"))
    found = []
    for release in (text(config.get("ProductReleaseIds")) or "").split(","):
        release = release.strip()
        if release:
            product = OFFICE_PRODUCTS.get(release.lower(), release)
            found.append(
                OfficeLicence(product=product, version=version, channel=release_channel(release))
            )
    return found


def office_licences(answers: Answers) -> list[OfficeLicence]:
    """Office activation from the licensing service, else the Click-to-Run products."""
    items = licence_items(answers, OFFICE_APPLICATION, "office_licences") or []
    c2r = click_to_run_licences(answers)
    if not items:
        return c2r
    version = c2r[0].version if c2r else None
    licences = []
    for item in items:
        status, found = activation(item)
        licences.append(
            OfficeLicence(product=text(item.get("Name")), version=version, status=status,
                          channel=found)
        )  # fmt: skip
    return licences


def antivirus(answers: Answers) -> list[AntivirusProduct]:
    """Antivirus products registered with Security Center (the posture checks' query)."""
    found = []
    for item in answers.query_items(AV_QUERY, "antivirus") or []:
        state = number(item.get("productState"))
        on = None if state is None else state & 0xF000 == 0x1000
        current = None if state is None else state & 0x00F0 == 0
        name = text(item.get("displayName")) or ""
        found.append(AntivirusProduct(name=name, enabled=on, up_to_date=current))
    return found


# --- who and where ---------------------------------------------------------------------


def membership(answers: Answers) -> Membership | None:
    """The domain the host is joined to, or its workgroup."""
    computer = answers.first("computer", "membership")
    if computer is None:
        return None
    joined = flag(computer.get("PartOfDomain"))
    if joined:
        return Membership(domain=text(computer.get("Domain")), joined=True)
    group = text(computer.get("Workgroup")) or text(computer.get("Domain"))
    return Membership(workgroup=group, joined=joined)


def usage(answers: Answers) -> Usage | None:
    """The last user signed in at the console (LogonUI), else the one signed in now."""
    logon = answers.first("last_logon", "usage") or {}
    computer = answers.first("computer", "usage") or {}
    user = (
        text(logon.get("LastLoggedOnSAMUser"))
        or text(logon.get("LastLoggedOnUser"))
        or text(computer.get("UserName"))
    )
    return Usage(last_user=user) if user else None


def administrator_sids(answers: Answers) -> set[str] | None:
    """SIDs of the members of Administrators (S-1-5-32-544); None when unread."""
    items = answers.query_items(ADMINS_QUERY, "local_accounts.administrator")
    if items is None:
        return None
    sids = set()
    for item in items:
        try:
            sids.add(sid_of(item.get("SID")))
        except WindowsDataError:
            continue
    return sids


def local_accounts(answers: Answers) -> list[LocalAccount]:
    """Local accounts, whether each is on, its last logon and whether it is an administrator."""
    admins = administrator_sids(answers)
    found = []
    for item in answers.items("local_users", "local_accounts") or []:
        sid = (text(item.get("SID")) or "").upper()
        found.append(
            LocalAccount(
                name=text(item.get("Name")) or "",
                enabled=flag(item.get("Enabled")),
                last_logon=iso_moment(item.get("LastLogon")),
                administrator=None if admins is None or not sid else sid in admins,
            )
        )
    return found


def windows_hardware(facts: HostFacts) -> Hardware:
    """The hardware identity, licences and users of the Windows host ``facts`` reads.

    Raises what :attr:`HostFacts.powershell` raises when PowerShell gives no batch at all.
    """
    answers = Answers(facts.powershell)
    return Hardware(
        system=system_identity(answers),
        firmware=firmware(answers),
        tpm=tpm(answers),
        memory_modules=memory_modules(answers),
        disks=disks(answers),
        monitors=monitors(answers),
        printers=printers(answers),
        gpus=gpus(answers),
        windows_licence=windows_licence(answers),
        office_licences=office_licences(answers),
        antivirus=antivirus(answers),
        membership=membership(answers),
        local_accounts=local_accounts(answers),
        usage=usage(answers),
        needs_privilege=sorted(answers.needs_privilege),
        unread=sorted((answers.unread - answers.needs_privilege) & LIST_FIELDS),
    )
