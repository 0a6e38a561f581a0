"""Logging to standard error as text or JSON lines: one line per event, secrets masked at
every level, repeats rate-limited.

Every handler carries the same filters (:func:`log_filters`): the repeat limiter, then
the secret mask. Under systemd (``JOURNAL_STREAM`` names standard error) the text lines
drop the timestamp, which journald records itself, and start with a ``<N>`` syslog
priority that journald turns into the entry's priority (``journalctl -p err``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from netwatch.core.secrets import mask_text

DEFAULT_REPEAT_LIMIT = 10
REPEAT_WINDOW = 60.0
# Distinct messages tracked at once; past that, new ones pass unlimited until windows end.
MAX_TRACKED = 1000
_SUMMARY = "netwatch_repeat_summary"
_UNLIMITED = "netwatch_unlimited"
UNLIMITED = {_UNLIMITED: True}
"""``extra=UNLIMITED``: a record the repeat limiter always lets through (the answer to
something an operator did, such as a reload)."""
_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3}
# Line breaks and other control characters, escaped so that one record is one line.
_ONE_LINE = {code: f"\\x{code:02x}" for code in (*range(32), 127) if code != 9}
_ONE_LINE.update({10: "\\n", 13: "\\r", 0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"})


class SecretMask(logging.Filter):
    """Masks credentials in URLs, token-like parameters and Authorization values of every
    record a handler emits: its message and any traceback, before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} (unformattable log arguments)"
        record.msg, record.args = mask_text(message), None
        if record.exc_info:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


@dataclass
class _Window:
    """One message's current minute: how many passed, how many were held back."""

    started: float
    passed: int = 1
    suppressed: int = 0
    last: logging.LogRecord | None = field(default=None, repr=False)


class RepeatLimiter(logging.Filter):
    """Lets the same message through at most ``limit`` times per ``window`` seconds.

    "The same" is the logger, the level and the whole message: a probe failing for two
    targets is two messages, each with its own count.
    The records held back are counted; when the window ends, one summary record ("...
    repeated K more times in the last 60 s") goes to ``handler``: from a timer, or
    earlier with the next record. Thread-safe, and it tracks at most
    :data:`MAX_TRACKED` messages. Put it before :class:`SecretMask`, which fills the
    values in (the summary passes through the mask too).
    """

    def __init__(
        self,
        handler: logging.Handler,
        limit: int = DEFAULT_REPEAT_LIMIT,
        window: float = REPEAT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._handler = handler
        self._limit = limit
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int, str], _Window] = {}
        self._next_end = float("inf")
        self._timer: threading.Timer | None = None
        _limiters.add(self)

    def filter(self, record: logging.LogRecord) -> bool:
        exempt = getattr(record, _SUMMARY, False) or getattr(record, _UNLIMITED, False)
        if self._limit <= 0 or exempt:
            return True
        # Made outside the lock: filling the values in runs their __str__, which may log.
        held = _held(record)
        # Masked: a handler before this one may have masked the record already, or not.
        key = (record.name, record.levelno, mask_text(str(held.msg)))
        now = self._clock()
        with self._lock:
            due = self._take_ended(now, everything=False)
            window = self._windows.get(key)
            if window is None:
                if len(self._windows) < MAX_TRACKED:
                    self._windows[key] = _Window(now)
                    self._next_end = min(self._next_end, now + self._window)
                allowed = True
            elif window.passed < self._limit:
                window.passed += 1
                allowed = True
            else:
                window.suppressed += 1
                window.last = held
                self._arm(window.started + self._window - now)
                allowed = False
        self._emit(due)
        return allowed

    def flush(self, everything: bool = False) -> None:
        """Send the summaries of ended windows; with ``everything``, of all (at shutdown)."""
        with self._lock:
            timer, self._timer = self._timer, None
            if timer is not None and timer is not threading.current_thread():
                timer.cancel()
            due = self._take_ended(self._clock(), everything)
            waiting = [w.started for w in self._windows.values() if w.suppressed]
            if waiting and not everything:
                self._arm(min(waiting) + self._window - self._clock())
        self._emit(due)

    def _take_ended(self, now: float, everything: bool) -> list[logging.LogRecord]:
        """Summary records of the windows that ended (all, with ``everything``), removed."""
        if not everything and now < self._next_end:
            return []
        ended = [key for key, w in self._windows.items()
                 if everything or now - w.started >= self._window]  # fmt: skip
        summaries = []
        for key in ended:
            window = self._windows.pop(key)
            if window.suppressed and window.last is not None:
                seconds = min(self._window, now - window.started)
                summaries.append(_summary(window.last, window.suppressed, seconds))
        starts = [w.started for w in self._windows.values()]
        self._next_end = min(starts) + self._window if starts else float("inf")
        return summaries

    def _arm(self, delay: float) -> None:
        """Flush after ``delay`` seconds unless a flush is already due; under the lock."""
        if self._timer is None:
            self._timer = threading.Timer(max(delay, 0.0), self.flush)
            self._timer.daemon = True
            self._timer.start()

    def _emit(self, summaries: list[logging.LogRecord]) -> None:
        for summary in summaries:
            self._handler.handle(summary)


