"""The agent's endpoints: /metrics, /probe, /sd, /-/healthy and the landing page.

Each kind of request has its own budget: scrapes wait for one of a few engine slots,
probes have slots of their own, and health checks and the landing page are answered
on the event loop at once, so slow probes can never starve a scrape or a health check.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from netwatch import __version__
from netwatch.core.errors import one_line
from netwatch.engine import Engine
from netwatch.exporter.exposition import render
from netwatch.exporter.http11 import Reply, Request, plain, within
from netwatch.exporter.probe_endpoint import ProbeEndpoint, ProbeRequestError

if TYPE_CHECKING:
    from netwatch.webconfig import WebConfigSource

log = logging.getLogger("netwatch.http")

SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
SCRAPE_TIMEOUT_OFFSET = 0.5
ENDPOINTS = (
    ("/metrics", "Metrics in the Prometheus text format (OpenMetrics on request)"),
    ("/-/healthy", "Health check: 200 while the agent runs"),
    ("/sd", "Prometheus http_sd targets: LAN hosts running a netwatch agent (lan collector)"),
)
PROBE_USAGE = (
    "/probe?target=TARGET&amp;module=MODULE probes one target with a module from "
    "probe_modules, like blackbox_exporter (modules: http_2xx, tcp_connect, tls, icmp, dns, "
    "smtp_starttls, ntp unless configured otherwise); add &amp;debug=true to see why a "
    "probe failed."
)
ALLOWED_METHODS = ("GET", "HEAD")
# Password checks that need bcrypt and may wait at once; more get 429 (a client guessing
# passwords cannot queue up work that holds Prometheus's cached login behind it).
MAX_AUTH_WAITING = 4


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
    """What the endpoints read: the current engine and probe modules (swapped on reload)."""

    def __init__(
        self,
        engine: Engine,
        scrape_timeout: float,
        max_scrapes: int,
        probe: ProbeEndpoint | None = None,
        max_probes: int = 16,
    ) -> None:
        self.engine = engine
        self.scrape_timeout = scrape_timeout
        self.probe = probe
        self.max_scrapes = max_scrapes
        self.max_probes = max_probes


class AgentApp:
    """Routes requests to the endpoints; one instance per server, used on its event loop."""

    def __init__(self, state: AgentState, web: WebConfigSource | None = None) -> None:
        self.state = state
        self.web = web
        # Scrapes run the engine in threads; waiting scrapes queue for a slot until
        # their budget runs out. Probes are coroutines on the loop, in slots of their own.
        self._scrape_pool = ThreadPoolExecutor(state.max_scrapes, thread_name_prefix="scrape")
        self._scrape_slots = asyncio.Semaphore(state.max_scrapes)
        self._probe_slots = asyncio.Semaphore(state.max_probes)
        # bcrypt on a cache miss takes tens of milliseconds: never on the event loop.
        self._auth_pool = ThreadPoolExecutor(1, thread_name_prefix="auth")
        self._auth_waiting = 0
        self._routes: dict[str, Callable[[Request], Awaitable[Reply]]] = {
            "/metrics": self._metrics,
            "/probe": self._probe,
            "/": self._landing,
            "/-/healthy": self._healthy,
            "/sd": self._sd,
        }

    def close(self) -> None:
        """Release the worker threads."""
        self._scrape_pool.shutdown(wait=False, cancel_futures=True)
        self._auth_pool.shutdown(wait=False, cancel_futures=True)

    def extra_headers(self) -> dict[str, str]:
        """Headers from the web config's http_server_config, on every reply."""
        return dict(self.web.current().headers) if self.web is not None else {}

    async def __call__(self, request: Request) -> Reply:
        """The reply to ``request``; never raises."""
        try:
            path = urlsplit(request.target).path
        except ValueError:
            return plain(400, "bad request: malformed request target")
        authorized = await self._authorized(request)
        if authorized is None:
            return plain(429, "too many password checks at once; try again", {"Retry-After": "1"})
        if not authorized:
            return plain(401, "unauthorized", {"WWW-Authenticate": 'Basic realm="netwatch"'})
        handler = self._routes.get(path)
        if handler is None:
            return plain(404, "not found; see / for the endpoints")
        if request.method not in ALLOWED_METHODS:
            return plain(405, "only GET and HEAD are supported", {"Allow": "GET, HEAD"})
        try:
            return await handler(request)
        except (BadRequest, ProbeRequestError) as exc:
            return plain(400, str(exc))
        except Exception as exc:  # noqa: BLE001 - answered, logged, and the server goes on
            log.warning("error answering %s %s: %s", request.method, path, one_line(exc))
            return plain(500, "internal error; see the agent's log")

    async def _authorized(self, request: Request) -> bool | None:
        """True or False; None when too many bcrypt checks are already waiting."""
        if self.web is None:
            return True
        config = self.web.current()
        header = request.header("Authorization")
        quick = config.quick_authorize(header)
        if quick is not None:
            return quick
        if self._auth_waiting >= MAX_AUTH_WAITING:
            return None
        self._auth_waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._auth_pool, config.authorize, header)
        finally:
            self._auth_waiting -= 1

    async def _metrics(self, request: Request) -> Reply:
        state = self.state
        budget = scrape_budget(request.header(SCRAPE_TIMEOUT_HEADER), state.scrape_timeout)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            if self._scrape_slots.locked():
                await within(self._scrape_slots.acquire(), budget)
            else:
                await self._scrape_slots.acquire()
        except asyncio.TimeoutError:
            return plain(503, "every scrape slot stayed busy for the whole scrape timeout",
                         {"Retry-After": "1"})  # fmt: skip
        try:
            remaining = max(0.05, budget - (loop.time() - started))
            accept, encoding = request.header("Accept"), request.header("Accept-Encoding")
            body, headers = await loop.run_in_executor(
                self._scrape_pool, _scrape, state.engine, remaining, accept, encoding
            )
        finally:
            self._scrape_slots.release()
        return Reply(200, body, headers)

    async def _probe(self, request: Request) -> Reply:
        probe = self.state.probe
        if probe is None:
            return plain(404, "/probe is not enabled")
        budget = scrape_budget(request.header(SCRAPE_TIMEOUT_HEADER), self.state.scrape_timeout)
        if self._probe_slots.locked():
            return plain(503, f"{self.state.max_probes} probes already running; try again",
                         {"Retry-After": "1"})  # fmt: skip
        async with self._probe_slots:
            reply = await probe.handle(urlsplit(request.target).query, budget)
        if reply.debug_text is not None:
            return plain(200, reply.debug_text.rstrip("\n"))
        body, headers = render(
            reply.families, request.header("Accept"), request.header("Accept-Encoding")
        )
        return Reply(200, body, headers)

    async def _landing(self, request: Request) -> Reply:
        return Reply(200, landing_page(), {"Content-Type": "text/html; charset=utf-8"})

    async def _healthy(self, request: Request) -> Reply:
        return plain(200, "OK")

    async def _sd(self, request: Request) -> Reply:
        document = getattr(self.state.engine.collector("lan"), "sd_document", None)
        if document is None:
            return plain(404, "/sd needs the lan collector (collectors.lan.enabled: true)")
        loop = asyncio.get_running_loop()
        body = await loop.run_in_executor(self._scrape_pool, document)
        return Reply(200, body, {"Content-Type": "application/json"})


def _scrape(
    engine: Engine, budget: float, accept: str | None, encoding: str | None
) -> tuple[bytes, dict[str, str]]:
    """Gather and render one scrape (in a scrape thread)."""
    return render(engine.gather(budget), accept, encoding)
