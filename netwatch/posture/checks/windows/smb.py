"""Windows file sharing (SMB): SMBv1, signing, anonymous and insecure guest access."""

from __future__ import annotations

from netwatch.posture.checks._windows import (
    LSA_KEY,
    POLICIES,
    SERVICES,
    START_DISABLED,
    dword,
    registry,
    registry_dword,
    registry_value,
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
    edition = str(registry_value(ctx, CURRENT_VERSION, "EditionID") or "")
    build_text = str(registry_value(ctx, CURRENT_VERSION, "CurrentBuildNumber") or "")
    build = int(build_text) if build_text.isdigit() else 0
    secure = edition.startswith(SECURE_EDITIONS) or build >= GUEST_OFF_BUILD
    return (0 if secure else 1), Evidence(
        value_source(CURRENT_VERSION, "EditionID"),
        f"{edition or 'not set'}, build {build_text or '?'} "
        f"(default {'refuses' if secure else 'allows'} guest logons)",
        "an edition or build whose default refuses guest logons, or the value set to 0",
    )


@check("windows.smb.insecure_guest")
@windows_check(needs_registry=True)
def smb_insecure_guest(ctx: CheckContext) -> Outcome:
    """AllowInsecureGuestAuth is 0: Group Policy, else the local value, else the edition default."""
    policy = registry_dword(ctx, WORKSTATION_POLICY, "AllowInsecureGuestAuth")
    if policy is not None:
        item = Evidence(
            value_source(WORKSTATION_POLICY, "AllowInsecureGuestAuth"),
            f"{policy}, Group Policy",
            "0 (guest logons refused)",
        )
        return passed(item) if policy == 0 else failed(item)
    default, edition = _guest_default(ctx)
    local = registry_dword(ctx, WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth")
    effective = default if local is None else local
    item = Evidence(
        value_source(WORKSTATION_PARAMETERS, "AllowInsecureGuestAuth"),
        f"{shown(local, default)}, not set by Group Policy",
        "0 (guest logons refused)",
    )
    return passed(item, edition) if effective == 0 else failed(item, edition)


SERVER_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"


WORKSTATION_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters"


# SMB1 unset: the server offers SMBv1 whenever its SMB 1 driver (srv) is installed.
SMB1_DEFAULT = 1


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
            "0, or the SMB 1 server driver absent",
        ),
        Evidence(srv_source, start_text(srv_start), "not installed or Start=4 (disabled)"),
        Evidence(client_source, start_text(client_start), "not installed or Start=4 (disabled)"),
    )
    problems = [text for off, text in ((server_off, "server"), (client_off, "client")) if not off]
    if problems:
        return failed(*evidence, reason="SMBv1 enabled on the " + " and ".join(problems))
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
    if missing:
        return failed(*evidence, reason="signing not required on the " + " and ".join(missing))
    return passed(*evidence)
