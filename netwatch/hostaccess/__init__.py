"""Host access: every read of the machine goes through here, so tests swap it.

- :class:`FileReader` reads files relative to a root (``--root /mnt/disk``),
- :class:`CommandRunner` runs fixed argv lists with a timeout and never a shell,
- :class:`RegistryReader` reads the Windows registry (or a recording of it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from netwatch.hostaccess.commands import CommandResult, CommandRunner, Commands
from netwatch.hostaccess.files import FileReader, Files
from netwatch.hostaccess.winregistry import RegistryReader, default_registry


@dataclass(frozen=True)
class HostAccess:
    """The three ways netwatch looks at a machine.

    ``live`` says whether they look at the running system. It is explicit, never guessed
    from the file root: live unless ``--root`` names a mounted image, on every OS (on
    Windows the root is ``C:\\``, not ``/``). When not live, commands, the registry and
    the running kernel describe the auditing machine, so checks read files only.
    """

    files: Files = field(default_factory=FileReader)
    commands: Commands = field(default_factory=CommandRunner)
    registry: RegistryReader | None = field(default_factory=default_registry)
    live: bool = True

    @classmethod
    def for_root(cls, root: str | os.PathLike[str] | None) -> HostAccess:
        """The running system, or the mounted image at ``root`` (files only, not live)."""
        if root is None:
            return cls()
        return cls(files=FileReader(root), registry=None, live=False)


__all__ = [
    "Files",
    "CommandResult",
    "CommandRunner",
    "Commands",
    "FileReader",
    "HostAccess",
    "RegistryReader",
]
