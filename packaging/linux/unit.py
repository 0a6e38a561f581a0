"""The systemd unit the .deb installs: the one place the package meets the unit generator.

The package ships exactly what ``netwatch service unit`` of the packaged executable
prints (the unit ``netwatch service install`` writes, netwatch/install/systemd.py), with
the executable's build path replaced by ``/usr/bin/netwatch``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from build_executable import BuildError

PROGRAM = "/usr/bin/netwatch"
CONFIG = "/etc/netwatch/netwatch.yaml"
# --no-lan: the build machine's own config must not decide the packaged unit.
GENERATE = ("service", "unit", "--config", CONFIG, "--no-lan")
TIMEOUT = 60


def package_unit(executable: Path) -> str:
    """The unit the packaged executable generates, for /usr/bin/netwatch."""
    done = subprocess.run(  # noqa: S603 - fixed argv
        [str(executable), *GENERATE], capture_output=True, text=True, timeout=TIMEOUT
    )
    if done.returncode != 0 or "[Service]" not in done.stdout:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BuildError(f"netwatch {' '.join(GENERATE)} failed: {detail[-1] if detail else ''}")
    return done.stdout.replace(str(executable), PROGRAM)
