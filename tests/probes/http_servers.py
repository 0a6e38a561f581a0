"""Real HTTP and HTTPS test servers on 127.0.0.1 for the http prober tests."""

from __future__ import annotations

import base64
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

OK_BODY = b"netwatch test page: everything is fine\n"
USERNAME = "officeadmin"
PASSWORD = "pw-Xq7!secret-basic-9931"
TOKEN = "tok-Zr4-secret-bearer-5517"
BIG_SIZE = 3 * 1024 * 1024
BIG_TAIL = b"END-OF-BIG-BODY"


class TestServer(ThreadingHTTPServer):
    """A threading HTTP server whose slow handlers end when ``stop`` is set."""

    __test__ = False
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), Handler)
        self.stop = threading.Event()
        # (path with query, headers) of every request, in arrival order.
        self.received: list[tuple[str, dict[str, str]]] = []


class Handler(BaseHTTPRequestHandler):
    """Routes by path; see ``ROUTES``."""

    protocol_version = "HTTP/1.1"
    server: TestServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._route()

    do_HEAD = do_POST = do_PUT = do_OPTIONS = do_GET

    def _route(self) -> None:
        self.server.received.append((self.path, dict(self.headers.items())))
        path = urlsplit(self.path).path
        handler = ROUTES.get(path)
        if handler is None and path.startswith("/status/"):
            handler = Handler._status
        (handler or Handler._not_found)(self)

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _ok(self) -> None:
        self._send(200, OK_BODY)

    def _not_found(self) -> None:
        self._send(404, b"no such page\n")

    def _status(self) -> None:
        self._send(int(self.path.rsplit("/", 1)[1]), b"status page\n")

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"moved\n", {"Location": location})

    def _goto(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        self._redirect(query["to"][0], int(query.get("code", ["302"])[0]))

    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in (b"first chunk, ", b"second chunk, ", b"last chunk\n"):
            self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")

    def _until_close(self) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"body without a length, ended by closing\n")

    def _big(self) -> None:
        self._send(200, b"a" * (BIG_SIZE - len(BIG_TAIL)) + BIG_TAIL)

    def _basic(self) -> None:
        pair = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {pair}":
            self._send(200, b"welcome, basic user\n")
        else:
            self._send(401, b"login required\n", {"WWW-Authenticate": 'Basic realm="test"'})

    def _bearer(self) -> None:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            self._send(200, b"welcome, token holder\n")
        else:
            self._send(401, b"token required\n")

    def _echo(self) -> None:
        """The method, headers (without Authorization) and body, as text."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        lines = [f"method={self.command}", f"auth={'Authorization' in self.headers}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() != "authorization"]
        self._send(200, ("\n".join(lines) + "\nbody=").encode() + body)

    def _slow(self) -> None:
        """Black hole: accept the request and never answer."""
        self.server.stop.wait(60)
        self.close_connection = True

    def _garbage(self) -> None:
        self.close_connection = True
        self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n")


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/ok": Handler._ok,
    "/notfound": Handler._not_found,
    "/redirect": lambda h: h._redirect("/ok"),
    "/sub/dir/relative": lambda h: h._redirect("../../ok", 301),
    "/loop": lambda h: h._redirect("/loop"),
    "/goto": Handler._goto,
    "/chunked": Handler._chunked,
    "/close": Handler._until_close,
    "/big": Handler._big,
    "/auth": Handler._basic,
    "/bearer": Handler._bearer,
    "/echo": Handler._echo,
    "/slow": Handler._slow,
    "/garbage": Handler._garbage,
}


@contextmanager
def running_server(certfile: Path | None = None, keyfile: Path | None = None) -> Iterator[str]:
    """Serve the routes on 127.0.0.1 (HTTPS when a certificate is given); yields the base URL."""
    with serving(TestServer(), certfile, keyfile) as url:
        yield url


@contextmanager
def recording_server(host: str = "127.0.0.1") -> Iterator[tuple[str, TestServer]]:
    """Serve the routes over HTTP on ``host``; yields the base URL and the server, whose
    ``received`` lists what each request carried."""
    server = TestServer(host)
    with serving(server) as url:
        yield url, server


@contextmanager
def serving(
    server: TestServer, certfile: Path | None = None, keyfile: Path | None = None
) -> Iterator[str]:
    """Run ``server`` in a thread (HTTPS when a certificate is given); yields the base URL."""
    scheme = "http"
    if certfile is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"{scheme}://{host}:{port}"
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
