"""netwatch's layers: every import, module-level or inside a function, goes down or sideways.

From the bottom: shared contracts and host access; the domains (engine, host facts,
inventory, posture, probes, the hardware model); LAN discovery (which uses inventory and
probes); the collectors (plugins over all of them); the configuration, assembled from the
plugin registries; the agent and its HTTP endpoint; the audit, the asset register and the
developer tools; the CLI on top.
docs/architecture.md draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "netwatch"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("netwatch", "netwatch.core", "netwatch.durations", "netwatch.times", "netwatch.logsetup",
     "netwatch.hostaccess"),
    ("netwatch.engine", "netwatch.facts", "netwatch.inventory", "netwatch.posture",
     "netwatch.probes", "netwatch.webconfig", "netwatch.pki", "netwatch.assets"),
    ("netwatch.lan",),
    ("netwatch.collectors",),
    ("netwatch.config",),
    ("netwatch.agent", "netwatch.exporter", "netwatch.service", "netwatch.winservice"),
    ("netwatch.audit", "netwatch.register", "netwatch.devtools", "netwatch.install"),
    ("netwatch.cli", "netwatch.__main__"),
)  # fmt: skip


def layer_of(module: str) -> int:
    """The layer of ``module``: its longest listed prefix decides."""
    best, found = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    assert found >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every netwatch import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "netwatch" or n.startswith("netwatch.")]
    return found


def back_edges() -> list[str]:
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        for line, target in imports(path):
            if layer_of(target) > layer_of(source):
                edges.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {source} -> {target}")
    return edges


def test_no_import_runs_back_up_a_layer() -> None:
    assert back_edges() == []


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_the_check_sees_a_back_edge(tmp_path: Path) -> None:
    assert layer_of("netwatch.probes.check") < layer_of("netwatch.agent")
    assert layer_of("netwatch.core.errors") == 0 and layer_of("netwatch.cli.app") == len(LAYERS) - 1
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from netwatch.agent import build_engine\n", encoding="utf-8")
    assert imports(sample) == [(2, "netwatch.agent")]


def within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def imports_of(package: str) -> list[tuple[str, str]]:
    """(file:line, imported module) of every netwatch import in ``package``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if within(module_name(path), package):
            where = path.relative_to(PACKAGE.parent)
            found += [(f"{where}:{line}", target) for line, target in imports(path)]
    return found


def test_the_facts_sit_between_the_parsers_and_their_readers() -> None:
    """Sideways within layer 1, yet no cycle: the parsers, then the facts, then their readers
    (inventory, the posture runner and checks)."""
    parsers = [
        (w, m) for w, m in imports_of("netwatch.posture.parsers") if within(m, "netwatch.facts")
    ]
    assert parsers == [], "a parser must not need the facts it is used to produce"
    sources = ("netwatch.hostaccess", "netwatch.facts", "netwatch.posture.parsers",
               "netwatch.posture.checks._powershell", "netwatch.i18n")  # fmt: skip
    facts = [(w, m) for w, m in imports_of("netwatch.facts") if not within(m, *sources)]
    assert facts == [], (
        "the facts read the host through hostaccess and the parsers only (and say why in messages)"
    )
