"""Log output: one line per event, journald priorities, rate-limited repeats."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator

import pytest

from netwatch.logsetup import (
    UNLIMITED,
    OneLineFormatter,
    RepeatLimiter,
    SecretMask,
    flush_logs,
    log_filters,
    setup_logging,
    stderr_is_journal,
)
from tests.conftest import wait_until

SECRET = "hunter2-s3cret"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Collecting(logging.Handler):
    """Keeps each line its formatter writes."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def netwatch_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("netwatch")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def limited(limit: int, clock: Clock) -> tuple[logging.Logger, Collecting]:
    handler = Collecting()
    handler.addFilter(RepeatLimiter(handler, limit, window=60.0, clock=clock))
    handler.addFilter(SecretMask())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(f"netwatch.test.limit{id(handler)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, handler


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_traceback_and_line_breaks_stay_on_one_line(netwatch_logger, capfd, fmt) -> None:
    setup_logging("debug", fmt)
    log = logging.getLogger("netwatch.test")
    log.warning("first line\nINFO netwatch.fake: forged line\r\x1b[31mred")
    try:
        raise ValueError(f"bad\nvalue https://admin:{SECRET}@fs01/")
    except ValueError:
        log.exception("probe crashed")
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 2
    assert SECRET not in "\n".join(lines)
    if fmt == "json":
        first, second = (json.loads(line) for line in lines)
        assert first["msg"] == "first line\nINFO netwatch.fake: forged line\r\x1b[31mred"
        assert second["exc"].startswith("Traceback") and "ValueError: bad\nvalue" in second["exc"]
    else:
        assert lines[0].endswith(
            "WARNING netwatch.test: first line\\nINFO netwatch.fake: forged line\\r\\x1b[31mred"
        )
        assert "probe crashed\\nTraceback (most recent call last):\\n" in lines[1]
        assert "ValueError: bad\\nvalue https://admin:<redacted>@fs01/" in lines[1]


def test_journald_lines_have_a_priority_and_no_timestamp(tmp_path, netwatch_logger) -> None:
    formatter = OneLineFormatter(journal=True)
    lines = [
        formatter.format(logging.LogRecord("netwatch.x", level, "f.py", 1, "hello", None, None))
        for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
    ]
    assert lines == [f"<{p}>{name} netwatch.x: hello" for p, name in
                     ((7, "DEBUG"), (6, "INFO"), (4, "WARNING"), (3, "ERROR"), (2, "CRITICAL"))]  # fmt: skip
    plain = OneLineFormatter().format(
        logging.LogRecord("n", logging.INFO, "f", 1, "hi", None, None)
    )
    assert plain[:4].isdigit() and plain.endswith(" INFO n: hi")


def test_stderr_is_the_journal_only_when_journal_stream_names_it(monkeypatch, tmp_path) -> None:
    path = tmp_path / "stream"
    with path.open("w") as stream:
        monkeypatch.setattr("sys.stderr", stream)
        status = os.fstat(stream.fileno())
        monkeypatch.delenv("JOURNAL_STREAM", raising=False)
        assert not stderr_is_journal()
        monkeypatch.setenv("JOURNAL_STREAM", f"{status.st_dev}:{status.st_ino + 1}")
        assert not stderr_is_journal()  # systemd gave the journal to another stream
        monkeypatch.setenv("JOURNAL_STREAM", f"{status.st_dev}:{status.st_ino}")
        assert stderr_is_journal()


def test_repeats_past_the_limit_are_summed_up_once_the_minute_ends() -> None:
    clock = Clock()
    logger, handler = limited(3, clock)
    for _ in range(10):
        logger.warning("collector %s failed: %s", "software", "timeout")
    logger.warning("collector %s failed: %s", "users", "timeout")  # another message
    logger.error("collector %s failed: %s", "software", "timeout")  # another level
    software = f"WARNING {logger.name}: collector software failed: timeout"
    assert handler.lines == [software] * 3 + [
        f"WARNING {logger.name}: collector users failed: timeout",
        f"ERROR {logger.name}: collector software failed: timeout",
    ]
    clock.now += 60
    logger.warning("collector %s failed: %s", "software", "timeout")
    assert handler.lines[5:] == [
        f"{software} (repeated 7 more times in the last 60 s)",
        software,
    ]


def test_the_same_template_with_other_values_is_another_message() -> None:
    """A probe failing for ten targets is ten events an operator needs, not one."""
    logger, handler = limited(2, Clock())
    for n in range(10):
        logger.debug("probe module=%s target=%s: refused", "http_2xx", f"http://10.0.0.{n}/")
    assert len(handler.lines) == 10


def test_the_summary_comes_without_a_further_message_and_is_masked() -> None:
    clock = Clock()
    logger, handler = limited(1, clock)
    for _ in range(4):
        logger.info("fetching %s", f"https://admin:{SECRET}@portal/")
    assert len(handler.lines) == 1
    limiter = next(f for f in handler.filters if isinstance(f, RepeatLimiter))
    limiter.flush()  # what its timer does; the minute has not ended
    assert len(handler.lines) == 1
    clock.now += 61
    limiter.flush()
    assert handler.lines[1] == (
        f"INFO {logger.name}: fetching https://admin:<redacted>@portal/ "
        "(repeated 3 more times in the last 60 s)"
    )
    assert SECRET not in "".join(handler.lines)


def test_the_timer_sends_the_summary() -> None:
    handler = Collecting()
    limiter = RepeatLimiter(handler, 2, window=0.2)
    handler.addFilter(limiter)
    logger = logging.getLogger("netwatch.test.timer")
    logger.handlers[:], logger.propagate = [handler], False
    for _ in range(5):
        logger.warning("disk full")
    assert wait_until(lambda: len(handler.lines) == 3, timeout=10)
    assert handler.lines[2].startswith("disk full (repeated 3 more times in the last")


def test_pending_summaries_are_written_at_shutdown(netwatch_logger, capfd) -> None:
    setup_logging("info", "text", repeat_limit=1)
    log = logging.getLogger("netwatch.test")
    for _ in range(3):
        log.warning("same")
    flush_logs()
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[1].endswith("WARNING netwatch.test: same (repeated 2 more times in the last 0 s)")


def test_no_limit_with_zero_or_for_the_answers_to_an_operator(netwatch_logger) -> None:
    logger, handler = limited(0, Clock())
    for _ in range(50):
        logger.warning("same")
    assert len(handler.lines) == 50
    logger, handler = limited(2, Clock())
    for n in range(20):
        logger.error("reload rejected: %s", f"line {n}", extra=UNLIMITED)
    assert len(handler.lines) == 20


def test_concurrent_repeats_are_counted_exactly() -> None:
    clock = Clock()
    logger, handler = limited(5, clock)
    threads = [
        threading.Thread(target=lambda: [logger.warning("busy %d", 1) for _ in range(200)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(handler.lines) == 5
    clock.now += 60
    logger.warning("done")
    assert handler.lines[5].endswith("(repeated 1595 more times in the last 60 s)")


def test_memory_is_bounded_by_the_tracked_messages(monkeypatch) -> None:
    monkeypatch.setattr("netwatch.logsetup.MAX_TRACKED", 20)
    clock = Clock()
    logger, handler = limited(1, clock)
    limiter = next(f for f in handler.filters if isinstance(f, RepeatLimiter))
    for n in range(100):
        logger.warning(f"unique message {n}")  # messages that never repeat
    assert len(handler.lines) == 100
    assert len(limiter._windows) == 20
    clock.now += 60
    logger.warning("later")
    assert len(limiter._windows) == 1


def test_an_event_log_handler_gets_the_same_filters() -> None:
    handler = Collecting()
    for log_filter in log_filters(handler, 2):
        handler.addFilter(log_filter)
    other = Collecting()  # another handler on the same logger, e.g. standard error
    for log_filter in log_filters(other, 2):
        other.addFilter(log_filter)
    logger = logging.getLogger("netwatch.test.eventlog")
    logger.handlers[:], logger.propagate = [other, handler], False
    for _ in range(5):
        logger.warning("login failed for %s", f"https://u:{SECRET}@h/")
    # The first handler's mask fills the values in; the second still counts the repeats.
    assert len(handler.lines) == len(other.lines) == 2
    assert SECRET not in "".join(handler.lines + other.lines)


def test_a_value_that_logs_while_being_formatted_does_not_deadlock() -> None:
    logger, handler = limited(1, Clock())

    class Loud:
        def __str__(self) -> str:
            logger.info("formatting a value")
            return "loud"

    for _ in range(3):
        logger.warning("value %s", Loud())
    assert f"WARNING {logger.name}: value loud" in handler.lines
    assert f"INFO {logger.name}: formatting a value" in handler.lines
