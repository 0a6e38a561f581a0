"""nftables and iptables rulesets as netwatch reads them against the kernel that runs them.

Each corpus case (tests/differential/corpus/nftables/ and corpus/iptables/, first line
``# probes: ...``) is loaded by the real program, nft 1.0.6 or iptables-restore 1.8.9
from Debian 12, into a fresh network namespace joined to a second one by a veth pair on
198.18.0.0/24. Three things must agree with the parser:

- whether the program refuses the ruleset (``nft -c``, then loading it for real);
- the chains the kernel holds (``nft -j list ruleset``: family, table, chain, hook,
  priority, policy, number of rules);
- the kernel's verdict on a TCP SYN from the other namespace to a port where a server
  listens: answered (accept), refused by RST or ICMP (reject) or never answered (drop).

Never in the root network namespace: the suite runs under ``unshare --net`` and every
case builds its own two namespaces, which vanish with their processes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.iptables import parse_iptables_save
from netwatch.posture.parsers.nftables import Ruleset, read_nftables_conf

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent / "corpus"
NFT_CASES = sorted((CORPUS / "nftables").iterdir())
IPT_CASES = sorted((CORPUS / "iptables").glob("*.v4"))
PORT = 4242
SERVER, CLIENT = "198.18.0.1", "198.18.0.2"
TIMEOUT = 30
SYN_WAIT = 1.5
# Host files nft needs once /etc is the case's own (loader cache, names of services).
HOST_ETC = ("ld.so.cache", "services", "protocols", "nsswitch.conf", "passwd", "group")
# case name -> why netwatch and the kernel may differ there
EXCEPTIONS = {
    "20-negated-match.v4": "'! -s 10.0.0.0/8 -j ACCEPT' matches the probe from 198.18.0.2: "
    "netwatch follows the packet no match selects and does not evaluate addresses, so it "
    "judges the final DROP; the kernel accepts the probe (and every address outside 10/8)",
}

LISTENER = f"""
import socket
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", {PORT}))
server.listen(16)
print("ready", flush=True)
while True:
    server.accept()[0].close()
"""
HOLDER = "print('ready', flush=True); import sys; sys.stdin.read()"
CONNECT = f"""
import errno, socket
try:
    socket.create_connection(("{SERVER}", {PORT}), timeout={SYN_WAIT}).close()
    print("accept")
except socket.timeout:
    print("drop")
except OSError as exc:
    print("reject" if exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH) else exc)
"""


@pytest.fixture(scope="module", autouse=True)
def _programs() -> None:
    if os.geteuid() != 0:
        pytest.skip("loading rulesets into network namespaces needs root")
    if {name for _, name in socket.if_nameindex()} != {"lo"}:
        pytest.skip("run under unshare --net: the labs are built from a namespace with only lo")
    for program in ("nft", "iptables-restore", "ip", "nsenter", "unshare"):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing (tests/run.sh installs nftables and iptables)")


@dataclass
class Lab:
    """Two namespaces joined by a veth pair; a server listens on the firewalled one."""

    server: subprocess.Popen[str]
    client: subprocess.Popen[str]

    def run(self, side: subprocess.Popen[str], *argv: str) -> subprocess.CompletedProcess[str]:
        command = ["nsenter", f"--net=/proc/{side.pid}/ns/net", "--", *argv]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)

    def syn(self) -> str:
        """The kernel's answer to a connection from the client side."""
        return self.run(self.client, sys.executable, "-c", CONNECT).stdout.strip()


