"""Windows hardening from the registry: credentials, name resolution, SMB, scripting, USB, logs.

Every decision comes from registry values (numbers, and program names that
vendors never translate), so a Vietnamese Windows gives the same verdicts.
Unset values take the Windows default, written next to each read. Value names
are matched case-insensitively, as Windows does (``restrictnullsessaccess`` is
the same value as ``RestrictNullSessAccess``).
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._windows import (
    START_DISABLED,
    WindowsDataError,
    dword,
    registry,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import CheckMeta, Evidence, Outcome, Severity, Text, failed, passed
from netwatch.posture.registry import check

CONTROL = "HKLM\\SYSTEM\\CurrentControlSet\\Control"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
POLICIES = "HKLM\\SOFTWARE\\Policies\\Microsoft"
LSA_KEY = f"{CONTROL}\\Lsa"
# Loaded hives of people (local, domain or Entra ID accounts), not services or *_Classes.
USER_HIVE = re.compile(r"S-1-5-21-\d+-\d+-\d+-\d+|S-1-12-1-\d+-\d+-\d+-\d+")


def _value(ctx: CheckContext, key: str, name: str) -> Any:
    """A value of ``key`` by case-insensitive name; None when not set."""
    values = registry(ctx).values(key)
    return next((data for found, data in values.items() if found.lower() == name.lower()), None)


def _dword(ctx: CheckContext, key: str, name: str) -> int | None:
    """A REG_DWORD by case-insensitive name, None when not set."""
    value = _value(ctx, key, name)
    return None if value is None else dword({name: value}, key, name)


def _signed_in_users(ctx: CheckContext) -> list[str]:
    """SIDs of the user hives loaded now (the people signed in)."""
    return [sid for sid in registry(ctx).subkeys("HKU") if USER_HIVE.fullmatch(sid)]


def _one_value_check(
    ctx: CheckContext, key: str, name: str, default: int, good: set[int], expected: str
) -> Outcome:
    """Pass when the value (or its Windows default) is one of ``good``."""
    value = _dword(ctx, key, name)
    effective = default if value is None else value
    evidence = Evidence(value_source(key, name), shown(value, default), expected)
    return passed(evidence) if effective in good else failed(evidence)


# --- credentials ------------------------------------------------------------------------

WDIGEST_KEY = f"{CONTROL}\\SecurityProviders\\WDigest"
WDIGEST_DEFAULT = 0  # UseLogonCredential unset: no clear-text password (8.1 / 2012 R2 onwards)


@check(
    CheckMeta(
        id="windows.credentials.wdigest",
        title=Text(
            "WDigest does not keep passwords in memory",
            "WDigest không lưu mật khẩu dạng rõ trong bộ nhớ",
        ),
        rationale=Text(
            "With UseLogonCredential=1, LSASS keeps every signed-in user's password in clear "
            "text; a single piece of malware with admin rights (Mimikatz) reads them and moves "
            "on to the file server and the domain.",
            "Khi UseLogonCredential=1, tiến trình LSASS giữ mật khẩu dạng rõ của mọi người dùng "
            "đã đăng nhập; chỉ cần một mã độc có quyền quản trị (Mimikatz) là đọc được và từ đó "
            "xâm nhập máy chủ tệp và cả miền.",
        ),
        remediation=Text(
            "Set HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest "
            "UseLogonCredential=0 (or delete it), by Group Policy preferences or the MS Security "
            "Guide template 'WDigest Authentication' = Disabled, then sign out and in again.",
            "Đặt HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest "
            "UseLogonCredential=0 (hoặc xóa giá trị này), qua Group Policy Preferences hoặc mẫu "
            "MS Security Guide 'WDigest Authentication' = Disabled, sau đó đăng xuất và đăng "
            "nhập lại.",
        ),
        category="accounts",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def wdigest(ctx: CheckContext) -> Outcome:
    """UseLogonCredential is 0 or unset."""
    return _one_value_check(
        ctx, WDIGEST_KEY, "UseLogonCredential", WDIGEST_DEFAULT, {0}, "0 or not set"
    )


RUN_AS_PPL_DEFAULT = 0  # RunAsPPL unset: LSASS is an ordinary process (Windows 10, upgrades)


@check(
    CheckMeta(
        id="windows.credentials.lsa_protection",
        title=Text(
            "LSA protection (RunAsPPL) is on", "Bảo vệ LSA (RunAsPPL) được bật cho tiến trình LSASS"
        ),
        rationale=Text(
            "Run as a protected process, LSASS refuses to let other programs, even those of "
            "administrators, read its memory, which is where password hashes and Kerberos "
            "tickets are stolen from.",
            "Khi chạy như tiến trình được bảo vệ, LSASS không cho chương trình khác, kể cả của "
            "quản trị viên, đọc bộ nhớ của nó, nơi kẻ tấn công đánh cắp mã băm mật khẩu và vé "
            "Kerberos.",
        ),
        remediation=Text(
            "Set HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa RunAsPPL=1 (with UEFI lock) or 2 "
            "(Windows 11 22H2 and later), or the Group Policy 'Configure LSASS to run as a "
            "protected process', test drivers and smart-card plug-ins, then restart.",
            "Đặt HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa RunAsPPL=1 (khóa bằng UEFI) hoặc 2 "
            "(Windows 11 22H2 trở lên), hoặc chính sách nhóm 'Configure LSASS to run as a "
            "protected process', kiểm tra trình điều khiển và phần mềm thẻ thông minh, sau đó "
            "khởi động lại máy.",
        ),
        category="accounts",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def lsa_protection(ctx: CheckContext) -> Outcome:
    """RunAsPPL is 1 or 2."""
    return _one_value_check(
        ctx, LSA_KEY, "RunAsPPL", RUN_AS_PPL_DEFAULT, {1, 2}, "1 or 2 (LSASS protected)"
    )


# Windows LAPS reads its policy from the CSP key (Intune) before the Group Policy key.
WINDOWS_LAPS_KEYS = (
    "HKLM\\SOFTWARE\\Microsoft\\Policies\\LAPS",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LAPS",
)
LEGACY_LAPS_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft Services\\AdmPwd"
BACKUP_DIRECTORIES = {0: "disabled", 1: "Microsoft Entra ID", 2: "Active Directory"}
BACKUP_DIRECTORY_DEFAULT = 0  # unset: Windows LAPS manages no password


@check(
    CheckMeta(
        id="windows.credentials.laps",
        title=Text(
            "The local administrator password is managed by LAPS",
            "Mật khẩu quản trị cục bộ được quản lý bằng LAPS",
        ),
        rationale=Text(
            "When every machine's local administrator shares one password, one infected "
            "workstation gives that password, and with it every other workstation and server "
            "of the office.",
            "Khi tài khoản quản trị cục bộ của mọi máy dùng chung một mật khẩu, chỉ một máy "
            "trạm bị nhiễm mã độc là lộ mật khẩu đó, và kéo theo toàn bộ máy trạm, máy chủ "
            "khác trong cơ quan.",
        ),
        remediation=Text(
            "Enable Windows LAPS ('Configure password backup directory' = Active Directory or "
            "Microsoft Entra ID, under Computer Configuration > Administrative Templates > "
            "System > LAPS), or legacy Microsoft LAPS (AdmPwdEnabled=1); a workgroup PC needs "
            "a unique, recorded password per machine.",
            "Bật Windows LAPS ('Configure password backup directory' = Active Directory hoặc "
            "Microsoft Entra ID, trong Computer Configuration > Administrative Templates > "
            "System > LAPS), hoặc Microsoft LAPS cũ (AdmPwdEnabled=1); máy không thuộc miền "
            "cần mật khẩu riêng cho từng máy và được lưu lại.",
        ),
        category="accounts",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def laps(ctx: CheckContext) -> Outcome:
    """Windows LAPS backs the password up to AD or Entra ID, or legacy LAPS is enabled."""
    for key in WINDOWS_LAPS_KEYS:
        directory = _dword(ctx, key, "BackupDirectory")
        if directory is not None:
            meaning = BACKUP_DIRECTORIES.get(directory, "unknown")
            item = Evidence(
                value_source(key, "BackupDirectory"), f"{directory} ({meaning})", "1 or 2"
            )
            return passed(item) if directory in (1, 2) else failed(item)
    windows_laps = Evidence(
        value_source(WINDOWS_LAPS_KEYS[-1], "BackupDirectory"),
        shown(None, BACKUP_DIRECTORY_DEFAULT, "Windows LAPS off"),
        "1 or 2",
    )
    legacy = _dword(ctx, LEGACY_LAPS_KEY, "AdmPwdEnabled")
    legacy_item = Evidence(
        value_source(LEGACY_LAPS_KEY, "AdmPwdEnabled"), shown(legacy, 0), "1 (legacy LAPS)"
    )
    if legacy == 1:
        return passed(legacy_item)
    return failed(windows_laps, legacy_item, reason="no LAPS policy manages the local password")


# --- name resolution and sharing --------------------------------------------------------

DNS_CLIENT_POLICY = f"{POLICIES}\\Windows NT\\DNSClient"
MULTICAST_DEFAULT = 1  # EnableMulticast unset: LLMNR answers and asks on the LAN


@check(
    CheckMeta(
        id="windows.network.llmnr",
        title=Text("LLMNR is turned off", "Giao thức LLMNR bị tắt"),
        rationale=Text(
            "When DNS has no answer, Windows asks the whole LAN by LLMNR; any machine can reply "
            "'that is me' and collect the user's NTLM password hash (Responder).",
            "Khi DNS không trả lời được, Windows hỏi cả mạng LAN bằng LLMNR; bất kỳ máy nào cũng "
            "có thể trả lời giả mạo và thu mã băm mật khẩu NTLM của người dùng (công cụ "
            "Responder).",
        ),
        remediation=Text(
            "Enable the Group Policy 'Turn off multicast name resolution' (Computer "
            "Configuration > Administrative Templates > Network > DNS Client), which sets "
            "EnableMulticast=0.",
            "Bật chính sách nhóm 'Turn off multicast name resolution' (Computer Configuration > "
            "Administrative Templates > Network > DNS Client), tương ứng EnableMulticast=0.",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def llmnr(ctx: CheckContext) -> Outcome:
    """EnableMulticast is 0 by policy."""
    return _one_value_check(
        ctx, DNS_CLIENT_POLICY, "EnableMulticast", MULTICAST_DEFAULT, {0}, "0 (LLMNR off)"
    )


NETBT_INTERFACES = f"{SERVICES}\\NetBT\\Parameters\\Interfaces"
NETBIOS_OPTIONS = {0: "DHCP decides, on by default", 1: "on", 2: "off"}
NETBIOS_OPTIONS_DEFAULT = 0
NETBIOS_OFF = 2


@check(
    CheckMeta(
        id="windows.network.netbios",
        title=Text(
            "NetBIOS over TCP/IP is off on every interface",
            "NetBIOS over TCP/IP bị tắt trên mọi card mạng",
        ),
        rationale=Text(
            "NetBIOS name queries are broadcast and answered by anyone, like LLMNR, so they "
            "leak NTLM hashes to a spoofing machine; NetBIOS also announces the computer and "
            "its users to the whole LAN.",
            "Truy vấn tên NetBIOS được phát quảng bá và ai cũng có thể trả lời, giống LLMNR, nên "
            "làm lộ mã băm NTLM cho máy giả mạo; NetBIOS còn quảng bá tên máy và người dùng cho "
            "cả mạng LAN.",
        ),
        remediation=Text(
            "Set 'Disable NetBIOS over TCP/IP' on each adapter (Advanced TCP/IP Settings > "
            "WINS), or NetbiosOptions=2 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\NetBT\\"
            "Parameters\\Interfaces\\Tcpip_*, or DHCP option 001 on the office DHCP server.",
            "Chọn 'Disable NetBIOS over TCP/IP' trên từng card mạng (Advanced TCP/IP Settings > "
            "WINS), hoặc đặt NetbiosOptions=2 trong HKLM\\SYSTEM\\CurrentControlSet\\Services\\"
            "NetBT\\Parameters\\Interfaces\\Tcpip_*, hoặc dùng tùy chọn DHCP 001 trên máy chủ "
            "DHCP của cơ quan.",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def netbios(ctx: CheckContext) -> Outcome:
    """The NetBT driver is disabled, or every interface has NetbiosOptions=2."""
    start, start_source = service_start(ctx, "NetBT")
    driver = Evidence(start_source, start_text(start), "not installed or Start=4 (disabled)")
    if start is None or start == START_DISABLED:
        return passed(driver)
    interfaces = [
        name for name in registry(ctx).subkeys(NETBT_INTERFACES) if name.startswith("Tcpip_")
    ]
    if not interfaces:
        raise WindowsDataError(
            "the NetBT driver is enabled but lists no interface: the answer is incomplete",
            driver,
            Evidence(NETBT_INTERFACES, "no Tcpip_* subkey", "one subkey per interface"),
        )
    evidence, on = [driver], []
    for name in interfaces:
        key = f"{NETBT_INTERFACES}\\{name}"
        value = _dword(ctx, key, "NetbiosOptions")
        effective = NETBIOS_OPTIONS_DEFAULT if value is None else value
        meaning = NETBIOS_OPTIONS.get(effective, "unknown")
        evidence.append(
            Evidence(
                value_source(key, "NetbiosOptions"),
                shown(value, NETBIOS_OPTIONS_DEFAULT, meaning),
                "2 (off)",
            )
        )
        if effective != NETBIOS_OFF:
            on.append(name)
    if on:
        return failed(*evidence, reason="NetBIOS not off on: " + ", ".join(on))
    return passed(*evidence)


NETWORK_CONNECTIONS_POLICY = f"{POLICIES}\\Windows\\Network Connections"
SHARED_ACCESS_UI_DEFAULT = 1  # NC_ShowSharedAccessUI unset: users may share the connection


@check(
    CheckMeta(
        id="windows.network.mobile_hotspot",
        title=Text(
            "Users cannot share the connection as a Wi-Fi hotspot",
            "Người dùng không thể chia sẻ kết nối thành điểm phát Wi-Fi",
        ),
        rationale=Text(
            "Mobile Hotspot and Internet Connection Sharing turn a workstation into an "
            "unmanaged Wi-Fi access point into the office network, bypassing its firewall "
            "and its rules on who may connect.",
            "Mobile Hotspot và Internet Connection Sharing biến máy trạm thành điểm truy cập "
            "Wi-Fi không được quản lý dẫn vào mạng cơ quan, vượt qua tường lửa và các quy định "
            "về thiết bị được phép kết nối.",
        ),
        remediation=Text(
            "Enable the Group Policy 'Prohibit use of Internet Connection Sharing on your DNS "
            "domain network' (Computer Configuration > Administrative Templates > Network > "
            "Network Connections), which sets NC_ShowSharedAccessUI=0.",
            "Bật chính sách nhóm 'Prohibit use of Internet Connection Sharing on your DNS domain "
            "network' (Computer Configuration > Administrative Templates > Network > Network "
            "Connections), tương ứng NC_ShowSharedAccessUI=0.",
        ),
        category="network",
        severity=Severity.low,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def mobile_hotspot(ctx: CheckContext) -> Outcome:
    """NC_ShowSharedAccessUI is 0 by policy."""
    return _one_value_check(
        ctx,
        NETWORK_CONNECTIONS_POLICY,
        "NC_ShowSharedAccessUI",
        SHARED_ACCESS_UI_DEFAULT,
        {0},
        "0 (sharing prohibited)",
    )


# --- SMB guest and anonymous access ----------------------------------------------------

SERVER_PARAMETERS = f"{SERVICES}\\LanmanServer\\Parameters"
# (key, value, Windows default, required value)
ANONYMOUS_SETTINGS = (
    (LSA_KEY, "RestrictAnonymous", 0, 1),
    (LSA_KEY, "RestrictAnonymousSAM", 1, 1),
    (LSA_KEY, "EveryoneIncludesAnonymous", 0, 0),
    (SERVER_PARAMETERS, "RestrictNullSessAccess", 1, 1),
)


@check(
    CheckMeta(
        id="windows.smb.anonymous_access",
        title=Text(
            "Anonymous (null session) access is restricted",
            "Truy cập ẩn danh (null session) bị hạn chế",
        ),
        rationale=Text(
            "Anonymous SMB sessions let anyone on the LAN list accounts, groups and shares "
            "without a password, the first step of password guessing and of finding files "
            "to steal.",
            "Phiên SMB ẩn danh cho phép bất kỳ ai trong mạng LAN liệt kê tài khoản, nhóm và thư "
            "mục chia sẻ mà không cần mật khẩu, bước đầu tiên để dò mật khẩu và tìm dữ liệu "
            "để đánh cắp.",
        ),
        remediation=Text(
            "Enable the security options 'Network access: Do not allow anonymous enumeration "
            "of SAM accounts and shares' (RestrictAnonymous=1), '... of SAM accounts' "
            "(RestrictAnonymousSAM=1), 'Restrict anonymous access to Named Pipes and Shares' "
            "(RestrictNullSessAccess=1) and disable 'Let Everyone permissions apply to anonymous "
            "users' (EveryoneIncludesAnonymous=0).",
            "Bật các tùy chọn bảo mật 'Network access: Do not allow anonymous enumeration of SAM "
            "accounts and shares' (RestrictAnonymous=1), '... of SAM accounts' "
            "(RestrictAnonymousSAM=1), 'Restrict anonymous access to Named Pipes and Shares' "
            "(RestrictNullSessAccess=1) và tắt 'Let Everyone permissions apply to anonymous "
            "users' (EveryoneIncludesAnonymous=0).",
        ),
        category="network",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def smb_anonymous_access(ctx: CheckContext) -> Outcome:
    """Each anonymous-access setting (or its default) has the restrictive value."""
    evidence, open_ = [], []
    for key, name, default, required in ANONYMOUS_SETTINGS:
        value = _dword(ctx, key, name)
        effective = default if value is None else value
        evidence.append(Evidence(value_source(key, name), shown(value, default), str(required)))
        if effective != required:
            open_.append(f"{name}={effective}")
    if open_:
        return failed(*evidence, reason="anonymous access allowed: " + ", ".join(open_))
    return passed(*evidence)


CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
WORKSTATION_PARAMETERS = f"{SERVICES}\\LanmanWorkstation\\Parameters"
WORKSTATION_POLICY = f"{POLICIES}\\Windows\\LanmanWorkstation"
# Insecure guest logons are refused by default on Enterprise, Education and Server
# editions (Windows 10 1709 onwards) and on every edition from Windows 11 24H2 (26100).
SECURE_EDITIONS = ("Enterprise", "Education", "Server")
GUEST_OFF_BUILD = 26100


def _guest_default(ctx: CheckContext) -> tuple[int, Evidence]:
    """The edition's default AllowInsecureGuestAuth and the evidence naming the edition."""
    edition = str(_value(ctx, CURRENT_VERSION, "EditionID") or "")
    build_text = str(_value(ctx, CURRENT_VERSION, "CurrentBuildNumber") or "")
    build = int(build_text) if build_text.isdigit() else 0
    secure = edition.startswith(SECURE_EDITIONS) or build >= GUEST_OFF_BUILD
    return (0 if secure else 1), Evidence(
        value_source(CURRENT_VERSION, "EditionID"),
        f"{edition or 'not set'}, build {build_text or '?'} "
        f"(default {'refuses' if secure else 'allows'} guest logons)",
        "an edition or build whose default refuses guest logons, or the value set to 0",
    )


