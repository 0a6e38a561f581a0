"""The office asset register (``netwatch report assets``): the workbook read back with
openpyxl, the CSVs, the changes between two registers, the asset CSV and bad inputs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from typer.testing import CliRunner

from netwatch.assets.fingerprint import POSSIBLE_CHANGES
from netwatch.cli.app import app
from netwatch.register.build import RegisterRequest, RegisterResult, build_register
from netwatch.register.labels import known, text
from netwatch.register.sheets import MACHINE_COLUMNS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "assets"
HOSTS = sorted(FIXTURES.glob("*.json"))
NOW = "2026-12-06T09:30:00Z"
# Planted in the fixtures in keys the model does not have: never in any output
PLANTED = ("PLANT-EDKEY", "Planted-Passw0rd", "PLANTED-SECRET-TOKEN")
COLUMN = {c.key: i for i, c in enumerate(MACHINE_COLUMNS)}


def build(out: Path, lang: str = "vi", now: str = NOW, **options: Any) -> RegisterResult:
    files = options.pop("files", HOSTS)
    options.setdefault("pdf", False)
    request = RegisterRequest(files, out, lang, "Sở Thông tin và Truyền thông", "Lê Văn Bình",
                              "Trần Văn Minh", **options)  # fmt: skip
    return build_register(request, now=now)


def written(result: RegisterResult, suffix: str) -> Path:
    (path,) = [p for p in result.paths if p.name.endswith(suffix)]
    return path


def machine(book: Any, hostname: str) -> dict[str, Any]:
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    (row,) = [r for r in rows if r[0] == hostname]
    return {key: row[index] for key, index in COLUMN.items()}


def test_the_workbook_reads_back_with_typed_values(tmp_path: Path) -> None:
    result = build(tmp_path)
    assert result.machines == 3 and not result.changes
    book = load_workbook(written(result, ".xlsx"))
    assert book.sheetnames == ["Máy tính", "Phần mềm", "Màn hình và máy in", "Thay đổi",
                               "netwatch-data"]  # fmt: skip
    assert book["netwatch-data"].sheet_state == "hidden"
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:AG4"
    assert [c.value for c in sheet[1]][:6] == ["Tên máy", "Cơ quan", "Phòng ban", "Phòng làm việc",
                                              "Người sử dụng được giao", "Mã tài sản"]  # fmt: skip
    assert all(c.font.b for c in sheet[1])
    pc = machine(book, "PC-KETOAN-01")
    assert pc["owner"] == "Nguyễn Thị Hoa" and pc["department"] == "Phòng Kế toán"
    assert pc["serial"] == "7KQ2VX3" and pc["manufacturer"] == "Dell Inc."
    assert pc["ram_gib"] == 16 and isinstance(pc["ram_gib"], (int, float))
    assert pc["bios_date"] == dt.datetime(2024, 5, 14)
    assert pc["purchase_date"] == dt.datetime(2024, 6, 20)
    assert pc["report_date"] == dt.datetime(2026, 12, 1, 2, 15)
    assert (
        pc["windows_status"] == "Đã kích hoạt"
        and pc["windows_channel"] == "Bản quyền theo máy (OEM)"
    )
    assert pc["office_channel"] == "Bản quyền số lượng lớn (KMS)"
    assert pc["membership"] == "Miền THANHBINH" and pc["secure_boot"] == "Bật"
    server = machine(book, "srv-vanban-01")
    assert server["ram_gib"] == 32 and server["tpm"] == "Không có"
    assert "1,8 TiB" in server["disks"] and "S/N WJC0ABCD" in server["disks"]
    assert server["windows_status"] == "Không áp dụng"
    laptop = machine(book, "LAP-GIAMDOC")
    assert laptop["department"] is None and laptop["windows_status"] == "Chế độ nhắc kích hoạt"
    date_cell = sheet.cell(row=2, column=COLUMN["bios_date"] + 1)
    assert date_cell.is_date and date_cell.number_format == "dd/mm/yyyy"
    for column in sheet.column_dimensions.values():
        assert 8 <= column.width <= 60


def test_the_other_sheets(tmp_path: Path) -> None:
    book = load_workbook(written(build(tmp_path, "en"), ".xlsx"))
    software, peripherals, changes = (
        book["Software"],
        book["Monitors and printers"],
        book["Changes"],
    )
    assert software.freeze_panes == "A2" and software.auto_filter.ref == "A1:F13"
    rows = list(software.iter_rows(min_row=2, values_only=True))
    assert (
        "PC-KETOAN-01",
        "Cốc Cốc",
        "120.0.6099.234",
        "Công ty TNHH Cốc Cốc",
        "windows",
        "x64",
    ) in rows
    formula = next(c for row in software.iter_rows(min_row=2) for c in row
                   if str(c.value).startswith("=HYPERLINK"))  # fmt: skip
    assert formula.data_type == "s", "a package name is text, never a formula"
    monitors = [r for r in peripherals.iter_rows(min_row=2, values_only=True) if r[1] == "Monitor"]
    assert ("PC-KETOAN-01", "Monitor", "DELL P2422H", "Dell", "CN0D8H1K-FCC00", "DP-1", None,
            2023, None, None) in monitors  # fmt: skip
    assert [c.value for c in changes[1]] == ["Hostname", "What changed", "Before", "After"]
    assert changes.max_row == 1


def test_each_sheet_has_a_csv_as_the_workbook_shows_it(tmp_path: Path) -> None:
    result = build(tmp_path)
    raw = written(result, "-machines.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM for Excel"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4
    pc = dict(zip(rows[0], next(r for r in rows if r[0] == "PC-KETOAN-01"), strict=True))
    assert pc["Bộ nhớ RAM (GiB)"] == "16" and pc["Ngày phát hành BIOS"] == "14/05/2024"
    assert pc["Ngày báo cáo"] == "01/12/2026 02:15"
    software = written(result, "-software.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in software, "a formula-like text is quoted for spreadsheets"
    for key in ("peripherals", "changes"):
        assert written(result, f"-{key}.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def _edited(tmp_path: Path) -> list[Path]:
    """The fixtures after a theft and a swap: RAM removed, a disk swapped, a new monitor,
    the laptop's serial changed."""
    folder = tmp_path / "now"
    folder.mkdir()
    for path in HOSTS:
        shutil.copy(path, folder / path.name)
    pc = json.loads((folder / "pc-ketoan-01.json").read_text(encoding="utf-8"))
    pc["hardware"]["memory_modules"].pop()
    laptop = json.loads((folder / "lap-giamdoc.json").read_text(encoding="utf-8"))
    laptop["hardware"]["system"]["serial"] = "PF9ZZZZZ"
    laptop["hardware"]["monitors"].append(
        {"maker": "Samsung", "model": "S24R350", "serial": "H4ZR300123"}
    )
    server = json.loads((folder / "srv-vanban-01.json").read_text(encoding="utf-8"))
    server["inventory"]["hardware"]["disks"][1]["serial"] = "ZL2NEWDISK"
    for name, document in (
        ("pc-ketoan-01", pc),
        ("lap-giamdoc", laptop),
        ("srv-vanban-01", server),
    ):
        (folder / f"{name}.json").write_text(
            json.dumps(document, ensure_ascii=False), encoding="utf-8"
        )
    return sorted(folder.glob("*.json"))


