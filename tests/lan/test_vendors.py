"""MAC vendor names: scapy's bundled database, locally administered MACs, the override file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netwatch.lan.vendors import LOCALLY_ADMINISTERED, VendorLookup, load_overrides, mac_digits

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "vendors.example.yaml"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "vendors.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("mac", "vendor"),
    [
        ("00:00:0c:12:34:56", "Cisco Systems, Inc"),  # OUI (/24)
        ("00-00-0C-12-34-56", "Cisco Systems, Inc"),
        ("0000.0c12.3456", "Cisco Systems, Inc"),
        ("00:1b:c5:00:10:01", "OpenRB.com, Direct SIA"),  # MA-S block (/36)
        ("00:55:da:1f:00:00", "KoolPOS Inc."),  # MA-M block (/28)
        ("00:1b:c5:99:99:99", ""),  # IEEE registration authority OUI, unassigned block
        ("02:00:c6:12:00:0a", LOCALLY_ADMINISTERED),
        ("fe:ff:ff:ff:ff:ff", LOCALLY_ADMINISTERED),
        ("not a mac", ""),
        ("00:00:0c:12:34", ""),
    ],
)
def test_builtin_database(mac: str, vendor: str) -> None:
    assert VendorLookup(None).vendor(mac) == vendor


def test_overrides_come_first_and_the_longest_prefix_wins(tmp_path: Path) -> None:
    lookup = VendorLookup(write(tmp_path, """
"00:00:0C": Cisco
"00:00:0C:12": Cisco lab
"00-00-0c-12-34-56": Core switch
"02:00:c6:12:00:0a": Reception PC (VM)
11:22:33: Unquoted prefix
"""))  # fmt: skip
    assert lookup.vendor("00:00:0c:99:00:00") == "Cisco"
    assert lookup.vendor("00:00:0c:12:00:00") == "Cisco lab"
    assert lookup.vendor("00:00:0C:12:34:56") == "Core switch"
    assert lookup.vendor("02:00:c6:12:00:0a") == "Reception PC (VM)"
    assert lookup.vendor("02:00:c6:12:00:0b") == LOCALLY_ADMINISTERED
    assert lookup.vendor("11:22:33:44:55:66") == "Unquoted prefix"  # not read as a number


def test_example_file_loads() -> None:
    lookup = VendorLookup(str(EXAMPLE))
    assert lookup.vendor("70:b3:d5:1c:40:01") == "Door access controller"
    assert lookup.vendor("70:b3:d5:1c:50:01") not in ("", "Door access controller")
    assert lookup.vendor("02:42:ac:11:00:02") == "Document management server (VM)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"00:1A:2G": Bad\n', r"invalid MAC prefix '00:1A:2G'"),
        ('"00:11:22:33:44:55:66": Long\n', "invalid MAC prefix"),
        ('"00:1A:2B": ""\n', "the name for '00:1A:2B' must be a non-empty string"),
        ('"00:1A:2B": [a, b]\n', "must be a non-empty string"),
        ("- 00:1A:2B\n", "expected a mapping of MAC prefix to vendor name"),
        ("a: [\n", "not valid YAML"),
        ('a: &x ["lol", "lol"]\nb: [*x, *x, *x]\n', "aliases .* are not allowed"),
    ],
)
def test_bad_override_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as caught:
        VendorLookup(path)
    assert str(caught.value).startswith(path)


def test_missing_and_empty_override_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the vendor file"):
        VendorLookup(str(tmp_path / "missing.yaml"))
    assert load_overrides(write(tmp_path, "# nothing yet\n")) == {}


def test_mac_digits() -> None:
    assert mac_digits("AA:bb:CC:dd:EE:ff") == "aabbccddeeff"
    assert mac_digits("aabb.ccdd.eeff") == "aabbccddeeff"
    assert mac_digits("aa:bb:cc:dd:ee") is None
    assert mac_digits("gg:bb:cc:dd:ee:ff") is None


def test_scapy_is_imported_only_when_needed() -> None:
    code = (
        "import sys\n"
        "import netwatch.cli.app, netwatch.lan.sweep, netwatch.lan.vendors, netwatch.lan.fallback\n"
        "from netwatch.lan.vendors import VendorLookup\n"
        "VendorLookup(None).vendor('02:00:00:00:00:01')\n"
        "assert not [m for m in sys.modules if m.startswith('scapy')], 'scapy imported early'\n"
        "VendorLookup(None).vendor('00:00:0c:00:00:01')\n"
        "assert 'scapy' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
