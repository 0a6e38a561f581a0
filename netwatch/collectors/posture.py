"""``posture``: security posture checks of the chosen policy, run in the background.

Each run is a child ``netwatch posture --format json`` process: the check code and its
peak memory never stay in the long-running agent, and a check that hangs or crashes
takes only the child with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client.core import Metric
from pydantic import Field, field_validator

from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.selfcommand import netwatch_argv
from netwatch.core.settings import Duration
from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import HostAccess
from netwatch.hostaccess.commands import run_tree

RESULTS = ("pass", "fail", "waived", "not_applicable", "error")

CHECK_RESULT = MetricSpec(
    "netwatch_posture_check_result",
    "gauge",
    "Result of each posture check: one series per check, value 1, whose result label is "
    "the current result (pass, fail, waived, not_applicable or error).",
    ("check", "severity", "category", "result"),
)
SCORE = MetricSpec(
    "netwatch_posture_score_ratio",
    "gauge",
    "Posture score 0-1: passed checks' severity weight over passed plus failed (unwaived).",
)
COUNTS = MetricSpec(
    "netwatch_posture_checks", "gauge", "Checks in the latest run, by result.", ("result",)
)
FAILED = MetricSpec(
    "netwatch_posture_failed_checks",
    "gauge",
    "Failed (unwaived) checks in the latest run, by severity.",
    ("severity",),
)
EXPIRED = MetricSpec(
    "netwatch_posture_expired_waivers",
    "gauge",
    "Failed checks whose waiver has expired (they count as failures).",
)
LAST_RUN = MetricSpec(
    "netwatch_posture_last_run_timestamp_seconds", "gauge", "Unix time the latest run finished."
)
POLICY = MetricSpec(
    "netwatch_posture_policy_info", "info", "The policy the checks ran under.", ("policy",)
)
POSTURE_METRICS = (CHECK_RESULT, SCORE, COUNTS, FAILED, EXPIRED, LAST_RUN, POLICY)


class PostureSettings(ScheduledSettings):
    """Which policy to run, and how often."""

    interval: Duration = Field(900.0, description="Time between two posture runs.")
    timeout: Duration = Field(300.0, description="Hard limit for one whole run.")
    policy: str | None = Field(
        None, description="Policy file; default: the built-in baseline policy."
    )
    concurrency: int = Field(4, ge=1, le=32, description="Checks running at the same time.")

    @field_validator("policy")
    @classmethod
    def _policy_loads(cls, value: str | None) -> str | None:
        if value is not None:
            # Here, not at the top: the checks run in a child process, so the agent
            # loads the policy code only to validate a configured policy file.
            from netwatch.posture.policy import load_policy

            try:
                load_policy(value)
            except ConfigError as exc:
                raise ValueError("; ".join(exc.lines())) from None
        return value


def posture_families(document: Mapping[str, Any], finished: float) -> list[Metric]:
    """Metric families for one run, from its ``netwatch posture --format json`` document."""
    score = document["score"]
    states = CHECK_RESULT.family()
    for record in document["results"]:
        labels = [str(record["id"]), str(record["severity"]), str(record["category"])]
        states.add_metric([*labels, str(record["result"])], 1.0)
    counts, failed = COUNTS.family(), FAILED.family()
    for state in RESULTS:
        counts.add_metric([state], float(score["counts"].get(state, 0)))
    for severity, count in score["failed_by_severity"].items():
        failed.add_metric([str(severity)], float(count))
    policy = POLICY.family()
    policy.add_metric([], {"policy": str(document["policy"])})
    return [
        states,
        SCORE.single(float(score["value"]) / 100.0),
        counts,
        failed,
        EXPIRED.single(float(score["expired_waivers"])),
        LAST_RUN.single(finished),
        policy,
    ]


class PostureWorkerError(RuntimeError):
    """The child posture run failed; the message says how."""


class PostureCollector:
    """Runs the policy's checks for this host in a child process on each scheduled run."""

    def __init__(self, settings: PostureSettings, access: HostAccess) -> None:
        self._settings = settings
        self._access = access

    def argv(self) -> list[str]:
        """The child's command line."""
        args = ["posture", "--format", "json", "--concurrency", str(self._settings.concurrency)]
        if self._settings.policy is not None:
            args += ["--policy", self._settings.policy]
        if not self._access.live:
            args += ["--root", self._access.files.root]
        return netwatch_argv(*args)

    def collect(self) -> Iterator[Metric]:
        document = run_worker(self.argv(), self._settings.timeout)
        try:
            families = posture_families(document, time.time())
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            message = f"netwatch posture gave an unexpected document: {exc!r}"
            raise PostureWorkerError(message) from None
        yield from families


def run_worker(argv: list[str], timeout: float) -> dict[str, Any]:
    """Run ``netwatch posture`` and return its JSON document (exit 0: all passed, 1: failures)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    try:
        # At the timeout the child is killed with the commands its checks started.
        done = run_tree(argv, timeout, env)
    except subprocess.TimeoutExpired:
        raise PostureWorkerError(f"netwatch posture did not finish within {timeout:.0f}s") from None
    if done.returncode not in (0, 1):
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise PostureWorkerError(f"netwatch posture exited with {done.returncode}: {lines[-1]}")
    try:
        document = json.loads(done.stdout)
    except ValueError as exc:
        raise PostureWorkerError(f"netwatch posture printed no JSON document: {exc}") from None
    if not isinstance(document, dict):
        raise PostureWorkerError("netwatch posture printed JSON that is not a document")
    return document


def _build(settings: PostureSettings, access: HostAccess, config: AgentConfig) -> PostureCollector:
    return PostureCollector(settings, access)


SPEC = register(
    CollectorSpec(
        name="posture",
        description="Security posture checks (default every 15 minutes).",
        settings_model=PostureSettings,
        factory=_build,
        metrics=POSTURE_METRICS,
    )
)
