"""sysctl.d as netwatch reads it against what systemd-sysctl (systemd 252) applies.

Each corpus case (tests/differential/corpus/sysctl/, its first line says what it
probes) is applied by the real systemd-sysctl in a fresh network and mount namespace
(tests/differential/sysctl_netns.py), limited to the per-namespace net.ipv4.conf and
net.ipv6.conf keys; the values the kernel then holds must be what
:meth:`SysctlConfig.effective` predicts (a key nothing sets keeps its value, and lo,
which exists before systemd-sysctl runs, takes a new IPv4 ``default`` value unless it
was set itself: the kernel's devinet_copy_dflt_conf).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.sysctl import load_sysctl
from tests.differential.sysctl_netns import SYSTEMD_SYSCTL, parse_case

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
CORPUS = Path(__file__).parent / "corpus" / "sysctl"
CASES = sorted(CORPUS.glob("*.case"))
KEYS = [
    f"net.ipv4.conf.{scope}.{name}"
    for scope in ("all", "default", "lo")
    for name in ("rp_filter", "accept_redirects", "secure_redirects", "send_redirects")
] + [f"net.ipv6.conf.{scope}.accept_redirects" for scope in ("all", "default")]
TIMEOUT = 60
# (case, key) -> why netwatch's answer and the running kernel's value may differ there
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("14-same-value-order.case", "net.ipv4.conf.lo.accept_redirects"): (
        "systemd-sysctl does not write a value a key already holds: lo took 0 from the first "
        "default write, so the glob's 0 is skipped, lo is never marked as set and takes the "
        "later default 1 (devinet_copy_dflt_conf); the configuration says 0"
    ),
}


def test_corpus_is_well_formed() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        text = case.read_text(encoding="utf-8")
        assert text.startswith("# probes: "), case.name
        for path in parse_case(text):
            assert path == "/etc/sysctl.conf" or path.startswith(("/etc/", "/run/", "/usr/")), path
        keys = [line.split("=")[0] for line in text.splitlines()
                if "=" in line and not line.startswith("#")]  # fmt: skip
        assert all("net.ipv" in key or "net/ipv" in key for key in keys), case.name


def _applied(case: Path) -> dict[str, object]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("applying sysctls in a new network namespace needs root and unshare")
    if not Path(SYSTEMD_SYSCTL).exists():
        pytest.skip(f"{SYSTEMD_SYSCTL} is not installed")
    outer = os.readlink("/proc/self/ns/net")
    argv = [sys.executable, "-m", "tests.differential.sysctl_netns", outer, str(case), *KEYS]
    result = subprocess.run(["unshare", "--mount", "--net", "--", *argv], cwd=REPO,
                            capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def _image(case: Path, root: Path) -> FileReader:
    for path, (content, link) in parse_case(case.read_text(encoding="utf-8")).items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if link is not None:
            target.symlink_to(link)
        else:
            target.write_text(content, encoding="utf-8")
    return FileReader(root)


def _number(text: str | None) -> int | None:
    head = (text or "").split()
    return int(head[0]) if head and head[0].lstrip("+-").isdigit() else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_systemd_sysctl_agrees(case: Path, tmp_path: Path) -> None:
    applied = _applied(case)
    config = load_sysctl(_image(case, tmp_path))
    before, after = applied["before"], applied["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    predicted: dict[str, int | None] = {}
    for key in KEYS:  # "all" and "default" first, then lo
        entry = config.effective(key)
        if entry is not None:
            predicted[key] = _number(entry.value)
        elif ".lo." in key and config.effective(key.replace(".lo.", ".default.")) is not None:
            # the kernel copies a new "default" to interfaces that never set the key
            predicted[key] = predicted[key.replace(".lo.", ".default.")]
        else:
            predicted[key] = _number(before[key])
    actual = {key: _number(after[key]) for key in KEYS}
    differ = {key: (predicted[key], actual[key]) for key in KEYS if predicted[key] != actual[key]}
    unexplained = {
        key: found for key, found in differ.items() if (case.name, key) not in EXCEPTIONS
    }
    assert unexplained == {}, applied["stderr"]
