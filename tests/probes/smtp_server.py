"""A small asyncio SMTP server for the tests: greeting, EHLO, STARTTLS, QUIT."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from tests.probes.tcp_servers import finish


@dataclass
class SmtpServer:
    """Server behaviour switches; ``commands`` records what clients sent (upper-cased verbs).

    Without a ``tls`` context STARTTLS is still offered but refused with 454.
    """

    tls: ssl.SSLContext | None = None
    offer_starttls: bool = True
    banner: bytes = b"220 mail.test.invalid ESMTP netwatch-test\r\n"
    silent: bool = False
    commands: list[str] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one client connection."""
        try:
            if self.silent:
                await reader.read()
                return
            writer.write(self.banner)
            while line := await reader.readline():
                verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
                self.commands.append(verb)
                if not await self._answer(verb, reader, writer):
                    break
        except OSError:
            pass
        finally:
            await finish(writer)

    async def _answer(
        self, verb: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one command; False when the session is over."""
        if verb == "EHLO":
            writer.write(self._ehlo_reply(writer.get_extra_info("ssl_object") is not None))
        elif verb == "STARTTLS" and self.offer_starttls and self.tls is None:
            writer.write(b"454 4.7.0 TLS not available due to local problem\r\n")
        elif verb == "STARTTLS" and self.offer_starttls:
            writer.write(b"220 2.0.0 Ready to start TLS\r\n")
            await writer.drain()
            await _server_start_tls(reader, writer, self.tls)
        elif verb == "QUIT":
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()
            return False
        else:
            writer.write(b"502 5.5.2 Error: command not recognized\r\n")
        await writer.drain()
        return True

    def _ehlo_reply(self, secure: bool) -> bytes:
        keywords = ["mail.test.invalid", "PIPELINING", "SIZE 10240000", "8BITMIME"]
        if self.offer_starttls and not secure:
            keywords.append("STARTTLS")
        keywords.append("SMTPUTF8")
        lines = [f"250-{word}" for word in keywords[:-1]] + [f"250 {keywords[-1]}"]
        return "".join(f"{line}\r\n" for line in lines).encode()


async def _server_start_tls(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
) -> None:
    """Server side of the TLS upgrade (StreamWriter.start_tls exists from Python 3.11)."""
    if hasattr(writer, "start_tls"):
        await writer.start_tls(context)
        return
    loop = asyncio.get_running_loop()
    transport = await loop.start_tls(
        writer.transport, writer.transport.get_protocol(), context, server_side=True
    )
    writer._transport = transport  # type: ignore[attr-defined]
    reader._transport = transport  # type: ignore[attr-defined]
