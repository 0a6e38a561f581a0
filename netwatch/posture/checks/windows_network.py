"""Windows network exposure: firewall profiles, SMB, Remote Desktop and risky services.

Every decision comes from registry values, numeric enums or PowerShell JSON,
never from localised text, so a Vietnamese Windows gives the same verdicts.
Unset registry values take the Windows default, written next to each read.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from netwatch.core.settings import StrictModel
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    START_DISABLED,
    WindowsDataError,
    as_list,
    command_source,
    dword,
    registry,
    run_powershell,
    service_start,
    shown,
    start_text,
    to_enum,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import CheckMeta, Evidence, Outcome, Severity, Text, failed, passed
from netwatch.posture.registry import check

# --- firewall ---------------------------------------------------------------------------

# ActiveStore is the effective policy: local settings merged with Group Policy.
FIREWALL_QUERY = powershell_query(
    "firewall_profiles",
    "Get-NetFirewallProfile -PolicyStore ActiveStore | "
    "Select-Object Name,Enabled,DefaultInboundAction",
    "Get-NetFirewallProfile",
)
# NetSecurity enums as ConvertTo-Json writes them.
GPO_BOOLEAN = {"False": 0, "True": 1, "NotConfigured": 2}
FIREWALL_ACTION = {"NotConfigured": 0, "Allow": 2, "AllowBypass": 3, "Block": 4}
FIREWALL_PROFILES = 3  # Domain, Private, Public
ON, NOT_CONFIGURED, BLOCK, ACTION_NOT_CONFIGURED = 1, 2, 4, 0


def _profile_state(profile: dict[str, Any]) -> tuple[str, bool, bool, str]:
    """Name, enabled, blocks inbound by default, and the evidence text of one profile.

    NotConfigured falls back to the Windows defaults: firewall on, inbound blocked.
    """
    name = str(profile.get("Name") or "?")
    enabled = to_enum(profile.get("Enabled"), GPO_BOOLEAN, f"{name} Enabled")
    inbound = to_enum(
        profile.get("DefaultInboundAction"), FIREWALL_ACTION, f"{name} DefaultInboundAction"
    )
    is_on = enabled in (ON, NOT_CONFIGURED)
    blocks = inbound in (BLOCK, ACTION_NOT_CONFIGURED)
    on_text = "not configured: on" if enabled == NOT_CONFIGURED else ("on" if is_on else "off")
    block_text = (
        "not configured: block"
        if inbound == ACTION_NOT_CONFIGURED
        else ("block" if blocks else "allow")
    )
    observed = f"Enabled={enabled} ({on_text}), DefaultInboundAction={inbound} ({block_text})"
    return name, is_on, blocks, observed


@check(
    CheckMeta(
        id="windows.firewall.all_profiles",
        title=Text(
            "Windows Firewall is on and blocks inbound traffic in every profile",
            "Tường lửa Windows được bật và chặn kết nối đến ở mọi hồ sơ mạng",
        ),
        rationale=Text(
            "Windows picks the Domain, Private or Public profile per network; a profile that "
            "is off or allows inbound connections by default exposes every listening service "
            "as soon as the machine joins that kind of network.",
            "Windows chọn hồ sơ Miền, Riêng tư hoặc Công cộng theo từng mạng; một hồ sơ bị tắt "
            "hoặc mặc định cho phép kết nối đến sẽ làm lộ mọi dịch vụ đang lắng nghe ngay khi "
            "máy tham gia loại mạng đó.",
        ),
        remediation=Text(
            "Turn the firewall on with inbound Block for all three profiles: "
            "Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled True "
            "-DefaultInboundAction Block (or the Group Policy 'Windows Defender Firewall with "
            "Advanced Security' properties), then allow only the needed inbound rules.",
            "Bật tường lửa và chặn kết nối đến cho cả ba hồ sơ: "
            "Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled True "
            "-DefaultInboundAction Block (hoặc cấu hình trong Group Policy 'Windows Defender "
            "Firewall with Advanced Security'), sau đó chỉ mở các quy tắc đến thật sự cần thiết.",
        ),
        category="network",
        severity=Severity.high,
        platforms=("windows",),
        timeout=POWERSHELL_CHECK_TIMEOUT,
    )
)
@windows_check()
def firewall_all_profiles(ctx: CheckContext) -> Outcome:
    """Every firewall profile is enabled and blocks unsolicited inbound traffic."""
    profiles = as_list(run_powershell(ctx, FIREWALL_QUERY))
    source = command_source(FIREWALL_QUERY.script)
    expected = "Enabled=1 (on), DefaultInboundAction=4 (block)"
    if not profiles:
        raise WindowsDataError(
            "Get-NetFirewallProfile listed no profiles: the answer is incomplete",
            Evidence(source, "no profiles", "3 profiles"),
        )
    if len(profiles) != FIREWALL_PROFILES:
        return failed(
            Evidence(source, f"{len(profiles)} firewall profiles reported", "3 profiles"),
            reason="Get-NetFirewallProfile did not report the three profiles",
        )
    evidence, weak = [], []
    for profile in profiles:
        name, is_on, blocks, observed = _profile_state(profile)
        evidence.append(Evidence(f"{source} [{name}]", observed, expected))
        if not (is_on and blocks):
            weak.append(name)
    if weak:
        return failed(*evidence, reason="profiles off or allowing inbound: " + ", ".join(weak))
    return passed(*evidence)


# --- SMB --------------------------------------------------------------------------------

SERVER_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"
WORKSTATION_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters"
# SMB1 unset: the server offers SMBv1 whenever its SMB 1 driver (srv) is installed.
SMB1_DEFAULT = 1
# RequireSecuritySignature unset: 0 (not required) up to Windows 11 23H2 / Server 2022.
SIGNING_DEFAULT = 0


@check(
    CheckMeta(
        id="windows.smb.v1_disabled",
        title=Text(
            "SMBv1 is disabled (server and client)", "SMBv1 đã bị tắt (cả máy chủ và máy khách)"
        ),
        rationale=Text(
            "SMB version 1 has no protection against tampering and was the way in for "
            "WannaCry and NotPetya; nothing in a current office needs it.",
            "SMB phiên bản 1 không có cơ chế chống sửa đổi dữ liệu và là đường lây lan của "
            "WannaCry và NotPetya; không có ứng dụng văn phòng hiện đại nào cần đến nó.",
        ),
        remediation=Text(
            "Remove the feature: Disable-WindowsOptionalFeature -Online -FeatureName "
            "SMB1Protocol (or set HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\"
            "Parameters SMB1=0 and the mrxsmb10 service Start=4), then restart.",
            "Gỡ tính năng: Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol "
            "(hoặc đặt HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters "
            "SMB1=0 và dịch vụ mrxsmb10 Start=4), sau đó khởi động lại máy.",
        ),
        category="network",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def smb_v1_disabled(ctx: CheckContext) -> Outcome:
    """The SMB server does not offer SMBv1 and the SMBv1 client driver cannot load."""
    smb1 = dword(registry(ctx).values(SERVER_PARAMETERS), SERVER_PARAMETERS, "SMB1")
    srv_start, srv_source = service_start(ctx, "srv")  # the SMB 1.x server driver
    client_start, client_source = service_start(ctx, "mrxsmb10")  # the SMB 1.x client driver
    driver_off = srv_start in (None, START_DISABLED)
    server_off = smb1 == 0 or driver_off
    client_off = client_start in (None, START_DISABLED)
    evidence = (
        Evidence(
            value_source(SERVER_PARAMETERS, "SMB1"),
            shown(smb1, SMB1_DEFAULT),
            "0, or the SMB 1 server driver absent",
        ),
        Evidence(srv_source, start_text(srv_start), "not installed or Start=4 (disabled)"),
        Evidence(client_source, start_text(client_start), "not installed or Start=4 (disabled)"),
    )
    problems = [text for off, text in ((server_off, "server"), (client_off, "client")) if not off]
    if problems:
        return failed(*evidence, reason="SMBv1 enabled on the " + " and ".join(problems))
    return passed(*evidence)


@check(
    CheckMeta(
        id="windows.smb.signing_required",
        title=Text(
            "SMB signing is required (server and client)",
            "Bắt buộc ký số SMB (cả máy chủ và máy khách)",
        ),
        rationale=Text(
            "Without required signing, an attacker on the LAN can relay or alter SMB sessions "
            "(NTLM relay) and take over file shares or the machine itself.",
            "Nếu không bắt buộc ký số, kẻ tấn công trong mạng LAN có thể chuyển tiếp hoặc sửa "
            "phiên SMB (tấn công NTLM relay) và chiếm quyền thư mục chia sẻ hoặc cả máy tính.",
        ),
        remediation=Text(
            "Enable the security options 'Microsoft network server: Digitally sign "
            "communications (always)' and 'Microsoft network client: Digitally sign "
            "communications (always)' (RequireSecuritySignature=1 under LanmanServer and "
            "LanmanWorkstation Parameters).",
            "Bật hai tùy chọn bảo mật 'Microsoft network server: Digitally sign communications "
            "(always)' và 'Microsoft network client: Digitally sign communications (always)' "
            "(RequireSecuritySignature=1 trong Parameters của LanmanServer và LanmanWorkstation).",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def smb_signing_required(ctx: CheckContext) -> Outcome:
    """Both the SMB server and the SMB client require signed sessions."""
    evidence, missing = [], []
    for role, key in (("server", SERVER_PARAMETERS), ("client", WORKSTATION_PARAMETERS)):
        value = dword(registry(ctx).values(key), key, "RequireSecuritySignature")
        evidence.append(
            Evidence(
                value_source(key, "RequireSecuritySignature"), shown(value, SIGNING_DEFAULT), "1"
            )
        )
        if (SIGNING_DEFAULT if value is None else value) != 1:
            missing.append(role)
    if missing:
        return failed(*evidence, reason="signing not required on the " + " and ".join(missing))
    return passed(*evidence)


# --- Remote Desktop ---------------------------------------------------------------------

TS_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server"
RDP_TCP_KEY = TS_KEY + "\\WinStations\\RDP-Tcp"
TS_POLICY_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"
DENY_DEFAULT = 1  # fDenyTSConnections unset: Remote Desktop connections refused
NLA_DEFAULT = 1  # UserAuthentication unset: NLA enforced (Windows 8 / Server 2012 onwards)


def _effective(
    ctx: CheckContext, name: str, local_key: str, default: int, meaning: dict[int, str]
) -> tuple[int, str, str]:
    """A Remote Desktop setting, its source and evidence text; Group Policy wins over local."""
    policy = dword(registry(ctx).values(TS_POLICY_KEY), TS_POLICY_KEY, name)
    if policy is not None:
        return (
            policy,
            value_source(TS_POLICY_KEY, name),
            f"{policy} ({meaning[policy == 1]}), Group Policy",
        )
    local = dword(registry(ctx).values(local_key), local_key, name)
    value = default if local is None else local
    observed = f"{shown(local, default, meaning[value == 1])}, not set by Group Policy"
    return value, value_source(local_key, name), observed


@check(
    CheckMeta(
        id="windows.rdp.nla",
        title=Text(
            "Remote Desktop is off or requires Network Level Authentication",
            "Remote Desktop bị tắt hoặc bắt buộc xác thực cấp mạng (NLA)",
        ),
        rationale=Text(
            "Without NLA, anyone who reaches port 3389 gets a logon screen and a full session "
            "set-up before proving who they are, which exposes the machine to password guessing "
            "and pre-authentication flaws such as BlueKeep.",
            "Khi không có NLA, bất kỳ ai kết nối được tới cổng 3389 đều nhận màn hình đăng nhập "
            "và một phiên làm việc trước khi chứng minh danh tính, khiến máy dễ bị dò mật khẩu "
            "và bị khai thác lỗ hổng trước xác thực như BlueKeep.",
        ),
        remediation=Text(
            "Turn Remote Desktop off if it is not used; otherwise enable the Group Policy "
            "'Require user authentication for remote connections by using Network Level "
            "Authentication' (UserAuthentication=1).",
            "Tắt Remote Desktop nếu không dùng; nếu cần dùng, bật chính sách nhóm 'Require user "
            "authentication for remote connections by using Network Level Authentication' "
            "(UserAuthentication=1).",
        ),
        category="network",
        severity=Severity.high,
        platforms=("windows",),
    )
)
@windows_check(needs_registry=True)
def rdp_nla(ctx: CheckContext) -> Outcome:
    """Remote Desktop refuses connections, or demands NLA before a session starts."""
    deny, deny_source, deny_text = _effective(
        ctx, "fDenyTSConnections", TS_KEY, DENY_DEFAULT, {True: "RDP off", False: "RDP on"}
    )
    expected = "1 (RDP off), or NLA required"
    if deny == 1:
        return passed(Evidence(deny_source, deny_text, expected))
    nla, nla_source, nla_text = _effective(
        ctx,
        "UserAuthentication",
        RDP_TCP_KEY,
        NLA_DEFAULT,
        {True: "NLA required", False: "NLA not required"},
    )
    evidence = (
        Evidence(deny_source, deny_text, expected),
        Evidence(nla_source, nla_text, "1 (NLA required)"),
    )
    if nla != 1:
        return failed(*evidence, reason="Remote Desktop is on without Network Level Authentication")
    return passed(*evidence)


# --- risky services ---------------------------------------------------------------------

DEFAULT_RISKY_SERVICES = ["RemoteRegistry", "TlntSvr", "FTPSVC", "SNMP", "simptcp"]


class RiskyServicesParams(StrictModel):
    """Services that must be disabled or absent."""

    services: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RISKY_SERVICES),
        description="Service key names (not display names) under "
        "HKLM\\SYSTEM\\CurrentControlSet\\Services that must be disabled or not installed: "
        "RemoteRegistry (remote registry access), TlntSvr (Telnet server), FTPSVC (IIS FTP), "
        "SNMP (SNMP agent), simptcp (Simple TCP/IP Services).",
    )

    @field_validator("services")
    @classmethod
    def _service_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name or not all(c.isalnum() or c in "_-.$" for c in name):
                raise ValueError(f"{name!r} is not a service key name")
        return value


@check(
    CheckMeta(
        id="windows.services.risky",
        title=Text(
            "Risky network services are disabled", "Các dịch vụ mạng rủi ro đã bị vô hiệu hóa"
        ),
        rationale=Text(
            "Remote Registry, Telnet, FTP, the SNMP agent and the Simple TCP/IP services accept "
            "network connections with weak or no protection; a service that is not disabled "
            "can be started automatically or on demand.",
            "Remote Registry, Telnet, FTP, tác tử SNMP và Simple TCP/IP Services nhận kết nối "
            "mạng với cơ chế bảo vệ yếu hoặc không có; dịch vụ chưa bị vô hiệu hóa vẫn có thể "
            "tự khởi động hoặc được kích hoạt khi có yêu cầu.",
        ),
        remediation=Text(
            "Disable each listed service (Set-Service -Name <service> -StartupType Disabled) "
            "or remove the Windows feature that installed it.",
            "Vô hiệu hóa từng dịch vụ được liệt kê (Set-Service -Name <tên dịch vụ> "
            "-StartupType Disabled) hoặc gỡ tính năng Windows đã cài dịch vụ đó.",
        ),
        category="network",
        severity=Severity.medium,
        platforms=("windows",),
        params_model=RiskyServicesParams,
    )
)
@windows_check(needs_registry=True)
def risky_services(ctx: CheckContext) -> Outcome:
    """Each listed service is absent or disabled (Start=4); manual services can be triggered."""
    evidence, enabled = [], []
    for service in ctx.params_as(RiskyServicesParams).services:
        start, source = service_start(ctx, service)
        evidence.append(Evidence(source, start_text(start), "not installed or Start=4 (disabled)"))
        if start not in (None, START_DISABLED):
            enabled.append(service)
    if enabled:
        return failed(*evidence, reason="not disabled: " + ", ".join(enabled))
    return passed(*evidence)
