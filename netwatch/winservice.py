"""The agent hosted by the Windows service control manager (pywin32's service framework).

The service's command line is ``<netwatch> windows-service --config FILE``: python.exe
(``-m netwatch``) or the frozen netwatch.exe itself, never pythonservice.exe, so a venv
and a single-file executable run the same code. The process connects to the service
manager (``StartServiceCtrlDispatcher``), which then runs :class:`ServiceHost` on a
thread of its own:

- *stop* and *shutdown* stop the agent cleanly;
- the custom control code :data:`RELOAD_CONTROL` (``sc control netwatch 128``) reloads
  the config, as SIGHUP does on Linux: a bad file is rejected and the running config stays;
- an unusable config at start is logged and the service stops without an error, so the
  recovery actions do not restart it in a loop; a crash, a failure to listen, or the
  memory ceiling (``server.max_rss``) stops it with an error, and the recovery actions
  (``sc failure``, ``sc failureflag``) start it again.

Logs go to the Windows Event Log (source ``netwatch``, Application log), or to
``%ProgramData%\\netwatch\\logs\\netwatch.log`` (rotated) when the Event Log does not take
them; secrets are masked either way.

pywin32 is imported only inside the functions that run on Windows.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from netwatch.core.errors import one_line
from netwatch.logsetup import (
    DEFAULT_REPEAT_LIMIT,
    JsonFormatter,
    OneLineFormatter,
    flush_logs,
    log_filters,
)

if TYPE_CHECKING:
    from netwatch.service import AgentService

SERVICE_NAME = "netwatch"
DISPLAY_NAME = "netwatch monitoring agent"
SERVICE_ARGUMENT = "windows-service"  # the command the service's ImagePath runs
RELOAD_CONTROL = 128  # custom service control code: re-read the config file
EVENT_LOG_KEY = rf"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\{SERVICE_NAME}"
# EventCreate.exe's messages 1 to 1000 are each "%1": the entry shows our text as it is,
# whichever file runs the service (a frozen netwatch.exe unpacks to a new folder each start).
EVENT_MESSAGE_FILE = r"%SystemRoot%\System32\EventCreate.exe"
EVENT_ID = 1
EVENT_TEXT_LIMIT = 30_000  # one Event Log string holds at most 31,839 characters
EVENTLOG_ERROR_TYPE, EVENTLOG_WARNING_TYPE, EVENTLOG_INFORMATION_TYPE = 1, 2, 4
LOG_FILE_BYTES = 5 * 2**20
LOG_FILE_BACKUPS = 5
ERROR_SERVICE_DOES_NOT_EXIST = 1060
ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063
STATES = {1: "stopped", 2: "starting", 3: "stopping", 4: "running",
          5: "resuming", 6: "pausing", 7: "paused"}  # fmt: skip

log = logging.getLogger("netwatch.winservice")

ReportEvent = Callable[[int, str], None]


def state_dir() -> Path:
    """``%ProgramData%\\netwatch``: the service's state and fallback logs."""
    return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "netwatch"


class EventLogHandler(logging.Handler):
    """Each record as one entry of the ``netwatch`` source in the Application log."""

    def __init__(self, report: ReportEvent) -> None:
        super().__init__()
        self._report = report

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            kind = EVENTLOG_ERROR_TYPE
        elif record.levelno >= logging.WARNING:
            kind = EVENTLOG_WARNING_TYPE
        else:
            kind = EVENTLOG_INFORMATION_TYPE
        try:
            self._report(kind, self.format(record)[:EVENT_TEXT_LIMIT])
        except OSError:
            self.handleError(record)


def report_event(kind: int, text: str) -> None:
    """Write one entry to the Event Log; OSError when it does not take it."""
    import pywintypes  # type: ignore[import-untyped, unused-ignore]
    import win32evtlogutil  # type: ignore[import-untyped, unused-ignore]

    try:
        win32evtlogutil.ReportEvent(SERVICE_NAME, EVENT_ID, eventType=kind, strings=[text])
    except pywintypes.error as exc:
        raise OSError(exc.winerror, f"ReportEvent: {exc.strerror}") from None


def service_logging(folder: Path, report: ReportEvent) -> logging.Handler:
    """Send netwatch's logs to the Event Log when it takes a first entry, else to a
    rotating file in ``folder``; the handler, for :func:`configure_service_log`."""
    handler: logging.Handler
    try:
        report(EVENTLOG_INFORMATION_TYPE, f"netwatch service starting (pid {os.getpid()})")
    except OSError as exc:
        fallback: str | None = one_line(exc)
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(folder / "netwatch.log", maxBytes=LOG_FILE_BYTES,
                                      backupCount=LOG_FILE_BACKUPS, encoding="utf-8")  # fmt: skip
    else:
        fallback = None
        handler = EventLogHandler(report)
    configure_service_log(handler)
    root = logging.getLogger("netwatch")
    root.handlers[:] = [handler]
    root.propagate = False
    if fallback is not None:
        log.warning("the Event Log is unavailable (%s): logging to this file", fallback)
    return handler


def configure_service_log(
    handler: logging.Handler,
    level: str = "info",
    fmt: str = "text",
    repeat_limit: int = DEFAULT_REPEAT_LIMIT,
) -> None:
    """The config's ``log:`` settings on the service's handler: level, line format (an
    Event Log entry has its own time), the repeat limit and the secret mask."""
    for old in list(handler.filters):
        handler.removeFilter(old)
    for log_filter in log_filters(handler, repeat_limit):
        handler.addFilter(log_filter)
    if isinstance(handler, EventLogHandler):
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter() if fmt == "json" else OneLineFormatter())
    logging.getLogger("netwatch").setLevel(level.upper())


