"""ARP sweep of LAN networks, with an unprivileged fallback.

With raw-socket privilege (root or CAP_NET_RAW) each interface gets ONE scapy
L2 socket for the whole sweep (not in promiscuous mode), with a kernel BPF
filter that passes only ARP replies. Requests are paced and retried like arp-scan's (see
:class:`SweepSettings`); the receive loop waits on the sockets with ``select``
until every address answered or had its last timeout, and the overall timeout
is a hard cap. scapy is imported only when a sweep starts.

Without the privilege (``mode: auto``), :mod:`netwatch.lan.fallback` finds the
hosts through the kernel's neighbour table; the result says so in ``method``
and ``notes``.

``python -m netwatch.lan.sweep [CIDR...] [--interface IF]`` prints a sweep as JSON.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import select
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from pydantic import ValidationError

from netwatch.durations import format_duration
from netwatch.i18n import Message, msg
from netwatch.lan.arp import (
    ARP_REPLY_BPF,
    ARP_REPLY_FILTER,
    Schedule,
    format_mac,
    mac_bytes,
    parse_reply,
    request_frame,
)
from netwatch.lan.model import Observation, SweepMethod, SweepResult
from netwatch.lan.settings import SweepSettings
from netwatch.lan.targets import Link, TargetError, choose_networks, plan_links

Progress = Callable[[int, int], None]

_SO_ATTACH_FILTER = 26
_RECEIVE_BUFFER = 1 << 20
_PROGRESS_EVERY = 0.1  # seconds between progress callbacks


class SweepError(RuntimeError):
    """The sweep could not run (e.g. ``mode: arp`` without privilege)."""


def _attach_bpf(sock: socket.socket) -> None:
    """Attach :data:`ARP_REPLY_BPF` to ``sock`` (for hosts without libpcap)."""

    class Instruction(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint32),
        ]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    instructions = (Instruction * len(ARP_REPLY_BPF))(*(Instruction(*i) for i in ARP_REPLY_BPF))
    program = Program(len(ARP_REPLY_BPF), instructions)
    sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, bytes(program))


def open_arp_socket(interface: str) -> Any:
    """A scapy L2 socket on ``interface`` that receives ARP replies only (non-blocking).

    The filter is compiled by libpcap through scapy; without libpcap the same
    program, precompiled, is attached directly. Raises PermissionError without
    raw-socket privilege.
    """
    import scapy.layers.l2  # noqa: F401 - sets conf.L2socket and the Ethernet link type
    from scapy.config import conf
    from scapy.error import Scapy_Exception

    try:
        sock = conf.L2socket(iface=interface, promisc=False, filter=ARP_REPLY_FILTER)
    except Scapy_Exception:
        sock = conf.L2socket(iface=interface, promisc=False, nofilter=1)
        _attach_bpf(sock.ins)
    sock.ins.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
    sock.ins.setblocking(False)
    return sock


class _ArpSweep:
    """One raw ARP sweep over ``links``, sockets already open (one per link)."""

    def __init__(self, links: list[Link], sockets: list[Any], settings: SweepSettings) -> None:
        self.links = links
        self.sockets = sockets
        self.settings = settings
        self.targets = [(number, ip) for number, link in enumerate(links) for ip in link.targets]
        self.index = {(number, ip.packed): i for i, (number, ip) in enumerate(self.targets)}
        self.macs = [mac_bytes(link.mac) for link in links]
        self.seen: dict[tuple[str, str], Observation] = {}
        self.notes: list[Message] = []

    def run(self, deadline: float, progress: Progress | None) -> None:
        settings = self.settings
        now = time.monotonic()
        schedule = Schedule(
            len(self.targets), settings.interval, settings.retries, settings.backoff,
            settings.host_timeout, now,
        )  # fmt: skip
        readers = {sock.ins.fileno(): number for number, sock in enumerate(self.sockets)}
        reported, last_report = -1, 0.0
        while not schedule.finished(now):
            if now >= deadline:
                self.notes.append(
                    msg(
                        "stopped at the overall timeout ({timeout}): {done} of {count} addresses "
                        "finished: the result is partial",
                        timeout=format_duration(settings.timeout),
                        done=schedule.done,
                        count=schedule.count,
                    )
                )
                break
            index = schedule.take(now)
            if index is not None:
                self._send(*self.targets[index])
            wake = schedule.wake(now)
            wait = min(deadline if wake is None else wake, deadline) - time.monotonic()
            ready, _, _ = select.select(list(readers), [], [], max(0.0, wait))
            for fd in ready:
                self._drain(readers[fd], schedule)
            now = time.monotonic()
            if progress and schedule.done != reported and now - last_report >= _PROGRESS_EVERY:
                reported, last_report = schedule.done, now
                progress(schedule.done, schedule.count)
        if progress:
            progress(schedule.count, schedule.count)

    def _send(self, number: int, ip: IPv4Address) -> None:
        link = self.links[number]
        frame = request_frame(self.macs[number], link.source, ip)
        try:
            self.sockets[number].outs.send(frame)
        except OSError as exc:  # e.g. ENOBUFS: counts as a lost request, retries cover it
            note = msg(
                "sending on {interface} failed: {error}",
                interface=link.interface,
                error=exc.strerror or str(exc),
            )
            if note not in self.notes:
                self.notes.append(note)

    def _drain(self, number: int, schedule: Schedule) -> None:
        sock = self.sockets[number].ins
        interface = self.links[number].interface
        while True:
            try:
                frame = sock.recv(2048)
            except (BlockingIOError, InterruptedError):
                return
            reply = parse_reply(frame)
            index = self.index.get((number, reply[0])) if reply else None
            if reply is None or index is None:
                continue
            schedule.answer(index)
            ip, mac = socket.inet_ntoa(reply[0]), format_mac(reply[1])
            if (ip, mac) not in self.seen:
                self.seen[(ip, mac)] = Observation(ip, mac, interface, time.time(), "arp")


def _open_all(links: list[Link]) -> list[Any]:
    sockets: list[Any] = []
    try:
        for link in links:
            sockets.append(open_arp_socket(link.interface))
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def sweep(
    networks: Sequence[tuple[str, IPv4Network]],
    settings: SweepSettings,
    progress: Progress | None = None,
) -> SweepResult:
    """Sweep ``networks`` (from :func:`~netwatch.lan.targets.choose_networks`).

    ``progress(done, total)`` is called now and then with the number of
    addresses finished. Raises :class:`SweepError` when ``mode`` is ``arp``
    without raw-socket privilege, or when the neighbour table cannot be read.
    """
    started = time.time()
    start = time.monotonic()
    deadline = start + settings.timeout
    links = plan_links(networks)
    notes: list[Message] = []
    method: SweepMethod = "arp"
    sockets: list[Any] = []
    if settings.mode == "neighbour":
        method = "neighbour"
        notes.append(msg("neighbour mode chosen in the settings: no raw ARP"))
    else:
        try:
            sockets = _open_all(links)
        except PermissionError as exc:
            if settings.mode == "arp":
                raise SweepError(
                    f"raw ARP needs root or CAP_NET_RAW: {exc.strerror or exc}"
                ) from exc
            method = "neighbour"
            notes.append(
                msg(
                    "no raw-socket privilege ({error}; raw ARP needs root or CAP_NET_RAW): used "
                    "the kernel neighbour table after TCP/ICMP probes instead",
                    error=exc.strerror or str(exc),
                )
            )
        except OSError as exc:
            raise SweepError(f"cannot open a packet socket: {exc.strerror or exc}") from exc
    if method == "arp":
        arp = _ArpSweep(links, sockets, settings)
        try:
            arp.run(deadline, progress)
        finally:
            for sock in sockets:
                sock.close()
        observations, more = list(arp.seen.values()), arp.notes
    else:
        from netwatch.lan.fallback import NeighbourError, neighbour_sweep

        try:
            observations, more = neighbour_sweep(
                links, settings.interval, settings.final_wait, deadline, progress
            )
        except NeighbourError as exc:
            raise SweepError(str(exc)) from exc
    observations.sort(key=lambda seen: (socket.inet_aton(seen.ip), seen.mac))
    return SweepResult(
        observations=tuple(observations),
        subnets=tuple(str(network) for _, network in networks),
        interfaces=tuple(link.interface for link in links),
        method=method,
        started_at=started,
        duration=time.monotonic() - start,
        notes=tuple(notes + more),
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: sweep and print the :class:`SweepResult` as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m netwatch.lan.sweep", description="Sweep LAN networks; print JSON."
    )
    parser.add_argument("cidrs", nargs="*", help="networks (default: private LANs)")
    parser.add_argument("--interface", help="interface to sweep on")
    parser.add_argument("--mode", choices=["auto", "arp", "neighbour"])
    parser.add_argument("--interval", help="time between requests, e.g. 2ms")
    parser.add_argument("--retries", type=int, help="requests per silent address")
    parser.add_argument("--backoff", type=float, help="timeout factor per retry")
    parser.add_argument("--host-timeout", help="wait for a first answer, e.g. 500ms")
    parser.add_argument("--timeout", help="hard cap on the sweep, e.g. 60s")
    parser.add_argument("--max-prefix", type=int, default=22, help="size cap (default /22)")
    parser.add_argument("--force", action="store_true", help="sweep networks over the cap")
    args = parser.parse_args(argv)
    given = {
        name: getattr(args, name)
        for name in ("mode", "interval", "retries", "backoff", "host_timeout", "timeout")
        if getattr(args, name) is not None
    }
    try:
        settings = SweepSettings(**given)
        networks = choose_networks(args.cidrs, args.interface, args.max_prefix, args.force)
    except ValidationError as exc:
        print(f"error: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result = sweep(networks, settings)
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({**asdict(result), "notes": [str(n) for n in result.notes]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
