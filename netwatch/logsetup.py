"""Logging to standard error as text or JSON lines, secrets masked at every level."""

from __future__ import annotations

import json
import logging
import sys
import time

from netwatch.core.secrets import mask_text


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


class _JsonFormatter(logging.Formatter):
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


def setup_logging(level: str = "info", fmt: str = "text") -> None:
    """Send netwatch's logs to stderr at ``level`` in ``fmt`` (text or json), masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretMask())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("netwatch")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
