"""Each machine in GLPI's native inventory format (``netwatch report assets --glpi``).

The JSON that GLPI's own agent sends and GLPI 10's native inventory imports, as the GLPI
project publishes it (glpi-project/inventory_format, ``inventory.schema.json``): one
``<hostname>.glpi.json`` per machine, from the same audit or inventory documents as the
register. Only what netwatch read is written; a part it could not read is left out, never
guessed. No product key is ever written: the model has none, and the format's key fields
(``hardware.winprodkey``, ``licenseinfos.key``) are never filled.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from pathlib import Path
from typing import Any

from netwatch.assets.model import Firmware, Hardware, SystemIdentity
from netwatch.audit.inventory import Inventory, InventoryNic
from netwatch.audit.output import safe_name, write_new
from netwatch.register.hosts import HostFacts, load_host, newest_per_host

MIB = 1024 * 1024
MB = 1000 * 1000  # disks: the maker's megabytes, as the format's examples use
CHASSIS = {"desktop": "Desktop", "laptop": "Laptop", "server": "Server", "virtual": "Virtual"}
CPU_VENDOR = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD"}
CPU_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "x86": "i386", "arm64": "aarch64",
            "aarch64": "aarch64"}  # fmt: skip
KERNEL = {"linux": "linux", "windows": "win32"}
DISK_BUS = {"sata": "SATA", "sas": "SAS", "scsi": "SCSI", "usb": "USB", "ide": "IDE"}
PACKAGE_SOURCE = {"dpkg": "deb", "rpm": "rpm", "windows": "registry"}


def _fields(**values: Any) -> dict[str, Any]:
    """The fields that have a value (None, "" and empty lists are left out)."""
    return {k: v for k, v in values.items() if v is not None and v != "" and v != []}


def _datetime(unix_time: float | None) -> str | None:
    """A Unix time as the format's date-time, in UTC (``YYYY-MM-DDTHH:MM:SSZ``)."""
    if unix_time is None:
        return None
    return dt.datetime.fromtimestamp(unix_time, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _split_user(account: str) -> tuple[str | None, str]:
    """``DOMAIN\\login`` as (domain, login); a bare login has no domain."""
    domain, _, login = account.rpartition("\\")
    return domain or None, login


def _hardware(host: HostFacts) -> dict[str, Any]:
    hardware, memory = host.hardware, host.inventory.memory
    system = hardware.system or SystemIdentity()
    membership = hardware.membership
    last_user = hardware.usage.last_user if hardware.usage else None
    ram = host.ram_total
    return _fields(
        name=host.hostname,
        uuid=system.uuid,
        chassis_type=CHASSIS.get(system.chassis or ""),
        memory=ram // MIB if ram is not None else None,
        swap=memory.swap_total // MIB if memory and memory.swap_total is not None else None,
        workgroup=(membership.domain or membership.workgroup) if membership else None,
        lastloggeduser=_split_user(last_user)[1] if last_user else None,
    )


def _secure_boot(firmware: Firmware) -> str | None:
    if firmware.uefi is False:
        return "unsupported"
    if firmware.secure_boot is None:
        return None
    return "enabled" if firmware.secure_boot else "disabled"


def _bios(hardware: Hardware) -> dict[str, Any]:
    system = hardware.system or SystemIdentity()
    firmware = hardware.firmware or Firmware()
    assignment = hardware.assignment
    return _fields(
        smanufacturer=system.manufacturer,
        smodel=system.model,
        ssn=system.serial,
        bmanufacturer=firmware.vendor,
        bversion=firmware.version,
        bdate=firmware.date,
        secure_boot=_secure_boot(firmware),
        assettag=assignment.asset_tag if assignment else None,
    )


def _operating_system(inventory: Inventory) -> dict[str, Any]:
    os = inventory.host
    if os is None:
        return {}
    return _fields(
        name=os.os_name,
        full_name=" ".join(p for p in (os.os_name, os.os_version) if p) or None,
        version=os.os_version,
        kernel_name=KERNEL.get(os.os_family),
        kernel_version=os.kernel,
        arch=os.arch,
        fqdn=os.fqdn,
        boot_time=_datetime(inventory.boot_time),
    )


def _cpus(inventory: Inventory) -> list[dict[str, Any]]:
    cpu, os = inventory.cpu, inventory.host
    if cpu is None:
        return []
    cores, logical = cpu.physical_cores, cpu.logical_cores
    per_core = logical // cores if cores and logical and logical % cores == 0 else None
    entry = _fields(
        name=cpu.model,
        manufacturer=CPU_VENDOR.get(cpu.vendor, cpu.vendor),
        core=cores,
        corecount=cores,
        thread=per_core,
        arch=CPU_ARCH.get(os.arch.lower()) if os else None,
    )
    return [entry] if entry else []


def _memories(hardware: Hardware) -> list[dict[str, Any]]:
    return [
        _fields(
            caption=module.slot,
            numslots=number,
            capacity=module.size // MIB if module.size is not None else None,
            speed=f"{module.speed_mts} MT/s" if module.speed_mts is not None else None,
            manufacturer=module.manufacturer,
            model=module.part_number,
            serialnumber=module.serial,
        )
        for number, module in enumerate(hardware.memory_modules, start=1)
    ]


def _storages(hardware: Hardware) -> list[dict[str, Any]]:
    return [
        _fields(
            name=disk.name,
            type="disk",
            model=disk.model,
            serial=disk.serial,
            disksize=disk.size // MB if disk.size is not None else None,
            interface=DISK_BUS.get(disk.bus or ""),
            description=" ".join(p for p in (_bus_label(disk.bus), _kind_label(disk.kind)) if p),
        )
        for disk in hardware.disks
    ]


def _bus_label(bus: str | None) -> str:
    return {"nvme": "NVMe", "virtio": "VirtIO"}.get(bus or "", (bus or "").upper())


def _kind_label(kind: str) -> str:
    return kind.upper() if kind in ("ssd", "hdd") else ""


def _drives(inventory: Inventory) -> list[dict[str, Any]]:
    windows = inventory.host is not None and inventory.host.os_family == "windows"
    return [
        _fields(
            letter=fs.mountpoint.rstrip("\\") if windows else None,
            type=None if windows else fs.mountpoint,
            volumn=fs.device,
            filesystem=fs.fstype,
            total=fs.size // MIB,
            free=fs.free // MIB,
        )
        for fs in inventory.filesystems
    ]


def _monitors(hardware: Hardware) -> list[dict[str, Any]]:
    monitors = (
        _fields(manufacturer=m.maker, name=m.model, caption=m.model, serial=m.serial)
        for m in hardware.monitors
    )
    return [m for m in monitors if m]


def _printers(hardware: Hardware) -> list[dict[str, Any]]:
    return [
        _fields(
            name=p.name, driver=p.driver, network=p.connection == "network", comment=p.location
        )  # fmt: skip
        for p in hardware.printers
        if p.name
    ]


def _videos(hardware: Hardware) -> list[dict[str, Any]]:
    return [{"name": gpu.name} for gpu in hardware.gpus if gpu.name]


def _mac(mac: str) -> str | None:
    digits = "".join(c for c in mac.lower() if c in "0123456789abcdef")
    if len(digits) != 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _networks(inventory: Inventory) -> list[dict[str, Any]]:
    return [entry for nic in inventory.network_interfaces for entry in _nic(nic)]


def _nic(nic: InventoryNic) -> list[dict[str, Any]]:
    """One entry per address, as the format lists interfaces; one without when none."""
    base = _fields(
        description=nic.name,
        mac=_mac(nic.mac),
        status="up" if nic.up else "down",
        speed=str(nic.speed_mbps) if nic.speed_mbps else None,
        mtu=nic.mtu or None,
    )
    entries = [
        base | _address(ipaddress.ip_interface(f"{a.address}/{a.prefix}")) for a in nic.addresses
    ]
    return entries or [base]


def _address(interface: ipaddress.IPv4Interface | ipaddress.IPv6Interface) -> dict[str, str]:
    """The format's address, mask and subnet fields (``...6`` for IPv6)."""
    suffix = "" if interface.version == 4 else "6"
    return {
        f"ipaddress{suffix}": str(interface.ip),
        f"ipmask{suffix}": str(interface.netmask),
        f"ipsubnet{suffix}": str(interface.network.network_address),
    }


def _softwares(inventory: Inventory) -> list[dict[str, Any]]:
    return [
        _fields(
            name=p.name,
            version=p.version,
            publisher=p.vendor,
            arch=p.arch,
            **{"from": PACKAGE_SOURCE.get(p.manager)},
        )  # fmt: skip
        for p in inventory.software
        if p.name
    ]


def _antivirus(hardware: Hardware) -> list[dict[str, Any]]:
    return [
        _fields(name=av.name, enabled=av.enabled, uptodate=av.up_to_date)
        for av in hardware.antivirus
        if av.name
    ]


def _licences(hardware: Hardware) -> list[dict[str, Any]]:
    """The Windows and Office products by name only: the format's ``key`` stays empty."""
    products = [hardware.windows_licence.product] if hardware.windows_licence else []
    products += [office.product for office in hardware.office_licences]
    return [{"name": product, "fullname": product} for product in products if product]


def _users(host: HostFacts) -> list[dict[str, Any]]:
    """The last signed-in user and those signed in, once per login (the last one's domain
    kept)."""
    usage = host.hardware.usage
    accounts = [usage.last_user] if usage and usage.last_user else []
    accounts += [s.user for s in host.inventory.sessions if s.user]
    users: dict[str, dict[str, Any]] = {}
    for account in accounts:
        domain, login = _split_user(account)
        users.setdefault(login.casefold(), _fields(domain=domain, login=login))
    return list(users.values())


def glpi_inventory(host: HostFacts) -> dict[str, Any]:
    """One machine as a GLPI native inventory (a ``Computer``)."""
    inventory, hardware = host.inventory, host.hardware
    machine_id = inventory.host.machine_id if inventory.host else ""
    version = inventory.agent_version or "unknown"
    content = _fields(
        versionclient=f"netwatch_v{version}",
        hardware=_hardware(host),
        bios=_bios(hardware),
        operatingsystem=_operating_system(inventory),
        cpus=_cpus(inventory),
        memories=_memories(hardware),
        storages=_storages(hardware),
        drives=_drives(inventory),
        monitors=_monitors(hardware),
        printers=_printers(hardware),
        videos=_videos(hardware),
        networks=_networks(inventory),
        softwares=_softwares(inventory),
        antivirus=_antivirus(hardware),
        licenseinfos=_licences(hardware),
        users=_users(host),
    )
    content = {k: v for k, v in content.items() if v != {}}
    device = f"{host.hostname}-{machine_id}" if machine_id else host.hostname
    return {"action": "inventory", "deviceid": device, "itemtype": "Computer",
            "content": content}  # fmt: skip


def glpi_bytes(host: HostFacts) -> bytes:
    """The machine's GLPI inventory as the file's UTF-8 JSON."""
    text = json.dumps(glpi_inventory(host), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def write_glpi(files: list[Path], output: Path) -> list[Path]:
    """Write ``<hostname>.glpi.json`` for each machine of ``files`` (the newest report of
    each) into ``output``; the paths written."""
    hosts, _ = newest_per_host([load_host(path) for path in files])
    output.mkdir(parents=True, exist_ok=True)
    return [write_new(output, safe_name(h.hostname), "glpi.json", glpi_bytes(h))[0] for h in hosts]