def test_changes_since_the_previous_register(tmp_path: Path) -> None:
    first = build(tmp_path / "registers", "en", now="2026-11-01T08:00:00Z")
    second = build(tmp_path / "registers", "en", files=_edited(tmp_path),
                   previous=tmp_path / "registers")  # fmt: skip
    rows = {(c.hostname, c.what, c.before, c.after) for c in second.changes}
    disk = "ST2000NM000A-2J2100 1863 GiB S/N {} (sdb)"
    assert rows == {
        ("LAP-GIAMDOC", "Machine identity changed", "S/N PF1ABCDE", "S/N PF9ZZZZZ"),
        ("LAP-GIAMDOC", "Monitor added", "", "Samsung S24R350 S/N H4ZR300123"),
        ("PC-KETOAN-01", "RAM total changed", "16 GiB", "8 GiB"),
        ("PC-KETOAN-01", "RAM module removed",
         "DIMM2: 8 GiB SK Hynix HMA81GU6DJR8N-XN S/N 2B1C3D4F", ""),
        ("srv-vanban-01", "Disk replaced", disk.format("WJC0ABCD"), disk.format("ZL2NEWDISK")),
    }  # fmt: skip
    book = load_workbook(written(second, ".xlsx"))
    sheet_rows = set(book["Changes"].iter_rows(min_row=2, values_only=True))
    assert {tuple(v or "" for v in r) for r in sheet_rows} == rows
    again = build(tmp_path / "third", "en", previous=written(first, ".xlsx"))
    assert again.changes == [], "the same hosts as the previous workbook: nothing changed"
    html = written(second, ".html").read_text(encoding="utf-8")
    assert "Disk replaced" in html and "1 Nov 2026 08:00 UTC" in html


def test_a_machine_added_and_one_gone(tmp_path: Path) -> None:
    first = build(tmp_path / "a", "en", files=HOSTS[:2])
    second = build(tmp_path / "b", "en", files=HOSTS[1:], previous=written(first, ".xlsx"))
    rows = sorted((c.hostname, c.what, c.before, c.after) for c in second.changes)
    assert rows == [
        ("LAP-GIAMDOC", "Machine no longer reported", "ThinkPad T490 S/N PF1ABCDE", ""),
        ("srv-vanban-01", "Machine added", "", "PowerEdge R450 S/N 9XK4TL3"),
    ]


