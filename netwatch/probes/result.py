"""What a probe returns, how it fails, and how its phases are timed.

A probe's duration is the sum of its phases, and a phase times network events only
(resolve, connect, tls, first_byte, transfer, rtt, ...): set-up such as imports, TLS
contexts and sockets happens before or between phases, never inside one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from netwatch.core.secrets import mask_text
from netwatch.i18n import Message

# Failure reasons are label values of netwatch_probe_failures_total: keep this set bounded.
FAILURE_REASONS = (
    "timeout",  # no answer before the probe's deadline
    "resolve",  # the name did not resolve
    "refused",  # TCP connection refused / port unreachable
    "unreachable",  # network or host unreachable, no route
    "connection",  # other connection errors (reset, closed early)
    "tls",  # handshake failed or the certificate did not verify
    "protocol",  # the peer spoke, but not the expected protocol
    "status",  # HTTP status not in the expected set, DNS rcode unexpected
    "content",  # body / banner / answer did not match the expectations
    "permission",  # the agent lacks a privilege (e.g. ICMP sockets)
    "config",  # the probe's own settings cannot work (e.g. missing secret env var)
    "denied",  # a /probe module's target rules refused the address (e.g. a redirect's)
    "error",  # anything else
)

# Warnings of a successful probe (the service works, but look at it soon): a bounded set.
WARNING_KINDS = (
    "cert_expiring",  # the certificate chain expires within the warning threshold
)


def rounded(value: float, digits: int = 1) -> int | float:
    """``value`` to ``digits`` decimals for a reader, a whole number without its ``.0``
    (shown as ``14``, ``4.9``)."""
    number = round(value, digits)
    return int(number) if number.is_integer() else number


class ProbeFailure(Exception):
    """A probe ended in a known failure; ``reason`` is one of :data:`FAILURE_REASONS`.

    ``message`` is the detail for readers (a message in their language); ``detail`` is its
    English text, for logs and config errors.
    """

    def __init__(self, reason: str, detail: str | Message) -> None:
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}")
        super().__init__(str(detail))
        self.reason = reason
        self.detail = str(detail)
        self.message = detail


@dataclass
class ProbeResult:
    """The outcome of one probe.

    ``values`` holds numeric facts exported as metrics (e.g. ``http_status_code``,
    ``tls_expiry_timestamp``), ``info`` holds short text facts for people (issuer,
    HTTP version), in English; neither may contain secrets. ``info_messages`` holds, for
    a fact written in words rather than read, its message (see :meth:`describe`).
    ``warnings`` maps a kind from :data:`WARNING_KINDS` to a one-line detail; a probe may
    succeed with warnings.
    """

    success: bool = False
    reason: str = ""
    detail: str = ""
    duration: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    info_messages: dict[str, Message] = field(default_factory=dict)
    warnings: dict[str, str | Message] = field(default_factory=dict)
    detail_message: Message | None = None  # the detail for readers of other languages

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase (resolve, connect, tls, first_byte, transfer, ...); adds up on repeats."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start

    def total(self) -> float:
        """The probe's duration: the sum of its network phases."""
        return sum(self.phases.values())

    def describe(self, key: str, text: Message) -> None:
        """Set a text fact written in words: ``info`` keeps its English (logs, /probe),
        ``info_messages`` the message for readers of other languages."""
        self.info[key] = str(text)
        self.info_messages[key] = text

    def warn(self, kind: str, detail: str | Message) -> None:
        """Add a warning of a kind from :data:`WARNING_KINDS` (a message for other languages)."""
        if kind not in WARNING_KINDS:
            raise ValueError(f"unknown warning kind {kind!r}")
        self.warnings[kind] = detail

    def fail(self, reason: str, detail: str | Message) -> ProbeResult:
        """Mark failed with a reason from :data:`FAILURE_REASONS` and a one-line detail
        (secrets in it masked; a message with a secret in it is kept as masked English)."""
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}")
        text = mask_text(str(detail))
        self.success, self.reason, self.detail = False, reason, text
        self.detail_message = (
            detail if isinstance(detail, Message) and text == str(detail) else None
        )
        return self

    def succeed(self, detail: str = "") -> ProbeResult:
        """Mark successful."""
        self.success, self.reason, self.detail, self.detail_message = True, "", detail, None
        return self
