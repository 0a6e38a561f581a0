"""Print the oldest glibc that a one-file executable runs on (run it in the build venv).

    <build venv>/bin/python packaging/linux/glibc_floor.py dist/netwatch     # e.g. 2.34

The newest ``GLIBC_x.y`` symbol version that the bootloader or any shared library
packed in the executable needs, read with ``readelf -V``: what the .deb's
``Depends: libc6 (>= ...)`` and the docs' system requirements say.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from PyInstaller.archive.readers import PKG_ITEM_BINARY, CArchiveReader

READELF_TIMEOUT = 60
GLIBC_VERSION = re.compile(r"Name: GLIBC_(\d+(?:\.\d+)+)")


def needed_versions(elf: Path) -> set[tuple[int, ...]]:
    """The glibc symbol versions that ``elf`` needs."""
    shown = subprocess.run(  # noqa: S603 - fixed argv
        ["readelf", "-V", "--wide", str(elf)],
        check=True, capture_output=True, text=True, timeout=READELF_TIMEOUT,
    ).stdout  # fmt: skip
    return {tuple(int(n) for n in v.split(".")) for v in GLIBC_VERSION.findall(shown)}


def glibc_floor(executable: Path) -> str:
    """The newest glibc version the executable or a library packed in it needs."""
    reader = CArchiveReader(str(executable))
    versions = needed_versions(executable)
    with tempfile.TemporaryDirectory() as scratch:
        for name, entry in reader.toc.items():
            if entry[-1] == PKG_ITEM_BINARY:
                packed = Path(scratch) / "lib.so"
                packed.write_bytes(reader.extract(name))
                versions |= needed_versions(packed)
    return ".".join(str(n) for n in max(versions))


if __name__ == "__main__":
    print(glibc_floor(Path(sys.argv[1])))
