"""firewalld's default zone and its target (firewalld 1.3).

``/etc/firewalld/firewalld.conf`` is read as firewalld's ``firewalld_conf`` reads it:
each line stripped, empty lines and ``#`` lines skipped, ``KEY=value`` split at the
first ``=`` with blanks around key and value removed (quotes are part of the value);
the last line of a key wins. ``DefaultZone`` defaults to ``public``. A zone's target
is the ``target`` attribute of its ``<zone>`` element, ``default`` when absent
(``/etc/firewalld/zones`` first, then ``/usr/lib/firewalld/zones``); ``default``,
``DROP`` and ``%%REJECT%%`` refuse what no service or port allows.
"""

from __future__ import annotations

import re

FIREWALLD_CONF = "/etc/firewalld/firewalld.conf"
DENY_TARGETS = ("default", "DROP", "%%REJECT%%", "REJECT")
BUILTIN_ZONE_TARGETS = {"trusted": "ACCEPT", "drop": "DROP", "block": "%%REJECT%%"}
ZONE_NAME = re.compile(r"^[\w.-]+$")


def conf_values(text: str) -> dict[str, tuple[str, int]]:
    """``KEY=value`` of firewalld.conf with the line number, last one winning."""
    found = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        found[key.strip()] = (value.strip(), number)
    return found


def list_all_target(list_all: str) -> str:
    """The ``target:`` of ``firewall-cmd --list-all`` output ('' when missing)."""
    match = re.search(r"^\s*target:\s*(\S+)", list_all, re.MULTILINE)
    return match.group(1) if match else ""


def zone_xml_target(xml: str) -> str:
    """The target attribute of a firewalld zone file (``default`` when absent)."""
    match = re.search(r"<zone\b[^>]*\btarget=\"([^\"]+)\"", xml)
    return match.group(1) if match else "default"
