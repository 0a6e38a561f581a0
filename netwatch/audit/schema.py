"""The published JSON Schemas of the report documents, generated from the models.

``python -m netwatch.audit.schema [DIR]`` writes ``audit-report.schema.json``
and ``office-report.schema.json`` to DIR (default: ``docs``); a test keeps the
committed files current.

A host report's ``inventory`` is the ``netwatch inventory`` document, which may
grow keys: :class:`Inventory` publishes (and the report loader checks) the types
of the parts a report shows, and leaves other keys open.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from netwatch.audit.model import AuditReport, OfficeReport

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "audit-report.schema.json": AuditReport,
    "office-report.schema.json": OfficeReport,
}


class _Open(BaseModel):
    """Typed where a report reads it, open to keys it does not (strict: no coercion)."""

    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False)


class InventoryOs(_Open):
    os_name: str | None = None
    os_version: str | None = None


class InventoryCpu(_Open):
    model: str | None = None
    physical_cores: int | None = Field(None, ge=0)
    logical_cores: int | None = Field(None, ge=0)


class InventoryMemory(_Open):
    total: int | None = Field(None, ge=0)
    swap_total: int | None = Field(None, ge=0)


class InventoryFilesystem(_Open):
    device: str = ""
    mountpoint: str = ""
    fstype: str = ""
    size: int = Field(0, ge=0)
    free: int = Field(0, ge=0)


class InventoryAddress(_Open):
    address: str
    prefix: int = Field(ge=0, le=128)


class InventoryNic(_Open):
    name: str = ""
    mac: str = ""
    up: bool = False
    addresses: list[InventoryAddress] = Field(default_factory=list)


class InventoryPackage(_Open):
    name: str = ""
    version: str = ""


class InventoryItemError(_Open):
    item: str
    error: str


class Inventory(_Open):
    """The ``netwatch inventory`` document inside a host report."""

    collected_at: str | None = None
    host: InventoryOs | None = None
    cpu: InventoryCpu | None = None
    memory: InventoryMemory | None = None
    filesystems: list[InventoryFilesystem] = Field(default_factory=list)
    network_interfaces: list[InventoryNic] = Field(default_factory=list)
    software: list[InventoryPackage] = Field(default_factory=list)
    errors: list[InventoryItemError] = Field(default_factory=list)


def _with_inventory(document: dict[str, Any]) -> dict[str, Any]:
    """A host report's schema with ``inventory`` described by :class:`Inventory`."""
    shape = Inventory.model_json_schema(ref_template="#/$defs/{model}")
    definitions = {**shape.pop("$defs", {}), "Inventory": shape}
    entry = document["properties"]["inventory"]
    entry["anyOf"] = [{"$ref": "#/$defs/Inventory"}, {"type": "null"}]
    document["$defs"] = dict(sorted({**document["$defs"], **definitions}.items()))
    return document


def schema_text(model: type[BaseModel]) -> str:
    """The JSON Schema of ``model`` as the published file's text."""
    document = model.model_json_schema(by_alias=True)
    if model is AuditReport:
        document = _with_inventory(document)
    document = {"$schema": JSON_SCHEMA_DIALECT, **document}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every published schema into ``directory``; returns the paths."""
    paths = []
    for name, model in SCHEMA_FILES.items():
        path = directory / name
        path.write_text(schema_text(model), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str]) -> None:
    """Command-line entry point."""
    for path in write_schemas(Path(argv[0] if argv else "docs")):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
