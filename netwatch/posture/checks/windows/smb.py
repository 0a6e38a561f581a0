"""Windows file sharing (SMB): SMBv1, signing, anonymous and guest access, open shares."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.i18n import msg
from netwatch.posture.checks._powershell import POWERSHELL_CHECK_TIMEOUT, powershell_query
from netwatch.posture.checks._windows import (
    LSA_KEY,
    POLICIES,
    SERVICES,
    START_DISABLED,
    UnreadableValue,
    WindowsDataError,
    as_list,
    command_source,
    dword,
    registry,
    registry_dword,
    registry_value,
    relative_id,
    run_powershell,
    service_start,
    shown,
    start_text,
    value_source,
    windows_check,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Evidence, Outcome, failed, passed
from netwatch.posture.registry import check

SERVER_PARAMETERS = f"{SERVICES}\\LanmanServer\\Parameters"

# (key, value, Windows default, required value)
ANONYMOUS_SETTINGS = (
    (LSA_KEY, "RestrictAnonymous", 0, 1),
    (LSA_KEY, "RestrictAnonymousSAM", 1, 1),
    (LSA_KEY, "EveryoneIncludesAnonymous", 0, 0),
    (SERVER_PARAMETERS, "RestrictNullSessAccess", 1, 1),
)


@check("windows.smb.anonymous_access")
@windows_check(needs_registry=True)
def smb_anonymous_access(ctx: CheckContext) -> Outcome:
    """Each anonymous-access setting (or its default) has the restrictive value."""
    evidence, open_ = [], []
    for key, name, default, required in ANONYMOUS_SETTINGS:
        value = registry_dword(ctx, key, name)
        effective = default if value is None else value
        evidence.append(Evidence(value_source(key, name), shown(value, default), str(required)))
        if effective != required:
            open_.append(f"{name}={effective}")
    if open_:
        return failed(
            *evidence,
            reason=msg("anonymous access allowed: {settings}", settings=", ".join(open_)),
        )
    return passed(*evidence)


CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

WORKSTATION_PARAMETERS = f"{SERVICES}\\LanmanWorkstation\\Parameters"

WORKSTATION_POLICY = f"{POLICIES}\\Windows\\LanmanWorkstation"

# Insecure guest logons are refused by default on Enterprise, Education and Server
# editions (Windows 10 1709 onwards) and on every edition from Windows 11 24H2 (26100).
SECURE_EDITIONS = ("Enterprise", "Education", "Server")

GUEST_OFF_BUILD = 26100
GUEST_REFUSED = msg("0 (guest logons refused)")


def _guest_default(ctx: CheckContext) -> tuple[int, Evidence]:
    """The edition's default AllowInsecureGuestAuth and the evidence naming the edition."""
    edition = str(registry_value(ctx, CURRENT_VERSION, "EditionID") or "")
    build_text = str(registry_value(ctx, CURRENT_VERSION, "CurrentBuildNumber") or "")
    build = int(build_text) if build_text.isdigit() else 0
    secure = edition.startswith(SECURE_EDITIONS) or build >= GUEST_OFF_BUILD
    return (0 if secure else 1), Evidence(
        value_source(CURRENT_VERSION, "EditionID"),
        msg(
            "{edition}, build {build} (default {default} guest logons)",
            edition=edition or msg("not set"),
            build=build_text or "?",
            default=msg("refuses") if secure else msg("allows"),
        ),
        msg("an edition or build whose default refuses guest logons, or the value set to 0"),
    )


@check("windows.smb.insecure_guest")
@windows_check(needs_registry=True)
def smb_insecure_guest(ctx: CheckContext) -> Outcome:
    """AllowInsecureGuestAuth is 0: Group Policy, else the local value, else the edition default."""
    policy = registry_dword(ctx, WORKSTATION_POLICY, "AllowInsecureGuestAuth")
    if policy is not None:
        item = Evidence(
            value_source(WORKSTATION_POLICY, "AllowInsecureGuestAuth"),
            msg("{value}, Group Policy", value=policy),
            GUEST_REFUSED,
        )
        return passed(item) if policy == 0 else failed(item)
    default, edition = _guest_default(ctx)
    local = registry_dword(ctx, WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth")
    effective = default if local is None else local
    item = Evidence(
        value_source(WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth"),
        msg("{value}, not set by Group Policy", value=shown(local, default)),
        GUEST_REFUSED,
    )
    return passed(item, edition) if effective == 0 else failed(item, edition)


SERVER_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"

WORKSTATION_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters"

# SMB1 unset: the server offers SMBv1 whenever its SMB 1 driver (srv) is installed.
SMB1_DEFAULT = 1
NOT_INSTALLED_OR_DISABLED = msg("not installed or Start=4 (disabled)")

# RequireSecuritySignature unset: 0 (not required) up to Windows 11 23H2 / Server 2022.
SIGNING_DEFAULT = 0


@check("windows.smb.v1_disabled")
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
            msg("0, or the SMB 1 server driver absent"),
        ),
        Evidence(srv_source, start_text(srv_start), NOT_INSTALLED_OR_DISABLED),
        Evidence(client_source, start_text(client_start), NOT_INSTALLED_OR_DISABLED),
    )
    if not (server_off or client_off):
        return failed(*evidence, reason=msg("SMBv1 enabled on the server and client"))
    if not server_off:
        return failed(*evidence, reason=msg("SMBv1 enabled on the server"))
    if not client_off:
        return failed(*evidence, reason=msg("SMBv1 enabled on the client"))
    return passed(*evidence)


