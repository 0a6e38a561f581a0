"""Sweep without raw sockets: make the kernel resolve each address, then read its neighbour table.

A non-blocking TCP connect to port 445 of each address makes the kernel send
its own ARP request. A host is reported when its neighbour entry appeared or
changed during the sweep (it answered that ARP request), or when it answered
TCP (a connection or a refusal) or an ICMP echo while its entry was complete.
Entries that were complete before and stay silent (a stale entry of a host
that left, or of a host that drops everything) get a second chance on the
other common ports and an unprivileged ICMP echo (where
``net.ipv4.ping_group_range`` allows it), then are left out.

The neighbour table holds one MAC per IP, so IP conflicts cannot be seen here.
"""

from __future__ import annotations

import contextlib
import errno
import re
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial

from netwatch.hostaccess import CommandRunner, Commands, FileReader, Files
from netwatch.hostaccess.commands import CommandError
from netwatch.hostaccess.jsontext import load_json
from netwatch.i18n import Message, msg
from netwatch.lan.model import Observation
from netwatch.lan.targets import Link
from netwatch.probes.icmp import echo_request, parse_message

PORTS = (445, 80, 22, 3389, 139)
"""SMB, HTTP, SSH, RDP, NetBIOS: common on office hosts; the first one triggers resolution."""

CONFLICT_NOTE = msg("the neighbour table keeps one MAC per IP, so IP conflicts are not visible")
_MAX_OPEN = 256  # connects in flight; the oldest is closed first (its ARP request is already out)
_ATF_COM = 0x2  # /proc/net/arp flag: entry complete
_ANSWERS = {0, errno.ECONNREFUSED}
_HEX_FLAGS = re.compile("(0x)?[0-9a-fA-F]{1,8}")

Progress = Callable[[int, int], None]


class NeighbourError(RuntimeError):
    """Neither /proc/net/arp nor ``ip -j neigh`` could be read."""


def read_neighbours(
    files: Files | None = None, commands: Commands | None = None
) -> dict[tuple[str, str], str]:
    """Complete IPv4 neighbour entries: (interface, ip) -> MAC.

    Reads /proc/net/arp; where it does not exist, ``ip -j neigh show``.
    """
    text = (files or FileReader()).read_text_or_none("/proc/net/arp")
    if text is not None:
        return parse_proc_arp(text)
    runner = commands or CommandRunner()
    try:
        done = runner.run(["ip", "-j", "-4", "neigh", "show"], timeout=10)
    except CommandError as exc:
        raise NeighbourError(f"cannot read the neighbour table: {exc}") from exc
    if done.returncode:
        raise NeighbourError(f"cannot read the neighbour table: ip neigh: {done.stderr.strip()}")
    return parse_ip_neigh(done.stdout)


