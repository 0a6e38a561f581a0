"""The Linux posture parsers, one by one: any text gives a result or the parser's own error.

Each ``@example`` is an input that crashed or hung a parser before it was fixed (the
regression corpus). Timing properties use bounds far above the fixed parsers' times
and far below the quadratic or exponential times they replaced.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netwatch.core.yamlfile import ConfigError
from netwatch.facts.accounts import parse_passwd, parse_shadow
from netwatch.facts.listening import ListeningError, parse_ss
from netwatch.facts.os_release import parse_os_release
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks._eol import parse_eol_table
from netwatch.posture.checks._filemodes import FileModeError, file_modes, host_key_modes
from netwatch.posture.checks._keyvalue import parse_settings
from netwatch.posture.checks._storage import crypt_source, lsblk_chains
from netwatch.posture.checks.linux.updates import _apt_pending, _dnf_pending
from netwatch.posture.context import CheckContext
from netwatch.posture.parsers.apt import parse_apt_text
from netwatch.posture.parsers.firewalld import list_all_target, zone_xml_target
from netwatch.posture.parsers.iptables import parse_iptables_save
from netwatch.posture.parsers.nftables import parse_ruleset
from netwatch.posture.parsers.pam import load_pam_stack
from netwatch.posture.parsers.sshd import argv_split, load_sshd_config
from netwatch.posture.parsers.sudoers import Sudoers, SudoUser, load_sudoers
from netwatch.posture.parsers.ufw import parse_ufw_status, shell_assignments
from tests.fuzz.strategies import DEEP_JSON, EVIL_NUMBERS, host_text, json_text, json_values, near
from tests.helpers.recorded import RecordedCommands

FAST = 3.0
"""Seconds a parser may take on the largest inputs here (each took minutes or hung before)."""

PASSWD = "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000:Bob,,,:/home/bob:/bin/bash\n"
STAT = "644 0 0 root root /etc/passwd\n640 0 42 root shadow /etc/shadow\n"
SS = (
    'tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=612,fd=3))\n'
    "udp   UNCONN 0 0 [::1]:323 [::]:*\n"
)
NFT = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n"
SUDOERS = "Defaults env_reset\nUser_Alias OPS = alice, bob\nOPS ALL=(ALL) NOPASSWD: ALL\n"
PAM = (
    "auth required pam_faillock.so preauth deny=5\npassword requisite pam_pwquality.so minlen=12\n"
)
APT = 'APT::Periodic::Unattended-Upgrade "1";\nUnattended-Upgrade { Origins-Pattern { "o=Debian"; }; };\n'
LSBLK = {"blockdevices": [{"name": "sda", "type": "disk", "mountpoint": None, "children": [
    {"name": "sda1", "type": "part", "mountpoint": "/boot"},
    {"name": "crypt", "type": "crypt", "mountpoint": "/"}]}]}  # fmt: skip
APT_UPGRADE = (
    "Inst openssl [3.0.11-1] (3.0.13-1 Debian-Security:12/stable-security [amd64])\n"
    "1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
)


def within(seconds: float, function: object, *args: object) -> object:
    start = time.perf_counter()
    result = function(*args)  # type: ignore[operator]
    assert time.perf_counter() - start < seconds, f"{function} took too long"
    return result


# passwd, shadow, key/value settings, PAM -------------------------------------------------


@given(text=near(PASSWD))
@example(text="bob:x:²:0::/:/bin/sh\n")  # str.isdigit() accepts "²", int() does not
@example(text="bob:x:" + "9" * 5000 + ":0::/:/bin/sh\n")  # beyond int()'s digit limit
def test_passwd_and_shadow(text: str) -> None:
    for entry in parse_passwd(text):
        assert entry.uid >= 0 and entry.name
    for account in parse_shadow(text):
        assert account.name and account.line >= 1


@given(text=near("PASS_MAX_DAYS 90\nminlen = 12\n"), spaced=st.booleans())
def test_settings(text: str, spaced: bool) -> None:
    for key, setting in parse_settings(text, "/etc/login.defs", spaced).items():
        assert key and not any(char.isspace() for char in key)
        assert setting.source.startswith("/etc/login.defs:")


@given(text=near(PAM))
def test_pam_rules(text: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "etc/pam.d").mkdir(parents=True)
        (Path(root) / "etc/pam.d/login").write_text(text, encoding="utf-8")
        stack = within(FAST, load_pam_stack, FileReader(Path(root)), "login", "auth")
    for rule in stack.rules:
        assert rule.kind == "auth" and rule.source.startswith("/etc/pam.d/")
        rule.arg("deny")


# sudoers ---------------------------------------------------------------------------------


BOB, ROOT = SudoUser("bob", 1000), SudoUser("root", 0, frozenset({"root"}), frozenset({0}))


def _sudoers(text: str) -> Sudoers:
    """``text`` as /etc/sudoers of a throw-away root, read by sudo's rules."""
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "etc").mkdir()
        (Path(root) / "etc/sudoers").write_text(text, encoding="utf-8", errors="surrogateescape")
        return load_sudoers(FileReader(root), "host")