@check("windows.smb.signing_required")
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
    if len(missing) == 2:
        return failed(*evidence, reason=msg("signing not required on the server and client"))
    if missing == ["server"]:
        return failed(*evidence, reason=msg("signing not required on the server"))
    if missing:
        return failed(*evidence, reason=msg("signing not required on the client"))
    return passed(*evidence)


# --- shares writable by everyone ---------------------------------------------------------

SHARES_QUERY = powershell_query(
    "smb_shares",
    "Get-SmbShare | Select-Object Name,ShareType,Special,Path,SecurityDescriptor",
    "Get-SmbShare",
)
ADMINISTRATIVE_SHARES = {"ADMIN$", "IPC$", "PRINT$"}
NOT_WRITABLE = msg(
    "no `Change` or `Full` for `Everyone`, `Authenticated Users`, `Users`, `Guests` or anonymous"
)
PRINT_QUEUE = 1  # ShareType of a shared printer: its "Change" right is not about files

# Principals that stand for (nearly) anyone: well-known SIDs, then relative ids of the
# machine's or domain's own accounts (S-1-5-21-...-513 Domain Users).
BROAD_SIDS = {
    "S-1-1-0": "Everyone",
    "S-1-5-7": "Anonymous Logon",
    "S-1-5-2": "Network",
    "S-1-5-11": "Authenticated Users",
    "S-1-5-32-545": "Users",
    "S-1-5-32-546": "Guests",
}
BROAD_RIDS = {501: "Guest", 513: "Domain Users", 514: "Domain Guests"}
# SDDL aliases (the SID strings Windows abbreviates) of the principals above and of those
# that appear in share descriptors; DU, DG and LG are relative to the machine's domain.
SDDL_ALIASES = {
    "WD": "S-1-1-0",
    "AN": "S-1-5-7",
    "NU": "S-1-5-2",
    "AU": "S-1-5-11",
    "BU": "S-1-5-32-545",
    "BG": "S-1-5-32-546",
    "BA": "S-1-5-32-544",
    "SY": "S-1-5-18",
    "IU": "S-1-5-4",
    "DU": "<domain>-513",
    "DG": "<domain>-514",
    "LG": "<machine>-501",
}
# SDDL access-right codes (sddl.h) and their mask bits.
RIGHT_CODES = {
    "GA": 0x10000000, "GR": 0x80000000, "GW": 0x40000000, "GX": 0x20000000,
    "RC": 0x20000, "SD": 0x10000, "WD": 0x40000, "WO": 0x80000,
    "CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20,
    "DT": 0x40, "LO": 0x80, "CR": 0x100,
    "FA": 0x1F01FF, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200A0,
}  # fmt: skip
FULL_CONTROL, GENERIC_ALL = 0x1F01FF, 0x10000000
# Any of these lets a client change the share's files: write or append data, write
# extended attributes or attributes, delete children or files, change permissions or owner.
WRITE_BITS = (
    0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x10000 | 0x40000 | 0x80000 | 0x40000000 | GENERIC_ALL
)


class ShareParams(StrictModel):
    """Shares that may stay writable by everyone."""

    allowed: list[str] = Field(
        default_factory=list,
        description="Share names (case-insensitive) allowed to grant Change or Full to "
        "Everyone, Authenticated Users, Users, Guests or anonymous users, e.g. a scanner's "
        "drop folder.",
    )


def _rights(text: str) -> int:
    """An ACE's access mask: hexadecimal, decimal, or concatenated two-letter codes."""
    unknown = UnreadableValue(msg("unknown access rights {rights}", rights=repr(text)))
    if text.lower().startswith("0x"):
        if not re.fullmatch(r"0[xX][0-9A-Fa-f]+", text):
            raise unknown
        return int(text, 16)
    if text.isascii() and text.isdigit():
        return int(text)
    codes = [text[i : i + 2] for i in range(0, len(text), 2)]
    if len(text) % 2 or any(code not in RIGHT_CODES for code in codes):
        raise unknown
    mask = 0
    for code in codes:
        mask |= RIGHT_CODES[code]
    return mask


