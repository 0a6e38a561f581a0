"""Target rules of /probe modules: host syntax, default denied ranges, allowed_targets."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from netwatch.i18n import render
from netwatch.probes.config import module_model
from netwatch.probes.netutil import resolve
from netwatch.probes.result import ProbeFailure, ProbeResult
from netwatch.probes.rules import TargetDenied, TargetRules, host_name_problem
from netwatch.probes.scope import ProbeScope, check_addresses, probe_scope

DEFAULT = TargetRules.parse(None, "probe_modules.m.allowed_targets")

NUMERIC_TRICKS = ["2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001", "0177.0.0.1",
                  "127.0.1", "0x7f.0.0.1", "127.0.0.1 ", "1"]  # fmt: skip


@pytest.mark.parametrize("host", NUMERIC_TRICKS)
def test_numeric_host_tricks_are_refused(host: str) -> None:
    assert "non-canonical" in str(host_name_problem(host))
    with pytest.raises(TargetDenied, match="non-canonical"):
        DEFAULT.check_host(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "fe80::1%lo", "portal.ubnd.local",
                                  "fs01", "_sip._tcp.example.org", "xn--bcher-kva.example."])  # fmt: skip
def test_canonical_hosts_pass_the_syntax_check(host: str) -> None:
    assert host_name_problem(host) is None


@pytest.mark.parametrize("host", ["bad host", "-lead.example", "a..b", "x" * 64 + ".org", ""])
def test_malformed_names_are_refused(host: str) -> None:
    assert str(host_name_problem(host)) == "not a valid host name"


@pytest.mark.parametrize(
    ("address", "rule"),
    [("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
     ("::ffff:127.0.0.1", "loopback"), ("169.254.169.254", "cloud metadata"),
     ("fd00:ec2::254", "cloud metadata"), ("100.100.100.200", "cloud metadata"),
     ("169.254.10.1", "link-local"), ("fe80::1", "link-local"), ("fe80::1%lo", "link-local"),
     ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.251", "multicast"),
     ("ff02::1", "multicast"), ("255.255.255.255", "broadcast")],
)  # fmt: skip
def test_default_rules_deny_local_and_metadata_addresses(address: str, rule: str) -> None:
    with pytest.raises(TargetDenied, match=rule) as caught:
        DEFAULT.check_addresses(address, [address])
    assert "probe_modules.m.allowed_targets" in str(caught.value)


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.1.20", "172.16.0.5", "100.64.0.1",
                                     "fd12::5", "8.8.8.8"])  # fmt: skip
def test_default_rules_allow_lan_and_public_addresses(address: str) -> None:
    DEFAULT.check_host(address)
    DEFAULT.check_addresses(address, [address])


def test_a_denial_reads_in_the_readers_language() -> None:
    with pytest.raises(TargetDenied) as caught:
        DEFAULT.check_addresses("intranet", ["127.0.0.1"])
    assert str(caught.value) == caught.value.message.render("en")
    assert caught.value.message.render("vi") == (
        "đích intranet phân giải thành 127.0.0.1: địa chỉ vòng lặp nội bộ (loopback) "
        "(127.0.0.0/8, ::1/128) bị từ chối trừ khi `probe_modules.m.allowed_targets` liệt kê chúng"
    )
    with probe_scope(ProbeScope(DEFAULT)), pytest.raises(ProbeFailure) as failure:
        check_addresses("127.0.0.1", ["127.0.0.1"])
    assert failure.value.detail == "target 127.0.0.1: loopback addresses (127.0.0.0/8, ::1/128) " \
        "are refused unless probe_modules.m.allowed_targets lists them"  # fmt: skip
    assert "bị từ chối" in render(failure.value.message, "vi")


def test_every_resolved_address_is_checked() -> None:
    with pytest.raises(TargetDenied, match=r"intranet resolves to 127\.0\.0\.1: loopback"):
        DEFAULT.check_addresses("intranet", ["10.0.0.5", "127.0.0.1"])


def test_allowed_targets_lists_networks_names_and_suffixes() -> None:
    rules = TargetRules.parse(["10.20.0.0/16", "portal.ubnd.local", "*.lab.local"], "here")
    rules.check_addresses("10.20.3.4", ["10.20.3.4"])
    rules.check_addresses("portal.ubnd.local.", ["192.168.5.5"])
    rules.check_addresses("db.lab.local", ["192.168.9.9"])
    rules.check_addresses("a.b.LAB.local", ["192.168.9.9"])
    for host, address in [("10.21.0.1", "10.21.0.1"), ("lab.local", "192.168.9.9"),
                          ("evillab.local", "192.168.9.9"), ("other", "192.168.5.5")]:  # fmt: skip
        with pytest.raises(TargetDenied, match="is not in here"):
            rules.check_addresses(host, [address])
    # A name resolving into a listed network is allowed by its addresses.
    rules.check_addresses("printer", ["10.20.0.9"])


def test_a_listed_name_does_not_open_denied_ranges() -> None:
    rules = TargetRules.parse(["intranet.local"], "here")
    with pytest.raises(TargetDenied, match="loopback"):
        rules.check_addresses("intranet.local", ["127.0.0.1"])
    opened = TargetRules.parse(["intranet.local", "127.0.0.0/8"], "here")
    opened.check_addresses("intranet.local", ["127.0.0.1"])
    opened.check_addresses("::ffff:127.0.0.1", ["::ffff:127.0.0.1"])


def test_only_networks_inside_a_denied_range_open_it() -> None:
    rules = TargetRules.parse(["0.0.0.0/0", "::/0", "169.254.0.0/16"], "here")
    rules.check_addresses("8.8.8.8", ["8.8.8.8"])
    rules.check_addresses("169.254.3.3", ["169.254.3.3"])  # link-local is listed
    for address, rule in [("127.0.0.1", "loopback"), ("::1", "loopback"),
                          ("169.254.169.254", "cloud metadata")]:  # fmt: skip
        with pytest.raises(TargetDenied, match=rule):
            rules.check_addresses(address, [address])
    TargetRules.parse(["169.254.169.254"], "here").check_addresses(
        "169.254.169.254", ["169.254.169.254"]
    )


def test_names_only_lists_refuse_before_resolving() -> None:
    rules = TargetRules.parse(["portal.ubnd.local"], "here")
    with pytest.raises(TargetDenied, match="'elsewhere.example' is not in here"):
        rules.check_host("elsewhere.example")
    rules.check_host("portal.ubnd.local")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [("127.1", "non-canonical"), ("10.0.0.1/8", "host bits set"), ("*", "use a CIDR"),
     ("*.10.0.0.1", "domain name"), ("bad name", "not a valid host name")],
)  # fmt: skip
def test_bad_allowed_targets_entries_are_config_errors(entry: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        module_model()(prober="tcp", allowed_targets=[entry])


def test_module_with_credentials_needs_allowed_targets() -> None:
    model = module_model()
    for http in ({"basic_auth": {"username": "u", "password": "p"}},
                 {"bearer_token_env": "TOKEN"}, {"headers": {"X-Api-Key": "k"}},
                 {"headers": {"Cookie": "session=1"}}):  # fmt: skip
        with pytest.raises(ValidationError, match="sends credentials .* allowed_targets"):
            model(prober="http", http=http)
        assert model(prober="http", http=http, allowed_targets=["10.0.0.0/8"]).credentials()
    assert model(prober="http", http={"headers": {"Accept-Language": "vi"}}).credentials() == []


def _resolve_in_scope(host: str, rules: TargetRules) -> tuple[ProbeScope, ProbeResult, str]:
    scope, result = ProbeScope(rules, trail=[]), ProbeResult()

    async def run() -> str:
        with probe_scope(scope):
            return (await resolve(host, 80, result))[1]

    try:
        return scope, result, asyncio.run(run())
    except ProbeFailure as exc:
        assert exc.reason == "denied"
        return scope, result, exc.detail


def test_resolve_checks_every_address_inside_a_scope_only() -> None:
    scope, _, detail = _resolve_in_scope("localhost", DEFAULT)
    assert "localhost resolves to" in detail and "loopback" in detail
    assert scope.target_denied == detail and scope.passed == 0
    assert any("resolved localhost to" in line for line in scope.trail or [])
    # Outside a scope (the admin's own services) nothing is refused.
    assert asyncio.run(resolve("localhost", 80, ProbeResult()))[1] in ("127.0.0.1", "::1")
    scope, _, address = _resolve_in_scope("127.0.0.1", TargetRules.parse(["127.0.0.1"], "x"))
    assert address == "127.0.0.1" and scope.passed == 1 and scope.target_denied is None
