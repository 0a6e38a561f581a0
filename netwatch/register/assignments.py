"""The office's asset CSV (``--assets-csv``): serial number or MAC -> where the asset belongs.

Columns (a header row names them, in any order; ``serial`` or ``mac`` is needed):
``serial, mac, asset_tag, department, room, owner, purchase_date``. UTF-8 (Excel's
"CSV UTF-8" with its BOM too), separated by commas or semicolons; a purchase date is
``YYYY-MM-DD`` or ``DD/MM/YYYY``. A mistake is one message naming the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from netwatch.assets.model import Assignment
from netwatch.core.errors import UsageError
from netwatch.core.yamlfile import printable

KEYS = ("serial", "mac")
FIELDS = ("asset_tag", "department", "room", "owner", "purchase_date")
COLUMNS = KEYS + FIELDS
MAX_BYTES = 16 * 1024 * 1024
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?[0-9a-f]{2}){5}$")


class AssetCsvError(UsageError):
    """The asset CSV cannot be used as it is."""


@dataclass
class AssetMap:
    """Assignments by serial number and by MAC address (both normalised)."""

    by_serial: dict[str, Assignment] = field(default_factory=dict)
    by_mac: dict[str, Assignment] = field(default_factory=dict)

    def find(self, serial: str | None, macs: list[str]) -> Assignment | None:
        """The row for this serial number, else for the first MAC that has one."""
        if serial and norm_serial(serial) in self.by_serial:
            return self.by_serial[norm_serial(serial)]
        for mac in macs:
            if norm_mac(mac) in self.by_mac:
                return self.by_mac[norm_mac(mac)]
        return None


def norm_serial(serial: str) -> str:
    return serial.strip().casefold()


def norm_mac(mac: str) -> str:
    """``AA-BB-CC-DD-EE-FF`` and ``aabbccddeeff`` as ``aa:bb:cc:dd:ee:ff``."""
    digits = re.sub(r"[^0-9a-f]", "", mac.casefold())
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def parse_date(text: str) -> str:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` as an ISO date; ValueError otherwise."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"purchase_date {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _fail(path: Path, line: int | None, problem: str) -> AssetCsvError:
    where = f"{path}: line {line}: " if line else f"{path}: "
    return AssetCsvError(printable(f"--assets-csv {where}{problem}"))


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, None, "no such file") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(path, None, f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(path, line, 'not UTF-8 text: save it as "CSV UTF-8"') from None


def _header(path: Path, row: list[str]) -> list[str]:
    names = [name.strip().casefold() for name in row]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _fail(path, 1, f"unknown column {unknown[0]!r}; the columns are "
                             f"{', '.join(COLUMNS)}")  # fmt: skip
    twice = [name for name in names if names.count(name) > 1]
    if twice:
        raise _fail(path, 1, f"column {twice[0]!r} appears twice")
    if not set(KEYS) & set(names):
        raise _fail(path, 1, "a 'serial' or 'mac' column is needed to find each machine")
    return names


def _assignment(path: Path, line: int, values: dict[str, str]) -> Assignment:
    fields = {name: values[name] for name in FIELDS if values.get(name)}
    if "purchase_date" in fields:
        try:
            fields["purchase_date"] = parse_date(fields["purchase_date"])
        except ValueError as exc:
            raise _fail(path, line, str(exc)) from None
    return Assignment(**fields)


def _add(path: Path, line: int, table: dict[str, int], key: str, what: str) -> None:
    if key in table:
        raise _fail(path, line, f"{what} {key!r} is already on line {table[key]}")
    table[key] = line


def load_asset_csv(path: Path) -> AssetMap:
    """The assignments of ``path``; :class:`AssetCsvError` naming the file and line."""
    text = _text(path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    assets = AssetMap()
    try:
        names = _header(path, next(reader))
        seen: dict[str, dict[str, int]] = {"serial": {}, "mac": {}}
        for row in reader:
            _row(path, reader.line_num, names, row, assets, seen)
    except StopIteration:
        raise _fail(path, None, "empty file: a header row is needed") from None
    except csv.Error as exc:
        raise _fail(path, reader.line_num, f"not valid CSV: {exc}") from None
    return assets


def _row(
    path: Path,
    line: int,
    names: list[str],
    row: list[str],
    assets: AssetMap,
    seen: dict[str, dict[str, int]],
) -> None:
    """Add one data row (a blank row is skipped)."""
    if not any(cell.strip() for cell in row):
        return
    if len(row) != len(names):
        raise _fail(path, line, f"{len(row)} fields, the header has {len(names)}")
    values = {name: cell.strip() for name, cell in zip(names, row, strict=True)}
    serial, mac = values.get("serial", ""), values.get("mac", "")
    if not serial and not mac:
        raise _fail(path, line, "neither a serial number nor a MAC address")
    if mac and not _MAC.match(mac.casefold()):
        raise _fail(path, line, f"{mac!r} is not a MAC address")
    assignment = _assignment(path, line, values)
    if serial:
        _add(path, line, seen["serial"], norm_serial(serial), "serial number")
        assets.by_serial[norm_serial(serial)] = assignment
    if mac:
        _add(path, line, seen["mac"], norm_mac(mac), "MAC address")
        assets.by_mac[norm_mac(mac)] = assignment


def merged(own: Assignment | None, office: Assignment | None) -> Assignment:
    """The office CSV's values, the machine's own (from its config) where the CSV has none."""
    mine = own.model_dump() if own else {}
    theirs = office.model_dump() if office else {}
    return Assignment(**{name: theirs.get(name) or mine.get(name) for name in FIELDS})
