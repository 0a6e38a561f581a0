"""Long-running programs a test starts (Prometheus, Alertmanager, VictoriaMetrics...)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def start_process(argv: list[str], log_path: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    """``argv`` started with its stdout and stderr in ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kwargs)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` (killed after 15 s) unless it has already ended."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
