"""Apply one sysctl case with the real systemd-sysctl in a fresh network and mount namespace.

    unshare --mount --net -- python -m tests.differential.sysctl_netns OUTER CASE KEY...

A case file holds ``### /path`` headers, each followed by that file's lines (or
``### /path -> target`` for a symbolic link). Inside the namespaces the sysctl.d
directories (and /etc/sysctl.conf) are replaced by the case's, systemd-sysctl runs
limited to ``--prefix=net.ipv4.conf --prefix=net.ipv6.conf`` (per network namespace),
and the KEYs' values before and after are printed as JSON. The mounts vanish with the
process. OUTER is the caller's ``readlink /proc/self/ns/net``: the helper refuses
(exit 3) to run in that namespace, or in one with an interface besides lo, so sysctls
are never applied to the machine itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SYSTEMD_SYSCTL = "/usr/lib/systemd/systemd-sysctl"
DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d")
SYSCTL_CONF = "/etc/sysctl.conf"
PREFIXES = ("--prefix=net.ipv4.conf", "--prefix=net.ipv6.conf")
TIMEOUT = 20


def parse_case(text: str) -> dict[str, tuple[str, str | None]]:
    """path -> (content, link target or None), from a case file."""
    found: dict[str, tuple[str, str | None]] = {}
    current: str | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith("### "):
            path, _, target = line[4:].strip().partition(" -> ")
            current = path
            found[path] = ("", target or None)
        elif current is not None:
            content, target = found[current]
            found[current] = (content + line, target)
    return found


def _mount(*argv: str) -> None:
    subprocess.run(["mount", *argv], check=True, timeout=TIMEOUT)


def _read(key: str) -> str | None:
    try:
        with open("/proc/sys/" + key.replace(".", "/"), encoding="ascii") as stream:
            return stream.read(64).strip()
    except OSError:
        return None


def _interfaces() -> list[str]:
    """The interfaces of this process's network namespace (/proc/self/net/dev)."""
    lines = Path("/proc/self/net/dev").read_text(encoding="ascii").splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def main(argv: list[str]) -> int:
    outer, case_file, keys = argv[0], argv[1], argv[2:]
    if os.readlink("/proc/self/ns/net") == outer or _interfaces() != ["lo"]:
        print("refusing to apply sysctls outside a fresh network namespace", file=sys.stderr)
        return 3
    case = parse_case(Path(case_file).read_text(encoding="utf-8"))
    for directory in DIRS:
        target = Path(directory)
        _mount("-t", "tmpfs", "tmpfs", str(target if target.exists() else target.parent))
        target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        conf = Path(scratch) / "sysctl.conf"
        conf.write_text(case.get(SYSCTL_CONF, ("", None))[0], encoding="utf-8")
        _mount("--bind", str(conf), SYSCTL_CONF)
        for path, (content, link) in case.items():
            if path == SYSCTL_CONF:
                continue
            if link is not None:
                os.symlink(link, path)
            else:
                Path(path).write_text(content, encoding="utf-8")
        before = {key: _read(key) for key in keys}
        result = subprocess.run(
            [SYSTEMD_SYSCTL, *PREFIXES], capture_output=True, text=True, timeout=TIMEOUT
        )
        after = {key: _read(key) for key in keys}
    report = {"before": before, "after": after, "returncode": result.returncode}
    print(json.dumps({**report, "stderr": result.stderr}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
