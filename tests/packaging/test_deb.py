"""The .deb installs, upgrades and purges cleanly with dpkg in a minimal Debian root.

The root is a copy of the cached ``debootstrap --variant=minbase`` tree
(tests/packaging/testroot.py): no systemd running (as in a chroot or an image
build), and no Python anywhere in it, so the installed agent proves it needs none.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import free_port, http_get, wait_until
from tests.helpers.roots import in_root
from tests.packaging.conftest import build_deb, copy_tree

pytestmark = pytest.mark.integration

TIMEOUT = 120
UNIT = "lib/systemd/system/netwatch.service"
CONFFILE = "etc/netwatch/netwatch.yaml"
# Made by the system's own tools when a user is added or removed (shadow's backups of
# the previous file, adduser's lock), not by the package; /tmp holds the test's .debs.
NOT_THE_PACKAGES = {"/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/gshadow-", "/run/adduser"}
# Logs and dpkg's own records, which name every package it ever handled.
HISTORY = {"/var/log/dpkg.log", "/var/log/bootstrap.log", "/var/lib/dpkg/status-old"}


@pytest.fixture
def root(cached_testroot: Path, tmp_path: Path) -> Path:
    target = tmp_path / "root"
    copy_tree(cached_testroot, target)
    return target


def dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """dpkg in ``root``, with no terminal and no answers: a prompt would fail it."""
    return subprocess.run(in_root(root, "dpkg", *args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)  # fmt: skip


def chrooted(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(in_root(root, *argv), capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)  # fmt: skip


def files(root: Path) -> set[str]:
    """Every path in ``root`` but /proc and /tmp, as seen from inside it."""
    found = set()
    for path in root.rglob("*"):
        inside = "/" + str(path.relative_to(root))
        if not inside.startswith(("/proc/", "/tmp/")):
            found.add(inside)
    return found


def naming_netwatch(root: Path) -> list[str]:
    """Files under /etc, /var, /run and the systemd folders whose content names netwatch."""
    named = []
    for top in ("etc", "var", "run", "lib/systemd", "usr/lib/systemd"):
        for path in (root / top).rglob("*"):
            inside = "/" + str(path.relative_to(root))
            if inside in HISTORY | NOT_THE_PACKAGES or path.is_symlink() or not path.is_file():
                continue
            if b"netwatch" in path.read_bytes():
                named.append(inside)
    return named


def test_install_upgrade_remove_purge(root: Path, linux_dist: Path) -> None:
    (first,) = linux_dist.glob("netwatch_*-1_*.deb")
    second = build_deb(linux_dist / "netwatch", 2, root / "tmp")
    (root / "tmp" / first.name).write_bytes(first.read_bytes())
    before = files(root)

    installed = dpkg(root, "-i", f"/tmp/{first.name}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (root / "usr/bin/netwatch").stat().st_mode & 0o777 == 0o755
    user = chrooted(root, "getent", "passwd", "netwatch").stdout.strip().split(":")
    assert int(user[2]) < 1000 and user[5] == "/var/lib/netwatch" and user[6] == "/usr/sbin/nologin"
    for folder in ("var/lib/netwatch", "var/log/netwatch"):
        assert (root / folder).stat().st_uid == int(user[2])
    assert (root / "var/lib/dpkg/info/netwatch.conffiles").read_text().split() == [f"/{CONFFILE}"]
    unit = (root / UNIT).read_text()
    assert "\nUser=netwatch\n" in unit and "ExecStart=/usr/bin/netwatch serve" in unit
    assert (root / "etc/systemd/system/multi-user.target.wants/netwatch.service").is_symlink()
    checked = chrooted(root, "/usr/bin/netwatch", "config", "check", f"/{CONFFILE}")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # The admin's edit and the agent's state survive an upgrade, with no prompt.
    config = root / CONFFILE
    config.write_text(config.read_text().replace("level: info", "level: debug"))
    (root / "var/lib/netwatch/devices.json").write_text("{}\n")
    reinstalled = dpkg(root, "-i", f"/tmp/{second.name}")
    assert reinstalled.returncode == 0, reinstalled.stdout + reinstalled.stderr
    version = chrooted(root, "dpkg-query", "-W", "-f", "${Version}", "netwatch").stdout
    assert version.endswith("-2")
    assert "level: debug" in config.read_text()
    assert (root / "var/lib/netwatch/devices.json").read_text() == "{}\n"
    assert chrooted(root, "getent", "passwd", "netwatch").stdout.split(":")[2] == user[2]

    removed = dpkg(root, "-r", "netwatch")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not (root / "usr/bin/netwatch").exists() and not (root / UNIT).exists()
    assert "level: debug" in config.read_text(), "remove (not purge) keeps the config"

    purged = dpkg(root, "-P", "netwatch")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    after = files(root)
    assert before - after == set()
    assert after - before <= NOT_THE_PACKAGES, sorted(after - before - NOT_THE_PACKAGES)
    assert naming_netwatch(root) == []
    assert chrooted(root, "getent", "passwd", "netwatch").returncode == 2
    assert chrooted(root, "getent", "group", "netwatch").returncode == 2


def test_installed_agent_serves_in_a_root_without_python(root: Path, linux_dist: Path) -> None:
    interpreters = [p for p in root.rglob("python*") if p.is_file() and os.access(p, os.X_OK)]
    assert interpreters == [], "the root has a Python"
    (package,) = linux_dist.glob("netwatch_*-1_*.deb")
    (root / "tmp" / package.name).write_bytes(package.read_bytes())
    installed = dpkg(root, "-i", f"/tmp/{package.name}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    posture = chrooted(root, "setpriv", "--reuid=netwatch", "--regid=netwatch", "--init-groups",
                       "/usr/bin/netwatch", "posture", "--format", "json")  # fmt: skip
    assert posture.returncode in (0, 1), posture.stderr
    assert json.loads(posture.stdout)["results"]

    (root / "tmp/agent.yaml").write_text("services: []\n")
    port = free_port()
    agent = subprocess.Popen(
        in_root(root, "setpriv", "--reuid=netwatch", "--regid=netwatch", "--init-groups",
                "/usr/bin/netwatch", "serve", "--listen", f"127.0.0.1:{port}", "-c", "/tmp/agent.yaml"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:

        def posture_done() -> bool:
            try:
                body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=5)[2]
            except OSError:
                return False
            return b'netwatch_collector_success{collector="posture"} 1.0' in body

        assert wait_until(posture_done, timeout=60)
    finally:
        agent.send_signal(signal.SIGTERM)
        output = agent.communicate(timeout=30)[0]
    assert agent.returncode == 0, output.decode(errors="replace")


# Accepted, with the reason: a PyInstaller bootloader is not built as PIE; the
# command's help (`netwatch --help`, docs/) stands in for a manual page; the package
# is not an upload to Debian, so its first changelog entry closes no ITP bug.
LINTIAN_ACCEPTED = {"hardening-no-pie", "no-manual-page", "initial-upload-closes-no-bugs"}


def test_lintian_finds_nothing_but_the_accepted_warnings(linux_dist: Path) -> None:
    lintian = shutil.which("lintian")
    assert lintian, "lintian missing: tests/run.sh installs Debian's lintian"
    (package,) = linux_dist.glob("netwatch_*-1_*.deb")
    done = subprocess.run([lintian, "--allow-root", str(package)], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)  # fmt: skip
    tags = {line.split()[2] for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")}
    assert tags <= LINTIAN_ACCEPTED, done.stdout
