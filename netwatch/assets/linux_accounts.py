"""Who uses a Linux machine: its local accounts and their last login, read-only.

Sources, all through the host's :class:`~netwatch.hostaccess.files.Files`: ``/etc/passwd``
(root and the people's accounts, UID 1000 and up, as ``login.defs``' default ``UID_MIN``),
``/etc/group`` (administrators: members of sudo, wheel or admin), ``/etc/shadow`` (a locked
password, ``!``: the account is disabled; root only) and ``/var/log/lastlog`` (one 292-byte
record per UID, glibc's ``struct lastlog`` on Linux: a 32-bit time, the terminal, the host).
The last user is the account with the latest login there.
"""

from __future__ import annotations

import datetime as dt
import os
import struct

from netwatch.assets.model import LocalAccount
from netwatch.facts.accounts import parse_group, parse_passwd, parse_shadow
from netwatch.hostaccess.files import Files

PASSWD, GROUP, SHADOW, LASTLOG = "/etc/passwd", "/etc/group", "/etc/shadow", "/var/log/lastlog"
FIRST_PERSON_UID, NOBODY_UID = 1000, 65534
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})
LASTLOG_RECORD = struct.Struct("=i32s256s")
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


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
        handle = os.open(files.path(LASTLOG), _READ_FLAGS)
    except PermissionError:
        denied.add("local_accounts.last_logon")
        return found
    except OSError:
        return found
    try:
        for uid in uids:
            record = os.pread(handle, LASTLOG_RECORD.size, uid * LASTLOG_RECORD.size)
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
