"""A minimal SMTP sink for tests: accepts every message over plain SMTP and keeps it.

It speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, offers no STARTTLS and no
AUTH, and stores each message with its envelope. Serve ``SmtpSink.handle`` with an
asyncio server (e.g. ``tests.probes.tcp_servers.ServerThread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

MAX_MESSAGE = 10 * 1024 * 1024


@dataclass(frozen=True)
class SinkMessage:
    """One message as received: envelope sender, recipients and the raw message."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        """The message parsed with the standard library (headers decoded)."""
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def text(self) -> str:
        """The decoded text of every text part (HTML tags left in)."""
        parts = [
            part.get_content()
            for part in self.parsed().walk()
            if part.get_content_maintype() == "text"
        ]
        return "\n".join(str(part) for part in parts)


@dataclass
class SmtpSink:
    """Accepts mail from any client; ``messages()`` returns what arrived so far."""

    _messages: list[SinkMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[SinkMessage]:
        """A snapshot of the messages received (safe to call from any thread)."""
        with self._lock:
            return list(self._messages)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one SMTP session."""
        mail_from = ""
        rcpt_to: list[str] = []
        try:
            writer.write(b"220 sink.test.invalid ESMTP netwatch-test-sink\r\n")
            while line := await reader.readline():
                command = line.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, argument = command.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    writer.write(b"250-sink.test.invalid\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == "HELO":
                    writer.write(b"250 sink.test.invalid\r\n")
                elif verb == "MAIL":
                    mail_from, rcpt_to = _address(argument), []
                    writer.write(b"250 2.1.0 Ok\r\n")
                elif verb == "RCPT":
                    rcpt_to.append(_address(argument))
                    writer.write(b"250 2.1.5 Ok\r\n")
                elif verb == "DATA" and rcpt_to:
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    await writer.drain()
                    data = await _read_data(reader)
                    with self._lock:
                        self._messages.append(SinkMessage(mail_from, tuple(rcpt_to), data))
                    writer.write(b"250 2.0.0 Ok: queued\r\n")
                elif verb == "DATA":
                    writer.write(b"503 5.5.1 Error: need RCPT command\r\n")
                elif verb in ("RSET", "NOOP"):
                    if verb == "RSET":
                        mail_from, rcpt_to = "", []
                    writer.write(b"250 2.0.0 Ok\r\n")
                elif verb == "QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"502 5.5.2 Error: command not recognized\r\n")
                await writer.drain()
        except (OSError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _address(argument: str) -> str:
    """The address in ``FROM:<a@b> SIZE=1`` or ``TO:<a@b>``."""
    _, _, rest = argument.partition(":")
    return rest.strip().split(" ", 1)[0].strip("<>")


async def _read_data(reader: asyncio.StreamReader) -> bytes:
    """The message after DATA, up to the lone dot, with dot-stuffing undone."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = await reader.readline()
        if not line or line in (b".\r\n", b".\n"):
            return b"".join(lines)
        size += len(line)
        if size > MAX_MESSAGE:
            raise ValueError("message too large")
        lines.append(line[1:] if line.startswith(b"..") else line)
