"""``python -m netwatch.devtools regen``: rewrite every document generated from the code.

- the metrics table in README.md (between ``<!-- metrics:start -->`` and ``-end``) and its
  Vietnamese version, docs/metrics.vi.md;
- docs/probes.md and docs/posture.md;
- the published JSON Schemas of the audit reports in docs/.

Run it from the checkout after adding or changing a collector, prober, check or
report field; the drift tests fail until it has run. ``check`` only says which are stale
(exit 1), writing nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from netwatch.audit.schema import SCHEMA_FILES, schema_text
from netwatch.collectors.catalogue import render_markdown
from netwatch.devtools import metrics_docs, probe_docs
from netwatch.posture import docs as posture_docs

METRICS_SECTION = re.compile(r"(<!-- metrics:start -->\n)(.*?)(<!-- metrics:end -->)", re.S)


def _readme(current: str) -> str:
    table = render_markdown()
    return METRICS_SECTION.sub(lambda m: m.group(1) + table + m.group(3), current, count=1)


def generated(root: Path) -> dict[Path, Callable[[str], str]]:
    """Each generated file and how to make its new text from its current text."""
    files: dict[Path, Callable[[str], str]] = {
        root / "README.md": _readme,
        root / "docs" / "metrics.vi.md": lambda _: metrics_docs.render(),
        root / "docs" / "probes.md": lambda _: probe_docs.render(),
        root / "docs" / "posture.md": lambda _: posture_docs.render(),
    }
    for name, model in SCHEMA_FILES.items():
        files[root / "docs" / name] = lambda _, model=model: schema_text(model)  # type: ignore[misc]
    return files


def main(argv: list[str]) -> int:
    """``regen`` writes the stale files, ``check`` lists them; both print their paths."""
    if argv[:1] not in (["regen"], ["check"]):
        print("usage: python -m netwatch.devtools regen|check", file=sys.stderr)
        return 2
    stale = []
    for path, make in generated(Path.cwd()).items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        wanted = make(current)
        if wanted != current:
            stale.append(path)
            if argv[0] == "regen":
                path.write_text(wanted, encoding="utf-8")
            print(path)
    return 1 if stale and argv[0] == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
