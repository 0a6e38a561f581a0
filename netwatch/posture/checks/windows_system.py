"""Windows host hardening: anti-malware, encryption, updates, accounts, UAC, lock and AutoRun.

Every decision comes from registry values, numeric enums, SIDs or PowerShell
JSON, never from localised text, so a Vietnamese Windows gives the same
verdicts. Unset registry values take the Windows default, written next to each
read. Accounts are found by SID (S-1-5-32-544 Administrators, RID 500 the
built-in Administrator, RID 501 Guest), never by their (translatable) names.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    START_DISABLED,
    SecurityProduct,
    WindowsDataError,
    as_list,
    as_object,
    command_source,
    day_text,
    dword,
    is_account_sid,
    parse_date,
    registry,
    relative_id,
    run_powershell,
    security_products,
    service_start,
    shown,
    sid_of,
    start_text,
    to_bool,
    to_enum,
    to_int,
    value_source,
    windows_check,
)
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

# --- Microsoft Defender -----------------------------------------------------------------

MP_QUERY = powershell_query(
    "defender_status",
    "Get-MpComputerStatus | Select-Object AMServiceEnabled,AntivirusEnabled,"
    "RealTimeProtectionEnabled,AntivirusSignatureAge,AntivirusSignatureLastUpdated",
    "Get-MpComputerStatus",
)
AV_QUERY = powershell_query(
    "antivirus_products",
    "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | "
    "Select-Object displayName,productState",
    "SecurityCenter2 AntiVirusProduct",
)
DEFENDER_FLAGS = ("AntivirusEnabled", "RealTimeProtectionEnabled")
# AntivirusSignatureAge is 65535 (or more) when Defender does not know the age.
UNKNOWN_AGE = 65535


def _defender_status(ctx: CheckContext) -> tuple[dict[str, Any] | None, Evidence]:
    """Get-MpComputerStatus and its evidence; None when it fails (Defender removed or stopped)."""
    source = command_source(MP_QUERY.script)
    try:
        status = as_object(run_powershell(ctx, MP_QUERY), "Get-MpComputerStatus")
    except WindowsDataError as exc:
        return None, Evidence(source, f"no status: {exc}", "Defender status")
    observed = ", ".join(f"{name}={_flag(status, name)}" for name in DEFENDER_FLAGS)
    return status, Evidence(source, observed, ", ".join(f"{n}=True" for n in DEFENDER_FLAGS))


def _flag(status: dict[str, Any], name: str) -> bool:
    return to_bool(status.get(name), name)


def _third_party(ctx: CheckContext) -> tuple[list[SecurityProduct] | None, Evidence]:
    """Active third-party antivirus products registered with Security Center.

    None when Security Center did not answer (Windows Server has no SecurityCenter2).
    """
    source, expected = command_source(AV_QUERY.script), "a third-party product on"
    try:
        products = security_products(run_powershell(ctx, AV_QUERY))
    except WindowsDataError as exc:
        return None, Evidence(source, f"no answer: {exc}", expected)
    observed = "; ".join(p.describe() for p in products) or "no antivirus product registered"
    return [p for p in products if not p.by_microsoft and p.enabled], Evidence(
        source, observed, expected
    )


@check(
    CheckMeta(
        id="windows.defender.realtime",
        title=Text(
            "Real-time anti-malware protection is on",
            "Bảo vệ chống mã độc theo thời gian thực đang bật",
        ),
        rationale=Text(
            "Real-time protection stops malware when a file is opened or downloaded; with it "
            "off, ransomware from an e-mail attachment or USB stick runs unhindered.",
            "Bảo vệ theo thời gian thực chặn mã độc ngay khi tệp được mở hoặc tải về; khi tính "
            "năng này tắt, mã độc tống tiền từ tệp đính kèm thư hoặc USB chạy mà không bị ngăn.",
        ),
        remediation=Text(
            "Turn on Microsoft Defender real-time protection (Set-MpPreference "
            "-DisableRealtimeMonitoring $false, and remove any 'Turn off real-time protection' "
            "Group Policy), or make sure the installed third-party antivirus is running.",
            "Bật bảo vệ theo thời gian thực của Microsoft Defender (Set-MpPreference "
            "-DisableRealtimeMonitoring $false, và gỡ chính sách nhóm 'Turn off real-time "
            "protection' nếu có), hoặc bảo đảm phần mềm diệt virus bên thứ ba đang hoạt động.",
        ),
        category="malware",
        severity=Severity.critical,
        platforms=("windows",),
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def defender_realtime(ctx: CheckContext) -> Outcome:
    """Defender scans in real time, or a registered third-party antivirus is on and current."""
    status, mp_evidence = _defender_status(ctx)
    if status is not None and all(_flag(status, name) for name in DEFENDER_FLAGS):
        return passed(mp_evidence)
    active, av_evidence = _third_party(ctx)
    if active is None:
        if status is None:
            return error("neither Defender nor Security Center answered", mp_evidence, av_evidence)
        return failed(
            mp_evidence, av_evidence, reason="Defender is off and Security Center did not answer"
        )
    if any(product.up_to_date for product in active):
        return passed(
            mp_evidence,
            av_evidence,
            reason="Defender is passive; a third-party antivirus protects the machine",
        )
    return failed(mp_evidence, av_evidence, reason="no antivirus has real-time protection on")


class SignatureAgeParams(StrictModel):
    """How old anti-malware signatures may be."""

    max_age_days: int = Field(3, ge=0, description="Maximum age of the signatures, in days.")


def _defender_age(ctx: CheckContext, status: dict[str, Any]) -> tuple[int | None, str]:
    """Signature age in days (None: never updated) and the evidence text.

    AntivirusSignatureAge is computed by Defender at query time; the last update
    date is the fallback when Defender reports the age as unknown.
    """
    raw_age = status.get("AntivirusSignatureAge")
    try:
        updated = parse_date(status.get("AntivirusSignatureLastUpdated"))
    except ValueError as exc:
        raise WindowsDataError(f"AntivirusSignatureLastUpdated: {exc}") from None
    updated_text = f"last updated {day_text(updated)}" if updated else "never updated"
    if raw_age is not None:
        age = to_int(raw_age, "AntivirusSignatureAge")
        if 0 <= age < UNKNOWN_AGE:
            return age, f"AntivirusSignatureAge={age} days ({updated_text})"
    if updated is None:
        return None, f"AntivirusSignatureAge={raw_age} (unknown), never updated"
    age = int((ctx.now - updated.timestamp()) // SECONDS_PER_DAY)
    return age, f"AntivirusSignatureAge={raw_age} (unknown); {updated_text}, {age} days ago"


@check(
    CheckMeta(
        id="windows.defender.signature_age",
        title=Text("Anti-malware signatures are up to date", "Mẫu nhận diện mã độc được cập nhật"),
        rationale=Text(
            "New malware appears every day; an antivirus with signatures older than a few days "
            "misses exactly the threats that are circulating now.",
            "Mã độc mới xuất hiện hằng ngày; phần mềm diệt virus có mẫu nhận diện cũ hơn vài "
            "ngày sẽ bỏ sót chính những mối đe dọa đang lây lan.",
        ),
        remediation=Text(
            "Update the signatures (Update-MpSignature) and make sure the machine reaches "
            "Windows Update or the WSUS server, or that the third-party antivirus updates itself.",
            "Cập nhật mẫu nhận diện (Update-MpSignature) và bảo đảm máy kết nối được tới "
            "Windows Update hoặc máy chủ WSUS, hoặc phần mềm diệt virus bên thứ ba tự cập nhật.",
        ),
        category="malware",
        severity=Severity.high,
        platforms=("windows",),
        params_model=SignatureAgeParams,
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def defender_signature_age(ctx: CheckContext) -> Outcome:
    """Signatures of the active antivirus are at most ``max_age_days`` old."""
    max_age = ctx.params_as(SignatureAgeParams).max_age_days
    status, mp_evidence = _defender_status(ctx)
    if status is None or not _flag(status, "AntivirusEnabled"):
        active, av_evidence = _third_party(ctx)
        if active:
            if all(product.up_to_date for product in active):
                return passed(
                    mp_evidence,
                    av_evidence,
                    reason="Defender is passive; the third-party antivirus is current",
                )
            return failed(
                mp_evidence,
                av_evidence,
                reason="the third-party antivirus reports outdated signatures",
            )
        if status is None:
            return error("no antivirus reports its signatures", mp_evidence, av_evidence)
    age, observed = _defender_age(ctx, status)
    evidence = Evidence(command_source(MP_QUERY.script), observed, f"at most {max_age} days")
    if age is None or age > max_age:
        return failed(evidence)
    return passed(evidence)


# --- BitLocker --------------------------------------------------------------------------

BITLOCKER_QUERY = powershell_query(
    "bitlocker_system_drive",
    "Get-BitLockerVolume -MountPoint $env:SystemDrive | "
    "Select-Object MountPoint,VolumeStatus,ProtectionStatus,EncryptionPercentage",
    "Get-BitLockerVolume",
)
VOLUME_STATUS = {
    "FullyDecrypted": 0,
    "FullyEncrypted": 1,
    "EncryptionInProgress": 2,
    "DecryptionInProgress": 3,
    "EncryptionPaused": 4,
    "DecryptionPaused": 5,
}
PROTECTION_STATUS = {"Off": 0, "On": 1, "Unknown": 2}
FULLY_ENCRYPTED, PROTECTION_ON = 1, 1


@check(
    CheckMeta(
        id="windows.bitlocker.system_drive",
        title=Text(
            "The system drive is encrypted with BitLocker",
            "Ổ đĩa hệ thống được mã hóa bằng BitLocker",
        ),
        rationale=Text(
            "A stolen or discarded laptop or disk gives away every document and cached "
            "password on it unless the drive is encrypted and the protection is active.",
            "Máy tính xách tay hoặc ổ đĩa bị mất cắp, thanh lý sẽ làm lộ toàn bộ tài liệu và "
            "mật khẩu lưu trên đó nếu ổ đĩa không được mã hóa và bảo vệ không được kích hoạt.",
        ),
        remediation=Text(
            "Turn BitLocker on for the system drive (Enable-BitLocker -MountPoint C: "
            "-TpmProtector, or Control Panel > BitLocker Drive Encryption), keep the recovery "
            "key in Active Directory or a safe place, and resume protection if it is suspended.",
            "Bật BitLocker cho ổ đĩa hệ thống (Enable-BitLocker -MountPoint C: -TpmProtector, "
            "hoặc Control Panel > BitLocker Drive Encryption), lưu khóa khôi phục vào Active "
            "Directory hoặc nơi an toàn, và tiếp tục bảo vệ nếu đang bị tạm dừng.",
        ),
        category="data",
        severity=Severity.high,
        platforms=("windows",),
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def bitlocker_system_drive(ctx: CheckContext) -> Outcome:
    """The system volume is fully encrypted and its protection is on."""
    volume = as_object(run_powershell(ctx, BITLOCKER_QUERY), "Get-BitLockerVolume")
    status = to_enum(volume.get("VolumeStatus"), VOLUME_STATUS, "VolumeStatus")
    protection = to_enum(volume.get("ProtectionStatus"), PROTECTION_STATUS, "ProtectionStatus")
    status_name = {v: k for k, v in VOLUME_STATUS.items()}.get(status, "unknown")
    protection_name = {v: k for k, v in PROTECTION_STATUS.items()}.get(protection, "unknown")
    evidence = Evidence(
        f"{command_source(BITLOCKER_QUERY.script)} [{volume.get('MountPoint') or '?'}]",
        f"VolumeStatus={status} ({status_name}), ProtectionStatus={protection} "
        f"({protection_name}), EncryptionPercentage={volume.get('EncryptionPercentage')}",
        "VolumeStatus=1 (FullyEncrypted), ProtectionStatus=1 (On)",
    )
    if status != FULLY_ENCRYPTED or protection != PROTECTION_ON:
        return failed(evidence)
    return passed(evidence)


# --- Windows Update ---------------------------------------------------------------------

AU_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU"
# AUOptions that download updates without asking. Unset: Windows 10/11 download and
# install automatically. 2 (notify before download) and 5 (local admin chooses) do not.
AUTOMATIC_OPTIONS = {
    3: "download automatically, notify to install",
    4: "download automatically, install on a schedule",
    7: "download automatically, notify to install and restart",
}
NO_AUTO_UPDATE_DEFAULT = 0


@check(
    CheckMeta(
        id="windows.updates.automatic",
        title=Text(
            "Windows updates are downloaded automatically",
            "Bản cập nhật Windows được tự động tải về",
        ),
        rationale=Text(
            "Most attacks use flaws that already have a patch; a machine that does not fetch "
            "updates by itself stays open to them until someone remembers to patch it.",
            "Phần lớn các cuộc tấn công khai thác lỗ hổng đã có bản vá; máy không tự tải bản "
            "cập nhật sẽ còn mang các lỗ hổng đó cho tới khi có người nhớ cập nhật.",
        ),
        remediation=Text(
            "Set the Group Policy 'Configure Automatic Updates' to Enabled with option 3 or 4 "
            "(or Not Configured), and set the Windows Update service (wuauserv) to Manual "
            "or Automatic start.",
            "Đặt chính sách nhóm 'Configure Automatic Updates' thành Enabled với tùy chọn 3 "
            "hoặc 4 (hoặc Not Configured), và đặt dịch vụ Windows Update (wuauserv) ở chế độ "
            "khởi động Manual hoặc Automatic.",
        ),
        category="updates",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def updates_automatic(ctx: CheckContext) -> Outcome:
    """Automatic Updates is not switched off by policy and the update service can run."""
    values = registry(ctx).values(AU_KEY)
    no_auto = dword(values, AU_KEY, "NoAutoUpdate")
    options = dword(values, AU_KEY, "AUOptions")
    start, start_source = service_start(ctx, "wuauserv")
    options_text = (
        "not set (Windows default: download and install automatically)"
        if options is None
        else f"{options} ({AUTOMATIC_OPTIONS.get(options, 'updates not downloaded automatically')})"
    )
    evidence = (
        Evidence(
            value_source(AU_KEY, "NoAutoUpdate"),
            shown(no_auto, NO_AUTO_UPDATE_DEFAULT),
            "0 or not set",
        ),
        Evidence(value_source(AU_KEY, "AUOptions"), options_text, "3, 4, 7 or not set"),
        Evidence(start_source, start_text(start), "Start=2 or 3 (not disabled)"),
    )
    problems = []
    if no_auto == 1:
        problems.append("automatic updates turned off by policy")
    if options is not None and options not in AUTOMATIC_OPTIONS:
        problems.append(f"AUOptions={options} does not download automatically")
    if start is None or start == START_DISABLED:
        problems.append("the Windows Update service is disabled or missing")
    if problems:
        return failed(*evidence, reason="; ".join(problems))
    return passed(*evidence)


# Now comes from the examined machine's own clock, in the same answer as the install dates.
PATCH_QUERY = powershell_query(
    "hotfixes",
    "[pscustomobject]@{Now = [DateTime]::UtcNow; HotFixes = @(Get-CimInstance "
    "Win32_QuickFixEngineering | Select-Object HotFixID,InstalledOn)}",
    "Win32_QuickFixEngineering",
)


class PatchAgeParams(StrictModel):
    """How long ago the last update may have been installed."""

    max_age_days: int = Field(
        45, ge=1, description="Maximum days since the newest installed update (hotfix)."
    )


@check(
    CheckMeta(
        id="windows.updates.last_patch_age",
        title=Text("An update was installed recently", "Bản cập nhật được cài đặt gần đây"),
        rationale=Text(
            "Microsoft ships security fixes every month; when the newest installed update is "
            "older than about six weeks, the machine is missing at least one round of fixes.",
            "Microsoft phát hành bản vá bảo mật hằng tháng; nếu bản cập nhật mới nhất đã cài "
            "cũ hơn khoảng sáu tuần thì máy đang thiếu ít nhất một đợt vá lỗi.",
        ),
        remediation=Text(
            "Install the pending updates (Settings > Windows Update > Check for updates, or "
            "from WSUS) and find out why updates stopped: a full disk, a failing update or a "
            "blocked update service.",
            "Cài các bản cập nhật đang chờ (Settings > Windows Update > Check for updates, hoặc "
            "qua WSUS) và tìm nguyên nhân việc cập nhật bị ngừng: ổ đĩa đầy, bản cập nhật lỗi "
            "hoặc dịch vụ cập nhật bị chặn.",
        ),
        category="updates",
        severity=Severity.high,
        platforms=("windows",),
        params_model=PatchAgeParams,
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def updates_last_patch_age(ctx: CheckContext) -> Outcome:
    """The newest hotfix was installed at most ``max_age_days`` ago (by the machine's clock)."""
    max_age = ctx.params_as(PatchAgeParams).max_age_days
    answer = as_object(run_powershell(ctx, PATCH_QUERY), "Win32_QuickFixEngineering")
    source = command_source(PATCH_QUERY.script)
    try:
        now = parse_date(answer.get("Now"))
        dated = [
            (when, str(fix.get("HotFixID") or "?"))
            for fix in as_list(answer.get("HotFixes"))
            if (when := parse_date(fix.get("InstalledOn"))) is not None
        ]
    except ValueError as exc:
        raise WindowsDataError(f"Win32_QuickFixEngineering: {exc}") from None
    if now is None:
        raise WindowsDataError("Win32_QuickFixEngineering: the machine's clock was not reported")
    if not answer.get("HotFixes"):
        return failed(Evidence(source, "no installed update listed", f"within {max_age} days"))
    if not dated:
        return error(
            "no installed update has an install date",
            Evidence(source, "InstalledOn empty for every update"),
        )
    newest, hotfix = max(dated)
    age = int((now - newest).total_seconds() // SECONDS_PER_DAY)
    evidence = Evidence(
        source,
        f"newest {hotfix} installed {day_text(newest)}, {age} days before {day_text(now)}",
        f"within {max_age} days",
    )
    return failed(evidence) if age > max_age else passed(evidence)


# --- local accounts ---------------------------------------------------------------------

USERS_QUERY = powershell_query(
    "local_users", "Get-LocalUser | Select-Object Name,SID,Enabled", "Get-LocalUser"
)
ADMINS_QUERY = powershell_query(
    "administrators",
    "Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name,SID,ObjectClass,PrincipalSource",
    "Get-LocalGroupMember",
)
ADMIN_RID, GUEST_RID = 500, 501
# Names Windows gives the built-in Administrator at installation. They follow the
# installation language: fully localised editions translate it (French, Spanish and
# Portuguese, Swedish, Finnish, Hungarian, Russian); Vietnamese is a language pack over
# an English installation, so a Vietnamese machine keeps "Administrator".
DEFAULT_ADMIN_NAMES = frozenset(
    {
        "administrator",
        "administrateur",
        "administrador",
        "administratör",
        "järjestelmänvalvoja",
        "rendszergazda",
        "администратор",
    }
)


def _local_user(ctx: CheckContext, rid: int) -> tuple[dict[str, Any], str]:
    """The local account with relative id ``rid`` (by SID, whatever its name) and its SID.

    Every Windows machine has the built-in Administrator (RID 500) and Guest (RID 501),
    renamed or disabled perhaps but never deleted; a list without them is incomplete
    (PowerShell blocked or broken), so it is an error, never "absent, all good".
    """
    users = as_list(run_powershell(ctx, USERS_QUERY))
    for user in users:
        sid = sid_of(user.get("SID"))
        if is_account_sid(sid) and relative_id(sid) == rid:
            return user, sid
    raise WindowsDataError(
        f"Get-LocalUser listed {len(users)} accounts but none with RID {rid}, which every "
        "Windows machine has: the answer is incomplete",
        Evidence(command_source(USERS_QUERY.script), f"{len(users)} accounts", f"RID {rid}"),
    )


def _normalized(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


@check(
    CheckMeta(
        id="windows.accounts.guest_disabled",
        title=Text("The Guest account is disabled", "Tài khoản Guest (Khách) bị vô hiệu hóa"),
        rationale=Text(
            "The built-in Guest account lets anyone log on or reach shared folders without a "
            "password of their own.",
            "Tài khoản Guest dựng sẵn cho phép bất kỳ ai đăng nhập hoặc truy cập thư mục chia "
            "sẻ mà không cần mật khẩu riêng.",
        ),
        remediation=Text(
            "Disable it: Get-LocalUser | Where-Object { $_.SID -like '*-501' } | Disable-LocalUser "
            "(or the security option 'Accounts: Guest account status' = Disabled).",
            "Vô hiệu hóa tài khoản: Get-LocalUser | Where-Object { $_.SID -like '*-501' } | "
            "Disable-LocalUser (hoặc tùy chọn bảo mật 'Accounts: Guest account status' = "
            "Disabled).",
        ),
        category="accounts",
        severity=Severity.high,
        platforms=("windows",),
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def guest_disabled(ctx: CheckContext) -> Outcome:
    """The local account with RID 501 is disabled."""
    source = command_source(USERS_QUERY.script)
    user, sid = _local_user(ctx, GUEST_RID)
    enabled = to_bool(user.get("Enabled"), "Enabled")
    evidence = Evidence(
        f"{source} [{sid}]", f"{user.get('Name')!s}: Enabled={enabled}", "Enabled=False"
    )
    return failed(evidence) if enabled else passed(evidence)


@check(
    CheckMeta(
        id="windows.accounts.builtin_admin",
        title=Text(
            "The built-in Administrator account is disabled or renamed",
            "Tài khoản Administrator dựng sẵn bị vô hiệu hóa hoặc đã đổi tên",
        ),
        rationale=Text(
            "The built-in Administrator (RID 500) is never locked out and its name is known, "
            "so it is the first target of password guessing; named administrator accounts "
            "also show who did what.",
            "Tài khoản Administrator dựng sẵn (RID 500) không bao giờ bị khóa và tên của nó ai "
            "cũng biết, nên luôn là mục tiêu dò mật khẩu đầu tiên; dùng tài khoản quản trị "
            "riêng cho từng người còn giúp biết ai đã làm gì.",
        ),
        remediation=Text(
            "Disable it (security option 'Accounts: Administrator account status' = Disabled) "
            "and use named administrator accounts, or at least rename it ('Accounts: Rename "
            "administrator account') and manage its password with LAPS.",
            "Vô hiệu hóa tài khoản này (tùy chọn bảo mật 'Accounts: Administrator account "
            "status' = Disabled) và dùng tài khoản quản trị riêng, hoặc ít nhất đổi tên nó "
            "('Accounts: Rename administrator account') và quản lý mật khẩu bằng LAPS.",
        ),
        category="accounts",
        severity=Severity.medium,
        platforms=("windows",),
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def builtin_admin(ctx: CheckContext) -> Outcome:
    """The local account with RID 500 is disabled, or no longer has a default name."""
    source = command_source(USERS_QUERY.script)
    user, sid = _local_user(ctx, ADMIN_RID)
    name = str(user.get("Name") or "")
    enabled = to_bool(user.get("Enabled"), "Enabled")
    renamed = _normalized(name) not in DEFAULT_ADMIN_NAMES
    evidence = Evidence(
        f"{source} [{sid}]",
        f"{name}: Enabled={enabled}, {'renamed' if renamed else 'default name'}",
        "Enabled=False, or a name other than the Windows default",
    )
    return failed(evidence) if enabled and not renamed else passed(evidence)


class AdminMembersParams(StrictModel):
    """Who may be a member of the local Administrators group."""

    allowed: list[str] = Field(
        default_factory=lambda: ["S-1-5-21-*-500", "S-1-5-21-*-512"],
        description="Allowed members of Administrators (S-1-5-32-544): SIDs or names "
        "(DOMAIN\\name or name), '*' wildcards allowed, case-insensitive. Default: the "
        "built-in Administrator (RID 500) and Domain Admins (RID 512).",
    )


def _allowed(member: dict[str, Any], sid: str, patterns: list[str]) -> bool:
    name = str(member.get("Name") or "")
    candidates = {_normalized(sid), _normalized(name), _normalized(name.rsplit("\\", 1)[-1])}
    return any(
        fnmatch.fnmatchcase(candidate, _normalized(pattern))
        for pattern in patterns
        for candidate in candidates
    )


@check(
    CheckMeta(
        id="windows.accounts.admin_members",
        title=Text(
            "Only approved accounts are local administrators",
            "Chỉ các tài khoản được phê duyệt mới có quyền quản trị máy",
        ),
        rationale=Text(
            "Every member of the local Administrators group controls the whole machine; "
            "everyday accounts with admin rights turn any malware they run into a full "
            "compromise.",
            "Mọi thành viên của nhóm Administrators cục bộ đều toàn quyền trên máy; nếu tài "
            "khoản dùng hằng ngày có quyền quản trị, bất kỳ mã độc nào chạy dưới tài khoản đó "
            "cũng chiếm được toàn bộ máy.",
        ),
        remediation=Text(
            "Remove the extra members (Remove-LocalGroupMember -SID S-1-5-32-544 -Member "
            "<name>) and give users standard accounts, or add the approved ones to the policy "
            "(checks.windows.accounts.admin_members.params.allowed).",
            "Gỡ các thành viên thừa (Remove-LocalGroupMember -SID S-1-5-32-544 -Member <tên>) "
            "và cấp cho người dùng tài khoản thường, hoặc thêm các tài khoản được phê duyệt vào "
            "chính sách (checks.windows.accounts.admin_members.params.allowed).",
        ),
        category="accounts",
        severity=Severity.high,
        platforms=("windows",),
        params_model=AdminMembersParams,
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def admin_members(ctx: CheckContext) -> Outcome:
    """Every member of S-1-5-32-544 matches the allowed SIDs or names."""
    patterns = ctx.params_as(AdminMembersParams).allowed
    source = command_source(ADMINS_QUERY.script)
    evidence, extra = [], []
    members = as_list(run_powershell(ctx, ADMINS_QUERY))
    if not members:
        raise WindowsDataError(
            "Get-LocalGroupMember listed no members of Administrators (S-1-5-32-544), which "
            "always has at least one: the answer is incomplete",
            Evidence(source, "no members", "the group's members"),
        )
    for member in members:
        sid = sid_of(member.get("SID"))
        allowed = _allowed(member, sid, patterns)
        name = str(member.get("Name") or sid)
        evidence.append(
            Evidence(
                f"{source} [{sid}]",
                f"{name} ({'allowed' if allowed else 'not allowed'})",
                "one of: " + ", ".join(patterns),
            )
        )
        if not allowed:
            extra.append(name)
    if extra:
        return failed(*evidence, reason="not allowed: " + ", ".join(extra))
    return passed(*evidence)


# The effective policy for local accounts as the SAM applies it (NetUserModalsGet),
# read through the WinNT provider: every local user object carries it. `net accounts`
# prints the same numbers but in translated text; secedit /export writes a file; RSoP
# classes only cover domain Group Policy.
PASSWORD_QUERY = powershell_query(
    "account_policy",
    "$users = ([ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')).Children; "
    "$users.SchemaFilter.Add('User') | Out-Null; $u = $users | Select-Object -First 1; "
    "[pscustomobject]@{MinPasswordLength = $u.MinPasswordLength.Value; "
    "MaxBadPasswordsAllowed = $u.MaxBadPasswordsAllowed.Value}",
    "account policy (ADSI WinNT)",
)


class PasswordPolicyParams(StrictModel):
    """Minimum password length and account lockout threshold."""

    min_length: int = Field(8, ge=1, le=128, description="Minimum password length required.")
    max_lockout: int = Field(
        10,
        ge=1,
        description="Accounts must lock after at most this many wrong passwords; a threshold "
        "of 0 (never lock) fails.",
    )


@check(
    CheckMeta(
        id="windows.accounts.password_policy",
        title=Text(
            "Passwords have a minimum length and accounts lock out",
            "Mật khẩu có độ dài tối thiểu và tài khoản bị khóa khi nhập sai nhiều lần",
        ),
        rationale=Text(
            "Short passwords and unlimited guessing let an attacker find a local account's "
            "password by trying; a lockout threshold stops online guessing.",
            "Mật khẩu ngắn và không giới hạn số lần thử cho phép kẻ tấn công dò ra mật khẩu "
            "tài khoản cục bộ; ngưỡng khóa tài khoản ngăn việc dò mật khẩu trực tuyến.",
        ),
        remediation=Text(
            "Set 'Minimum password length' (e.g. 12) and 'Account lockout threshold' (e.g. 5) "
            "under Computer Configuration > Windows Settings > Security Settings > Account "
            "Policies, locally (secpol.msc) or by Group Policy.",
            "Đặt 'Minimum password length' (ví dụ 12) và 'Account lockout threshold' (ví dụ 5) "
            "trong Computer Configuration > Windows Settings > Security Settings > Account "
            "Policies, trên máy (secpol.msc) hoặc bằng Group Policy.",
        ),
        category="accounts",
        severity=Severity.medium,
        platforms=("windows",),
        params_model=PasswordPolicyParams,
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def password_policy(ctx: CheckContext) -> Outcome:
    """Minimum length >= ``min_length`` and lockout threshold in 1..``max_lockout``."""
    params = ctx.params_as(PasswordPolicyParams)
    policy = as_object(run_powershell(ctx, PASSWORD_QUERY), "account policy")
    length = to_int(policy.get("MinPasswordLength"), "MinPasswordLength")
    lockout = to_int(policy.get("MaxBadPasswordsAllowed"), "MaxBadPasswordsAllowed")
    source = command_source(PASSWORD_QUERY.script)
    evidence = (
        Evidence(f"{source} [MinPasswordLength]", str(length), f"at least {params.min_length}"),
        Evidence(
            f"{source} [MaxBadPasswordsAllowed]",
            f"{lockout}" + (" (never locks out)" if lockout == 0 else ""),
            f"1 to {params.max_lockout}",
        ),
    )
    problems = []
    if length < params.min_length:
        problems.append(f"minimum length {length} < {params.min_length}")
    if not 1 <= lockout <= params.max_lockout:
        problems.append(f"lockout threshold {lockout} not in 1..{params.max_lockout}")
    if problems:
        return failed(*evidence, reason="; ".join(problems))
    return passed(*evidence)


# --- UAC, screen lock, AutoRun ----------------------------------------------------------

SYSTEM_POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
ENABLE_LUA_DEFAULT = 1  # EnableLUA unset: UAC on
CONSENT_ADMIN_DEFAULT = 5  # ConsentPromptBehaviorAdmin unset: consent for non-Windows binaries


@check(
    CheckMeta(
        id="windows.uac.enabled",
        title=Text(
            "User Account Control is on and prompts administrators",
            "Kiểm soát tài khoản người dùng (UAC) được bật và yêu cầu quản trị viên xác nhận",
        ),
        rationale=Text(
            "With UAC off, or elevating administrators without asking, every program an "
            "administrator starts, including malware, runs with full control of the machine.",
            "Khi UAC tắt hoặc tự nâng quyền cho quản trị viên mà không hỏi, mọi chương trình "
            "do quản trị viên chạy, kể cả mã độc, đều có toàn quyền trên máy.",
        ),
        remediation=Text(
            "Enable 'User Account Control: Run all administrators in Admin Approval Mode' "
            "(EnableLUA=1) and set 'Behavior of the elevation prompt for administrators' to "
            "prompt for consent or credentials (ConsentPromptBehaviorAdmin 1, 2 or 5), then "
            "restart.",
            "Bật 'User Account Control: Run all administrators in Admin Approval Mode' "
            "(EnableLUA=1) và đặt 'Behavior of the elevation prompt for administrators' ở mức "
            "hỏi xác nhận hoặc hỏi mật khẩu (ConsentPromptBehaviorAdmin 1, 2 hoặc 5), sau đó "
            "khởi động lại máy.",
        ),
        category="host",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def uac_enabled(ctx: CheckContext) -> Outcome:
    """EnableLUA is 1 and administrators are not elevated silently."""
    values = registry(ctx).values(SYSTEM_POLICIES)
    lua = dword(values, SYSTEM_POLICIES, "EnableLUA")
    consent = dword(values, SYSTEM_POLICIES, "ConsentPromptBehaviorAdmin")
    lua_on = (ENABLE_LUA_DEFAULT if lua is None else lua) == 1
    prompts = (CONSENT_ADMIN_DEFAULT if consent is None else consent) != 0
    evidence = (
        Evidence(
            value_source(SYSTEM_POLICIES, "EnableLUA"),
            shown(lua, ENABLE_LUA_DEFAULT, "UAC on" if lua_on else "UAC off"),
            "1",
        ),
        Evidence(
            value_source(SYSTEM_POLICIES, "ConsentPromptBehaviorAdmin"),
            shown(
                consent,
                CONSENT_ADMIN_DEFAULT,
                "prompts" if prompts else "elevates without prompting",
            ),
            "not 0",
        ),
    )
    if not (lua_on and prompts):
        return failed(*evidence)
    return passed(*evidence)


DESKTOP_POLICY = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
DESKTOP_SETTING = "Control Panel\\Desktop"
# Loaded hives of people (local, domain or Entra ID accounts), not services or *_Classes.
USER_HIVE = re.compile(r"S-1-5-21-\d+-\d+-\d+-\d+|S-1-12-1-\d+-\d+-\d+-\d+")
# Unset values as in a new profile: screen saver active, 900 s, not password protected,
# and no screen saver program (SCRNSAVE.EXE), which means none ever starts.
SCREEN_SAVER_DEFAULTS = {"ScreenSaveActive": 1, "ScreenSaverIsSecure": 0, "ScreenSaveTimeOut": 900}


class ScreenLockParams(StrictModel):
    """How soon an unattended session must lock."""

    max_seconds: int = Field(900, ge=1, description="Lock after at most this many idle seconds.")


def _user_screen_saver(ctx: CheckContext, sid: str, max_seconds: int) -> tuple[bool, Evidence]:
    """Whether one signed-in user's effective screen saver locks in time.

    The per-user Group Policy key overrides the user's own setting, value by value.
    """
    policy_key, user_key = f"HKU\\{sid}\\{DESKTOP_POLICY}", f"HKU\\{sid}\\{DESKTOP_SETTING}"
    policy, own = registry(ctx).values(policy_key), registry(ctx).values(user_key)
    merged = {**own, **policy}
    program = str(merged.get("SCRNSAVE.EXE") or "")
    numbers = {
        name: default if merged.get(name) in (None, "") else to_int(merged[name], name)
        for name, default in SCREEN_SAVER_DEFAULTS.items()
    }
    locks = (
        bool(program)
        and numbers["ScreenSaveActive"] == 1
        and numbers["ScreenSaverIsSecure"] == 1
        and 1 <= numbers["ScreenSaveTimeOut"] <= max_seconds
    )
    observed = ", ".join(
        [f"SCRNSAVE.EXE={program or 'not set'}"]
        + [f"{name}={value}" for name, value in numbers.items()]
    )
    origin = "Group Policy" if policy else "user setting"
    return locks, Evidence(
        policy_key if policy else user_key,
        f"{observed} ({origin})",
        f"a secure screen saver within {max_seconds} s",
    )


@check(
    CheckMeta(
        id="windows.screen_lock.timeout",
        title=Text(
            "An idle session locks automatically", "Phiên làm việc tự động khóa khi không sử dụng"
        ),
        rationale=Text(
            "An unlocked, unattended computer lets anyone nearby read documents or act as "
            "the signed-in official.",
            "Máy tính không khóa khi vắng người cho phép bất kỳ ai ở gần đọc tài liệu hoặc "
            "thao tác dưới danh nghĩa cán bộ đang đăng nhập.",
        ),
        remediation=Text(
            "Set 'Interactive logon: Machine inactivity limit' to 900 seconds or less "
            "(InactivityTimeoutSecs), or enforce a password-protected screen saver by Group "
            "Policy (User Configuration > Administrative Templates > Control Panel > "
            "Personalization).",
            "Đặt 'Interactive logon: Machine inactivity limit' không quá 900 giây "
            "(InactivityTimeoutSecs), hoặc áp dụng trình bảo vệ màn hình có mật khẩu bằng Group "
            "Policy (User Configuration > Administrative Templates > Control Panel > "
            "Personalization).",
        ),
        category="host",
        severity=Severity.medium,
        platforms=("windows",),
        params_model=ScreenLockParams,
    )
)
@windows_check(needs_registry=True)
def screen_lock_timeout(ctx: CheckContext) -> Outcome:
    """The machine inactivity limit, or every signed-in user's screen saver, locks in time.

    The machine-wide limit covers everyone. Without it, screen savers are
    per-user, so the loaded hives (users signed in now) are checked.
    """
    max_seconds = ctx.params_as(ScreenLockParams).max_seconds
    limit = dword(registry(ctx).values(SYSTEM_POLICIES), SYSTEM_POLICIES, "InactivityTimeoutSecs")
    machine = Evidence(
        value_source(SYSTEM_POLICIES, "InactivityTimeoutSecs"),
        "not set (no machine inactivity limit)" if limit is None else f"{limit} s",
        f"1 to {max_seconds} s",
    )
    if limit is not None and 1 <= limit <= max_seconds:
        return passed(machine)
    users = [sid for sid in registry(ctx).subkeys("HKU") if USER_HIVE.fullmatch(sid)]
    results = [_user_screen_saver(ctx, sid, max_seconds) for sid in users]
    evidence = [machine, *(item for _locks, item in results)]
    if not users:
        return failed(*evidence, reason="no machine inactivity limit and no signed-in user")
    if all(locks for locks, _item in results):
        return passed(*evidence, reason="every signed-in user has a secure screen saver")
    return failed(*evidence, reason="no machine inactivity limit; a user's session does not lock")


EXPLORER_POLICIES = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer"
ALL_DRIVE_TYPES = 0xFF
NO_DRIVE_TYPE_AUTORUN_DEFAULT = 0x91  # unset: AutoRun off only for unknown and network drives
NO_AUTORUN_DEFAULT = 0  # unset: autorun.inf commands are honoured


@check(
    CheckMeta(
        id="windows.autorun.disabled",
        title=Text(
            "AutoRun is disabled for all drives", "Tính năng AutoRun bị tắt cho mọi loại ổ đĩa"
        ),
        rationale=Text(
            "AutoRun starts programs from USB sticks and discs as soon as they are inserted, "
            "a classic way for malware to spread between office computers.",
            "AutoRun tự chạy chương trình từ USB và đĩa ngay khi cắm vào, một con đường lây "
            "lan mã độc kinh điển giữa các máy tính trong cơ quan.",
        ),
        remediation=Text(
            "Enable the Group Policy 'Turn off AutoPlay' for All drives (NoDriveTypeAutoRun=255) "
            "and 'Set the default behavior for AutoRun' to 'Do not execute any autorun "
            "commands' (NoAutorun=1).",
            "Bật chính sách nhóm 'Turn off AutoPlay' cho All drives (NoDriveTypeAutoRun=255) và "
            "đặt 'Set the default behavior for AutoRun' thành 'Do not execute any autorun "
            "commands' (NoAutorun=1).",
        ),
        category="host",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def autorun_disabled(ctx: CheckContext) -> Outcome:
    """AutoRun is off for every drive type, or autorun commands are never executed."""
    values = registry(ctx).values(EXPLORER_POLICIES)
    drive_types = dword(values, EXPLORER_POLICIES, "NoDriveTypeAutoRun")
    no_autorun = dword(values, EXPLORER_POLICIES, "NoAutorun")
    effective = NO_DRIVE_TYPE_AUTORUN_DEFAULT if drive_types is None else drive_types
    all_off = effective & ALL_DRIVE_TYPES == ALL_DRIVE_TYPES
    never = (NO_AUTORUN_DEFAULT if no_autorun is None else no_autorun) == 1
    evidence = (
        Evidence(
            value_source(EXPLORER_POLICIES, "NoDriveTypeAutoRun"),
            shown(drive_types, NO_DRIVE_TYPE_AUTORUN_DEFAULT, f"0x{effective:02X}"),
            "255 (0xFF, all drives)",
        ),
        Evidence(
            value_source(EXPLORER_POLICIES, "NoAutorun"), shown(no_autorun, NO_AUTORUN_DEFAULT), "1"
        ),
    )
    if not (all_off or never):
        return failed(*evidence)
    return passed(*evidence)