@check(
    CheckMeta(
        id="windows.smb.insecure_guest",
        title=Text(
            "The SMB client refuses insecure guest logons",
            "Máy khách SMB từ chối đăng nhập khách (guest) không an toàn",
        ),
        rationale=Text(
            "A client that accepts guest logons connects without signing or a password to any "
            "server that offers them, so a rogue server on the LAN can hand out malware as a "
            "familiar share.",
            "Máy khách chấp nhận đăng nhập khách sẽ kết nối không ký số, không mật khẩu tới bất "
            "kỳ máy chủ nào cho phép, nên một máy chủ giả mạo trong LAN có thể phát tán mã độc "
            "dưới dạng thư mục chia sẻ quen thuộc.",
        ),
        remediation=Text(
            "Set the Group Policy 'Enable insecure guest logons' (Computer Configuration > "
            "Administrative Templates > Network > Lanman Workstation) to Disabled "
            "(AllowInsecureGuestAuth=0), and give NAS shares real accounts.",
            "Đặt chính sách nhóm 'Enable insecure guest logons' (Computer Configuration > "
            "Administrative Templates > Network > Lanman Workstation) thành Disabled "
            "(AllowInsecureGuestAuth=0), và cấp tài khoản thật cho thư mục chia sẻ trên NAS.",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def smb_insecure_guest(ctx: CheckContext) -> Outcome:
    """AllowInsecureGuestAuth is 0: Group Policy, else the local value, else the edition default."""
    policy = _dword(ctx, WORKSTATION_POLICY, "AllowInsecureGuestAuth")
    if policy is not None:
        item = Evidence(
            value_source(WORKSTATION_POLICY, "AllowInsecureGuestAuth"),
            f"{policy}, Group Policy",
            "0 (guest logons refused)",
        )
        return passed(item) if policy == 0 else failed(item)
    default, edition = _guest_default(ctx)
    local = _dword(ctx, WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth")
    effective = default if local is None else local
    item = Evidence(
        value_source(WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth"),
        f"{shown(local, default)}, not set by Group Policy",
        "0 (guest logons refused)",
    )
    return passed(item, edition) if effective == 0 else failed(item, edition)


# --- scripting --------------------------------------------------------------------------

# Present (PowerShellVersion 2.0) while the optional feature MicrosoftWindowsPowerShellV2
# is installed; removing the feature removes the key. Windows 11 24H2 no longer has it.
POWERSHELL_V2_KEY = "HKLM\\SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine"


@check(
    CheckMeta(
        id="windows.scripting.powershell_v2",
        title=Text("The PowerShell 2.0 engine is removed", "Bộ máy PowerShell 2.0 đã được gỡ bỏ"),
        rationale=Text(
            "PowerShell 2.0 has no script block logging, no AMSI scanning and no constrained "
            "language mode; attackers start 'powershell -version 2' to run their scripts "
            "unseen by the antivirus and the logs.",
            "PowerShell 2.0 không ghi nhật ký khối lệnh, không quét AMSI và không có chế độ ngôn "
            "ngữ hạn chế; kẻ tấn công gọi 'powershell -version 2' để chạy mã mà phần mềm diệt "
            "virus và nhật ký không thấy.",
        ),
        remediation=Text(
            "Remove the feature: Disable-WindowsOptionalFeature -Online -FeatureName "
            "MicrosoftWindowsPowerShellV2Root (on Windows Server: Uninstall-WindowsFeature "
            "PowerShell-V2).",
            "Gỡ tính năng: Disable-WindowsOptionalFeature -Online -FeatureName "
            "MicrosoftWindowsPowerShellV2Root (trên Windows Server: Uninstall-WindowsFeature "
            "PowerShell-V2).",
        ),
        category="host",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def powershell_v2(ctx: CheckContext) -> Outcome:
    """The PowerShell 1/2 engine key names no engine version."""
    version = _value(ctx, POWERSHELL_V2_KEY, "PowerShellVersion")
    item = Evidence(
        value_source(POWERSHELL_V2_KEY, "PowerShellVersion"),
        "not set (engine not installed)" if version is None else f"{version} (engine installed)",
        "not set",
    )
    return passed(item) if version is None else failed(item)


WSH_KEYS = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows Script Host\\Settings",  # 32-bit hosts
)
WSH_USER_KEY = "Software\\Microsoft\\Windows Script Host\\Settings"
WSH_ENABLED_DEFAULT = 1  # Enabled unset: wscript and cscript run .vbs and .js files


@check(
    CheckMeta(
        id="windows.scripting.wsh",
        title=Text(
            "Windows Script Host is disabled",
            "Windows Script Host (chạy tệp .vbs, .js) bị vô hiệu hóa",
        ),
        rationale=Text(
            "E-mailed .vbs and .js attachments, opened with a double click, are run by "
            "Windows Script Host: a common way in for ransomware and banking trojans aimed at "
            "offices. Few office users need it.",
            "Tệp đính kèm .vbs và .js gửi qua thư, khi nhấp đúp sẽ được Windows Script Host "
            "thực thi: con đường xâm nhập phổ biến của mã độc tống tiền và trojan ngân hàng "
            "nhắm vào cơ quan. Rất ít người dùng văn phòng cần đến nó.",
        ),
        remediation=Text(
            "Set Enabled=0 under HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings and "
            "its WOW6432Node counterpart, and IgnoreUserSettings=1 (or remove users' own "
            "Enabled=1), after checking that no logon script uses .vbs or .js.",
            "Đặt Enabled=0 trong HKLM\\SOFTWARE\\Microsoft\\Windows Script Host\\Settings và khóa "
            "tương ứng dưới WOW6432Node, cùng IgnoreUserSettings=1 (hoặc xóa giá trị Enabled=1 "
            "của người dùng), sau khi kiểm tra không có kịch bản đăng nhập nào dùng .vbs, .js.",
        ),
        category="host",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def wsh(ctx: CheckContext) -> Outcome:
    """Both registry views disable WSH and no signed-in user enables it again.

    A user's own Enabled value wins over the machine's unless IgnoreUserSettings=1.
    """
    evidence, enabled = [], []
    for key in WSH_KEYS:
        value = _dword(ctx, key, "Enabled")
        evidence.append(
            Evidence(value_source(key, "Enabled"), shown(value, WSH_ENABLED_DEFAULT), "0")
        )
        if (WSH_ENABLED_DEFAULT if value is None else value) != 0:
            enabled.append(key)
    ignore_users = _dword(ctx, WSH_KEYS[0], "IgnoreUserSettings") == 1
    if not ignore_users:
        for sid in _signed_in_users(ctx):
            key = f"HKU\\{sid}\\{WSH_USER_KEY}"
            value = _dword(ctx, key, "Enabled")
            if value is not None:
                evidence.append(Evidence(value_source(key, "Enabled"), str(value), "0 or not set"))
                if value != 0:
                    enabled.append(key)
    if enabled:
        return failed(*evidence, reason="Windows Script Host enabled by " + ", ".join(enabled))
    return passed(*evidence)


# --- removable storage ------------------------------------------------------------------

REMOVABLE_POLICY = f"{POLICIES}\\Windows\\RemovableStorageDevices"
REMOVABLE_DISKS = f"{REMOVABLE_POLICY}\\{{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}}"
USBSTOR_DEFAULT_START = 3  # loaded on demand when a USB disk is plugged in


@check(
    CheckMeta(
        id="windows.storage.usb_mass_storage",
        title=Text("USB mass storage is blocked", "Thiết bị lưu trữ USB bị chặn"),
        rationale=Text(
            "USB sticks carry malware between offices and home, and carry documents out; the "
            "regulations on classified documents forbid copying them to removable media.",
            "USB mang mã độc từ nhà và từ cơ quan khác vào, và mang tài liệu ra ngoài; quy định "
            "bảo vệ bí mật nhà nước cấm sao chép tài liệu mật ra thiết bị lưu trữ di động.",
        ),
        remediation=Text(
            "Enable the Group Policy 'All Removable Storage classes: Deny all access' "
            "(Computer Configuration > Administrative Templates > System > Removable Storage "
            "Access), or set the USBSTOR service Start=4; exempt approved encrypted drives "
            "with device installation restrictions.",
            "Bật chính sách nhóm 'All Removable Storage classes: Deny all access' (Computer "
            "Configuration > Administrative Templates > System > Removable Storage Access), "
            "hoặc đặt dịch vụ USBSTOR Start=4; ngoại lệ cho USB mã hóa được phê duyệt bằng "
            "chính sách hạn chế cài đặt thiết bị.",
        ),
        category="data",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def usb_mass_storage(ctx: CheckContext) -> Outcome:
    """USBSTOR is disabled, all removable storage is denied, or removable disks are denied."""
    start, start_source = service_start(ctx, "USBSTOR")
    deny_all = _dword(ctx, REMOVABLE_POLICY, "Deny_All")
    deny_read = _dword(ctx, REMOVABLE_DISKS, "Deny_Read")
    deny_write = _dword(ctx, REMOVABLE_DISKS, "Deny_Write")
    evidence = (
        Evidence(start_source, start_text(start), "Start=4 (disabled)"),
        Evidence(value_source(REMOVABLE_POLICY, "Deny_All"), shown(deny_all, 0), "1"),
        Evidence(
            value_source(REMOVABLE_DISKS, "Deny_Read"),
            f"Deny_Read={shown(deny_read, 0)}, Deny_Write={shown(deny_write, 0)}",
            "both 1",
        ),
    )
    blocked = (
        start in (None, START_DISABLED) or deny_all == 1 or (deny_read == 1 and deny_write == 1)
    )
    if blocked:
        return passed(*evidence)
    return failed(*evidence, reason="USB disks can be read and written")


# --- event logs -------------------------------------------------------------------------

EVENTLOG_SERVICE = f"{SERVICES}\\EventLog"
EVENTLOG_POLICY = f"{POLICIES}\\Windows\\EventLog"
DEFAULT_LOG_KB = 20480  # MaxSize unset: 20 MB for Application, Security and System


class EventLogParams(StrictModel):
    """Minimum sizes of the classic event logs, in KB."""

    application_kb: int = Field(32768, ge=1, description="Minimum Application log size (KB).")
    security_kb: int = Field(196608, ge=1, description="Minimum Security log size (KB).")
    system_kb: int = Field(32768, ge=1, description="Minimum System log size (KB).")


@check(
    CheckMeta(
        id="windows.eventlog.sizes",
        title=Text(
            "Event logs are large enough to keep weeks of events",
            "Nhật ký sự kiện đủ lớn để lưu sự kiện trong nhiều tuần",
        ),
        rationale=Text(
            "At the default 20 MB, the Security log of a busy workstation overwrites itself in "
            "days; when an incident is found, the logons and changes that explain it are gone.",
            "Với kích thước mặc định 20 MB, nhật ký Security của một máy trạm bận rộn tự ghi đè "
            "sau vài ngày; khi phát hiện sự cố, các sự kiện đăng nhập và thay đổi giúp điều tra "
            "đã mất.",
        ),
        remediation=Text(
            "Set 'Specify the maximum log file size (KB)' for Application, Security and System "
            "(Computer Configuration > Administrative Templates > Windows Components > Event "
            "Log Service) to at least 32768, 196608 and 32768, and forward logs to a central "
            "server.",
            "Đặt 'Specify the maximum log file size (KB)' cho Application, Security và System "
            "(Computer Configuration > Administrative Templates > Windows Components > Event Log "
            "Service) tối thiểu 32768, 196608 và 32768, và chuyển nhật ký về máy chủ tập trung.",
        ),
        category="logging",
        severity=Severity.low,
        platforms=("windows",),
        params_model=EventLogParams,
    )
)
@windows_check(needs_registry=True)
def eventlog_sizes(ctx: CheckContext) -> Outcome:
    """Each log's maximum size (Group Policy in KB, else the service's value in bytes)."""
    params = ctx.params_as(EventLogParams)
    minimums = {
        "Application": params.application_kb,
        "Security": params.security_kb,
        "System": params.system_kb,
    }
    evidence, small = [], []
    for log, minimum in minimums.items():
        policy_key, local_key = f"{EVENTLOG_POLICY}\\{log}", f"{EVENTLOG_SERVICE}\\{log}"
        policy = _dword(ctx, policy_key, "MaxSize")
        if policy is not None:
            size_kb, source, observed = policy, policy_key, f"{policy} KB, Group Policy"
        else:
            local = _dword(ctx, local_key, "MaxSize")
            size_kb = DEFAULT_LOG_KB if local is None else local // 1024
            source = local_key
            observed = (
                f"not set (Windows default {DEFAULT_LOG_KB} KB)"
                if local is None
                else f"{local} bytes ({size_kb} KB)"
            )
        evidence.append(
            Evidence(value_source(source, "MaxSize"), observed, f"at least {minimum} KB")
        )
        if size_kb < minimum:
            small.append(f"{log} {size_kb} KB < {minimum} KB")
    if small:
        return failed(*evidence, reason="; ".join(small))
    return passed(*evidence)


# --- remote-control tools ---------------------------------------------------------------

UNINSTALL = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
MACHINE_UNINSTALL = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",  # 32-bit
)
# Product names as their installers register them; brand names are never translated.
DEFAULT_REMOTE_TOOLS = [
    "UltraViewer*",
    "TeamViewer*",
    "AnyDesk*",
    "TightVNC*",
    "UltraVNC*",
    "RealVNC*",
    "VNC Server*",
    "RustDesk*",
    "Chrome Remote Desktop*",
    "Splashtop*",
    "Supremo*",
    "Ammyy*",
    "RemotePC*",
    "LogMeIn*",
    "ScreenConnect*",
    "Radmin*",
    "NoMachine*",
    "DWAgent*",
    "Zoho Assist*",
    "Atera*",
]


class RemoteToolsParams(StrictModel):
    """Which programs count as remote-control tools, and which of them are approved."""

    tools: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REMOTE_TOOLS),
        description="DisplayName patterns of remote-control tools in the uninstall keys "
        "('*' wildcards, case-insensitive).",
    )
    allowed: list[str] = Field(
        default_factory=list,
        description="DisplayName patterns of approved tools (e.g. the IT team's "
        "'TeamViewer Host*'); empty: none is approved.",
    )


def _matches(name: str, patterns: list[str]) -> bool:
    folded = unicodedata.normalize("NFC", name).strip().casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.strip().casefold()) for pattern in patterns)


def _installed(ctx: CheckContext) -> list[tuple[str, str]]:
    """(uninstall key, DisplayName) of every program for the machine and signed-in users."""
    roots = [*MACHINE_UNINSTALL, *(f"HKU\\{sid}\\{UNINSTALL}" for sid in _signed_in_users(ctx))]
    programs = []
    for root in roots:
        for name in registry(ctx).subkeys(root):
            key = f"{root}\\{name}"
            display = _value(ctx, key, "DisplayName")
            if isinstance(display, str) and display.strip():
                programs.append((key, display.strip()))
    return programs


@check(
    CheckMeta(
        id="windows.remote_control.tools",
        title=Text(
            "No unapproved remote-control tool is installed",
            "Không cài công cụ điều khiển từ xa chưa được phê duyệt",
        ),
        rationale=Text(
            "UltraViewer, TeamViewer, AnyDesk and VNC give whoever holds the ID and password "
            "full control of the machine from the Internet, past the firewall; scammers "
            "posing as IT staff or officials and ransomware gangs use them to get in.",
            "UltraViewer, TeamViewer, AnyDesk và VNC cho phép bất kỳ ai có ID và mật khẩu điều "
            "khiển toàn bộ máy từ Internet, vượt qua tường lửa; kẻ lừa đảo giả danh cán bộ kỹ "
            "thuật, cơ quan chức năng và các nhóm mã độc tống tiền dùng chúng để xâm nhập.",
        ),
        remediation=Text(
            "Uninstall the tools that are not needed; keep one approved tool managed by the IT "
            "team (with unattended access off or protected) and list it in the policy "
            "(checks.windows.remote_control.tools.params.allowed).",
            "Gỡ các công cụ không cần thiết; chỉ giữ một công cụ được phê duyệt do bộ phận "
            "CNTT quản lý (tắt hoặc bảo vệ truy cập không giám sát) và khai báo trong chính "
            "sách (checks.windows.remote_control.tools.params.allowed).",
        ),
        category="application",
        severity=Severity.high,
        platforms=("windows",),
        params_model=RemoteToolsParams,
    )
)
@windows_check(needs_registry=True)
def remote_control_tools(ctx: CheckContext) -> Outcome:
    """No installed program's DisplayName matches a tool pattern unless it is allowed."""
    params = ctx.params_as(RemoteToolsParams)
    expected = "not installed, or allowed by the policy"
    evidence, unapproved = [], []
    for key, display in _installed(ctx):
        if not _matches(display, params.tools):
            continue
        allowed = _matches(display, params.allowed)
        evidence.append(
            Evidence(
                value_source(key, "DisplayName"),
                f"{display} ({'allowed' if allowed else 'not allowed'})",
                expected,
            )
        )
        if not allowed:
            unapproved.append(display)
    if unapproved:
        return failed(*evidence, reason="not approved: " + ", ".join(unapproved))
    if not evidence:
        evidence.append(Evidence(MACHINE_UNINSTALL[0], "no remote-control tool listed", expected))
    return passed(*evidence)
