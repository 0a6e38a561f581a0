"""The APT configuration as netwatch reads it against ``apt-config dump`` (apt 2.6).

Each corpus case (tests/differential/corpus/apt/*.case, first line ``// probes: ...``)
is written into a copy of the programs root: the text before any ``//// file: PATH``
line becomes /etc/apt/apt.conf.d/60case, each marked section the file at PATH. Then
``apt-config dump`` of the subtrees the corpus uses must list exactly the items and
values netwatch's tree holds, in order; and when apt-config refuses the configuration
(exit status not 0, "E: Syntax error ..."), netwatch must refuse it with the same
message (the part before any " (" detail).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.apt import read_apt_config
from tests.helpers.roots import in_root

CORPUS = Path(__file__).parent / "corpus" / "apt"
CASES = sorted(CORPUS.glob("*.case"))
MARK = "//// file: "
SUBTREES = ("Test", "Test2", "APT::Periodic", "Unattended-Upgrade")
TIMEOUT = 30
# case name -> why netwatch and apt-config may differ there (none so far)
EXCEPTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def root(programs_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the cached root for this module, its stock apt.conf.d kept aside."""
    copy = tmp_path_factory.mktemp("apt") / "root"
    # cp -a, not copytree: the root's /dev holds device nodes that must not be read
    subprocess.run(["cp", "-a", str(programs_root), str(copy)], check=True, timeout=TIMEOUT * 4)
    shutil.copytree(copy / "etc/apt/apt.conf.d", copy / "saved-apt.conf.d")
    return copy


def _install(root: Path, case: Path) -> None:
    """Reset /etc/apt to the stock parts, then write the case's files."""
    shutil.rmtree(root / "etc/apt/apt.conf.d")
    shutil.copytree(root / "saved-apt.conf.d", root / "etc/apt/apt.conf.d")
    (root / "etc/apt/apt.conf").unlink(missing_ok=True)
    shutil.rmtree(root / "etc/netwatch-apt", ignore_errors=True)
    path, lines = "etc/apt/apt.conf.d/60case", []
    sections: list[tuple[str, list[str]]] = []
    for line in case.read_text().splitlines(keepends=True):
        if line.startswith(MARK):
            sections.append((path, lines))
            path, lines = line[len(MARK) :].strip(), []
        else:
            lines.append(line)
    sections.append((path, lines))
    for relative, body in sections:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(body))


def _quote(text: str) -> str:
    """apt's ``QuoteString(text, "=\\"\\n")`` as ``apt-config dump`` prints tags."""
    return "".join(
        f"%{ord(char):02x}" if char in '=""\n%' or not " " < char < "\x7f" else char
        for char in text
    )


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert case.read_text().startswith("// probes: "), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_apt_config_dump_matches(root: Path, case: Path) -> None:
    _install(root, case)
    run = subprocess.run(
        in_root(root, "apt-config", "dump", *SUBTREES),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    config = read_apt_config(FileReader(root))
    if run.returncode != 0:
        real: object = ("refused", run.stderr.strip())
        ours: object = ("refused", config.refused)
        agree = config.refused is not None and config.refused.split(" (")[0] in run.stderr
    else:
        real = run.stdout.splitlines()
        ours = [
            f'{_quote(tag)} "{value}";' for name in SUBTREES for tag, value in config.dump(name)
        ]
        agree = config.refused is None and ours == real
    if case.stem in EXCEPTIONS:
        assert not agree, f"{case.stem} agrees now: drop it from EXCEPTIONS"
        return
    assert agree, f"{case.stem}: netwatch {ours}, apt-config {real}"
