"""A LAN built from network namespaces, for sweep and registry tests and the benchmark.

Layout (everything lives in namespaces; the root namespace only gets the
namespace files under /run/netns)::

    <base>-br    bridge namespace: bridge br0 with one veth port per host
    <base>-scan  scanner namespace: lan0 = 198.18.0.2/<prefix>, MAC 02:00:c6:12:00:02
    <base>-hN    one namespace per host: eth0 = its IP, MAC 02:00:<IP as hex>

``<base>`` is ``<prefix>-<pid>-<n>``, so parallel runs and several labs in one
process never collide; namespaces left by a crashed run (its pid is gone) are
removed when the next lab with the same prefix starts. IPv6 address generation
is off on every link so the lab stays quiet apart from the traffic under test.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import pwd
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNER_INTERFACE = "lan0"
_BRIDGE = "br0"
_SEQUENCE = itertools.count(1)


class LabError(RuntimeError):
    """Building or changing the lab failed; the message has the failing command's output."""


@dataclass(frozen=True)
class LabHost:
    """One host namespace: its namespace name, IPv4 address and MAC."""

    name: str
    ip: str
    mac: str


def lab_mac(ip: str) -> str:
    """The lab's deterministic, locally administered MAC for ``ip``: 02:00 + the IP in hex."""
    return "02:00:" + ":".join(f"{octet:02x}" for octet in ipaddress.IPv4Address(ip).packed)


