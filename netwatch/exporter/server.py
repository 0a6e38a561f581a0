"""A small threaded HTTP server with bounded concurrency in front of the engine."""

from __future__ import annotations

import html
import logging
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from netwatch import __version__
from netwatch.engine import Engine
from netwatch.exporter.exposition import render
from netwatch.exporter.probe_endpoint import ProbeEndpoint, ProbeRequestError

log = logging.getLogger("netwatch.http")

SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
SCRAPE_TIMEOUT_OFFSET = 0.5
REQUEST_READ_TIMEOUT = 10.0
ENDPOINTS = (
    ("/metrics", "Metrics in the Prometheus text format (OpenMetrics on request)"),
    ("/-/healthy", "Health check: 200 while the agent runs"),
    ("/sd", "Prometheus http_sd targets: LAN hosts running a netwatch agent (lan collector)"),
)
PROBE_USAGE = (
    "/probe?target=TARGET&amp;module=MODULE probes one target with a module from "
    "probe_modules, like blackbox_exporter (modules: http_2xx, tcp_connect, tls, icmp, dns, "
    "smtp_starttls, ntp unless configured otherwise)."
)


class BadRequest(Exception):
    """The request cannot be served as sent; the message says why."""


def scrape_budget(header: str | None, default: float) -> float:
    """Seconds a scrape may take: the Prometheus header less a margin, capped by ``default``."""
    if header is None:
        return default
    try:
        value = float(header)
    except ValueError:
        message = f"{SCRAPE_TIMEOUT_HEADER} must be a number of seconds, got {header!r}"
        raise BadRequest(message) from None
    if not value > 0:
        raise BadRequest(f"{SCRAPE_TIMEOUT_HEADER} must be positive, got {header!r}") from None
    return max(0.05, min(default, value - SCRAPE_TIMEOUT_OFFSET))


def landing_page() -> bytes:
    """The HTML page at ``/`` linking every endpoint."""
    items = "".join(
        f'<li><a href="{path}">{path}</a> — {html.escape(text)}</li>' for path, text in ENDPOINTS
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>netwatch</title></head>"
        f"<body><h1>netwatch {html.escape(__version__)}</h1>"
        "<p>Office host monitoring agent.</p>"
        f"<ul>{items}<li>{PROBE_USAGE}</li></ul></body></html>"
    ).encode()


class AgentState:
    """What request handlers read: the current engine and probe modules (swapped on reload)."""

    def __init__(
        self,
        engine: Engine,
        scrape_timeout: float,
        max_requests: int,
        probe: ProbeEndpoint | None = None,
    ) -> None:
        self.engine = engine
        self.scrape_timeout = scrape_timeout
        self.slots = threading.BoundedSemaphore(max_requests)
        self.probe = probe


class Handler(BaseHTTPRequestHandler):
    """Routes GET/HEAD requests; everything else is refused."""

    server: AgentHTTPServer
    server_version = f"netwatch/{__version__}"

    def version_string(self) -> str:
        return self.server_version

    timeout = REQUEST_READ_TIMEOUT
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one segment: no 40 ms Nagle stall on kept-alive connections.
    disable_nagle_algorithm = True
    wbufsize = -1

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(send_body=False)

    def _method_not_allowed(self) -> None:
        self._reply(HTTPStatus.METHOD_NOT_ALLOWED, b"only GET and HEAD are supported\n",
                    {"Allow": "GET, HEAD"}, send_body=True)  # fmt: skip

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed  # noqa: N815

    def _dispatch(self, send_body: bool) -> None:
        state = self.server.state
        if not state.slots.acquire(blocking=False):
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, b"too many concurrent requests\n",
                        {"Retry-After": "1"}, send_body)  # fmt: skip
            return
        try:
            self._route(urlsplit(self.path).path, state, send_body)
        except (BadRequest, ProbeRequestError) as exc:
            self._reply(HTTPStatus.BAD_REQUEST, f"{exc}\n".encode(), {}, send_body)
        finally:
            state.slots.release()

    def _route(self, path: str, state: AgentState, send_body: bool) -> None:
        handlers: dict[str, Callable[[AgentState, bool], None]] = {
            "/metrics": self._metrics,
            "/probe": self._probe,
            "/": self._landing,
            "/-/healthy": self._healthy,
            "/sd": self._sd,
        }
        handler = handlers.get(path)
        if handler is None:
            self._reply(HTTPStatus.NOT_FOUND, b"not found; see / for the endpoints\n", {},
                        send_body)  # fmt: skip
            return
        handler(state, send_body)

    def _metrics(self, state: AgentState, send_body: bool) -> None:
        budget = scrape_budget(self.headers.get(SCRAPE_TIMEOUT_HEADER), state.scrape_timeout)
        families = state.engine.gather(budget)
        body, headers = render(
            families, self.headers.get("Accept"), self.headers.get("Accept-Encoding")
        )
        self._reply(HTTPStatus.OK, body, headers, send_body)

    def _probe(self, state: AgentState, send_body: bool) -> None:
        if state.probe is None:
            self._reply(HTTPStatus.NOT_FOUND, b"/probe is not enabled\n", {}, send_body)
            return
        budget = scrape_budget(self.headers.get(SCRAPE_TIMEOUT_HEADER), state.scrape_timeout)
        families = state.probe.handle_sync(urlsplit(self.path).query, budget)
        body, headers = render(
            families, self.headers.get("Accept"), self.headers.get("Accept-Encoding")
        )
        self._reply(HTTPStatus.OK, body, headers, send_body)

    def _landing(self, state: AgentState, send_body: bool) -> None:
        self._reply(HTTPStatus.OK, landing_page(), {"Content-Type": "text/html; charset=utf-8"},
                    send_body)  # fmt: skip

    def _healthy(self, state: AgentState, send_body: bool) -> None:
        self._reply(HTTPStatus.OK, b"OK\n", {}, send_body)

    def _sd(self, state: AgentState, send_body: bool) -> None:
        document = getattr(state.engine.collector("lan"), "sd_document", None)
        if document is None:
            self._reply(HTTPStatus.NOT_FOUND, b"/sd needs the lan collector "
                        b"(collectors.lan.enabled: true)\n", {}, send_body)  # fmt: skip
            return
        self._reply(HTTPStatus.OK, document(), {"Content-Type": "application/json"}, send_body)

    def _reply(
        self, status: HTTPStatus, body: bytes, headers: dict[str, str], send_body: bool
    ) -> None:
        self.send_response(status)
        headers = {"Content-Type": "text/plain; charset=utf-8", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("%s %s", self.address_string(), format % args)


class AgentHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server carrying the agent state."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, state: AgentState) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.state = state
        super().__init__((host, port), Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        log.warning("error while serving %s", client_address, exc_info=log.isEnabledFor(10))