@given(text=near(SUDOERS))
@example(text="u ALL=" + "a" * 100_000 + " :" + "b" * 100_000 + " :")  # quadratic label search
@example(text="bob ALL=" + "NOPASSWD:" * 30_000 + "ALL")  # quadratic tag slicing
def test_sudoers_verdicts(text: str) -> None:
    policy = within(FAST, _sudoers, text)
    verdict = within(FAST, policy.root_verdict, BOB, ROOT)
    assert not verdict.nopasswd or verdict.allowed
    assert all(spec.source.startswith("/etc/sudoers:") for spec in policy.specs)


def test_sudoers_alias_bombs_and_chains() -> None:
    """Aliases naming the next one twice (2**40 paths), or 5000 deep (RecursionError before)."""
    users = [f"User_Alias U{i} = U{i + 1}, U{i + 1}" for i in range(40)] + ["User_Alias U40 = bob"]
    commands = [f"Cmnd_Alias C{i} = C{i + 1}, C{i + 1}" for i in range(40)]
    chain = [f"User_Alias D{i} = D{i + 1}" for i in range(5000)] + ["User_Alias D5000 = eve"]
    text = "\n".join([*users, *commands, "Cmnd_Alias C40 = /bin/ls", *chain,
                      "U0 ALL=(ALL) NOPASSWD: C0", "D0 ALL=(ALL) NOPASSWD: ALL", ""])  # fmt: skip
    policy = within(FAST, _sudoers, text)
    bob = within(FAST, policy.root_verdict, BOB, ROOT)
    eve = within(FAST, policy.root_verdict, SudoUser("eve", 1001), ROOT)
    assert not bob.allowed, "bob may run only /bin/ls"
    assert eve.allowed and eve.nopasswd


# sshd ------------------------------------------------------------------------------------


@given(text=near('Ciphers "aes256-gcm@openssh.com" # comment\n'))
def test_sshd_arguments(text: str) -> None:
    args = argv_split(text)
    assert args is None or all(isinstance(arg, str) for arg in args)


def test_sshd_includes_that_include_each_other_end(tmp_path: Path) -> None:
    """Three files including the whole directory: 3**16 reads within the depth limit before."""
    conf = tmp_path / "etc/ssh/sshd_config.d"
    conf.mkdir(parents=True)
    (tmp_path / "etc/ssh/sshd_config").write_text("Include sshd_config.d/*\n")
    for name in ("a", "b", "c"):
        (conf / f"{name}.conf").write_text("PermitRootLogin no\nInclude sshd_config.d/*\n")
    config = within(FAST, load_sshd_config, FileReader(tmp_path))
    assert config is not None and config.refused  # sshd refuses: too deep
    assert "too many recursive configuration includes" in config.refused


# firewall --------------------------------------------------------------------------------


