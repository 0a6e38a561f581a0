"""Read the Windows registry, or a JSON recording of it made on a real machine.

Keys are written ``HKLM\\SOFTWARE\\Microsoft\\...``. Values come back as Python
values (str, int, list of str, bytes); names and strings are valid Unicode (a lone
UTF-16 surrogate becomes U+FFFD). Reading never writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol

from netwatch.hostaccess.jsontext import valid_text

_HIVES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
}


class RegistryReader(Protocol):
    """The two read operations netwatch needs."""

    def values(self, key: str) -> dict[str, Any]:
        """All values of ``key``; empty when the key does not exist."""
        ...

    def subkeys(self, key: str) -> list[str]:
        """Names of the direct subkeys of ``key``; empty when it does not exist."""
        ...


if sys.platform == "win32":

    class WindowsRegistry:
        """The live registry through :mod:`winreg` (read-only access, 64-bit view)."""

        def __init__(self) -> None:
            import winreg  # Windows only

            self._winreg = winreg

        def _open(self, key: str) -> Any:
            hive_name, _, sub = key.partition("\\")
            hive = getattr(self._winreg, _HIVES.get(hive_name.upper(), hive_name.upper()))
            access = self._winreg.KEY_READ | self._winreg.KEY_WOW64_64KEY
            return self._winreg.OpenKey(hive, sub, 0, access)

        def values(self, key: str) -> dict[str, Any]:
            try:
                handle = self._open(key)
            except OSError:
                return {}
            result: dict[str, Any] = {}
            with handle:
                index = 0
                while True:
                    try:
                        name, value, _kind = self._winreg.EnumValue(handle, index)
                    except OSError:
                        return result
                    result[valid_text(name)] = _valid_value(value)
                    index += 1

        def subkeys(self, key: str) -> list[str]:
            try:
                handle = self._open(key)
            except OSError:
                return []
            names: list[str] = []
            with handle:
                index = 0
                while True:
                    try:
                        names.append(valid_text(self._winreg.EnumKey(handle, index)))
                    except OSError:
                        return names
                    index += 1


class RecordedRegistry:
    """A registry snapshot: ``{"HKLM\\\\Key": {"Value": data, ...}, ...}``.

    Recordings are exported from real machines (``reg export`` converted to
    JSON); tests use them to exercise the Windows code paths on Linux.
    """

    def __init__(self, keys: dict[str, dict[str, Any]]) -> None:
        self._keys = {name.lower(): (name, values) for name, values in keys.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> RecordedRegistry:
        """Load a JSON recording."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def values(self, key: str) -> dict[str, Any]:
        entry = self._keys.get(key.lower())
        return {valid_text(n): _valid_value(v) for n, v in entry[1].items()} if entry else {}

    def subkeys(self, key: str) -> list[str]:
        prefix = key.lower().rstrip("\\") + "\\"
        children = {
            original[len(prefix) :].split("\\", 1)[0]
            for lowered, (original, _values) in self._keys.items()
            if lowered.startswith(prefix)
        }
        return sorted(valid_text(child) for child in children)


def _valid_value(value: Any) -> Any:
    """A value with lone surrogates replaced in its text (REG_SZ, REG_MULTI_SZ)."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list):
        return [valid_text(item) if isinstance(item, str) else item for item in value]
    return value


def default_registry() -> RegistryReader | None:
    """The live registry on Windows, None elsewhere."""
    if sys.platform == "win32":
        return WindowsRegistry()
    return None
