"""Linux network checks: default-deny firewall, risky services, listening ports."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from netwatch.facts.listening import parse_ss
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks.linux.network import (
    ListeningPortsParams,
    RiskyService,
    RiskyServicesParams,
    firewall_default_deny,
    listening_ports,
    risky_services,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Status
from netwatch.posture.parsers.iptables import parse_iptables_save
from netwatch.posture.parsers.nftables import parse_ruleset
from tests.helpers.posture_hosts import POSTURE_FIXTURES, offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands
from tests.posture.units import install_unit

SS = "ss -H -tulpn"
OFFLINE_NOTE = "(from configuration on an offline image)"


def on(host: str) -> CheckContext:
    return CheckContext(recorded_host(host), "linux")


def image(host: str) -> CheckContext:
    return CheckContext(offline_image(host), "linux")


def live(recordings: dict[str, dict[str, object]], root: Path | None = None, params=None):
    files = FileReader(root or POSTURE_FIXTURES / "empty-root")
    access = HostAccess(files, RecordedCommands(recordings), None, live=True)  # type: ignore[arg-type]
    return CheckContext(access, "linux", params)


def tree(root: Path, files: dict[str, str], live_host: bool = False) -> CheckContext:
    """An offline image (or live host without tools) made of ``files``."""
    for name, text in files.items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    access = HostAccess(FileReader(root), RecordedCommands({}), None, live=live_host)  # type: ignore[arg-type]
    return CheckContext(access, "linux")


def result(stdout: str, returncode: int = 0, stderr: str = "") -> dict[str, object]:
    return {"returncode": returncode, "stdout": stdout, "stderr": stderr}


def pairs(outcome) -> list[tuple[str, str]]:
    return [(str(e.source), str(e.observed)) for e in outcome.evidence]


def ss_line(proto: str, local: str, process: str = "") -> str:
    state = "LISTEN" if proto == "tcp" else "UNCONN"
    users = f'users:(("{process}",pid=100,fd=3))' if process else ""
    return f"{proto}   {state} 0      128      {local}     0.0.0.0:*    {users}\n"


# linux.network.firewall_default_deny: live


def test_firewall_pass_on_hardened_host_from_nft() -> None:
    outcome = firewall_default_deny(on("linux-hardened"))
    assert outcome.status is Status.passed
    # the final 'counter drop' drops the packet before the policy drop would
    assert pairs(outcome) == [
        (
            "command: nft list ruleset",
            "table inet filter, chain input: rule 'counter packets 1873 bytes 112380 drop'",
        )
    ]


def test_firewall_fail_on_weak_host_shows_every_tool() -> None:
    outcome = firewall_default_deny(on("linux-weak"))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        ("command: nft list ruleset", "empty ruleset"),
        ("command: ufw status verbose", "Status: inactive"),
        ("command: iptables -S INPUT", "filter INPUT: policy ACCEPT"),
    ]
    assert str(outcome.evidence[0].expected).startswith("an active firewall that drops or rejects")


def test_firewall_without_any_tool_fails() -> None:
    outcome = firewall_default_deny(live({}))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        ("`PATH` lookup: nft, ufw, firewall-cmd, iptables", "no firewall tool installed")
    ]


def test_firewall_ufw_active_with_deny_passes() -> None:
    status = (
        "Status: active\nLogging: on (low)\n"
        "Default: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\n"
        "To                         Action      From\n--                         ------      ----\n"
        "22/tcp                     ALLOW IN    Anywhere\n"
    )
    outcome = firewall_default_deny(live({"ufw status verbose": result(status)}))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("command: ufw status verbose", "Status: active; Default: deny (incoming)")
    ]
    allowing = status.replace("deny (incoming)", "allow (incoming)")
    outcome = firewall_default_deny(live({"ufw status verbose": result(allowing)}))
    assert outcome.status is Status.failed
    assert str(outcome.evidence[0].observed) == "Status: active; Default: allow (incoming)"


def test_firewall_firewalld_zone_target_decides() -> None:
    listing = (
        "public (active)\n  target: default\n  icmp-block-inversion: no\n"
        "  interfaces: eth0\n  services: dhcpv6-client ssh\n"
    )
    running = {"firewall-cmd --state": result("running\n")}
    outcome = firewall_default_deny(live({**running, "firewall-cmd --list-all": result(listing)}))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("command: firewall-cmd --list-all", "running; default zone public, target default")
    ]
    trusting = listing.replace("target: default", "target: ACCEPT")
    outcome = firewall_default_deny(live({**running, "firewall-cmd --list-all": result(trusting)}))
    assert outcome.status is Status.failed
    stopped = firewall_default_deny(live({"firewall-cmd --state": result("not running\n", 252)}))
    assert stopped.status is Status.failed
    assert pairs(stopped) == [("command: firewall-cmd --state", "not running")]


@pytest.mark.parametrize(
    ("output", "status", "observed"),
    [
        ("-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n", Status.passed, "filter INPUT: policy DROP"),
        (
            "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
            "-A INPUT -j REJECT --reject-with icmp-host-prohibited\n",
            Status.passed,
            "filter INPUT: rule '-A INPUT -j REJECT --reject-with icmp-host-prohibited'",
        ),
        (
            "-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j DROP\n",
            Status.failed,
            "filter INPUT: policy ACCEPT",
        ),
        (  # ufw's chains are not in 'iptables -S INPUT': a jump to one decides nothing
            "-P INPUT DROP\n-A INPUT -j ufw-before-input\n",
            Status.passed,
            "filter INPUT: policy DROP",
        ),
        (
            "-P INPUT ACCEPT\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\n",
            Status.failed,
            ("filter INPUT: rule '-A INPUT -j ACCEPT'"),
        ),
    ],
)
def test_firewall_iptables_policy_or_final_rule(output: str, status: Status, observed: str) -> None:
    outcome = firewall_default_deny(live({"iptables -S INPUT": result(output)}))
    assert outcome.status is status
    assert str(outcome.evidence[0].observed) == observed


def test_firewall_error_when_a_tool_cannot_be_asked_and_nothing_denies() -> None:
    denied = result("", 1, "Error: Operation not permitted (you must be root)\n")
    recordings = {"nft list ruleset": denied, "ufw status verbose": result("Status: inactive\n")}
    outcome = firewall_default_deny(live(recordings))
    assert outcome.status is Status.error
    assert str(outcome.reason) == (
        "could not query the firewall: nft list ruleset: "
        "Error: Operation not permitted (you must be root)"
    )
    assert pairs(outcome) == [("command: ufw status verbose", "Status: inactive")]
    timeout = firewall_default_deny(
        live({"nft list ruleset": {"error": "nft: no answer within 10s"}})
    )
    assert timeout.status is Status.error
    assert "nft: no answer within 10s" in str(timeout.reason)


def test_firewall_a_denying_tool_wins_over_an_unreadable_one() -> None:
    recordings = {
        "nft list ruleset": result("", 1, "Error: Operation not permitted\n"),
        "iptables -S INPUT": result("-P INPUT DROP\n"),
    }
    assert firewall_default_deny(live(recordings)).status is Status.passed


# linux.network.firewall_default_deny: offline image


def test_firewall_offline_hardened_image_passes_from_nftables_conf() -> None:
    outcome = firewall_default_deny(image("linux-hardened"))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        (
            "/etc/nftables.conf:16",
            f"table inet filter, chain input: rule 'counter drop' {OFFLINE_NOTE}",
        )
    ]


def test_firewall_offline_weak_image_fails_from_configuration() -> None:
    outcome = firewall_default_deny(image("linux-weak"))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        ("/etc/nftables.conf:6", f"table inet filter, chain input: policy accept {OFFLINE_NOTE}"),
        ("/etc/ufw/ufw.conf:2", f"ENABLED=no {OFFLINE_NOTE}"),
    ]


def test_firewall_offline_image_without_configuration_fails(tmp_path: Path) -> None:
    outcome = firewall_default_deny(tree(tmp_path, {"/etc/hostname": "pc01\n"}))
    assert outcome.status is Status.failed
    assert str(outcome.evidence[0].observed).startswith(
        "no firewall configuration (/etc/nftables.conf"
    )
    assert str(outcome.evidence[0].observed).endswith(OFFLINE_NOTE)


def test_firewall_offline_nftables_service_must_be_enabled(tmp_path: Path) -> None:
    files = {
        "/etc/nftables.conf": (POSTURE_FIXTURES / "linux-hardened/etc/nftables.conf").read_text()
    }
    unit = install_unit(tmp_path / "off", "nftables.service", "sysinit.target", enabled=False)
    disabled = firewall_default_deny(tree(tmp_path / "off", files))
    assert disabled.status is Status.failed
    assert (
        f"but nftables.service is not enabled ({unit}:7: `[Install]` but no link), "
        "so nothing loads it" in str(disabled.evidence[0].observed)
    )
    install_unit(tmp_path / "masked", "nftables.service", "sysinit.target")
    (tmp_path / "masked/etc/systemd/system/nftables.service").symlink_to("/dev/null")
    masked = firewall_default_deny(tree(tmp_path / "masked", files))
    assert masked.status is Status.failed
    assert (
        "nftables.service is not enabled (/etc/systemd/system/nftables.service: symlink to "
        "/dev/null or empty)" in str(masked.evidence[0].observed)
    )
    install_unit(tmp_path / "on", "nftables.service", "sysinit.target")
    enabled = firewall_default_deny(tree(tmp_path / "on", files))
    assert enabled.status is Status.passed


def test_firewall_offline_ufw_enabled_with_drop_passes(tmp_path: Path) -> None:
    files = {
        "/etc/ufw/ufw.conf": "ENABLED=yes\nLOGLEVEL=low\n",
        "/etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n',
    }
    outcome = firewall_default_deny(tree(tmp_path, files))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("/etc/default/ufw:2", f"ENABLED=yes; DEFAULT_INPUT_POLICY=DROP {OFFLINE_NOTE}")
    ]


def test_firewall_offline_iptables_rules_file(tmp_path: Path) -> None:
    rules = (
        "# Generated by iptables-save v1.8.9 (nf_tables)\n*nat\n:PREROUTING ACCEPT [0:0]\n"
        "COMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    )
    outcome = firewall_default_deny(tree(tmp_path, {"/etc/iptables/rules.v4": rules}))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("/etc/iptables/rules.v4:6", f"filter INPUT: policy DROP {OFFLINE_NOTE}")
    ]


def test_firewall_offline_firewalld_zone(tmp_path: Path) -> None:
    files = {"/etc/firewalld/firewalld.conf": "# firewalld config\nDefaultZone=public\n"}
    outcome = firewall_default_deny(tree(tmp_path, files))
    assert outcome.status is Status.passed  # built-in public zone: target default (reject)
    assert pairs(outcome) == [
        ("/etc/firewalld/firewalld.conf:2", f"default zone public, target default {OFFLINE_NOTE}")
    ]
    zone = '<?xml version="1.0" encoding="utf-8"?>\n<zone target="ACCEPT">\n  <short>Public</short>\n</zone>\n'
    outcome = firewall_default_deny(tree(tmp_path, {"/etc/firewalld/zones/public.xml": zone}))
    assert outcome.status is Status.failed
    assert outcome.evidence[0].source == "/etc/firewalld/zones/public.xml"


# nftables / iptables parsing


def test_nft_parser_handles_sets_comments_and_final_rules() -> None:
    text = """
