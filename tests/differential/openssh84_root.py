"""Build the Debian 11 root whose sshd (OpenSSH 8.4) the 8.4 semantics are checked against.

    .venv/bin/python -m tests.differential.openssh84_root     # prints the root's folder last

``debootstrap --variant=minbase bullseye`` plus openssh-server, cached like the programs
root (tests/differential/programs_root.py). tests/run.sh builds it before pytest and
exports ``NETWATCH_OPENSSH84_ROOT``. Exit 0 with the folder printed; exit 3 with one line
saying why it cannot be built.
"""

from __future__ import annotations

import subprocess
import sys

from tests.packaging.testroot import RootError, build, default_cache

RELEASE = "bullseye"
INCLUDE = ("openssh-server",)


def main() -> int:
    try:
        root = build(default_cache(), name="openssh84", include=INCLUDE, release=RELEASE)
    except (RootError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"Debian {RELEASE} root unavailable: {exc}", file=sys.stderr)
        return 3
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
