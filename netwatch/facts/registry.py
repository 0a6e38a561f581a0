"""A view of the Windows registry that reads each key once and shares the answer."""

from __future__ import annotations

import threading
from typing import Any

from netwatch.hostaccess import RegistryReader


class RegistryView:
    """Answers :class:`RegistryReader` questions, asking the real reader once per key.

    Keys ignore case, as in the registry. Callers get their own copies, so one check
    changing an answer cannot change another's.
    """

    def __init__(self, reader: RegistryReader) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, Any]] = {}
        self._subkeys: dict[str, list[str]] = {}

    def values(self, key: str) -> dict[str, Any]:
        """All values of ``key``; empty when the key does not exist."""
        with self._lock:  # registry reads take microseconds: one at a time is fine
            found = self._values.get(key.lower())
            if found is None:
                found = self._values[key.lower()] = self._reader.values(key)
        return dict(found)

    def subkeys(self, key: str) -> list[str]:
        """Names of the direct subkeys of ``key``; empty when it does not exist."""
        with self._lock:
            found = self._subkeys.get(key.lower())
            if found is None:
                found = self._subkeys[key.lower()] = self._reader.subkeys(key)
        return list(found)
