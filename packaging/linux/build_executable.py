"""Build netwatch's Linux single executable with PyInstaller (one file), cached.

    .venv/bin/python packaging/linux/build_executable.py    # prints the executable last

PyInstaller and netwatch's runtime dependencies go into a build venv of their own
(pinned in packaging/requirements.txt), never into the test venv; netwatch itself is
frozen from this checkout. The venv and the executable are cached under
``NETWATCH_PACKAGING_CACHE`` (default ``~/.cache/netwatch-packaging``), each keyed by a
hash of what it is built from, so an unchanged checkout rebuilds nothing.

Exit 0 with the path printed; exit 3 with one line saying why it cannot be built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REQUIREMENTS = REPO / "packaging" / "requirements.txt"
ENTRY = REPO / "packaging" / "entry.py"
GLIBC_FLOOR = HERE / "glibc_floor.py"
sys.path.insert(0, str(HERE.parent))

from frozen_build import (  # noqa: E402 - shared with the Windows build, beside this folder
    PYINSTALLER_OPTIONS,
    BuildError,
    default_cache,
    digest,
    run,
)


def runtime_dependencies() -> list[str]:
    """netwatch's runtime requirements, as pyproject.toml declares them."""
    with (REPO / "pyproject.toml").open("rb") as file:
        return sorted(tomllib.load(file)["project"]["dependencies"])


def _source_files() -> list[Path]:
    """Every file the executable is frozen from, in a stable order."""
    files = [p for p in (REPO / "netwatch").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    build = [ENTRY, GLIBC_FLOOR, HERE.parent / "frozen_build.py", Path(__file__).resolve()]
    return sorted([*files, REPO / "pyproject.toml", *build])


def build_venv(cache: Path) -> Path:
    """The build venv with PyInstaller and netwatch's dependencies, built or cached."""
    key = digest(REQUIREMENTS.read_bytes(), "\n".join(runtime_dependencies()).encode(),
                  sys.version.encode())  # fmt: skip
    target = cache / f"venv-{key}"
    if (target / "ready").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "-q"]
    run([*pip, "--disable-pip-version-check", "-r", str(REQUIREMENTS), *runtime_dependencies()])
    (target / "ready").write_text("ok\n")
    _remove_others(cache, "venv-", target)
    return target


def _remove_others(cache: Path, prefix: str, keep: Path) -> None:
    for old in cache.glob(f"{prefix}*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def build_executable(cache: Path) -> Path:
    """The one-file executable, built or taken from the cache.

    Beside it, ``glibc`` holds the oldest glibc it runs on (glibc_floor.py).
    """
    python = build_venv(cache) / "bin" / "python"
    sources = [str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() for p in _source_files()]
    key = digest(str(python).encode(), *sources)
    target = cache / f"exe-{key}"
    executable = target / "netwatch"
    if (target / "ready").exists():
        return executable
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        run([str(python), "-m", "PyInstaller", *PYINSTALLER_OPTIONS,
             f"--paths={REPO}", f"--distpath={target}", f"--workpath={scratch}/work",
             f"--specpath={scratch}", str(ENTRY)],
            cwd=scratch, env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    seconds = time.monotonic() - started
    floor = run([str(python), str(GLIBC_FLOOR), str(executable)]).stdout.strip()
    (target / "glibc").write_text(f"{floor}\n")
    (target / "ready").write_text(f"built in {seconds:.0f} s\n")
    _remove_others(cache, "exe-", target)
    return executable


def main() -> int:
    try:
        executable = build_executable(default_cache())
    except (BuildError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Linux executable unavailable: {exc}", file=sys.stderr)
        return 3
    print(executable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
