"""Local accounts and the last user of a Linux machine, from passwd, group, shadow, lastlog."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from netwatch.assets.linux import linux_hardware
from netwatch.assets.linux_accounts import LASTLOG_RECORD
from netwatch.assets.model import LocalAccount
from netwatch.hostaccess import FileReader

JUNE = 1781924400  # 2026-06-20 03:00 UTC


def lastlog(logins: dict[int, int]) -> bytes:
    """A lastlog file as login(1) writes it: one record per UID, sparse where nobody was."""
    size = (max(logins) + 1) * LASTLOG_RECORD.size
    data = bytearray(size)
    for uid, seconds in logins.items():
        struct.pack_into(LASTLOG_RECORD.format, data, uid * LASTLOG_RECORD.size, seconds,
                         b"pts/0", b"10.20.1.5")  # fmt: skip
    return bytes(data)


def machine(tmp_path: Path, shadow: bool = True) -> Path:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
        "hoa:x:1000:1000:Nguyễn Thị Hoa:/home/hoa:/bin/bash\n"
        "binh:x:1001:1001::/home/binh:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n",
        encoding="utf-8",
    )
    (etc / "group").write_text("root:x:0:\nsudo:x:27:hoa\nhoa:x:1000:\nbinh:x:1001:\n")
    if shadow:
        (etc / "shadow").write_text("root:!:19000::::::\nhoa:$y$j9T$abc:19000::::::\n"
                                    "binh:!$y$j9T$def:19000::::::\n")  # fmt: skip
    (tmp_path / "var" / "log").mkdir(parents=True)
    (tmp_path / "var/log/lastlog").write_bytes(lastlog({1000: JUNE - 86400, 1001: JUNE}))
    return tmp_path


def test_people_their_rights_and_last_logins(tmp_path: Path) -> None:
    found = linux_hardware(FileReader(machine(tmp_path)))
    assert found.local_accounts == [
        LocalAccount(name="root", enabled=False, last_logon=None, administrator=True),
        LocalAccount(name="hoa", enabled=True, last_logon="2026-06-19T03:00:00Z",
                     administrator=True),
        LocalAccount(name="binh", enabled=False, last_logon="2026-06-20T03:00:00Z",
                     administrator=False),
    ]  # fmt: skip
    assert found.usage is not None and found.usage.last_user == "binh"
    assert found.needs_privilege == []


def test_no_shadow_read_means_enabled_unknown_and_says_so(tmp_path: Path) -> None:
    class NoShadow(FileReader):
        def read_text(self, system_path: str, limit: int = 1 << 24) -> str:
            if system_path == "/etc/shadow":
                raise PermissionError(13, "Permission denied")
            return super().read_text(system_path, limit)

    found = linux_hardware(NoShadow(machine(tmp_path)))
    assert {a.enabled for a in found.local_accounts} == {None}
    assert "local_accounts.enabled" in found.needs_privilege


def test_no_lastlog_or_a_short_one_is_no_login(tmp_path: Path) -> None:
    root = machine(tmp_path)
    os.truncate(root / "var/log/lastlog", LASTLOG_RECORD.size * 1000 + 10)
    found = linux_hardware(FileReader(root))
    assert [a.last_logon for a in found.local_accounts] == [None, None, None]
    assert found.usage is None


def test_domain_realm_or_workgroup(tmp_path: Path) -> None:
    root = machine(tmp_path)
    (root / "etc/samba").mkdir()
    (root / "etc/samba/smb.conf").write_text("[global]\n   workgroup = UBND-XA ; office\n")
    found = linux_hardware(FileReader(root)).membership
    assert found is not None and (found.workgroup, found.joined) == ("UBND-XA", False)
    (root / "etc/krb5.conf").write_text("[libdefaults]\n  default_realm = UBND.LOCAL\n")
    found = linux_hardware(FileReader(root)).membership
    assert found is not None and (found.domain, found.joined) == ("UBND.LOCAL", True)
    (root / "etc/sssd").mkdir()
    (root / "etc/sssd/sssd.conf").write_text("[sssd]\n# x\ndomains = ubnd.local, other\n")
    found = linux_hardware(FileReader(root)).membership
    assert found is not None and found.domain == "ubnd.local"


def test_no_membership_file_no_membership(tmp_path: Path) -> None:
    assert linux_hardware(FileReader(machine(tmp_path))).membership is None
