"""Run netwatch on Windows Python in the lab, on a recorded Windows host.

Each recorded host gets its own Wine prefix (sharing the base prefix's files, with a
registry of its own) whose registry holds the host's recording, and its own replay
folder for the stand-in ``powershell.exe``. A host's registry server stays up for
the test session, so the users' hives (volatile, as on a real machine) stay loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.helpers.powershell import batch_stdout, load_parts
from tests.winlab.build import clone_prefix, wine_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LOADER = Path(__file__).resolve().parent / "load_registry.py"
# The lab's own signed-in user (Wine's fixed SID), with Windows' default screen saver
# settings: every lab host has this user besides the recorded ones.
WINE_USER = Path(__file__).resolve().parent / "wine-user.registry.json"
WINE_TIMEOUT = 180.0
# Code pages as Wine derives them from the Unix locale name.
LOCALES = {"cp1252": "en_US.UTF-8", "cp1258": "vi_VN.UTF-8"}


@cache
def hardware_batch() -> str:
    """The batch of a process that reads the hardware but runs no check (its own imports)."""
    code = (
        "import netwatch.assets.collect; from netwatch.posture.checks._powershell import "
        "batch_script, declared_queries; print(batch_script(declared_queries()), end='')"
    )
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, encoding="utf-8", timeout=120).stdout  # fmt: skip


@dataclass(frozen=True)
class LabHost:
    """A recorded Windows machine: registry recordings and, for posture, PowerShell answers."""

    registry: tuple[Path, ...]
    powershell: Path | None = None


def _posture(name: str) -> LabHost:
    base = FIXTURES / "posture" / name
    return LabHost((base.with_name(f"{name}.windows.registry.json"),),
                   base.with_name(f"{name}.windows.powershell.json"))  # fmt: skip


HOSTS: dict[str, LabHost] = {
    "windows-hardened": _posture("windows-hardened"),
    "windows-weak": _posture("windows-weak"),
    "windows-weak-vi": _posture("windows-weak-vi"),
    "win11-23h2-vi": LabHost((FIXTURES / "windows" / "win11-23h2-vi.json",)),
    "win10-22h2-en": LabHost((FIXTURES / "windows" / "win10-22h2-en.json",)),
    "server2019-en": LabHost((FIXTURES / "windows" / "server2019-en.json",)),
}


def windows_path(path: Path) -> str:
    """``/tmp/x`` as Windows Python sees it under Wine: ``Z:\\tmp\\x``."""
    return "Z:" + str(path).replace("/", "\\")


def fnv1a64(text: str) -> str:
    """The stand-in's key for a script (FNV-1a 64 over UTF-8, 16 hex digits)."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


