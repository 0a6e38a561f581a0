"""``posture``: security posture checks of the chosen policy, run in the background."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import Metric
from pydantic import Field, field_validator

from netwatch.collectors.registry import CollectorSpec, ScheduledSettings, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.core.settings import Duration
from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import HostAccess
from netwatch.posture.policy import load_policy
from netwatch.posture.runner import run_policy
from netwatch.posture.score import compute_score, result_label

RESULTS = ("pass", "fail", "waived", "not_applicable", "error")

CHECK_RESULT = MetricSpec(
    "netwatch_posture_check_result",
    "gauge",
    "Result of each posture check as a state set: 1 for the current result "
    "(pass, fail, waived, not_applicable, error), 0 for the others.",
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
            try:
                load_policy(value)
            except ConfigError as exc:
                raise ValueError("; ".join(exc.lines())) from None
        return value


def posture_families(results: list[Any], policy_name: str, finished: float) -> list[Metric]:
    """Metric families for one run's results."""
    score = compute_score(results)
    states = CHECK_RESULT.family()
    for result in results:
        current = result_label(result)
        labels = [result.meta.id, result.severity.value, result.meta.category]
        for state in RESULTS:
            states.add_metric([*labels, state], 1.0 if state == current else 0.0)
    counts, failed = COUNTS.family(), FAILED.family()
    for state in RESULTS:
        counts.add_metric([state], score.counts.get(state, 0))
    for severity, count in score.failed_by_severity.items():
        failed.add_metric([severity], count)
    policy = POLICY.family()
    policy.add_metric([], {"policy": policy_name})
    return [
        states,
        SCORE.single(score.value / 100.0),
        counts,
        failed,
        EXPIRED.single(score.expired_waivers),
        LAST_RUN.single(finished),
        policy,
    ]


class PostureCollector:
    """Runs the policy's checks for this host on each scheduled run."""

    def __init__(self, settings: PostureSettings, access: HostAccess) -> None:
        self._settings = settings
        self._access = access

    def collect(self) -> Iterator[Metric]:
        policy = load_policy(self._settings.policy)
        results = run_policy(policy, self._access, concurrency=self._settings.concurrency)
        yield from posture_families(results, policy.name, time.time())


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
