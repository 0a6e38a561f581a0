"""The Windows hardware reader on Windows Python: real command runner, real console encodings.

The stand-in PowerShell replays each recorded host's batch (the posture queries and the
``hardware`` query together); the Hardware read must equal what the same recording gives
through the recorded-host seam on Linux, Vietnamese text included, from one launch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netwatch.assets.windows import windows_hardware
from netwatch.facts.host import HostFacts
from tests.helpers.posture_hosts import recorded_host
from tests.winlab.lab import WinLab, windows_path

# The recorded hosts and the code page of their console (English and Vietnamese).
HOSTS = (
    ("windows-hardened", "cp1258"),
    ("windows-weak", "cp1252"),
    ("windows-weak-vi", "cp1258"),
)
# Runs netwatch's reader as the agent would on the host: the batch declares every posture
# query and the hardware query; prints the Hardware and how long reading it took.
READER = """\
import json, sys, time
from netwatch.posture.registry import all_checks
from netwatch.assets.windows import windows_hardware
from netwatch.facts.host import HostFacts
from netwatch.hostaccess import HostAccess

all_checks()
started = time.perf_counter()
hardware = windows_hardware(HostFacts(HostAccess()))
seconds = time.perf_counter() - started
answer = {"hardware": hardware.model_dump(mode="json"), "seconds": seconds}
sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
"""
TARGET_SECONDS = 10.0


def read_in_the_lab(winlab: WinLab, folder: Path, host: str, codepage: str) -> dict[str, Any]:
    """The reader's answer on Windows Python for ``host``, from one PowerShell launch."""
    script = folder / "read_hardware.py"
    script.write_text(READER, encoding="utf-8")
    before = winlab.launches(host)
    result = winlab.python_run([windows_path(script)], host=host, codepage=codepage)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert winlab.launches(host) - before == 1
    answer: dict[str, Any] = json.loads(result.stdout.decode("utf-8"))
    return answer


@pytest.mark.parametrize(("host", "codepage"), HOSTS)
def test_hardware_equals_the_recorded_host(
    winlab: WinLab, tmp_path: Path, host: str, codepage: str
) -> None:
    answer = read_in_the_lab(winlab, tmp_path, host, codepage)
    expected = windows_hardware(HostFacts(recorded_host(host))).model_dump(mode="json")
    assert answer["hardware"] == expected
    assert answer["seconds"] < TARGET_SECONDS


def test_vietnamese_text_and_a_denied_tpm_survive_the_console(
    winlab: WinLab, tmp_path: Path
) -> None:
    hardware = read_in_the_lab(winlab, tmp_path, "windows-weak-vi", "cp1258")["hardware"]
    assert "Máy in phòng Kế toán" in [p["name"] for p in hardware["printers"]]
    assert "Khách" in [a["name"] for a in hardware["local_accounts"]]
    assert hardware["tpm"] is None and hardware["needs_privilege"] == ["tpm"]
    assert hardware["system"]["model"] == "ThinkPad T14 Gen 2i (20W000T9VA)"
    assert hardware["windows_licence"]["channel"] == "oem"


def test_the_desktop_names_its_domain_printers_and_office(winlab: WinLab, tmp_path: Path) -> None:
    hardware = read_in_the_lab(winlab, tmp_path, "windows-hardened", "cp1258")["hardware"]
    printers = {p["name"]: p for p in hardware["printers"]}
    assert printers["Máy in phòng Văn thư"]["default"] is True
    assert printers["Máy in phòng Văn thư"]["location"] == "Tầng 2 - Phòng Văn thư"
    assert hardware["membership"] == {"domain": "vpubnd.local", "joined": True}
    assert hardware["office_licences"][0]["channel"] == "subscription"
    assert hardware["firmware"]["secure_boot"] is True


def test_netwatch_inventory_shows_the_hardware(winlab: WinLab) -> None:
    """The CLI on Windows: `netwatch inventory --lang vi` prints the hardware and licences
    read through its own batch (the hardware query and the check queries it shares)."""
    result = winlab.netwatch("inventory", "--format", "json", host="windows-weak-vi",
                             codepage="cp1258")  # fmt: skip
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    hardware = json.loads(result.stdout.decode("utf-8"))["hardware"]
    expected = windows_hardware(HostFacts(recorded_host("windows-weak-vi")))
    assert hardware["system"] == expected.model_dump(mode="json")["system"]
    assert hardware["needs_privilege"] == ["tpm"]
    table = winlab.netwatch("inventory", "--lang", "vi", host="windows-weak-vi", codepage="cp1258")
    assert table.returncode == 0, table.stderr.decode("utf-8", "replace")
    assert "Phần cứng và bản quyền" in table.stdout.decode("utf-8", "replace")
