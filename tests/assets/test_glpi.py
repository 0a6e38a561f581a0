"""GLPI's native inventory export (``netwatch report assets --glpi``): every machine of the
fixtures validates against the GLPI project's published schema, its values are the
source's, a missing or half-read hardware section still exports what there is, and no
key or password is ever written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from netwatch.cli.app import app
from netwatch.register.glpi import glpi_bytes, glpi_inventory
from netwatch.register.hosts import HostFacts, load_host

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOSTS = sorted((FIXTURES / "assets").glob("*.json"))
SCHEMA = json.loads((FIXTURES / "glpi" / "inventory.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(
    SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
)
# Planted in the fixtures in keys the model does not have: never in any output
PLANTED = ("PLANT-EDKEY", "Planted-Passw0rd", "PLANTED-SECRET-TOKEN")


def valid(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, after checking it against GLPI's schema (every problem named)."""
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert problems == []
    return document


def host(name: str, tmp_path: Path, change: Any = None) -> HostFacts:
    """The fixture ``name`` loaded, after ``change`` edited its inventory document."""
    data = json.loads((FIXTURES / "assets" / f"{name}.json").read_text(encoding="utf-8"))
    if change:
        change(data)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return load_host(path)


def test_the_stored_schema_is_a_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "https://glpi-project.org/inventory.json"


@pytest.mark.parametrize("path", HOSTS, ids=[p.stem for p in HOSTS])
def test_every_fixture_machine_validates(path: Path) -> None:
    document = valid(glpi_inventory(load_host(path)))
    assert document["itemtype"] == "Computer"
    assert document["content"]["versionclient"] == "netwatch_v0.1.0"
    text = glpi_bytes(load_host(path)).decode("utf-8")
    assert not [secret for secret in PLANTED if secret in text]
    assert "winprodkey" not in text and '"key"' not in text


def test_a_windows_desktop_keeps_the_source_values(tmp_path: Path) -> None:
    document = valid(glpi_inventory(host("pc-ketoan-01", tmp_path)))
    assert document["deviceid"] == "PC-KETOAN-01-8f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b"
    content = document["content"]
    assert content["hardware"] == {
        "name": "PC-KETOAN-01", "uuid": "4C4C4544-0052-5110-8032-B7C04F565833",
        "chassis_type": "Desktop", "memory": 16384, "swap": 2432, "workgroup": "THANHBINH",
        "lastloggeduser": "hoa.nt",
    }  # fmt: skip
    assert content["bios"] == {
        "smanufacturer": "Dell Inc.", "smodel": "OptiPlex 7010", "ssn": "7KQ2VX3",
        "bmanufacturer": "Dell Inc.", "bversion": "1.12.1", "bdate": "2024-05-14",
        "secure_boot": "enabled", "assettag": "TB-MT-2024-017",
    }  # fmt: skip
    assert content["operatingsystem"]["name"] == "Windows 11 Pro"
    assert content["operatingsystem"]["kernel_version"] == "10.0.22631"
    assert content["operatingsystem"]["boot_time"] == "2026-12-01T01:53:20Z"
    assert content["cpus"] == [{
        "name": "Intel(R) Core(TM) i5-12400", "manufacturer": "Intel", "core": 6, "corecount": 6,
        "thread": 2, "arch": "x86_64",
    }]  # fmt: skip
    assert content["memories"][1] == {
        "caption": "DIMM2", "numslots": 2, "capacity": 8192, "speed": "3200 MT/s",
        "manufacturer": "SK Hynix", "model": "HMA81GU6DJR8N-XN", "serialnumber": "2B1C3D4F",
    }  # fmt: skip
    assert content["storages"] == [{
        "name": "PhysicalDrive0", "type": "disk", "model": "SAMSUNG MZVL2512HCJQ-00BD1",
        "serial": "S675NX0T812345", "disksize": 512110, "description": "NVMe SSD",
    }]  # fmt: skip
    assert content["drives"] == [{"letter": "C:", "volumn": "C:\\", "filesystem": "NTFS",
                                  "total": 487424, "free": 287152}]  # fmt: skip
    assert content["monitors"] == [{
        "manufacturer": "Dell", "name": "DELL P2422H", "caption": "DELL P2422H",
        "serial": "CN0D8H1K-FCC00",
    }]  # fmt: skip
    assert [(p["name"], p["network"], p.get("comment")) for p in content["printers"]] == [
        ("Canon LBP2900 - Phòng Kế toán", False, "Phòng 203"),
        ("Microsoft Print to PDF", False, None),
    ]
    assert content["videos"] == [{"name": "Intel(R) UHD Graphics 730"}]
    assert content["networks"] == [{
        "description": "Ethernet", "mac": "3c:7c:3f:1a:2b:01", "status": "up", "speed": "1000",
        "mtu": 1500, "ipaddress": "10.20.2.31", "ipmask": "255.255.255.0",
        "ipsubnet": "10.20.2.0",
    }]  # fmt: skip
    assert content["softwares"][3] == {
        "name": "Phần mềm kế toán MISA SME 2024", "version": "27.1.0.12",
        "publisher": "Công ty Cổ phần MISA", "arch": "x86", "from": "registry",
    }  # fmt: skip
    assert len(content["softwares"]) == 5
    assert content["antivirus"] == [{"name": "Kaspersky Endpoint Security for Windows",
                                     "enabled": True, "uptodate": True}]  # fmt: skip
    assert content["licenseinfos"] == [
        {"name": "Windows 11 Pro", "fullname": "Windows 11 Pro"},
        {"name": "Office LTSC Professional Plus 2021",
         "fullname": "Office LTSC Professional Plus 2021"},
    ]  # fmt: skip
    assert content["users"] == [{"domain": "THANHBINH", "login": "hoa.nt"}]


