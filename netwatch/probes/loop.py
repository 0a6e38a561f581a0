"""One long-lived asyncio loop in a background thread, for probes requested from threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Runs coroutines submitted from other threads on a single event loop.

    Starting a loop per request (``asyncio.run``) costs more than a probe on
    loopback; one shared loop keeps ``/probe`` cheap.
    """

    def __init__(self, name: str = "probe-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coroutine`` on the loop and wait up to ``timeout`` seconds for its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        """Stop the loop thread."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(2)
