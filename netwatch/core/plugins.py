"""Find plugin modules by walking packages: a new plugin is a new module, never a list entry.

Collectors, probers and posture check modules each live in a module of their own in
``netwatch.collectors``, ``netwatch.probes`` and ``netwatch.posture.checks`` (or a
subpackage of it), and
register themselves when imported. Packages named in ``NETWATCH_PLUGINS``
(comma-separated, importable) add their own ``collectors``, ``probes`` and ``checks``
subpackages the same way.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil

PLUGINS_VARIABLE = "NETWATCH_PLUGINS"


def extension_packages() -> list[str]:
    """The packages named in ``NETWATCH_PLUGINS``."""
    return [
        name.strip() for name in os.environ.get(PLUGINS_VARIABLE, "").split(",") if name.strip()
    ]


def public_modules(package: str) -> list[str]:
    """Full names of the modules in ``package`` and its public subpackages whose names do
    not start with ``_`` (posture checks live in ``checks/linux/``, ``checks/windows/``...)."""
    found = importlib.import_module(package)
    modules = []
    for info in pkgutil.iter_modules(found.__path__):
        if info.name.startswith("_"):
            continue
        name = f"{package}.{info.name}"
        modules.extend(public_modules(name) if info.ispkg else [name])
    return sorted(modules)


def import_plugins(builtin: str, extension_subpackage: str) -> list[str]:
    """Import every module of ``builtin`` and of each extension's ``extension_subpackage``.

    Returns the imported module names. An extension without that subpackage adds nothing;
    one that cannot be imported raises ImportError naming it.
    """
    packages = [builtin]
    for extension in extension_packages():
        importlib.import_module(extension)
        candidate = f"{extension}.{extension_subpackage}"
        if importlib.util.find_spec(candidate) is not None:
            packages.append(candidate)
    modules = [module for package in packages for module in public_modules(package)]
    for module in modules:
        importlib.import_module(module)
    return modules
