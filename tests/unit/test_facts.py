"""The facts layer: one parser per format, typed facts with their sources, each produced once."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from netwatch.facts.accounts import parse_group, parse_passwd, parse_shadow
from netwatch.facts.files import UnreadableFile
from netwatch.facts.host import HostFacts, host_facts
from netwatch.facts.os_release import parse_os_release
from netwatch.facts.packages import DPKG_STATUS, parse_dpkg_status
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.hostaccess.winregistry import RecordedRegistry
from netwatch.posture.context import CheckContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WEAK = FIXTURES / "posture" / "linux-weak"
HARDENED = FIXTURES / "posture" / "linux-hardened"


def image(root: Path) -> HostAccess:
    return HostAccess.for_root(root)


def test_os_release_values_are_read_as_the_shell_reads_them() -> None:
    text = (
        "# comment\n"
        'PRETTY_NAME="Debian \\"bookworm\\""\n'
        "NAME='no \\\\ escapes'\n"
        "ID=debian\n"
        "VERSION_CODENAME=book\\ worm\n"
        'BROKEN="unterminated\n'
        "not a line\n"
        "SPACED KEY=x\n"
    )
    release = parse_os_release(text, "/etc/os-release")
    assert release.fields == {
        "PRETTY_NAME": 'Debian "bookworm"',
        "NAME": "no \\\\ escapes",
        "ID": "debian",
        "VERSION_CODENAME": "book worm",
        "BROKEN": "unterminated",
    }
    assert release.source("ID") == "/etc/os-release:4"
    assert release.source("VERSION_ID") == "/etc/os-release"
    assert release.family == "debian"


def test_dpkg_stanzas_keep_status_and_the_line_they_start_on() -> None:
    text = (WEAK / DPKG_STATUS.lstrip("/")).read_text(encoding="utf-8")
    lines = text.splitlines()
    status = parse_dpkg_status(text)
    package = status.get("unattended-upgrades")
    assert package is not None and not package.installed
    start = lines.index("Package: unattended-upgrades") + 1
    assert (package.status, package.source) == (
        "deinstall ok config-files",
        f"{DPKG_STATUS}:{start}",
    )
    assert package not in status.installed()
    sshd = status.get("openssh-server")
    start = lines.index("Package: openssh-server") + 1
    assert sshd is not None and sshd.installed and sshd.source == f"{DPKG_STATUS}:{start}"


def test_dpkg_prefers_the_installed_architecture_and_skips_nameless_stanzas() -> None:
    text = (
        "Package: libc6\nStatus: deinstall ok config-files\nArchitecture: i386\n\n"
        "package: libc6\nstatus: install ok installed\narchitecture: amd64\nVersion: 2.36\n\n"
        "Package: \nStatus: install ok installed\n"
    )
    status = parse_dpkg_status(text)
    assert len(status.packages) == 2
    chosen = status.get("libc6")
    assert chosen is not None and (chosen.arch, chosen.version) == ("amd64", "2.36")
    assert chosen.source == f"{DPKG_STATUS}:5"


def test_accounts_with_their_lines() -> None:
    users = parse_passwd(
        "root:x:0:0:root:/root:/bin/bash\n+nis::0:0:::\nbad:x:²:0:::\nbob:x:1000:x:::\n"
    )
    assert [(u.name, u.uid, u.gid, u.source) for u in users] == [
        ("root", 0, 0, "/etc/passwd:1"),
        ("bob", 1000, None, "/etc/passwd:4"),
    ]
    groups = parse_group("sudo:x:27:bob, alice\nbroken:x\nadm:x:4:\n")
    assert [(g.name, g.gid, g.members, g.source) for g in groups] == [
        ("sudo", 27, frozenset({"bob", "alice"}), "/etc/group:1"),
        ("adm", 4, frozenset(), "/etc/group:3"),
    ]
    shadow = parse_shadow("root:!:19000:0:99999:7:::\nbob::19000\n")
    assert [(s.name, s.usable_password, s.source) for s in shadow] == [
        ("root", False, "/etc/shadow:1"),
        ("bob", False, "/etc/shadow:2"),
    ]


def test_host_facts_of_an_image() -> None:
    facts = HostFacts(image(WEAK))
    release = facts.os_release
    assert release is not None and release.get("VERSION_ID") == "10"
    assert facts.sshd.installed and facts.sshd.version is not None
    assert facts.sshd.config is not None and facts.sshd.semantics.startswith("OpenSSH ")
    assert facts.users is not None and facts.users[0].name == "root"
    assert [p.name for p in facts.packages] == [p.name for p in facts.dpkg.installed()]  # type: ignore[union-attr]
    assert facts.registry is None and facts.windows_programs == ()


def test_missing_files_are_none_and_unreadable_ones_an_error(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    os.mkfifo(tmp_path / "etc/shadow")
    facts = HostFacts(image(tmp_path))
    assert facts.os_release is None and facts.dpkg is None and facts.users is None
    assert facts.packages == () and facts.machine_id == ""
    with pytest.raises(UnreadableFile, match="/etc/shadow") as first:
        _ = facts.shadow
    with pytest.raises(UnreadableFile) as second:
        _ = facts.shadow
    assert first.value is second.value, "one failure, replayed to every asker"


class CountingFiles(FileReader):
    """A real file reader that counts the reads of each path."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: dict[str, int] = {}
        self._count_lock = threading.Lock()

    def read_text(self, system_path: str, limit: int = 16 * 1024 * 1024) -> str:
        with self._count_lock:
            self.reads[system_path] = self.reads.get(system_path, 0) + 1
        return super().read_text(system_path, limit)


def test_each_fact_is_produced_once_across_threads() -> None:
    files = CountingFiles(HARDENED)
    facts = HostFacts(HostAccess(files=files, registry=None, live=False))
    seen: list[Any] = []

    def ask() -> None:
        seen.append((facts.dpkg, facts.os_release, facts.sshd, facts.users, facts.sudoers))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(a is b for item in seen for a, b in zip(item, seen[0], strict=True))
    for path in (DPKG_STATUS, "/etc/os-release", "/etc/passwd", "/etc/ssh/sshd_config"):
        assert files.reads[path] == 1, path


class CountingRegistry(RecordedRegistry):
    def __init__(self, keys: dict[str, dict[str, Any]]) -> None:
        super().__init__(keys)
        self.asked = 0

    def values(self, key: str) -> dict[str, Any]:
        self.asked += 1
        return super().values(key)


def test_registry_view_reads_each_key_once_and_hands_out_copies() -> None:
    key = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
    reader = CountingRegistry({key: {"ProductName": "Windows 10 Pro"}})
    facts = HostFacts(HostAccess(files=FileReader("/nonexistent"), registry=reader))
    view = facts.registry
    assert view is not None and view is facts.registry
    view.values(key)["ProductName"] = "changed"
    assert view.values(key.upper()) == {"ProductName": "Windows 10 Pro"}
    assert reader.asked == 1


def test_facts_belong_to_one_host() -> None:
    first, second = image(WEAK), image(HARDENED)
    facts = HostFacts(first)
    assert host_facts(facts) is facts and host_facts(first).access is first
    assert CheckContext(first, "linux", run_facts=facts).facts is facts
    assert CheckContext(first, "linux").facts.access is first
    with pytest.raises(ValueError, match="another host"):
        CheckContext(second, "linux", run_facts=facts)
