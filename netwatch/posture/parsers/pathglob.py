"""glob(3) below the audited root, as sshd's and nft's include lines expand their patterns."""

from __future__ import annotations

import fnmatch
import re

from netwatch.hostaccess import Files

MAGIC = re.compile(r"[*?\[]")


def expand(files: Files, pattern: str) -> list[str]:
    """The paths an absolute ``pattern`` names below the root, sorted.

    As glob(3): each part with a wildcard is matched against the directory's names
    (``*`` does not match a leading dot unless the part starts with one); a part without
    one is taken as written, so the caller checks that such paths exist. An OSError
    listing a directory propagates.
    """
    candidates = [""]
    for part in (p for p in pattern.split("/") if p):
        if not MAGIC.search(part):
            candidates = [f"{base}/{part}" for base in candidates]
            continue
        candidates = [
            f"{base}/{name}"
            for base in candidates
            for name in files.list_dir(base or "/")
            if fnmatch.fnmatchcase(name, part) and (part.startswith(".") or name[:1] != ".")
        ]
    return sorted(candidates)
