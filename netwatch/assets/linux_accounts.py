"""Who uses a Linux machine and where it belongs: local accounts, last login, domain or
workgroup, read-only.

Sources, all through the host's :class:`~netwatch.hostaccess.files.Files`: ``/etc/passwd``
(root and the people's accounts, UID 1000 and up, as ``login.defs``' default ``UID_MIN``),
``/etc/group`` (administrators: members of sudo, wheel or admin), ``/etc/shadow`` (a locked
password, ``!``: the account is disabled; root only) and ``/var/log/lastlog`` (one 292-byte
record per UID, glibc's ``struct lastlog`` on Linux: a 32-bit time, the terminal, the host).
The last user is the account with the latest login there. Membership: SSSD's domains
(``/etc/sssd/sssd.conf``, root only), Kerberos' default realm, or Samba's workgroup.
"""

from __future__ import annotations

import datetime as dt
import os
import struct

from netwatch.assets.model import LocalAccount, Membership
from netwatch.facts.accounts import parse_group, parse_passwd, parse_shadow
from netwatch.hostaccess.files import READ_FLAGS, Files

PASSWD, GROUP, SHADOW, LASTLOG = "/etc/passwd", "/etc/group", "/etc/shadow", "/var/log/lastlog"
FIRST_PERSON_UID, NOBODY_UID = 1000, 65534
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})
LASTLOG_RECORD = struct.Struct("=i32s256s")


def _text(files: Files, path: str, denied: set[str], field: str) -> str | None:
    try:
        return files.read_text(path)
    except PermissionError:
        denied.add(field)
    except OSError:
        pass
    return None


def _last_logins(files: Files, uids: list[int], denied: set[str]) -> dict[int, str]:
    """ISO 8601 UTC time of each UID's last login in lastlog (absent: never, or no file)."""
    found: dict[int, str] = {}
    try:
        handle = os.open(files.path(LASTLOG), READ_FLAGS)
    except PermissionError:
        denied.add("local_accounts.last_logon")
        return found
    except OSError:
        return found
    try:
        for uid in uids:
            os.lseek(handle, uid * LASTLOG_RECORD.size, os.SEEK_SET)
            record = os.read(handle, LASTLOG_RECORD.size)
            if len(record) < LASTLOG_RECORD.size:
                continue
            seconds = LASTLOG_RECORD.unpack(record)[0]
            if seconds > 0:
                moment = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
                found[uid] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    except OSError:
        pass
    finally:
        os.close(handle)
    return found


def local_accounts(files: Files, denied: set[str]) -> tuple[list[LocalAccount], str | None]:
    """(root and the people's accounts, the last user to log in); ``denied`` gets the fields
    that need root."""
    passwd = _text(files, PASSWD, denied, "local_accounts")
    if passwd is None:
        return [], None
    people = [e for e in parse_passwd(passwd)
              if e.uid == 0 or FIRST_PERSON_UID <= e.uid < NOBODY_UID]  # fmt: skip
    groups = parse_group(_text(files, GROUP, denied, "local_accounts.administrator") or "")
    admin_gids = {g.gid for g in groups if g.name in ADMIN_GROUPS and g.gid is not None}
    admins = {name for g in groups if g.name in ADMIN_GROUPS for name in g.members}
    shadow_text = _text(files, SHADOW, denied, "local_accounts.enabled")
    locked = (
        {e.name: e.password.startswith("!") for e in parse_shadow(shadow_text)}
        if shadow_text is not None else {}
    )  # fmt: skip
    logins = _last_logins(files, [e.uid for e in people], denied)
    accounts = [
        LocalAccount(
            name=e.name,
            enabled=(not locked[e.name]) if e.name in locked else None,
            last_logon=logins.get(e.uid),
            administrator=e.uid == 0 or e.name in admins or e.gid in admin_gids,
        )
        for e in people
    ]
    latest = max(((logins[e.uid], e.name) for e in people if e.uid in logins), default=None)
    return accounts, latest[1] if latest else None


def _setting(text: str, section: str, key: str) -> str | None:
    """``key = value`` of an INI-style ``[section]`` (case-insensitive; comments skipped)."""
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip().lower()
        elif current == section and "=" in line:
            name, value = (part.strip() for part in line.split("=", 1))
            if name.lower() == key and value:
                return value
    return None


def membership(files: Files, denied: set[str]) -> Membership | None:
    """A domain the machine is joined to (SSSD's first domain, else Kerberos' default realm),
    or its SMB workgroup; None when it shows neither."""
    sssd = _text(files, "/etc/sssd/sssd.conf", denied, "membership")
    domains = _setting(sssd, "sssd", "domains") if sssd else None
    if domains:
        return Membership(domain=domains.split(",")[0].strip(), joined=True)
    krb5 = _text(files, "/etc/krb5.conf", denied, "membership")
    realm = _setting(krb5, "libdefaults", "default_realm") if krb5 else None
    if realm:
        return Membership(domain=realm, joined=True)
    samba = _text(files, "/etc/samba/smb.conf", denied, "membership")
    workgroup = _setting(samba, "global", "workgroup") if samba else None
    return Membership(workgroup=workgroup, joined=False) if workgroup else None
