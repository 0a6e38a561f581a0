"""Plugins are found by walking their packages; each lives in the module of its name."""

from __future__ import annotations

import importlib

import pytest

from netwatch.collectors.registry import builtin_specs
from netwatch.core.plugins import extension_packages, public_modules
from netwatch.posture.registry import all_checks
from netwatch.probes.base import Prober, probers

COLLECTOR_INFRASTRUCTURE = {"registry", "catalogue"}


def test_each_collector_module_registers_the_collector_of_its_name() -> None:
    names = {spec.name for spec in builtin_specs()}
    for module_name in public_modules("netwatch.collectors"):
        short = module_name.rsplit(".", 1)[1]
        module = importlib.import_module(module_name)
        if short in COLLECTOR_INFRASTRUCTURE:
            assert not hasattr(module, "SPEC"), module_name
            continue
        assert module.SPEC.name == short, module_name
        assert short in names
    assert (
        names
        == {m.rsplit(".", 1)[1] for m in public_modules("netwatch.collectors")}
        - COLLECTOR_INFRASTRUCTURE
    )


def test_each_prober_lives_in_the_module_of_its_name() -> None:
    found = probers()
    assert list(found) == sorted(found)
    for name, prober in found.items():
        module = importlib.import_module(f"netwatch.probes.{name}")
        assert module.PROBER is prober
    with_prober = {
        m.rsplit(".", 1)[1]
        for m in public_modules("netwatch.probes")
        if isinstance(getattr(importlib.import_module(m), "PROBER", None), Prober)
    }
    assert with_prober == set(found)


def test_every_check_comes_from_a_pack_module_of_the_checks_package() -> None:
    packs = set(public_modules("netwatch.posture.checks"))
    for check in all_checks():
        assert check.run.__module__ in packs, check.meta.id
    assert {c.run.__module__ for c in all_checks()} == packs


def test_extensions_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETWATCH_PLUGINS", " office_checks, ,more ")
    assert extension_packages() == ["office_checks", "more"]
    monkeypatch.delenv("NETWATCH_PLUGINS")
    assert extension_packages() == []