def broad_name(sid: str) -> str | None:
    """The principal a SID stands for when it means (nearly) anyone, else None."""
    if sid in BROAD_SIDS:
        return BROAD_SIDS[sid]
    if sid.startswith(("<domain>-", "<machine>-", "S-1-5-21-")):
        rid = relative_id(sid)
        return BROAD_RIDS.get(rid) if rid is not None else None
    return None


def share_grants(sddl: str) -> dict[str, int]:
    """Access mask allowed to each SID by a share's SDDL, less what that SID is denied.

    A missing or ``NO_ACCESS_CONTROL`` DACL lets everyone do everything.
    """
    start = sddl.find("D:")
    if start < 0:
        return {"S-1-1-0": GENERIC_ALL}
    dacl = sddl[start + 2 :].split("S:", 1)[0]
    if dacl.startswith("NO_ACCESS_CONTROL"):
        return {"S-1-1-0": GENERIC_ALL}
    allowed: dict[str, int] = {}
    denied: dict[str, int] = {}
    for ace in re.findall(r"\(([^()]*)\)", dacl):
        fields = ace.split(";")
        if len(fields) < 6:
            raise UnreadableValue(msg("malformed ACE ({ace})", ace=ace))
        kind, rights, who = fields[0].upper(), fields[2], fields[5].upper()
        sid = SDDL_ALIASES.get(who, who)
        table = allowed if kind in ("A", "XA") else denied if kind == "D" else None
        if table is not None:
            table[sid] = table.get(sid, 0) | _rights(rights)
    return {sid: mask & ~denied.get(sid, 0) for sid, mask in allowed.items()}


def _level(mask: int) -> str:
    """Full or Change, as the share permission dialog names them."""
    return "Full" if mask & GENERIC_ALL or mask & FULL_CONTROL == FULL_CONTROL else "Change"


def _is_administrative(share: dict[str, Any]) -> bool:
    """ADMIN$, IPC$, print$ and the drive shares (C$, D$...) Windows creates itself."""
    name = str(share.get("Name") or "").upper()
    special = share.get("Special")
    return (
        name in ADMINISTRATIVE_SHARES
        or special is True
        or re.fullmatch("[A-Z]\\$", name) is not None
    )


def _is_printer(share_type: Any) -> bool:
    """A shared printer (ShareType PrintQueue, as its number or its .NET name)."""
    if isinstance(share_type, str):
        return share_type.strip().lower() in ("printqueue", str(PRINT_QUEUE))
    return not isinstance(share_type, bool) and share_type == PRINT_QUEUE


@check("windows.smb.everyone_writable_shares", params=ShareParams, timeout=POWERSHELL_CHECK_TIMEOUT)
@windows_check()
def smb_everyone_writable_shares(ctx: CheckContext) -> Outcome:
    """No share other than the administrative ones lets a broad group change its files.

    Decided by SID from the share's SDDL (Get-SmbShare SecurityDescriptor), never by the
    localised account names Get-SmbShareAccess prints.
    """
    allowed = {name.upper() for name in ctx.params_as(ShareParams).allowed}
    source = command_source(SHARES_QUERY.script)
    shares = as_list(run_powershell(ctx, SHARES_QUERY))
    evidence, open_shares, checked = [], [], []
    for share in shares:
        name = str(share.get("Name") or "?")
        if _is_administrative(share):
            continue
        if _is_printer(share.get("ShareType")):
            continue
        sddl = share.get("SecurityDescriptor")
        if not isinstance(sddl, str) or not sddl.strip():
            raise WindowsDataError(
                msg("Get-SmbShare gave no security descriptor for share {name}", name=name),
                Evidence(f"{source} [{name}]", repr(sddl), "SDDL"),
            )
        try:
            grants = share_grants(sddl.strip())
        except UnreadableValue as exc:
            raise WindowsDataError(
                msg("share {name}: {problem}", name=name, problem=exc.message),
                Evidence(f"{source} [{name}]", sddl[:200], "SDDL"),
            ) from None
        broad = [
            f"{sid} ({who}) {_level(mask)}"
            for sid, mask in sorted(grants.items())
            if mask & WRITE_BITS and (who := broad_name(sid))
        ]
        checked.append(name)
        if not broad:
            continue
        exempt = name.upper() in allowed
        evidence.append(
            Evidence(
                f"{source} [{name}]",
                (
                    msg(
                        "{grants} (allowed by policy) ({sddl})",
                        grants="; ".join(broad),
                        sddl=sddl.strip(),
                    )
                    if exempt
                    else f"{'; '.join(broad)} ({sddl.strip()})"
                ),
                NOT_WRITABLE,
            )
        )
        if not exempt:
            open_shares.append(name)
    if not evidence:
        evidence.append(
            Evidence(
                source,
                msg("shares checked: {names}", names=", ".join(checked))
                if checked
                else msg("no shares but the administrative ones"),
                NOT_WRITABLE,
            )
        )
    if open_shares:
        return failed(
            *evidence,
            reason=msg("writable by everyone: {names}", names=", ".join(open_shares)),
        )
    return passed(*evidence)
