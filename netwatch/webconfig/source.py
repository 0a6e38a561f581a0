"""The web config the server holds: re-read when its files change or on reload.

An invalid new file never replaces a working one: the old config stays and one warning
line says why. Turning TLS on or off needs a restart, because the listening socket is
either TLS or plaintext.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

from netwatch.core.yamlfile import ConfigError
from netwatch.webconfig.config import WebConfig, load_web_config

log = logging.getLogger("netwatch.webconfig")

CHECK_INTERVAL = 2.0
Signature = tuple[tuple[str, tuple[int, ...] | None], ...]


def _signature(paths: list[Path]) -> Signature:
    """What identifies each file's content cheaply: inode, size, mtime and ctime."""
    marks = []
    for path in paths:
        try:
            st = os.stat(path)
            mark: tuple[int, ...] | None = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except (OSError, ValueError):
            mark = None
        marks.append((str(path), mark))
    return tuple(marks)


class _CurrentContext(ssl.SSLContext):
    """One context for ``create_server`` that hands every new connection to the current one.

    asyncio makes each connection's SSLObject with ``wrap_bio``; delegating it to the
    current config's context gives the new connection that context's certificate,
    client-certificate policy, versions and ciphers, whether or not the client sends SNI.
    (Swapping ``SSLObject.context`` in an ``sni_callback`` would change only the
    certificate: the verify mode, versions and ciphers were fixed when the connection
    was made.) Settings made on this object itself are not used; it serves asyncio only.
    """

    _source: WebConfigSource

    def __new__(cls, source: WebConfigSource) -> _CurrentContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_SERVER)

    def __init__(self, source: WebConfigSource) -> None:
        self._source = source

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        """An SSLObject made by the current web config's context."""
        context = self._source.current().ssl_context()
        if context is None:  # the source refuses configs without TLS once TLS is on
            raise ssl.SSLError("the web config has no TLS settings")
        return context.wrap_bio(incoming, outgoing, server_side, server_hostname, session)


class WebConfigSource:
    """The current :class:`WebConfig` of ``path`` (None: no web config at all)."""

    def __init__(
        self,
        path: str | Path | None,
        interval: float = CHECK_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        require_secured: bool = False,
    ) -> None:
        """Load ``path`` now; :class:`ConfigError` when it is invalid.

        ``require_secured``: the agent listens on a LAN address without --insecure, so a
        new file without TLS and without basic auth is rejected like an invalid one.
        """
        self._path = Path(path) if path is not None else None
        self._require_secured = require_secured
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_warning: str | None = None
        if self._path is None:
            self._config = WebConfig()
            self._signature: Signature = ()
        else:
            config_mark = _signature([self._path])
            self._config = load_web_config(self._path)
            self._signature = config_mark + self._watched_signature(self._config)[1:]
        self._next_check = clock() + interval
        self._server_context = _CurrentContext(self) if self._config.tls is not None else None

    def _watched_signature(self, config: WebConfig) -> Signature:
        assert self._path is not None
        files = [self._path]
        if config.tls is not None:
            files += config.tls.files
        return _signature(files)

    def current(self) -> WebConfig:
        """The config in force; every ``interval`` seconds at most, checks its files first."""
        if self._path is None or self._clock() < self._next_check:
            return self._config
        with self._lock:
            now = self._clock()
            if now >= self._next_check:
                self._next_check = now + self._interval
                if self._watched_signature(self._config) != self._signature:
                    self._load()
        return self._config

    def reload(self) -> bool:
        """Re-read the file now (on SIGHUP); False, keeping the old config, when it fails."""
        if self._path is None:
            return True
        with self._lock:
            self._last_warning = None  # a reload asked for is always answered in the log
            return self._load()

    def server_ssl_context(self) -> ssl.SSLContext | None:
        """The context to listen with, or None when the file had no TLS at start-up."""
        return self._server_context

    def _load(self) -> bool:
        """Load the file under the lock; keep the old config and warn once when it fails."""
        assert self._path is not None
        config_mark = _signature([self._path])  # before reading: a later change is seen
        try:
            config = load_web_config(self._path)
        except ConfigError as exc:
            return self._reject("; ".join(str(problem) for problem in exc.problems))
        except Exception as exc:  # a reload must never take the server down
            return self._reject(f"unexpected {type(exc).__name__}: {exc}")
        if self._require_secured and not config.secured:
            return self._reject(
                "it has neither TLS nor basic auth, and netwatch listens on a LAN address"
            )
        if (config.tls is None) != (self._config.tls is None):
            state = "on" if config.tls is not None else "off"
            return self._reject(f"turning TLS {state} needs a restart of netwatch")
        self._config = config
        self._signature = config_mark + self._watched_signature(config)[1:]
        self._last_warning = None
        log.info("web config %s loaded", self._path)
        return True

    def _reject(self, reason: str) -> bool:
        reason = " ".join(reason.split())
        if reason != self._last_warning:
            log.warning("web config %s rejected, keeping the previous one: %s", self._path, reason)
            self._last_warning = reason
        return False
