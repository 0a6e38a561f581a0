"""Build the Debian root holding the programs whose verdicts posture checks must match.

    .venv/bin/python -m tests.differential.programs_root     # prints the root's folder last

A minimal Debian of this host's release (``debootstrap --variant=minbase``) plus
openssh-server, sudo and pamtester (runs a PAM service's stacks through the root's
libpam); minbase already has useradd (passwd), login.defs (login), PAM and apt-config
(apt). Built before pytest (the tests run without a network) and cached
like the packaging test root (tests/packaging/testroot.py). Tests run the programs
chrooted into a copy or with ``--root``-style bind mounts; they never change this one.

Exit 0 with the folder printed; exit 3 with one line saying why it cannot be built.
"""

from __future__ import annotations

import subprocess
import sys

from tests.packaging.testroot import RootError, build, default_cache

INCLUDE = ("openssh-server", "sudo", "pamtester")


def main() -> int:
    try:
        root = build(default_cache(), name="programs", include=INCLUDE)
    except (RootError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Debian programs root unavailable: {exc}", file=sys.stderr)
        return 3
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