def _copied(tmp_path: Path) -> Path:
    folder = tmp_path / "now"
    folder.mkdir()
    for path in HOSTS:
        shutil.copy(path, folder / path.name)
    return folder


def _edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document.get("inventory", document)["hardware"])
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_what_was_not_read_is_no_change(tmp_path: Path) -> None:
    """RAM modules unread (no root), a serial number unread: nothing changed there; the
    disk swapped beside them is one replacement, in the reader's language."""
    first = build(tmp_path / "a")
    folder = _copied(tmp_path)
    _edit(
        folder / "pc-ketoan-01.json",
        lambda hw: hw.update(memory_modules=[], needs_privilege=["memory_modules"]),
    )
    _edit(folder / "lap-giamdoc.json", lambda hw: hw["system"].update(serial=None))
    _edit(folder / "srv-vanban-01.json", lambda hw: hw["disks"][1].update(serial="ZL2NEWDISK"))
    second = build(tmp_path / "b", files=sorted(folder.glob("*.json")),
                   previous=written(first, ".xlsx"))  # fmt: skip
    assert [(c.hostname, c.what) for c in second.changes] == [("srv-vanban-01", "Ổ đĩa bị thay")]


def test_every_hardware_change_has_the_registers_words() -> None:
    for component, change in POSSIBLE_CHANGES:
        key = f"change.{component}.{change}"
        assert known(key), key
        assert text(key, "vi") != text(key, "en"), key


def _all_text(result: RegisterResult) -> str:
    texts = []
    for path in result.paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts += [
                    archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                ]
        elif path.suffix == ".pdf":
            texts.append(subprocess.run(["pdftotext", str(path), "-"], check=True, text=True,
                                        capture_output=True, timeout=60).stdout)  # fmt: skip
        else:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_no_key_password_or_secret_in_any_output(tmp_path: Path) -> None:
    for path in HOSTS:
        assert any(p in path.read_text(encoding="utf-8") for p in PLANTED), path
    pdf = bool(shutil.which("chromium") and shutil.which("pdftotext"))
    result = build(tmp_path, previous=None, pdf=pdf)
    again = build(tmp_path, previous=tmp_path, pdf=pdf)
    assert not pdf or any(p.suffix == ".pdf" for p in again.paths)
    everything = _all_text(result) + _all_text(again)
    for planted in PLANTED:
        assert planted.casefold() not in everything.casefold()
    assert "product_key" not in everything and "password" not in everything.casefold()


def test_the_summary_counts_and_signs(tmp_path: Path) -> None:
    html = written(build(tmp_path), ".html").read_text(encoding="utf-8")
    for label in ("Số máy theo phòng ban", "Số máy theo hệ điều hành",
                  "Số máy theo tình trạng kích hoạt Windows", "Phòng Kế toán", "(chưa giao)",
                  "Lê Văn Bình", "Trần Văn Minh", "Sở Thông tin và Truyền thông",
                  'class="signature"', 'class="seal"'):  # fmt: skip
        assert label in html, label
    assert "Chưa có sổ lần trước" in html