define ADMINS = { 10.1.0.0/16 }
table inet filter {
  set blocked { type ipv4_addr; elements = { 192.0.2.1,
      192.0.2.2 }; }
  chain input { type filter hook input priority 0; policy accept;
    tcp dport { 22, 443 } accept comment "admins # { not a brace"
    log prefix "inbound drop: " counter reject with icmpx type admin-prohibited
  }
}
table ip6 v6only { chain input { type filter hook input priority 0; policy drop; }; }
"""
    ruleset = parse_ruleset(text, "nftables.conf")
    assert ruleset.refused is None
    chains = ruleset.chains
    assert [(c.family, c.table, c.name, c.hook, c.source) for c in chains] == [
        ("inet", "filter", "input", "input", "nftables.conf:6"),
        ("ip6", "v6only", "input", "input", "nftables.conf:11"),
    ]
    verdict = ruleset.hook_verdict("input", "ipv4")
    assert verdict.verdict == "reject" and verdict.source == "nftables.conf:8"
    assert ruleset.hook_verdict("input", "ipv6").verdict == "reject"  # inet runs first


def test_nft_parser_a_conditional_drop_is_not_default_deny() -> None:
    text = "table ip filter {\n chain INPUT {\n  type filter hook input priority 0;\n  ip saddr 203.0.113.9 drop\n }\n}\n"
    ruleset = parse_ruleset(text)
    verdict = ruleset.hook_verdict()
    assert verdict.verdict == "accept" and not verdict.denies
    assert str(verdict.describe()) == "table ip filter, chain INPUT: policy accept"


def test_nft_accept_in_one_table_does_not_bypass_a_drop_in_another() -> None:
    text = (
        "table inet a {\n chain input { type filter hook input priority -10; accept; }\n}\n"
        "table ip b {\n chain input { type filter hook input priority 10; policy drop; }\n}\n"
    )
    verdict = parse_ruleset(text, "x.nft").hook_verdict()
    assert verdict.denies and str(verdict.describe()) == "table ip b, chain input: policy drop"


def test_firewall_offline_refused_nftables_conf_fails_with_the_reason(tmp_path: Path) -> None:
    conf = "table inet filter { chain input { type filter hook input priority 0; policy drop; } }\n"
    outcome = firewall_default_deny(tree(tmp_path, {"/etc/nftables.conf": conf}))
    assert outcome.status is Status.failed
    assert outcome.evidence[0].source == "/etc/nftables.conf"
    assert str(outcome.evidence[0].observed).startswith(
        "nft refuses it (/etc/nftables.conf:1: syntax error, unexpected '}'"
    )
    assert "so nftables.service loads nothing" in str(outcome.evidence[0].observed)


def test_firewall_offline_nftables_include_is_read_inside_the_image(tmp_path: Path) -> None:
    files = {
        "/etc/nftables.conf": 'flush ruleset\ninclude "/etc/nftables.d/*.nft"\n',
        "/etc/nftables.d/10-input.nft": (
            "table inet filter {\n\tchain input {\n"
            "\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n"
        ),
    }
    outcome = firewall_default_deny(tree(tmp_path, files))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        (
            "/etc/nftables.d/10-input.nft:3",
            f"table inet filter, chain input: policy drop {OFFLINE_NOTE}",
        )
    ]


def test_firewall_offline_ufw_reads_files_as_the_boot_script_sources_them(tmp_path: Path) -> None:
    files = {
        "/etc/ufw/ufw.conf": "ENABLED=yes # turned on by the installer\n",
        "/etc/default/ufw": "DEFAULT_INPUT_POLICY='DROP'\nDEFAULT_INPUT_POLICY=\"ACCEPT\"\n",
    }
    outcome = firewall_default_deny(tree(tmp_path, files))
    assert outcome.status is Status.failed  # the later assignment wins
    assert pairs(outcome) == [
        ("/etc/default/ufw:2", f"ENABLED=yes; DEFAULT_INPUT_POLICY=ACCEPT {OFFLINE_NOTE}")
    ]


def test_iptables_parser_judges_every_input_chain() -> None:
    text = "*raw\n:INPUT DROP [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    rules = parse_iptables_save(text)
    assert rules.refused is None and not rules.input_verdict().denies  # raw has no INPUT
    mangle = "*mangle\n:INPUT DROP [0:0]\nCOMMIT\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\n"
    assert parse_iptables_save(mangle).input_verdict().denies
    assert parse_iptables_save("*filter\n:INPUT DROP [0:0]\n").refused == (
        "/etc/iptables/rules.v4:3: COMMIT expected"
    )


# linux.network.risky_services


def test_risky_services_pass_on_hardened_host() -> None:
    outcome = risky_services(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert outcome.evidence[0].source == "command: ss -H -tulpn"
    assert str(outcome.evidence[0].observed).startswith("none of ftp (tcp/21), telnet (tcp/23)")


def test_risky_services_fail_on_weak_host() -> None:
    outcome = risky_services(on("linux-weak"))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        ("command: ss -H -tulpn", "ftp listening: tcp *:21 (vsftpd)"),
        ("command: ss -H -tulpn", "telnet listening: tcp 0.0.0.0:23 (inetd)"),
        (
            "/etc/samba/smb.conf:8",
            "server min protocol = NT1 (SMBv1 allowed); Samba listens on tcp 0.0.0.0:445 (smbd)",
        ),
    ]


def test_risky_services_ignores_loopback_and_modern_samba(tmp_path: Path) -> None:
    smb = "[global]\n   server min protocol = SMB2_10\n[share]\n   min protocol = NT1\n"
    stdout = ss_line("tcp", "127.0.0.1:23", "inetd") + ss_line("tcp", "0.0.0.0:445", "smbd")
    ctx = tree(tmp_path, {"/etc/samba/smb.conf": smb}, live_host=True)
    ctx.access.commands.recordings[SS] = result(stdout)  # type: ignore[attr-defined]
    assert risky_services(ctx).status is Status.passed


def test_risky_services_smb1_with_continuation_and_alias(tmp_path: Path) -> None:
    smb = "; old setup\n[global]\n  workgroup = X\n  min \\\n protocol = LANMAN2\n"
    ctx = tree(tmp_path, {"/etc/samba/smb.conf": smb}, live_host=True)
    ctx.access.commands.recordings[SS] = result(ss_line("tcp", "[::]:139", "smbd"))  # type: ignore[attr-defined]
    outcome = risky_services(ctx)
    assert outcome.status is Status.failed
    assert pairs(outcome) == [
        (
            "/etc/samba/smb.conf:4",
            "server min protocol = LANMAN2 (SMBv1 allowed); Samba listens on tcp [::]:139 (smbd)",
        )
    ]


def test_risky_services_params_choose_the_services() -> None:
    params = RiskyServicesParams(services=[RiskyService(name="vnc", port=5900)])
    stdout = ss_line("tcp", "0.0.0.0:5900", "Xvnc") + ss_line("tcp", "0.0.0.0:23", "inetd")
    outcome = risky_services(live({SS: result(stdout)}, params=params))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [("command: ss -H -tulpn", "vnc listening: tcp 0.0.0.0:5900 (Xvnc)")]


def test_risky_services_not_applicable_on_offline_image() -> None:
    outcome = risky_services(image("linux-weak"))
    assert outcome.status is Status.not_applicable
    assert "offline image" in str(outcome.reason) and "running system" in str(outcome.reason)


@pytest.mark.parametrize(
    ("stdout", "reason"),
    [
        ("Netid State Recv-Q\n", "unexpected line in ss output: 'Netid State Recv-Q'"),
        (
            "tcp LISTEN 0 128 0.0.0.0:ssh 0.0.0.0:*\n",
            "unexpected local address in ss output: '0.0.0.0:ssh'",
        ),
        (
            "tcp LISTEN 0 128 host.example:22 0.0.0.0:*\n",
            "unexpected local address in ss output: 'host.example:22'",
        ),
    ],
)
def test_malformed_ss_output_is_an_error_with_the_reason(stdout: str, reason: str) -> None:
    for check_function in (risky_services, listening_ports):
        outcome = check_function(live({SS: result(stdout)}))
        assert outcome.status is Status.error
        assert str(outcome.reason) == reason


def test_ss_missing_or_failing_is_an_error() -> None:
    assert str(listening_ports(live({})).reason) == "ss: command not found"
    failing = risky_services(
        live({SS: result("", 1, "Cannot open netlink socket: Permission denied\n")})
    )
    assert failing.status is Status.error
    assert str(failing.reason) == "ss failed: Cannot open netlink socket: Permission denied"


def test_ss_parser_reads_interfaces_mapped_addresses_and_missing_process() -> None:
    stdout = (
        "udp   UNCONN 0      0      0.0.0.0%ens18:68        0.0.0.0:*\n"
        "tcp   LISTEN 0      128    [::ffff:127.0.0.1]:8080    [::]:*    "
        'users:(("java",pid=9,fd=40),("java",pid=10,fd=40))\n'
        "tcp   LISTEN 0      128    [fe80::1%eth0]:22    [::]:*\n"
    )
    parsed = parse_ss(stdout)
    assert [(p.protocol, p.address, p.port, p.processes, p.loopback) for p in parsed] == [
        ("udp", "0.0.0.0", 68, (), False),
        ("tcp", "::ffff:127.0.0.1", 8080, ("java",), True),
        ("tcp", "fe80::1", 22, (), False),
    ]


# linux.network.listening_ports


def test_listening_ports_pass_on_hardened_host() -> None:
    outcome = listening_ports(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert pairs(outcome) == [
        ("command: ss -H -tulpn", "network listeners: tcp/22 on 0.0.0.0, :: (sshd)")
    ]
    assert str(outcome.evidence[0].expected) == "only allowed ports: 22"


def test_listening_ports_fail_on_weak_host_lists_unexpected_ports() -> None:
    outcome = listening_ports(on("linux-weak"))
    assert outcome.status is Status.failed
    assert [str(e.observed) for e in outcome.evidence] == [
        "tcp/21 on * (vsftpd)",
        "tcp/23 on 0.0.0.0 (inetd)",
        "tcp/139 on 0.0.0.0, :: (smbd)",
        "tcp/445 on 0.0.0.0, :: (smbd)",
        "tcp/3306 on 0.0.0.0 (mariadbd)",
        "udp/137 on 192.168.10.255, 192.168.10.23, 0.0.0.0 (nmbd)",
        "udp/138 on 192.168.10.255, 192.168.10.23, 0.0.0.0 (nmbd)",
    ]  # sshd on 22 is allowed; dhclient on udp/68 is a DHCP client; exim4 is loopback-only


def test_listening_ports_allowed_list_comes_from_params() -> None:
    params = ListeningPortsParams(allowed_ports=[22, 3306], allowed_udp_client_ports=[])
    stdout = ss_line("tcp", "0.0.0.0:3306", "mariadbd") + ss_line("udp", "0.0.0.0:68", "dhclient")
    outcome = listening_ports(live({SS: result(stdout)}, params=params))
    assert outcome.status is Status.failed
    assert pairs(outcome) == [("command: ss -H -tulpn", "udp/68 on 0.0.0.0 (dhclient)")]
    assert str(outcome.evidence[0].expected) == "only allowed ports: 22, 3306"


def test_listening_ports_nothing_listening_passes() -> None:
    outcome = listening_ports(live({SS: result("")}))
    assert outcome.status is Status.passed
    assert str(outcome.evidence[0].observed) == "nothing listens on a network address"


def test_listening_ports_not_applicable_on_offline_image() -> None:
    outcome = listening_ports(image("linux-hardened"))
    assert outcome.status is Status.not_applicable
    assert "offline image" in str(outcome.reason)


def test_listening_ports_params_reject_bad_ports() -> None:
    with pytest.raises(ValidationError):
        ListeningPortsParams(allowed_ports=[0])
    with pytest.raises(ValidationError):
        RiskyService(name="x", port=70000)