def test_a_laptop_and_a_linux_server(tmp_path: Path) -> None:
    laptop = valid(glpi_inventory(host("lap-giamdoc", tmp_path)))["content"]
    assert laptop["bios"]["secure_boot"] == "disabled"
    assert laptop["hardware"]["chassis_type"] == "Laptop"
    assert laptop["hardware"]["workgroup"] == "WORKGROUP"
    assert laptop["monitors"] == [
        {"manufacturer": "Lenovo", "name": "LEN40BA", "caption": "LEN40BA"}
    ]  # the serial was not read: absent
    assert laptop["printers"][0]["network"] is True
    assert laptop["antivirus"] == [{"name": "Windows Defender", "enabled": True,
                                    "uptodate": False}]  # fmt: skip
    assert "drives" not in laptop  # the document lists no filesystem
    server = valid(glpi_inventory(load_host(FIXTURES / "assets" / "srv-vanban-01.json")))
    content = server["content"]
    assert server["deviceid"] == "srv-vanban-01-1b7e0c55a2f94d3b8e61f0a9c4d2e7b3"
    assert [(d["name"], d["interface"], d["disksize"]) for d in content["storages"]] == [
        ("sda", "SATA", 480103),
        ("sdb", "SATA", 2000398),
    ]
    assert content["operatingsystem"]["kernel_name"] == "linux"
    assert content["operatingsystem"]["full_name"] == "Debian GNU/Linux 12"
    assert "workgroup" not in content["hardware"]  # neither domain nor workgroup read
    assert [m["capacity"] for m in content["memories"]] == [16384, 16384]
    assert all(s["from"] == "deb" and "publisher" not in s for s in content["softwares"])
    assert content["users"] == [{"login": "quantri"}]


def test_no_hardware_section_exports_the_rest(tmp_path: Path) -> None:
    machine = host("pc-ketoan-01", tmp_path, lambda data: data.pop("hardware"))
    content = valid(glpi_inventory(machine))["content"]
    assert content["hardware"] == {"name": "PC-KETOAN-01", "memory": 16075, "swap": 2432}
    assert {"operatingsystem", "cpus", "drives", "networks", "softwares"} <= content.keys()
    for part in ("bios", "memories", "storages", "monitors", "printers", "licenseinfos"):
        assert part not in content
    assert content["users"] == [{"login": "hoa.nt"}]  # from the sessions


def half_read(data: dict[str, Any]) -> None:
    """A hardware section whose sources mostly failed: nulls, empty records, ``unread``."""
    data["hardware"] = {
        "system": {"manufacturer": None, "serial": None},
        "firmware": {"uefi": False},
        "memory_modules": [{"slot": "DIMM1", "size": None}],
        "disks": [{"name": "sda", "kind": "unknown", "bus": "nvme"}],
        "monitors": [{}],
        "printers": [{"name": ""}],
        "gpus": [{"name": None}],
        "windows_licence": {"status": "unknown"},
        "antivirus": [{"name": "", "enabled": None}],
        "usage": {"last_user": None},
        "unread": ["monitors", "printers"],
        "needs_privilege": ["memory_modules.serial"],
    }


def test_a_half_read_hardware_section_exports_what_there_is(tmp_path: Path) -> None:
    content = valid(glpi_inventory(host("pc-ketoan-01", tmp_path, half_read)))["content"]
    assert content["bios"] == {"secure_boot": "unsupported"}
    assert content["memories"] == [{"caption": "DIMM1", "numslots": 1}]
    assert content["storages"] == [{"name": "sda", "type": "disk", "description": "NVMe"}]
    for part in ("monitors", "printers", "videos", "antivirus", "licenseinfos"):
        assert part not in content
    assert content["hardware"]["memory"] == 16075  # what the OS sees, no module size read


OLDER = {"collected_at": "2026-01-01T00:00:00Z", "software": []}


def test_the_cli_writes_one_file_per_machine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    older = host("pc-ketoan-01", tmp_path, lambda data: data.update(OLDER))
    files = [older.source, *map(str, HOSTS)]
    result = CliRunner().invoke(app, ["report", "assets", *files, "-o", str(out), "--glpi"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.glob("*.glpi.json"))
    assert written == ["LAP-GIAMDOC.glpi.json", "PC-KETOAN-01.glpi.json",
                       "srv-vanban-01.glpi.json"]  # fmt: skip
    for path in out.glob("*.glpi.json"):
        assert str(path) in result.output
        valid(json.loads(path.read_text(encoding="utf-8")))
    desktop = json.loads((out / "PC-KETOAN-01.glpi.json").read_text(encoding="utf-8"))
    assert len(desktop["content"]["softwares"]) == 5  # the newer report, not the older copy
    for path in out.iterdir():
        assert not [s for s in PLANTED if s.encode() in path.read_bytes()], path.name


def test_without_the_option_no_glpi_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "assets", *map(str, HOSTS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not list(out.glob("*.glpi.json"))
