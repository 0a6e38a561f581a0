"""Run the agent until SIGTERM/SIGINT; SIGHUP reloads the config and web config files.

The agent also watches its own memory: when it stays over ``server.max_rss`` the agent
stops as on SIGTERM and reports it, for the service manager to start it again.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from netwatch.agent import build_engine, listen_address
from netwatch.config.model import RootConfig
from netwatch.core.errors import one_line
from netwatch.core.settings import is_loopback_host, split_listen_address
from netwatch.core.yamlfile import ConfigError
from netwatch.engine.engine import ProcessMemory
from netwatch.exporter.http11 import Limits
from netwatch.exporter.probe_endpoint import ProbeEndpoint
from netwatch.exporter.routes import AgentState
from netwatch.exporter.server import AgentHTTPServer
from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.commands import kill_running
from netwatch.logsetup import UNLIMITED

if TYPE_CHECKING:
    from netwatch.webconfig import WebConfigSource

log = logging.getLogger("netwatch.agent")


def probe_endpoint(config: RootConfig) -> ProbeEndpoint:
    """The /probe endpoint for the configured modules."""
    return ProbeEndpoint(dict(config.probe_modules), config.collectors.services.probe_timeout)


OPEN_FILES_WANTED = 65536
# The resident memory is read every few seconds (tens of microseconds each time); the
# agent stops when that many checks in a row find it over the ceiling.
MEMORY_CHECK_INTERVAL = 5.0
MEMORY_CHECKS_OVER = 3
StopReason = Literal["asked", "memory"]


def raise_open_files_limit() -> None:
    """Lift the soft open-files limit to the hard one, as node_exporter does.

    Each connection is a file; the usual soft limit of 1024 is close to
    ``server.max_connections`` plus what the collectors open.
    """
    if sys.platform == "win32":  # no such limit for sockets
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES_WANTED)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (OSError, ValueError) as exc:
            log.debug("could not raise the open-files limit: %s", exc)


def web_config_source(config: RootConfig) -> WebConfigSource | None:
    """The web config file's source, or None without one (its modules are then not loaded).

    On a LAN address without ``insecure``, a changed file must keep TLS or basic auth.
    """
    path = config.server.web_config
    if path is None:
        return None
    from netwatch.webconfig import WebConfigSource

    host, _ = split_listen_address(config.server.listen)
    lan = not is_loopback_host(host) and not config.server.insecure
    return WebConfigSource(path, require_secured=lan)


def server_limits(config: RootConfig) -> Limits:
    """Connection deadlines from ``server:``."""
    return Limits(header_timeout=config.server.header_timeout,
                  idle_timeout=config.server.idle_timeout)  # fmt: skip


class AgentService:
    """The HTTP server and engine, with reload and clean shutdown."""

    def __init__(
        self, config: RootConfig, reload_config: Callable[[], RootConfig], access: HostAccess
    ) -> None:
        self._config = config
        self._reload_config = reload_config
        self._access = access
        raise_open_files_limit()
        self.web = web_config_source(config)
        host, port = listen_address(config, self.web is not None and self.web.current().secured)
        self.memory = ProcessMemory(config.server.max_rss)
        engine = build_engine(config, access)
        engine.memory = self.memory
        self.state = AgentState(
            engine,
            config.server.scrape_timeout,
            config.server.max_concurrent_requests,
            probe_endpoint(config),
            config.server.max_concurrent_probes,
        )
        self.server = AgentHTTPServer(
            host, port, self.state, self.web, server_limits(config), config.server.max_connections
        )
        self._stop = threading.Event()
        self._reload = threading.Event()

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        return self.server.port

    def reload(self) -> bool:
        """Re-read the config; on success swap in a new engine, else keep the old one.

        Any failure, not only an invalid file, leaves the running config in place.
        """
        if self.web is not None:
            self.web.reload()
        try:
            config = self._reload_config()
            self._check_restart_settings(config)
            new_engine = build_engine(config, self._access)
            new_probe = probe_endpoint(config)
        except ConfigError as exc:
            for line in exc.lines():
                log.error("reload rejected, keeping the running config: %s", line, extra=UNLIMITED)
            return False
        except Exception as exc:  # noqa: BLE001 - a reload must never stop the agent
            log.error("reload rejected, keeping the running config: %s", one_line(exc),
                      extra=UNLIMITED)  # fmt: skip
            return False
        new_engine.memory = self.memory
        self.memory.ceiling = config.server.max_rss
        old_engine = self.state.engine
        new_engine.start()
        self.state.engine = new_engine
        self.state.scrape_timeout = config.server.scrape_timeout
        self.state.probe = new_probe
        old_engine.stop()
        self._config = config
        log.info("configuration reloaded; collectors: %s", ", ".join(new_engine.names),
                 extra=UNLIMITED)  # fmt: skip
        return True

    def _check_restart_settings(self, config: RootConfig) -> None:
        """Warn about settings that only a restart applies."""
        old, new = self._config.server, config.server
        for name in ("listen", "web_config", "max_connections", "max_concurrent_requests",
                     "max_concurrent_probes", "header_timeout", "idle_timeout"):  # fmt: skip
            if getattr(old, name) != getattr(new, name):
                log.warning("server.%s changed; restart netwatch to apply it", name)

    def request_stop(self) -> None:
        """Make :meth:`run` stop cleanly (SIGTERM, Ctrl-C or a service stop control)."""
        self._stop.set()

    def request_reload(self) -> None:
        """Make :meth:`run` reload the config (SIGHUP, or a service control code)."""
        self._reload.set()

    def run(self) -> StopReason:
        """Serve until asked to stop or over the memory ceiling; handles SIGTERM, SIGINT, SIGHUP.

        Returns why it stopped: ``asked`` (a signal or :meth:`request_stop`) or ``memory``
        (logged as an error). Signals are handled only when run on the main thread (a
        Windows service may run it on another and call the request methods instead).
        """
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.request_stop())
            signal.signal(signal.SIGINT, lambda *_: self.request_stop())
            if hasattr(signal, "SIGHUP"):
                signal.signal(signal.SIGHUP, lambda *_: self.request_reload())
        self.state.engine.start()
        self.server.start()
        scheme = "https" if self.server.tls else "http"
        log.info("netwatch listening on %s://%s/metrics; collectors: %s", scheme,
                 self._config.server.listen, ", ".join(self.state.engine.names))  # fmt: skip
        reason: StopReason = "asked"
        next_check, checks_over = time.monotonic(), 0
        while not self._stop.is_set():
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + MEMORY_CHECK_INTERVAL
                checks_over = self._check_memory(checks_over)
                if checks_over >= MEMORY_CHECKS_OVER:
                    reason = "memory"
                    break
            self._stop.wait(0.5)
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
        if reason == "asked":
            log.info("shutting down")
        self.stop()
        return reason

    def _check_memory(self, checks_over: int) -> int:
        """Checks in a row over the ceiling, counting this one; logs when the agent must stop."""
        rss, over = self.memory.check()
        if not over:
            return 0
        checks_over += 1
        if checks_over >= MEMORY_CHECKS_OVER:
            log.error(
                "memory ceiling exceeded: resident memory %.1f MiB stayed above server.max_rss "
                "%.1f MiB for %d checks %gs apart; stopping so that the service manager "
                "restarts netwatch",
                rss / 2**20, (self.memory.ceiling or 0) / 2**20, checks_over,
                MEMORY_CHECK_INTERVAL,
            )  # fmt: skip
        return checks_over

    def stop(self) -> None:
        """Stop serving, end the commands still running (a posture run) and the engine."""
        self.server.stop()
        stopped = kill_running()
        if stopped:
            log.debug("stopped %d command(s) still running", stopped)
        self.state.engine.stop()