class WinLab:
    """The built lab (``root``) and this session's scratch folder (``work``)."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        self.work = work
        self.python = root / "python" / "python.exe"
        self._started: dict[str, Path] = {}
        self._hosts = dict(HOSTS)

    # --- hosts ------------------------------------------------------------------------

    def prefix(self, host: str) -> Path:
        """The host's prefix, created and loaded with its recording on first use."""
        if host not in self._started:
            self._started[host] = self._start(host)
        return self._started[host]

    def _start(self, host: str, name: str | None = None) -> Path:
        """A fresh prefix ``session-NAME`` holding ``host``'s recording, its server up."""
        parent = "wine-stub" if host == "wine-stub" else "base"
        prefix = clone_prefix(self.root, f"session-{name or host}", parent)
        # Wine's resident helpers (services.exe, winedevice.exe) start with the first
        # program and keep its standard streams: start them with none, so later runs'
        # pipes end when the program does.
        quiet = {
            "stdin": subprocess.DEVNULL,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "env": wine_env(prefix),
            "timeout": WINE_TIMEOUT,
        }
        subprocess.run(["wineserver", "-p"], check=True, **quiet)  # type: ignore[call-overload]
        subprocess.run(["wine", str(self.python), "-c", "pass"], check=True, **quiet)  # type: ignore[call-overload]
        recordings = (*self._hosts[host].registry, WINE_USER) if host in self._hosts else ()
        if recordings:
            loaded = self._wine(prefix, [windows_path(LOADER), *map(windows_path, recordings)], {})
            if loaded.returncode != 0:
                raise RuntimeError(f"loading {host}'s registry failed: {loaded.stderr!r}")
        return prefix

    def weaken(self, host: str, name: str, values: dict[str, dict[str, int]]) -> str:
        """A new host: ``host``'s recording with ``values`` written by Wine's own reg.exe."""
        self._started[name] = self._start(host, name)
        for key, entries in values.items():
            for value, data in entries.items():
                argv = ["wine", "reg", "add", key, "/v", value, "/t", "REG_DWORD",
                        "/d", str(data), "/f"]  # fmt: skip
                subprocess.run(argv, env=wine_env(self._started[name]), check=True,
                               capture_output=True, timeout=WINE_TIMEOUT)  # fmt: skip
        self._hosts[name] = self._hosts[host]
        return name

    def stop(self) -> None:
        """End every registry server this session started."""
        for prefix in self._started.values():
            subprocess.run(["wineserver", "-k"], env=wine_env(prefix), check=False, timeout=60)
        self._started.clear()

    # --- running ----------------------------------------------------------------------

    def replay_folder(self, host: str) -> Path:
        """The stand-in's answers for ``host``: the batch netwatch sends, as recorded."""
        folder = self.work / "replay" / host
        folder.mkdir(parents=True, exist_ok=True)
        recording = self._hosts[host].powershell if host in self._hosts else None
        if recording is not None:
            from netwatch.assets.windows import HARDWARE_QUERY
            from netwatch.posture.checks._powershell import batch_script, declared_queries

            # One answer for each batch a Windows process may send: `netwatch posture` (the
            # checks' queries), the audit (the checks' and the hardware's), and `netwatch
            # inventory` or the agent (the hardware's and the few check queries it shares).
            queries = declared_queries()
            checks_only = [query for query in queries if query != HARDWARE_QUERY]
            answer = batch_stdout(load_parts(recording))
            scripts = {batch_script(queries), batch_script(checks_only), hardware_batch()}
            for script in scripts:
                (folder / f"{fnv1a64(script)}.out").write_text(answer, encoding="utf-8", newline="")
        return folder

    def launches_log(self, host: str) -> Path:
        """Where the stand-in writes one line per launch."""
        return self.work / f"powershell-{host}.log"

    def launches(self, host: str) -> int:
        """How many times PowerShell was started for ``host`` so far."""
        log = self.launches_log(host)
        return len(log.read_text().splitlines()) if log.exists() else 0

    def python_run(
        self,
        args: list[str],
        host: str = "windows-hardened",
        *,
        powershell: str = "replay",
        codepage: str = "cp1252",
        extra_env: dict[str, str] | None = None,
        timeout: float = WINE_TIMEOUT,
    ) -> subprocess.CompletedProcess[bytes]:
        """Windows ``python.exe ARGS`` on ``host``; stdout and stderr are pipes."""
        env = {
            "NETWATCH_PS_MODE": powershell,
            "NETWATCH_PS_REPLAY": windows_path(self.replay_folder(host)),
            "NETWATCH_PS_LOG": windows_path(self.launches_log(host)),
            "LANG": LOCALES[codepage],
            "LC_ALL": LOCALES[codepage],
            **(extra_env or {}),
        }
        return self._wine(self.prefix(host), args, env, timeout)

    def netwatch(self, *args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
        """``python.exe -m netwatch ARGS`` (options as for :meth:`python_run`)."""
        return self.python_run(["-m", "netwatch", *args], **options)  # type: ignore[arg-type]

    def _wine(
        self, prefix: Path, args: list[str], env: dict[str, str], timeout: float = WINE_TIMEOUT
    ) -> subprocess.CompletedProcess[bytes]:
        # A file as stdout makes Windows Python fail to start under Wine: always pipes.
        return subprocess.run(
            ["wine", str(self.python), *args],
            env={**wine_env(prefix), **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )


def posture_json(result: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    """The JSON document a posture or audit run printed."""
    document: dict[str, object] = json.loads(result.stdout.decode("utf-8"))
    return document


def lab_root() -> Path | None:
    """The lab folder tests/run.sh built (``NETWATCH_WINLAB``), if any."""
    configured = os.environ.get("NETWATCH_WINLAB")
    return Path(configured) if configured else None