def _batch(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _ip(args: Sequence[str], batch: Sequence[str] = (), check: bool = True) -> None:
    """Run ``ip ARGS`` (with ``-batch -`` lines on stdin when given)."""
    argv = ["ip", *args, *(["-batch", "-"] if batch else [])]
    done = subprocess.run(
        argv, input=_batch(batch), capture_output=True, text=True, timeout=60, check=False
    )
    if check and done.returncode:
        raise LabError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")


def _run_parallel(jobs: Sequence[tuple[str, list[str]]]) -> None:
    """Run ``ip -n NS -batch -`` for several (namespace, lines) at once; raise if any failed."""
    running = []
    for namespace, lines in jobs:
        process = subprocess.Popen(
            ["ip", "-n", namespace, "-batch", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        running.append((namespace, process, lines))
    errors = []
    for namespace, process, lines in running:
        _, stderr = process.communicate(_batch(lines), timeout=60)
        if process.returncode:
            errors.append(f"ip -n {namespace} -batch: {stderr.strip()}")
    if errors:
        raise LabError("; ".join(errors))


def namespaces() -> list[str]:
    """Names of the existing named network namespaces."""
    listed = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def remove_stale(prefix: str) -> None:
    """Delete namespaces named ``<prefix>-<pid>-…`` whose process is gone (a crashed run)."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-\d+-")
    stale = [
        name for name in namespaces()
        if (match := pattern.match(name)) and not Path(f"/proc/{match.group(1)}").exists()
    ]  # fmt: skip
    if stale:
        _ip(["-force"], [f"netns del {name}" for name in stale], check=False)


def unprivileged_user() -> str:
    """A user for fallback runs: ``nobody`` when it can run this Python, else ``root``.

    :meth:`Lab.run_in_scanner` drops every capability either way, so even
    ``root`` cannot open raw sockets; ``root`` is only needed when the
    interpreter lives where ``nobody`` cannot read (e.g. pyenv under /root).
    """
    probe = subprocess.run(
        [*_setpriv("nobody"), sys.executable, "-c", "import netwatch.lan.sweep"],
        capture_output=True, env=scanner_env(), timeout=60, check=False,
    )  # fmt: skip
    return "nobody" if probe.returncode == 0 else "root"


def _setpriv(user: str) -> list[str]:
    entry = pwd.getpwnam(user)
    return [
        "setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]  # fmt: skip


def scanner_env() -> dict[str, str]:
    """Environment for Python subprocesses in the lab: this checkout first on the path."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }


class Lab:
    """Context manager that builds the namespace LAN and removes all of it on exit."""

    def __init__(
        self,
        hosts: int = 55,
        network: str = "198.18.0.0/24",
        prefix: str = "nwt",
        *,
        host_ips: Sequence[str] | None = None,
    ) -> None:
        self.network = ipaddress.IPv4Network(network)
        self.prefix = prefix
        self.base = f"{prefix}-{os.getpid()}-{next(_SEQUENCE)}"
        self.bridge_ns = f"{self.base}-br"
        self.scanner_ns = f"{self.base}-scan"
        self.scanner_ip = str(self.network.network_address + 2)
        first = self.network.network_address + 10
        self._planned = list(host_ips) if host_ips is not None else [
            str(first + index) for index in range(hosts)
        ]  # fmt: skip
        self._hosts: list[LabHost] = []
        self._created: list[str] = []
        self._index = itertools.count(1)

    @property
    def hosts(self) -> list[LabHost]:
        """The host namespaces, in creation order."""
        return list(self._hosts)

    def __enter__(self) -> Lab:
        remove_stale(self.prefix)
        try:
            self._add_namespaces([self.bridge_ns, self.scanner_ns])
            _ip(["-n", self.bridge_ns], [
                "link set lo up",
                f"link add {_BRIDGE} type bridge stp_state 0 mcast_snooping 0 forward_delay 0",
                f"link set {_BRIDGE} addrgenmode none",
                f"link set {_BRIDGE} up",
                f"link add scan type veth peer name {SCANNER_INTERFACE} netns {self.scanner_ns}"
                f" address {lab_mac(self.scanner_ip)}",
                "link set scan addrgenmode none",
                f"link set scan master {_BRIDGE} up",
            ])  # fmt: skip
            _ip(["-n", self.scanner_ns], self._host_config(self.scanner_ip, SCANNER_INTERFACE))
            self._add_hosts([(ip, lab_mac(ip)) for ip in self._planned])
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete every namespace this lab made (their links go with them)."""
        if self._created:
            _ip(["-force"], [f"netns del {name}" for name in self._created], check=False)
        self._created.clear()
        self._hosts.clear()

    def _add_namespaces(self, names: Sequence[str]) -> None:
        _ip([], [f"netns add {name}" for name in names])
        self._created.extend(names)

    def _host_config(self, ip: str, device: str) -> list[str]:
        return [
            "link set lo up",
            f"addr add {ip}/{self.network.prefixlen} dev {device}",
            f"link set {device} addrgenmode none",
            f"link set {device} up",
        ]

    def _add_hosts(self, specs: Sequence[tuple[str, str]]) -> list[LabHost]:
        """Create one namespace per (ip, mac), wired to the bridge, configured in parallel."""
        added = [
            (LabHost(f"{self.base}-h{index}", ip, mac.lower()), f"h{index}")
            for (ip, mac), index in zip(specs, self._index, strict=False)
        ]
        if not added:
            return []
        self._add_namespaces([host.name for host, _ in added])
        links = []
        for host, port in added:
            links += [
                f"link add {port} type veth peer name eth0 netns {host.name} address {host.mac}",
                f"link set {port} addrgenmode none",
                f"link set {port} master {_BRIDGE} up",
            ]
        _ip(["-n", self.bridge_ns], links)
        _run_parallel([(host.name, self._host_config(host.ip, "eth0")) for host, _ in added])
        self._hosts.extend(host for host, _ in added)
        return [host for host, _ in added]

    def add_host(self, ip: str, mac: str) -> LabHost:
        """A new host namespace (the IP may already be in use: that makes a conflict)."""
        return self._add_hosts([(ip, mac)])[0]

    def remove_host(self, host_name: str) -> None:
        """Delete a host's namespace; its veth pair and bridge port go with it."""
        host = self._host(host_name)
        _ip(["netns", "del", host.name])
        self._created.remove(host.name)
        self._hosts.remove(host)

    def set_mac(self, host_name: str, mac: str) -> LabHost:
        """Give a host a new MAC (as if its network card was swapped); return the new record."""
        host = self._host(host_name)
        _ip(["-n", host.name], [
            "link set eth0 down", f"link set eth0 address {mac}", "link set eth0 up",
        ])  # fmt: skip
        changed = replace(host, mac=mac.lower())
        self._hosts[self._hosts.index(host)] = changed
        return changed

    def _host(self, host_name: str) -> LabHost:
        for host in self._hosts:
            if host.name == host_name:
                return host
        raise KeyError(f"no lab host named {host_name!r}")

    def scanner_env(self) -> dict[str, str]:
        """Environment for subprocesses run in the scanner namespace."""
        return scanner_env()

    def run_in_scanner(
        self, argv: list[str], user: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in the scanner namespace; with ``user``, as that user without any
        capability (so raw sockets fail even for ``root``)."""
        wrapper = _setpriv(user) if user else []
        return subprocess.run(
            ["ip", "netns", "exec", self.scanner_ns, *wrapper, *argv],
            capture_output=True, text=True, env=self.scanner_env(), timeout=timeout, check=False,
        )  # fmt: skip
