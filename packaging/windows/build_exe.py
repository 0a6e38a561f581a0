"""Build netwatch.exe (PyInstaller, one file) on Windows Python, under Wine, from Linux.

    .venv/bin/python packaging/windows/build_exe.py [LAB]   # prints netwatch.exe last

The build machine is the Windows lab (tests/winlab: the official embeddable CPython 3.13
with netwatch's Windows wheels; LAB is the folder ``python -m tests.winlab.build``
prints, built here when not given). A copy of its Python gets PyInstaller's Windows wheel
(pinned in requirements.txt) beside netwatch's dependencies, and freezes the netwatch
wheel the lab installed from this checkout. The copy and the executable are cached under
``NETWATCH_PACKAGING_CACHE`` (default ``~/.cache/netwatch-packaging``), each keyed by a
hash of what it is built from, so an unchanged checkout rebuilds nothing.

The lab's ``bcryptprimitives.dll`` (the ``ProcessPrng`` shim Wine 8 needs) is moved into
the build prefix's ``system32``: PyInstaller leaves system DLLs out, so the executable
carries none of the lab's stand-ins and uses Windows' own DLL on Windows.

Exit 0 with the path printed; exit 3 with one line saying why it cannot be built.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.winlab.build import (  # noqa: E402 - the lab's helpers, from this checkout
    WINDOWS_TARGET,
    LabError,
    build,
    clone_prefix,
    wine_env,
)
from tests.winlab.build import default_cache as default_lab_cache  # noqa: E402

HERE = Path(__file__).resolve().parent
REQUIREMENTS = (HERE / "requirements.txt", REPO / "packaging" / "requirements.txt")
ENTRY = REPO / "packaging" / "entry.py"
SHIM = "bcryptprimitives.dll"
PREFIX_NAME = "exe-build"
SYSTEM32 = "drive_c/windows/system32"
# The lab's Python path plus PyInstaller's folder; netwatch comes from the lab's nwsite.
PTH = "python313.zip\n.\n{nwsite}\nsite\npyinstaller\nimport site\n"
sys.path.insert(0, str(HERE.parent))

from frozen_build import (  # noqa: E402 - shared with the Linux build, beside this folder
    COMMAND_TIMEOUT,
    PYINSTALLER_OPTIONS,
    BuildError,
    default_cache,
    digest,
    run,
)


def windows_path(path: Path) -> str:
    """``/tmp/x`` as Windows programs see it under Wine: ``Z:\\tmp\\x``."""
    return "Z:" + str(path).replace("/", "\\")


def _files(folder: Path) -> list[bytes]:
    """Every file under ``folder`` (no bytecode caches) as name and content, in order."""
    found = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() for p in found]


def _remove_others(cache: Path, prefix: str, keep: Path) -> None:
    for old in cache.glob(f"{prefix}*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def build_python(lab: Path, cache: Path) -> Path:
    """A copy of the lab's Python with PyInstaller installed, built or cached.

    Files are hard links to the lab's; the ``._pth`` file is the copy's own and reads
    netwatch from the lab's ``nwsite``, which the lab rebuilds from this checkout.
    """
    key = digest(str(lab).encode(), *(r.read_bytes() for r in REQUIREMENTS))
    target = cache / f"windows-python-{key}"
    if (target / "ready").exists():
        return target / "python"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    python = target / "python"
    run(["cp", "-al", str(lab / "python"), str(python)])
    shutil.rmtree(python / "nwsite")
    for name in (SHIM, "python313._pth"):
        (python / name).unlink()
    pth = PTH.format(nwsite=windows_path(lab / "python" / "nwsite"))
    (python / "python313._pth").write_text(pth, encoding="ascii")
    run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         *WINDOWS_TARGET, "--only-binary=:all:",
         "--target", str(python / "pyinstaller"), "-r", str(REQUIREMENTS[0])])  # fmt: skip
    (target / "ready").write_text("ok\n")
    _remove_others(cache, "windows-python-", target)
    return python


def _prefix(lab: Path) -> Path:
    """A fresh build prefix from the lab's base, the ProcessPrng shim as a system DLL."""
    prefix = clone_prefix(lab, PREFIX_NAME)
    shutil.copy2(lab / "python" / SHIM, prefix / SYSTEM32 / SHIM)
    # Wine's resident helpers keep the streams of the first program: give them none, so
    # later runs' pipes end when the program does.
    for argv in (["wineserver", "-p"], ["wine", "cmd", "/c", "exit"]):
        subprocess.run(argv, env=wine_env(prefix), stdin=subprocess.DEVNULL,  # noqa: S603
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       timeout=COMMAND_TIMEOUT)  # fmt: skip
    return prefix


def _freeze(python: Path, prefix: Path, target: Path) -> str:
    """Run PyInstaller under Wine into ``target``; its table of contents, one name a line."""
    work = target / "work"
    wine = ["wine", str(python / "python.exe")]
    # Windows Python under Wine cannot start with a file as stdout: pipes only (run()).
    run([*wine, "-m", "PyInstaller", *PYINSTALLER_OPTIONS,
         f"--distpath={windows_path(target)}", f"--workpath={windows_path(work)}",
         f"--specpath={windows_path(work)}", windows_path(ENTRY)],
        env=wine_env(prefix), cwd=target)  # fmt: skip
    shutil.rmtree(work)
    viewer = [*wine, "-m", "PyInstaller.utils.cliutils.archive_viewer", "--brief", "--recursive"]
    listing = run([*viewer, windows_path(target / "netwatch.exe")], env=wine_env(prefix))
    return listing.stdout


def build_exe(lab: Path, cache: Path) -> Path:
    """netwatch.exe, built or taken from the cache; ``contents.txt`` lists what it holds."""
    python = build_python(lab, cache)
    key = digest(str(python).encode(), *_files(lab / "python" / "nwsite"),
                  ENTRY.read_bytes(), Path(__file__).read_bytes(),
                  (HERE.parent / "frozen_build.py").read_bytes())  # fmt: skip
    target = cache / f"windows-exe-{key}"
    executable = target / "netwatch.exe"
    if (target / "ready").exists():
        return executable
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.monotonic()
    prefix = _prefix(lab)
    try:
        contents = _freeze(python, prefix, target)
    finally:
        subprocess.run(["wineserver", "-k"], env=wine_env(prefix), check=False, timeout=60)
        shutil.rmtree(prefix, ignore_errors=True)
    if SHIM in contents.split() or "netwatch.winservice" not in contents:
        raise BuildError(f"{executable}: unexpected contents (the lab's {SHIM}, or no winservice)")
    (target / "contents.txt").write_text(contents, encoding="utf-8")
    (target / "ready").write_text(f"built in {time.monotonic() - started:.0f} s\n")
    _remove_others(cache, "windows-exe-", target)
    return executable


def main() -> int:
    try:
        lab = Path(sys.argv[1]) if len(sys.argv) > 1 else build(default_lab_cache())
        executable = build_exe(lab, default_cache())
    except (BuildError, LabError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"netwatch.exe unavailable: {exc}", file=sys.stderr)
        return 3
    print(executable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