def _spawn(*argv: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["unshare", "--net", "--", *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    own = os.stat("/proc/self/ns/net").st_ino
    assert os.stat(f"/proc/{process.pid}/ns/net").st_ino != own
    return process


@pytest.fixture
def lab() -> Iterator[Lab]:
    server = _spawn(sys.executable, "-c", LISTENER)
    client = _spawn(sys.executable, "-c", HOLDER)
    lab = Lab(server, client)
    try:
        link = ["ip", "link", "add", "nwfw", "netns", str(server.pid), "type", "veth"]
        peer = ["peer", "name", "nwcl", "netns", str(client.pid)]
        subprocess.run([*link, *peer], check=True, timeout=TIMEOUT)
        for side, name, address in ((server, "nwfw", SERVER), (client, "nwcl", CLIENT)):
            for argv in (
                ["ip", "link", "set", "lo", "up"],
                ["ip", "addr", "add", f"{address}/24", "dev", name],
                ["ip", "link", "set", name, "up"],
            ):
                assert lab.run(side, *argv).returncode == 0, argv
        assert lab.syn() == "accept", "the lab must connect before any ruleset is loaded"
        yield lab
    finally:
        for process in (server, client):
            process.kill()
            process.wait(timeout=TIMEOUT)


def _chains(listing: str) -> list[tuple[str, str, str, str, int, str, int]]:
    """(family, table, chain, hook, priority, policy, rules) from ``nft -j list ruleset``."""
    items = json.loads(listing)["nftables"]
    rules: dict[tuple[str, str, str], int] = {}
    for item in items:
        if "rule" in item:
            key = (item["rule"]["family"], item["rule"]["table"], item["rule"]["chain"])
            rules[key] = rules.get(key, 0) + 1
    found = []
    for item in items:
        if "chain" in item:
            chain = item["chain"]
            key = (chain["family"], chain["table"], chain["name"])
            hook = chain.get("hook", "")
            policy = chain.get("policy", "") if hook else ""
            found.append((*key, hook, chain.get("prio", 0), policy, rules.get(key, 0)))
    return sorted(found)


def _our_chains(ruleset: Ruleset) -> list[tuple[str, str, str, str, int, str, int]]:
    return sorted(
        (
            chain.family,
            chain.table,
            chain.name,
            chain.hook,
            chain.priority if chain.hook else 0,
            chain.effective_policy if chain.hook else "",
            len(chain.rules),
        )
        for chain in ruleset.chains
    )


def _case_root(case: Path, tmp_path: Path) -> Path:
    """The case as an image root: a file becomes /etc/nftables.conf, a folder is a tree."""
    root = tmp_path / "root"
    if case.is_dir():
        shutil.copytree(case, root, symlinks=True)
    else:
        (root / "etc").mkdir(parents=True)
        shutil.copy(case, root / "etc" / "nftables.conf")
    for name in HOST_ETC:
        if Path("/etc", name).exists() and not (root / "etc" / name).exists():
            shutil.copy(Path("/etc", name), root / "etc" / name)
    return root


def _nft(lab: Lab, root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """nft in the server's namespace, in a mount namespace where /etc is the case's."""
    script = 'mount --bind "$1" /etc && shift && exec nft "$@"'
    return lab.run(
        lab.server, "unshare", "--mount", "--", "sh", "-c", script, "sh", str(root / "etc"), *argv
    )


def _judge(name: str, ours: dict[str, object], real: dict[str, object]) -> None:
    if name in EXCEPTIONS:
        assert ours != real, f"{name} agrees now: drop it from EXCEPTIONS"
        return
    assert ours == real, f"{name}: netwatch {ours}, kernel {real}"


def test_corpora_are_large_enough() -> None:
    assert len(NFT_CASES) >= 25 and len(IPT_CASES) >= 15
    for case in (*NFT_CASES, *IPT_CASES):
        first = case / "etc" / "nftables.conf" if case.is_dir() else case
        assert first.read_text().startswith("# probes: "), case.name


@pytest.mark.parametrize("case", NFT_CASES, ids=[c.name for c in NFT_CASES])
def test_nft_loads_what_netwatch_reads(lab: Lab, case: Path, tmp_path: Path) -> None:
    root = _case_root(case, tmp_path)
    ruleset = read_nftables_conf(FileReader(root))
    assert ruleset is not None
    check = _nft(lab, root, "-c", "-f", "/etc/nftables.conf")
    load = _nft(lab, root, "-f", "/etc/nftables.conf") if check.returncode == 0 else check
    real: dict[str, object] = {"refused": load.returncode != 0}
    ours: dict[str, object] = {"refused": ruleset.refused is not None}
    if load.returncode == 0 and ruleset.refused is None:
        listing = lab.run(lab.server, "nft", "-j", "list", "ruleset")
        real.update(chains=_chains(listing.stdout), verdict=lab.syn())
        ours.update(chains=_our_chains(ruleset), verdict=ruleset.hook_verdict().verdict)
    _judge(case.name, ours, real)


@pytest.mark.parametrize("case", IPT_CASES, ids=[c.name for c in IPT_CASES])
def test_iptables_restore_loads_what_netwatch_reads(lab: Lab, case: Path) -> None:
    rules = parse_iptables_save(case.read_text(), case.name)
    load = lab.run(lab.server, "iptables-restore", str(case))
    real: dict[str, object] = {"refused": load.returncode != 0}
    ours: dict[str, object] = {"refused": rules.refused is not None}
    if load.returncode == 0 and rules.refused is None:
        listing = lab.run(lab.server, "nft", "-j", "list", "ruleset")
        kernel = _chains(listing.stdout)
        real.update(chains=kernel, verdict=lab.syn())
        names = {(c[1], c[2]) for c in kernel}
        mine = [c for c in _our_chains(rules.ruleset) if (c[1], c[2]) in names or c[6]]
        ours.update(chains=mine, verdict=rules.input_verdict().verdict)
    _judge(case.name, ours, real)
