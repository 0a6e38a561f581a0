"""Write the dashboards' JSON files: ``python -m dashboards.generate [--check]``.

``--check`` writes nothing and exits 1 when a checked-in file differs from what the code
makes (the test suite runs it), naming the files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from dashboards import host, lan, posture, province, services, wall
from dashboards.grafana import Dashboard

FOLDER = Path(__file__).parent
BUILDERS: dict[str, Callable[[], Dashboard]] = {
    "netwatch-wall.json": wall.dashboard,
    "netwatch-host.json": host.dashboard,
    "netwatch-services.json": services.dashboard,
    "netwatch-posture.json": posture.dashboard,
    "netwatch-lan.json": lan.dashboard,
    "netwatch-province.json": province.dashboard,
}


def rendered() -> dict[str, str]:
    """Every dashboard's file name and JSON text, as checked in."""
    return {
        name: json.dumps(build().json(), indent=2, ensure_ascii=False) + "\n"
        for name, build in BUILDERS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, text in rendered().items():
        path = FOLDER / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date (run python -m dashboards.generate): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
