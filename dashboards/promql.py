"""The query conventions every dashboard shares.

Series are told apart by ``office`` (the external label each office's Prometheus adds
when its series leave through federation or remote_write), ``job`` and ``instance``.
Every join and every grouping names them, so two offices never merge or collide; on an
office's own Prometheus the label is absent and the ``$office`` variable is empty, which
matches it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Jobs that scrape agents (the shipped configs/prometheus/prometheus.yml names them so);
# netwatch-probe's targets are services, not hosts. The agent-down alert uses the same list.
AGENT_JOBS = "netwatch|netwatch-lan|netwatch-files"
HOST = "office, job, instance"
SERVICE = "office, service, target"
PROBE = "office, job, instance, service, kind"
DAY = 86400


@dataclass(frozen=True)
class Scope:
    """The variables a dashboard filters by, as label matchers on every selector.

    Multi-value variables match as regular expressions (Grafana joins their values as
    ``(a|b)``); ``single`` ones, which Grafana inserts as they are, match exactly.
    """

    variables: tuple[str, ...]
    single: tuple[str, ...] = ()

    def __call__(self, metric: str, *matchers: str) -> str:
        """``metric`` selected by the scope's variables and any further ``matchers``."""
        scoped = [
            f'{name}="${name}"' if name in self.single else f'{name}=~"${name}"'
            for name in self.variables
        ]
        return f"{metric}{{{', '.join([*scoped, *matchers])}}}"

    def up(self) -> str:
        """The agents' ``up`` series: one per host, present while Prometheus scrapes it."""
        return self("up")


def with_target(expr: str, scope: Scope) -> str:
    """``expr`` (per agent and service) with the service's ``target`` label attached."""
    return f"{expr} * on ({PROBE}) group_left (target) {scope('netwatch_probe_info')}"


def keep_offices(expr: str, scope: Scope) -> str:
    """``expr`` by office, with 0 for every office that has agents but no such series."""
    return f"({expr}) or on (office) (0 * count by (office) ({scope.up()}))"


def eq(label: str, value: str) -> str:
    """The matcher ``label="value"``."""
    return f'{label}="{value}"'


def regex(label: str, pattern: str) -> str:
    """The matcher ``label=~"pattern"``."""
    return f'{label}=~"{pattern}"'


def ne(label: str, value: str) -> str:
    """The matcher ``label!="value"``."""
    return f'{label}!="{value}"'


def not_regex(label: str, pattern: str) -> str:
    """The matcher ``label!~"pattern"``."""
    return f'{label}!~"{pattern}"'
