"""The published JSON Schemas of the report documents, generated from the models.

``python -m netwatch.audit.schema [DIR]`` writes ``audit-report.schema.json``
and ``office-report.schema.json`` to DIR (default: ``docs``); a test keeps the
committed files current.

A host report's ``inventory`` is typed by :mod:`netwatch.audit.inventory` (keys it does
not know are left open).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from netwatch.audit.model import AuditReport, OfficeReport

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "audit-report.schema.json": AuditReport,
    "office-report.schema.json": OfficeReport,
}


def schema_text(model: type[BaseModel]) -> str:
    """The JSON Schema of ``model`` as the published file's text."""
    document = model.model_json_schema(by_alias=True)
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