_limiters: weakref.WeakSet[RepeatLimiter] = weakref.WeakSet()


def _held(record: logging.LogRecord) -> logging.LogRecord:
    """What a held-back record's summary needs: not its traceback, which holds frames."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit the format
        message = str(record.msg)
    return logging.makeLogRecord(
        {
            "name": record.name,
            "levelno": record.levelno,
            "levelname": record.levelname,
            "pathname": record.pathname,
            "lineno": record.lineno,
            "funcName": record.funcName,
            "msg": message,
        }
    )


def _summary(last: logging.LogRecord, count: int, seconds: float) -> logging.LogRecord:
    """The record that stands for ``count`` held-back repeats of ``last``."""
    summary = logging.LogRecord(
        last.name,
        last.levelno,
        last.pathname,
        last.lineno,
        "%s (repeated %d more times in the last %.0f s)",
        (last.msg, count, seconds),
        None,
        last.funcName,
    )
    setattr(summary, _SUMMARY, True)
    return summary


def log_filters(
    handler: logging.Handler, repeat_limit: int = DEFAULT_REPEAT_LIMIT
) -> list[logging.Filter]:
    """The filters every netwatch log handler carries, in order: add each to ``handler``.

    The repeat limiter (its summaries go to ``handler``; ``repeat_limit`` 0 turns it
    off), then :class:`SecretMask`. For a handler of its own, e.g. the Windows Event Log::

        for log_filter in log_filters(handler, settings.log.repeat_limit):
            handler.addFilter(log_filter)
    """
    return [RepeatLimiter(handler, repeat_limit), SecretMask()]


def flush_logs() -> None:
    """Send every pending repeat summary and flush the handlers (before the agent exits)."""
    for limiter in list(_limiters):
        limiter.flush(everything=True)
    for handler in logging.getLogger("netwatch").handlers:
        handler.flush()


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters escaped (``\\n``, ``\\x1b``)."""
    return text.translate(_ONE_LINE)


class OneLineFormatter(logging.Formatter):
    """Text lines: a multi-line message or a traceback stays on its record's one line.

    With ``journal``, no timestamp (journald adds its own) and a ``<N>`` priority prefix.
    """

    def __init__(self, journal: bool = False) -> None:
        super().__init__(
            "%(levelname)s %(name)s: %(message)s"
            if journal
            else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        self._journal = journal

    def format(self, record: logging.LogRecord) -> str:
        line = one_line(super().format(record))
        if self._journal:
            return f"<{_PRIORITIES.get(record.levelno, 2)}>{line}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg and exc when there is a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def stderr_is_journal() -> bool:
    """True when standard error is a journald stream (systemd sets ``JOURNAL_STREAM``)."""
    expected = os.environ.get("JOURNAL_STREAM")
    if not expected:
        return False
    try:
        status = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no stderr, or not a real file
        return False
    return expected == f"{status.st_dev}:{status.st_ino}"


def setup_logging(
    level: str = "info", fmt: str = "text", repeat_limit: int = DEFAULT_REPEAT_LIMIT
) -> None:
    """Send netwatch's logs to stderr at ``level`` in ``fmt`` (text or json).

    One line per record, secrets masked, at most ``repeat_limit`` repeats a minute.
    """
    handler = logging.StreamHandler(sys.stderr)
    for log_filter in log_filters(handler, repeat_limit):
        handler.addFilter(log_filter)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(OneLineFormatter(journal=stderr_is_journal()))
    root = logging.getLogger("netwatch")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