def parse_proc_arp(text: str) -> dict[tuple[str, str], str]:
    """Entries of /proc/net/arp (IP, HW type, flags, MAC, mask, device) that are complete.

    Lines whose flags are not a hex number are not entries and are skipped.
    """
    entries = {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        complete = len(fields) >= 6 and _HEX_FLAGS.fullmatch(fields[2])
        if complete and int(fields[2], 16) & _ATF_COM:
            entries[(fields[5], fields[0])] = fields[3].lower()
    return entries


def parse_ip_neigh(text: str) -> dict[tuple[str, str], str]:
    """Entries of ``ip -j neigh`` output that carry a MAC and are not failed.

    Raises :class:`NeighbourError` when the output is not a JSON list of neighbour objects.
    """
    try:
        entries = load_json(text or "[]")
    except ValueError as exc:
        raise NeighbourError(f"ip -j neigh printed something that is not JSON: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise NeighbourError("ip -j neigh printed something other than a list of neighbours")
    found = {}
    for entry in entries:
        mac, state = entry.get("lladdr"), entry.get("state", [])
        if not mac or (isinstance(state, list) and "FAILED" in state):
            continue
        dev, dst = entry.get("dev"), entry.get("dst")
        if not all(isinstance(value, str) for value in (mac, dev, dst)):
            raise NeighbourError(
                f"ip -j neigh: a neighbour without text dev, dst and lladdr: {entry!r:.120}"
            )
        found[(dev, dst)] = mac.lower()
    return found


class Reachability:
    """Non-blocking TCP connects and ICMP echoes; remembers which addresses answered."""

    def __init__(self) -> None:
        self.answered: set[str] = set()
        self._selector = selectors.DefaultSelector()
        self._open: deque[socket.socket] = deque()
        self._icmp = self._open_icmp()
        self._sequence = 0

    @property
    def icmp(self) -> bool:
        """True when unprivileged ICMP echo is allowed for this user."""
        return self._icmp is not None

    def _open_icmp(self) -> socket.socket | None:
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        except OSError:
            return None
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ, None)
        return sock

    def connect(self, ip: str, port: int) -> None:
        """Start a TCP connect; an answer (accepted or refused) marks ``ip`` as present."""
        if len(self._open) >= _MAX_OPEN:
            self._close(self._open.popleft())
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError:
            return
        sock.setblocking(False)
        code = sock.connect_ex((ip, port))
        if code != errno.EINPROGRESS:
            if code in _ANSWERS:
                self.answered.add(ip)
            sock.close()
            return
        self._selector.register(sock, selectors.EVENT_WRITE, ip)
        self._open.append(sock)

    def echo(self, ip: str) -> None:
        """Send one ICMP echo request (when allowed); a reply marks ``ip`` as present."""
        if self._icmp is None:
            return
        self._sequence = (self._sequence + 1) & 0xFFFF
        with contextlib.suppress(OSError):
            self._icmp.sendto(echo_request(socket.AF_INET, 0, self._sequence, b""), (ip, 0))

    def poll(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for answers and record them."""
        if not self._selector.get_map():
            time.sleep(max(0.0, timeout))
            return
        for key, _ in self._selector.select(max(0.0, timeout)):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            if sock is self._icmp:
                self._read_icmp()
                continue
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) in _ANSWERS:
                self.answered.add(key.data)
            self._open.remove(sock)
            self._close(sock)

    def _read_icmp(self) -> None:
        assert self._icmp is not None
        while True:
            try:
                data, (source, _) = self._icmp.recvfrom(2048)
            except OSError:
                return
            message = parse_message(socket.AF_INET, data)
            if message is not None and message.kind == "reply":
                self.answered.add(source)

    def _close(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)
        sock.close()

    def close(self) -> None:
        """Close every socket."""
        while self._open:
            self._close(self._open.popleft())
        if self._icmp is not None:
            self._close(self._icmp)
        self._selector.close()


def _probe(
    reach: Reachability,
    jobs: Iterable[Callable[[], None]],
    interval: float,
    settle: float,
    deadline: float,
    tick: Callable[[], None] | None = None,
) -> bool:
    """Run ``jobs`` one ``interval`` apart, then wait ``settle``; False if the deadline hit."""
    next_slot = time.monotonic()
    for job in jobs:
        while (now := time.monotonic()) < min(next_slot, deadline):
            reach.poll(min(next_slot, deadline) - now)
        if now >= deadline:
            return False
        job()
        if tick:
            tick()
        next_slot = max(next_slot + interval, now + interval / 2)
    end = time.monotonic() + settle
    while (now := time.monotonic()) < min(end, deadline):
        reach.poll(min(end, deadline) - now)
    return end <= deadline


def neighbour_sweep(
    links: list[Link],
    interval: float,
    settle: float,
    deadline: float,
    progress: Progress | None = None,
    files: Files | None = None,
    commands: Commands | None = None,
) -> tuple[list[Observation], list[Message]]:
    """Find the hosts of ``links`` without raw sockets; return observations and notes.

    Requests leave ``interval`` apart; answers are awaited ``settle`` seconds
    after the last one. ``deadline`` (monotonic) cuts the sweep short.
    """
    targets = [(link.interface, str(ip)) for link in links for ip in link.targets]
    total = len(targets)
    notes = [CONFLICT_NOTE]
    before = read_neighbours(files, commands)
    reach = Reachability()
    sent = 0

    def tick() -> None:
        nonlocal sent
        sent += 1
        if progress:
            progress(sent, total)

    try:
        jobs = [partial(reach.connect, ip, PORTS[0]) for _, ip in targets]
        complete = _probe(reach, jobs, interval, settle, deadline, tick)
        after = read_neighbours(files, commands)
        found = {
            key: after[key] for key in targets
            if key in after and (before.get(key) != after[key] or key[1] in reach.answered)
        }  # fmt: skip
        doubtful = [key for key in targets if key in after and key not in found]
        if complete and doubtful:
            jobs = [partial(reach.connect, ip, port) for _, ip in doubtful for port in PORTS[1:]]
            jobs += [partial(reach.echo, ip) for _, ip in doubtful]
            complete = _probe(reach, jobs, interval, settle, deadline)
            after = read_neighbours(files, commands)
            found |= {
                key: after[key] for key in doubtful if key in after and key[1] in reach.answered
            }
    finally:
        reach.close()
    if not complete:
        notes.append(
            msg(
                "stopped at the overall timeout after probing {sent} of {total} addresses: "
                "the result is partial",
                sent=sent,
                total=total,
            )
        )
    if progress:
        progress(total, total)
    now = time.time()
    return [
        Observation(ip=ip, mac=mac, interface=interface, seen_at=now, method="neighbour")
        for (interface, ip), mac in found.items()
    ], notes