@given(text=near(NFT))
@example(text="table inet f { set s { elements = { " + "10.0.0.1, " * 160_000 + "} } }")
def test_nft(text: str) -> None:
    ruleset = within(FAST, parse_ruleset, text)
    for chain in ruleset.chains:
        assert chain.family and chain.source
        chain.describe()
    assert ruleset.refused is not None or ruleset.hook_verdict().describe()


@given(text=near(":INPUT DROP [0:0]\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n"))
def test_iptables(text: str) -> None:
    parsed = parse_iptables_save(text)
    assert parsed.refused is not None or parsed.input_verdict().describe()


@given(text=host_text)
def test_ufw_firewalld_and_shell_files(text: str) -> None:
    status = parse_ufw_status(text)
    assert status is None or isinstance(status.describe(), str)
    assert isinstance(list_all_target(text), str)
    assert zone_xml_target(text)
    for key, value in shell_assignments(text, "/etc/ufw/ufw.conf").items():
        assert value.name == key and value.source.startswith("/etc/ufw/ufw.conf:")


# listening sockets, file modes -----------------------------------------------------------


@given(text=near(SS))
@example(text="tcp LISTEN 0 128 0.0.0.0:²² 0.0.0.0:*\n")
@example(text="tcp LISTEN 0 128 0.0.0.0:" + "9" * 5000 + " 0.0.0.0:*\n")
def test_ss(text: str) -> None:
    try:
        listeners = parse_ss(text)
    except ListeningError as exc:
        assert "ss output" in str(exc)
        return
    for listener in listeners:
        assert 0 <= listener.port <= 65535 and listener.protocol in ("tcp", "udp")


def _context(stdout: str, argv: list[str], live: bool = True) -> CheckContext:
    recording = {" ".join(argv): {"returncode": 0, "stdout": stdout, "stderr": ""}}
    root = Path(__file__).parents[1] / "fixtures/posture/linux-weak"
    access = HostAccess(FileReader(root), RecordedCommands(recording), None, live=live)
    return CheckContext(access, "linux")


@given(text=near(STAT))
@example(text="644 ² 0 root root /etc/passwd\n")
@example(text="644 0 " + "9" * 5000 + " root root /etc/passwd\n")
@example(text="0o7 0 0 root root /etc/passwd\n")
def test_stat_and_find_output(text: str) -> None:
    paths = ["/etc/passwd", "/etc/shadow"]
    stat = ["stat", "-c", "%a %u %g %U %G %n", "--", *paths]
    find = ["find", "/etc/ssh", "-maxdepth", "1", "-type", "f", "-name", "ssh_host_*_key",
            "-printf", "%m %U %G %u %g %p\\n"]  # fmt: skip
    for read, argv in (
        (lambda c: list(file_modes(c, paths).values()), stat),
        (host_key_modes, find),
    ):
        try:
            modes = read(_context(text, argv))
        except FileModeError as exc:
            assert "output" in str(exc) or "failed" in str(exc)
            continue
        for mode in modes:
            assert 0 <= mode.mode <= 0o777777 and mode.uid >= 0
            mode.describe()


@given(text=near("root:x:0:\nshadow:x:42:\n"), number=st.sampled_from(EVIL_NUMBERS))
def test_offline_owner_names(text: str, number: str) -> None:
    """On a mounted image owner names come from the image's passwd and group files."""
    root = Path(__file__).parents[1] / "fixtures/posture/linux-weak"
    argv = ["stat", "-c", "%a %u %g %U %G %n", "--", str(root / "etc/passwd")]
    access = HostAccess(_Files(root, text.replace("42", number)),
                        RecordedCommands({" ".join(argv): {"stdout": f"644 0 42 a b {argv[-1]}\n"}}),
                        None, live=False)  # fmt: skip
    modes = file_modes(CheckContext(access, "linux"), ["/etc/passwd"])
    assert set(modes) == {"/etc/passwd"}


class _Files(FileReader):
    """The image's files, with /etc/passwd and /etc/group both holding ``text``."""

    def __init__(self, root: Path, text: str) -> None:
        super().__init__(root)
        self.text = text

    def read_text_or_none(self, system_path: str) -> str | None:
        return self.text if system_path in ("/etc/passwd", "/etc/group") else None


