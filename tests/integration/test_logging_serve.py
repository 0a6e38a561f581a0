"""``netwatch serve --log-format/--log-level`` override the config file's log settings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import free_port, netwatch_argv


def test_flags_override_the_file_and_every_line_is_one_json_object(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    # The small memory ceiling ends the agent by itself after a few seconds, with an error.
    config.write_text(
        "services: []\nserver:\n  max_rss: 16MiB\nlog:\n  level: debug\n  format: text\n"
    )
    argv = netwatch_argv("serve", "-c", str(config), "--listen", f"127.0.0.1:{free_port()}",
                         "--log-format", "json", "--log-level", "warning")  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 75, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert records, "the memory ceiling error is logged"
    assert {r["level"] for r in records} <= {"warning", "error"}
    assert [r["logger"] for r in records if r["level"] == "error"] == ["netwatch.agent"]
    assert records[-1]["msg"].startswith("memory ceiling exceeded: resident memory ")
    assert all(r["ts"].endswith("Z") for r in records)


def test_a_bad_log_format_is_a_usage_error() -> None:
    done = subprocess.run(netwatch_argv("serve", "--log-format", "xml"), capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    message = " ".join(done.stderr.replace("│", " ").split())  # the box typer draws
    assert (
        "Invalid value for '--log-format': 'xml' is not allowed; use one of: text, json" in message
    )
