"""systemd units as netwatch reads them against systemd 252 itself (this Debian 12 host).

Each corpus case (tests/differential/corpus/systemd/, first line ``# probes: ...``,
second line ``# units: NAME ...``) is laid out in a fresh image root shaped like
Debian 12 (``/lib`` a symlink to ``usr/lib``): ``=== PATH`` writes a file, ``=== link
PATH -> TARGET`` makes a symlink. For each unit named:

- ``systemctl --root=IMAGE is-enabled UNIT`` must print what
  :func:`~netwatch.posture.parsers.systemd.unit_state` says (``not-found`` when
  systemctl finds no unit file);
- for a service that is neither missing, masked nor linked, ``systemd-analyze security
  --offline=yes --root=IMAGE UNIT`` reads its fragment and drop-ins as systemd loads
  them; its marks for the boolean settings in :data:`BOOLEANS` must match
  :func:`~netwatch.posture.parsers.systemd.unit_settings` (unset counts as the
  default, no).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.systemd import unit_settings, unit_state

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent / "corpus" / "systemd"
CASES = sorted(CORPUS.glob("*.case"))
TIMEOUT = 60
BOOLEANS = ("NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectClock")
# (case, unit, what) -> why netwatch and systemd may disagree there (none so far)
EXCEPTIONS: dict[tuple[str, str, str], str] = {}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None or os.geteuid() != 0:
        pytest.skip(f"{name} (systemd) and root are needed")
    return found


def build_image(case: Path, root: Path) -> list[str]:
    """Lay the case out under ``root``; the units it asks about."""
    (root / "usr" / "lib" / "systemd" / "system").mkdir(parents=True)
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    (root / "lib").symlink_to("usr/lib")
    (root / "dev").mkdir()
    os.mknod(root / "dev" / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    lines = case.read_text().splitlines(keepends=True)
    assert lines[1].startswith("# units: "), f"{case.name}: second line names the units"
    current: Path | None = None
    for line in lines[2:]:
        if line.startswith("=== link "):
            link, target = (part.strip() for part in line[9:].split("->"))
            place = root / link.lstrip("/")
            place.parent.mkdir(parents=True, exist_ok=True)
            place.symlink_to(target)
            current = None
        elif line.startswith("=== "):
            current = root / line[4:].strip().lstrip("/")
            current.parent.mkdir(parents=True, exist_ok=True)
            current.write_text("")
        else:
            assert current is not None, f"{case.name}: text outside a file"
            with current.open("a") as stream:
                stream.write(line)
    return lines[1].removeprefix("# units: ").split()


def systemctl_state(root: Path, unit: str) -> str:
    run = subprocess.run(
        [_tool("systemctl"), f"--root={root}", "is-enabled", unit],
        capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    if "No such file or directory" in run.stderr:
        return "not-found"
    assert run.stdout.strip(), f"systemctl is-enabled {unit}: {run.stderr.strip()}"
    return run.stdout.strip()


def analyze_booleans(root: Path, unit: str) -> dict[str, bool]:
    run = subprocess.run(
        [_tool("systemd-analyze"), "security", "--offline=yes", f"--root={root}", unit],
        capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    marks: dict[str, bool] = {}
    for line in run.stdout.splitlines():
        mark, _, rest = line.partition(" ")
        key = rest.split("=", 1)[0]
        if key in BOOLEANS and mark in ("✓", "✗"):
            marks[key] = mark == "✓"
    assert set(marks) == set(BOOLEANS), f"systemd-analyze {unit}: {run.stdout}{run.stderr}"
    return marks


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert case.read_text().startswith("# probes: "), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_systemd_reads_units_as_netwatch_does(case: Path, tmp_path: Path) -> None:
    root = tmp_path / "image"
    units = build_image(case, root)
    files = FileReader(root)
    disagreements = []
    for unit in units:
        ours = unit_state(files, unit)
        real = systemctl_state(root, unit)
        if ours.state != real and (case.stem, unit, "state") not in EXCEPTIONS:
            disagreements.append(f"{unit}: netwatch {ours.state} {ours.evidence}, systemctl {real}")
        # systemd-analyze opens a linked unit's target on the host, not in the image
        skipped = ("not-found", "masked", "masked-runtime", "linked", "linked-runtime")
        if not unit.endswith(".service") or real in skipped:
            continue
        settings = unit_settings(files, unit)
        mine = {key: settings.boolean("Service", key) is True for key in BOOLEANS}
        analyzed = analyze_booleans(root, unit)
        if mine != analyzed and (case.stem, unit, "settings") not in EXCEPTIONS:
            disagreements.append(f"{unit}: netwatch {mine}, systemd-analyze {analyzed}")
    assert not disagreements, "; ".join(disagreements)