# block devices, APT, os-release, updates -------------------------------------------------


@given(text=st.one_of(st.sampled_from(DEEP_JSON), json_values.map(json_text), host_text,
                      st.just(json_text(LSBLK))))  # fmt: skip
@example(text="[" * 100_000)  # RecursionError before
@example(text='{"blockdevices": ' + '[{"name": "a", "children": ' * 900 + "[]" + "}]" * 900 + "}")
def test_lsblk(text: str) -> None:
    try:
        chains = lsblk_chains(text)
    except ValueError:
        return
    for mountpoint, found in chains.items():
        assert isinstance(mountpoint, str) and all(chain for chain in found)


@given(
    device=host_text | st.sampled_from(["/dev/mapper/vg-root", "/dev/vg/lv", "/dev/mapper/a-b-c"])
)
@example(device="//\x00/")  # ValueError (embedded null byte) reading /etc/lvm/backup/<NUL>
def test_crypt_source(device: str) -> None:
    files = FileReader(Path(__file__).parents[1] / "fixtures/posture/linux-hardened")
    assert crypt_source(files, device, {"vg-root": "/etc/crypttab:1"}) in (None, "/etc/crypttab:1")


@given(text=near(APT))
@example(text="/*" * 100_000)
def test_apt_conf(text: str) -> None:
    config = within(FAST, parse_apt_text, text, "/etc/apt/apt.conf")
    for setting in config.values():
        assert setting.key and setting.source.startswith("/etc/apt/apt.conf:")


@given(text=near('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian \\"bookworm\\""\n'))
def test_os_release(text: str) -> None:
    release = parse_os_release(text, "/etc/os-release")
    assert release.family in (None, "debian", "rhel")
    for key in release.fields:
        assert key.isidentifier() and release.source(key).startswith("/etc/os-release:")


@given(text=near("debian:\n  name: Debian\n  end_means: end of security support\n  source: x\n"
                 "  releases:\n    '12': {end: 2028-06-10}\n"))  # fmt: skip
@example(text="a: &a [" + "*a, " * 10 + "]\n" + "b: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
@example(text="debian:\n  releases:\n    '12': {end: " + "9" * 5000 + "}\n")  # int() in PyYAML
def test_eol_table(text: str) -> None:
    try:
        table = parse_eol_table(text, "eol.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("eol.yaml: ")
        return
    assert all(distro.releases for distro in table.values())


@given(text=near(APT_UPGRADE))
def test_pending_updates(text: str) -> None:
    for parse in (_apt_pending, _dnf_pending):
        try:
            pending = parse(text)
        except ValueError:
            continue
        assert pending.other >= 0 and all(isinstance(name, str) for name in pending.security)


@pytest.mark.parametrize("depth", [10, 5000])
def test_yaml_nesting_in_eol_table_is_a_config_error(depth: int) -> None:
    with pytest.raises(ConfigError, match="^eol.yaml: "):
        parse_eol_table("[" * depth + "]" * depth, "eol.yaml")


def test_include_paths_holding_nul(tmp_path: Path) -> None:
    """Paths read from files may hold NUL: such a file is missing (ValueError before)."""
    (tmp_path / "etc/ssh").mkdir(parents=True)
    (tmp_path / "etc/ssh/sshd_config").write_text("Include /etc/ssh/\x00x\nPermitRootLogin no\n")
    (tmp_path / "etc/sudoers").write_text(
        "@include /etc/\x00\n#includedir /etc/\x00d\nbob ALL=(ALL) NOPASSWD: ALL\n"
    )
    files = FileReader(tmp_path)
    config = load_sshd_config(files)
    assert config is not None
    policy = load_sudoers(files, "host")
    assert [spec.text for spec in policy.specs] == ["bob ALL=(ALL) NOPASSWD: ALL"]
    assert policy.root_verdict(BOB, ROOT).nopasswd
