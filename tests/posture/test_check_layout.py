"""One check, one place: the module follows the id, the texts sit in the YAML beside it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import netwatch.posture.checks
from netwatch.core.yamlfile import ConfigError
from netwatch.posture.metadata import module_entries
from netwatch.posture.registry import all_checks

CHECKS_DIR = Path(netwatch.posture.checks.__file__).parent
BUILTIN = "netwatch.posture.checks."


def test_each_check_lives_in_the_module_its_id_names() -> None:
    builtin = [c for c in all_checks() if c.run.__module__.startswith(BUILTIN)]
    assert len(builtin) >= 52
    for check in builtin:
        area = check.meta.id.rsplit(".", 1)[0]
        assert check.run.__module__ == BUILTIN + area, check.meta.id


def test_check_modules_and_metadata_files_come_in_pairs() -> None:
    modules = {p.with_suffix("") for p in CHECKS_DIR.glob("*/*.py") if not p.name.startswith("_")}
    texts = {p.with_suffix("") for p in CHECKS_DIR.glob("*/*.yaml")}
    assert modules == texts
    assert not list(CHECKS_DIR.glob("*.yaml")), "metadata belongs beside a check module"


def test_every_metadata_entry_names_a_registered_check() -> None:
    ids = {c.meta.id for c in all_checks()}
    for path in CHECKS_DIR.glob("*/*.yaml"):
        module = BUILTIN + f"{path.parent.name}.{path.stem}"
        area = f"{path.parent.name}.{path.stem}"
        assert {f"{area}.{key}" for key in module_entries(module)} <= ids, path


def test_texts_come_from_the_metadata_file() -> None:
    check = next(c for c in all_checks() if c.meta.id == "windows.uac.enabled")
    entry = module_entries(check.run.__module__)["enabled"]
    assert check.meta.title.vi == entry.title.vi
    assert check.meta.remediation.en == entry.remediation.en
    assert check.meta.platforms == ("windows",)
    common = next(c for c in all_checks() if c.meta.id.startswith("common."))
    assert common.meta.platforms == ("linux", "windows")


@pytest.fixture
def scratch_package(tmp_path: Path) -> Iterator[Path]:
    """An importable package ``nwscratch.checks.demo`` to put check modules in (its checks
    never register: each test's module is refused)."""
    package = tmp_path / "nwscratch" / "checks" / "demo"
    package.mkdir(parents=True)
    for folder in (package, package.parent, package.parent.parent):
        (folder / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    yield package
    sys.path.remove(str(tmp_path))
    module_entries.cache_clear()
    for name in [m for m in sys.modules if m.startswith("nwscratch")]:
        del sys.modules[name]


MODULE = """
from netwatch.posture.model import Evidence, passed
from netwatch.posture.registry import check


@check("demo.{area}.ok")
def ok(ctx):
    return passed(Evidence("demo", "ok"))
"""
GOOD_ENTRY = """ok:
  title: {en: A demo, vi: Mẫu}
  rationale: {en: Because, vi: Vì}
  remediation: {en: Nothing, vi: Không}
  category: host
  severity: low
"""


def _write(package: Path, area: str, yaml_text: str, module: str = MODULE) -> None:
    (package / f"{area}.py").write_text(module.format(area=area))
    (package / f"{area}.yaml").write_text(yaml_text)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (GOOD_ENTRY.replace("vi: Mẫu", "vi: ''"), "line 2: ok.title.vi"),
        (GOOD_ENTRY.replace("severity: low", "severity: severe"), "line 6: ok.severity"),
        (GOOD_ENTRY.replace("category: host", "category: hosts"), "line 5: ok.category"),
        (GOOD_ENTRY.replace("ok:", "okay:"), "ok: no entry for check demo.texts.ok"),
        (GOOD_ENTRY + "  extra: 1\n", "line 7: ok.extra"),
    ],
)
def test_a_bad_metadata_file_is_named_with_its_line(
    scratch_package: Path, yaml_text: str, message: str
) -> None:
    _write(scratch_package, "texts", yaml_text)
    with pytest.raises(ConfigError) as raised:
        importlib.import_module("nwscratch.checks.demo.texts")
    assert raised.value.source == "nwscratch/checks/demo/texts.yaml"
    assert message in str(raised.value)


def test_a_check_outside_the_module_its_id_names_is_refused(scratch_package: Path) -> None:
    _write(scratch_package, "texts", GOOD_ENTRY, MODULE.replace("demo.{area}.ok", "demo.other.ok"))
    with pytest.raises(ValueError, match="belongs in the module of demo.texts"):
        importlib.import_module("nwscratch.checks.demo.texts")
