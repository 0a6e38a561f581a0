"""A JSON state file the agent keeps across restarts (the LAN register, the hardware memory).

Read once, kept in memory, saved atomically (owner-readable only) after each run. A file
that cannot be used (not UTF-8, not JSON, another schema version, a field of the wrong type,
too large) is moved aside, never deleted, with one warning saying where; the store starts
afresh. A save that fails is logged once per reason and tried again after the next run.
Nothing here raises to the collector.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from netwatch.core.atomic import atomic_write

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class StateKind(Generic[M]):
    """What a state file holds, and how its problems are told to the reader of the log.

    ``name``: "LAN state file"; ``afresh``: what starting afresh means ("devices will be
    reported as new once"); ``until``: when a failed save is tried again ("the next sweep");
    ``logger``: the owner's logger.
    """

    model: type[M]
    version: int
    max_bytes: int
    name: str
    afresh: str
    until: str
    logger: str

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(self.logger)

    def parse(self, raw: bytes) -> M | str:
        """The state in ``raw``, or why it is not one this version can use."""
        if len(raw) > self.max_bytes:
            return f"larger than {self.max_bytes // (1024 * 1024)} MiB"
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            return f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        except RecursionError:
            return "not valid JSON: nested too deeply"
        except ValueError as exc:  # JSONDecodeError, NaN, integers too long to convert
            return f"not valid JSON: {exc}"
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"holds text that is not valid Unicode ({exc.reason})"
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != self.version:
            return f"schema_version {version!r} is not {self.version}"
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return f"{where}: {first['msg']}"

    def set_aside(self, path: Path, reason: str) -> M:
        """Move the unusable file aside (never delete it), say so once, and start afresh."""
        try:
            aside = _aside_path(path)
            os.replace(path, aside)
        except OSError as exc:
            self.log.warning(
                "%s %s is unreadable (%s) and cannot be moved aside (%s): started afresh; "
                "the next save replaces the file",
                self.name, path, reason, exc.strerror or exc,
            )  # fmt: skip
        else:
            self.log.warning(
                "%s %s is unreadable (%s): moved it to %s and started afresh; %s",
                self.name, path, reason, aside, self.afresh,
            )  # fmt: skip
        return self.model()

    def load(self, path: Path) -> M:
        """The state in ``path``; a fresh one when it is missing or unusable (moved aside).
        Errors reading the file (e.g. permissions) are raised."""
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # no such file (yet)
            return self.model()
        parsed = self.parse(raw)
        return parsed if isinstance(parsed, self.model) else self.set_aside(path, str(parsed))

    def encode(self, state: M) -> bytes:
        """The file content; ValueError when JSON or UTF-8 cannot encode it."""
        document = state.model_dump()  # mode="json" would replace lone surrogates silently
        try:
            text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"it holds text that is not valid Unicode ({exc.reason})") from None
        except ValueError as exc:  # NaN or infinity
            raise ValueError(f"it cannot be written as JSON ({exc})") from None

    def save(self, state: M, path: Path) -> None:
        """Write ``state`` atomically, readable by its owner only. OSError when the file
        cannot be written, ValueError when the state cannot be encoded."""
        atomic_write(path, self.encode(state), mode=0o600)


class StateStore(Generic[M]):
    """A collector's state: read from its file on first use, kept, saved after each run."""

    def __init__(self, kind: StateKind[M], path: Path) -> None:
        self.kind = kind
        self.path = path
        self._state: M | None = None
        self._save_problem: str | None = None

    def load(self) -> M:
        """The state: read from the file on the first call, from memory after."""
        if self._state is None:
            try:
                self._state = self.kind.load(self.path)
            except OSError as exc:
                reason = f"cannot read it: {exc.strerror or exc}"
                self._state = self.kind.set_aside(self.path, reason)
        return self._state

    def save(self) -> bool:
        """Write the state to its file; False (and one warning per reason) when that fails."""
        try:
            self.kind.save(self.load(), self.path)
        except (OSError, ValueError) as exc:
            problem = getattr(exc, "strerror", None) or str(exc)
            if problem != self._save_problem:
                self.kind.log.warning(
                    "%s %s cannot be saved (%s): it is kept in memory and saved again after %s",
                    self.kind.name, self.path, problem, self.kind.until,
                )  # fmt: skip
            self._save_problem = problem
            return False
        if self._save_problem is not None:
            self.kind.log.info("%s %s saved again", self.kind.name, self.path)
        self._save_problem = None
        return True


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _aside_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    return candidate
