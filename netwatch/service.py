"""Run the agent until SIGTERM/SIGINT; SIGHUP reloads the config file."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from netwatch.agent import build_engine, listen_address
from netwatch.config.model import RootConfig
from netwatch.core.yamlfile import ConfigError
from netwatch.exporter.probe_endpoint import ProbeEndpoint
from netwatch.exporter.server import AgentHTTPServer, AgentState
from netwatch.hostaccess import HostAccess

log = logging.getLogger("netwatch.agent")


def probe_endpoint(config: RootConfig) -> ProbeEndpoint:
    """The /probe endpoint for the configured modules."""
    return ProbeEndpoint(dict(config.probe_modules), config.collectors.services.probe_timeout)


class AgentService:
    """The HTTP server and engine, with reload and clean shutdown."""

    def __init__(
        self, config: RootConfig, reload_config: Callable[[], RootConfig], access: HostAccess
    ) -> None:
        self._config = config
        self._reload_config = reload_config
        self._access = access
        engine = build_engine(config, access)
        host, port = listen_address(config)
        self.state = AgentState(
            engine,
            config.server.scrape_timeout,
            config.server.max_concurrent_requests,
            probe_endpoint(config),
        )
        self.server = AgentHTTPServer(host, port, self.state)
        self._stop = threading.Event()
        self._reload = threading.Event()

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        return int(self.server.server_address[1])

    def reload(self) -> bool:
        """Re-read the config; on success swap in a new engine, else keep the old one."""
        try:
            config = self._reload_config()
        except ConfigError as exc:
            for line in exc.lines():
                log.error("reload rejected, keeping the running config: %s", line)
            return False
        if config.server.listen != self._config.server.listen:
            log.warning("server.listen changed; restart netwatch to listen on %s",
                        config.server.listen)  # fmt: skip
        new_engine = build_engine(config, self._access)
        old_engine = self.state.engine
        new_engine.start()
        self.state.engine = new_engine
        self.state.scrape_timeout = config.server.scrape_timeout
        old_probe, self.state.probe = self.state.probe, probe_endpoint(config)
        if old_probe is not None:
            old_probe.close()
        old_engine.stop()
        self._config = config
        log.info("configuration reloaded; collectors: %s", ", ".join(new_engine.names))
        return True

    def run(self) -> None:
        """Serve until asked to stop; handles SIGTERM, SIGINT and SIGHUP."""
        signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        signal.signal(signal.SIGINT, lambda *_: self._stop.set())
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self._reload.set())
        self.state.engine.start()
        thread = threading.Thread(target=self.server.serve_forever, name="http", daemon=True)
        thread.start()
        log.info("netwatch listening on http://%s/metrics; collectors: %s",
                 self._config.server.listen, ", ".join(self.state.engine.names))  # fmt: skip
        while not self._stop.is_set():
            self._stop.wait(0.5)
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
        log.info("shutting down")
        self.server.shutdown()
        self.server.server_close()
        self.state.engine.stop()
