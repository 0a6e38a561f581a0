"""An SNTP responder on loopback whose clock, stratum and manners the test chooses."""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

NTP_EPOCH = 2208988800
PACKET = struct.Struct("!BBbbiI4sQQQQ")
Behaviour = Literal["answer", "wrong_originate", "short", "silent", "no_transmit"]


def ntp_time(unix_time: float) -> int:
    """Unix time as a 64-bit NTP timestamp (written independently of the prober's)."""
    seconds = unix_time + NTP_EPOCH
    return (int(seconds) % 2**32) << 32 | int((seconds % 1) * 2**32)


@dataclass
class NtpResponder:
    """Answers SNTP requests on ``host`` from a thread with a clock ``shift`` seconds off."""

    host: str = "127.0.0.1"
    shift: float = 0.0
    stratum: int = 2
    leap: int = 0
    mode: int = 4
    reference_id: bytes = bytes([192, 168, 1, 1])
    behaviour: Behaviour = "answer"
    requests: list[bytes] = field(default_factory=list)
    port: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sock: socket.socket | None = None

    def __enter__(self) -> NtpResponder:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._sock.bind((self.host, 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def reply(self, request: bytes) -> bytes:
        """The answer to ``request``, as configured."""
        received = ntp_time(time.time() + self.shift)
        originate = PACKET.unpack(request)[-1]
        if self.behaviour == "wrong_originate":
            originate ^= 1 << 20
        header = self.leap << 6 | 4 << 3 | self.mode
        delay, dispersion = int(0.0015 * 2**16), int(0.025 * 2**16)
        reference = ntp_time(time.time() + self.shift - 64)
        transmit = 0 if self.behaviour == "no_transmit" else ntp_time(time.time() + self.shift)
        packet = PACKET.pack(
            header, self.stratum, 6, -20, delay, dispersion, self.reference_id,
            reference, originate, received, transmit,
        )  # fmt: skip
        return packet[:20] if self.behaviour == "short" else packet

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                request, peer = self._sock.recvfrom(1024)
            except TimeoutError:
                continue
            self.requests.append(request)
            if self.behaviour != "silent":
                self._sock.sendto(self.reply(request), peer)
