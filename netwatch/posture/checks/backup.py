"""Backup readiness: configured backup locations exist and hold a recent, non-empty backup.

Inspectors list missing (offline) backups first, so an unconfigured policy is a
finding too: nothing then shows that backups exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    CheckMeta,
    Evidence,
    Outcome,
    Severity,
    Text,
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


NO_PATHS = "no backup location is configured in the policy (checks.<id>.params.paths)"


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


@check(
    CheckMeta(
        id="common.backup.locations_exist",
        title=Text("Backup locations exist and are reachable",
                   "Các vị trí lưu bản sao lưu tồn tại và truy cập được"),
        rationale=Text(
            "Backups are the last defence against ransomware and disk failure; a backup disk "
            "that is unplugged or a share that is gone means there is nothing to restore.",
            "Sao lưu là tuyến phòng thủ cuối cùng trước mã độc tống tiền và hỏng ổ đĩa; ổ sao "
            "lưu bị rút ra hoặc thư mục chia sẻ không còn nghĩa là không có gì để khôi phục.",
        ),
        remediation=Text(
            "List the backup locations in the policy (checks.common.backup.locations_exist."
            "params.paths), mount the backup disk or share, and keep an offline copy.",
            "Khai báo các vị trí sao lưu trong chính sách (checks.common.backup.locations_exist."
            "params.paths), gắn ổ đĩa hoặc thư mục chia sẻ sao lưu và giữ một bản sao ngoại tuyến.",
        ),
        category="backup",
        severity=Severity.high,
        platforms=("linux", "windows"),
        params_model=BackupParams,
    )
)  # fmt: skip
def backup_locations_exist(ctx: CheckContext) -> Outcome:
    """Every configured backup location exists and is a directory."""
    paths: list[str] = ctx.param("paths")
    if not paths:
        return failed(Evidence("policy", "no backup paths", "at least one"), reason=NO_PATHS)
    evidence = []
    missing = False
    for location in paths:
        if not ctx.access.files.exists(location):
            evidence.append(Evidence(location, "missing", "existing directory"))
            missing = True
        elif not ctx.access.files.path(location).is_dir():
            evidence.append(Evidence(location, "not a directory", "existing directory"))
            missing = True
        else:
            evidence.append(Evidence(location, "directory exists", "existing directory"))
    return failed(*evidence) if missing else passed(*evidence)


@check(
    CheckMeta(
        id="common.backup.recent",
        title=Text("A recent, non-empty backup exists",
                   "Có bản sao lưu gần đây và không rỗng"),
        rationale=Text(
            "A backup job can stop silently; only the date and size of the newest backup show "
            "that data could really be restored after an incident.",
            "Tác vụ sao lưu có thể ngừng mà không báo; chỉ ngày và dung lượng của bản sao lưu "
            "mới nhất mới cho thấy dữ liệu thực sự khôi phục được sau sự cố.",
        ),
        remediation=Text(
            "Check the backup job and its logs, run a backup now, and test restoring a file; "
            "rotate an offline copy (disconnected disk or tape) at least weekly.",
            "Kiểm tra tác vụ sao lưu và nhật ký của nó, chạy sao lưu ngay, thử khôi phục một tệp; "
            "luân chuyển một bản sao ngoại tuyến (ổ đĩa đã ngắt kết nối hoặc băng từ) ít nhất "
            "mỗi tuần.",
        ),
        category="backup",
        severity=Severity.high,
        platforms=("linux", "windows"),
        params_model=BackupParams,
        timeout=60.0,
    )
)  # fmt: skip
def backup_recent(ctx: CheckContext) -> Outcome:
    """The newest file in each location is younger than max_age_days and not empty."""
    paths: list[str] = ctx.param("paths")
    if not paths:
        return failed(Evidence("policy", "no backup paths", "at least one"), reason=NO_PATHS)
    max_age = float(ctx.param("max_age_days"))
    min_size = int(ctx.param("min_size_bytes"))
    evidence = []
    ok = True
    for location in paths:
        try:
            newest = _newest_file(ctx, location, int(ctx.param("max_files")))
        except FileNotFoundError:
            evidence.append(Evidence(location, "missing", "backup location"))
            ok = False
            continue
        except PermissionError as exc:
            return error(f"cannot read backup location {location}: {exc.strerror}")
        if newest is None:
            wanted = f"a file newer than {max_age:g} days"
            evidence.append(Evidence(location, "no backup files", wanted))
            ok = False
            continue
        age_days = (ctx.now - newest.mtime) / SECONDS_PER_DAY
        observed = (
            f"newest {newest.path}: {_when(newest.mtime)} ({age_days:.1f} days), "
            f"{newest.size} bytes"
        )
        expected = f"younger than {max_age:g} days and at least {min_size} bytes"
        evidence.append(Evidence(location, observed, expected))
        if age_days > max_age or newest.size < min_size:
            ok = False
    return passed(*evidence) if ok else failed(*evidence)