class MemoryCeilingExceeded(RuntimeError):
    """The agent stopped over ``server.max_rss``: the service stops with an error, for
    the recovery actions to start it again."""


class ServiceHost:
    """The agent between the service manager's start, stop and reload requests."""

    def __init__(self, config_path: Path, log_handler: logging.Handler | None = None) -> None:
        self.config_path = config_path
        self.log_handler = log_handler
        self._lock = threading.Lock()
        self._agent: AgentService | None = None
        self._stopping = False

    def stop(self) -> None:
        """Stop the agent (now, or as soon as it has started)."""
        with self._lock:
            self._stopping = True
            agent = self._agent
        if agent is not None:
            agent.request_stop()

    def reload(self) -> None:
        """Re-read the config file in the running agent."""
        with self._lock:
            agent = self._agent
        if agent is None:
            log.warning("reload requested before the agent started: nothing to reload")
        else:
            log.info("reload requested by the service manager (control code %d)",
                     RELOAD_CONTROL)  # fmt: skip
            agent.request_reload()

    def run(self, ready: Callable[[], None]) -> None:
        """Serve until stopped; ``ready()`` once the agent listens.

        Returns when asked to stop or when the config cannot be used (logged);
        raises when the agent cannot listen or is over its memory ceiling.
        """
        from netwatch.config.loader import load_config
        from netwatch.core.yamlfile import ConfigError
        from netwatch.hostaccess import HostAccess
        from netwatch.service import AgentService

        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            for line in exc.lines():
                log.error("not started: config error: %s", line)
            return
        if self.log_handler is not None:
            configure_service_log(self.log_handler, config.log.level, config.log.format,
                                  config.log.repeat_limit)  # fmt: skip
        agent = AgentService(config, lambda: load_config(self.config_path), HostAccess())
        with self._lock:
            self._agent = agent
            if self._stopping:
                agent.request_stop()
        ready()
        stopped = agent.run()
        flush_logs()
        if stopped == "memory":  # logged by the agent
            raise MemoryCeilingExceeded("stopped over server.max_rss")
        log.info("netwatch service stopped")


def main(config_path: Path) -> int:
    """Run as the service ``netwatch`` until the service manager stops it.

    Exit 0; 2 when not started by the service manager (``netwatch serve`` is the
    command for a console).
    """
    import pywintypes  # type: ignore[import-untyped, unused-ignore]
    import servicemanager  # type: ignore[import-untyped, unused-ignore]
    import win32service  # type: ignore[import-untyped, unused-ignore]
    import win32serviceutil  # type: ignore[import-untyped, unused-ignore]

    host = ServiceHost(config_path.absolute())

    class NetwatchService(win32serviceutil.ServiceFramework):  # type: ignore[misc, unused-ignore]
        _svc_name_ = SERVICE_NAME
        _svc_display_name_ = DISPLAY_NAME

        def SvcStop(self) -> None:  # noqa: N802 - pywin32's names
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
            host.stop()

        def SvcShutdown(self) -> None:  # noqa: N802
            self.SvcStop()

        def SvcOther(self, control: int) -> None:  # noqa: N802
            if control == RELOAD_CONTROL:
                host.reload()

        def SvcRun(self) -> None:  # noqa: N802
            host.log_handler = service_logging(state_dir() / "logs", report_event)
            try:
                host.run(lambda: self.ReportServiceStatus(win32service.SERVICE_RUNNING))
            except Exception as exc:
                log.error("netwatch service stopped with an error: %s", one_line(exc))
                raise  # the framework reports SERVICE_STOPPED with an error code
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)

    servicemanager.Initialize(SERVICE_NAME, EVENT_MESSAGE_FILE)
    servicemanager.PrepareToHostSingle(NetwatchService)
    try:
        servicemanager.StartServiceCtrlDispatcher()
    except pywintypes.error as exc:
        if exc.winerror != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT:
            raise
        print(
            f"netwatch: error: `{SERVICE_ARGUMENT}` is run by the Windows service manager "
            "(netwatch service start); in a console use `netwatch serve`",
            file=sys.stderr,
        )
        return 2
    return 0


def query_state() -> tuple[str, int] | None:
    """(state, pid) of the service from the service manager, None when not installed;
    OSError when the service manager does not answer."""
    import pywintypes  # type: ignore[import-untyped, unused-ignore]
    import win32service  # type: ignore[import-untyped, unused-ignore]

    try:
        manager = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_CONNECT)
        try:
            try:
                service = win32service.OpenService(
                    manager, SERVICE_NAME, win32service.SERVICE_QUERY_STATUS
                )
            except pywintypes.error as exc:
                if exc.winerror == ERROR_SERVICE_DOES_NOT_EXIST:
                    return None
                raise
            try:
                status = win32service.QueryServiceStatusEx(service)
            finally:
                win32service.CloseServiceHandle(service)
        finally:
            win32service.CloseServiceHandle(manager)
    except pywintypes.error as exc:
        raise OSError(exc.winerror, f"service manager: {exc.strerror}") from None
    state = int(status["CurrentState"])
    return STATES.get(state, f"state {state}"), int(status["ProcessId"])


def command_line(argv: Sequence[str]) -> int:
    """``python -m netwatch.winservice windows-service --config FILE``: the same
    arguments as ``netwatch windows-service``, without the CLI."""
    parser = argparse.ArgumentParser(prog="netwatch")
    parser.add_argument("command", choices=[SERVICE_ARGUMENT])
    parser.add_argument("--config", "-c", type=Path, required=True)
    return main(parser.parse_args(argv).config)


if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:]))
