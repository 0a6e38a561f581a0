"""The settings of an ARP sweep: its own module, so the config model can be built
without loading the sweep code (the lan collector is off by default)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netwatch.core.settings import Duration, StrictModel

SweepMode = Literal["auto", "arp", "neighbour"]


class SweepSettings(StrictModel):
    """Pacing, retries and timeouts of a sweep (arp-scan's defaults)."""

    interval: Duration = Field(
        0.002, description="Average time between two requests (a late one is made up for, at "
        "most 4 back to back). 2ms (500 packets/s) is arp-scan's pace (its 256 kbit/s default "
        "for 64-byte frames): about 0.5s per /24, under common switch broadcast storm-control "
        "limits, and light for small devices that answer ARP in software."
    )  # fmt: skip
    retries: int = Field(
        2, ge=1, le=10, description="Requests sent to an address that stays silent, counting the "
        "first (arp-scan's --retry): 2 means one retry."
    )  # fmt: skip
    backoff: float = Field(
        1.5, ge=1.0, le=10.0, description="Factor applied to host_timeout after each request "
        "to the same address."
    )  # fmt: skip
    host_timeout: Duration = Field(
        0.5, description="How long to wait for an answer to an address's first request."
    )
    timeout: Duration = Field(
        60.0, description="Hard cap on the whole sweep; a cut-short sweep is partial and says so."
    )
    mode: SweepMode = Field(
        "auto", description="arp: raw ARP (needs root or CAP_NET_RAW); neighbour: kernel "
        "neighbour table after TCP/ICMP probes (no privilege); auto: arp when allowed, else "
        "neighbour."
    )  # fmt: skip

    @property
    def final_wait(self) -> float:
        """How long an address is awaited after its last request."""
        return self.host_timeout * self.backoff ** (self.retries - 1)
