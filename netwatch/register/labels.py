"""The register's texts by key: sheet names, column headings, values and the summary's labels.

Every label has the context ``asset register``: the register's wording is its own, and its
Vietnamese lives in ``netwatch/i18n/vi/assets.yaml``.
"""

from __future__ import annotations

from netwatch.i18n import Label, label

_LABELS: dict[str, Label] = {
    # Sheets
    "sheet.machines": label("Machines", context="asset register"),
    "sheet.software": label("Software", context="asset register"),
    "sheet.peripherals": label("Monitors and printers", context="asset register"),
    "sheet.changes": label("Changes", context="asset register"),
    # Machines
    "col.hostname": label("Hostname", context="asset register"),
    "col.office": label("Office", context="asset register"),
    "col.department": label("Department", context="asset register"),
    "col.room": label("Room", context="asset register"),
    "col.owner": label("Owner", context="asset register"),
    "col.asset_tag": label("Asset tag", context="asset register"),
    "col.manufacturer": label("Manufacturer", context="asset register"),
    "col.model": label("Model", context="asset register"),
    "col.serial": label("Serial number", context="asset register"),
    "col.uuid": label("UUID", context="asset register"),
    "col.chassis": label("Type", context="asset register"),
    "col.cpu": label("CPU", context="asset register"),
    "col.ram_gib": label("RAM (GiB)", context="asset register"),
    "col.ram_modules": label("RAM modules", context="asset register"),
    "col.disks": label("Disks", context="asset register"),
    "col.os_name": label("Operating system", context="asset register"),
    "col.os_version": label("OS version", context="asset register"),
    "col.windows_product": label("Windows edition", context="asset register"),
    "col.windows_status": label("Windows activation", context="asset register"),
    "col.windows_channel": label("Windows licence channel", context="asset register"),
    "col.office_product": label("Office product", context="asset register"),
    "col.office_status": label("Office activation", context="asset register"),
    "col.office_channel": label("Office licence channel", context="asset register"),
    "col.antivirus": label("Antivirus", context="asset register"),
    "col.membership": label("Domain or workgroup", context="asset register"),
    "col.last_user": label("Last user", context="asset register"),
    "col.frequent_user": label("Most frequent user", context="asset register"),
    "col.bios_version": label("BIOS version", context="asset register"),
    "col.bios_date": label("BIOS date", context="asset register"),
    "col.secure_boot": label("Secure Boot", context="asset register"),
    "col.tpm": label("TPM", context="asset register"),
    "col.purchase_date": label("Purchase date", context="asset register"),
    "col.report_date": label("Report date", context="asset register"),
    # Software
    "col.package": label("Software", context="asset register column"),
    "col.version": label("Version", context="asset register"),
    "col.publisher": label("Publisher", context="asset register"),
    "col.source": label("Source", context="asset register"),
    "col.arch": label("Architecture", context="asset register"),
    # Monitors and printers
    "col.kind": label("Kind", context="asset register"),
    "col.name": label("Name or model", context="asset register"),
    "col.maker": label("Maker", context="asset register"),
    "col.connection": label("Connection", context="asset register"),
    "col.default": label("Default printer", context="asset register"),
    "col.year": label("Year made", context="asset register"),
    "col.driver": label("Driver", context="asset register"),
    "col.location": label("Location", context="asset register"),
    "kind.monitor": label("Monitor", context="asset register"),
    "kind.printer": label("Printer", context="asset register"),
    # Changes
    "col.what": label("What changed", context="asset register"),
    "col.before": label("Before", context="asset register"),
    "col.after": label("After", context="asset register"),
    "change.host_added": label("Machine added", context="asset register"),
    "change.host_missing": label("Machine no longer reported", context="asset register"),
    "change.cpu": label("CPU changed", context="asset register"),
    "change.ram_total": label("RAM total changed", context="asset register"),
    # A hardware change (netwatch.assets.fingerprint): component and change
    "change.system.changed": label("Machine identity changed", context="asset register"),
    "change.firmware.changed": label("BIOS or UEFI changed", context="asset register"),
    "change.tpm.added": label("TPM added", context="asset register"),
    "change.tpm.removed": label("TPM no longer present", context="asset register"),
    "change.tpm.changed": label("TPM changed", context="asset register"),
    "change.memory.added": label("RAM module added", context="asset register"),
    "change.memory.removed": label("RAM module removed", context="asset register"),
    "change.memory.replaced": label("RAM module replaced", context="asset register"),
    "change.disk.added": label("Disk added", context="asset register"),
    "change.disk.removed": label("Disk removed", context="asset register"),
    "change.disk.replaced": label("Disk replaced", context="asset register"),
    "change.monitor.added": label("Monitor added", context="asset register"),
    "change.monitor.removed": label("Monitor removed", context="asset register"),
    "change.monitor.replaced": label("Monitor replaced", context="asset register"),
    "change.gpu.added": label("GPU added", context="asset register"),
    "change.gpu.removed": label("GPU removed", context="asset register"),
    "change.printer.added": label("Printer added", context="asset register"),
    "change.printer.removed": label("Printer removed", context="asset register"),
    # Values
    "yes": label("Yes", context="asset register"),
    "no": label("No", context="asset register"),
    "on": label("On", context="asset register"),
    "off": label("Off", context="asset register"),
    "tpm.none": label("None", context="asset register TPM"),
    "status.licensed": label("Activated", context="asset register"),
    "status.unlicensed": label("Not activated", context="asset register"),
    "status.grace": label("Grace period", context="asset register"),
    "status.notification": label("Notification mode", context="asset register"),
    "status.unknown": label("Unknown", context="asset register"),
    "channel.oem": label("OEM", context="asset register"),
    "channel.retail": label("Retail", context="asset register"),
    "channel.volume_kms": label("Volume (KMS)", context="asset register"),
    "channel.volume_mak": label("Volume (MAK)", context="asset register"),
    "channel.subscription": label("Subscription", context="asset register"),
    "channel.unknown": label("Unknown", context="asset register channel"),
    "chassis.desktop": label("Desktop", context="asset register"),
    "chassis.laptop": label("Laptop", context="asset register"),
    "chassis.server": label("Server", context="asset register"),
    "chassis.virtual": label("Virtual machine", context="asset register"),
    "connection.network": label("Network", context="asset register"),
    "connection.local": label("Local", context="asset register"),
    "connection.virtual": label("Virtual", context="asset register"),
    "connection.unknown": label("Unknown", context="asset register connection"),
    "membership.domain": label("Domain {name}", context="asset register"),
    "membership.workgroup": label("Workgroup {name}", context="asset register"),
    "antivirus.off": label("{name} (off)", context="asset register"),
    "antivirus.outdated": label("{name} (out of date)", context="asset register"),
    "not_windows": label("Not applicable", context="asset register"),
    # The printable summary
    "summary.title": label("Asset register", context="asset register"),
    "summary.subtitle": label("{count} machines", context="asset register"),
    "summary.date": label("Register date", context="asset register"),
    "summary.machines": label("Machines", context="asset register count"),
    "summary.previous": label("Previous register", context="asset register"),
    "summary.previous_none": label("None given", context="asset register"),
    "summary.changes_count": label("Changes since the previous register", context="asset register"),
    "summary.by_department": label("Machines by department", context="asset register"),
    "summary.by_os": label("Machines by operating system", context="asset register"),
    "summary.by_activation": label("Machines by Windows activation", context="asset register"),
    "summary.by_chassis": label("Machines by type", context="asset register"),
    "summary.count": label("Count", context="asset register"),
    "summary.unassigned": label("(not assigned)", context="asset register"),
    "summary.machine_list": label("Machine list", context="asset register"),
    "summary.changes": label("Changes since the previous register", context="asset register title"),
    "summary.no_changes": label("No change since the previous register.", context="asset register"),
    "summary.no_previous": label(
        "No previous register was given (--previous): changes are listed from the next run on.",
        context="asset register",
    ),
    "summary.more_changes": label(
        "{count} more changes are in the workbook's Changes sheet.", context="asset register"
    ),
    "summary.footer": label(
        "Generated by netwatch {version}. The full register is in the workbook.",
        context="asset register",
    ),
}


def text(key: str, lang: str, **values: str | int | float) -> str:
    """The register's text ``key`` in ``lang``, its placeholders filled."""
    return _LABELS[key].fill(**values).render(lang)


def known(key: str) -> bool:
    """Whether ``key`` names a text (``chassis.nas`` does not: shown as written)."""
    return key in _LABELS
