"""ARP frames and the send schedule of a sweep: pure code, no sockets, no scapy.

The schedule follows arp-scan: a first pass asks every address in order, one
``interval`` apart; then each address that stayed silent is asked again once
``host_timeout`` has passed since its last request (multiplied by ``backoff``
after each further try) until it has had ``retries`` requests; the sweep ends
once every address has answered or had its last timeout.
"""

from __future__ import annotations

import heapq
import struct
from collections import deque
from ipaddress import IPv4Address

ARP_REPLY_FILTER = "arp and arp[6:2] = 2"
"""tcpdump syntax for "ARP replies only"."""

ARP_REPLY_BPF = (
    (0x28, 0, 0, 12),  # ldh [12]            Ethernet type
    (0x15, 0, 3, 0x0806),  # jeq #0x806      ARP, else drop
    (0x28, 0, 0, 20),  # ldh [20]            ARP operation
    (0x15, 0, 1, 2),  # jeq #2               reply, else drop
    (0x06, 0, 0, 0xFFFF),  # ret #65535      accept
    (0x06, 0, 0, 0),  # ret #0               drop
)
""":data:`ARP_REPLY_FILTER` compiled for Ethernet (what libpcap makes of it)."""

BROADCAST = b"\xff" * 6
_ARP_HEADER = struct.Struct("!6s6sHHHBBH6s4s6s4s")
_ETHERTYPE_ARP = 0x0806
_PREFIX = b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02"  # ARP, Ethernet/IPv4, reply


def mac_bytes(mac: str) -> bytes:
    """``aa:bb:cc:dd:ee:ff`` (or with dashes) as 6 bytes."""
    return bytes.fromhex(mac.replace(":", "").replace("-", ""))


def format_mac(raw: bytes) -> str:
    """6 bytes as a lower-case, colon-separated MAC."""
    return raw.hex(":")


def request_frame(source_mac: bytes, source_ip: IPv4Address, target_ip: IPv4Address) -> bytes:
    """A broadcast ARP request "who has ``target_ip``?" (42 bytes; drivers pad it)."""
    return _ARP_HEADER.pack(
        BROADCAST, source_mac, _ETHERTYPE_ARP, 1, 0x0800, 6, 4, 1,
        source_mac, source_ip.packed, b"\0" * 6, target_ip.packed,
    )  # fmt: skip


def parse_reply(frame: bytes) -> tuple[bytes, bytes] | None:
    """(sender IP, sender MAC) of an Ethernet ARP reply for IPv4, else None."""
    if len(frame) < _ARP_HEADER.size or frame[12:22] != _PREFIX:
        return None
    return frame[28:32], frame[22:28]


_PENDING, _WAITING, _ANSWERED, _EXPIRED = range(4)
MAX_BURST = 4
"""After a scheduling hiccup, at most this many requests leave back to back to regain the pace."""


class Schedule:
    """When to send which request, for ``count`` addresses numbered 0..count-1.

    ``interval`` is the average time between requests: a late send is made up
    for (at most :data:`MAX_BURST` requests back to back), so the pace holds on
    a busy machine. Each address is pending (more requests to send), waiting
    (last timeout running), answered or expired.
    """

    def __init__(
        self,
        count: int,
        interval: float,
        retries: int,
        backoff: float,
        host_timeout: float,
        now: float,
    ) -> None:
        self.count = count
        self.interval = interval
        self.retries = retries
        self.timeouts = [host_timeout * backoff**attempt for attempt in range(retries)]
        self._fresh = deque(range(count))
        self._retry: list[tuple[float, int]] = []
        self._expiring: deque[tuple[float, int]] = deque()
        self._attempts = [0] * count
        self._state = [_PENDING] * count
        self._next_slot = now
        self.pending = count
        self.waiting = 0
        self.answered = 0
        self.expired = 0

    @property
    def done(self) -> int:
        """Addresses finished: answered, or silent after their last timeout."""
        return self.answered + self.expired

    def finished(self, now: float) -> bool:
        """True when nothing is left to send or wait for."""
        self._expire(now)
        return not self.pending and not self.waiting

    def answer(self, index: int) -> bool:
        """Record an answer from address ``index``; False if it had already answered.

        A late answer (after the last timeout) still counts.
        """
        state = self._state[index]
        if state == _ANSWERED:
            return False
        if state == _PENDING:
            self.pending -= 1
        elif state == _WAITING:
            self.waiting -= 1
        else:
            self.expired -= 1
        self._state[index] = _ANSWERED
        self.answered += 1
        return True

    def take(self, now: float) -> int | None:
        """The address to send a request to now, or None when it is not time yet."""
        if now < self._next_slot:
            return None
        index = self._next_index(now)
        if index is None:
            return None
        attempt = self._attempts[index]
        self._attempts[index] = attempt + 1
        wait = self.timeouts[attempt]
        if attempt + 1 < self.retries:
            heapq.heappush(self._retry, (now + wait, index))
        else:
            self._state[index] = _WAITING
            self.pending -= 1
            self.waiting += 1
            self._expiring.append((now + wait, index))
        # behind schedule: catch up, but leave no more than MAX_BURST requests back to back
        catch_up = now - (MAX_BURST - 2) * self.interval
        self._next_slot = max(self._next_slot + self.interval, catch_up)
        return index

    def wake(self, now: float) -> float | None:
        """When :meth:`take` or :meth:`finished` may next change its answer."""
        self._clean()
        times = []
        if self._fresh:
            times.append(self._next_slot)
        elif self._retry:
            times.append(max(self._next_slot, self._retry[0][0]))
        if self._expiring:
            times.append(self._expiring[0][0])
        return min(times) if times else None

    def _clean(self) -> None:
        """Drop answered addresses from the heads of the queues."""
        state = self._state
        while self._fresh and state[self._fresh[0]] == _ANSWERED:
            self._fresh.popleft()
        while self._retry and state[self._retry[0][1]] == _ANSWERED:
            heapq.heappop(self._retry)
        while self._expiring and state[self._expiring[0][1]] != _WAITING:
            self._expiring.popleft()

    def _next_index(self, now: float) -> int | None:
        self._clean()
        if self._fresh:
            return self._fresh.popleft()
        if self._retry and self._retry[0][0] <= now:
            return heapq.heappop(self._retry)[1]
        return None

    def _expire(self, now: float) -> None:
        self._clean()
        while self._expiring and self._expiring[0][0] <= now:
            _, index = self._expiring.popleft()
            self._state[index] = _EXPIRED
            self.waiting -= 1
            self.expired += 1
            self._clean()
