"""Write a recorded registry into the Wine prefix it runs in (run by Windows Python).

    python.exe load_registry.py RECORDING.json [...]

Each recorded key is created and its values replaced by the recorded ones, with the
type a real machine gives them: numbers as REG_DWORD (REG_QWORD past 32 bits),
text as REG_SZ, lists as REG_MULTI_SZ. Keys are written ``HKLM\\...`` or
``HKU\\<SID>\\...`` as in the recordings.

Wine keeps only its own user under HKEY_USERS on disk; other users' hives, like
those of users logged on to a real machine, exist while the registry server runs:
they are created volatile, so the lab loads recordings when its session starts.
"""

from __future__ import annotations

import ctypes
import json
import sys
import winreg
from ctypes import wintypes
from typing import Any

HIVES = {
    "HKLM": winreg.HKEY_LOCAL_MACHINE,
    "HKCU": winreg.HKEY_CURRENT_USER,
    "HKU": winreg.HKEY_USERS,
}
ACCESS = winreg.KEY_ALL_ACCESS | winreg.KEY_WOW64_64KEY
REG_OPTION_VOLATILE = 1
ERROR_CHILD_MUST_BE_VOLATILE = 1021


def registry_type(value: Any) -> tuple[int, Any]:
    """The registry type a real machine stores ``value`` with."""
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise TypeError(f"unsupported recorded value {value!r}")
    if isinstance(value, int):
        return (winreg.REG_DWORD if 0 <= value < 2**32 else winreg.REG_QWORD), value
    if isinstance(value, list):
        return winreg.REG_MULTI_SZ, [str(item) for item in value]
    return winreg.REG_SZ, value


def load(keys: dict[str, dict[str, Any]]) -> int:
    """Write every key; the number of values written."""
    written = 0
    for name, values in keys.items():
        hive_name, _, path = name.partition("\\")
        with _create(HIVES[hive_name.upper()], path) as key:
            for old in _value_names(key):
                winreg.DeleteValue(key, old)
            for value_name, value in values.items():
                kind, data = registry_type(value)
                winreg.SetValueEx(key, value_name, 0, kind, data)
                written += 1
    return written


def _create(hive: Any, path: str) -> Any:
    """Open or create ``path``, part by part, volatile below a volatile parent."""
    key = winreg.OpenKeyEx(hive, "", 0, ACCESS)
    for part in path.split("\\"):
        try:
            child = winreg.CreateKeyEx(key, part, 0, ACCESS)
        except OSError as exc:
            if exc.winerror != ERROR_CHILD_MUST_BE_VOLATILE:
                raise
            child = _create_volatile(key, part)
        key.Close()
        key = child
    return key


def _create_volatile(parent: Any, name: str) -> Any:
    """RegCreateKeyExW with REG_OPTION_VOLATILE (winreg cannot pass options)."""
    handle = wintypes.HKEY()
    status = ctypes.windll.advapi32.RegCreateKeyExW(
        wintypes.HKEY(parent.handle), name, 0, None, REG_OPTION_VOLATILE, ACCESS, None,
        ctypes.byref(handle), None,
    )  # fmt: skip
    if status != 0:
        raise OSError(None, f"RegCreateKeyExW({name!r}) failed", None, status)
    ctypes.windll.advapi32.RegCloseKey(handle)
    return winreg.OpenKeyEx(parent, name, 0, ACCESS)


def _value_names(key: Any) -> list[str]:
    names, index = [], 0
    while True:
        try:
            names.append(winreg.EnumValue(key, index)[0])
        except OSError:
            return names
        index += 1


def main(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            total += load(json.load(handle))
    print(f"loaded {total} values from {len(paths)} recordings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
