"""Backup readiness: configured backup locations exist and hold a recent, non-empty backup.

Inspectors list missing (offline) backups first, so an unconfigured policy is a
finding too: nothing then shows that backups exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import msg
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    passed,
)
from netwatch.posture.registry import check

SECONDS_PER_DAY = 86400.0


class BackupParams(StrictModel):
    """Where backups land and how fresh they must be."""

    paths: list[str] = Field(
        default_factory=list,
        description="Backup locations to inspect: directories or mount points of the backup "
        "disk or share (e.g. /srv/backup, /mnt/nas/backup, D:\\Backup).",
    )
    max_age_days: float = Field(7, gt=0, description="The newest backup must be younger than this.")
    min_size_bytes: int = Field(1, ge=0, description="A backup file smaller than this is empty.")
    max_files: int = Field(
        50000, ge=1, le=1_000_000, description="Stop walking a location after this many entries."
    )


NO_PATHS = msg("no backup location is configured in the policy (checks.<id>.params.paths)")
NO_BACKUP_PATHS = Evidence(msg("the policy"), msg("no backup paths"), msg("at least one"))


@dataclass(frozen=True)
class _Newest:
    path: str
    mtime: float
    size: int


def _newest_file(ctx: CheckContext, location: str, limit: int) -> _Newest | None:
    newest: _Newest | None = None
    for path, info in ctx.access.files.walk_files(location, limit):
        if newest is None or info.st_mtime > newest.mtime:
            newest = _Newest(path, info.st_mtime, info.st_size)
    return newest


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@check("common.backup.locations_exist", params=BackupParams)
def backup_locations_exist(ctx: CheckContext) -> Outcome:
    """Every configured backup location exists and is a directory."""
    paths: list[str] = ctx.param("paths")
    if not paths:
        return failed(NO_BACKUP_PATHS, reason=NO_PATHS)
    evidence = []
    missing = False
    directory = msg("existing directory")
    for location in paths:
        if not ctx.access.files.exists(location):
            evidence.append(Evidence(location, msg("missing"), directory))
            missing = True
        elif not ctx.access.files.path(location).is_dir():
            evidence.append(Evidence(location, msg("not a directory"), directory))
            missing = True
        else:
            evidence.append(Evidence(location, msg("directory exists"), directory))
    return failed(*evidence) if missing else passed(*evidence)


@check("common.backup.recent", params=BackupParams, timeout=60.0)
def backup_recent(ctx: CheckContext) -> Outcome:
    """The newest file in each location is younger than max_age_days and not empty."""
    paths: list[str] = ctx.param("paths")
    if not paths:
        return failed(NO_BACKUP_PATHS, reason=NO_PATHS)
    max_age = float(ctx.param("max_age_days"))
    min_size = int(ctx.param("min_size_bytes"))
    evidence = []
    ok = True
    for location in paths:
        try:
            newest = _newest_file(ctx, location, int(ctx.param("max_files")))
        except FileNotFoundError:
            evidence.append(Evidence(location, msg("missing"), msg("backup location")))
            ok = False
            continue
        except PermissionError as exc:
            return error(
                msg(
                    "cannot read backup location {location}: {problem}",
                    location=location,
                    problem=str(exc.strerror),
                )
            )
        if newest is None:
            wanted = msg("a file newer than {days} days", days=f"{max_age:g}")
            evidence.append(Evidence(location, msg("no backup files"), wanted))
            ok = False
            continue
        age_days = (ctx.now - newest.mtime) / SECONDS_PER_DAY
        observed = msg(
            "newest {path}: {when} ({age} days), {size} bytes",
            path=newest.path,
            when=_when(newest.mtime),
            age=round(age_days, 1),
            size=str(newest.size),
        )
        expected = msg(
            "younger than {days} days and at least {size} bytes",
            days=f"{max_age:g}",
            size=str(min_size),
        )
        evidence.append(Evidence(location, observed, expected))
        if age_days > max_age or newest.size < min_size:
            ok = False
    return passed(*evidence) if ok else failed(*evidence)
