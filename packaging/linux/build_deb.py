"""Build netwatch's Debian package with dpkg-deb from the single executable.

    .venv/bin/python packaging/linux/build_deb.py                  # prints the folder last
    .venv/bin/python packaging/linux/build_deb.py --revision 2 --output dist/
    .venv/bin/python packaging/linux/build_deb.py --executable dist/netwatch --output dist/

Builds (or takes from the cache) the executable with build_executable.py, or takes
the one ``--executable`` names (with its ``glibc`` file beside it), then
``netwatch_<version>-<revision>_<arch>.deb`` beside it, or in ``--output``. The
package holds:

- ``/usr/bin/netwatch``, the executable;
- ``/lib/systemd/system/netwatch.service``, from unit.py;
- ``/etc/netwatch/netwatch.yaml``, a conffile: the embedded defaults as
  ``netwatch config show`` prints them;
- the maintainer scripts in debian/ (the netwatch user, the service, purge).

The version is the one the executable reports (netwatch.__version__, which
pyproject.toml reads). Exit 0 with the folder holding the executable and the
package printed; exit 3 with one line saying why it cannot be built.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from email.utils import formatdate
from pathlib import Path

from build_executable import BuildError, build_executable, default_cache, run
from unit import CONFIG, package_unit

HERE = Path(__file__).resolve().parent
DEBIAN = HERE / "debian"
MAINTAINER = "netwatch maintainers <maintainers@users.noreply.r-seed-a287f080.example>"
SCRIPTS = ("postinst", "prerm", "postrm")
CONFIG_HEADER = """\
# netwatch agent configuration: the embedded defaults, spelled out
# (`netwatch config show`). Edit, check with `netwatch config check {path}`,
# then `systemctl reload netwatch`. Keys left out take their defaults.
"""


def _clean_env() -> dict[str, str]:
    """This environment without NETWATCH_* settings (they would leak into the defaults)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NETWATCH_")}


def netwatch_version(executable: Path) -> str:
    """The version the executable reports (``netwatch version``: ``netwatch 0.1.0``)."""
    return run([str(executable), "version"], env=_clean_env()).stdout.split()[-1]


def default_config(executable: Path) -> str:
    """The embedded defaults as YAML, with a header saying how to change them."""
    shown = run([str(executable), "config", "show"], env=_clean_env()).stdout
    return CONFIG_HEADER.format(path=CONFIG) + shown


def _changelog(version: str) -> bytes:
    entry = (
        f"netwatch ({version}) unstable; urgency=medium\n\n"
        "  * Built from the netwatch repository by packaging/linux/build_deb.py.\n\n"
        f" -- {MAINTAINER}  {formatdate(localtime=False)}\n"
    )
    return gzip.compress(entry.encode(), mtime=0)


def _write(path: Path, content: str | bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)


def _installed_size_kib(tree: Path) -> int:
    return sum(-(-p.stat().st_size // 1024) for p in tree.rglob("*") if p.is_file())


def build_deb(executable: Path, revision: int, output: Path) -> Path:
    """The .deb in ``output``."""
    version = f"{netwatch_version(executable)}-{revision}"
    architecture = run(["dpkg", "--print-architecture"]).stdout.strip()
    glibc = (executable.parent / "glibc").read_text().strip()
    unit = package_unit(executable)
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "tree"
        tree.mkdir(mode=0o755)
        for folder in ("usr/bin", "lib/systemd/system", "etc/netwatch", "usr/share/doc/netwatch"):
            (tree / folder).mkdir(mode=0o755, parents=True)
        shutil.copyfile(executable, tree / "usr/bin/netwatch")
        (tree / "usr/bin/netwatch").chmod(0o755)
        _write(tree / "lib/systemd/system/netwatch.service", unit, 0o644)
        _write(tree / CONFIG.lstrip("/"), default_config(executable), 0o644)
        doc = tree / "usr/share/doc/netwatch"
        _write(doc / "copyright", (DEBIAN / "copyright").read_bytes(), 0o644)
        _write(doc / "changelog.Debian.gz", _changelog(version), 0o644)
        control = (DEBIAN / "control.in").read_text(encoding="utf-8").format(
            version=version, architecture=architecture, maintainer=MAINTAINER,
            installed_size=_installed_size_kib(tree), glibc=glibc)  # fmt: skip
        meta = tree / "DEBIAN"
        _write(meta / "control", control, 0o644)
        _write(meta / "conffiles", (DEBIAN / "conffiles").read_bytes(), 0o644)
        for script in SCRIPTS:
            _write(meta / script, (DEBIAN / script).read_bytes(), 0o755)
        output.mkdir(parents=True, exist_ok=True)
        package = output / f"netwatch_{version}_{architecture}.deb"
        # gzip, not xz: the executable is compressed already (xz: 0.4 % smaller, 17 s slower).
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree), str(package)])
    return package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", type=int, default=1, help="Debian revision (default 1)")
    parser.add_argument("--output", type=Path, help="folder for the .deb")
    parser.add_argument("--executable", type=Path, help="package this executable, built before")
    args = parser.parse_args()
    try:
        executable = args.executable or build_executable(default_cache())
        package = build_deb(executable, args.revision, args.output or executable.parent)
    except (BuildError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Debian package unavailable: {exc}", file=sys.stderr)
        return 3
    print(f"{package.name}: built", file=sys.stderr)
    print(package.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
