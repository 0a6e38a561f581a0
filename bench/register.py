"""The office asset register from many synthetic hosts: how long ``report assets`` takes.

    .venv/bin/python bench/register.py --hosts 300 --packages 250

Writes ``--hosts`` inventory documents made from the three fixture hosts
(tests/fixtures/assets: a Windows desktop, a laptop, a Debian server), each with its own
hostname, serial numbers, MAC and ``--packages`` installed packages, into a temporary
folder. Then builds the register from them twice, as ``netwatch report assets`` does: once
alone, once with ``--previous`` (every tenth host has lost a RAM module), and prints the
seconds of each step and of the PDF (when Chromium is installed) as a markdown table.
Target (issue 16): under 10 s for 300 hosts.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netwatch.register.build import RegisterRequest, build_register  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "assets"


def _inventory(path: Path) -> dict[str, Any]:
    """A fixture as an inventory document (an audit report's inventory taken out)."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document.get("inventory", document) if "schema" in document else document


def synthetic(base: dict[str, Any], index: int, packages: int, lose_ram: bool) -> dict[str, Any]:
    """Host ``index`` made from ``base``: its own names, serials, MAC and package list."""
    host = copy.deepcopy(base)
    name = f"{base['host']['hostname']}-{index:04d}"
    host["host"]["hostname"] = name
    for nic in host.get("network_interfaces", []):
        nic["mac"] = f"02:00:00:{index >> 16 & 255:02x}:{index >> 8 & 255:02x}:{index & 255:02x}"
    hardware = host["hardware"]
    hardware["system"]["serial"] = f"SN{index:06d}"
    for number, part in enumerate(hardware.get("memory_modules", []) + hardware.get("disks", [])):
        part["serial"] = f"P{index:05d}{number:02d}"
    if lose_ram and hardware.get("memory_modules"):
        hardware["memory_modules"].pop()
    manager = host["software"][0]["manager"] if host.get("software") else "dpkg"
    host["software"] = [
        {"name": f"package-{n:04d}", "version": f"1.{n % 40}.{index % 7}", "arch": "amd64",
         "vendor": f"Nhà phát hành {n % 30}", "manager": manager}
        for n in range(packages)
    ]  # fmt: skip
    return host


def write_hosts(folder: Path, hosts: int, packages: int, lose_ram: bool) -> list[Path]:
    bases = [_inventory(path) for path in sorted(FIXTURES.glob("*.json"))]
    paths = []
    for index in range(hosts):
        document = synthetic(
            bases[index % len(bases)], index, packages, lose_ram and index % 10 == 0
        )
        path = folder / f"host-{index:04d}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def timed(request: RegisterRequest) -> tuple[float, int, int]:
    """Seconds to build the register, its machines and changes."""
    start = time.perf_counter()
    result = build_register(request)
    return time.perf_counter() - start, result.machines, len(result.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--packages", type=int, default=250, help="installed packages per host")
    parser.add_argument("--lang", default="vi", choices=("en", "vi"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netwatch-bench-register-") as work:
        folder = Path(work)
        (folder / "before").mkdir()
        (folder / "now").mkdir()
        before = write_hosts(folder / "before", args.hosts, args.packages, lose_ram=False)
        now = write_hosts(folder / "now", args.hosts, args.packages, lose_ram=True)
        out = folder / "registers"
        first = timed(RegisterRequest(before, out, args.lang, pdf=False))
        second = timed(RegisterRequest(now, out, args.lang, previous=out, pdf=False))
        with_pdf = timed(RegisterRequest(now, folder / "pdf", args.lang, pdf=True))
    print(f"{args.hosts} hosts, {args.packages} packages each ({args.hosts * args.packages} "
          f"software rows), --lang {args.lang}\n")  # fmt: skip
    print("| run | seconds | machines | changes |\n| --- | ---: | ---: | ---: |")
    for label, (seconds, machines, changes) in (
        ("workbook, CSVs, HTML", first),
        ("the same with --previous", second),
        ("the same and the PDF (Chromium, if installed)", with_pdf),
    ):
        print(f"| {label} | {seconds:.2f} | {machines} | {changes} |")


if __name__ == "__main__":
    main()
