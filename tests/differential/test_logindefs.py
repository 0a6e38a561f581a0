"""login.defs as netwatch reads it against what useradd (shadow-utils 4.13) applies.

Each corpus file (tests/differential/corpus/logindefs/, its first line says what it
probes) becomes /etc/login.defs of a copy of the programs root; ``useradd -m`` then
creates an account there. The new /etc/shadow entry (minimum, maximum and warning
days) and the home directory's mode are what shadow applied; the parser must predict
them, and the "configuration error" lines useradd prints for the items it rejected.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netwatch.posture.parsers.logindefs import home_mode, parse_login_defs, useradd_aging
from tests.helpers.roots import in_root

CORPUS = Path(__file__).parent / "corpus" / "logindefs"
CASES = sorted(CORPUS.glob("*.defs"))
USER = "nwprobe"
ACCOUNT_FILES = ("passwd", "shadow", "group", "gshadow", "subuid", "subgid")
TIMEOUT = 30
# case name -> why netwatch and useradd may differ there (none so far)
EXCEPTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def root(programs_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the cached root for this module; account files saved to restore."""
    copy = tmp_path_factory.mktemp("logindefs") / "root"
    # cp -a, not copytree: the root's /dev holds device nodes that must not be read
    subprocess.run(["cp", "-a", str(programs_root), str(copy)], check=True, timeout=TIMEOUT * 4)
    saved = copy / "saved-account-files"
    saved.mkdir()
    for name in ACCOUNT_FILES:
        if (copy / "etc" / name).exists():
            shutil.copy2(copy / "etc" / name, saved / name)
    return copy


def _reset(root: Path) -> None:
    for name in ACCOUNT_FILES:
        kept = root / "saved-account-files" / name
        if kept.exists():
            shutil.copy2(kept, root / "etc" / name)
    shutil.rmtree(root / "home" / USER, ignore_errors=True)


def _aging_field(text: str) -> int:
    return int(text) if text else -1


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert case.read_text(errors="replace").startswith("# probes: "), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_useradd_applies_what_netwatch_reads(root: Path, case: Path) -> None:
    _reset(root)
    data = case.read_bytes()
    (root / "etc" / "login.defs").write_bytes(data)
    run = subprocess.run(
        in_root(root, "useradd", "-m", USER), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert run.returncode == 0, run.stderr
    entry = next(
        line.split(":")
        for line in (root / "etc" / "shadow").read_text().splitlines()
        if line.startswith(f"{USER}:")
    )
    real = {
        "aging": tuple(_aging_field(field) for field in (entry[3], entry[4], entry[5])),
        "home_mode": oct((root / "home" / USER).stat().st_mode & 0o7777),
        "rejected": sorted(
            name
            for name in ("PASS_MIN_DAYS", "PASS_MAX_DAYS", "PASS_WARN_AGE", "UMASK", "HOME_MODE")
            if f"cannot parse {name} value" in run.stderr
        ),
    }
    defs = parse_login_defs(data.decode("utf-8", errors="replace"))
    aging = useradd_aging(defs)
    numbers = [*aging, defs.number("UMASK", 0o22), defs.number("HOME_MODE", 0)]
    ours = {
        "aging": tuple(number.value for number in aging),
        "home_mode": oct(home_mode(defs)),
        "rejected": sorted(number.name for number in numbers if number.problem),
    }
    if case.stem in EXCEPTIONS:
        assert ours != real, f"{case.stem} agrees now: drop it from EXCEPTIONS"
        return
    assert ours == real, f"{case.stem}: netwatch {ours}, useradd {real}"
