"""Host access: every read of the machine goes through here, so tests swap it.

- :class:`FileReader` reads files relative to a root (``--root /mnt/disk``),
- :class:`CommandRunner` runs fixed argv lists with a timeout and never a shell,
- :class:`RegistryReader` reads the Windows registry (or a recording of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netwatch.hostaccess.commands import CommandResult, CommandRunner
from netwatch.hostaccess.files import FileReader
from netwatch.hostaccess.registry import RegistryReader, default_registry


@dataclass(frozen=True)
class HostAccess:
    """The three ways netwatch looks at a machine."""

    files: FileReader = field(default_factory=FileReader)
    commands: CommandRunner = field(default_factory=CommandRunner)
    registry: RegistryReader | None = field(default_factory=default_registry)
    live: bool | None = None

    @property
    def is_live_root(self) -> bool:
        """True when looking at a running system (commands describe the same machine).

        Defaults to "the root is /"; tests set ``live=True`` to pair a fixture
        tree with recorded command output, as if both came from one host.
        """
        return self.files.root == "/" if self.live is None else self.live


__all__ = ["CommandResult", "CommandRunner", "FileReader", "HostAccess", "RegistryReader"]