def _assets_csv(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "tai-san.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_asset_csv_assigns_by_serial_and_mac(tmp_path: Path) -> None:
    table = _assets_csv(tmp_path, "serial;mac;asset_tag;department;room;owner;purchase_date\n"
                                  "pf1abcde;;TB-XT-2019-004;Ban Giám đốc;301;Trần Văn Minh;15/08/2019\n"
                                  ";B4-96-91-0A-0B-0C;TB-MC-9;;;;\n")  # fmt: skip
    book = load_workbook(written(build(tmp_path / "out", assets_csv=table), ".xlsx"))
    laptop = machine(book, "LAP-GIAMDOC")
    assert (laptop["asset_tag"], laptop["department"], laptop["room"], laptop["owner"]) == (
        "TB-XT-2019-004",
        "Ban Giám đốc",
        "301",
        "Trần Văn Minh",
    )
    assert laptop["purchase_date"] == dt.datetime(2019, 8, 15)
    server = machine(book, "srv-vanban-01")
    assert server["asset_tag"] == "TB-MC-9", "the CSV wins"
    assert server["department"] == "Phòng Công nghệ thông tin", "the machine's own fills the rest"


runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["report", "assets", *args])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("serial,asset_tag\nA1,T1\nA2,T2,extra\n", "line 3: 3 fields, the header has 2"),
        (
            "serial,purchase_date\nA1,2024-02-30\n",
            "line 2: purchase_date '2024-02-30' is not a date",
        ),
        ("serial,tag\nA1,T1\n", "line 1: unknown column 'tag'"),
        ("asset_tag,owner\nT1,An\n", "line 1: a 'serial' or 'mac' column is needed"),
        ("serial,mac\nA1,\nA1,\n", "line 3: serial number 'a1' is already on line 2"),
        ("mac,owner\nzz:zz,An\n", "line 2: 'zz:zz' is not a MAC address"),
        ("serial,owner\n,An\n", "line 2: neither a serial number nor a MAC address"),
        ("", "empty file"),
    ],
)
def test_a_bad_asset_csv_is_one_message(tmp_path: Path, content: str, problem: str) -> None:
    table = _assets_csv(tmp_path, content)
    result = run(*map(str, HOSTS), "--output", str(tmp_path / "out"), "--assets-csv", str(table))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"netwatch: error: --assets-csv {table}: ")
    assert result.output.count("\n") == 1 and problem in result.output
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_an_asset_csv_not_in_utf8(tmp_path: Path) -> None:
    table = _assets_csv(tmp_path, "serial,owner\nA1,Nguyễn\n", encoding="utf-16")
    result = run(str(HOSTS[0]), "--output", str(tmp_path / "out"), "--assets-csv", str(table))
    assert result.exit_code == 2 and 'not UTF-8 text: save it as "CSV UTF-8"' in result.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "truncated JSON"),
        ("[]", "not a netwatch audit report or inventory document"),
        (
            '{"host": {"hostname": "x"}, "collected_at": "yesterday"}',
            "collected_at: not an ISO 8601 time",
        ),
        (
            '{"host": {"hostname": 5}, "collected_at": "2026-12-01T00:00:00Z"}',
            "invalid inventory at host.hostname",
        ),
        (
            '{"host": {}, "collected_at": "2026-12-01T00:00:00Z"}',
            "host.hostname: required field missing",
        ),
        ('{"schema": "netwatch-audit-report", "schema_version": 1}', "invalid report at"),
    ],
)
def test_a_bad_report_file_is_one_message(tmp_path: Path, content: str, problem: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run(str(HOSTS[0]), str(bad), "--output", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"netwatch: error: {bad}: ") and problem in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1


def test_a_previous_register_that_is_not_one(tmp_path: Path) -> None:
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"PK not a zip")
    result = run(str(HOSTS[0]), "--output", str(tmp_path / "out"), "--previous", str(other))
    assert result.exit_code == 2 and f"--previous {other}: not a workbook" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(str(HOSTS[0]), "--output", str(tmp_path / "out"), "--previous", str(empty))
    assert result.exit_code == 2 and "no register workbook" in result.output


def _register_with_data(path: Path, document: dict[str, Any]) -> Path:
    """A workbook with ``document`` in its hidden sheet, as a register of another version."""
    book = Workbook()
    data = book.create_sheet("netwatch-data")
    data.sheet_state = "hidden"
    data.append(["netwatch-asset-register"])
    data.append([json.dumps(document)])
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"format": "netwatch-asset-register", "version": 1, "generated_at": NOW,
             "hosts": [{"hostname": "PC-KETOAN-01", "serial": "7KQ2VX3", "memory": []}]},
            "written by an older netwatch, whose hardware record cannot be compared; build this "
            "register without --previous (the next one compares with it)",
        ),
        (
            {"format": "netwatch-asset-register", "version": 2, "generated_at": NOW,
             "hosts": [{"hostname": "PC-KETOAN-01"}]},
            "the hidden data sheet was changed: cannot compare with it",
        ),
        ({"version": 3}, "written by another netwatch version: cannot compare with it"),
    ],
)  # fmt: skip
def test_a_previous_register_netwatch_cannot_compare_with(
    tmp_path: Path, document: dict[str, Any], problem: str
) -> None:
    old = _register_with_data(tmp_path / "netwatch-assets-20250101-000000.xlsx", document)
    result = run(str(HOSTS[0]), "--output", str(tmp_path / "out"), "--previous", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.output == f"netwatch: error: --previous {old}: {problem}\n"
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_the_command_writes_and_lists_the_files(tmp_path: Path) -> None:
    older = tmp_path / "older.json"
    document = json.loads(HOSTS[0].read_text(encoding="utf-8"))
    document["collected_at"] = "2026-10-01T00:00:00Z"
    older.write_text(json.dumps(document), encoding="utf-8")
    result = run(str(older), *map(str, HOSTS), "--output", str(tmp_path / "out"), "--lang", "vi")
    assert result.exit_code == 0, result.output
    assert f"netwatch: note: {older}: an older report of LAP-GIAMDOC" in result.output
    assert "3 machines" in result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len([n for n in names if n.endswith(".csv")]) == 4
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".html") for n in names)
