"""The inventory inside a host report: the ``netwatch inventory`` document, typed.

Every key netwatch writes is typed here (strictly: a number in a text field is an
error, never coerced) and read by attribute. The document may grow keys: unknown ones
are kept as they are (``extra="allow"``), so a report written by a newer netwatch
still loads. Items that could not be read are None or empty and listed in ``errors``;
an offline audit (``--root``) fills only what files tell (``scope: files``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from netwatch.assets.model import Hardware, OpenRecord


class InventoryOs(OpenRecord):
    """What the host is and runs (the report's ``host`` identity, as inventoried)."""

    hostname: str = ""
    fqdn: str = ""
    os_family: str = ""
    os_id: str = ""
    os_name: str | None = None
    os_version: str | None = None
    kernel: str = ""
    arch: str = ""
    machine_id: str = ""


class InventoryCpu(OpenRecord):
    model: str | None = None
    vendor: str = ""
    physical_cores: int | None = Field(None, ge=0)
    logical_cores: int | None = Field(None, ge=0)


class InventoryMemory(OpenRecord):
    """Bytes of memory and swap."""

    total: int | None = Field(None, ge=0)
    available: int | None = Field(None, ge=0)
    swap_total: int | None = Field(None, ge=0)
    swap_free: int | None = Field(None, ge=0)


class InventoryFilesystem(OpenRecord):
    """A mounted file system; sizes in bytes."""

    device: str = ""
    mountpoint: str = ""
    fstype: str = ""
    size: int = Field(0, ge=0)
    free: int = Field(0, ge=0)
    available: int = Field(0, ge=0)
    readonly: bool = False


class InventoryAddress(OpenRecord):
    family: str = ""
    address: str
    prefix: int = Field(ge=0, le=128)


class InventoryCounters(OpenRecord):
    """Traffic counters since boot."""

    bytes_sent: int = Field(0, ge=0)
    bytes_recv: int = Field(0, ge=0)
    packets_sent: int = Field(0, ge=0)
    packets_recv: int = Field(0, ge=0)
    errin: int = Field(0, ge=0)
    errout: int = Field(0, ge=0)
    dropin: int = Field(0, ge=0)
    dropout: int = Field(0, ge=0)


class InventoryNic(OpenRecord):
    name: str = ""
    mac: str = ""
    up: bool = False
    speed_mbps: int = Field(0, ge=0)
    mtu: int = Field(0, ge=0)
    addresses: list[InventoryAddress] = Field(default_factory=list)
    counters: InventoryCounters | None = None


class InventorySession(OpenRecord):
    """A logged-in user (``started``: Unix time)."""

    user: str = ""
    terminal: str = ""
    host: str = ""
    started: float | None = None


class InventoryPackage(OpenRecord):
    """An installed package or program (``manager``: dpkg, rpm or windows)."""

    name: str = ""
    version: str = ""
    arch: str = ""
    vendor: str = ""
    manager: str = ""


class InventoryItemError(OpenRecord):
    """An item that could not be read, and why."""

    item: str
    error: str


class Inventory(OpenRecord):
    """The ``netwatch inventory`` document inside a host report."""

    schema_version: int | None = Field(None, description="Version of the inventory document.")
    collected_at: str | None = None
    agent_version: str | None = None
    scope: str | None = Field(
        None, description="'files' when read from a mounted disk (--root); absent live."
    )
    root: str | None = Field(None, description="The mounted disk's directory (--root).")
    host: InventoryOs | None = None
    boot_time: float | None = Field(None, description="Unix time of the last boot.")
    cpu: InventoryCpu | None = None
    memory: InventoryMemory | None = None
    filesystems: list[InventoryFilesystem] = Field(default_factory=list)
    network_interfaces: list[InventoryNic] = Field(default_factory=list)
    sessions: list[InventorySession] = Field(default_factory=list)
    software: list[InventoryPackage] = Field(default_factory=list)
    hardware: Hardware | None = Field(
        None, description="The asset register's facts (netwatch.assets.model); absent before."
    )
    errors: list[InventoryItemError] = Field(default_factory=list)


def inventory_of(document: dict[str, Any]) -> Inventory:
    """netwatch's own inventory document, typed as a saved report reads it (from JSON)."""
    return Inventory.model_validate_json(json.dumps(document))
