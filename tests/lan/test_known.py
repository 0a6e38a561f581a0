"""The known-devices file: MAC spellings, located errors, duplicates, the shipped example."""

from __future__ import annotations

from pathlib import Path

import pytest

from netwatch.config.loader import load_config, parse_config_text
from netwatch.core.yamlfile import ConfigError
from netwatch.lan.known import load_known_devices, normalise_mac, parse_known_devices

EXAMPLE = Path(__file__).parents[2] / "configs" / "devices.example.yaml"


@pytest.mark.parametrize(
    "text",
    [
        "00:1a:2b:3c:4d:5e",
        "00:1A:2B:3C:4D:5E",
        "00-1a-2b-3c-4d-5e",
        "00.1a.2b.3c.4d.5e",
        "001a.2b3c.4d5e",
        "001A2B3C4D5E",
        "  00:1a:2b:3c:4d:5e ",
    ],
)
def test_mac_spellings_normalise(text: str) -> None:
    assert normalise_mac(text) == "00:1a:2b:3c:4d:5e"


@pytest.mark.parametrize(
    "text",
    ["00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5e:6f", "00:1a-2b:3c:4d:5e", "0:1a:2b:3c:4d:5e",
     "00:1a:2b:3c:4d:5g", "001a2b3c4d5", "", "printer"],
)  # fmt: skip
def test_bad_macs_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid MAC address"):
        normalise_mac(text)


def test_entries_are_normalised_and_looked_up() -> None:
    known = parse_known_devices(
        'devices:\n  - mac: "00-1A-2B-3C-4D-5E"\n    name: "Máy in phòng Văn thư"\n'
        "    owner: Văn thư\n    location: Tầng 1\n    kind: printer\n",
        "devices.yaml",
    )
    entry = known.get("00:1a:2b:3c:4d:5e")
    assert entry is not None and entry.name == "Máy in phòng Văn thư"
    assert (entry.owner, entry.location, entry.kind) == ("Văn thư", "Tầng 1", "printer")
    assert known.get("00:1a:2b:3c:4d:5f") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('devices:\n  - mac: "00:1a:2b:3c:4d"\n    name: x\n',
         "devices.yaml: line 2: devices.0.mac: invalid MAC address '00:1a:2b:3c:4d'"),
        ('devices:\n  - mac: "00:1a:2b:3c:4d:5e"\n    name: x\n    colour: red\n',
         "devices.yaml: line 4: devices.0.colour: unknown key"),
        ('devices:\n  - mac: "00:1a:2b:3c:4d:5e"\n',
         "devices.yaml: line 2: devices.0.name: Field required"),
        ('devices:\n  - mac: "00:1a:2b:3c:4d:5e"\n    name: ""\n',
         "devices.yaml: line 3: devices.0.name: String should have at least 1 character"),
        ("devices:\n  - mac: 10:20:30:40:50:59\n    name: x\n",
         "devices.yaml: line 2: devices.0.mac: a MAC address must be text: put it in quotes"),
        ('devices:\n  - mac: "ff:ff:ff:ff:ff:ff"\n    name: x\n',
         "devices.yaml: line 2: devices.0.mac: 'ff:ff:ff:ff:ff:ff' is not the address of a device"),
        ("devices: [unclosed\n", "devices.yaml: line 2: invalid YAML"),
        ("- just a list\n", "devices.yaml: line 1: the file must be a mapping"),
        ("printers: []\n", "devices.yaml: line 1: printers: unknown key"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_known_devices(text, "devices.yaml")
    assert caught.value.lines()[0].startswith(expected), caught.value.lines()


def test_duplicates_are_refused_whatever_the_spelling() -> None:
    text = (
        "devices:\n"
        '  - mac: "00:1a:2b:3c:4d:5e"\n    name: Camera cổng chính\n'
        '  - mac: "00:1a:2b:3c:4d:5f"\n    name: Switch tầng 2\n'
        '  - mac: "001A.2B3C.4D5E"\n    name: Camera cổng chính (again)\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_known_devices(text, "devices.yaml")
    assert caught.value.lines() == [
        "devices.yaml: line 6: devices.2.mac: duplicate MAC address 00:1a:2b:3c:4d:5e "
        "(already listed as devices.0, line 2)"
    ]


def test_missing_file_and_no_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_known_devices(tmp_path / "missing.yaml")
    assert load_known_devices(None).by_mac == {}


def test_shipped_example_is_valid_and_vietnamese() -> None:
    known = load_known_devices(EXAMPLE)
    names = {entry.name for entry in known.by_mac.values()}
    assert {"Máy in phòng Văn thư", "Camera cổng chính", "Switch tầng 2"} <= names
    assert len(known.by_mac) >= 10
    assert all(mac == normalise_mac(mac) for mac in known.by_mac)


def test_agent_config_validates_the_known_devices_file(tmp_path: Path) -> None:
    bad = tmp_path / "devices.yaml"
    bad.write_text('devices:\n  - mac: "00:1a"\n    name: x\n')
    with pytest.raises(ConfigError) as caught:
        parse_config_text(f"collectors:\n  lan:\n    known_devices: {bad}\n", "netwatch.yaml")
    line = caught.value.lines()[0]
    assert line.startswith("netwatch.yaml: line 3: collectors.lan.known_devices: ")
    assert f"{bad}: line 2: devices.0.mac: invalid MAC address" in line
    good = parse_config_text(f"collectors:\n  lan:\n    known_devices: {EXAMPLE}\n", "ok")
    assert good.collectors.lan.known_devices == str(EXAMPLE)
    assert load_config(None).collectors.lan.enabled is False
