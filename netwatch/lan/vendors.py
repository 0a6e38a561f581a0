"""MAC address -> vendor name: a user override file, then scapy's bundled IEEE database.

Order of lookup for a MAC:

1. the override file (YAML ``prefix: name``; prefixes of any length such as
   ``00:1A:2B`` or ``00:1A:2B:C``, or full MACs to name single devices; the
   longest matching prefix wins);
2. ``locally administered`` when the MAC's U/L bit is set (virtual machines,
   containers, randomised Wi-Fi addresses: no vendor to find);
3. scapy's manuf database (Wireshark's, bundled with scapy >= 2.6), MA-S (/36)
   and MA-M (/28) blocks before the OUI (/24); the long vendor name;
4. ``""`` when nothing matches.

scapy is imported on the first lookup that reaches step 3.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

LOCALLY_ADMINISTERED = "locally administered"
_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX = re.compile(r"^[0-9a-f]{1,12}$")


def mac_digits(mac: str) -> str | None:
    """The 12 lower-case hex digits of a MAC (any usual spelling), or None when invalid."""
    digits = _SEPARATORS.sub("", mac).lower()
    return digits if len(digits) == 12 and _HEX.match(digits) else None


def load_overrides(path: str | Path) -> dict[str, str]:
    """Read an override file: hex-digit prefix -> name. Raises ValueError naming the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the vendor file: {exc.strerror or exc}") from exc
    try:
        # No anchors or aliases: nothing here needs them, and they allow alias bombs.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, yaml.BaseLoader)):
            raise ValueError(f"{path}: YAML aliases (*name) are not allowed in the vendor file")
        # BaseLoader keeps every scalar a string: 11:22:33 is not a sexagesimal number here.
        # It builds only str, list and dict, never objects.
        data = yaml.load(text, Loader=yaml.BaseLoader)  # nosec B506
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    except RecursionError:
        raise ValueError(f"{path}: not valid YAML: nested too deeply") from None
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of MAC prefix to vendor name")
    overrides = {}
    for key, name in data.items():
        prefix = _SEPARATORS.sub("", str(key)).lower()
        if not _HEX.match(prefix):
            raise ValueError(
                f"{path}: invalid MAC prefix {key!r}: expected 1 to 12 hex digits, e.g. 00:1A:2B"
            )
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{path}: the name for {key!r} must be a non-empty string")
        overrides[prefix] = name.strip()
    return overrides


@functools.cache
def _manuf_table() -> dict[str, str]:
    """scapy's manuf database as hex-digit prefix (6, 7 or 9 digits) -> long vendor name."""
    from scapy.config import conf

    table = {}
    for key, (short, long) in conf.manufdb.d.items():
        oui, _, bits = key.partition("/")
        digits = oui.replace(":", "").lower()
        table[digits[: int(bits) // 4] if bits else digits] = long or short
    return table


class VendorLookup:
    """Vendor names for MACs, with a user override file (``None``: no overrides)."""

    def __init__(self, override_file: str | None = None) -> None:
        self._overrides = load_overrides(override_file) if override_file else {}
        self._lengths = sorted({len(prefix) for prefix in self._overrides}, reverse=True)

    def vendor(self, mac: str) -> str:
        """The vendor (or local name) for ``mac``; ``""`` when unknown or not a MAC."""
        digits = mac_digits(mac)
        if digits is None:
            return ""
        for length in self._lengths:
            name = self._overrides.get(digits[:length])
            if name is not None:
                return name
        if int(digits[1], 16) & 0x2:
            return LOCALLY_ADMINISTERED
        table = _manuf_table()
        for length in (9, 7, 6):
            name = table.get(digits[:length])
            if name is not None:
                return name
        return ""
